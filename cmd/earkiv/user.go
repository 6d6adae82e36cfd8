package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/peopleadmin"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
)

// userFlags are what every user command takes: where the people are
// (the data folder's NATS) and whose they are (--tenant).
func userFlags(extra ...cli.Flag) []cli.Flag {
	fl := []cli.Flag{dataDirFlag(), tenantsFlag(),
		&cli.StringFlag{Name: "tenant", Required: true, Usage: "the tenant (municipality) the people belong to"}}
	fl = append(fl, extra...)
	return append(append(fl, natsURLFlag(clientNATSUsage), natsAddrFlag()), natsLoginFlags()...)
}

func userCommand() *cli.Command {
	return &cli.Command{
		Name:  "user",
		Usage: "manage a tenant's people (archivists and staff), their roles and local passwords",
		Subcommands: []*cli.Command{
			{
				Name:  "add",
				Usage: "add a person with one or more roles and a local password",
				Flags: userFlags(
					&cli.StringFlag{Name: "id", Required: true, Usage: "login id: 3-64 of a-z, 0-9, '.', '-', '_', e.g. anna.svensson"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "the person's name, e.g. \"Anna Svensson\""},
					&cli.StringSliceFlag{Name: "role", Required: true, Usage: "läsare, arkivarie, arkivansvarig, administratör or drift (the operator tenant only); repeat for several"},
					&cli.StringFlag{Name: "password-file", Required: true, Usage: "file holding the password (one trailing newline is ignored); at least 12 characters"},
				),
				Before: findServe,
				Action: userAdd,
			},
			{
				Name:   "list",
				Usage:  "list a tenant's people",
				Flags:  userFlags(&cli.BoolFlag{Name: "json", Usage: "one JSON object per person and line"}),
				Before: findServe,
				Action: userList,
			},
			{
				Name:   "disable",
				Usage:  "stop a person from logging in (the person is kept)",
				Flags:  userFlags(&cli.StringFlag{Name: "id", Required: true, Usage: "the person's login id"}),
				Before: findServe,
				Action: userDisable,
			},
		},
	}
}

func userAdd(c *cli.Context) error {
	t, err := userTenant(c)
	if err != nil {
		return err
	}
	roles, err := people.ParseRoles(c.StringSlice("role"))
	if err != nil {
		return userErr(err)
	}
	b, err := os.ReadFile(c.String("password-file"))
	if err != nil {
		return exitErr(exitFailure, "password file: %v", err)
	}
	n := people.NewPerson{ID: c.String("id"), Name: c.String("name"), Roles: roles,
		Password: strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")}
	// Refused input is said before a NATS server is started for it.
	if err := errors.Join(ids.Person(n.ID), people.CheckRoles(t, roles), people.CheckNewPassword(n.Password, n.ID, n.Name)); err != nil {
		return userErr(err)
	}
	adm, stop, err := openAdmin(c, t)
	if err != nil {
		return err
	}
	defer stop()
	p, err := adm.Add(c.Context, n)
	if err != nil {
		return userErr(err)
	}
	fmt.Fprintf(os.Stderr, "added %s (%s) to %s with the roles %s\n", p.ID, p.Name, p.Tenant, people.Join(p.Roles))
	return nil
}

func userList(c *cli.Context) error {
	t, err := userTenant(c)
	if err != nil {
		return err
	}
	_, store, stop, err := openPeople(c, t)
	if err != nil {
		return err
	}
	defer stop()
	list, err := store.List(c.Context)
	if err != nil {
		return userErr(err)
	}
	if c.Bool("json") {
		enc := json.NewEncoder(stdout)
		for _, p := range list {
			if err := enc.Encode(p); err != nil {
				return exitErr(exitFailure, "%v", err)
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLES\tSTATE")
	for _, p := range list {
		state := "active"
		if p.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.ID, p.Name, people.Join(p.Roles), state)
	}
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}

func userDisable(c *cli.Context) error {
	t, err := userTenant(c)
	if err != nil {
		return err
	}
	if err := ids.Person(c.String("id")); err != nil {
		return userErr(err)
	}
	adm, stop, err := openAdmin(c, t)
	if err != nil {
		return err
	}
	defer stop()
	p, err := adm.Disable(c.Context, c.String("id"), 0)
	if err != nil {
		return userErr(err)
	}
	fmt.Fprintf(os.Stderr, "%s of %s is disabled and can no longer log in; their sessions and tokens are ended\n", p.ID, p.Tenant)
	return nil
}

// userTenant is the tenant --tenant names, from the tenants file.
func userTenant(c *cli.Context) (*tenant.Tenant, error) {
	reg, err := tenant.Load(tenantsPath(c))
	if err != nil {
		return nil, exitErr(exitFailure, "%v", err)
	}
	t, err := reg.Get(c.String("tenant"))
	if err != nil {
		return nil, exitErr(exitInvalid, "%v (see earkiv tenant list)", err)
	}
	return t, nil
}

// openPeople opens t's people in the data folder's NATS: the running
// serve's, else the folder's embedded server, started for the command.
// A folder whose serve never ran gets the secrets serve would make.
func openPeople(c *cli.Context, t *tenant.Tenant) (*queue.Client, *people.Store, func(), error) {
	dir := c.String("data-dir")
	if _, err := service.LoadSecrets(dir, true); err != nil {
		return nil, nil, nil, exitErr(exitFailure, "%v", err)
	}
	q, stop, err := service.OpenQueue(c.Context, dir, c.String("tenants"), service.NATSConfig{URL: c.String("nats.url"),
		User: c.String("nats.user"), Password: c.String("nats.password"), Addr: c.String("nats.addr")}, slog.Default())
	if err != nil {
		return nil, nil, nil, exitErr(exitFailure, "%v", err)
	}
	s, err := people.Open(c.Context, q, t)
	if err != nil {
		stop()
		return nil, nil, nil, exitErr(exitFailure, "%v", err)
	}
	return q, s, stop, nil
}

// openAdmin opens t's people for a change, logged in t's access log as
// made by the operator's system account.
func openAdmin(c *cli.Context, t *tenant.Tenant) (*peopleadmin.Admin, func(), error) {
	q, store, stop, err := openPeople(c, t)
	if err != nil {
		return nil, nil, err
	}
	log, err := service.OpenAccessLog(c.String("data-dir"), c.String("tenants"), q, nil)
	if err == nil {
		// The sessions, so a person disabled here is logged out everywhere.
		var sessions *session.Store
		if sessions, err = session.Open(c.Context, q, session.DefaultPolicy(), slog.Default()); err == nil {
			var adm *peopleadmin.Admin
			if adm, err = peopleadmin.New(store, log, sessions, peopleadmin.Actor{Tenant: t.ID, Person: systemActor()}); err == nil {
				return adm, stop, nil
			}
		}
	}
	stop()
	return nil, nil, exitErr(exitFailure, "%v", err)
}

// systemActor names the operator's account as the access log shows a
// change made on the command line: "system:<user>".
func systemActor() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		name = v
	}
	return "system:" + name
}

// userErr is exit 1 for what the operator gave wrong, 2 for the rest.
func userErr(err error) error {
	for _, refused := range []error{ids.ErrInvalid, people.ErrInvalid, people.ErrRole, people.ErrPassword,
		people.ErrExists, people.ErrNotFound, people.ErrConflict, tenant.ErrUnknown} {
		if errors.Is(err, refused) {
			return exitErr(exitInvalid, "%v", err)
		}
	}
	return exitErr(exitFailure, "%v", err)
}
