package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/holds"
)

func holdCommand() *cli.Command {
	return &cli.Command{
		Name:  "hold",
		Usage: "gallringsstopp, as a person: stop gallring of records for a reason, lift it, list them",
		Subcommands: []*cli.Command{{
			Name:  "place",
			Usage: "stop gallring of one AIP, one case or every record a query matches (arkivansvarig); the hold's id is the last line",
			Flags: personFlags(
				&cli.StringFlag{Name: "aip", Usage: "an AIP's id"},
				&cli.StringFlag{Name: "case", Usage: "a case's diarienummer, in whichever AIPs hold it"},
				&cli.StringFlag{Name: "query", Usage: `records matching, now and ingested later, e.g. "klass=2.3 ärendetyp=Bygglov avslutad<=2020-12-31"`},
				&cli.StringFlag{Name: "reason", Usage: "why gallring stops (required)"},
				&cli.StringFlag{Name: "reference", Usage: "what it concerns, e.g. tvist, tillsyn, begäran om utlämnande KS 2026/123"},
			),
			Action: holdPlace,
		}, {
			Name:      "lift",
			Usage:     "lift a gallringsstopp (arkivansvarig)",
			ArgsUsage: "HOLD-ID",
			Flags:     personFlags(&cli.StringFlag{Name: "reason", Usage: "why it is lifted (required)"}),
			Action:    holdLift,
		}, {
			Name:   "list",
			Usage:  "list the gallringsstopp, newest first, lifted ones too",
			Flags:  personFlags(jsonFlag("the holds as a JSON array")),
			Action: holdList,
		}},
	}
}

func holdPlace(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	req := api.HoldRequest{AIP: strings.TrimSpace(c.String("aip")), Case: strings.TrimSpace(c.String("case")),
		Query: strings.TrimSpace(c.String("query")), Reason: strings.TrimSpace(c.String("reason")), Reference: strings.TrimSpace(c.String("reference"))}
	// The server checks the same; checking first spares a request and
	// says it in the flags' words.
	scope := holds.Scope{AIP: req.AIP, Case: req.Case}
	if req.Query != "" {
		q, err := holds.ParseQuery(req.Query)
		if err != nil {
			return exitErr(exitInvalid, "--query: %v", err)
		}
		scope.Query = q
	}
	if n := countSet(req.AIP, req.Case, req.Query); n != 1 {
		return exitErr(exitInvalid, "hold place: give exactly one of --aip, --case or --query (got %d)", n)
	}
	if err := scope.Check(); err != nil {
		return exitErr(exitInvalid, "hold place: %v", err)
	}
	if req.Reason == "" {
		return exitErr(exitInvalid, "hold place: --reason is required: say why gallring stops")
	}
	cl, err := ownClient(c, "hold place")
	if err != nil {
		return err
	}
	h, err := cl.PlaceHold(c.Context, req)
	if err != nil {
		return personErr("hold place", err)
	}
	fmt.Fprintf(stdout, "Gallringsstopp lagt på %s: %s\n", h.Scope, h.Reason)
	fmt.Fprintln(stdout, h.ID)
	return nil
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}

func holdLift(c *cli.Context) error {
	args, err := wantArgs(c, 1)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.String("reason"))
	if reason == "" {
		return exitErr(exitInvalid, "hold lift: --reason is required: say why the gallringsstopp is lifted")
	}
	cl, err := ownClient(c, "hold lift")
	if err != nil {
		return err
	}
	h, err := cl.LiftHold(c.Context, args[0], reason)
	if err != nil {
		return personErr("hold lift", err)
	}
	fmt.Fprintf(stdout, "Gallringsstopp %s på %s hävt: %s\n", h.ID, h.Scope, h.LiftNote)
	return nil
}

func holdList(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	cl, err := ownClient(c, "hold list")
	if err != nil {
		return err
	}
	hs, err := cl.Holds(c.Context)
	if err != nil {
		return personErr("hold list", err)
	}
	if c.Bool("json") {
		return printJSON(hs)
	}
	if len(hs) == 0 {
		fmt.Fprintln(stdout, "Inga gallringsstopp.")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tOMFATTNING\tSKÄL\tREFERENS\tLAGT\tAV")
	for _, h := range hs {
		status := "aktivt"
		if !h.Active() {
			status = "hävt " + h.Lifted.Local().Format("2006-01-02") + " av " + h.LiftedBy
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, status, h.Scope, h.Reason, dash(h.Reference), h.Placed.Local().Format("2006-01-02 15:04"), h.PlacedBy)
	}
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}
