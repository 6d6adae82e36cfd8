// Package service runs earkiv's parts together: by default everything is
// embedded under one data folder (NATS with JetStream, an S3 gateway on a
// local folder, the SQLite catalog), and each part can be pointed at an
// external service instead (a NATS cluster, MinIO, Ceph RGW, AWS S3).
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.yaml.in/yaml/v3"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/validate"
)

// Config is everything serve and worker need. Empty NATS.URL or S3.Endpoint
// means: run that part embedded.
type Config struct {
	DataDir     string
	TenantsFile string // default <data>/tenants.yaml
	HTTPAddr    string // producers' API; empty: none
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
}

// FixityConfig schedules audits; a zero Cycle turns them off.
type FixityConfig struct {
	Cycle    time.Duration
	Interval time.Duration
	Rate     int64
	Workers  int
}

// Endpoints are the addresses a running service answers on.
type Endpoints struct {
	NATSURL    string
	S3Endpoint string
	HTTP       string
	Metrics    string
}

// Secrets are generated once per data folder for the embedded services.
type Secrets struct {
	NATSPassword string `yaml:"nats_service_password"`
	S3AccessKey  string `yaml:"s3_access_key"`
	S3SecretKey  string `yaml:"s3_secret_key"`
}

// ServiceUser is the NATS login of earkiv's own processes.
const ServiceUser = "earkiv"

// Paths under the data folder.
func SecretsFile(dataDir string) string    { return filepath.Join(dataDir, "secrets.yaml") }
func DefaultTenants(dataDir string) string { return filepath.Join(dataDir, "tenants.yaml") }
func CatalogFile(dataDir string) string    { return filepath.Join(dataDir, "catalog.db") }

