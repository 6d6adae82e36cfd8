package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// disposalCommand is gallring as a person: what is due, and a gallring
// list from proposal through attest and execution to its protocol
// (disposal_list.go).
func disposalCommand() *cli.Command {
	listID := "LIST-ID"
	return &cli.Command{
		Name:  "disposal",
		Usage: "gallring, as a person: what is due, and gallring lists from proposal to protocol",
		Subcommands: []*cli.Command{{
			Name:   "due",
			Usage:  "list the records whose gallring date has come that no gallringsstopp stops, with their basis",
			Flags:  personFlags(jsonFlag("the records as a JSON array")),
			Action: disposalDue,
		}, {
			Name:  "propose",
			Usage: "propose a gallring list of the due records the filter chooses (arkivarie); the list's id is the last line",
			Flags: personFlags(
				&cli.StringFlag{Name: "class", Usage: "classification, with its sub-classes by dot segments, e.g. 2.3"},
				&cli.StringFlag{Name: "rule", Usage: "one rule of the plan, e.g. 2.3.1"},
				&cli.StringFlag{Name: "creator", Usage: "arkivbildare"},
				&cli.StringFlag{Name: "before", Usage: "gallring date on or before, 2006-01-02 (default: today)"},
				jsonFlag("the list as a JSON object"),
			),
			Action: disposalPropose,
		}, {
			Name:   "list",
			Usage:  "list the gallring lists",
			Flags:  personFlags(jsonFlag("the lists as a JSON array")),
			Action: disposalLists,
		}, {
			Name:      "show",
			Usage:     "a gallring list: its state, who proposed and attested it, the ångerfrist, exclusions, progress and items",
			ArgsUsage: listID,
			Flags:     personFlags(jsonFlag("the list with its items as a JSON object")),
			Action:    disposalShow,
		}, {
			Name:      "exclude",
			Usage:     "take an AIP's records out of a proposed list: kept, or postponed to a date (arkivarie)",
			ArgsUsage: listID,
			Flags: personFlags(
				&cli.StringFlag{Name: "aip", Usage: "the AIP's id (required)"},
				&cli.StringFlag{Name: "reason", Usage: "why it is excluded (required)"},
				&cli.StringFlag{Name: "postpone", Usage: "due again on this date, 2006-01-02 (default: kept, bevaras)"},
			),
			Action: disposalExclude,
		}, {
			Name:      "attest",
			Usage:     "attest a proposed list someone else proposed (arkivansvarig); the ångerfrist starts",
			ArgsUsage: listID,
			Flags:     personFlags(),
			Action:    disposalAttest,
		}, {
			Name:      "reject",
			Usage:     "send a proposed list back to its proposer with a comment (arkivansvarig)",
			ArgsUsage: listID,
			Flags:     personFlags(&cli.StringFlag{Name: "reason", Usage: "what is to change (required)"}),
			Action:    disposalReject,
		}, {
			Name:      "cancel",
			Usage:     "end a list that has not started executing",
			ArgsUsage: listID,
			Flags:     personFlags(&cli.StringFlag{Name: "reason", Usage: "why it is cancelled (required)"}),
			Action:    disposalCancel,
		}, {
			Name:      "execute",
			Usage:     "start an attested list whose ångerfrist has passed (arkivansvarig) and follow it until it is verkställd",
			ArgsUsage: listID,
			Flags:     personFlags(&cli.BoolFlag{Name: "no-wait", Usage: "return once it has started; serve carries it out"}),
			Action:    disposalExecute,
		}, {
			Name:      "protocol",
			Usage:     "write the gallringsprotokoll of a verkställd list to a file: its PDF, or its JSON twin",
			ArgsUsage: listID,
			Flags: personFlags(
				&cli.StringFlag{Name: "out", Usage: "the file to write (required; - for standard output)"},
				&cli.BoolFlag{Name: "force", Usage: "replace --out if it exists"},
				jsonFlag("write the protocol's JSON instead of its PDF"),
			),
			Action: disposalProtocol,
		}, {
			Name:      "verify",
			Usage:     "check that the stores hold nothing a verkställd list disposed of and lost nothing else; exit 1 if not",
			ArgsUsage: listID,
			Flags:     personFlags(jsonFlag("the outcome as a JSON object")),
			Action:    disposalVerify,
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
