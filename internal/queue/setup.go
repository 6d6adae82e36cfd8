package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// SetupOptions size the streams.
type SetupOptions struct {
	AckWait    time.Duration // before an unacknowledged request is redelivered
	MaxDeliver int           // deliveries before a request is dead-lettered
	Replicas   int
}

// Bounds that keep one producer from exhausting what all share.
const (
	// MaxPendingRequests is how many ingest requests one tenant may have
	// waiting; a publish beyond is refused, so a flood from one producer
	// cannot grow the shared work queue without end.
	MaxPendingRequests = 10_000
	// MaxDeadLetters is how many dead letters are kept per tenant, the
	// oldest going first.
	MaxDeadLetters = 100_000
)

func (o *SetupOptions) defaults() {
	if o.AckWait == 0 {
		o.AckWait = time.Minute
	}
	if o.MaxDeliver == 0 {
		o.MaxDeliver = 5
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
}

// Setup creates (or updates) the service streams, the sessions and tokens
// buckets, and each tenant's object store, receipt bucket and people
// bucket. Only the service login may call it.
func (c *Client) Setup(ctx context.Context, tenants []string, o SetupOptions) error {
	o.defaults()
	streams := []jetstream.StreamConfig{
		{Name: StreamIngest, Subjects: []string{"earkiv.ingest.*"}, Retention: jetstream.WorkQueuePolicy,
			Storage: jetstream.FileStorage, Duplicates: 24 * time.Hour, Replicas: o.Replicas,
			MaxMsgsPerSubject: MaxPendingRequests, Discard: jetstream.DiscardNew, DiscardNewPerSubject: true},
		{Name: StreamEvents, Subjects: []string{"earkiv.events.*.>"}, Storage: jetstream.FileStorage, Replicas: o.Replicas},
		{Name: StreamDead, Subjects: []string{"earkiv.dead.*"}, Storage: jetstream.FileStorage, Replicas: o.Replicas,
			MaxMsgsPerSubject: MaxDeadLetters},
		// The access log is kept without limit, and no one, the service
		// included, can delete or purge an entry through the API.
		{Name: StreamAccess, Subjects: []string{AccessSubject("*")}, Storage: jetstream.FileStorage, Replicas: o.Replicas,
			DenyDelete: true, DenyPurge: true, AllowAtomicPublish: true,
			Description: "access log (granskningslogg) of every tenant, one hash chain per subject"},
	}
	for _, sc := range streams {
		if _, err := c.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	_, err := c.js.CreateOrUpdateConsumer(ctx, StreamIngest, jetstream.ConsumerConfig{
		Durable:       Consumer,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       o.AckWait,
		MaxDeliver:    o.MaxDeliver,
		MaxAckPending: 1000,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", Consumer, err)
	}
	if err := c.setupSessions(ctx, o.Replicas); err != nil {
		return err
	}
	for _, t := range tenants {
		if err := c.SetupTenant(ctx, t, o); err != nil {
			return err
		}
	}
	return nil
}

// SetupTenant creates tenant's package store, receipt bucket, people
// bucket and retention bucket.
func (c *Client) SetupTenant(ctx context.Context, tenant string, o SetupOptions) error {
	o.defaults()
	if _, err := c.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: PackageStore(tenant), Storage: jetstream.FileStorage, Replicas: o.Replicas,
		Description: "packages submitted by " + tenant + ", deleted once receipted",
	}); err != nil {
		return fmt.Errorf("object store for %s: %w", tenant, err)
	}
	if _, err := c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: ReceiptBucket(tenant), Storage: jetstream.FileStorage, Replicas: o.Replicas, History: 5,
		Description: "receipts of " + tenant,
	}); err != nil {
		return fmt.Errorf("receipts for %s: %w", tenant, err)
	}
	if _, err := c.js.CreateOrUpdateKeyValue(ctx, peopleConfig(tenant, o.Replicas)); err != nil {
		return fmt.Errorf("people of %s: %w", tenant, err)
	}
	if _, err := c.js.CreateOrUpdateKeyValue(ctx, retentionConfig(tenant, o.Replicas)); err != nil {
		return fmt.Errorf("retention state of %s: %w", tenant, err)
	}
	return nil
}
