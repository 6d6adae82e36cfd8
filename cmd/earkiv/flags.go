package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/endpoints"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/units"
)

// The flags several commands share are defined here, each once, with one
// default and one environment variable. A command picks the ones it takes;
// its usage says what an empty value means to it.

const (
	// defaultNATSURL is where clients look for NATS when neither a flag, the
	// environment nor the data folder's running serve says otherwise.
	defaultNATSURL  = "nats://127.0.0.1:4222"
	defaultNATSAddr = "127.0.0.1:4222"
	defaultS3Addr   = "127.0.0.1:7070"
)

func dataDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "data-dir", Value: "./earkiv-data", Usage: "folder for the embedded services, catalog, spool and tenants", EnvVars: []string{"EARKIV_DATA_DIR"}}
}

func tenantsFlag() cli.Flag {
	return &cli.StringFlag{Name: "tenants", Usage: "tenants file (default <data-dir>/tenants.yaml)", EnvVars: []string{"EARKIV_TENANTS"}}
}

// natsURLFlag has no default of its own: serve runs an embedded server
// when it is empty, clients find one (see findServe).
func natsURLFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "nats.url", Usage: usage, EnvVars: []string{"EARKIV_NATS_URL"}}
}

// clientNATSUsage is the usage of --nats.url for commands that look for a
// running serve.
const clientNATSUsage = "NATS server (default: the one of --data-dir's running serve, else " + defaultNATSURL + ")"

// natsLoginFlags are the service's own NATS login.
func natsLoginFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "nats.user", Value: service.ServiceUser, Usage: "service login on the NATS server", EnvVars: []string{"EARKIV_NATS_USER"}},
		&cli.StringFlag{Name: "nats.password", Usage: "service password on the NATS server (default: from the data folder's secrets)", EnvVars: []string{"EARKIV_NATS_PASSWORD"}},
	}
}

func natsAddrFlag() cli.Flag {
	return &cli.StringFlag{Name: "nats.addr", Value: defaultNATSAddr, Usage: "listen address of the embedded NATS server", EnvVars: []string{"EARKIV_NATS_ADDR"}}
}

// s3Flags locate the S3 store; endpointUsage says what an empty
// --s3.endpoint means to the command.
func s3Flags(endpointUsage string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "s3.endpoint", Usage: endpointUsage, EnvVars: []string{"EARKIV_S3_ENDPOINT"}},
		&cli.StringFlag{Name: "s3.addr", Value: defaultS3Addr, Usage: "listen address of the embedded S3 gateway", EnvVars: []string{"EARKIV_S3_ADDR"}},
		&cli.StringFlag{Name: "s3.access-key", Usage: "S3 access key (external endpoint)", EnvVars: []string{"EARKIV_S3_ACCESS_KEY"}},
		&cli.StringFlag{Name: "s3.secret-key", Usage: "S3 secret key (external endpoint)", EnvVars: []string{"EARKIV_S3_SECRET_KEY"}},
		&cli.StringFlag{Name: "s3.region", Value: "us-east-1", Usage: "S3 region", EnvVars: []string{"EARKIV_S3_REGION"}},
	}
}

// adminS3Usage is the usage of --s3.endpoint for commands that read the
// buckets of a data folder.
const adminS3Usage = "external S3 endpoint (default: the store of --data-dir's running serve, else its embedded gateway)"

// storeFlags are what a command reading a data folder's buckets and
// publishing events takes.
func storeFlags() []cli.Flag {
	return append(append(s3Flags(adminS3Usage), natsURLFlag(clientNATSUsage+"; for audit events, skipped with a warning when unreachable")), natsLoginFlags()...)
}

// The app's own flags come before or after the command: `earkiv
// --schema-dir X validate` and `earkiv validate --schema-dir X`. The app
// holds the default and the environment variable; a command's copy holds
// only what is given after it (see globalString).
func schemaDirFlag(app bool) cli.Flag {
	f := &cli.StringFlag{Name: "schema-dir", Usage: "folder with the official schemas (default: embedded copy, else ../shared/schemas)"}
	if app {
		f.EnvVars = []string{"EARKIV_SCHEMA_DIR"}
	}
	return f
}

func logLevelFlag(app bool) cli.Flag {
	f := &cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error"}
	if app {
		f.Value = "info"
	}
	return f
}

