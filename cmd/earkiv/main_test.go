package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/testenv"
	"github.com/earkiv/earkiv/schemas"
)

var bin string

// builtVersion is the version the test binary is stamped with.
var builtVersion = "test"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "earkiv-bin-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "earkiv")
	// Stamped as make build stamps it: every AIP a test makes names it.
	if v, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		builtVersion = strings.TrimSpace(string(v))
	}
	out, err := exec.Command("go", "build", "-buildvcs=auto", "-ldflags", "-X main.version="+builtVersion, "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build earkiv: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func schemaArgs(t *testing.T) []string {
	_, where, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	if where == "embedded" {
		return nil
	}
	abs, _ := filepath.Abs(where)
	return []string{"--schema-dir", abs}
}

// runCLI runs the binary and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// checkPrivate fails the test for anything under dir that its group or
// others may read, write or enter.
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		n++
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink == 0 && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: mode %v", p, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walk %s: %d entries, %v", dir, n, err)
	}
}

func sampleDir(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "packages-sample", name))
	return p
}

// startServe runs `earkiv serve` until the test ends, then stops it with
// SIGTERM and checks it stops cleanly. It returns the address of the
// operators' listener (/metrics). Its log is shown when the test fails, and
// as it runs with EARKIV_TEST_LOGS=1.
func startServe(t *testing.T, data, natsAddr, s3Addr, httpAddr string, extra ...string) (metricsAddr string) {
	t.Helper()
	metricsAddr = freeAddr(t)
	args := append(schemaArgs(t), "serve", "--data-dir", data, "--nats.addr", natsAddr, "--s3.addr", s3Addr, "--http.addr", httpAddr, "--metrics.addr", metricsAddr)
	args = append(args, extra...)
	serve := exec.Command(bin, args...)
	logR, logW := io.Pipe()
	serve.Stderr, serve.Stdout = logW, io.Discard
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var mu sync.Mutex
	var logs bytes.Buffer
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if testenv.ServerLogs() {
				fmt.Fprintln(os.Stderr, "serve:", sc.Text())
			}
			if strings.Contains(sc.Text(), "earkiv is serving") {
				close(ready)
			}
		}
	}()
	t.Cleanup(func() {
		serve.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- serve.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve did not stop cleanly: %v", err)
			}
		case <-time.After(30 * time.Second):
			serve.Process.Kill()
			t.Error("serve did not stop within 30 s of SIGTERM")
		}
		logW.Close()
		if t.Failed() {
			mu.Lock()
			t.Logf("serve log:\n%s", logs.String())
			mu.Unlock()
		}
	})
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("serve not ready:\n%s", logs.String())
	}
	return metricsAddr
}

// exempelby is a data folder with the tenant exempelby (its producer's
// password in pwFile) and free addresses for a serve of it.
type exempelby struct {
	data, pwFile               string
	natsAddr, s3Addr, httpAddr string
	natsURL                    string
}

func newExempelby(t *testing.T) exempelby {
	t.Helper()
	e := exempelby{data: t.TempDir(), natsAddr: freeAddr(t), s3Addr: freeAddr(t), httpAddr: freeAddr(t)}
	e.natsURL = "nats://" + e.natsAddr
	e.pwFile = filepath.Join(e.data, "exempelby.password")
	if _, errs, code := runCLI(t, "tenant", "add", "--data-dir", e.data, "--id", "exempelby", "--name", "Exempelby kommun",
		"--org", "212000-0001", "--password-file", e.pwFile); code != 0 {
		t.Fatalf("tenant add: %d %s", code, errs)
	}
	return e
}

