package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/endpoints"
	"github.com/earkiv/earkiv/internal/service"
)

// serviceFlags are serve's and worker's; embedded says whether an empty
// --nats.url or --s3.endpoint runs the service in-process.
func serviceFlags(embedded bool) []cli.Flag {
	natsUsage, s3Usage := "external NATS server URL (required)", "external S3 endpoint, e.g. http://minio:9000 (required)"
	if embedded {
		natsUsage, s3Usage = "external NATS server URL (default: run one embedded)", "external S3 endpoint, e.g. http://minio:9000 (default: run an embedded gateway on <data-dir>/s3)"
	}
	flags := []cli.Flag{dataDirFlag(), tenantsFlag(), schemaDirFlag(false), natsURLFlag(natsUsage), natsAddrFlag()}
	flags = append(append(flags, natsLoginFlags()...), s3Flags(s3Usage)...)
	flags = append(flags,
		&cli.StringFlag{Name: "s3.disposal-access-key", Usage: "S3 access key of the gallring executor, the one credential allowed to bypass governance retention (default: the store's own)", EnvVars: []string{"EARKIV_S3_DISPOSAL_ACCESS_KEY"}},
		&cli.StringFlag{Name: "s3.disposal-secret-key", Usage: "its secret key", EnvVars: []string{"EARKIV_S3_DISPOSAL_SECRET_KEY"}})
	memory := sizeFlag("memory", "", "heap all validations at once may take, e.g. 4GiB; a package that needs more waits, or runs alone", "EARKIV_MEMORY")
	memory.DefaultText = "half the machine's memory"
	return append(flags,
		&cli.IntFlag{Name: "workers", Value: 8, Usage: "packages ingested at once by this process (an ingest mostly waits on NATS and S3, so more than the CPU count pays; serve --workers 0 runs none)"},
		&cli.DurationFlag{Name: "ack-wait", Value: time.Minute, Usage: "time without a heartbeat before a request goes to another worker"},
		memory,
		&cli.IntFlag{Name: "max-deliver", Value: 5, Usage: "attempts before a request is dead-lettered with a 'failed' receipt"},
		&cli.StringFlag{Name: "metrics.addr", Value: "127.0.0.1:9464", Usage: "operators' /metrics and /healthz listen address: loopback or a private network, since /metrics shows every tenant's counters (empty: none)", EnvVars: []string{"EARKIV_METRICS_ADDR"}},
	)
}

