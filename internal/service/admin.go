package service

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/earkiv/earkiv/internal/endpoints"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// OpenStores finds the tenants' buckets where a serve of dataDir keeps
// them, for the operators' commands (reindex, fixity): on the external
// endpoint c names, else on the data folder's embedded gateway at c.Addr,
// which it starts itself when no serve runs. stop ends a gateway it
// started and waits for it.
func OpenStores(ctx context.Context, dataDir string, c S3Config) (stores *placement.Stores, stop func(), err error) {
	if c.Endpoint != "" {
		return placement.NewStores(storage.Config{Endpoint: c.Endpoint, AccessKey: c.AccessKey, SecretKey: c.SecretKey, Region: c.Region}), func() {}, nil
	}
	sec, err := LoadSecrets(dataDir, false)
	if err != nil {
		return nil, nil, err
	}
	addr := c.Addr
	if addr == "" {
		addr = defaultS3Addr
	}
	cfg := storage.Config{Endpoint: "http://" + addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = conn.Close() // only a probe: serve's gateway answers
		return placement.NewStores(cfg), func() {}, nil
	}
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() {
		done <- s3gw.Run(gctx, s3gw.Config{Dir: filepath.Join(dataDir, "s3"), Addr: addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey})
	}()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	err = s3gw.WaitReady(wctx, addr)
	wcancel()
	if err != nil {
		cancel()
		if gerr := <-done; gerr != nil {
			err = gerr // the gateway's own reason beats "not ready"
		}
		return nil, nil, err
	}
	return placement.NewStores(cfg), func() {
		cancel()
		if err := <-done; err != nil {
			slog.Warn("embedded S3 gateway", "err", err)
		}
	}, nil
}

// OpenQueue connects an operator's command to the NATS of dataDir, as the
// service's own user: to the server at c.URL when one answers there, else
// to the data folder's embedded server, which it starts itself when no
// serve of that folder runs. stop closes the connection and stops a server
// it started. tenants names the tenants file (the data folder's if empty).
func OpenQueue(ctx context.Context, dataDir, tenantsFile string, c NATSConfig, log *slog.Logger) (q *queue.Client, stop func(), err error) {
	if log == nil {
		log = slog.Default()
	}
	user, pass := c.User, c.Password
	if user == "" {
		user = ServiceUser
	}
	sec, secErr := LoadSecrets(dataDir, false)
	if pass == "" {
		if secErr != nil {
			return nil, nil, secErr
		}
		pass = sec.NATSPassword
	}
	if c.URL != "" {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		q, err := queue.Connect(cctx, queue.ConnectOptions{URL: c.URL, User: user, Password: pass, Name: "earkiv-admin", Log: log})
		cancel()
		if err == nil {
			return q, q.Close, nil
		}
		if _, rerr := endpoints.Read(dataDir); rerr == nil || !isDefaultURL(c.URL) {
			// A serve of this folder runs, or another server was named:
			// starting one of our own instead would be wrong.
			return nil, nil, fmt.Errorf("nats at %s: %w", c.URL, err)
		}
	}
	if secErr != nil {
		return nil, nil, secErr
	}
	if tenantsFile == "" {
		tenantsFile = DefaultTenants(dataDir)
	}
	reg, err := tenant.Load(tenantsFile)
	if err != nil {
		return nil, nil, err
	}
	addr := c.Addr
	if addr == "" {
		addr = defaultNATSAddr
	}
	srv, err := queue.StartServer(ctx, queue.ServerConfig{Dir: filepath.Join(dataDir, "nats"), Addr: addr, ServiceUser: ServiceUser,
		ServicePassword: sec.NATSPassword, Tenants: reg.Tenants})
	if err != nil {
		return nil, nil, fmt.Errorf("embedded NATS of %s: %w", dataDir, err)
	}
	q, err = queue.Connect(ctx, queue.ConnectOptions{URL: srv.ClientURL(), User: ServiceUser, Password: sec.NATSPassword, Name: "earkiv-admin", Log: log})
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, nil, err
	}
	stop = func() {
		q.Close()
		srv.Shutdown()
		srv.WaitForShutdown()
	}
	// A folder whose serve never ran has no streams yet; the access log
	// of a command's changes needs its own.
	if err := q.Setup(ctx, ids(reg), queue.SetupOptions{}); err != nil {
		stop()
		return nil, nil, err
	}
	return q, stop, nil
}

// isDefaultURL tells whether url is the NATS address a command assumes
// when it is told none.
func isDefaultURL(url string) bool { return url == "nats://"+defaultNATSAddr }
