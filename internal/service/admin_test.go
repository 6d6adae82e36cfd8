package service

import (
	"context"
	"testing"

	"github.com/earkiv/earkiv/internal/testenv"
)

// TestOpenQueueEmbedded: with no serve of the folder running, an operator's
// command gets the folder's own NATS, started for it and stopped after;
// a server named explicitly that does not answer is an error, not a
// reason to start another.
func TestOpenQueueEmbedded(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadSecrets(dir, true); err != nil {
		t.Fatal(err)
	}
	addr := testenv.FreeAddr(t)
	ctx := context.Background()
	q, stop, err := OpenQueue(ctx, dir, "", NATSConfig{Addr: addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !q.IsConnected() {
		t.Fatal("not connected to the embedded server")
	}
	stop()
	if _, _, err := OpenQueue(ctx, dir, "", NATSConfig{URL: "nats://" + addr}, nil); err == nil {
		t.Fatal("a named server that is down was replaced by an embedded one")
	}
}
