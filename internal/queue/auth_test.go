package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// guarded starts an embedded server for alfa and beta whose logins go
// through a guard with policy, logging to the returned buffer.
func guarded(t *testing.T, p authguard.Policy) (*queue.Server, queue.ServerConfig, map[string]string, *testenv.LogBuffer) {
	t.Helper()
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	b := testenv.Tenant(t, "beta", "2120002411", pw)
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	cfg := queue.ServerConfig{Dir: t.TempDir(), Addr: "127.0.0.1:0", ServiceUser: "earkiv", ServicePassword: "service-secret",
		Tenants: []*tenant.Tenant{a, b}, Guard: authguard.New(p, log)}
	s, err := queue.StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s, cfg, pw, logs
}

func login(s *queue.Server, user, password string) error {
	c, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: s.ClientURL(), User: user, Password: password})
	if err == nil {
		c.Close()
	}
	return err
}

// noLimit is a policy that never holds an attempt back.
func noLimit() authguard.Policy {
	p := authguard.DefaultPolicy()
	p.AccountFailures, p.AddressFree = 1<<30, 1<<30
	return p
}

// TestLoginLockout: failed NATS logins lock the account, even against the
// right password, while other accounts and the service login still work;
// unknown users lock the same way; each failure is logged without the
// password.
func TestLoginLockout(t *testing.T) {
	p := noLimit()
	p.AccountFailures = 3
	s, _, pw, logs := guarded(t, p)
	for _, user := range []string{"producer-alfa", "nobody"} {
		for i := range 3 {
			if err := login(s, user, "guess-"+user); err == nil {
				t.Fatalf("%s: guess %d logged in", user, i)
			}
		}
	}
	if err := login(s, "producer-alfa", pw["alfa"]); err == nil {
		t.Fatal("a locked account logged in")
	}
	if err := login(s, "producer-beta", pw["beta"]); err != nil {
		t.Fatalf("another account: %v", err)
	}
	if err := login(s, "earkiv", "service-secret"); err != nil {
		t.Fatalf("service login: %v", err)
	}
	out := logs.String()
	for _, want := range []string{"login failed", "user=producer-alfa", "user=nobody", "addr=127.0.0.1", "via=nats",
		"account locked", "login refused", "reason=\"account locked"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "guess-") || strings.Contains(out, pw["alfa"]) {
		t.Errorf("log shows a password:\n%s", out)
	}
}

// TestLoginBackoff: an address that failed too often is refused before its
// password is checked, the right one included.
func TestLoginBackoff(t *testing.T) {
	p := noLimit()
	p.AddressFree, p.AddressDelay = 2, time.Hour
	s, _, pw, logs := guarded(t, p)
	login(s, "a", "x")
	login(s, "b", "y")
	if err := login(s, "producer-alfa", pw["alfa"]); err == nil {
		t.Fatal("an address backing off logged in")
	}
	if !strings.Contains(logs.String(), "too many failed logins from this address") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

// TestLoginTimingUnknownUser: a login as an unknown user takes as long as
// one as a known user with a wrong password, so user names cannot be found
// by timing.
func TestLoginTimingUnknownUser(t *testing.T) {
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	_, hash, err := tenant.NewPasswordCost(10)
	if err != nil {
		t.Fatal(err)
	}
	a.Producer.PasswordHash = hash
	cfg := queue.ServerConfig{Dir: t.TempDir(), Addr: "127.0.0.1:0", ServiceUser: "earkiv", ServicePassword: "service-secret",
		Tenants: []*tenant.Tenant{a}, Guard: authguard.New(noLimit(), slog.New(slog.DiscardHandler))}
	s, err := queue.StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Shutdown(); s.WaitForShutdown() }()
	median := func(user string) time.Duration {
		var d []time.Duration
		for range 5 {
			start := time.Now()
			if login(s, user, "wrong") == nil {
				t.Fatal("logged in")
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	login(s, "warm-up", "x") // the dummy hash is made once
	known, unknown := median("producer-alfa"), median("nobody")
	if unknown < known/3 || unknown > known*3 {
		t.Fatalf("a known user's failure takes %v, an unknown user's %v", known, unknown)
	}
}

// TestReloadTenants: a reload lets a new producer in, closes the
// connections of a removed producer and of one whose password changed, and
// leaves the others connected.
func TestReloadTenants(t *testing.T) {
	s, cfg, pw, _ := guarded(t, noLimit())
	conn := func(user, password string) *queue.Client {
		c, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: s.ClientURL(), User: user, Password: password})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		t.Cleanup(c.Conn().Close)
		return c
	}
	alfa, beta, svc := conn("producer-alfa", pw["alfa"]), conn("producer-beta", pw["beta"]), conn("earkiv", "service-secret")
	gamma := testenv.Tenant(t, "gamma", "2120000019", pw)
	next := cfg
	newBeta := *cfg.Tenants[1]
	plain, hash, _ := tenant.NewPasswordCost(4)
	newBeta.Producer.PasswordHash = hash
	next.Tenants = []*tenant.Tenant{&newBeta, gamma} // alfa removed, beta's password changed
	if err := queue.ReloadTenants(s, next); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, func() error {
		for name, c := range map[string]*queue.Client{"removed alfa": alfa, "beta with its old password": beta} {
			if !c.Conn().IsClosed() && c.Conn().IsConnected() {
				return fmt.Errorf("%s still connected", name)
			}
		}
		return nil
	})
	if !svc.Conn().IsConnected() {
		t.Fatal("the service connection was closed")
	}
	if err := login(s, "producer-gamma", pw["gamma"]); err != nil {
		t.Fatalf("new producer: %v", err)
	}
	if err := login(s, "producer-alfa", pw["alfa"]); err == nil {
		t.Fatal("removed producer logged in")
	}
	if err := login(s, "producer-beta", pw["beta"]); err == nil {
		t.Fatal("old password still works")
	}
	if err := login(s, "producer-beta", plain); err != nil {
		t.Fatalf("new password: %v", err)
	}
}
