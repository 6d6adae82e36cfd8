// Package service runs earkiv's parts together: by default everything is
// embedded under one data folder (NATS with JetStream, an S3 gateway on a
// local folder, the SQLite catalog), and each part can be pointed at an
// external service instead (a NATS cluster, MinIO, Ceph RGW, AWS S3).
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
)

// Config is everything serve and worker need. Empty NATS.URL or S3.Endpoint
// means: run that part embedded.
type Config struct {
	DataDir     string
	TenantsFile string // default <data>/tenants.yaml
	HTTPAddr    string // web pages and API; empty: none
	// PublicURL is the address people reach HTTPAddr at, e.g. behind a
	// TLS proxy (https://arkiv.example.se); identity providers send them
	// back there. Empty: http://HTTPAddr.
	PublicURL   string
	MetricsAddr string // operators' /metrics and /healthz; empty: none
	NATS        NATSConfig
	S3          S3Config
	Workers     int  // packages ingested at once; 0: no workers in this process
	Catalog     bool // keep the catalog (serve); workers on other machines do not
	AckWait     time.Duration
	MaxDeliver  int
	Version     string
	Validator   *validate.Validator
	Log         *slog.Logger
	// MemoryBudget bounds the heap the workers' validations take at once
	// (ingest.Config.MemoryBudget; 0: half the machine's memory).
	MemoryBudget int64
	// Fixity schedules audits (serve): every object is verified once per
	// Cycle, a slice each Interval, read at most at Rate bytes/s.
	Fixity FixityConfig
	// Ready, if set, is called once everything is up (tests, `make run`).
	Ready func(Endpoints)
}

// NATSConfig locates NATS.
type NATSConfig struct {
	URL      string // external server; empty: embedded
	Addr     string // embedded server's listen address
	User     string // service login (external); embedded: from the secrets file
	Password string
}

// S3Config locates the object store.
type S3Config struct {
	Endpoint  string // external; empty: embedded gateway
	Addr      string // embedded gateway's listen address
	AccessKey string
	SecretKey string
	Region    string
	// DisposalAccessKey and DisposalSecretKey are the gallring executor's
	// credential, the only one that should hold s3:BypassGovernanceRetention;
	// empty: the store's own (the embedded gateway has one account).
	DisposalAccessKey, DisposalSecretKey string
}

// FixityConfig schedules audits; a zero Cycle turns them off.
type FixityConfig struct {
	Cycle    time.Duration
	Interval time.Duration
	Rate     int64
	Workers  int
}

