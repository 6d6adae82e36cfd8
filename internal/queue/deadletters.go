package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
)

// Headers of a dead letter: why the request was given up, and when.
const (
	DeadErrorHeader = "Earkiv-Error"
	DeadTimeHeader  = "Earkiv-Time"
)

// DeadLetter keeps a request that is not processed (data, as it came) on
// tenant's dead-letter subject with its cause, for operators to look at
// and resubmit.
func (c *Client) DeadLetter(ctx context.Context, tenant string, data []byte, cause error, at time.Time) error {
	msg := &nats.Msg{Subject: DeadSubject(tenant), Data: data, Header: nats.Header{}}
	msg.Header.Set(DeadErrorHeader, cause.Error())
	msg.Header.Set(DeadTimeHeader, at.UTC().Format(time.RFC3339))
	if _, err := c.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("dead letter for %s: %w", tenant, err)
	}
	return nil
}