// TestServeEndToEnd runs `earkiv serve` on embedded defaults and drives it
// with the producer and operator commands, as a municipality would.
func TestServeEndToEnd(t *testing.T) {
	ex := newExempelby(t)
	data, natsAddr, s3Addr, httpAddr, natsURL, pwFile := ex.data, ex.natsAddr, ex.s3Addr, ex.httpAddr, ex.natsURL, ex.pwFile

	metricsAddr := startServe(t, data, natsAddr, s3Addr, httpAddr)

	prod := []string{"--tenant", "exempelby", "--nats.url", natsURL, "--password-file", pwFile}
	out, errs, code := runCLI(t, append(append([]string{"submit"}, prod...), "--wait", "--json", sampleDir("fgs1-valid-arenden"))...)
	if code != 0 {
		t.Fatalf("submit valid: exit %d\n%s\n%s", code, out, errs)
	}
	var r earkiv.Receipt
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Status != earkiv.Accepted || r.AIPID == "" {
		t.Fatalf("receipt %+v %v", r, err)
	}
	// Two packages at once, one of them invalid: both receipts, exit 1.
	out, _, code = runCLI(t, append(append([]string{"submit"}, prod...), "--wait", sampleDir("eark-missing-file"), sampleDir("eark-valid-zip.zip"))...)
	if code != 1 || strings.Count(out, "receipt for submission") != 2 || !strings.Contains(out, "rejected") ||
		!strings.Contains(out, "accepted") || !strings.Contains(out, "CSIP") {
		t.Fatalf("submit two: exit %d\n%s", code, out)
	}
	out, _, code = runCLI(t, append(append([]string{"receipt"}, prod...), r.SubmissionID)...)
	if code != 0 || !strings.Contains(out, r.AIPID) {
		t.Fatalf("receipt: exit %d\n%s", code, out)
	}
	// Wrong password: no access, exit 2.
	if _, _, code := runCLI(t, "receipt", "--tenant", "exempelby", "--nats.url", natsURL, "--password", "wrong", r.SubmissionID); code != 2 {
		t.Fatalf("wrong password: exit %d", code)
	}

	// A tenant added while serve runs can submit after the reload.
	pw2 := filepath.Join(data, "sjostad.password")
	if _, errs, code := runCLI(t, "tenant", "add", "--data-dir", data, "--id", "sjostad", "--name", "Sjöstad kommun",
		"--org", "2120000019", "--retention", "forever", "--password-file", pw2); code != 0 {
		t.Fatalf("tenant add: %s", errs)
	}
	prod2 := []string{"--tenant", "sjostad", "--nats.url", natsURL, "--password-file", pw2}
	// serve sees the new tenant when it notices the file change.
	testenv.Eventually(t, 20*time.Second, func() error {
		out, errs, code = runCLI(t, append(append([]string{"submit"}, prod2...), "--wait", sampleDir("fgs1-valid-md5.tar"))...)
		if code != 0 {
			return fmt.Errorf("new tenant's submission: exit %d\n%s\n%s", code, out, errs)
		}
		return nil
	})
	if !strings.Contains(out, "accepted") {
		t.Fatalf("new tenant's submission: %s", out)
	}
	// sjostad's producer cannot read exempelby's receipt.
	if _, _, code := runCLI(t, append(append([]string{"receipt"}, prod2...), r.SubmissionID)...); code == 0 {
		t.Fatal("sjostad read exempelby's receipt")
	}

	// The HTTP API answers per tenant; /metrics counts the packages.
	pw, _ := os.ReadFile(pwFile)
	req, _ := http.NewRequest("GET", "http://"+httpAddr+"/api/v1/receipts/"+r.SubmissionID, nil)
	req.SetBasicAuth("exempelby", strings.TrimSpace(string(pw)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), r.AIPID) {
		t.Fatalf("API receipt: %d %s", resp.StatusCode, body)
	}
	pw2b, _ := os.ReadFile(pw2)
	req.SetBasicAuth("sjostad", strings.TrimSpace(string(pw2b)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("sjostad got exempelby's receipt over HTTP: %d", resp.StatusCode)
	}
	// /metrics is for operators only: not on the producers' listener.
	resp, err = http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the API listener: %s", resp.Status)
	}
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `earkiv_ingest_packages_total{status="accepted",tenant="exempelby"} 2`) ||
		!strings.Contains(string(body), `earkiv_ingest_packages_total{status="rejected",tenant="exempelby"} 1`) {
		t.Fatalf("metrics:\n%s", body)
	}
	// Everything serve wrote (secrets, tenants, catalog, NATS store, spool,
	// stored objects) is readable by its user only.
	checkPrivate(t, data)

	// The event log holds every step of the first submission.
	out, errs, code = runCLI(t, "events", "--data-dir", data, "--nats.url", natsURL, "--tenant", "exempelby", "--from", "1", "--limit", "4")
	if code != 0 {
		t.Fatalf("events: %d %s", code, errs)
	}
	var types []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e earkiv.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		types = append(types, string(e.Type))
	}
	if strings.Join(types, ",") != "ingest.started,validation.passed,aip.stored,receipt.issued" {
		t.Fatalf("events %v", types)
	}

	// reindex rebuilds the catalog from the buckets while serve runs.
	out, errs, code = runCLI(t, "reindex", "--data-dir", data, "--s3.addr", s3Addr)
	if code != 0 || !strings.Contains(out, "exempelby: 2 AIPs") || !strings.Contains(out, "sjostad: 1 AIPs") {
		t.Fatalf("reindex: %d\n%s\n%s", code, out, errs)
	}

	// The catalog listings, per tenant: exempelby sees its own two AIPs and
	// their cases, sjostad only its one.
	get := func(user, pass, path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+httpAddr+path, nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var aips []map[string]any
	get("exempelby", strings.TrimSpace(string(pw)), "/api/v1/aips", &aips)
	if len(aips) != 2 || aips[0]["tenant"] != "exempelby" {
		t.Fatalf("exempelby's AIPs: %v", aips)
	}
	var cases []map[string]any
	get("exempelby", strings.TrimSpace(string(pw)), "/api/v1/cases", &cases)
	if len(cases) != 4 { // 3 ärenden in fgs1-valid-arenden, 1 in eark-valid-zip
		t.Fatalf("exempelby's cases: %v", cases)
	}
	get("sjostad", strings.TrimSpace(string(pw2b)), "/api/v1/aips", &aips)
	if len(aips) != 1 || aips[0]["tenant"] != "sjostad" {
		t.Fatalf("sjostad's AIPs: %v", aips)
	}
}
