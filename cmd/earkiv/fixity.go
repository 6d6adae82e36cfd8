package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/tenant"
)

// fixityEnv is what both fixity commands need.
type fixityEnv struct {
	reg     *tenant.Registry
	stores  *placement.Stores
	stop    func()
	cat     *catalog.Catalog
	q       *queue.Client
	dataDir string
}

func openFixityEnv(c *cli.Context) (*fixityEnv, error) {
	dataDir, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return nil, err
	}
	path, _ := filepath.Abs(tenantsPath(c))
	reg, err := tenant.Load(path)
	if err != nil {
		return nil, err
	}
	stores, stop, err := adminStore(c)
	if err != nil {
		return nil, err
	}
	env := &fixityEnv{reg: reg, stores: stores, stop: stop, dataDir: dataDir}
	if _, err := os.Stat(service.CatalogFile(dataDir)); err == nil {
		if env.cat, err = catalog.Open(c.Context, service.CatalogFile(dataDir)); err != nil {
			stop()
			return nil, err
		}
	}
	pass := c.String("nats.password")
	if pass == "" {
		if sec, err := service.LoadSecrets(dataDir, false); err == nil {
			pass = sec.NATSPassword
		}
	}
	ctx, cancel := context.WithTimeout(c.Context, 3*time.Second)
	defer cancel()
	if q, err := queue.Connect(ctx, queue.ConnectOptions{URL: c.String("nats.url"), User: c.String("nats.user"), Password: pass, Name: "earkiv-fixity"}); err == nil {
		env.q = q
	} else {
		fmt.Fprintf(os.Stderr, "warning: no NATS (%v): audit events will not be published\n", err)
	}
	return env, nil
}

func (e *fixityEnv) close() {
	if e.q != nil {
		e.q.Close()
	}
	if e.cat != nil {
		if err := e.cat.Close(); err != nil {
			slog.Warn("close catalog", "err", err)
		}
	}
	e.stop()
}

func (e *fixityEnv) tenants(c *cli.Context) ([]*tenant.Tenant, error) {
	if id := c.String("tenant"); id != "" {
		t, err := e.reg.Get(id)
		if err != nil {
			return nil, err
		}
		return []*tenant.Tenant{t}, nil
	}
	if !c.Bool("all") {
		return nil, fmt.Errorf("say which tenants: --tenant ID or --all")
	}
	return e.reg.Sorted(), nil
}

func fixityCommand() *cli.Command {
	return &cli.Command{
		Name:  "fixity",
		Usage: "verify stored objects against their recorded checksums, and repair from replicas",
		Subcommands: []*cli.Command{
			{
				Name:  "audit",
				Usage: "stream objects back from S3, recompute SHA-256 and compare; find missing and orphaned objects",
				Description: `The expected digests come from the AIP manifests in each bucket. Every
result is kept in <data-dir>/audits/<run>.jsonl, so an interrupted audit (Ctrl-C,
crash) resumes with --resume RUN. Each audited AIP gets a PREMIS event log
(<aip>/events/fixity-<run>.xml), the catalog records when each object was last
verified, and each tenant gets one fixity.audit event per run.

Exit status: 0 everything verified, 1 any mismatch, missing object, orphan or
unreadable object, 2 the audit could not run or was interrupted.`,
				Flags: append([]cli.Flag{
					dataDirFlag(), tenantsFlag(),
					&cli.StringFlag{Name: "tenant", Usage: "audit this tenant"},
					&cli.BoolFlag{Name: "all", Usage: "audit every tenant"},
					&cli.StringFlag{Name: "aip", Usage: "only this AIP"},
					periodFlag("not-checked-for", "", "only objects not verified within this period, e.g. 90d"),
					&cli.Float64Flag{Name: "sample", Usage: "check this percentage of the objects (a stable random sample per run)"},
					rateFlag("rate", "", "read at most this fast over all workers, e.g. 200MB/s"),
					&cli.IntFlag{Name: "workers", Value: 4, Usage: "objects read at once"},
					periodFlag("orphan-grace", "24h", "objects outside any AIP younger than this may be an ingest in progress and are not orphans"),
					&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
					&cli.BoolFlag{Name: "csv", Usage: "print the failed objects as CSV"},
					&cli.StringFlag{Name: "report", Usage: "also write the result to this file (JSON, or CSV if it ends in .csv)"},
					&cli.StringFlag{Name: "resume", Usage: "resume an interrupted run by its id"},
				}, storeFlags()...),
				Before: findServe,
				Action: fixityAudit,
			},
			{
				Name:  "repair",
				Usage: "restore objects that failed an audit from the tenant's replica",
				Description: `Takes the failed objects of an audit run (default: the latest), copies each
from the tenant's replica if the replica's copy matches the recorded SHA-256
(the store refuses it otherwise), reads it back to verify, and records a PREMIS
event log (<aip>/events/repair-<run>.xml) and a fixity.repair event.

Exit status: 0 all repaired, 1 some could not be repaired, 2 could not run.`,
				Flags: append([]cli.Flag{
					dataDirFlag(), tenantsFlag(),
					&cli.StringFlag{Name: "run", Usage: "audit run id (default: the latest)"},
					&cli.StringFlag{Name: "tenant", Usage: "only this tenant's objects"},
				}, storeFlags()...),
				Before: findServe,
				Action: fixityRepair,
			},
		},
	}
}

