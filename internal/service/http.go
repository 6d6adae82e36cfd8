package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/earkiv/earkiv/internal/api"
)

// serveHTTP listens on addr now, so a taken address fails the start, and
// serves h as a part. The part returns once Shutdown has: by then no
// handler runs, so what handlers use can be closed after it.
func serveHTTP(g *parts, log *slog.Logger, name, addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	srv := api.NewServer(h)
	g.add(name, func(ctx context.Context) error {
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			return fmt.Errorf("%s: %w", name, err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn(name+": requests still running at shutdown were cut off", "err", err)
			if err := srv.Close(); err != nil {
				log.Warn(name+": close", "err", err)
			}
		}
		// Serve returns http.ErrServerClosed from the moment Shutdown began.
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			log.Warn(name+": serve", "err", err)
		}
		return nil
	})
	return "http://" + ln.Addr().String(), nil
}
