package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

func tenantsPath(c *cli.Context) string {
	if p := c.String("tenants"); p != "" {
		return p
	}
	return service.DefaultTenants(c.String("data-dir"))
}

func tenantCommand() *cli.Command {
	return &cli.Command{
		Name:  "tenant",
		Usage: "manage municipalities (tenants): each has its own bucket, producer login and receipts",
		Subcommands: []*cli.Command{
			{
				Name:  "add",
				Usage: "add a tenant; prints its producer password once",
				Flags: []cli.Flag{
					dataDirFlag(), tenantsFlag(),
					&cli.StringFlag{Name: "id", Required: true, Usage: "tenant id (a-z, 0-9, -), e.g. sundsvall"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "name, e.g. \"Sundsvalls kommun\""},
					&cli.StringFlag{Name: "org", Required: true, Usage: "organisationsnummer, e.g. 212000-2411"},
					&cli.StringFlag{Name: "bucket", Usage: "S3 bucket (default earkiv-<id>)"},
					&cli.StringFlag{Name: "retention", Value: tenant.DefaultRetention, Usage: "Object Lock period until disposal rules apply: <n>y, <n>m, <n>d, or forever (legal hold)"},
					&cli.StringFlag{Name: "retention-mode", Value: "GOVERNANCE", Usage: "GOVERNANCE or COMPLIANCE"},
					&cli.StringFlag{Name: "producer-user", Usage: "producer login (default: the id)"},
					&cli.StringFlag{Name: "password-file", Usage: "also write the producer password to this file (0600)"},
					&cli.BoolFlag{Name: "if-missing", Usage: "succeed without change if the tenant exists"},
					&cli.StringFlag{Name: "replica-endpoint", Usage: "second S3 target for copies of every AIP (repairs after failed audits)"},
					&cli.StringFlag{Name: "replica-bucket", Usage: "bucket on the replica (default earkiv-<id>-replica)"},
					&cli.StringFlag{Name: "replica-access-key", EnvVars: []string{"EARKIV_REPLICA_ACCESS_KEY"}},
					&cli.StringFlag{Name: "replica-secret-key", EnvVars: []string{"EARKIV_REPLICA_SECRET_KEY"}},
				},
				Action: tenantAdd,
			},
			{
				Name:  "list",
				Usage: "list tenants",
				Flags: []cli.Flag{dataDirFlag(), tenantsFlag(), &cli.BoolFlag{Name: "json"}},
				Action: func(c *cli.Context) error {
					reg, err := tenant.Load(tenantsPath(c))
					if err != nil {
						return exitErr(exitFailure, "%v", err)
					}
					if c.Bool("json") {
						enc := json.NewEncoder(os.Stdout)
						enc.SetIndent("", "  ")
						return enc.Encode(reg.Sorted())
					}
					for _, t := range reg.Sorted() {
						ret := t.Retention.Default
						if ret == "" {
							ret = tenant.DefaultRetention
						}
						fmt.Printf("%-20s %-12s %-24s %s (%s, %s)\n", t.ID, t.OrgNumber, t.Bucket, t.Name, ret, t.RetentionMode())
					}
					return nil
				},
			},
		},
	}
}

func tenantAdd(c *cli.Context) error {
	path := tenantsPath(c)
	reg, err := tenant.Load(path)
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	id := c.String("id")
	if _, err := reg.Get(id); err == nil {
		if c.Bool("if-missing") {
			fmt.Fprintf(os.Stderr, "tenant %s exists; unchanged\n", id)
			return nil
		}
		return exitErr(exitFailure, "tenant %s already exists", id)
	}
	t, plain, err := tenant.New(tenant.Spec{ID: id, Name: c.String("name"), OrgNumber: c.String("org"), Bucket: c.String("bucket"),
		ProducerUser: c.String("producer-user"), Retention: c.String("retention"), RetentionMode: c.String("retention-mode"),
		ReplicaEndpoint: c.String("replica-endpoint"), ReplicaBucket: c.String("replica-bucket"),
		ReplicaAccessKey: c.String("replica-access-key"), ReplicaSecretKey: c.String("replica-secret-key")})
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if err := reg.Add(t); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if f := c.String("password-file"); f != "" {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return exitErr(exitFailure, "%v", err)
		}
		if err := os.WriteFile(f, []byte(plain+"\n"), 0o600); err != nil {
			return exitErr(exitFailure, "password file: %v", err)
		}
	}
	if err := reg.Save(path); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	fmt.Fprintf(os.Stderr, "added tenant %s (%s, %s), bucket %s; a running earkiv serve picks it up\n", t.ID, t.Name, t.OrgNumber, t.Bucket)
	fmt.Fprintf(os.Stderr, "producer login: user %s, password (shown once):\n", t.Producer.User)
	fmt.Println(plain)
	return nil
}

