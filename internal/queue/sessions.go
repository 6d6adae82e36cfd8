package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// SessionsTTL is how long the sessions bucket keeps an entry after its
// last write. It bounds a session's absolute time-out (session.Policy),
// so a session no node ends explicitly still leaves the bucket.
const SessionsTTL = 24 * time.Hour

// ErrProducerSessions is returned when a producer connection asks for the
// sessions or tokens bucket: a case system never acts as a person, and
// the server refuses it anyway.
var ErrProducerSessions = errors.New("a producer has no access to sessions or tokens")

// SessionsBucket is the KV bucket of every tenant's browser sessions,
// keyed by tenant, a hash of the person and a hash of the secret. It is
// shared by the tenants (the key names the tenant) and no producer has any
// permission on it.
func SessionsBucket() string { return "earkiv-sessions" }

// TokensBucket is the KV bucket of every tenant's personal API tokens,
// keyed like SessionsBucket. It has no TTL: a token lives until it
// expires or is revoked, which the session package checks.
func TokensBucket() string { return "earkiv-tokens" }

// SessionsConfig is the sessions bucket's configuration. One revision per
// key is enough: a session is only ever touched or ended.
func SessionsConfig(replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: SessionsBucket(), Storage: jetstream.FileStorage, Replicas: replicas, History: 1, TTL: SessionsTTL,
		Description: "browser sessions of people of every tenant (hashes of their secrets only)",
	}
}

// TokensConfig is the tokens bucket's configuration.
func TokensConfig(replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: TokensBucket(), Storage: jetstream.FileStorage, Replicas: replicas, History: 1,
		Description: "personal API tokens of people of every tenant (hashes of their secrets only)",
	}
}

// Sessions returns the sessions bucket, creating it with one replica when
// no Setup made it yet. Only the service login may call it; the handle is
// not kept, so a caller opens it once.
func (c *Client) Sessions(ctx context.Context) (jetstream.KeyValue, error) {
	return c.sessionBucket(ctx, SessionsConfig(1))
}

// Tokens returns the tokens bucket, as Sessions does the sessions bucket.
func (c *Client) Tokens(ctx context.Context) (jetstream.KeyValue, error) {
	return c.sessionBucket(ctx, TokensConfig(1))
}

func (c *Client) sessionBucket(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	if c.tenant != "" {
		return nil, ErrProducerSessions
	}
	kv, err := c.js.KeyValue(ctx, cfg.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = c.js.CreateKeyValue(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) { // made meanwhile
			kv, err = c.js.KeyValue(ctx, cfg.Bucket)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// setupSessions creates (or updates) the sessions and tokens buckets.
func (c *Client) setupSessions(ctx context.Context, replicas int) error {
	for _, cfg := range []jetstream.KeyValueConfig{SessionsConfig(replicas), TokensConfig(replicas)} {
		if _, err := c.js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
			return fmt.Errorf("bucket %s: %w", cfg.Bucket, err)
		}
	}
	return nil
}
