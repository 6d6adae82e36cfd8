package service

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// tenantReload keeps the tenants current while the service runs: the
// tenants file is read again when it changes (`earkiv tenant add` needs no
// restart) and on SIGHUP (a file copied in with an older time, or an
// operator who wants it now). A file that cannot be used leaves the
// previous tenants in place.
type tenantReload struct {
	file    string
	every   time.Duration // how often the file's time is looked at
	hup     <-chan os.Signal
	current *atomic.Pointer[tenant.Registry]
	// logins, if set, replaces the embedded NATS server's producer logins;
	// a failure keeps the previous tenants.
	logins func(*tenant.Registry) error
	// prepare sets up each tenant's queue and bucket before its requests
	// can come; it logs its own failures, which the next ingest retries.
	prepare func(context.Context, *tenant.Registry)
	log     *slog.Logger
}

// newTenantReload reloads into current from file, polled every two
// seconds, and on each signal from hup. With an embedded NATS server (srv
// not nil) the producer logins follow; each tenant's queue (set up by q
// with setup) and bucket are made before it becomes current.
func newTenantReload(file string, hup <-chan os.Signal, current *atomic.Pointer[tenant.Registry], srv *embeddedNATS,
	q *queue.Client, setup queue.SetupOptions, place placement.Placement, log *slog.Logger) *tenantReload {
	r := &tenantReload{file: file, every: 2 * time.Second, hup: hup, current: current, log: log,
		prepare: func(ctx context.Context, next *tenant.Registry) {
			for _, id := range ids(next) {
				if err := q.SetupTenant(ctx, id, setup); err != nil {
					log.Error("set up tenant", "tenant", id, "err", err)
				}
			}
			ensureBuckets(ctx, next, place, log)
		}}
	if srv != nil {
		r.logins = srv.reloadLogins
	}
	return r
}

// Run reloads until ctx ends.
func (r *tenantReload) Run(ctx context.Context) error {
	var lastMod time.Time
	if fi, err := os.Stat(r.file); err == nil {
		lastMod = fi.ModTime()
	}
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.hup:
			if fi, err := os.Stat(r.file); err == nil {
				lastMod = fi.ModTime()
			}
		case <-t.C:
			fi, err := os.Stat(r.file)
			if err != nil || !fi.ModTime().After(lastMod) {
				continue
			}
			lastMod = fi.ModTime()
		}
		r.reload(ctx)
	}
}

// reload reads the tenants file and, if it can be used, makes it current.
func (r *tenantReload) reload(ctx context.Context) {
	next, err := loadTenants(r.file)
	if err != nil {
		r.log.Error("tenants file changed but cannot be used; keeping the previous tenants", "err", err)
		return
	}
	if r.logins != nil {
		if err := r.logins(next); err != nil {
			r.log.Error("reload producer logins", "err", err)
			return
		}
	}
	if r.prepare != nil {
		r.prepare(ctx, next)
	}
	r.current.Store(next)
	r.log.Info("tenants reloaded", "count", len(next.Tenants))
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
func ensureBuckets(ctx context.Context, reg *tenant.Registry, place placement.Placement, log *slog.Logger) {
	for _, t := range reg.Tenants {
		b, err := place.Primary(t)
		if err == nil {
			err = b.Store.EnsureBucket(ctx, b.Name)
		}
		if err != nil {
			log.Error("tenant bucket", "tenant", t.ID, "bucket", t.Bucket, "err", err)
		}
	}
}
