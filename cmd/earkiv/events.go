package main

import (
	"context"
	"encoding/json"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/service"
)

func eventsCommand() *cli.Command {
	return &cli.Command{
		Name:  "events",
		Usage: "follow the event log (every state change), as JSON lines",
		Flags: append([]cli.Flag{
			dataDirFlag(),
			&cli.StringFlag{Name: "tenant", Usage: "only this tenant's events"},
			&cli.Uint64Flag{Name: "from", Usage: "start at this sequence (1: from the beginning; default: new events only)"},
			&cli.IntFlag{Name: "limit", Usage: "stop after this many events"},
			&cli.BoolFlag{Name: "no-follow", Usage: "print the events stored so far and exit"},
			natsURLFlag(clientNATSUsage),
		}, natsLoginFlags()...),
		Before: findServe,
		Action: func(c *cli.Context) error {
			pass := c.String("nats.password")
			if pass == "" {
				sec, err := service.LoadSecrets(c.String("data-dir"), false)
				if err != nil {
					return exitErr(exitFailure, "events: %v", err)
				}
				pass = sec.NATSPassword
			}
			q, err := queue.Connect(c.Context, queue.ConnectOptions{URL: c.String("nats.url"), User: c.String("nats.user"), Password: pass, Name: "earkiv-events"})
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			defer q.Close()
			ctx, cancel := context.WithCancel(c.Context)
			defer cancel()
			n, limit := 0, c.Int("limit")
			enc := json.NewEncoder(stdout)
			follow := q.FollowEvents
			if c.Bool("no-follow") {
				follow = q.ReadEvents
			}
			err = follow(ctx, c.String("tenant"), c.Uint64("from"), func(e earkiv.Event) error {
				if err := enc.Encode(e); err != nil {
					return err
				}
				n++
				if limit > 0 && n >= limit {
					cancel()
				}
				return nil
			})
			if err != nil {
				return exitErr(exitFailure, "%v", err)
			}
			return nil
		},
	}
}
