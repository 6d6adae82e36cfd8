// Package kvrec keeps JSON records in a NATS KV bucket with the revision
// each was read at, so a change that must happen once (activating a plan
// version, lifting a hold, attesting a list) is a revision-checked
// update. Plans, holds and gallring lists are such records.
package kvrec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrNotFound is returned for a key the bucket does not hold.
var ErrNotFound = errors.New("no such record")

// ErrChanged is returned when a record changed since it was read.
var ErrChanged = errors.New("the record changed since it was read")

// Get reads the record at key and the revision it has.
func Get[T any](ctx context.Context, kv jetstream.KeyValue, key string) (*T, uint64, error) {
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", key, err)
	}
	v := new(T)
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", key, err)
	}
	return v, e.Revision(), nil
}

// Update stores v at key if the record still has revision rev.
func Update(ctx context.Context, kv jetstream.KeyValue, key string, v any, rev uint64) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if _, err := kv.Update(ctx, key, b, rev); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("%s: %w", key, ErrChanged)
		}
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return b, nil
}

// List reads every record under prefix (e.g. "hold."), skipping keys
// deleted between the listing and the read.
func List[T any](ctx context.Context, kv jetstream.KeyValue, prefix string) ([]*T, error) {
	lister, err := kv.ListKeysFiltered(ctx, prefix+">")
	if err != nil {
		return nil, fmt.Errorf("%s*: %w", prefix, err)
	}
	var out []*T
	for k := range lister.Keys() {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		v, _, err := Get[T](ctx, kv, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
