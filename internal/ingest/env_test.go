package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
)

func TestMain(m *testing.M) { testenv.Main(m, map[string]testenv.Role{"worker": workerRole}) }

// env is a complete earkiv back end: embedded NATS, an S3 server in a child
// process, a catalog following the events, and the tenants alfa
// (Exempelby's org number, as the committed samples carry) and beta.
type env struct {
	t       testing.TB
	nats    *testenv.NATS
	s3      *testenv.S3
	reg     *tenant.Registry
	regFile string
	svc     *queue.Client
	cat     *catalog.Catalog
	store   *storage.Store
	spool   string
}

func newEnv(t testing.TB) *env { return newEnvOn(t, testenv.Versity) }

// newEnvOn is newEnv on a chosen S3 implementation.
func newEnvOn(t testing.TB, s3 func(testing.TB) *testenv.S3) *env {
	t.Helper()
	pw := map[string]string{}
	alfa := testenv.Tenant(t, "alfa", "2120000001", pw)
	beta := testenv.Tenant(t, "beta", "2120000019", pw)
	beta.Retention = tenant.Retention{Default: "forever"}
	reg := &tenant.Registry{}
	for _, x := range []*tenant.Tenant{alfa, beta} {
		if err := reg.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, reg: reg, spool: t.TempDir()}
	e.regFile = filepath.Join(t.TempDir(), "tenants.yaml")
	if err := reg.Save(e.regFile); err != nil {
		t.Fatal(err)
	}
	e.s3 = s3(t)
	e.store = e.s3.Store(t)
	e.nats = testenv.StartNATS(t, t.TempDir(), reg.Tenants, pw)
	e.svc = e.nats.Service(t)
	cat, err := catalog.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	e.cat = cat
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cat.Follow(ctx, e.svc, e.loader(), slog.Default())
	}()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

