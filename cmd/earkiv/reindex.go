package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/tenant"
)

func reindexCommand() *cli.Command {
	return &cli.Command{
		Name:  "reindex",
		Usage: "rebuild the catalog from the AIP manifests in the buckets",
		Description: `The catalog is a cache: this reads every complete AIP (one with a manifest)
from each tenant's bucket and replaces the tenant's catalog rows, in one
transaction per tenant, then replays the tenant's event log for what the
buckets do not hold: plan versions, gallringsstopp and outcomes changed
by a later plan. Receipts and events are kept.`,
		Flags: append(append([]cli.Flag{
			dataDirFlag(), tenantsFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "only this tenant"},
			natsURLFlag(clientNATSUsage), natsAddrFlag(),
		}, natsLoginFlags()...), s3Flags(adminS3Usage)...),
		Before: findServe,
		Action: func(c *cli.Context) error {
			dataDir, err := filepath.Abs(c.String("data-dir"))
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			path, _ := filepath.Abs(tenantsPath(c))
			reg, err := tenant.Load(path)
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			stores, stop, err := adminStore(c)
			if err != nil {
				return exitErr(exitFailure, "reindex: %v", err)
			}
			defer stop()
			q, stopQ, err := service.OpenQueue(c.Context, dataDir, c.String("tenants"), service.NATSConfig{URL: c.String("nats.url"), Addr: c.String("nats.addr"),
				User: c.String("nats.user"), Password: c.String("nats.password")}, nil)
			if err != nil {
				return exitErr(exitFailure, "reindex: %v", err)
			}
			defer stopQ()
			cat, err := catalog.Open(c.Context, service.CatalogFile(dataDir))
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			defer func() {
				if err := cat.Close(); err != nil {
					slog.Warn("close catalog", "err", err)
				}
			}()
			for _, t := range reg.Sorted() {
				if id := c.String("tenant"); id != "" && id != t.ID {
					continue
				}
				b, err := stores.Primary(t)
				if err != nil {
					return exitErr(exitFailure, "%v", err)
				}
				n, err := cat.RebuildFrom(c.Context, t.ID, b.Store, b.Name)
				if err != nil {
					return exitErr(exitFailure, "reindex %s: %v", t.ID, err)
				}
				ev, err := cat.RebuildRetention(c.Context, t.ID, q)
				if err != nil {
					return exitErr(exitFailure, "reindex %s: %v", t.ID, err)
				}
				fmt.Fprintf(stdout, "%s: %d AIPs, %d plan and hold events\n", t.ID, n, ev)
			}
			return nil
		},
	}
}
