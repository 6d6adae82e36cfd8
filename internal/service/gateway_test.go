package service

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestGatewayCrashStopsService: an embedded S3 gateway that stops after
// start ends Run with that reason, instead of the service running on
// without its store.
func TestGatewayCrashStopsService(t *testing.T) {
	ready := make(chan struct{})
	runGateway = func(ctx context.Context, cfg s3gw.Config) error {
		gctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-ready: // the service is up: the crash comes after start
			case <-ctx.Done():
			}
			cancel()
		}()
		if err := s3gw.Run(gctx, cfg); err != nil {
			return err
		}
		if ctx.Err() == nil {
			return errors.New("the gateway fell over")
		}
		return nil
	}
	defer func() { runGateway = s3gw.Run }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Run(ctx, Config{DataDir: t.TempDir(), NATS: NATSConfig{Addr: testenv.FreeAddr(t)}, S3: S3Config{Addr: testenv.FreeAddr(t)},
		MetricsAddr: "", Log: slog.New(slog.DiscardHandler), Ready: func(Endpoints) { close(ready) }})
	if err == nil || !strings.Contains(err.Error(), "embedded S3 gateway stopped") || ctx.Err() != nil {
		t.Fatalf("Run: %v (ctx %v)", err, ctx.Err())
	}
}