// Run runs the service until ctx ends or a part fails, then stops every
// part in order and returns the failure (nil when ctx ended).
func Run(ctx context.Context, cfg Config) error {
	ingest.TuneGC()
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	dataDir, sec, reg, err := openDataDir(&cfg, log)
	if err != nil {
		return err
	}
	var tenants atomic.Pointer[tenant.Registry]
	tenants.Store(reg)
	// SIGHUP is taken from the start, so one sent while the rest starts
	// reloads the tenants instead of ending the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// The parts start in this order and stop in the reverse, each once
	// every part after it has stopped:
	//   - the embedded NATS server and S3 gateway: everything else talks
	//     to them, so they stop last (neither uses the other);
	//   - the NATS connection: everything after it publishes or reads
	//     through it, so it closes only when they have stopped;
	//   - the session store's watch, which reads through the connection;
	//   - the catalog, then its projection and the scheduled audits: the
	//     catalog closes after everything that writes or reads it;
	//   - the ingest workers, which ack through the connection and store
	//     through the gateway;
	//   - the HTTP API and metrics: their handlers read the catalog and
	//     the queue, so they stop, handlers returned, before those close;
	//   - upkeep (queue gauge, tenant reload), which uses the connection.
	g := newParts(ctx, log)
	defer g.stop() // a failed start stops what started
	// One guard for every login, so failures count the same over NATS and HTTP.
	guard := authguard.New(authguard.DefaultPolicy(), log)
	natsSrv, login, err := resolveNATS(ctx, g, cfg.NATS, dataDir, sec, reg, guard, log)
	if err != nil {
		return err
	}
	s3cfg, err := resolveS3(ctx, g, cfg.S3, dataDir, sec, log)
	if err != nil {
		return err
	}
	stores := placement.NewStores(s3cfg)
	disposeCfg := s3cfg
	if cfg.S3.DisposalAccessKey != "" {
		disposeCfg.AccessKey, disposeCfg.SecretKey = cfg.S3.DisposalAccessKey, cfg.S3.DisposalSecretKey
	}
	disposeStores := placement.NewStores(disposeCfg)
	healthStore, err := storage.New(s3cfg)
	if err != nil {
		return err
	}

	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: login.URL, User: login.User, Password: login.Password, Name: "earkiv-" + cfg.Version, Log: log})
	if err != nil {
		return err
	}
	g.add("NATS connection", connection(q))
	setup := queue.SetupOptions{AckWait: cfg.AckWait, MaxDeliver: cfg.MaxDeliver}
	if err := q.Setup(ctx, ids(reg), setup); err != nil {
		return err
	}
	ensureBuckets(ctx, reg, stores, log)

	promReg, metrics, queueGauge := newMetrics(guard)

	// People's sessions and tokens; their cache follows the buckets, so a
	// logout on any node ends the session on this one.
	sessions, err := session.Open(ctx, q, session.DefaultPolicy(), log)
	if err != nil {
		return err
	}
	g.add("sessions", sessions.Run)

	// Plans and holds: ingest appraises with them, serve carries them out.
	planStore := &plans.Store{KV: q.Retention, Events: q, Now: time.Now}
	holdStore := &holds.Store{KV: q.Retention, Events: q, Now: time.Now}
	appraiser := &retention.Appraiser{Plans: planStore, Holds: holdStore}

	var cat *catalog.Catalog
	var alog *accesslog.Log
	var ret *retention.Service
	var gallring *disposal.Service
	var runner *disposal.Runner
	if cfg.Catalog {
		fixity := audit.NewMetrics(promReg)
		if cat, err = startCatalog(ctx, g, dataDir, q, tenants.Load, stores, fixity.ObserveEvent, log); err != nil {
			return err
		}
		// Serve alone holds the data folder's signing key.
		sign, verify, err := LoadAccessLogKey(dataDir, true)
		if err != nil {
			return err
		}
		alog = accesslog.New(accesslog.Config{Queue: q, Tenants: tenants.Load, Place: stores, Signer: sign, Verifier: verify})
		g.add("access log checkpoints", accessCheckpoints(alog, tenants.Load, checkpointEvery, log))
		ret = retention.New(retention.Config{Plans: planStore, Holds: holdStore, Catalog: cat, Place: stores, Events: q, Version: cfg.Version, Log: log})
		g.add("plan re-evaluation", reevaluate(ret, tenants.Load, log))
		gallring = disposal.New(disposal.Config{KV: q.Retention, Events: q, Catalog: cat, Place: stores, Dispose: disposeStores,
			Plans: planStore, Holds: holdStore, Appraiser: appraiser, Version: cfg.Version, Log: log,
			Reapply: func(ctx context.Context, t *tenant.Tenant) error { _, err := ret.Apply(ctx, t); return err }})
		runner = disposal.NewRunner(gallring, tenants.Load, disposal.NewMetrics(promReg))
		g.add("gallring executor", runner.Run)
		if cfg.Fixity.Cycle > 0 {
			sched := &audit.Schedule{Cycle: cfg.Fixity.Cycle, Interval: cfg.Fixity.Interval, Rate: cfg.Fixity.Rate, Workers: cfg.Fixity.Workers,
				Dir: filepath.Join(dataDir, "audits"), Tenants: tenants.Load, Place: stores, Catalog: cat, Publish: q.Publish,
				Version: cfg.Version, Metrics: fixity, Log: log}
			g.add("fixity audits", sched.Run)
			log.Info("scheduled fixity audits", "cycle", cfg.Fixity.Cycle, "interval", cfg.Fixity.Interval, "rate_bytes_per_s", cfg.Fixity.Rate)
		}
	}

	if cfg.Workers > 0 {
		w, err := ingest.New(ingest.Config{
			Tenants: tenants.Load, Place: stores, Queue: q, Validator: cfg.Validator,
			SpoolDir: filepath.Join(dataDir, "spool"), Concurrency: cfg.Workers, MemoryBudget: cfg.MemoryBudget, Version: cfg.Version, Metrics: metrics, Log: log,
			Appraiser: appraiser,
		})
		if err != nil {
			return err
		}
		g.add("ingest workers", w.Run)
		log.Info("ingest workers", "concurrency", cfg.Workers)
	}

	ep := Endpoints{NATSURL: login.URL, S3Endpoint: s3cfg.Endpoint}
	health := func(ctx context.Context) error {
		if !q.IsConnected() {
			return errors.New("nats not connected")
		}
		return healthStore.Healthy(ctx)
	}
	// The producers' API and the operators' metrics listen apart: /metrics
	// shows every tenant's counters.
	if cfg.HTTPAddr != "" {
		acfg := api.Config{Tenants: tenants.Load, Queue: q, Catalog: cat, Guard: guard, Log: log, Health: health,
			Authenticators: []authn.Authenticator{sessions.Authenticator(tenants.Load, guard)}}
		if alog != nil { // serve: people log in and read the access log
			acfg.People, acfg.Tokens, acfg.AccessLog, acfg.Retention = q, sessions, alog, ret
			acfg.Disposal, acfg.Kick = gallring, runner.Kick
		}
		a := api.New(acfg)
		var h routedHandler = a
		if cat != nil && alog != nil { // serve: the web pages beside the API
			if h, err = withWeb(a, webConfig{cfg: cfg, dataDir: dataDir, tenants: tenants.Load, q: q, sessions: sessions, cat: cat,
				place: stores, alog: alog, guard: guard, ret: ret, gallring: gallring, kick: runner.Kick, log: log}); err != nil {
				return err
			}
		}
		if ep.HTTP, err = serveHTTP(g, log, "http", cfg.HTTPAddr, h); err != nil {
			return err
		}
		ep.Routes = h.Routes()
		log.Info("http API and web pages", "url", ep.HTTP)
	}
	if cfg.MetricsAddr != "" {
		if ep.Metrics, err = serveHTTP(g, log, "metrics", cfg.MetricsAddr, api.Metrics(promReg, health)); err != nil {
			return err
		}
		log.Info("metrics and health for operators", "url", ep.Metrics+"/metrics")
	}

	// Upkeep: queue gauges, tenant reloads.
	g.add("queue gauge", func(work context.Context) error {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-work.Done():
				return nil
			case <-t.C:
			}
			// Looking the consumer up fetches its state: one request a tick.
			if b, err := q.Backlog(work); err == nil {
				queueGauge.WithLabelValues("pending").Set(float64(b.Pending))
				queueGauge.WithLabelValues("unacked").Set(float64(b.Unacked))
			}
		}
	})
	g.add("tenant reload", newTenantReload(cfg.TenantsFile, hup, &tenants, natsSrv, q, setup, stores, log).Run)

	if cfg.Ready != nil {
		cfg.Ready(ep)
	}
	return g.wait(ctx)
}

