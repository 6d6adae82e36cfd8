package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/testenv"
)

// writePlan writes a plan as Excel saves CSV: a BOM, ';' between cells.
func writePlan(t *testing.T, name string, rows ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	body := "\ufeffRegel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut\r\n" + strings.Join(rows, "\r\n") + "\r\n"
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRetentionAsPerson drives the plan, retention, hold, disposal and
// review commands against a running serve as an arkivansvarig would: a
// bygglov delivery closed in 2015 is kept until a plan is fastställd, is
// then due for gallring, stops being due under a gallringsstopp and is
// due again when it is lifted.
func TestRetentionAsPerson(t *testing.T) {
	e := newExempelby(t)
	startServe(t, e.data, e.natsAddr, e.s3Addr, e.httpAddr)
	pw := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	for _, p := range [][]string{{"anna", "arkivansvarig"}, {"lars", "läsare"}} {
		if _, errs, code := runCLI(t, "user", "add", "--data-dir", e.data, "--tenant", "exempelby", "--id", p[0], "--name", "Person "+p[0],
			"--role", p[1], "--password-file", pw); code != 0 {
			t.Fatalf("user add %s: exit %d %s", p[0], code, errs)
		}
	}
	server := "http://" + e.httpAddr
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	out, errs, code := runCLI(t, "login", "--server", server, "--tenant", "exempelby", "--user", "lars", "--password-file", pw, "--print-token")
	if code != 0 {
		t.Fatalf("login lars: exit %d %s", code, errs)
	}
	lars := strings.TrimSpace(out)
	if _, errs, code := runCLI(t, "login", "--server", server, "--tenant", "exempelby", "--user", "anna", "--password-file", pw); code != 0 {
		t.Fatalf("login anna: exit %d %s", code, errs)
	}
	// cli runs a command as anna, of exempelby, and wants exit code want.
	cli := func(want int, args ...string) (string, string) {
		t.Helper()
		out, errs, code := runCLI(t, append(args[:1:1], append([]string{args[1], "--tenant", "exempelby"}, args[2:]...)...)...)
		if code != want {
			t.Fatalf("%s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), code, want, out, errs)
		}
		return out, errs
	}
	lastLine := func(s string) string {
		ls := strings.Split(strings.TrimSpace(s), "\n")
		return ls[len(ls)-1]
	}
	decode := func(s string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("%v in %s", err, s)
		}
	}

	// A bygglov delivery closed in 2015, and one of a class no rule names.
	submit := func(class string) string {
		t.Helper()
		out, errs, code := runCLI(t, append(schemaArgs(t), "sample", "generate", "--class", class, "--arendetyp", "Bygglov", "--closed", "2015-01-01", filepath.Join(t.TempDir(), "sip"))...)
		if code != 0 {
			t.Fatalf("sample generate: exit %d %s", code, errs)
		}
		out, errs, code = runCLI(t, "submit", "--tenant", "exempelby", "--nats.url", e.natsURL, "--password-file", e.pwFile, "--wait", "--json", strings.TrimSpace(out))
		var r earkiv.Receipt
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Status != earkiv.Accepted {
			t.Fatalf("submit %s: exit %d %s %s", class, code, out, errs)
		}
		return r.AIPID
	}
	bygglov, other := submit("2.3.1"), submit("9.9")

	// A plan file with a frist no one can read: exit 1, the row named.
	bad := writePlan(t, "fel.csv", "2.3.1;2.3.1;Bygglov;;Gallras;fem år;;KS 2019-05-12 § 45")
	if _, errs := cli(1, "plan", "import", bad); !strings.Contains(errs, "rad 2") || !strings.Contains(errs, "Gallringsfrist") {
		t.Fatalf("bad plan: %s", errs)
	}
	if _, _, code := runCLI(t, "plan", "import", "--tenant", "forbundet", bad); code != 1 {
		t.Fatalf("plan import for another municipality: exit %d", code)
	}
	v1 := writePlan(t, "ihp-2024.csv",
		"1.9;1.9;;;Bevaras;;;",
		"2.3.1;2.3.1;Bygglov;;Gallras;5 år;ärendets avslut;KS 2019-05-12 § 45")
	out, _ = cli(0, "plan", "import", v1)
	if lastLine(out) != "v1" || !strings.Contains(out, "2 regler") {
		t.Fatalf("plan import: %s", out)
	}

	// The preview names what v1 would change, with dates.
	out, _ = cli(0, "plan", "preview", "v1", "--json")
	var p retention.Preview
	decode(out, &p)
	i := slices.IndexFunc(p.Changes, func(c catalog.Change) bool { return c.AIP == bygglov && c.Document == "" })
	if p.Plan != "v1" || i < 0 || p.Changes[i].New.Outcome != ihp.Gallras || p.Changes[i].New.Date != "2020-01-01" || len(p.Locked) != 0 {
		t.Fatalf("preview: %s", out)
	}
	dnr := p.Changes[i].Case
	if out, _ = cli(0, "plan", "preview", "v1"); !strings.Contains(out, dnr) || !strings.Contains(out, "Gallras 2020-01-01 enligt regel 2.3.1, beslut KS 2019-05-12 § 45") || !strings.Contains(out, bygglov) {
		t.Fatalf("preview: %s", out)
	}

	// Only an arkivansvarig fastställer, from a date.
	if _, errs, code := runCLI(t, "plan", "activate", "--server", server, "--token", lars, "v1"); code != 1 || !strings.Contains(errs, "not allowed") {
		t.Fatalf("activate as läsare: exit %d %s", code, errs)
	}
	if _, errs := cli(1, "plan", "activate", "--from", "1 jan", "v1"); !strings.Contains(errs, "--from") {
		t.Fatalf("activate with a bad date: %s", errs)
	}
	cli(0, "plan", "activate", "--from", "2024-01-01", "v1")
	cli(1, "plan", "activate", "v1") // no longer an utkast
	testenv.Eventually(t, 20*time.Second, func() error {
		out, _ := cli(0, "plan", "show", "--json")
		var pr api.PlanResponse
		decode(out, &pr)
		if pr.InForce != "v1" {
			return fmt.Errorf("plan show: %s", out)
		}
		return nil
	})
	if out, _ = cli(0, "plan", "show"); !strings.Contains(out, "fastställd") || !strings.Contains(out, "2024-01-01") || !strings.Contains(out, "KS 2019-05-12 § 45") {
		t.Fatalf("plan show: %s", out)
	}

	// The delivery is now to be gallrad, by rule 2.3.1.
	testenv.Eventually(t, 20*time.Second, func() error {
		out, _ := cli(0, "retention", "show", "--json", bygglov)
		var recs []catalog.Record
		decode(out, &recs)
		if len(recs) < 2 {
			return fmt.Errorf("retention show: %s", out)
		}
		for _, r := range recs {
			if r.Outcome.Outcome != ihp.Gallras || r.Outcome.Basis.Rule != "2.3.1" || r.Outcome.Date != "2020-01-01" {
				return fmt.Errorf("retention show: %+v", r)
			}
		}
		return nil
	})
	if out, _ = cli(0, "retention", "show", dnr); !strings.Contains(out, dnr+"  ") || !strings.Contains(out, "Gallras 2020-01-01 enligt regel 2.3.1, beslut KS 2019-05-12 § 45; plan v1, 5 år från ärendets avslut 2015-01-01") {
		t.Fatalf("retention show: %s", out)
	}
	cli(1, "retention", "show", "KS 1999/9999")
	due := func() []catalog.Record {
		out, _ := cli(0, "disposal", "due", "--json")
		var recs []catalog.Record
		decode(out, &recs)
		return recs
	}
	testenv.Eventually(t, 20*time.Second, func() error {
		if recs := due(); len(recs) < 2 || recs[0].AIP != bygglov {
			return fmt.Errorf("disposal due: %+v", recs)
		}
		return nil
	})
	if out, _ = cli(0, "disposal", "due"); !strings.Contains(out, dnr) || !strings.Contains(out, "regel 2.3.1") {
		t.Fatalf("disposal due: %s", out)
	}
	out, _ = cli(0, "review", "list", "--json")
	var rev []catalog.Record
	decode(out, &rev)
	if len(rev) == 0 || slices.ContainsFunc(rev, func(r catalog.Record) bool { return r.AIP != other || r.Outcome.Review != ihp.ReviewNoRule }) {
		t.Fatalf("review list: %s", out)
	}
	if out, _ = cli(0, "review", "list"); !strings.Contains(out, ihp.ReviewNoRule) || !strings.Contains(out, "klass 9.9") {
		t.Fatalf("review list: %s", out)
	}

	// A gallringsstopp: its flags checked before any request, then placed
	// on a query taking in 2.3.1; nothing is due while it holds.
	for _, args := range [][]string{
		{"--reason", "Tvist"},
		{"--aip", bygglov, "--case", dnr, "--reason", "Tvist"},
		{"--query", "klass=2.3"},
		{"--query", "färg=blå", "--reason", "Tvist"},
		{"--aip", "inte-ett-id", "--reason", "Tvist"},
	} {
		if _, errs, code := runCLI(t, append([]string{"hold", "place", "--server", "http://127.0.0.1:1", "--token", "x"}, args...)...); code != 1 {
			t.Fatalf("hold place %v: exit %d %s", args, code, errs)
		}
	}
	out, _ = cli(0, "hold", "place", "--query", "klass=2.3", "--reason", "Tvist om bygglov", "--reference", "Mål P 123-26")
	id := lastLine(out)
	testenv.Eventually(t, 20*time.Second, func() error {
		if recs := due(); len(recs) != 0 {
			return fmt.Errorf("disposal due under a hold: %+v", recs)
		}
		return nil
	})
	if out, _ = cli(0, "disposal", "due"); !strings.Contains(out, "Inget ska gallras") {
		t.Fatalf("disposal due under a hold: %s", out)
	}
	if out, _ = cli(0, "retention", "show", bygglov); !strings.Contains(out, "gallringsstopp "+id) {
		t.Fatalf("retention show under a hold: %s", out)
	}
	out, _ = cli(0, "hold", "list", "--json")
	var hs []holds.Hold
	decode(out, &hs)
	if len(hs) != 1 || hs[0].ID != id || !hs[0].Active() || hs[0].Scope.Query == nil || hs[0].Scope.Query.Class != "2.3" || hs[0].PlacedBy != "anna" {
		t.Fatalf("hold list: %s", out)
	}
	cli(1, "hold", "lift", id)
	if _, errs, code := runCLI(t, "hold", "lift", "--server", server, "--token", lars, id, "--reason", "x"); code != 1 {
		t.Fatalf("hold lift as läsare: exit %d %s", code, errs)
	}
	cli(0, "hold", "lift", id, "--reason", "Tvisten avgjord")
	cli(1, "hold", "lift", id, "--reason", "igen")
	testenv.Eventually(t, 20*time.Second, func() error {
		if recs := due(); len(recs) < 2 {
			return fmt.Errorf("disposal due after the lift: %+v", recs)
		}
		return nil
	})
	if out, _ = cli(0, "hold", "list"); !strings.Contains(out, "hävt") || !strings.Contains(out, "sökning klass=2.3") {
		t.Fatalf("hold list: %s", out)
	}

	// A second version, compared with the first.
	v2 := writePlan(t, "ihp-2026.csv",
		"2.3.1;2.3.1;Bygglov;;Gallras;10 år;ärendets avslut;KS 2026-01-20 § 3",
		"2.4;2.4;Strandskyddsdispens;;Bevaras;;;")
	if out, _ = cli(0, "plan", "import", v2); lastLine(out) != "v2" {
		t.Fatalf("plan import v2: %s", out)
	}
	out, _ = cli(0, "plan", "diff", "v1", "v2")
	if want := "borttagen 1.9\nändrad 2.3.1: Gallringsfrist, Beslut\nny regel 2.4\n"; out != want {
		t.Fatalf("plan diff:\n%s\nwant\n%s", out, want)
	}
	out, _ = cli(0, "plan", "diff", "--json", "v1", "v2")
	var d []ihp.RuleChange
	decode(out, &d)
	if len(d) != 3 || d[1].Kind != ihp.Changed || d[1].New.Decision != "KS 2026-01-20 § 3" {
		t.Fatalf("plan diff --json: %s", out)
	}
	cli(1, "plan", "diff", "v1", "v9")

	// A server that does not answer: exit 2.
	if _, errs, code := runCLI(t, "plan", "show", "--server", "http://"+freeAddr(t), "--token", "ekt_exempelby_x_y"); code != 2 {
		t.Fatalf("unreachable server: exit %d %s", code, errs)
	}
}
