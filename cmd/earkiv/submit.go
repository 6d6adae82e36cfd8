package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/queue"
)

func producerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "tenant", Required: true, Usage: "the municipality (tenant id) submitting", EnvVars: []string{"EARKIV_TENANT"}},
		natsURLFlag(clientNATSUsage),
		dataDirFlag(),
		&cli.StringFlag{Name: "user", Usage: "producer login (default: the tenant id)", EnvVars: []string{"EARKIV_USER"}},
		&cli.StringFlag{Name: "password", Usage: "producer password (prefer EARKIV_PASSWORD or --password-file)", EnvVars: []string{"EARKIV_PASSWORD"}},
		&cli.StringFlag{Name: "password-file", Usage: "file holding the producer password"},
		&cli.BoolFlag{Name: "json", Usage: "print receipts as JSON"},
	}
}

func producerConnect(c *cli.Context) (*queue.Client, error) {
	user := c.String("user")
	if user == "" {
		user = c.String("tenant")
	}
	pass := c.String("password")
	if f := c.String("password-file"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, exitErr(exitFailure, "password file: %v", err)
		}
		pass = strings.TrimSpace(string(b))
	}
	if pass == "" {
		return nil, exitErr(exitFailure, "no producer password: set EARKIV_PASSWORD, --password-file or --password")
	}
	ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
	defer cancel()
	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: c.String("nats.url"), User: user, Password: pass, Tenant: c.String("tenant"), Name: "earkiv-submit"})
	if err != nil {
		return nil, exitErr(exitFailure, "%v", err)
	}
	return q, nil
}

func submitCommand() *cli.Command {
	return &cli.Command{
		Name:      "submit",
		Usage:     "submit delivery packages (folder, .zip, .tar, .tar.gz) for ingest",
		ArgsUsage: "PACKAGE...",
		Description: `Streams each package into the tenant's package store on NATS (chunked, any
size; a folder is sent as a tar made on the fly) and queues an ingest request.
Prints the submission ids. With --wait it waits for the receipts (kvittenser);
for several packages one subscription collects them all.

Exit status: 0 submitted (with --wait: all accepted, or already archived), 1 any
rejected or failed, 2 could not submit.`,
		Before: findServe,
		Flags: append(producerFlags(),
			&cli.BoolFlag{Name: "wait", Usage: "wait for the receipts"},
			&cli.DurationFlag{Name: "timeout", Value: time.Hour, Usage: "how long --wait waits"},
			&cli.StringFlag{Name: "submission-id", Usage: "reuse an id to retry a submission safely (duplicates are dropped; one PACKAGE only)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() < 1 {
				return exitErr(exitFailure, "submit: give at least one PACKAGE")
			}
			if c.NArg() > 1 && c.String("submission-id") != "" {
				return exitErr(exitFailure, "submit: --submission-id names one submission; give one PACKAGE")
			}
			if id := c.String("submission-id"); id != "" {
				if err := ids.Submission(id); err != nil {
					return exitErr(exitFailure, "submit: --submission-id: %v", err)
				}
			}
			q, err := producerConnect(c)
			if err != nil {
				return err
			}
			defer q.Close()
			tenantID := c.String("tenant")
			ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
			defer cancel()
			var await *queue.Await
			if c.Bool("wait") && c.NArg() > 1 {
				if await, err = q.Await(ctx, tenantID); err != nil {
					return exitErr(exitFailure, "%v", err)
				}
			}
			var subs []string
			pkgs := pkgstore.New(q)
			for _, p := range c.Args().Slice() {
				req, err := pkgs.Submit(c.Context, tenantID, p, pkgstore.SubmitOptions{SubmissionID: c.String("submission-id")})
				if err != nil {
					return exitErr(exitFailure, "%v (submitted before it: %s)", err, strings.Join(subs, ", "))
				}
				fmt.Fprintf(os.Stderr, "submitted %s as %s (%d bytes)\n", req.Name, req.SubmissionID, req.Size)
				subs = append(subs, req.SubmissionID)
			}
			if !c.Bool("wait") {
				fmt.Fprintln(stdout, strings.Join(subs, "\n"))
				return nil
			}
			if await == nil {
				r, err := q.WaitReceipt(ctx, tenantID, subs[0])
				if err != nil {
					return exitErr(exitFailure, "%v (the submission %s is queued; ask later with earkiv receipt)", err, subs[0])
				}
				return printReceipt(stdout, r, c.Bool("json"))
			}
			failed := 0
			err = await.Receipts(ctx, subs, func(r *earkiv.Receipt) {
				if printReceipt(stdout, r, c.Bool("json")) != nil {
					failed++
				}
			})
			if err != nil {
				return exitErr(exitFailure, "%v; ask later with earkiv receipt", err)
			}
			if failed > 0 {
				return cli.Exit("", exitInvalid)
			}
			return nil
		},
	}
}

func receiptCommand() *cli.Command {
	return &cli.Command{
		Name:      "receipt",
		Usage:     "show the receipt (kvittens) of a submission id or package id",
		ArgsUsage: "ID",
		Description: `Exit status: 0 accepted (or already archived), 1 rejected or failed,
2 no receipt yet or could not ask.`,
		Flags:  producerFlags(),
		Before: findServe,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitErr(exitFailure, "receipt: give one ID")
			}
			q, err := producerConnect(c)
			if err != nil {
				return err
			}
			defer q.Close()
			ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
			defer cancel()
			r, err := q.Receipt(ctx, c.String("tenant"), c.Args().First())
			if errors.Is(err, earkiv.ErrNoReceipt) {
				return exitErr(exitFailure, "no receipt for %s yet", ids.Quote(c.Args().First()))
			}
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			return printReceipt(stdout, r, c.Bool("json"))
		},
	}
}

func printReceipt(w io.Writer, r *earkiv.Receipt, asJSON bool) error {
	if asJSON {
		// One object per line: several receipts (submit --wait of many
		// packages) are JSON Lines a script reads line by line.
		if err := json.NewEncoder(w).Encode(r); err != nil {
			return exitErr(exitFailure, "%v", err)
		}
	} else {
		fmt.Fprintf(w, "receipt for submission %s (%s)\n", r.SubmissionID, r.Tenant)
		fmt.Fprintf(w, "  status:    %s\n", r.Status)
		if r.Reason != "" {
			fmt.Fprintf(w, "  reason:    %s\n", r.Reason)
		}
		if r.PackageID != "" {
			fmt.Fprintf(w, "  package:   %s\n", r.PackageID)
		}
		if r.AIPID != "" {
			fmt.Fprintf(w, "  AIP:       %s\n", r.AIPID)
		}
		fmt.Fprintf(w, "  files:     %d (%d bytes)\n", r.Files, r.Bytes)
		fmt.Fprintf(w, "  submitted: %s\n  finished:  %s\n", r.Submitted.Format(time.RFC3339), r.Finished.Format(time.RFC3339))
		if r.Report != nil && r.Report.Errors > 0 {
			fmt.Fprintln(w, "  errors:")
			for _, f := range r.Report.Findings {
				if f.Level == "MUST" {
					fmt.Fprintf(w, "    %s %s: %s\n", f.RuleID, f.Location, f.Message)
				}
			}
		}
	}
	if !r.OK() {
		return cli.Exit("", exitInvalid)
	}
	return nil
}