func (e *env) tenant(id string) *tenant.Tenant {
	x, err := e.reg.Get(id)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

func (e *env) loader() catalog.ManifestLoader {
	return func(ctx context.Context, tenantID, aipID string) (*aip.Manifest, error) {
		x, err := e.reg.Get(tenantID)
		if err != nil {
			return nil, err
		}
		return aipstore.ReadManifest(ctx, e.store, x.Bucket, aipID)
	}
}

var (
	validatorOnce sync.Once
	validator     *validate.Validator
)

func sharedValidator(t testing.TB) *validate.Validator {
	validatorOnce.Do(func() {
		fsys, _, err := schemas.Open("")
		if err != nil {
			t.Fatal(err)
		}
		validator, err = validate.New(fsys, validate.Options{})
		if err != nil {
			t.Fatal(err)
		}
	})
	return validator
}

func workerConfig(reg *tenant.Registry, st *storage.Store, q *queue.Client, v *validate.Validator, spool string) ingest.Config {
	return ingest.Config{
		Tenants:    func() *tenant.Registry { return reg },
		Place:      placement.Fixed{Store: st},
		Queue:      q,
		Validator:  v,
		SpoolDir:   spool,
		Heartbeat:  time.Second,
		StoreRetry: 30 * time.Second,
		Version:    "test",
	}
}

// startWorker runs a worker in this process until the test ends or stop
// is called.
func (e *env) startWorker(mod ...func(*ingest.Config)) (stop func()) {
	e.t.Helper()
	cfg := workerConfig(e.reg, e.store, e.svc, sharedValidator(e.t), e.spool)
	if os.Getenv("EARKIV_BENCH_DEBUG") != "" {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	for _, f := range mod {
		f(&cfg)
	}
	w, err := ingest.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	stop = func() { cancel(); <-done }
	e.t.Cleanup(stop)
	return stop
}

// streamed makes a worker stream every package from the package store, as
// it does the packages over SpoolBelow.
func streamed(c *ingest.Config) { c.MemoryBelow, c.SpoolBelow = 1, 1 }

// submit sends a package as tenant's producer and returns the submission id.
func (e *env) submit(tenantID, p string) string {
	e.t.Helper()
	prod := e.nats.Producer(e.t, e.tenant(tenantID))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, err := pkgstore.New(prod).Submit(ctx, tenantID, p, pkgstore.SubmitOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return req.SubmissionID
}

func (e *env) receipt(tenantID, id string, timeout time.Duration) *earkiv.Receipt {
	e.t.Helper()
	prod := e.nats.Producer(e.t, e.tenant(tenantID))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r, err := prod.WaitReceipt(ctx, tenantID, id)
	if err != nil {
		e.t.Fatalf("receipt %s: %v", id, err)
	}
	return r
}

func sample(t testing.TB, name string) string {
	return filepath.Join(testenv.RepoRoot(t), "packages-sample", name)
}

// aipPrefixes lists the AIP folders in a bucket and whether each has a manifest.
func (e *env) aipPrefixes(bucket string) map[string]bool {
	e.t.Helper()
	out := map[string]bool{}
	for o, err := range e.store.List(context.Background(), bucket, "") {
		if err != nil {
			e.t.Fatal(err)
		}
		id, rest, _ := strings.Cut(o.Key, "/")
		out[id] = out[id] || rest == "manifest.json"
	}
	return out
}

// waitCatalog waits until the catalog lists n AIPs for tenant.
func (e *env) waitCatalog(tenantID string, n int) []catalog.AIP {
	e.t.Helper()
	var aips []catalog.AIP
	testenv.Eventually(e.t, 20*time.Second, func() error {
		var err error
		if aips, err = e.cat.AIPs(context.Background(), tenantID); err != nil {
			e.t.Fatal(err)
		}
		if len(aips) != n {
			return fmt.Errorf("catalog has %d AIPs of %s, want %d", len(aips), tenantID, n)
		}
		return nil
	})
	return aips
}

// workerArg configures a worker child process.
type workerArg struct {
	NATSURL, User, Password string
	S3                      storage.Config
	Tenants, Spool          string
	StopAt                  string // hook stage at which the child announces itself and hangs
	StopAfter               int    // ... on the n-th time that stage is reached
	Uploads                 int
	Stream                  bool // every package streamed from the package store
}

// workerRole is a worker in a child process (to be killed with SIGKILL).
func workerRole(ctx context.Context, arg string) error {
	var a workerArg
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	reg, err := tenant.Load(a.Tenants)
	if err != nil {
		return err
	}
	st, err := storage.New(a.S3)
	if err != nil {
		return err
	}
	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: a.NATSURL, User: a.User, Password: a.Password, Name: "worker-child"})
	if err != nil {
		return err
	}
	fsys, _, err := schemas.Open("")
	if err != nil {
		return err
	}
	v, err := validate.New(fsys, validate.Options{})
	if err != nil {
		return err
	}
	cfg := workerConfig(reg, st, q, v, a.Spool)
	cfg.Uploads = a.Uploads
	if a.Stream {
		streamed(&cfg)
	}
	var mu sync.Mutex
	count := 0
	cfg.Hook = func(stage, detail string) {
		if stage != a.StopAt {
			return
		}
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		if n == a.StopAfter {
			fmt.Printf("STOPPED-AT %s %s\n", stage, detail)
			os.Stdout.Sync()
			select {} // hang until killed
		}
	}
	w, err := ingest.New(cfg)
	if err != nil {
		return err
	}
	return w.Run(ctx)
}

func (e *env) startWorkerChild(stopAt string, stopAfter int, stream bool) *testenv.Child {
	e.t.Helper()
	arg, _ := json.Marshal(workerArg{NATSURL: e.nats.URL, User: e.nats.Cfg.ServiceUser, Password: e.nats.Cfg.ServicePassword,
		S3: e.s3.Cfg, Tenants: e.regFile, Spool: e.spool, StopAt: stopAt, StopAfter: stopAfter, Uploads: 1, Stream: stream})
	return testenv.StartChild(e.t, "worker", string(arg))
}

// waitOutput waits until the child prints s; a child that exits first
// fails the test at once.
func waitOutput(t *testing.T, c *testenv.Child, s string, timeout time.Duration) string {
	t.Helper()
	var out string
	testenv.Eventually(t, timeout, func() error {
		out = c.Output()
		if strings.Contains(out, s) {
			return nil
		}
		select {
		case <-c.Done():
			t.Fatalf("child exited before printing %q:\n%s", s, out)
		default:
		}
		return fmt.Errorf("child did not print %q:\n%s", s, out)
	})
	return out
}
