package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
)

// AccessLogKeyFile holds the data folder's checkpoint signing key: the
// private key on its first line, the public (verifier) key on its second.
func AccessLogKeyFile(dataDir string) string { return filepath.Join(dataDir, "accesslog.key") }

// ErrNoAccessLogKey says the data folder has no checkpoint key yet.
var ErrNoAccessLogKey = errors.New("no access log key")

// LoadAccessLogKey reads the data folder's checkpoint key, creating it
// (once, 0600) if create is set.
func LoadAccessLogKey(dataDir string, create bool) (note.Signer, note.Verifier, error) {
	p := AccessLogKeyFile(dataDir)
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) && create {
		skey, vkey, gerr := note.GenerateKey(rand.Reader, "earkiv-accesslog")
		if gerr != nil {
			return nil, nil, fmt.Errorf("access log key: %w", gerr)
		}
		b = []byte(skey + "\n" + vkey + "\n")
		f, ferr := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if ferr != nil {
			return nil, nil, fmt.Errorf("access log key: %w", ferr)
		}
		_, werr := f.Write(b)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, nil, fmt.Errorf("access log key %s: %w", p, werr)
		}
		err = nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w in %s (earkiv serve creates it)", ErrNoAccessLogKey, dataDir)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("access log key: %w", err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 2 {
		return nil, nil, fmt.Errorf("access log key %s: want two lines", p)
	}
	s, err := note.NewSigner(lines[0])
	if err != nil {
		return nil, nil, fmt.Errorf("access log key %s: %w", p, err)
	}
	v, err := note.NewVerifier(lines[1])
	if err != nil {
		return nil, nil, fmt.Errorf("access log key %s: %w", p, err)
	}
	return s, v, nil
}

// OpenAccessLog is the access log of dataDir's tenants over q, with the
// checkpoints in their buckets on place, for the operators' commands.
// Without a key it still exports; Verify then says there is no key.
func OpenAccessLog(dataDir, tenantsFile string, q *queue.Client, place placement.Placement) (*accesslog.Log, error) {
	if tenantsFile == "" {
		tenantsFile = DefaultTenants(dataDir)
	}
	reg, err := tenant.Load(tenantsFile)
	if err != nil {
		return nil, err
	}
	s, v, err := LoadAccessLogKey(dataDir, false)
	if err != nil && !errors.Is(err, ErrNoAccessLogKey) {
		return nil, err
	}
	return accesslog.New(accesslog.Config{Queue: q, Tenants: func() *tenant.Registry { return reg }, Place: place, Signer: s, Verifier: v}), nil
}

// checkpointEvery is how often serve signs each tenant's access log.
const checkpointEvery = 24 * time.Hour

// accessCheckpoints signs every tenant's access log at start and then
// every period, until ctx ends. A tenant that fails is logged and tried
// again next time; the others go on.
func accessCheckpoints(l *accesslog.Log, tenants func() *tenant.Registry, period time.Duration, log *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			for _, tn := range tenants().Tenants {
				c, ok, err := l.Checkpoint(ctx, tn.ID)
				switch {
				case err != nil && ctx.Err() == nil:
					log.Error("access log checkpoint", "tenant", tn.ID, "err", err)
				case ok:
					log.Info("access log checkpoint", "tenant", tn.ID, "entries", c.N)
				}
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
}