// adminStore finds the tenants' buckets where a serve with this data folder
// keeps them: on the --s3.endpoint given, or on the embedded gateway,
// started here if serve is not running.
func adminStore(c *cli.Context) (*placement.Stores, func(), error) {
	if ep := c.String("s3.endpoint"); ep != "" {
		return placement.NewStores(storage.Config{Endpoint: ep, AccessKey: c.String("s3.access-key"), SecretKey: c.String("s3.secret-key"), Region: c.String("s3.region")}), func() {}, nil
	}
	dataDir, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return nil, nil, err
	}
	sec, err := service.LoadSecrets(dataDir, false)
	if err != nil {
		return nil, nil, err
	}
	addr := c.String("s3.addr")
	cfg := storage.Config{Endpoint: "http://" + addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
	stop := func() {}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = conn.Close() // only a probe
	} else {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- s3gw.Run(ctx, s3gw.Config{Dir: filepath.Join(dataDir, "s3"), Addr: addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey})
		}()
		wctx, wcancel := context.WithTimeout(c.Context, 30*time.Second)
		err := s3gw.WaitReady(wctx, addr)
		wcancel()
		if err != nil {
			cancel()
			return nil, nil, err
		}
		stop = func() {
			cancel()
			if err := <-done; err != nil {
				slog.Warn("embedded S3 gateway", "err", err)
			}
		}
	}
	return placement.NewStores(cfg), stop, nil
}

func reindexCommand() *cli.Command {
	return &cli.Command{
		Name:  "reindex",
		Usage: "rebuild the catalog from the AIP manifests in the buckets",
		Description: `The catalog is a cache: this reads every complete AIP (one with a manifest)
from each tenant's bucket and replaces the tenant's catalog rows, in one
transaction per tenant. Receipts and events are kept.`,
		Flags: append([]cli.Flag{
			dataDirFlag(), tenantsFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "only this tenant"},
		}, s3Flags(adminS3Usage)...),
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
				fmt.Printf("%s: %d AIPs\n", t.ID, n)
			}
			return nil
		},
	}
}

func eventsCommand() *cli.Command {
	return &cli.Command{
		Name:  "events",
		Usage: "follow the event log (every state change), as JSON lines",
		Flags: append([]cli.Flag{
			dataDirFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "only this tenant's events"},
			&cli.Uint64Flag{Name: "from", Usage: "start at this sequence (1: from the beginning; default: new events only)"},
			&cli.IntFlag{Name: "limit", Usage: "stop after this many events"},
			&cli.BoolFlag{Name: "no-follow", Usage: "print the events stored so far and exit"},
			natsURLFlag(clientNATSUsage),
		}, natsLoginFlags()...),
		Before: findServe,
		Action: func(c *cli.Context) error {
			pass := c.String("nats.password")
			if pass == "" {
				sec, err := service.LoadSecrets(c.String("data-dir"), false)
				if err != nil {
					return exitErr(exitFailure, "events: %v", err)
				}
				pass = sec.NATSPassword
			}
			q, err := queue.Connect(c.Context, queue.ConnectOptions{URL: c.String("nats.url"), User: c.String("nats.user"), Password: pass, Name: "earkiv-events"})
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			defer q.Close()
			ctx, cancel := context.WithCancel(c.Context)
			defer cancel()
			n, limit := 0, c.Int("limit")
			enc := json.NewEncoder(os.Stdout)
			follow := q.FollowEvents
			if c.Bool("no-follow") {
				follow = q.ReadEvents
			}
			err = follow(ctx, c.String("tenant"), c.Uint64("from"), func(e earkiv.Event) error {
				if err := enc.Encode(e); err != nil {
					return err
				}
				n++
				if limit > 0 && n >= limit {
					cancel()
				}
				return nil
			})
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			return nil
		},
	}
}
