package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userArgs are the arguments of a user command on e's data folder, with
// the embedded NATS (when no serve runs) on e's free address.
func (e exempelby) userArgs(cmd string, args ...string) []string {
	return append([]string{"user", cmd, "--data-dir", e.data, "--nats.addr", e.natsAddr}, args...)
}

func writePassword(t *testing.T, dir, pw string) string {
	t.Helper()
	f := filepath.Join(dir, "person-"+strings.NewReplacer(" ", "_", "/", "_").Replace(pw)+".pw")
	if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestUserCommands: a fresh data folder, no serve: people are added,
// listed and disabled, and every refusal exits 1 saying why.
func TestUserCommands(t *testing.T) {
	e := newExempelby(t)
	good := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	add := func(args ...string) (string, int) {
		_, errs, code := runCLI(t, e.userArgs("add", args...)...)
		return errs, code
	}
	if errs, code := add("--tenant", "exempelby", "--id", "anna.svensson", "--name", "Anna Svensson",
		"--role", "arkivarie", "--role", "lasare", "--password-file", good); code != 0 {
		t.Fatalf("user add: exit %d %s", code, errs)
	}
	if errs, code := add("--tenant", "exempelby", "--id", "bo.ek", "--name", "Bo Ek", "--role", "Administratör", "--password-file", good); code != 0 {
		t.Fatalf("user add bo.ek: exit %d %s", code, errs)
	}

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"duplicate", []string{"--tenant", "exempelby", "--id", "anna.svensson", "--name", "Anna S", "--role", "läsare"}, `"anna.svensson"`},
		{"unknown role", []string{"--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "chef"}, "unknown role"},
		{"unknown tenant", []string{"--tenant", "sjostad", "--id", "cecilia", "--name", "Cecilia", "--role", "läsare"}, "unknown tenant"},
		{"drift in a municipality", []string{"--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "drift"}, "drift is only for the joint body"},
		{"bad id", []string{"--tenant", "exempelby", "--id", "Cecilia Ek", "--name", "Cecilia", "--role", "läsare"}, "person id"},
		{"weak password", []string{"--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "läsare",
			"--password-file", writePassword(t, t.TempDir(), "password2026")}, "most common"},
		{"short password", []string{"--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "läsare",
			"--password-file", writePassword(t, t.TempDir(), "kort")}, "at least 12"},
		{"empty password", []string{"--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "läsare",
			"--password-file", writePassword(t, t.TempDir(), "")}, "empty"},
	} {
		args := c.args
		if !strings.Contains(strings.Join(args, " "), "--password-file") {
			args = append(args, "--password-file", good)
		}
		if errs, code := add(args...); code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q; want 1 saying %q", c.name, code, errs, c.want)
		}
	}
	if errs, code := add("--tenant", "exempelby", "--id", "cecilia", "--name", "Cecilia", "--role", "läsare",
		"--password-file", filepath.Join(t.TempDir(), "missing")); code != 2 {
		t.Errorf("missing password file: exit %d %s, want 2", code, errs)
	}

	if _, errs, code := runCLI(t, e.userArgs("disable", "--tenant", "exempelby", "--id", "bo.ek")...); code != 0 {
		t.Fatalf("user disable: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, e.userArgs("disable", "--tenant", "exempelby", "--id", "nobody")...); code != 1 || !strings.Contains(errs, "nobody") {
		t.Errorf("disable unknown: exit %d %s", code, errs)
	}

	out, errs, code := runCLI(t, e.userArgs("list", "--tenant", "exempelby")...)
	if code != 0 {
		t.Fatalf("user list: exit %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "anna.svensson") || !strings.Contains(lines[1], "läsare, arkivarie") ||
		!strings.Contains(lines[1], "active") || !strings.Contains(lines[2], "bo.ek") || !strings.Contains(lines[2], "disabled") {
		t.Fatalf("user list:\n%s", out)
	}

	out, errs, code = runCLI(t, e.userArgs("list", "--tenant", "exempelby", "--json")...)
	if code != 0 {
		t.Fatalf("user list --json: exit %d %s", code, errs)
	}
	if strings.Contains(out, "$2a$") || strings.Contains(strings.ToLower(out), "hash") {
		t.Fatalf("user list --json shows the password hash:\n%s", out)
	}
	var got []struct {
		Tenant, ID string
		Roles      []string
		Disabled   bool
	}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var p struct {
			Tenant, ID string
			Roles      []string
			Disabled   bool
		}
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", l, err)
		}
		got = append(got, p)
	}
	if len(got) != 2 || got[0].ID != "anna.svensson" || got[0].Tenant != "exempelby" || len(got[0].Roles) != 2 || !got[1].Disabled {
		t.Fatalf("user list --json: %+v", got)
	}

	// Each change is in the access log, made by the operator's account.
	out, errs, code = runCLI(t, "accesslog", "export", "--data-dir", e.data, "--nats.addr", e.natsAddr, "--s3.addr", e.s3Addr, "--tenant", "exempelby")
	if code != 0 {
		t.Fatalf("accesslog export: exit %d %s", code, errs)
	}
	var changes []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var en struct {
			Person, Action, Detail string
			Objects                []string
		}
		if err := json.Unmarshal([]byte(l), &en); err != nil {
			t.Fatalf("export: %q: %v", l, err)
		}
		if en.Action == "export" { // this export, logged before it reads
			continue
		}
		if !strings.HasPrefix(en.Person, "system:") || en.Action != "change.person" {
			t.Errorf("entry %+v", en)
		}
		changes = append(changes, strings.Join(en.Objects, " ")+" "+en.Detail)
	}
	want := []string{"person:anna.svensson lagt till; roller: läsare, arkivarie", "person:bo.ek lagt till; roller: administratör", "person:bo.ek inaktiverad"}
	if strings.Join(changes, "|") != strings.Join(want, "|") {
		t.Fatalf("logged changes\n%q\nwant\n%q", changes, want)
	}
}

// TestUserDriftInOperatorTenant: the joint body's own people may hold
// drift; the tenant is marked with tenant add --operator.
func TestUserDriftInOperatorTenant(t *testing.T) {
	e := newExempelby(t)
	if _, errs, code := runCLI(t, "tenant", "add", "--data-dir", e.data, "--id", "forbundet", "--name", "Exempelbygdens kommunalförbund",
		"--org", "222000-0000", "--operator", "--password-file", filepath.Join(e.data, "forbundet.pw")); code != 0 {
		t.Fatalf("tenant add --operator: exit %d %s", code, errs)
	}
	out, _, _ := runCLI(t, "tenant", "list", "--data-dir", e.data)
	if !strings.Contains(out, "forbundet") || !strings.Contains(out, "operator") || strings.Count(out, "operator") != 1 {
		t.Errorf("tenant list does not show the operator tenant alone:\n%s", out)
	}
	pw := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	if _, errs, code := runCLI(t, e.userArgs("add", "--tenant", "forbundet", "--id", "drift.ola", "--name", "Ola Drift",
		"--role", "drift", "--password-file", pw)...); code != 0 {
		t.Fatalf("drift in the operator tenant: exit %d %s", code, errs)
	}
	out, _, code := runCLI(t, e.userArgs("list", "--tenant", "exempelby")...)
	if code != 0 || strings.Contains(out, "drift.ola") {
		t.Fatalf("the joint body's person is listed in exempelby (exit %d):\n%s", code, out)
	}
}

// TestUserWithServe: with serve running, the user commands use its NATS
// (found from the data folder) and the people persist there.
func TestUserWithServe(t *testing.T) {
	e := newExempelby(t)
	startServe(t, e.data, e.natsAddr, e.s3Addr, e.httpAddr)
	pw := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	base := []string{"--data-dir", e.data, "--tenant", "exempelby"}
	if _, errs, code := runCLI(t, append(append([]string{"user", "add"}, base...), "--id", "anna", "--name", "Anna Svensson",
		"--role", "arkivansvarig", "--password-file", pw)...); code != 0 {
		t.Fatalf("user add with serve: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, append(append([]string{"user", "add"}, base...), "--id", "anna", "--name", "Anna Svensson",
		"--role", "läsare", "--password-file", pw)...); code != 1 {
		t.Fatalf("duplicate with serve: exit %d %s", code, errs)
	}
	if _, errs, code := runCLI(t, append(append([]string{"user", "disable"}, base...), "--id", "anna")...); code != 0 {
		t.Fatalf("user disable with serve: exit %d %s", code, errs)
	}
	out, errs, code := runCLI(t, append(append([]string{"user", "list"}, base...), "--json")...)
	if code != 0 || !strings.Contains(out, `"id":"anna"`) || !strings.Contains(out, `"disabled":true`) || !strings.Contains(out, "arkivansvarig") {
		t.Fatalf("user list with serve: exit %d %s\n%s", code, errs, out)
	}
}