func fixityAudit(c *cli.Context) error {
	if c.Bool("json") && c.Bool("csv") {
		return exitErr(exitFailure, "--json and --csv exclude each other")
	}
	notChecked, grace, rateV := period(c, "not-checked-for").Duration(), period(c, "orphan-grace").Duration(), int64(rate(c, "rate"))
	if s := c.Float64("sample"); s < 0 || s > 100 {
		return exitErr(exitFailure, "--sample: want a percentage between 0 and 100")
	}
	if a := c.String("aip"); a != "" {
		if err := ids.AIP(a); err != nil {
			return exitErr(exitFailure, "--aip: %v", err)
		}
	}
	// Before the stores open: an embedded gateway's backend changes the
	// working folder, which would move a relative --report into it.
	report := c.String("report")
	if report != "" {
		var err error
		if report, err = filepath.Abs(report); err != nil {
			return exitErr(exitFailure, "--report: %v", err)
		}
	}
	env, err := openFixityEnv(c)
	if err != nil {
		return exitErr(exitFailure, "fixity audit: %v", err)
	}
	defer env.close()
	tenants, err := env.tenants(c)
	if err != nil {
		return exitErr(exitFailure, "fixity audit: %v", err)
	}
	dir := filepath.Join(env.dataDir, "audits")
	params := map[string]string{"tenant": c.String("tenant"), "aip": c.String("aip"), "sample": fmt.Sprint(c.Float64("sample"))}
	run, err := audit.Begin(dir, c.String("resume"), params)
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	job := &audit.Job{
		Options: audit.Options{Tenants: tenants, Place: env.stores, AIP: c.String("aip"), NotCheckedIn: notChecked,
			Sample: c.Float64("sample"), Rate: rateV, Workers: c.Int("workers"), OrphanGrace: grace},
		Run: run, Lookup: env.reg.Get, Version: version, Progress: &audit.Progress{},
	}
	if env.cat != nil {
		job.Verified = env.cat
	}
	if env.q != nil {
		job.Publish = env.q.Publish
	}
	stopBar := progressBar(os.Stderr, job.Progress)
	res, err := job.Execute(c.Context)
	stopBar()
	if err != nil {
		return exitErr(exitFailure, "fixity audit (run %s): %v", run.ID, err)
	}
	if err := writeAudit(stdout, res, c.Bool("json"), c.Bool("csv")); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if p := report; p != "" {
		f, err := os.Create(p)
		if err != nil {
			return exitErr(exitFailure, "report: %v", err)
		}
		err = writeAudit(f, res, !strings.HasSuffix(p, ".csv"), strings.HasSuffix(p, ".csv"))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return exitErr(exitFailure, "report: %v", err)
		}
	}
	switch {
	case !res.Complete:
		return exitErr(exitFailure, "audit interrupted after %d objects; resume with: earkiv fixity audit --resume %s", res.Summary.Objects, res.RunID)
	case res.Summary.Failed():
		return cli.Exit("", exitInvalid)
	}
	return nil
}

