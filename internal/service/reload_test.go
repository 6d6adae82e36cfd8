package service

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// reloadSite writes a tenants file with alfa and starts a reload on it;
// each reload's logins step sends the new tenants on the channel returned
// and fails while fail is set. The reload stops with the test.
func reloadSite(t *testing.T, every time.Duration, hup <-chan os.Signal, fail *atomic.Bool) (string, *atomic.Pointer[tenant.Registry], <-chan *tenant.Registry, func()) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tenants.yaml")
	pw := map[string]string{}
	saveTenants(t, file, testenv.Tenant(t, "alfa", "2120000001", pw))
	reg, err := tenant.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var current atomic.Pointer[tenant.Registry]
	current.Store(reg)
	seen := make(chan *tenant.Registry, 4)
	r := &tenantReload{file: file, every: every, hup: hup, current: &current, log: slog.New(slog.DiscardHandler),
		logins: func(next *tenant.Registry) error {
			seen <- next
			if fail.Load() {
				return errors.New("logins refused")
			}
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("reload: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return file, &current, seen, stop
}

func saveTenants(t *testing.T, file string, ts ...*tenant.Tenant) {
	t.Helper()
	reg := &tenant.Registry{}
	for _, tn := range ts {
		if err := reg.Add(tn); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.Save(file); err != nil {
		t.Fatal(err)
	}
}

// waitReload returns the tenants of the next reload.
func waitReload(t *testing.T, seen <-chan *tenant.Registry) *tenant.Registry {
	t.Helper()
	select {
	case reg := <-seen:
		return reg
	case <-time.After(10 * time.Second):
		t.Fatal("no reload")
		return nil
	}
}

// TestTenantReloadOnSIGHUP: SIGHUP reloads the tenants file even when its
// time has not moved on, and a reload whose logins step fails keeps the
// previous tenants.
func TestTenantReloadOnSIGHUP(t *testing.T) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var fail atomic.Bool
	file, current, seen, stop := reloadSite(t, time.Hour, hup, &fail)
	// beta is added with the file's time set back: only SIGHUP shows it.
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	pw := map[string]string{}
	saveTenants(t, file, testenv.Tenant(t, "alfa", "2120000001", pw), testenv.Tenant(t, "beta", "2120000019", pw))
	if err := os.Chtimes(file, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}

	fail.Store(true)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if reg := waitReload(t, seen); len(reg.Tenants) != 2 {
		t.Fatalf("SIGHUP read %d tenants, want 2", len(reg.Tenants))
	}
	if n := len(current.Load().Tenants); n != 1 {
		t.Fatalf("a failed reload left %d tenants, want the previous 1", n)
	}
	fail.Store(false)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitReload(t, seen)
	stop() // the reload in progress completes first
	if _, err := current.Load().Get("beta"); err != nil {
		t.Fatalf("after SIGHUP: %v", err)
	}
}

// TestTenantReloadOnFileChange: a newer tenants file is picked up without
// a signal.
func TestTenantReloadOnFileChange(t *testing.T) {
	var fail atomic.Bool
	file, current, seen, stop := reloadSite(t, 10*time.Millisecond, nil, &fail)
	pw := map[string]string{}
	saveTenants(t, file, testenv.Tenant(t, "alfa", "2120000001", pw), testenv.Tenant(t, "gamma", "2120000019", pw))
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(file, later, later); err != nil {
		t.Fatal(err)
	}
	if reg := waitReload(t, seen); len(reg.Tenants) != 2 {
		t.Fatalf("reload read %d tenants, want 2", len(reg.Tenants))
	}
	stop()
	if _, err := current.Load().Get("gamma"); err != nil {
		t.Fatalf("after the file changed: %v", err)
	}
}
