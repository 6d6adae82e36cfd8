package queue

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/tenant"
)

// ServerConfig configures the embedded NATS server.
type ServerConfig struct {
	Dir             string // JetStream storage
	Addr            string // host:port; port 0 picks a free one
	ServiceUser     string // earkiv's own login (workers, serve)
	ServicePassword string // plain or bcrypt
	Tenants         []*tenant.Tenant
	MaxPayload      int32 // bytes per message; 0 means 8 MiB
	// Guard throttles failed logins; nil: one of its own with the default
	// policy. The service passes the guard the HTTP API uses, so failures
	// count the same over both.
	Guard *authguard.Guard
	Log   *slog.Logger // failed logins (with a guard of its own)
}

// Server is the embedded NATS server and its login check.
type Server struct {
	*server.Server
	auth *authenticator
}

// StartServer starts an embedded NATS server with JetStream and one login per
// tenant producer, each allowed only its own tenant's subjects. It waits
// until the server takes connections, at most readyWait or until ctx ends;
// the caller shuts the server down.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	opts, err := serverOptions(cfg)
	if err != nil {
		return nil, err
	}
	auth := newAuthenticator(cfg)
	opts.CustomClientAuthentication = auth
	if opts.Port != server.RANDOM_PORT {
		// A taken port would only show as a 30 s wait for readiness.
		probe, err := net.Listen("tcp", net.JoinHostPort(opts.Host, strconv.Itoa(opts.Port)))
		if err != nil {
			return nil, fmt.Errorf("nats server: %w", err)
		}
		probe.Close()
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	auth.srv.Store(s)
	go s.Start() // ends with Shutdown
	if err := waitReady(ctx, s); err != nil {
		s.Shutdown()
		return nil, fmt.Errorf("nats server on %s did not become ready: %w", cfg.Addr, err)
	}
	return &Server{Server: s, auth: auth}, nil
}

// readyWait bounds the wait for a new server to take connections.
const readyWait = 30 * time.Second

// waitReady waits until s takes connections, readyWait passes or ctx ends.
func waitReady(ctx context.Context, s *server.Server) error {
	ctx, cancel := context.WithTimeout(ctx, readyWait)
	defer cancel()
	for !s.ReadyForConnections(50 * time.Millisecond) {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ReloadTenants replaces the producer logins of a running embedded server,
// so tenants added with `earkiv tenant add` can submit without a restart,
// and closes the connections of producers removed or given a new password.
// Logins are earkiv's own check, not nats-server options, so no server
// reload is needed.
func ReloadTenants(s *Server, cfg ServerConfig) error {
	if _, err := serverOptions(cfg); err != nil {
		return err
	}
	s.auth.reload(cfg)
	return nil
}

func serverOptions(cfg ServerConfig) (*server.Options, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("nats address %q: %w", cfg.Addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("nats port %q: %w", port, err)
	}
	if p == 0 {
		p = server.RANDOM_PORT // nats-server reads 0 as its default port, 4222
	}
	if cfg.ServiceUser == "" || cfg.ServicePassword == "" {
		return nil, fmt.Errorf("nats server: a service user and password are required")
	}
	mp := cfg.MaxPayload
	if mp == 0 {
		mp = 8 << 20
	}
	return &server.Options{
		ServerName:            "earkiv",
		Host:                  host,
		Port:                  p,
		JetStream:             true,
		StoreDir:              cfg.Dir,
		NoSigs:                true,
		NoLog:                 true,
		MaxPayload:            mp,
		MaxPending:            int64(mp) * 8,
		JetStreamMaxMemory:    256 << 20,
		DisableShortFirstPing: true,
	}, nil
}
