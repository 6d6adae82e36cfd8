package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/tenant"
)

func tenantsPath(c *cli.Context) string {
	if p := c.String("tenants"); p != "" {
		return p
	}
	return service.DefaultTenants(c.String("data-dir"))
}

func tenantCommand() *cli.Command {
	return &cli.Command{
		Name:  "tenant",
		Usage: "manage municipalities (tenants): each has its own bucket, producer login and receipts",
		Subcommands: []*cli.Command{
			{
				Name:  "add",
				Usage: "add a tenant; prints its producer password once",
				Flags: []cli.Flag{
					dataDirFlag(), tenantsFlag(),
					&cli.StringFlag{Name: "id", Required: true, Usage: "tenant id (a-z, 0-9, -), e.g. sundsvall"},
					&cli.StringFlag{Name: "name", Required: true, Usage: "name, e.g. \"Sundsvalls kommun\""},
					&cli.StringFlag{Name: "org", Required: true, Usage: "organisationsnummer, e.g. 212000-2411"},
					&cli.StringFlag{Name: "bucket", Usage: "S3 bucket (default earkiv-<id>)"},
					&cli.StringFlag{Name: "retention", Value: tenant.DefaultRetention, Usage: "accepted for older tenants files and no longer used: the informationshanteringsplan decides each object's lock (see --retention-mode)"},
					&cli.StringFlag{Name: "retention-mode", Value: "GOVERNANCE", Usage: "GOVERNANCE or COMPLIANCE"},
					coolingOffFlag(),
					&cli.StringFlag{Name: "producer-user", Usage: "producer login (default: the id)"},
					&cli.StringFlag{Name: "password-file", Usage: "also write the producer password to this file (0600)"},
					&cli.BoolFlag{Name: "if-missing", Usage: "succeed without change if the tenant exists"},
					&cli.BoolFlag{Name: "operator", Usage: "the tenant is the joint body itself (its own arkivbildare): its people may hold the role drift"},
					&cli.StringFlag{Name: "replica-endpoint", Usage: "second S3 target for copies of every AIP (repairs after failed audits)"},
					&cli.StringFlag{Name: "replica-bucket", Usage: "bucket on the replica (default earkiv-<id>-replica)"},
					&cli.StringFlag{Name: "replica-access-key", EnvVars: []string{"EARKIV_REPLICA_ACCESS_KEY"}},
					&cli.StringFlag{Name: "replica-secret-key", EnvVars: []string{"EARKIV_REPLICA_SECRET_KEY"}},
				},
				Action: tenantAdd,
			},
			{
				Name:  "set",
				Usage: "change a tenant's settings (a running serve picks them up)",
				Flags: []cli.Flag{dataDirFlag(), tenantsFlag(),
					&cli.StringFlag{Name: "id", Required: true, Usage: "tenant id"},
					&cli.StringFlag{Name: "name", Usage: "name, e.g. \"Sundsvalls kommun\""},
					&cli.StringFlag{Name: "retention-mode", Usage: "GOVERNANCE or COMPLIANCE (objects stored from now on)"},
					coolingOffFlag(),
				},
				Action: tenantSet,
			},
			{
				Name:  "list",
				Usage: "list tenants",
				Flags: []cli.Flag{dataDirFlag(), tenantsFlag(), &cli.BoolFlag{Name: "json"}},
				Action: func(c *cli.Context) error {
					reg, err := tenant.Load(tenantsPath(c))
					if err != nil {
						return exitErr(exitFailure, "%v", err)
					}
					if c.Bool("json") {
						enc := json.NewEncoder(stdout)
						enc.SetIndent("", "  ")
						return enc.Encode(reg.Sorted())
					}
					for _, t := range reg.Sorted() {
						ret := t.Retention.Default
						if ret == "" {
							ret = tenant.DefaultRetention
						}
						op := ""
						if t.Operator {
							op = ", operator"
						}
						fmt.Fprintf(stdout, "%-20s %-12s %-24s %s (%s, %s%s)\n", t.ID, t.OrgNumber, t.Bucket, t.Name, ret, t.RetentionMode(), op)
					}
					return nil
				},
			},
		},
	}
}

func tenantAdd(c *cli.Context) error {
	path := tenantsPath(c)
	reg, err := tenant.Load(path)
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	id := c.String("id")
	if _, err := reg.Get(id); err == nil {
		if c.Bool("if-missing") {
			fmt.Fprintf(os.Stderr, "tenant %s exists; unchanged\n", id)
			return nil
		}
		return exitErr(exitFailure, "tenant %s already exists", id)
	}
	t, plain, err := tenant.New(tenant.Spec{ID: id, Name: c.String("name"), OrgNumber: c.String("org"), Bucket: c.String("bucket"),
		ProducerUser: c.String("producer-user"), Retention: c.String("retention"), RetentionMode: c.String("retention-mode"),
		ReplicaEndpoint: c.String("replica-endpoint"), ReplicaBucket: c.String("replica-bucket"),
		ReplicaAccessKey: c.String("replica-access-key"), ReplicaSecretKey: c.String("replica-secret-key"), Operator: c.Bool("operator"), CoolingOff: c.String("cooling-off")})
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if err := reg.Add(t); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if f := c.String("password-file"); f != "" {
		if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
			return exitErr(exitFailure, "%v", err)
		}
		if err := os.WriteFile(f, []byte(plain+"\n"), 0o600); err != nil {
			return exitErr(exitFailure, "password file: %v", err)
		}
	}
	if err := reg.Save(path); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	fmt.Fprintf(os.Stderr, "added tenant %s (%s, %s), bucket %s; a running earkiv serve picks it up\n", t.ID, t.Name, t.OrgNumber, t.Bucket)
	fmt.Fprintf(os.Stderr, "producer login: user %s, password (shown once):\n", t.Producer.User)
	fmt.Fprintln(stdout, plain)
	return nil
}

// coolingOffFlag is the ångerfrist between a gallring list's attest and
// its execution.
func coolingOffFlag() cli.Flag {
	return &cli.StringFlag{Name: "cooling-off", Usage: "ångerfrist between the attest of a gallring list and its execution: e.g. 7d (the default), 48h, or 0"}
}

func tenantSet(c *cli.Context) error {
	path := tenantsPath(c)
	reg, err := tenant.Load(path)
	if err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	t, err := reg.Get(c.String("id"))
	if err != nil {
		return exitErr(exitInvalid, "%v", err)
	}
	changed := false
	if c.IsSet("name") {
		t.Name, changed = c.String("name"), true
	}
	if c.IsSet("retention-mode") {
		t.Retention.Mode, changed = strings.ToUpper(c.String("retention-mode")), true
	}
	if c.IsSet("cooling-off") {
		t.CoolingOff, changed = c.String("cooling-off"), true
	}
	if !changed {
		return exitErr(exitInvalid, "tenant set: give a setting to change (--name, --retention-mode, --cooling-off)")
	}
	if err := reg.Check(); err != nil {
		return exitErr(exitInvalid, "%v", err)
	}
	if err := reg.Save(path); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	fmt.Fprintf(os.Stderr, "tenant %s changed (%s, %s, ångerfrist %s); a running earkiv serve picks it up\n", t.ID, t.Name, t.RetentionMode(), cmp.Or(t.CoolingOff, tenant.DefaultCoolingOff))
	return nil
}
