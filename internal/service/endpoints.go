package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Endpoints are the addresses a running service answers on.
type Endpoints struct {
	NATSURL    string
	S3Endpoint string
	HTTP       string
	Metrics    string
	// Routes are the routes served at HTTP, each with the permission it
	// needs (tests walk them all).
	Routes []authz.Route
}

// The embedded services' listen addresses when none is given.
const (
	defaultNATSAddr = "127.0.0.1:4222"
	defaultS3Addr   = "127.0.0.1:7070"
)

// natsLogin is how earkiv's own processes reach NATS.
type natsLogin struct{ URL, User, Password string }

// embeddedNATS is the NATS server run in this process, with what a reload
// of its producer logins needs.
type embeddedNATS struct {
	srv *queue.Server
	cfg queue.ServerConfig
}

// reloadLogins gives the server the producer logins of reg's tenants.
func (e *embeddedNATS) reloadLogins(reg *tenant.Registry) error {
	c := e.cfg
	c.Tenants = reg.Tenants
	return queue.ReloadTenants(e.srv, c)
}

// resolveNATS finds NATS: the external server configured, or an embedded
// one started here as a part, with the data folder's service password.
// The server is nil when NATS is external.
func resolveNATS(ctx context.Context, g *parts, c NATSConfig, dataDir string, sec *Secrets, reg *tenant.Registry, guard *authguard.Guard, log *slog.Logger) (*embeddedNATS, natsLogin, error) {
	if c.URL != "" {
		return nil, natsLogin{URL: c.URL, User: c.User, Password: c.Password}, nil
	}
	addr := c.Addr
	if addr == "" {
		addr = defaultNATSAddr
	}
	cfg := queue.ServerConfig{Dir: filepath.Join(dataDir, "nats"), Addr: addr, ServiceUser: ServiceUser, ServicePassword: sec.NATSPassword, Tenants: reg.Tenants, Guard: guard}
	srv, err := queue.StartServer(ctx, cfg)
	if err != nil {
		return nil, natsLogin{}, err
	}
	g.add("embedded NATS server", func(ctx context.Context) error {
		<-ctx.Done()
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil
	})
	log.Info("embedded NATS with JetStream", "url", srv.ClientURL(), "store", cfg.Dir)
	return &embeddedNATS{srv: srv, cfg: cfg}, natsLogin{URL: srv.ClientURL(), User: ServiceUser, Password: sec.NATSPassword}, nil
}

// runGateway runs the embedded S3 gateway (a test stands in a failing one).
var runGateway = s3gw.Run

// resolveS3 finds the object store: the external endpoint configured, or
// an embedded gateway on the data folder started here as a part, once it
// answers.
func resolveS3(ctx context.Context, g *parts, c S3Config, dataDir string, sec *Secrets, log *slog.Logger) (storage.Config, error) {
	if c.Endpoint != "" {
		return storage.Config{Endpoint: c.Endpoint, AccessKey: c.AccessKey, SecretKey: c.SecretKey, Region: c.Region}, nil
	}
	addr := c.Addr
	if addr == "" {
		addr = defaultS3Addr
	}
	// Refuse a taken port: readiness is checked by connecting, and another
	// process answering there must not be mistaken for our gateway.
	probe, err := net.Listen("tcp", addr)
	if err != nil {
		return storage.Config{}, fmt.Errorf("embedded S3 gateway: %w", err)
	}
	if err := probe.Close(); err != nil {
		return storage.Config{}, fmt.Errorf("embedded S3 gateway: %w", err)
	}
	gw := s3gw.Config{Dir: filepath.Join(dataDir, "s3"), Addr: addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
	var up atomic.Bool
	g.add("embedded S3 gateway", func(ctx context.Context) error {
		err := runGateway(ctx, gw)
		switch {
		case ctx.Err() != nil:
			return err
		case !up.Load():
			if err == nil {
				err = errors.New("embedded S3 gateway stopped at start")
			}
			return err
		case err == nil:
			err = errors.New("without an error")
		}
		// The gateway must outlive the work; a crash is the service's end,
		// not something to run on without.
		return fmt.Errorf("embedded S3 gateway stopped: %w", err)
	})
	readyCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- s3gw.WaitReady(readyCtx, addr) }()
	select {
	case err = <-ready:
	case <-g.failed(): // the gateway could not start
		cancel()
		waitErr := <-ready // the wait, cancelled: the gateway's own error is the one to report
		if err = g.err(); err == nil {
			err = waitErr
		}
	}
	if err != nil {
		return storage.Config{}, err
	}
	up.Store(true)
	s3cfg := storage.Config{Endpoint: "http://" + addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey}
	log.Info("embedded S3 gateway (versitygw, posix)", "endpoint", s3cfg.Endpoint, "folder", gw.Dir)
	return s3cfg, nil
}
