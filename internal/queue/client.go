package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/ids"
)

// Client is a NATS connection with JetStream.
type Client struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	tenant string // set for producer connections
	// Bucket handles, kept: opening one costs a stream-info request.
	stores  sync.Map // tenant -> jetstream.ObjectStore
	streams sync.Map // tenant -> jetstream.Stream of the package store
	kvs     sync.Map // tenant -> jetstream.KeyValue of receipts
	people  sync.Map // tenant -> jetstream.KeyValue of people
	retain  sync.Map // tenant -> jetstream.KeyValue of plans and holds
	// ReceiptPart is the size of a stored receipt's parts
	// (DefaultReceiptPart if 0).
	ReceiptPart int
	closed      chan struct{} // closed when the connection is closed for good
}

// ConnectOptions say how to reach NATS.
type ConnectOptions struct {
	URL      string
	User     string
	Password string
	Tenant   string // producer connections: the tenant, for its private inbox
	Name     string
	// Log receives the connection's asynchronous errors, disconnects and
	// its final close (slog.Default if nil).
	Log *slog.Logger
}

// Connect dials NATS; it keeps reconnecting for ever, since a NATS restart
// must not lose a worker or a waiting producer.
func Connect(ctx context.Context, o ConnectOptions) (*Client, error) {
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
	}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	}
	if o.Tenant != "" {
		opts = append(opts, nats.CustomInboxPrefix(InboxPrefix(o.Tenant)))
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	closed := make(chan struct{})
	opts = append(opts,
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Error("nats", "conn", o.Name, "subject", subj, "err", err)
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected; reconnecting", "conn", o.Name, "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "conn", o.Name, "url", nc.ConnectedUrlRedacted()) }),
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				log.Error("nats connection closed", "conn", o.Name, "err", err)
			}
			close(closed)
		}),
	)
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats %s: %w", o.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Client{nc: nc, js: js, tenant: o.Tenant, closed: closed}, nil
}

// Conn is the raw connection and JetStream the raw JetStream handle, for
// tests and tools that exercise NATS itself; earkiv's own packages go
// through the typed methods, which keep the names and permissions right.
func (c *Client) Conn() *nats.Conn { return c.nc }

// JetStream is the raw JetStream handle (see Conn).
func (c *Client) JetStream() jetstream.JetStream { return c.js }

// IsConnected tells whether the connection is up now (for health checks).
func (c *Client) IsConnected() bool { return c.nc.IsConnected() }

// MaxPayload is the largest message the server accepts.
func (c *Client) MaxPayload() int64 { return c.nc.MaxPayload() }

// Closed is closed when the connection is closed for good: by Close, or
// by the server (NATS does not reconnect after some protocol errors).
func (c *Client) Closed() <-chan struct{} { return c.closed }

// closedErr says why the connection was closed.
func (c *Client) closedErr() error {
	if err := c.nc.LastError(); err != nil {
		return fmt.Errorf("nats connection closed: %w", err)
	}
	return nats.ErrConnectionClosed
}

// Err is why the connection was closed, once Closed is.
func (c *Client) Err() error {
	select {
	case <-c.closed:
		return c.closedErr()
	default:
		return nil
	}
}

// Close drains and closes the connection.
func (c *Client) Close() {
	if err := c.nc.Drain(); err != nil {
		c.nc.Close()
	}
}

// ErrOtherTenant is returned when a producer connection is used for another
// tenant. The server refuses such requests anyway (they would only time
// out); this makes the mistake visible at once.
var ErrOtherTenant = errors.New("a producer may act only for its own tenant")

// MayActFor tells whether this client may act for tenant: a valid tenant
// id, and the producer's own tenant on a producer connection.
func (c *Client) MayActFor(tenant string) error {
	if err := ids.Tenant(tenant); err != nil {
		return err // a wildcard or a dot would widen a subject
	}
	if c.tenant != "" && c.tenant != tenant {
		return fmt.Errorf("%w: logged in for %s, asked for %s", ErrOtherTenant, c.tenant, tenant)
	}
	return nil
}

// cached returns the handle of tenant's what kept in m, opening it the
// first time, once this client may act for tenant.
func cached[T any](c *Client, m *sync.Map, tenant, what string, open func() (T, error)) (T, error) {
	var none T
	if err := c.MayActFor(tenant); err != nil {
		return none, err
	}
	if h, ok := m.Load(tenant); ok {
		return h.(T), nil
	}
	h, err := open()
	if err != nil {
		return none, fmt.Errorf("%s of %s: %w", what, tenant, err)
	}
	m.Store(tenant, h)
	return h, nil
}

// PackageStore returns tenant's package store.
func (c *Client) PackageStore(ctx context.Context, tenant string) (jetstream.ObjectStore, error) {
	return cached(c, &c.stores, tenant, "package store", func() (jetstream.ObjectStore, error) {
		return c.js.ObjectStore(ctx, PackageStore(tenant))
	})
}

// PackageStream returns the stream under tenant's package store, whose
// chunks a reader gets directly and whose size an upload paces itself by.
func (c *Client) PackageStream(ctx context.Context, tenant string) (jetstream.Stream, error) {
	return cached(c, &c.streams, tenant, "package store", func() (jetstream.Stream, error) {
		return c.js.Stream(ctx, PackageStoreStream(tenant))
	})
}