func serviceConfig(c *cli.Context) (service.Config, error) {
	mem := size(c, "memory")
	if c.IsSet("memory") && mem <= 0 {
		return service.Config{}, exitErr(exitFailure, "--memory: want a positive size, e.g. 4GiB")
	}
	return service.Config{
		MemoryBudget: int64(mem),
		DataDir:      c.String("data-dir"),
		TenantsFile:  c.String("tenants"),
		NATS:         service.NATSConfig{URL: c.String("nats.url"), Addr: c.String("nats.addr"), User: c.String("nats.user"), Password: c.String("nats.password")},
		S3: service.S3Config{Endpoint: c.String("s3.endpoint"), Addr: c.String("s3.addr"), AccessKey: c.String("s3.access-key"),
			SecretKey: c.String("s3.secret-key"), Region: c.String("s3.region"),
			DisposalAccessKey: c.String("s3.disposal-access-key"), DisposalSecretKey: c.String("s3.disposal-secret-key")},
		MetricsAddr: c.String("metrics.addr"),
		Workers:     c.Int("workers"),
		AckWait:     c.Duration("ack-wait"),
		MaxDeliver:  c.Int("max-deliver"),
		Version:     version,
		Log:         slog.Default(),
	}, nil
}

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the archive: queue, workers, storage, catalog, web pages and HTTP API",
		Description: `With no configuration everything runs embedded under --data-dir: a NATS
server with JetStream, an S3 gateway (versitygw, posix backend, Object Lock) on
a local folder, the SQLite catalog, the ingest workers, the web pages and
HTTP API for people and producers (--http.addr) and the operators' /metrics (--metrics.addr, loopback by
default). --nats.url and --s3.endpoint use external services instead.
Everything serve writes under --data-dir is readable by its user only.

Tenants come from the tenants file (earkiv tenant add); changes are picked up
while running.`,
		Flags: append(serviceFlags(true),
			&cli.StringFlag{Name: "http.addr", Value: "127.0.0.1:8080", Usage: "web pages and HTTP API listen address (empty: none)"},
			&cli.StringFlag{Name: "http.public-url", Usage: "the address people reach --http.addr at, e.g. https://arkiv.example.se behind a TLS proxy (default http://<http.addr>)", EnvVars: []string{"EARKIV_PUBLIC_URL"}},
			periodFlag("fixity.cycle", "90d", "verify every stored object once per this period (0: no scheduled audits)"),
			&cli.DurationFlag{Name: "fixity.interval", Value: time.Hour, Usage: "audit a slice of the cycle this often, so reads are spread evenly"},
			rateFlag("fixity.rate", "50MB/s", "read at most this fast during scheduled audits"),
			&cli.IntFlag{Name: "fixity.workers", Value: 2, Usage: "objects read at once during scheduled audits"},
		),
		Action: func(c *cli.Context) error {
			v, err := newValidator(c, 0)
			if err != nil {
				return err
			}
			cfg, err := serviceConfig(c)
			if err != nil {
				return err
			}
			cfg.Validator, cfg.Catalog, cfg.HTTPAddr, cfg.PublicURL = v, true, c.String("http.addr"), c.String("http.public-url")
			cfg.Fixity = service.FixityConfig{Cycle: period(c, "fixity.cycle").Duration(), Interval: c.Duration("fixity.interval"),
				Rate: int64(rate(c, "fixity.rate")), Workers: c.Int("fixity.workers")}
			// Where serve answers goes into the data folder once it does, for
			// the commands that look for it there (findServe). The path is
			// absolute: the embedded S3 gateway changes the working folder.
			dataDir, err := filepath.Abs(cfg.DataDir)
			if err != nil {
				return exitErr(exitFailure, "--data-dir: %v", err)
			}
			var recorded bool
			cfg.Ready = func(ep service.Endpoints) {
				if err := endpoints.Write(dataDir, serveEndpoints(cfg, ep)); err != nil {
					slog.Warn("record the addresses in the data folder (other commands use the defaults)", "err", err)
				} else {
					recorded = true
				}
				slog.Info("earkiv is serving", "nats", ep.NATSURL, "s3", ep.S3Endpoint, "http", ep.HTTP, "metrics", ep.Metrics)
			}
			privateFiles()
			err = service.Run(c.Context, cfg)
			if recorded {
				if rerr := endpoints.Remove(dataDir); rerr != nil {
					slog.Warn("remove the addresses from the data folder", "err", rerr)
				}
			}
			if err != nil {
				return exitErr(exitFailure, "serve: %v", err)
			}
			return nil
		},
	}
}

func workerCommand() *cli.Command {
	return &cli.Command{
		Name:  "worker",
		Usage: "run ingest workers only, against external NATS and S3 (scale out)",
		Flags: append(serviceFlags(false),
			&cli.StringFlag{Name: "http.addr", Usage: "producers' HTTP API listen address, receipts only (empty: none)"},
		),
		Action: func(c *cli.Context) error {
			cfg, err := serviceConfig(c)
			if err != nil {
				return err
			}
			if cfg.NATS.URL == "" || cfg.S3.Endpoint == "" {
				return exitErr(exitFailure, "worker: --nats.url and --s3.endpoint are required (earkiv serve runs embedded services)")
			}
			if cfg.Workers <= 0 {
				return exitErr(exitFailure, "worker: --workers must be at least 1")
			}
			v, err := newValidator(c, 0)
			if err != nil {
				return err
			}
			cfg.Validator, cfg.HTTPAddr = v, c.String("http.addr")
			privateFiles()
			if err := service.Run(c.Context, cfg); err != nil {
				return exitErr(exitFailure, "worker: %v", fmt.Errorf("%w", err))
			}
			return nil
		},
	}
}

// serveEndpoints is what the endpoints file says of a serve: the embedded
// gateway's listen address too, since admin commands log in to it with the
// data folder's secrets, not with S3 flags.
func serveEndpoints(cfg service.Config, ep service.Endpoints) endpoints.Endpoints {
	e := endpoints.Endpoints{NATSURL: ep.NATSURL, S3Endpoint: ep.S3Endpoint, HTTP: ep.HTTP, Metrics: ep.Metrics}
	if cfg.S3.Endpoint == "" {
		if u, err := url.Parse(ep.S3Endpoint); err == nil {
			e.S3Addr = u.Host
		}
	}
	return e
}

// privateFiles makes every file and folder the process creates from now on
// readable by its user only: serve and worker write records (spool,
// catalog, the NATS store, the embedded gateway's objects), and not all of
// that code asks for private modes itself.
func privateFiles() { syscall.Umask(0o077) }
