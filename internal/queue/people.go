package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// peopleHistory is how many revisions of a person the people bucket keeps,
// so a change to a person's roles can be seen afterwards in the bucket.
const peopleHistory = 16

// ErrProducerPeople is returned when a producer connection asks for the
// people bucket: a case system never reads or writes people, and the
// server refuses it anyway.
var ErrProducerPeople = errors.New("a producer has no access to people")

func peopleConfig(tenant string, replicas int) jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket: PeopleBucket(tenant), Storage: jetstream.FileStorage, Replicas: replicas, History: peopleHistory,
		Description: "people of " + tenant + " and their roles",
	}
}

// People returns tenant's people bucket. A data folder whose serve never
// ran has none yet, so it is created then, with one replica; Setup keeps
// its configuration after that. Only the service login may call it.
func (c *Client) People(ctx context.Context, tenant string) (jetstream.KeyValue, error) {
	if c.tenant != "" {
		return nil, ErrProducerPeople
	}
	return cached(c, &c.people, tenant, "people", func() (jetstream.KeyValue, error) {
		kv, err := c.js.KeyValue(ctx, PeopleBucket(tenant))
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = c.js.CreateKeyValue(ctx, peopleConfig(tenant, 1))
			if errors.Is(err, jetstream.ErrBucketExists) { // made meanwhile
				kv, err = c.js.KeyValue(ctx, PeopleBucket(tenant))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("people bucket %s: %w", PeopleBucket(tenant), err)
		}
		return kv, nil
	})
}
