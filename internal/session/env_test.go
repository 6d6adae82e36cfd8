package session

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// clock is a clock a test moves; every store of a test shares one.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one NATS server with the tenants alfa and beta, as several nodes
// of one archive share it.
type env struct {
	n     *testenv.NATS
	reg   *tenant.Registry
	clock *clock
}

func start(t testing.TB) *env {
	t.Helper()
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	b := testenv.Tenant(t, "beta", "2120002411", pw)
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{a, b}, pw)
	return &env{n: n, reg: &tenant.Registry{Tenants: []*tenant.Tenant{a, b}}, clock: newClock()}
}

// node opens a store on a connection of its own, as another node would,
// and runs it until the test ends, failing the test unless Run returns
// nil once it is stopped.
func (e *env) node(t testing.TB, p Policy) *Store {
	t.Helper()
	s := e.open(t, p)
	stop := run(t, s)
	t.Cleanup(stop)
	return s
}

// open opens a store without running it.
func (e *env) open(t testing.TB, p Policy) *Store {
	t.Helper()
	s, err := Open(context.Background(), e.n.Service(t), p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.now = e.clock.now
	return s
}

// run starts s.Run, waits until its watches are up, and returns what
// stops it and checks that it returned nil.
func run(t testing.TB, s *Store) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	testenv.Eventually(t, 10*time.Second, func() error {
		if !s.sessions.cache.isLive() || !s.tokens.cache.isLive() {
			return errors.New("Run's watches are not up")
		}
		return nil
	})
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func anna() NewSession {
	return NewSession{Tenant: "alfa", Person: "anna.svensson", Name: "Anna Svensson", Roles: []people.Role{people.Arkivarie},
		Method: MethodPassword, Client: "Firefox 140"}
}

func annaToken() NewToken {
	return NewToken{Tenant: "alfa", Person: "anna.svensson", Name: "export-skript", Roles: []people.Role{people.Lasare}}
}

// raw is a bucket as anyone with NATS access reads it.
func raw(t testing.TB, e *env, tokens bool) map[string][]byte {
	t.Helper()
	svc := e.n.Service(t)
	open := svc.Sessions
	if tokens {
		open = svc.Tokens
	}
	kv, err := open(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for k := range keys.Keys() {
		v, err := kv.Get(ctx(t), k)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = v.Value()
	}
	return out
}

var _ Buckets = (*queue.Client)(nil)
