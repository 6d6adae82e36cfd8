package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/audit"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestFixityCLI archives the samples through earkiv serve (with a replica
// bucket), damages the primary bucket as another S3 client would, and runs
// `earkiv fixity audit` and `earkiv fixity repair` as an operator would.
func TestFixityCLI(t *testing.T) {
	data, natsAddr, s3Addr, httpAddr := t.TempDir(), freeAddr(t), freeAddr(t), freeAddr(t)
	natsURL := "nats://" + natsAddr
	pwFile := addExempelby(t, data, "--replica-endpoint", "http://"+s3Addr)
	metricsAddr := startServe(t, data, natsAddr, s3Addr, httpAddr, "--fixity.cycle", "0")
	prod := []string{"submit", "--tenant", "exempelby", "--nats.url", natsURL, "--password-file", pwFile, "--wait", "--json"}
	var receipts []earkiv.Receipt
	for _, s := range []string{"fgs1-valid-arenden", "eark-valid-erms"} {
		out, errs, code := runCLI(t, append(prod, sampleDir(s))...)
		if code != 0 {
			t.Fatalf("submit %s: %d %s %s", s, code, out, errs)
		}
		var r earkiv.Receipt
		json.Unmarshal([]byte(out), &r)
		receipts = append(receipts, r)
	}
	fix := func(args ...string) (string, string, int) {
		return runCLI(t, append(append([]string{"fixity"}, args...), "--data-dir", data, "--s3.addr", s3Addr, "--nats.url", natsURL)...)
	}
	out, errs, code := fix("audit", "--tenant", "exempelby")
	if code != 0 || !strings.Contains(out, "mismatched 0, missing 0, orphans 0") {
		t.Fatalf("clean audit: exit %d\n%s\n%s", code, out, errs)
	}
	if _, _, code := fix("audit"); code != 2 {
		t.Fatalf("audit without --tenant/--all: exit %d, want 2", code)
	}

	// Damage the primary bucket behind earkiv's back.
	sec, err := service.LoadSecrets(data, false)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := storage.New(storage.Config{Endpoint: "http://" + s3Addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey})
	ctx := context.Background()
	m, err := aipstore.ReadManifest(ctx, st, "earkiv-exempelby", receipts[0].AIPID)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := m.Objects[1].Key
	if _, err := st.Put(ctx, "earkiv-exempelby", corrupt, strings.NewReader("tampered"), storage.PutOptions{Size: 8}); err != nil {
		t.Fatal(err)
	}
	gone := m.Objects[2].Key
	if err := st.Remove(ctx, "earkiv-exempelby", gone); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, "earkiv-exempelby", "stray.bin", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	out, errs, code = fix("audit", "--all", "--json", "--report", report, "--orphan-grace", "0s", "--rate", "50MB/s")
	if code != 1 {
		t.Fatalf("damaged audit: exit %d\n%s\n%s", code, out, errs)
	}
	var res audit.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got := map[string]string{}
	for _, f := range res.Bad {
		got[f.Key] = f.Outcome
	}
	if len(got) != 3 || got[corrupt] != audit.Mismatch || got[gone] != audit.Missing || got["stray.bin"] != audit.Orphan {
		t.Fatalf("findings %v", got)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), corrupt) {
		t.Fatalf("report file: %v", err)
	}
	out, _, code = fix("audit", "--tenant", "exempelby", "--csv", "--orphan-grace", "0s")
	if code != 1 || !strings.HasPrefix(out, "tenant,bucket,aip,key,outcome") || strings.Count(out, "\n") != 4 {
		t.Fatalf("csv: exit %d\n%s", code, out)
	}

	// Repair restores the corrupt and the missing object from the replica.
	out, errs, code = fix("repair")
	if code != 0 || !strings.Contains(out, "2 repaired, 0 not repaired") {
		t.Fatalf("repair: exit %d\n%s\n%s", code, out, errs)
	}
	out, _, code = fix("audit", "--tenant", "exempelby", "--json", "--orphan-grace", "0s")
	json.Unmarshal([]byte(out), &res)
	if code != 1 || len(res.Bad) != 1 || res.Bad[0].Key != "stray.bin" {
		t.Fatalf("after repair: exit %d %v", code, res.Bad)
	}

	// serve counts audits run from the command line too, from their events.
	testenv.Eventually(t, 20*time.Second, func() error {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			return err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if body := string(b); err != nil ||
			!strings.Contains(body, `earkiv_fixity_audits_total{outcome="success",tenant="exempelby"} 1`) ||
			!strings.Contains(body, `earkiv_fixity_audits_total{outcome="failure",tenant="exempelby"} 3`) ||
			!strings.Contains(body, `earkiv_fixity_failed_objects_total{tenant="exempelby"} 7`) {
			return fmt.Errorf("fixity metrics (%v):\n%s", err, body)
		}
		return nil
	})

	// The audits are on the event log: one summary per tenant and run.
	out, _, _ = runCLI(t, "events", "--data-dir", data, "--nats.url", natsURL, "--tenant", "exempelby", "--from", "1", "--no-follow")
	if strings.Count(out, `"type":"fixity.audit"`) < 2 || !strings.Contains(out, `"type":"fixity.repair"`) {
		t.Fatalf("events:\n%s", out)
	}
}

