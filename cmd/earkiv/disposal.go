package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// disposalCommand is gallring as a person. Proposing, attesting and
// carrying out a gallring join due here as subcommands.
func disposalCommand() *cli.Command {
	return &cli.Command{
		Name:  "disposal",
		Usage: "gallring, as a person: what is due",
		Subcommands: []*cli.Command{{
			Name:   "due",
			Usage:  "list the records whose gallring date has come that no gallringsstopp stops, with their basis",
			Flags:  personFlags(jsonFlag("the records as a JSON array")),
			Action: disposalDue,
		}},
	}
}

func disposalDue(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal due")
	if err != nil {
		return err
	}
	recs, err := cl.DisposalDue(c.Context)
	if err != nil {
		return personErr("disposal due", err)
	}
	if c.Bool("json") {
		return printJSON(recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(stdout, "Inget ska gallras i dag.")
		return nil
	}
	fmt.Fprintf(stdout, "%d ärenden och handlingar ska gallras:\n", len(recs))
	return printRecords(recs, outcomeText)
}
