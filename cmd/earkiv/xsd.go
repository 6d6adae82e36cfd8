package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/xsd"
	"github.com/earkiv/earkiv/schemas"
)

func xsdCommand() *cli.Command {
	var sets []string
	for s := range xsd.Entry {
		sets = append(sets, string(s))
	}
	sort.Strings(sets)
	return &cli.Command{
		Name:      "xsd",
		Usage:     "validate XML files against one official schema set (offline)",
		ArgsUsage: "FILE...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "set", Required: true, Usage: "schema set: " + strings.Join(sets, ", ")},
			schemaDirFlag(false),
		},
		Action: func(c *cli.Context) error {
			fsys, _, err := schemas.Open(globalString(c, "schema-dir"))
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			cat := xsd.New(fsys, xsd.Limits{})
			code := exitOK
			for _, p := range c.Args().Slice() {
				f, err := os.Open(p)
				if err != nil {
					return exitErr(exitFailure, "%v", err)
				}
				issues, err := cat.Validate(c.Context, xsd.Set(c.String("set")), f)
				_ = f.Close() // read only
				if err != nil {
					return exitErr(exitFailure, "%s: %v", p, err)
				}
				if len(issues) == 0 {
					fmt.Fprintf(stdout, "%s validates\n", p)
					continue
				}
				code = exitInvalid
				for _, is := range issues {
					fmt.Fprintf(stdout, "%s:%d:%d: %s\n", p, is.Line, is.Column, is.Message)
				}
			}
			if code != exitOK {
				return cli.Exit("", code)
			}
			return nil
		},
	}
}
