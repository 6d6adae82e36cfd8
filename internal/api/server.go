package api

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewServer is an http.Server for h with limits fit for a listener facing
// case systems: a client must send its headers within 10 s and its request
// within 30 s (no route reads a body), headers are at most 16 KiB, idle
// connections close after 2 minutes, and an answer must be written within
// 2 minutes.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
}

// Metrics serves /metrics (every tenant's counters) and /healthz with the
// reason when unhealthy, for operators: it belongs on a listener of its own
// on loopback or a private network, never beside the producers' API.
func Metrics(g prometheus.Gatherer, health func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if err := checkHealth(r.Context(), health); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	})
	return headers(mux)
}
