package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoginAsPerson: with serve running, people log in for a token kept
// for later commands, whoami names them, and the access log is verified
// and exported as a person by the roles allowed it, never by drift or a
// läsare, and never for another tenant.
func TestLoginAsPerson(t *testing.T) {
	e := newExempelby(t)
	if _, errs, code := runCLI(t, "tenant", "add", "--data-dir", e.data, "--id", "forbundet", "--name", "Exempelbygdens kommunalförbund",
		"--org", "222000-0000", "--operator", "--password-file", filepath.Join(e.data, "forbundet.pw")); code != 0 {
		t.Fatalf("tenant add --operator: exit %d %s", code, errs)
	}
	startServe(t, e.data, e.natsAddr, e.s3Addr, e.httpAddr)
	pw := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	for _, p := range [][]string{{"exempelby", "anna", "arkivansvarig"}, {"exempelby", "lars", "läsare"}, {"forbundet", "ola", "drift"}} {
		if _, errs, code := runCLI(t, "user", "add", "--data-dir", e.data, "--tenant", p[0], "--id", p[1], "--name", "Person "+p[1],
			"--role", p[2], "--password-file", pw); code != 0 {
			t.Fatalf("user add %s: exit %d %s", p[1], code, errs)
		}
	}
	server := "http://" + e.httpAddr
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())

	// A wrong password: exit 1, and nothing kept.
	if _, errs, code := runCLI(t, "login", "--server", server, "--tenant", "exempelby", "--user", "anna",
		"--password-file", writePassword(t, t.TempDir(), "fel lösenord här")); code != 1 || !strings.Contains(errs, "wrong") {
		t.Fatalf("wrong password: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "whoami"); code != 1 || !strings.Contains(errs, "not logged in") {
		t.Fatalf("whoami before login: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "login", "--server", server, "--tenant", "exempelby", "--user", "anna", "--password-file", pw); code != 0 {
		t.Fatalf("login: exit %d %s", code, errs)
	}
	out, errs, code := runCLI(t, "whoami", "--json")
	var me struct {
		Tenant, Person, Name string
		Roles                []string
	}
	if code != 0 || json.Unmarshal([]byte(out), &me) != nil || me.Tenant != "exempelby" || me.Person != "anna" || me.Name != "Person anna" || len(me.Roles) != 1 || me.Roles[0] != "arkivansvarig" {
		t.Fatalf("whoami: exit %d %s %s", code, out, errs)
	}
	if out, errs, code := runCLI(t, "accesslog", "verify", "--server", server); code != 0 || !strings.Contains(out, "intakt") {
		t.Fatalf("accesslog verify as arkivansvarig: exit %d %s %s", code, out, errs)
	}
	if _, errs, code := runCLI(t, "accesslog", "verify", "--server", server, "--tenant", "forbundet"); code != 1 || !strings.Contains(errs, "your token is of exempelby") {
		t.Fatalf("verify of another tenant: exit %d %s", code, errs)
	}
	out, errs, code = runCLI(t, "accesslog", "export", "--server", server, "--json")
	if code != 0 {
		t.Fatalf("accesslog export as a person: exit %d %s", code, errs)
	}
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var en struct{ Tenant, Person, Action string }
		if err := json.Unmarshal([]byte(l), &en); err != nil || en.Tenant != "exempelby" {
			t.Fatalf("export line %q: %v", l, err)
		}
		actions = append(actions, en.Person+" "+en.Action)
	}
	want := "system:" // the user adds, then anna's failed and good logins, her verify and this export
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, want) || !strings.Contains(got, "anna login.failed,anna login,anna verify.accesslog,anna export") {
		t.Fatalf("exported actions: %s", got)
	}

	// A token printed, not kept, used through the environment.
	tok := func(tenant, user string) string {
		out, errs, code := runCLI(t, "login", "--server", server, "--tenant", tenant, "--user", user, "--password-file", pw, "--print-token")
		if code != 0 {
			t.Fatalf("login %s --print-token: exit %d %s", user, code, errs)
		}
		return strings.TrimSpace(out)
	}
	for _, who := range [][]string{{"exempelby", "lars"}, {"forbundet", "ola"}} {
		t.Setenv("EARKIV_TOKEN", tok(who[0], who[1]))
		t.Setenv("EARKIV_SERVER", server)
		if out, errs, code := runCLI(t, "whoami"); code != 0 || !strings.Contains(out, who[1]) {
			t.Fatalf("whoami %s: exit %d %s %s", who[1], code, out, errs)
		}
		if _, errs, code := runCLI(t, "accesslog", "export"); code != 1 || !strings.Contains(errs, "not allowed") {
			t.Fatalf("accesslog export as %s: exit %d %s", who[1], code, errs)
		}
	}
	// Disabling a person ends their tokens at once, on the running serve.
	t.Setenv("EARKIV_TOKEN", tok("exempelby", "lars"))
	if _, errs, code := runCLI(t, "user", "disable", "--data-dir", e.data, "--tenant", "exempelby", "--id", "lars"); code != 0 {
		t.Fatalf("user disable: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, "whoami"); code != 1 || !strings.Contains(errs, "token is wrong, expired or revoked") {
		t.Fatalf("whoami with a disabled person's token: exit %d %s", code, errs)
	}
	os.Unsetenv("EARKIV_SERVER")
	t.Setenv("EARKIV_TOKEN", "ekt_exempelby_notatoken_x")
	if _, errs, code := runCLI(t, "whoami", "--server", server); code != 1 {
		t.Fatalf("a made-up token: exit %d %s", code, errs)
	}
}
