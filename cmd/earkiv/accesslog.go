package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/service"
)

func accesslogCommand() *cli.Command {
	flags := func(extra ...cli.Flag) []cli.Flag {
		f := append([]cli.Flag{dataDirFlag(), tenantsFlag(),
			&cli.StringFlag{Name: "tenant", Required: true, Usage: "the municipality whose log it is"},
			natsURLFlag(clientNATSUsage), natsAddrFlag()}, natsLoginFlags()...)
		return append(append(f, s3Flags(adminS3Usage)...), extra...)
	}
	return &cli.Command{
		Name:  "accesslog",
		Usage: "the granskningslogg: verify a municipality's access log, or export it",
		Subcommands: []*cli.Command{{
			Name:   "verify",
			Usage:  "check that no entry was changed, removed or reordered (exit 0 intact, 1 not, 2 could not check)",
			Flags:  flags(),
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

func accesslogVerify(c *cli.Context) error {
	l, stop, err := openAccessLog(c)
	if err != nil {
		return err
	}
	defer stop()
	t := c.String("tenant")
	r, err := l.Verify(c.Context, t)
	if err != nil {
		return exitErr(exitFailure, "accesslog verify %s: %v", t, err)
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
	var from, to time.Time
	for _, d := range []struct {
		flag string
		t    *time.Time
		add  int
	}{{"from", &from, 0}, {"to", &to, 1}} {
		if s := c.String(d.flag); s != "" {
			day, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return exitErr(exitFailure, "--%s %q: want a date such as 2025-03-01", d.flag, s)
			}
			*d.t = day.AddDate(0, 0, d.add)
		}
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