// startCatalog opens the catalog and starts it as a part, closed when
// stopped, then its projection of the event log as another; observe sees
// each event the projection applies.
func startCatalog(ctx context.Context, g *parts, dataDir string, q *queue.Client, tenants func() *tenant.Registry,
	place placement.Placement, observe func(earkiv.Event), log *slog.Logger) (*catalog.Catalog, error) {
	cat, err := catalog.Open(ctx, CatalogFile(dataDir))
	if err != nil {
		return nil, err
	}
	g.add("catalog", func(ctx context.Context) error {
		<-ctx.Done()
		if err := cat.Close(); err != nil {
			log.Error("close catalog", "err", err)
		}
		return nil
	})
	cat.Observe = observe
	load := func(ctx context.Context, tenantID, aipID string) (*aip.Manifest, error) {
		t, err := tenants().Get(tenantID)
		if err != nil {
			return nil, err
		}
		b, err := place.Primary(t)
		if err != nil {
			return nil, err
		}
		return aipstore.ReadManifest(ctx, b.Store, b.Name, aipID)
	}
	g.add("catalog projection", func(ctx context.Context) error {
		if err := cat.Follow(ctx, q, load, log); err != nil && ctx.Err() == nil {
			return fmt.Errorf("catalog: %w", err)
		}
		return nil
	})
	return cat, nil
}

// connection watches the service's NATS connection as a part: closed when
// stopped, and a connection the server closed for good stops the service
// with the reason (nats.go does not reconnect after some protocol errors),
// so a supervisor restarts it rather than it idling on.
func connection(q *queue.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		defer q.Close()
		select {
		case <-ctx.Done():
			return nil
		case <-q.Closed():
			return fmt.Errorf("service NATS connection: %w", q.Err())
		}
	}
}

// newMetrics makes the registry /metrics serves, with the process's, the
// ingest's, the queue's and the login guard's metrics.
func newMetrics(guard *authguard.Guard) (*prometheus.Registry, *ingest.Metrics, *prometheus.GaugeVec) {
	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetrics(promReg)
	queueGauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "queue", Name: "requests",
		Help: "Ingest requests waiting (pending) or being worked on (unacked)."}, []string{"state"})
	promReg.MustRegister(queueGauge, guard)
	return promReg, metrics, queueGauge
}
