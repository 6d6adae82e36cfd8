package service

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/storage"
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
