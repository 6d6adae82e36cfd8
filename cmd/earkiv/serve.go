package main

import (
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/service"
)

func dataDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "data-dir", Value: "./earkiv-data", Usage: "folder for the embedded services, catalog, spool and tenants", EnvVars: []string{"EARKIV_DATA_DIR"}}
}

func tenantsFlag() cli.Flag {
	return &cli.StringFlag{Name: "tenants", Usage: "tenants file (default <data-dir>/tenants.yaml)", EnvVars: []string{"EARKIV_TENANTS"}}
}

func serviceFlags(embedded bool) []cli.Flag {
	natsUsage, s3Usage := "external NATS server URL (required)", "external S3 endpoint, e.g. http://minio:9000 (required)"
	if embedded {
		natsUsage, s3Usage = "external NATS server URL (default: run one embedded)", "external S3 endpoint, e.g. http://minio:9000 (default: run an embedded gateway on <data-dir>/s3)"
	}
	return []cli.Flag{
		dataDirFlag(),
		tenantsFlag(),
		&cli.StringFlag{Name: "nats.url", Usage: natsUsage, EnvVars: []string{"EARKIV_NATS_URL"}},
		&cli.StringFlag{Name: "nats.addr", Value: "127.0.0.1:4222", Usage: "listen address of the embedded NATS server"},
		&cli.StringFlag{Name: "nats.user", Value: service.ServiceUser, Usage: "service login on an external NATS server", EnvVars: []string{"EARKIV_NATS_USER"}},
		&cli.StringFlag{Name: "nats.password", Usage: "service password on an external NATS server", EnvVars: []string{"EARKIV_NATS_PASSWORD"}},
		&cli.StringFlag{Name: "s3.endpoint", Usage: s3Usage, EnvVars: []string{"EARKIV_S3_ENDPOINT"}},
		&cli.StringFlag{Name: "s3.addr", Value: "127.0.0.1:7070", Usage: "listen address of the embedded S3 gateway"},
		&cli.StringFlag{Name: "s3.access-key", Usage: "S3 access key (external endpoint)", EnvVars: []string{"EARKIV_S3_ACCESS_KEY"}},
		&cli.StringFlag{Name: "s3.secret-key", Usage: "S3 secret key (external endpoint)", EnvVars: []string{"EARKIV_S3_SECRET_KEY"}},
		&cli.StringFlag{Name: "s3.region", Value: "us-east-1", Usage: "S3 region", EnvVars: []string{"EARKIV_S3_REGION"}},
		&cli.IntFlag{Name: "workers", Value: 8, Usage: "packages ingested at once by this process (an ingest mostly waits on NATS and S3, so more than the CPU count pays; serve --workers 0 runs none)"},
		&cli.DurationFlag{Name: "ack-wait", Value: time.Minute, Usage: "time without a heartbeat before a request goes to another worker"},
		&cli.StringFlag{Name: "memory", Usage: "heap all validations at once may take, e.g. 4GiB (default: half the machine's memory); a package that needs more waits, or runs alone", EnvVars: []string{"EARKIV_MEMORY"}},
		&cli.IntFlag{Name: "max-deliver", Value: 5, Usage: "attempts before a request is dead-lettered with a 'failed' receipt"},
		&cli.StringFlag{Name: "metrics.addr", Value: "127.0.0.1:9464", Usage: "operators' /metrics and /healthz listen address: loopback or a private network, since /metrics shows every tenant's counters (empty: none)", EnvVars: []string{"EARKIV_METRICS_ADDR"}},
	}
}

func serviceConfig(c *cli.Context) (service.Config, error) {
	var mem int64
	if s := c.String("memory"); s != "" {
		var err error
		if mem, err = parseBytes(s); err != nil {
			return service.Config{}, exitErr(exitFailure, "--memory: %v", err)
		}
	}
	return service.Config{
		MemoryBudget: mem,
		DataDir:      c.String("data-dir"),
		TenantsFile:  c.String("tenants"),
		NATS:         service.NATSConfig{URL: c.String("nats.url"), Addr: c.String("nats.addr"), User: c.String("nats.user"), Password: c.String("nats.password")},
		S3: service.S3Config{Endpoint: c.String("s3.endpoint"), Addr: c.String("s3.addr"), AccessKey: c.String("s3.access-key"),
			SecretKey: c.String("s3.secret-key"), Region: c.String("s3.region")},
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
		Usage: "run the archive: queue, workers, storage, catalog and HTTP API",
		Description: `With no configuration everything runs embedded under --data-dir: a NATS
server with JetStream, an S3 gateway (versitygw, posix backend, Object Lock) on
a local folder, the SQLite catalog, the ingest workers, the producers' HTTP
API (--http.addr) and the operators' /metrics (--metrics.addr, loopback by
default). --nats.url and --s3.endpoint use external services instead.
Everything serve writes under --data-dir is readable by its user only.

Tenants come from the tenants file (earkiv tenant add); changes are picked up
while running.`,
		Flags: append(serviceFlags(true),
			&cli.StringFlag{Name: "http.addr", Value: "127.0.0.1:8080", Usage: "producers' HTTP API listen address (empty: none)"},
			&cli.StringFlag{Name: "fixity.cycle", Value: "90d", Usage: "verify every stored object once per this period (0: no scheduled audits)"},
			&cli.DurationFlag{Name: "fixity.interval", Value: time.Hour, Usage: "audit a slice of the cycle this often, so reads are spread evenly"},
			&cli.StringFlag{Name: "fixity.rate", Value: "50MB/s", Usage: "read at most this fast during scheduled audits"},
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
			cfg.Validator, cfg.Catalog, cfg.HTTPAddr = v, true, c.String("http.addr")
			cycle, err := parsePeriod(c.String("fixity.cycle"))
			if err != nil && c.String("fixity.cycle") != "0" {
				return exitErr(exitFailure, "--fixity.cycle: %v", err)
			}
			rateV, err := parseRate(c.String("fixity.rate"))
			if err != nil {
				return exitErr(exitFailure, "--fixity.rate: %v", err)
			}
			cfg.Fixity = service.FixityConfig{Cycle: cycle, Interval: c.Duration("fixity.interval"), Rate: rateV, Workers: c.Int("fixity.workers")}
			cfg.Ready = func(ep service.Endpoints) {
				slog.Info("earkiv is serving", "nats", ep.NATSURL, "s3", ep.S3Endpoint, "http", ep.HTTP, "metrics", ep.Metrics)
			}
			privateFiles()
			if err := service.Run(c.Context, cfg); err != nil {
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

// privateFiles makes every file and folder the process creates from now on
// readable by its user only: serve and worker write records (spool,
// catalog, the NATS store, the embedded gateway's objects), and not all of
// that code asks for private modes itself.
func privateFiles() { syscall.Umask(0o077) }