// LoadSecrets reads the data folder's secrets, creating them if create is set.
func LoadSecrets(dataDir string, create bool) (*Secrets, error) {
	p := SecretsFile(dataDir)
	b, err := os.ReadFile(p)
	if err == nil {
		var s Secrets
		if err := yaml.Unmarshal(b, &s); err != nil || s.NATSPassword == "" {
			return nil, fmt.Errorf("secrets %s: unreadable (%v)", p, err)
		}
		return &s, nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("secrets: %w (is --data-dir the folder earkiv serve uses?)", err)
	}
	s := &Secrets{NATSPassword: randomHex(24), S3AccessKey: "earkiv" + randomHex(6), S3SecretKey: randomHex(24)}
	b, _ = yaml.Marshal(s)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Stores hands out each tenant's S3 store: the default one, or the tenant's
// own endpoint or credentials when its configuration names them.
type Stores struct {
	def storage.Config
	mu  sync.Mutex
	m   map[string]*storage.Store
}

// NewStores makes a store cache over a default endpoint.
func NewStores(def storage.Config) *Stores { return &Stores{def: def, m: map[string]*storage.Store{}} }

// For returns t's store.
func (s *Stores) For(t *tenant.Tenant) (*storage.Store, error) {
	cfg := s.def
	if t.S3.Endpoint != "" {
		cfg.Endpoint, cfg.Insecure = t.S3.Endpoint, t.S3.Insecure
	}
	if t.S3.AccessKey != "" {
		cfg.AccessKey, cfg.SecretKey = t.S3.AccessKey, t.S3.SecretKey
	}
	if t.S3.Region != "" {
		cfg.Region = t.S3.Region
	}
	key := cfg.Endpoint + "|" + cfg.AccessKey + "|" + cfg.Region
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[key]; ok {
		return st, nil
	}
	st, err := storage.New(cfg)
	if err != nil {
		return nil, err
	}
	s.m[key] = st
	return st, nil
}

// Replica returns t's replica store and bucket, nil if it has none.
func (s *Stores) Replica(t *tenant.Tenant) (*storage.Store, string, error) {
	if t.Replica == nil {
		return nil, "", nil
	}
	r := t.Replica
	st, err := s.For(&tenant.Tenant{ID: t.ID, S3: tenant.S3{Endpoint: r.Endpoint, AccessKey: r.AccessKey, SecretKey: r.SecretKey, Region: r.Region, Insecure: r.Insecure}})
	return st, r.Bucket, err
}

// Locator finds each tenant's store and bucket in the current tenants.
func (s *Stores) Locator(tenants func() *tenant.Registry) audit.Locator {
	return func(id string) (*storage.Store, string, error) {
		t, err := tenants().Get(id)
		if err != nil {
			return nil, "", err
		}
		st, err := s.For(t)
		return st, t.Bucket, err
	}
}

// runGateway runs the embedded S3 gateway (a test stands in a failing one).
var runGateway = s3gw.Run

// Run runs until ctx ends, then stops in order: intake first, then the
// stores, so nothing in flight loses its storage.
func Run(ctx context.Context, cfg Config) error {
	ingest.TuneGC()
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := privateDataDir(dataDir, log); err != nil {
		return err
	}
	if cfg.TenantsFile == "" {
		cfg.TenantsFile = DefaultTenants(dataDir)
	}
	// The embedded S3 gateway changes the working directory: resolve every path now.
	if cfg.TenantsFile, err = filepath.Abs(cfg.TenantsFile); err != nil {
		return err
	}
	embedded := cfg.NATS.URL == "" || cfg.S3.Endpoint == ""
	var sec *Secrets
	if embedded {
		if sec, err = LoadSecrets(dataDir, true); err != nil {
			return err
		}
	}
	reg, err := tenant.Load(cfg.TenantsFile)
	if err != nil {
		return err
	}
	var tenants atomic.Pointer[tenant.Registry]
	tenants.Store(reg)

	// infra outlives the work: it is cancelled only after workers stopped.
	infraCtx, stopInfra := context.WithCancel(context.WithoutCancel(ctx))
	var infra sync.WaitGroup
	defer func() { stopInfra(); infra.Wait() }()

	// One guard for every login, so failures count the same over NATS and HTTP.
	guard := authguard.New(authguard.DefaultPolicy(), log)
	var natsSrv *queue.Server
	natsCfg := queue.ServerConfig{}
	natsURL, natsUser, natsPass := cfg.NATS.URL, cfg.NATS.User, cfg.NATS.Password
	if natsURL == "" {
		addr := cfg.NATS.Addr
		if addr == "" {
			addr = "127.0.0.1:4222"
		}
		natsCfg = queue.ServerConfig{Dir: filepath.Join(dataDir, "nats"), Addr: addr, ServiceUser: ServiceUser, ServicePassword: sec.NATSPassword, Tenants: reg.Tenants, Guard: guard}
		natsSrv, err = queue.StartServer(ctx, natsCfg)
		if err != nil {
			return err
		}
		defer func() { natsSrv.Shutdown(); natsSrv.WaitForShutdown() }()
		natsURL, natsUser, natsPass = natsSrv.ClientURL(), ServiceUser, sec.NATSPassword
		log.Info("embedded NATS with JetStream", "url", natsURL, "store", natsCfg.Dir)
	}

	var gwErr chan error // the embedded S3 gateway's end, nil if none runs
	s3cfg := storage.Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey, Region: cfg.S3.Region}
	if cfg.S3.Endpoint == "" {
		addr := cfg.S3.Addr
		if addr == "" {
			addr = "127.0.0.1:7070"
		}
		// Refuse a taken port: readiness is checked by connecting, and another
		// process answering there must not be mistaken for our gateway.
		probe, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("embedded S3 gateway: %w", err)
		}
		probe.Close()
		gw := s3gw.Config{Dir: filepath.Join(dataDir, "s3"), Addr: addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
		gwErr = make(chan error, 1)
		infra.Add(1)
		go func() { defer infra.Done(); gwErr <- runGateway(infraCtx, gw) }()
		readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		ready := make(chan error, 1)
		go func() { ready <- s3gw.WaitReady(readyCtx, addr) }()
		select {
		case err = <-ready:
		case err = <-gwErr: // the gateway could not start
			if err == nil {
				err = errors.New("embedded S3 gateway stopped at start")
			}
		}
		cancel()
		if err != nil {
			return err
		}
		s3cfg = storage.Config{Endpoint: "http://" + addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
		log.Info("embedded S3 gateway (versitygw, posix)", "endpoint", s3cfg.Endpoint, "folder", gw.Dir)
	}
	stores := NewStores(s3cfg)
	healthStore, err := storage.New(s3cfg)
	if err != nil {
		return err
	}

	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: natsURL, User: natsUser, Password: natsPass, Name: "earkiv-" + cfg.Version, Log: log})
	if err != nil {
		return err
	}
	defer q.Close()
	setup := queue.SetupOptions{AckWait: cfg.AckWait, MaxDeliver: cfg.MaxDeliver}
	if err := q.Setup(ctx, ids(reg), setup); err != nil {
		return err
	}
	ensureBuckets(ctx, reg, stores, log)

	promReg := prometheus.NewRegistry()
	promReg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetrics(promReg)
	queueGauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "earkiv", Subsystem: "queue", Name: "requests",
		Help: "Ingest requests waiting (pending) or being worked on (unacked)."}, []string{"state"})
	promReg.MustRegister(queueGauge, guard)

	work, stopWork := context.WithCancel(ctx)
	defer stopWork()
	var wg sync.WaitGroup
	errc := make(chan error, 4)

	var cat *catalog.Catalog
	var fm *fixityMetrics
	if cfg.Catalog {
		cat, err = catalog.Open(ctx, CatalogFile(dataDir))
		if err != nil {
			return err
		}
		defer func() {
			if err := cat.Close(); err != nil {
				log.Error("close catalog", "err", err)
			}
		}()
		fm = newFixityMetrics(promReg)
		cat.Observe = fm.observe
		locate := stores.Locator(tenants.Load)
		load := func(ctx context.Context, tenantID, aipID string) (*aip.Manifest, error) {
			st, bucket, err := locate(tenantID)
			if err != nil {
				return nil, err
			}
			return aip.ReadManifest(ctx, st, bucket, aipID)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := cat.Follow(work, q, load, log); err != nil && work.Err() == nil {
				errc <- fmt.Errorf("catalog: %w", err)
			}
		}()
	}

	if cfg.Catalog && cfg.Fixity.Cycle > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scheduleAudits(work, cfg.Fixity, filepath.Join(dataDir, "audits"), tenants.Load, stores, cat, q, cfg.Version, fm, log)
		}()
		log.Info("scheduled fixity audits", "cycle", cfg.Fixity.Cycle, "interval", cfg.Fixity.Interval, "rate_bytes_per_s", cfg.Fixity.Rate)
	}

	if cfg.Workers > 0 {
		w, err := ingest.New(ingest.Config{
			Tenants: tenants.Load, Place: placement.NewStores(s3cfg), Queue: q, Validator: cfg.Validator,
			SpoolDir: filepath.Join(dataDir, "spool"), Concurrency: cfg.Workers, MemoryBudget: cfg.MemoryBudget, Version: cfg.Version, Metrics: metrics, Log: log,
		})
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(work); err != nil && work.Err() == nil {
				errc <- err
			}
		}()
		log.Info("ingest workers", "concurrency", cfg.Workers)
	}

	ep := Endpoints{NATSURL: natsURL, S3Endpoint: s3cfg.Endpoint}
	health := func(ctx context.Context) error {
		if !q.IsConnected() {
			return errors.New("nats not connected")
		}
		return healthStore.Healthy(ctx)
	}
	// The producers' API and the operators' metrics listen apart: /metrics
	// shows every tenant's counters.
	if cfg.HTTPAddr != "" {
		h := api.New(api.Config{Tenants: tenants.Load, Queue: q, Catalog: cat, Guard: guard, Log: log, Health: health})
		if ep.HTTP, err = serveHTTP(work, &wg, errc, log, "http", cfg.HTTPAddr, h); err != nil {
			return err
		}
		log.Info("http API", "url", ep.HTTP)
	}
	if cfg.MetricsAddr != "" {
		if ep.Metrics, err = serveHTTP(work, &wg, errc, log, "metrics", cfg.MetricsAddr, api.Metrics(promReg, health)); err != nil {
			return err
		}
		log.Info("metrics and health for operators", "url", ep.Metrics+"/metrics")
	}

	// Background upkeep: queue gauges, tenant file reloads.
	wg.Add(1)
	go func() {
		defer wg.Done()
		var lastMod time.Time
		if fi, err := os.Stat(cfg.TenantsFile); err == nil {
			lastMod = fi.ModTime()
		}
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-work.Done():
				return
			case <-t.C:
			}
			// Looking the consumer up fetches its state: one request a tick.
			if b, err := q.Backlog(work); err == nil {
				queueGauge.WithLabelValues("pending").Set(float64(b.Pending))
				queueGauge.WithLabelValues("unacked").Set(float64(b.Unacked))
			}
			fi, err := os.Stat(cfg.TenantsFile)
			if err != nil || !fi.ModTime().After(lastMod) {
				continue
			}
			lastMod = fi.ModTime()
			next, err := tenant.Load(cfg.TenantsFile)
			if err != nil {
				log.Error("tenants file changed but cannot be used; keeping the previous tenants", "err", err)
				continue
			}
			if natsSrv != nil {
				nc := natsCfg
				nc.Tenants = next.Tenants
				if err := queue.ReloadTenants(natsSrv, nc); err != nil {
					log.Error("reload producer logins", "err", err)
					continue
				}
			}
			for _, id := range ids(next) {
				if err := q.SetupTenant(work, id, setup); err != nil {
					log.Error("set up tenant", "tenant", id, "err", err)
				}
			}
			ensureBuckets(work, next, stores, log)
			tenants.Store(next)
			log.Info("tenants reloaded", "count", len(next.Tenants))
		}
	}()

	if cfg.Ready != nil {
		cfg.Ready(ep)
	}
	select {
	case <-ctx.Done():
		err = nil
	case err = <-errc:
	case err = <-gwErr:
		// The gateway must outlive the work; a crash is the service's end,
		// not something to run on without.
		err = fmt.Errorf("embedded S3 gateway stopped: %w", err)
	case <-q.Closed():
		// The server closed the connection for good (nats.go does not
		// reconnect after some protocol errors): stop with the reason, so
		// a supervisor restarts the service rather than it idling on.
		err = fmt.Errorf("service NATS connection: %w", q.Err())
	}
	log.Info("stopping")
	stopWork()
	wg.Wait()
	return err
}

// serveHTTP serves h on addr until ctx ends; wg covers the server until
// Shutdown has returned, and errc gets an error that stops it early.
func serveHTTP(ctx context.Context, wg *sync.WaitGroup, errc chan<- error, log *slog.Logger, name, addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	srv := api.NewServer(h)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s: %w", name, err)
		}
	}()
	go func() {
		defer wg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn(name+": requests still running at shutdown were cut off", "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

func ids(r *tenant.Registry) []string {
	var out []string
	for _, t := range r.Tenants {
		out = append(out, t.ID)
	}
	return out
}

// ensureBuckets creates each tenant's bucket with Object Lock. A failure is
// logged, not fatal: the worker retries when a package arrives.
func ensureBuckets(ctx context.Context, reg *tenant.Registry, stores *Stores, log *slog.Logger) {
	for _, t := range reg.Tenants {
		st, err := stores.For(t)
		if err == nil {
			err = st.EnsureBucket(ctx, t.Bucket)
		}
		if err != nil {
			log.Error("tenant bucket", "tenant", t.ID, "bucket", t.Bucket, "err", err)
		}
	}
}
