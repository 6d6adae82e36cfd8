package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/apiclient"
	"github.com/earkiv/earkiv/internal/people"
)

// serverFlags are what every command acting as a person takes.
func serverFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server", Usage: "earkiv's address, e.g. https://arkiv.example.se (default: the server of the last login)", EnvVars: []string{"EARKIV_SERVER"}},
		&cli.StringFlag{Name: "token", Usage: "a personal API token (default: the one earkiv login kept)", EnvVars: []string{"EARKIV_TOKEN"}},
	}
}

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:  "login",
		Usage: "log in as a person with a local password and keep a personal API token for later commands",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "server", Required: true, Usage: "earkiv's address, e.g. https://arkiv.example.se", EnvVars: []string{"EARKIV_SERVER"}},
			&cli.StringFlag{Name: "tenant", Required: true, Usage: "your municipality (tenant id)"},
			&cli.StringFlag{Name: "user", Required: true, Usage: "your login id"},
			&cli.StringFlag{Name: "password-file", Required: true, Usage: "file holding your password (one trailing newline is ignored)"},
			&cli.BoolFlag{Name: "print-token", Usage: "print the token on standard output instead of keeping it"},
		},
		Action: login,
	}
}

func whoamiCommand() *cli.Command {
	return &cli.Command{
		Name:   "whoami",
		Usage:  "print the tenant, person and roles of the token in use",
		Flags:  append(serverFlags(), &cli.BoolFlag{Name: "json", Usage: "as a JSON object"}),
		Action: whoami,
	}
}

func login(c *cli.Context) error {
	b, err := os.ReadFile(c.String("password-file"))
	if err != nil {
		return exitErr(exitFailure, "password file: %v", err)
	}
	cl, err := apiclient.New(c.String("server"), "")
	if err != nil {
		return exitErr(exitInvalid, "--server: %v", err)
	}
	host, _ := os.Hostname()
	res, err := cl.Login(c.Context, api.LoginRequest{Tenant: c.String("tenant"), User: c.String("user"),
		Password: strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), TokenName: strings.TrimSpace("earkiv login " + host)})
	if err != nil {
		return personErr("login", err)
	}
	if c.Bool("print-token") {
		fmt.Fprintln(stdout, res.Token)
		return nil
	}
	path, err := apiclient.TokenFile()
	if err == nil {
		err = apiclient.Save(path, apiclient.Saved{Server: cl.Server(), Token: res.Token, Tenant: res.Tenant, Person: res.Person, Expires: res.Expires})
	}
	if err != nil {
		return exitErr(exitFailure, "keep the token: %v (use --print-token and EARKIV_TOKEN)", err)
	}
	fmt.Fprintf(os.Stderr, "logged in to %s as %s of %s (%s); the token lasts until %s and is kept in %s\n",
		cl.Server(), res.Person, res.Tenant, people.Join(res.Roles), res.Expires.Local().Format("2006-01-02 15:04"), path)
	return nil
}

// personClient is the client of a command acting as a person: --server
// and --token, else the token earkiv login kept.
func personClient(c *cli.Context) (*apiclient.Client, error) {
	server, token := c.String("server"), c.String("token")
	if token == "" {
		path, err := apiclient.TokenFile()
		if err != nil {
			return nil, exitErr(exitFailure, "%v", err)
		}
		s, ok, err := apiclient.Load(path, normalServer(server))
		if err != nil {
			return nil, exitErr(exitFailure, "%v", err)
		}
		if !ok {
			return nil, exitErr(exitInvalid, "not logged in: run earkiv login, or give --token (EARKIV_TOKEN)")
		}
		server, token = s.Server, s.Token
	}
	if server == "" {
		return nil, exitErr(exitInvalid, "--server (EARKIV_SERVER) is needed with --token")
	}
	cl, err := apiclient.New(server, token)
	if err != nil {
		return nil, exitErr(exitInvalid, "--server: %v", err)
	}
	return cl, nil
}

// ownClient is personClient for a command that takes --tenant: when
// given, it must be the person's own municipality, since the server acts
// on the token's and a mismatch means the person meant another.
func ownClient(c *cli.Context, what string) (*apiclient.Client, error) {
	cl, err := personClient(c)
	if err != nil || c.String("tenant") == "" {
		return cl, err
	}
	me, err := cl.WhoAmI(c.Context)
	if err != nil {
		return nil, personErr(what, err)
	}
	if me.Tenant != c.String("tenant") {
		return nil, exitErr(exitInvalid, "--tenant %s: your token is of %s, and a person acts for their own municipality only", c.String("tenant"), me.Tenant)
	}
	return cl, nil
}

// personFlags are serverFlags and --tenant, for a command acting as a
// person in their municipality.
func personFlags(extra ...cli.Flag) []cli.Flag {
	f := append(serverFlags(), &cli.StringFlag{Name: "tenant", Usage: "your municipality (tenant id); checked against your token"})
	return append(f, extra...)
}

// normalServer is server as apiclient keeps it ("" if it is no URL).
func normalServer(server string) string {
	if server == "" {
		return ""
	}
	cl, err := apiclient.New(server, "")
	if err != nil {
		return server
	}
	return cl.Server()
}

func whoami(c *cli.Context) error {
	cl, err := personClient(c)
	if err != nil {
		return err
	}
	me, err := cl.WhoAmI(c.Context)
	if err != nil {
		return personErr("whoami", err)
	}
	if c.Bool("json") {
		return json.NewEncoder(stdout).Encode(me)
	}
	fmt.Fprintf(stdout, "tenant: %s\nperson: %s\nname:   %s\nroles:  %s\n", me.Tenant, me.Person, me.Name, people.Join(me.Roles))
	return nil
}

// personErr is exit 1 for a login or token refused, 2 for the rest.
func personErr(what string, err error) error {
	for _, refused := range []error{apiclient.ErrUnauthorized, apiclient.ErrForbidden, apiclient.ErrThrottled, apiclient.ErrRefused} {
		if errors.Is(err, refused) {
			return exitErr(exitInvalid, "%s: %v", what, err)
		}
	}
	return exitErr(exitFailure, "%s: %v", what, err)
}
