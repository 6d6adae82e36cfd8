package main

import (
	"bytes"
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
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestDisposalAsPerson drives a gallring list from proposal to protocol
// against a running serve: in exempelby (no ångerfrist) an arkivarie
// proposes two due bygglov AIPs and keeps one, an arkivansvarig attests
// and executes, and the protocol and the stores agree; in grannby (the
// default ångerfrist of 7d) an attested list cannot run yet.
func TestDisposalAsPerson(t *testing.T) {
	e := newExempelby(t)
	grannPw := filepath.Join(e.data, "grannby.password")
	for _, args := range [][]string{
		{"tenant", "set", "--data-dir", e.data, "--id", "exempelby", "--cooling-off", "0"},
		{"tenant", "add", "--data-dir", e.data, "--id", "grannby", "--name", "Grannby kommun", "--org", "212000-0019", "--password-file", grannPw},
	} {
		if _, errs, code := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
	}
	startServe(t, e.data, e.natsAddr, e.s3Addr, e.httpAddr)
	server := "http://" + e.httpAddr
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	pw := writePassword(t, t.TempDir(), "korp stege blå fjäril")
	// maria proposes; she is arkivansvarig too, which does not let her
	// attest her own list.
	tokens := map[string]string{}
	for _, p := range [][]string{
		{"exempelby", "maria", "arkivarie", "arkivansvarig"}, {"exempelby", "anna", "arkivansvarig"}, {"exempelby", "lars", "läsare"},
		{"grannby", "maria", "arkivarie"}, {"grannby", "anna", "arkivansvarig"},
	} {
		args := []string{"user", "add", "--data-dir", e.data, "--tenant", p[0], "--id", p[1], "--name", "Person " + p[1], "--password-file", pw}
		for _, r := range p[2:] {
			args = append(args, "--role", r)
		}
		if _, errs, code := runCLI(t, args...); code != 0 {
			t.Fatalf("user add %s: exit %d %s", p[1], code, errs)
		}
		out, errs, code := runCLI(t, "login", "--server", server, "--tenant", p[0], "--user", p[1], "--password-file", pw, "--print-token")
		if code != 0 {
			t.Fatalf("login %s: exit %d %s", p[1], code, errs)
		}
		tokens[p[0]+"/"+p[1]] = strings.TrimSpace(out)
	}
	// as runs a command as person of tenant and wants exit code want.
	as := func(tenant, person string, want int, args ...string) (string, string) {
		t.Helper()
		full := append(args[:2:2], "--server", server, "--token", tokens[tenant+"/"+person], "--tenant", tenant)
		out, errs, code := runCLI(t, append(full, args[2:]...)...)
		if code != want {
			t.Fatalf("%s as %s of %s: exit %d, want %d\n%s\n%s", strings.Join(args, " "), person, tenant, code, want, out, errs)
		}
		return out, errs
	}
	decode := func(s string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("%v in %s", err, s)
		}
	}
	submit := func(tenant, org, orgID, pwFile string) string {
		t.Helper()
		out, errs, code := runCLI(t, append(schemaArgs(t), "sample", "generate", "--class", "2.3.1", "--arendetyp", "Bygglov", "--closed", "2015-01-01",
			"--org", org, "--org-id", orgID, filepath.Join(t.TempDir(), "sip"))...)
		if code != 0 {
			t.Fatalf("sample generate: exit %d %s", code, errs)
		}
		out, errs, code = runCLI(t, "submit", "--tenant", tenant, "--nats.url", e.natsURL, "--password-file", pwFile, "--wait", "--json", strings.TrimSpace(out))
		var r earkiv.Receipt
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Status != earkiv.Accepted {
			t.Fatalf("submit to %s: exit %d %s %s", tenant, code, out, errs)
		}
		return r.AIPID
	}
	plan := writePlan(t, "ihp.csv", "2.3.1;2.3.1;Bygglov;;Gallras;5 år;ärendets avslut;KS 2019-05-12 § 45")
	// due waits until the records of aips are due in tenant.
	due := func(tenant string, aips ...string) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, func() error {
			out, _ := as(tenant, "anna", 0, "disposal", "due", "--json")
			var recs []catalog.Record
			decode(out, &recs)
			for _, a := range aips {
				if !slices.ContainsFunc(recs, func(r catalog.Record) bool { return r.AIP == a }) {
					return fmt.Errorf("disposal due in %s: no %s in %s", tenant, a, out)
				}
			}
			return nil
		})
	}
	kept, gone := submit("exempelby", "Exempelby kommun", "2120000001", e.pwFile), submit("exempelby", "Exempelby kommun", "2120000001", e.pwFile)
	grann := submit("grannby", "Grannby kommun", "2120000019", grannPw)
	for _, tn := range []string{"exempelby", "grannby"} {
		as(tn, "anna", 0, "plan", "import", plan)
		as(tn, "anna", 0, "plan", "activate", "v1", "--from", "2024-01-01")
	}
	due("exempelby", kept, gone)
	due("grannby", grann)

	// Flags are checked before any request: the server here answers no one.
	nowhere := []string{"--server", "http://" + freeAddr(t), "--token", "ekt_exempelby_x_y"}
	const someID = "0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f"
	for _, args := range [][]string{
		{"disposal", "propose", "--before", "1 jan"},
		{"disposal", "show", "inte-ett-id"},
		{"disposal", "show"},
		{"disposal", "exclude", someID, "--reason", "x"},
		{"disposal", "exclude", someID, "--aip", "x", "--reason", "x"},
		{"disposal", "exclude", someID, "--aip", someID},
		{"disposal", "exclude", someID, "--aip", someID, "--reason", "x", "--postpone", "snart"},
		{"disposal", "reject", someID},
		{"disposal", "cancel", someID, "--reason", " "},
		{"disposal", "protocol", someID},
	} {
		if _, errs, code := runCLI(t, append(args, nowhere...)...); code != 1 {
			t.Fatalf("%v: exit %d %s", args, code, errs)
		}
	}
	existing := filepath.Join(t.TempDir(), "finns.pdf")
	os.WriteFile(existing, []byte("x"), 0o600)
	if _, errs, code := runCLI(t, append([]string{"disposal", "protocol", someID, "--out", existing}, nowhere...)...); code != 1 || !strings.Contains(errs, "--force") {
		t.Fatalf("protocol over an existing file: exit %d %s", code, errs)
	}
	if _, _, code := runCLI(t, append([]string{"disposal", "show", someID}, nowhere...)...); code != 2 {
		t.Fatalf("show with no server: exit %d", code)
	}

	// A läsare proposes nothing; the arkivarie proposes both AIPs.
	as("exempelby", "lars", 1, "disposal", "propose")
	out, _ := as("exempelby", "maria", 0, "disposal", "propose", "--class", "2.3", "--json")
	var l disposal.List
	decode(out, &l)
	if l.State != disposal.Proposed || l.AIPs != 2 || l.Proposer != "maria" {
		t.Fatalf("propose: %s", out)
	}
	id := l.ID
	as("exempelby", "maria", 1, "disposal", "show", someID)
	as("exempelby", "maria", 0, "disposal", "exclude", id, "--aip", kept, "--reason", "Behövs i tvist")
	as("exempelby", "maria", 1, "disposal", "exclude", id, "--aip", kept, "--reason", "igen")
	if _, errs := as("exempelby", "maria", 1, "disposal", "attest", id); !strings.Contains(errs, "själv attestera") {
		t.Fatalf("attest of one's own list: %s", errs)
	}
	as("exempelby", "anna", 1, "disposal", "execute", id) // not attested
	if out, _ = as("exempelby", "anna", 0, "disposal", "attest", id); !strings.Contains(out, "kan verkställas nu") {
		t.Fatalf("attest: %s", out)
	}
	if out, _ = as("exempelby", "anna", 0, "disposal", "execute", id); !strings.Contains(out, "är verkställd: 1 av 1 AIP klara") {
		t.Fatalf("execute: %s", out)
	}
	out, _ = as("exempelby", "anna", 0, "disposal", "show", id, "--json")
	var lr api.ListResponse
	decode(out, &lr)
	if lr.State != disposal.Done || len(lr.Done) != 1 || lr.Done[0].AIP != gone || len(lr.Exclusions) != 1 || lr.Protocol == "" || len(lr.Entries) < 4 {
		t.Fatalf("show --json: %s", out)
	}
	out, _ = as("exempelby", "maria", 0, "disposal", "show", id)
	for _, want := range []string{"verkställd", "Föreslagen:", "av maria", "Attesterad:", "av anna, ångerfrist 0", "1 av 1 AIP klara",
		"AIP " + kept + " bevaras: Behövs i tvist", "GALLRINGSDATUM", "2020-01-01", "undantagen", "gallrad", lr.Entries[0].Case} {
		if !strings.Contains(out, want) {
			t.Fatalf("show: no %q in\n%s", want, out)
		}
	}
	if out, _ = as("exempelby", "anna", 0, "disposal", "list"); !strings.Contains(out, id) || !strings.Contains(out, "verkställd") {
		t.Fatalf("list: %s", out)
	}

	// The protocol, as PDF and JSON, written whole; the stores agree.
	pdf := filepath.Join(t.TempDir(), "protokoll.pdf")
	as("exempelby", "anna", 0, "disposal", "protocol", id, "--out", pdf)
	if b, err := os.ReadFile(pdf); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Fatalf("protocol: %v %.20q", err, b)
	}
	as("exempelby", "anna", 1, "disposal", "protocol", id, "--out", pdf)
	as("exempelby", "anna", 0, "disposal", "protocol", id, "--out", pdf, "--json", "--force")
	if b, err := os.ReadFile(pdf); err != nil || !json.Valid(b) || !bytes.Contains(b, []byte(id)) {
		t.Fatalf("protocol --json: %v %.200s", err, b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(pdf)); len(ents) != 1 {
		t.Fatalf("protocol left %d files", len(ents))
	}
	if out, _ = as("exempelby", "anna", 0, "disposal", "verify", id); !strings.Contains(out, "stämmer") {
		t.Fatalf("verify: %s", out)
	}
	out, _ = as("exempelby", "anna", 0, "disposal", "verify", id, "--json")
	var v disposal.Verified
	if decode(out, &v); !v.OK || v.Disposed != 1 {
		t.Fatalf("verify --json: %s", out)
	}

	// The disposed AIP's records are gallrade by the list; the excluded
	// AIP's are still there.
	out, _ = as("exempelby", "anna", 0, "retention", "show", gone, "--json")
	var recs []catalog.Record
	decode(out, &recs)
	if len(recs) < 2 || slices.ContainsFunc(recs, func(r catalog.Record) bool { return r.Outcome.Outcome != catalog.Gallrad || r.List != id }) {
		t.Fatalf("retention show of the disposed AIP: %s", out)
	}
	if out, _ = as("exempelby", "anna", 0, "retention", "show", gone); !strings.Contains(out, "Gallrad ") || !strings.Contains(out, "gallringslista "+id) {
		t.Fatalf("retention show of the disposed AIP: %s", out)
	}
	out, _ = as("exempelby", "anna", 0, "retention", "show", kept, "--json")
	decode(out, &recs)
	if len(recs) < 2 || slices.ContainsFunc(recs, func(r catalog.Record) bool { return r.Outcome.Outcome == catalog.Gallrad }) {
		t.Fatalf("retention show of the kept AIP: %s", out)
	}

	// grannby keeps the default ångerfrist: a list sent back, attested,
	// refused execution for a week, then cancelled.
	out, _ = as("grannby", "maria", 0, "disposal", "propose")
	gid := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	as("grannby", "anna", 0, "disposal", "reject", gid, "--reason", "Kontrollera klassningen")
	if out, _ = as("grannby", "anna", 0, "disposal", "attest", gid); !strings.Contains(out, "ångerfrist 7d") || !strings.Contains(out, "kan verkställas från") {
		t.Fatalf("attest in grannby: %s", out)
	}
	if _, errs := as("grannby", "anna", 1, "disposal", "execute", gid); !strings.Contains(errs, "kan verkställas från") {
		t.Fatalf("execute before the ångerfrist: %s", errs)
	}
	out, _ = as("grannby", "anna", 0, "disposal", "show", gid)
	for _, want := range []string{"attesterad", "Återförvisad:", "Kontrollera klassningen", "kan verkställas från", "om 6 d 23 h"} {
		if !strings.Contains(out, want) {
			t.Fatalf("show in grannby: no %q in\n%s", want, out)
		}
	}
	as("grannby", "anna", 0, "disposal", "cancel", gid, "--reason", "Ny plan på väg")
	as("grannby", "anna", 1, "disposal", "execute", gid)
	as("grannby", "anna", 1, "disposal", "show", id) // exempelby's list
}
