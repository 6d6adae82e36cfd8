package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrProducerRetention is returned when a producer connection asks for the
// retention bucket: plans and holds are the archive's, not the case
// system's.
var ErrProducerRetention = errors.New("a producer has no access to plans and holds")

func retentionConfig(tenant string, replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: RetentionBucket(tenant), Storage: jetstream.FileStorage, Replicas: replicas, History: 16,
		Description: "informationshanteringsplan versions and gallringsstopp of " + tenant,
	}
}

// Retention returns tenant's bucket of plan versions and holds, where a
// change that must happen once (activating a version, lifting a hold) is a
// revision-checked update. Like People, it is made on first use.
func (c *Client) Retention(ctx context.Context, tenant string) (jetstream.KeyValue, error) {
	if c.tenant != "" {
		return nil, ErrProducerRetention
	}
	return cached(c, &c.retain, tenant, "retention", func() (jetstream.KeyValue, error) {
		kv, err := c.js.KeyValue(ctx, RetentionBucket(tenant))
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = c.js.CreateKeyValue(ctx, retentionConfig(tenant, 1))
			if errors.Is(err, jetstream.ErrBucketExists) {
				kv, err = c.js.KeyValue(ctx, RetentionBucket(tenant))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("retention bucket %s: %w", RetentionBucket(tenant), err)
		}
		return kv, nil
	})
}
