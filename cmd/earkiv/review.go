package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/catalog"
)

func reviewCommand() *cli.Command {
	return &cli.Command{
		Name:  "review",
		Usage: "records the plan does not decide, as a person",
		Subcommands: []*cli.Command{{
			Name:   "list",
			Usage:  "list the records an archivist must look at (no rule matches, vid inaktualitet, a date missing), with the reason",
			Flags:  personFlags(jsonFlag("the records as a JSON array")),
			Action: reviewList,
		}},
	}
}

func reviewList(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	cl, err := ownClient(c, "review list")
	if err != nil {
		return err
	}
	recs, err := cl.Review(c.Context)
	if err != nil {
		return personErr("review list", err)
	}
	if c.Bool("json") {
		return printJSON(recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(stdout, "Inget att granska: planen avgör varje ärende och handling.")
		return nil
	}
	fmt.Fprintf(stdout, "%d ärenden och handlingar att granska:\n", len(recs))
	return printRecords(recs, reviewText)
}

// reviewText is why a record awaits review, with the rule and class it
// was matched on.
func reviewText(r catalog.Record) string {
	s := r.Outcome.Review
	if r.Outcome.Basis.Rule != "" {
		s += " (regel " + r.Outcome.Basis.Rule + ")"
	}
	if r.Class != "" || r.CaseType != "" {
		s += "; klass " + dash(r.Class) + ", ärendetyp " + dash(r.CaseType)
	}
	if r.DocType != "" {
		s += ", handlingstyp " + r.DocType
	}
	return s
}