// TestScheduledAudit: earkiv serve verifies every object within the cycle,
// a slice per interval, counts the results on /metrics and reports damage.
func TestScheduledAudit(t *testing.T) {
	data, natsAddr, s3Addr, httpAddr, pwFile := newSite(t)
	metricsAddr := startServe(t, data, natsAddr, s3Addr, httpAddr, "--fixity.cycle", "20s", "--fixity.interval", "1s")
	out, errs, code := runCLI(t, "submit", "--tenant", "exempelby", "--nats.url", "nats://"+natsAddr, "--password-file", pwFile, "--wait", "--json", sampleDir("fgs1-valid-arenden"))
	if code != 0 {
		t.Fatalf("submit: %s %s", out, errs)
	}
	var r earkiv.Receipt
	json.Unmarshal([]byte(out), &r)
	sec, _ := service.LoadSecrets(data, false)
	st, _ := storage.New(storage.Config{Endpoint: "http://" + s3Addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey})
	m, err := aipstore.ReadManifest(context.Background(), st, "earkiv-exempelby", r.AIPID)
	if err != nil {
		t.Fatal(err)
	}
	objects := len(m.Objects) + 1 // and the manifest
	metric := func(name string) float64 {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, name+" ") {
				v, _ := strconv.ParseFloat(strings.TrimPrefix(l, name+" "), 64)
				return v
			}
		}
		return 0
	}
	okName := `earkiv_fixity_objects_total{outcome="ok",tenant="exempelby"}`
	testenv.Eventually(t, 60*time.Second, func() error {
		if n := metric(okName); n < float64(objects) {
			return fmt.Errorf("%v of %d objects verified by the schedule", n, objects)
		}
		return nil
	})
	// Damage one object; a later slice finds it.
	if _, err := st.Put(context.Background(), "earkiv-exempelby", m.Objects[0].Key, strings.NewReader("bad"), storage.PutOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	bad := `earkiv_fixity_objects_total{outcome="mismatch",tenant="exempelby"}`
	testenv.Eventually(t, 60*time.Second, func() error {
		if metric(bad) < 1 {
			return errors.New("the scheduled audit did not find the damaged object")
		}
		return nil
	})
	if metric(`earkiv_fixity_runs_total{result="failed"}`) < 1 {
		t.Fatal("no failed run counted")
	}
}

