package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/ihp"
)

func retentionCommand() *cli.Command {
	return &cli.Command{
		Name:  "retention",
		Usage: "what the plan decides for archived records, as a person",
		Subcommands: []*cli.Command{{
			Name:      "show",
			Usage:     "the outcome (bevaras or gallras, with date and basis) of each case and document of an AIP or a case",
			ArgsUsage: "AIP-OR-DIARIENUMMER",
			Flags:     personFlags(jsonFlag("the records as a JSON array")),
			Action:    retentionShow,
		}},
	}
}

func retentionShow(c *cli.Context) error {
	args, err := wantArgs(c, 1)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "retention show")
	if err != nil {
		return err
	}
	recs, err := cl.Retention(c.Context, args[0])
	if err != nil {
		return personErr("retention show", err)
	}
	if c.Bool("json") {
		return printJSON(recs)
	}
	return printRecords(recs, outcomeText)
}

// printRecords writes records as a table, each case with its documents
// indented below it, and text(r) for what is said of each. The AIP is
// named once above the table, or in a column when there are several.
func printRecords(recs []catalog.Record, text func(catalog.Record) string) error {
	aips := map[string]bool{}
	for _, r := range recs {
		aips[r.AIP] = true
	}
	if len(aips) == 1 {
		fmt.Fprintf(stdout, "AIP %s (leverans %s):\n", recs[0].AIP, recs[0].PackageID)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, r := range recs {
		label := r.Case
		if r.Document != "" {
			label = "  " + r.Document
		}
		line := label + "\t" + text(r)
		if len(r.Holds) > 0 {
			line += "\tgallringsstopp " + strings.Join(r.Holds, ", ")
		}
		if len(aips) > 1 {
			line += "\tAIP " + r.AIP
		}
		fmt.Fprintln(w, line)
	}
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}

// outcomeText is a record's outcome in one Swedish line with its basis:
// "Gallras 2030-05-30 enligt regel 2.3.1, beslut KS 2019/123; plan v1, 5
// år från ärendets avslut 2025-05-30".
// A record disposed of reads "Gallrad 2026-06-01 genom gallringslista
// <id>; regel 2.3.1, plan v1, gallringsdatum 2020-01-01".
func outcomeText(r catalog.Record) string {
	if r.Outcome.Outcome != catalog.Gallrad {
		return outcomeLine(r.Outcome)
	}
	s := "Gallrad " + r.Outcome.Date + " genom gallringslista " + r.List
	var basis []string
	if r.Outcome.Basis.Rule != "" {
		basis = append(basis, "regel "+r.Outcome.Basis.Rule)
	}
	if r.Outcome.Basis.Plan != "" {
		basis = append(basis, "plan "+r.Outcome.Basis.Plan)
	}
	if r.DueDate != "" {
		basis = append(basis, "gallringsdatum "+r.DueDate)
	}
	if len(basis) > 0 {
		s += "; " + strings.Join(basis, ", ")
	}
	return s
}

func outcomeLine(o ihp.Outcome) string {
	s := o.Text()
	var basis []string
	if o.Basis.Plan != "" {
		basis = append(basis, "plan "+o.Basis.Plan)
	}
	if o.Review == "" && o.Basis.Frist != "" && o.Basis.Trigger != "" {
		f := o.Basis.Frist + " från " + string(o.Basis.Trigger)
		if o.Basis.TriggerDate != "" {
			f += " " + o.Basis.TriggerDate
		}
		basis = append(basis, f)
	}
	if o.Basis.Law != "" {
		basis = append(basis, "lagrum "+o.Basis.Law)
	}
	if len(basis) > 0 {
		s += "; " + strings.Join(basis, ", ")
	}
	return s
}
