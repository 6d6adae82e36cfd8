package main

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// What the commands acting as a person share beside their client
// (personClient, ownClient): arguments, JSON answers, empty cells.

func jsonFlag(usage string) cli.Flag { return &cli.BoolFlag{Name: "json", Usage: usage} }

// wantArgs returns the command's n arguments. Flags may follow them, as
// in "hold lift ID --reason TEXT": the flag parser stops at the first
// argument, so those after it are set here.
func wantArgs(c *cli.Context, n int) ([]string, error) {
	name := strings.TrimPrefix(c.Command.HelpName, c.App.Name+" ") // "plan diff"
	var pos []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flag, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := commandFlag(c.Command, flag)
		if f == nil {
			return nil, exitErr(exitInvalid, "%s: no flag %s", name, a)
		}
		if _, isBool := f.(*cli.BoolFlag); isBool && !hasVal {
			val = "true"
		} else if !hasVal {
			if i+1 == len(args) {
				return nil, exitErr(exitInvalid, "%s: %s needs a value", name, a)
			}
			i++
			val = args[i]
		}
		if err := c.Set(flag, val); err != nil {
			return nil, exitErr(exitInvalid, "%s: %s: %v", name, a, err)
		}
	}
	if len(pos) != n {
		want := c.Command.ArgsUsage
		if want == "" {
			want = "no arguments"
		}
		return nil, exitErr(exitInvalid, "%s: want %s, got %q", name, want, pos)
	}
	return pos, nil
}

func commandFlag(cmd *cli.Command, name string) cli.Flag {
	for _, f := range cmd.Flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// printJSON writes v as the command's JSON answer.
func printJSON(v any) error {
	if err := json.NewEncoder(stdout).Encode(v); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