// globalString reads an app flag that a command may repeat: the value given
// nearest the command wins, then the app's (given, environment, default).
func globalString(c *cli.Context, name string) string {
	var app *cli.Context
	for _, x := range c.Lineage() {
		if x.Command == nil || !hasFlag(x.Command.Flags, name) {
			continue
		}
		if x.IsSet(name) {
			return x.String(name)
		}
		app = x
	}
	if app == nil {
		return ""
	}
	return app.String(name)
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// acceptAppFlags lets every command take --log-level after its name, and
// sets the log level before the command runs.
func acceptAppFlags(cmds []*cli.Command) {
	for _, cmd := range cmds {
		acceptAppFlags(cmd.Subcommands)
		if cmd.Action == nil {
			continue
		}
		cmd.Flags = append(cmd.Flags, logLevelFlag(false))
		next := cmd.Before
		cmd.Before = func(c *cli.Context) error {
			if err := setLogLevel(c); err != nil {
				return err
			}
			if next != nil {
				return next(c)
			}
			return nil
		}
	}
}

func setLogLevel(c *cli.Context) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(globalString(c, "log-level"))); err != nil {
		return exitErr(exitFailure, "bad --log-level: %v", err)
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})))
	return nil
}

// findServe fills the address flags a command was not given (on the
// command line or in the environment) from the endpoints file of its
// --data-dir, so a serve on other ports is found from its data folder; with
// no running serve recorded, clients keep the default NATS URL.
func findServe(c *cli.Context) error {
	ep, err := endpoints.Read(c.String("data-dir"))
	if err != nil && !errors.Is(err, endpoints.ErrNoServe) {
		// Unreadable (another user's serve, its file is 0600): the defaults.
		slog.Debug("no serve addresses from the data folder", "err", err)
	}
	unset := func(name string) bool { return hasFlag(c.Command.Flags, name) && !c.IsSet(name) }
	if unset("nats.url") {
		url := ep.NATSURL
		if url == "" {
			url = defaultNATSURL
		}
		if err := c.Set("nats.url", url); err != nil {
			return exitErr(exitFailure, "--nats.url: %v", err)
		}
	}
	if unset("s3.endpoint") && unset("s3.addr") {
		name, v := "s3.addr", ep.S3Addr
		if v == "" {
			name, v = "s3.endpoint", ep.S3Endpoint
		}
		if v != "" {
			if err := c.Set(name, v); err != nil {
				return exitErr(exitFailure, "--%s: %v", name, err)
			}
		}
	}
	return nil
}

// Flags of units: the value parsed as the flag is read, so a wrong one is a
// usage error that names the flag and the accepted forms.

// spanValue is a period flag that took Go durations before periods had
// one type, when "30m" meant 30 minutes. Reading it now as 30 months would
// change a script's meaning silently, so a bare <n>m is refused and says
// how to write either.
type spanValue struct{ units.Period }

var bareMonths = regexp.MustCompile(`^[0-9]+m$`)

func (s *spanValue) Set(v string) error {
	if v = strings.TrimSpace(v); bareMonths.MatchString(v) {
		return fmt.Errorf("period %q is ambiguous here: write minutes as %s0s, months in days (e.g. 90d)", v, v)
	}
	return s.Period.Set(v)
}

func periodFlag(name, def, usage string) *cli.GenericFlag {
	p, err := units.ParsePeriod(def)
	if err != nil {
		panic("flag --" + name + ": " + err.Error()) // a default in this file
	}
	f := &cli.GenericFlag{Name: name, Value: &spanValue{p}, Usage: usage + " (" + units.PeriodForms + "; minutes as 30m0s)"}
	if def == "" {
		f.DefaultText = "none"
	}
	return f
}

func sizeFlag(name, def, usage string, env ...string) *cli.GenericFlag {
	n, err := units.ParseSize(def)
	if err != nil {
		panic("flag --" + name + ": " + err.Error())
	}
	return &cli.GenericFlag{Name: name, Value: &n, Usage: usage, EnvVars: env}
}

func rateFlag(name, def, usage string) *cli.GenericFlag {
	r, err := units.ParseRate(def)
	if err != nil {
		panic("flag --" + name + ": " + err.Error())
	}
	f := &cli.GenericFlag{Name: name, Value: &r, Usage: usage}
	if def == "" {
		f.DefaultText = "no limit"
	}
	return f
}

func period(c *cli.Context, name string) units.Period { return c.Generic(name).(*spanValue).Period }
func size(c *cli.Context, name string) units.Size     { return *c.Generic(name).(*units.Size) }
func rate(c *cli.Context, name string) units.Rate     { return *c.Generic(name).(*units.Rate) }
