package main

import "github.com/urfave/cli/v2"

func sampleCommand() *cli.Command {
	return &cli.Command{Name: "sample", Usage: "write sample packages", Subcommands: []*cli.Command{}}
}