// TestAuditInterruptAndResume: Ctrl-C stops an audit cleanly (exit 2, the
// resume command printed) and --resume finishes it without re-reading what
// was checked.
func TestAuditInterruptAndResume(t *testing.T) {
	data, natsAddr, s3Addr, httpAddr, pwFile := newSite(t)
	startServe(t, data, natsAddr, s3Addr, httpAddr, "--fixity.cycle", "0")
	for _, s := range []string{"eark-valid-erms", "eark-valid-zip.zip"} {
		if out, errs, code := runCLI(t, "submit", "--tenant", "exempelby", "--nats.url", "nats://"+natsAddr, "--password-file", pwFile, "--wait", sampleDir(s)); code != 0 {
			t.Fatalf("submit: %s %s", out, errs)
		}
	}
	// About 300 KB at 20 KB/s: the audit is still running when interrupted.
	cmd := exec.Command(bin, "fixity", "audit", "--tenant", "exempelby", "--rate", "20KB", "--workers", "1",
		"--data-dir", data, "--s3.addr", s3Addr, "--nats.url", "nats://"+natsAddr)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The run's state file exists once the audit has started (its findings
	// are buffered, so they show no progress).
	testenv.Eventually(t, 30*time.Second, func() error {
		if m, _ := filepath.Glob(filepath.Join(data, "audits", "*.jsonl")); len(m) == 0 {
			return fmt.Errorf("no audit state in %s", filepath.Join(data, "audits"))
		}
		return nil
	})
	time.Sleep(time.Second) // scenario, not a wait: at 20 KB/s the audit checks some objects, not all
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 2 || !strings.Contains(errb.String(), "--resume ") {
		t.Fatalf("interrupted audit: %v\n%s\n%s", err, out.String(), errb.String())
	}
	id := strings.Fields(errb.String()[strings.Index(errb.String(), "--resume ")+len("--resume "):])[0]
	before, _ := os.ReadFile(filepath.Join(data, "audits", id+".jsonl"))
	checked := strings.Count(string(before), "\n") - 1
	if checked < 1 {
		t.Fatalf("nothing recorded before the interrupt:\n%s", before)
	}
	o, errs, code := runCLI(t, "fixity", "audit", "--tenant", "exempelby", "--resume", id, "--json",
		"--data-dir", data, "--s3.addr", s3Addr, "--nats.url", "nats://"+natsAddr)
	var res audit.Result
	if code != 0 || json.Unmarshal([]byte(o), &res) != nil || !res.Complete || res.RunID != id {
		t.Fatalf("resume: exit %d\n%s\n%s", code, o, errs)
	}
	after, _ := os.ReadFile(filepath.Join(data, "audits", id+".jsonl"))
	total := strings.Count(string(after), "\n") - 2 // header and the finished mark
	if total != res.Summary.Objects {
		t.Fatalf("state has %d results, summary %d objects: objects were checked twice or lost", total, res.Summary.Objects)
	}
	if _, _, code := runCLI(t, "fixity", "audit", "--tenant", "exempelby", "--resume", id, "--data-dir", data, "--s3.addr", s3Addr); code != 2 {
		t.Fatalf("resuming a finished run: exit %d, want 2", code)
	}
}

// addExempelby adds the tenant exempelby to data and returns its password file.
func addExempelby(t *testing.T, data string, extra ...string) string {
	t.Helper()
	pwFile := filepath.Join(data, "pw")
	args := append([]string{"tenant", "add", "--data-dir", data, "--id", "exempelby", "--name", "Exempelby kommun",
		"--org", "2120000001", "--password-file", pwFile}, extra...)
	if _, errs, code := runCLI(t, args...); code != 0 {
		t.Fatalf("tenant add: %s", errs)
	}
	return pwFile
}

// newSite is a data folder with exempelby and free addresses for serve.
func newSite(t *testing.T) (data, natsAddr, s3Addr, httpAddr, pwFile string) {
	data = t.TempDir()
	return data, freeAddr(t), freeAddr(t), freeAddr(t), addExempelby(t, data)
}

// TestWorkerScaleOut: `earkiv serve --workers 0` keeps queue, storage and
// catalog; a separate `earkiv worker` process, pointed at them, ingests.
func TestWorkerScaleOut(t *testing.T) {
	data, natsAddr, s3Addr, httpAddr, pwFile := newSite(t)
	startServe(t, data, natsAddr, s3Addr, httpAddr, "--workers", "0", "--fixity.cycle", "0")
	sec, err := service.LoadSecrets(data, false)
	if err != nil {
		t.Fatal(err)
	}
	args := append(schemaArgs(t), "worker", "--data-dir", t.TempDir(), "--tenants", filepath.Join(data, "tenants.yaml"),
		"--nats.url", "nats://"+natsAddr, "--nats.password", sec.NATSPassword,
		"--s3.endpoint", "http://"+s3Addr, "--s3.access-key", sec.S3AccessKey, "--s3.secret-key", sec.S3SecretKey, "--workers", "1")
	if _, errs, code := runCLI(t, "worker", "--workers", "1"); code != 2 || !strings.Contains(errs, "required") {
		t.Fatalf("worker without external services: exit %d %s", code, errs)
	}
	w := exec.Command(bin, args...)
	var wlog bytes.Buffer
	w.Stderr = &wlog
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		w.Process.Signal(os.Interrupt)
		w.Wait()
		if t.Failed() {
			t.Logf("worker log:\n%s", wlog.String())
		}
	}()
	out, errs, code := runCLI(t, "submit", "--tenant", "exempelby", "--nats.url", "nats://"+natsAddr, "--password-file", pwFile,
		"--wait", "--timeout", "90s", sampleDir("eark-valid-erms"))
	// serve runs no workers, so the receipt proves the external worker did the work.
	if code != 0 || !strings.Contains(out, "accepted") {
		t.Fatalf("submit through the external worker: exit %d\n%s\n%s", code, out, errs)
	}
}