func writeAudit(w io.Writer, res *audit.Result, asJSON, asCSV bool) error {
	switch {
	case asJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if res.Bad == nil {
			res.Bad = []audit.Finding{}
		}
		return enc.Encode(res)
	case asCSV:
		cw := csv.NewWriter(w)
		cw.Write([]string{"tenant", "bucket", "aip", "key", "outcome", "expected_sha256", "actual_sha256", "size", "checked", "detail"})
		for _, f := range res.Bad {
			cw.Write([]string{f.Tenant, f.Bucket, f.AIPID, f.Key, f.Outcome, f.Expected, f.Actual, strconv.FormatInt(f.Size, 10), f.Checked.Format(time.RFC3339), f.Detail})
		}
		cw.Flush()
		return cw.Error()
	}
	s := res.Summary
	fmt.Fprintf(w, "fixity audit %s: %d objects, %s verified\n", res.RunID, s.Objects, humanBytes(s.Bytes))
	fmt.Fprintf(w, "  ok %d, mismatched %d, missing %d, orphans %d, unreadable %d\n", s.OK, s.Mismatch, s.Missing, s.Orphans, s.Errors)
	for _, f := range res.Bad {
		fmt.Fprintf(w, "  %-10s %s/%s: %s\n", f.Outcome, f.Bucket, f.Key, f.Detail)
	}
	return nil
}

func humanBytes(n int64) string {
	const u = 1024
	if n < u {
		return fmt.Sprintf("%d B", n)
	}
	d, e := int64(u), 0
	for m := n / u; m >= u; m /= u {
		d *= u
		e++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(d), "KMGTPE"[e])
}

// progressBar redraws one status line on a terminal; elsewhere it is silent.
func progressBar(f *os.File, p *audit.Progress) func() {
	if !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-t.C:
			}
			el := time.Since(p.Started).Seconds()
			b, tb := p.BytesDone.Load(), p.Bytes.Load()
			rate := float64(b) / max(el, 0.001)
			eta := "?"
			if rate > 0 && tb > b {
				eta = (time.Duration(float64(tb-b)/rate) * time.Second).Round(time.Second).String()
			}
			fmt.Fprintf(f, "\r\033[Kobjects %d/%d  %s/%s  %s/s  ETA %s", p.Done.Load(), p.Objects.Load(), humanBytes(b), humanBytes(tb), humanBytes(int64(rate)), eta)
		}
	}()
	return func() { close(done); <-stopped }
}

func fixityRepair(c *cli.Context) error {
	env, err := openFixityEnv(c)
	if err != nil {
		return exitErr(exitFailure, "fixity repair: %v", err)
	}
	defer env.close()
	job := &audit.RepairJob{Dir: filepath.Join(env.dataDir, "audits"), RunID: c.String("run"), Tenant: c.String("tenant"),
		Place: env.stores, Lookup: env.reg.Get, Version: version}
	if env.cat != nil {
		job.Verified = env.cat
	}
	if env.q != nil {
		job.Publish = env.q.Publish
	}
	res, err := job.Run(c.Context)
	if res != nil {
		for _, f := range res.Findings {
			fmt.Fprintf(stdout, "%-12s %s/%s: %s\n", f.Outcome, f.Bucket, f.Key, f.Detail)
		}
	}
	if err != nil {
		return exitErr(exitFailure, "fixity repair: %v", err)
	}
	if res.Disposed > 0 {
		fmt.Fprintf(stdout, "%d repaired, %d not repaired, %d not restored: disposed of by gallring (audit run %s)\n", res.Repaired, res.Failed, res.Disposed, res.RunID)
	} else {
		fmt.Fprintf(stdout, "%d repaired, %d not repaired (audit run %s)\n", res.Repaired, res.Failed, res.RunID)
	}
	if res.Failed > 0 {
		return cli.Exit("", exitInvalid)
	}
	return nil
}
