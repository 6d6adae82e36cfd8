package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/apiclient"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/service"
)

func accesslogCommand() *cli.Command {
	flags := func(extra ...cli.Flag) []cli.Flag {
		f := append([]cli.Flag{dataDirFlag(), tenantsFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "the municipality whose log it is (as a person: your own, the default)"},
			natsURLFlag(clientNATSUsage), natsAddrFlag()}, natsLoginFlags()...)
		f = append(append(f, s3Flags(adminS3Usage)...), serverFlags()...)
		return append(f, extra...)
	}
	return &cli.Command{
		Name:  "accesslog",
		Usage: "the granskningslogg: verify a municipality's access log, or export it (on the data folder, or as a person with --server/--token)",
		Subcommands: []*cli.Command{{
			Name:   "verify",
			Usage:  "check that no entry was changed, removed or reordered (exit 0 intact, 1 not, 2 could not check)",
			Flags:  flags(&cli.BoolFlag{Name: "json", Usage: "the outcome as a JSON object"}),
			Before: findServe,
			Action: accesslogVerify,
		}, {
			Name:  "export",
			Usage: "print the log's entries, as JSON lines or CSV",
			Flags: flags(
				&cli.StringFlag{Name: "from", Usage: "first day, 2006-01-02 (UTC), inclusive"},
				&cli.StringFlag{Name: "to", Usage: "last day, 2006-01-02 (UTC), inclusive"},
				&cli.BoolFlag{Name: "json", Usage: "one JSON object per entry and line (the default)"},
				&cli.BoolFlag{Name: "csv", Usage: "CSV with a header line"},
			),
			Before: findServe,
			Action: accesslogExport,
		}},
	}
}

// openAccessLog reaches the data folder's NATS and buckets.
func openAccessLog(c *cli.Context) (*accesslog.Log, func(), error) {
	if c.String("tenant") == "" {
		return nil, nil, exitErr(exitInvalid, "--tenant is needed on the data folder")
	}
	if err := ids.Tenant(c.String("tenant")); err != nil {
		return nil, nil, exitErr(exitFailure, "--tenant: %v", err)
	}
	dataDir, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return nil, nil, exitErr(exitFailure, "%v", err)
	}
	q, stopQ, err := service.OpenQueue(c.Context, dataDir, c.String("tenants"), service.NATSConfig{URL: c.String("nats.url"), Addr: c.String("nats.addr"),
		User: c.String("nats.user"), Password: c.String("nats.password")}, nil)
	if err != nil {
		return nil, nil, exitErr(exitFailure, "accesslog: %v", err)
	}
	stores, stopS, err := adminStore(c)
	if err != nil {
		stopQ()
		return nil, nil, exitErr(exitFailure, "accesslog: %v", err)
	}
	l, err := service.OpenAccessLog(dataDir, c.String("tenants"), q, stores)
	if err != nil {
		stopS()
		stopQ()
		return nil, nil, exitErr(exitFailure, "accesslog: %v", err)
	}
	return l, func() { stopS(); stopQ() }, nil
}

// asPerson tells whether an access log command acts as a person over the
// API (--server or --token given) rather than on the data folder.
func asPerson(c *cli.Context) (bool, error) {
	person := c.IsSet("server") || c.IsSet("token")
	if person && c.IsSet("data-dir") {
		return false, exitErr(exitInvalid, "either --data-dir (on the data folder) or --server/--token (as a person), not both")
	}
	return person, nil
}

// ownLogClient is the person's client for their municipality's log,
// checking that --tenant, if given, is the person's own.
func ownLogClient(c *cli.Context) (*apiclient.Client, error) { return ownClient(c, "accesslog") }

func accesslogVerify(c *cli.Context) error {
	person, err := asPerson(c)
	if err != nil {
		return err
	}
	var r accesslog.Result
	t := c.String("tenant")
	if person {
		cl, err := ownLogClient(c)
		if err != nil {
			return err
		}
		res, err := cl.VerifyAccessLog(c.Context)
		if err != nil {
			return personErr("accesslog verify", err)
		}
		r, t = res.Result, res.Tenant
	} else {
		l, stop, err := openAccessLog(c)
		if err != nil {
			return err
		}
		defer stop()
		if err := logOwnRead(c, l, t, accesslog.VerifyLog, ""); err != nil {
			return err
		}
		if r, err = l.Verify(c.Context, t); err != nil {
			return exitErr(exitFailure, "accesslog verify %s: %v", t, err)
		}
	}
	if c.Bool("json") {
		if err := json.NewEncoder(stdout).Encode(api.VerifyResponse{Intact: r.Intact(), Result: r}); err != nil {
			return exitErr(exitFailure, "%v", err)
		}
		if !r.Intact() {
			return cli.Exit("", exitInvalid)
		}
		return nil
	}
	if !r.Intact() {
		fmt.Fprintf(stdout, "Granskningsloggen för %s är inte intakt: %s\n", t, r.Problem)
		return cli.Exit("", exitInvalid)
	}
	fmt.Fprintf(stdout, "Granskningsloggen för %s är intakt: %d poster, %d signerade kontrollpunkter.\n", t, r.Entries, r.Checkpoints)
	return nil
}

func accesslogExport(c *cli.Context) error {
	if c.Bool("json") && c.Bool("csv") {
		return exitErr(exitFailure, "accesslog export: --json or --csv, not both")
	}
	days := accesslog.Days{From: c.String("from"), To: c.String("to")}
	from, to, err := days.Times()
	if err != nil {
		return exitErr(exitFailure, "--%v", err)
	}
	person, err := asPerson(c)
	if err != nil {
		return err
	}
	if person {
		cl, err := ownLogClient(c)
		if err != nil {
			return err
		}
		if err := cl.ExportAccessLog(c.Context, days, c.Bool("csv"), stdout); err != nil {
			return personErr("accesslog export", err)
		}
		return nil
	}
	l, stop, err := openAccessLog(c)
	if err != nil {
		return err
	}
	defer stop()
	t := c.String("tenant")
	enc := json.NewEncoder(stdout)
	w := csv.NewWriter(stdout)
	if c.Bool("csv") {
		_ = w.Write(accesslog.CSVHeader)
	}
	if err := logOwnRead(c, l, t, accesslog.Export, days.String()); err != nil {
		return err
	}
	for e, err := range l.Export(c.Context, t, from, to) {
		if err != nil {
			return exitErr(exitFailure, "accesslog export %s: %v", t, err)
		}
		if c.Bool("csv") {
			err = w.Write(e.CSVRecord())
		} else {
			err = enc.Encode(e)
		}
		if err != nil {
			return exitErr(exitFailure, "accesslog export: %v", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return exitErr(exitFailure, "accesslog export: %v", err)
	}
	return nil
}

// logOwnRead logs a read of tenant's log made on the data folder, as made
// by the operator's account, before anything is read: the joint body's
// operator reading a municipality's log is itself in that log.
func logOwnRead(c *cli.Context, l *accesslog.Log, tenant string, a accesslog.Action, detail string) error {
	if _, err := l.Append(c.Context, accesslog.Entry{Tenant: tenant, Person: systemActor(), Action: a,
		Objects: []string{"accesslog"}, Detail: detail}); err != nil {
		return exitErr(exitFailure, "accesslog: the read could not be logged, so nothing is read: %v", err)
	}
	return nil
}
