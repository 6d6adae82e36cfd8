package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// copyDir copies a sample folder so a test can change it.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if out, err := exec.Command("cp", "-R", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v %s", src, err, out)
	}
	return dst
}

// TestServeSurvivesHostileProducer sends serve, as a producer, what
// earkiv's client never would: ids of thousands of bytes (a NATS subject
// over the server's 4096-byte control line used to close the service's
// connection and end serve, again after every restart), a submission id
// that climbs out of the spool folder, and bytes that are no request. Each
// gets a rejected receipt and a dead letter; serve stays healthy, still
// ingests, and no file outside its data folder is touched.
func TestServeSurvivesHostileProducer(t *testing.T) {
	ex := newExempelby(t)
	data, s3Addr, httpAddr, natsURL, pwFile := ex.data, ex.s3Addr, ex.httpAddr, ex.natsURL, ex.pwFile
	startServe(t, data, ex.natsAddr, s3Addr, httpAddr)
	pwb, _ := os.ReadFile(pwFile)
	pw := strings.TrimSpace(string(pwb))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prod, err := queue.Connect(ctx, queue.ConnectOptions{URL: natsURL, User: "exempelby", Password: pw, Tenant: "exempelby", Name: "hostile"})
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()

	// A victim file beside the data folder, where "../victim" from the
	// spool folder points; its package is in the producer's own store.
	victim := filepath.Join(filepath.Dir(data), filepath.Base(data)+"-victim.pkg")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(victim)
	traversal := "../../" + strings.TrimSuffix(filepath.Base(victim), ".pkg")
	zipData, err := os.ReadFile(sampleDir("eark-valid-zip.zip"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := prod.PackageStore(ctx, "exempelby")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutBytes(ctx, traversal, zipData); err != nil {
		t.Fatal(err)
	}

	long := strings.Repeat("x", 5000)
	raw := func(id, object string) []byte {
		b, _ := json.Marshal(earkiv.Request{SubmissionID: id, Tenant: "exempelby", Object: object, Name: "p.zip", Format: "zip", Size: int64(len(zipData)), Submitted: time.Now().UTC()})
		return b
	}
	requests := []struct {
		name, id string
		data     []byte
	}{
		{"long submission id", long, raw(long, long)},
		{"traversal", traversal, raw(traversal, traversal)},
		{"uuid with a path as object", "0190f0c8-0000-7000-8000-00000000abcd", raw("0190f0c8-0000-7000-8000-00000000abcd", traversal)},
		{"not json", "", []byte("\x00\xffnot a request")},
	}
	for _, r := range requests {
		if _, err := prod.JetStream().Publish(ctx, queue.IngestSubject("exempelby"), r.data); err != nil {
			t.Fatalf("%s: publish: %v", r.name, err)
		}
	}
	for _, r := range requests {
		if r.id == "" {
			continue
		}
		rec := waitReceipt(t, ctx, prod, r.id)
		if rec.Status != earkiv.Rejected || !strings.Contains(rec.Reason, "cannot be processed") {
			t.Errorf("%s: receipt %s %q", r.name, rec.Status, rec.Reason)
		}
	}

	// A package whose OBJID is 3000 bytes long.
	pkg := copyDir(t, sampleDir("fgs1-valid-arenden"))
	mets := filepath.Join(pkg, "mets.xml")
	b, err := os.ReadFile(mets)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), `OBJID="UUID:fgs1-valid-arenden"`, `OBJID="UUID:`+strings.Repeat("a", 3000)+`"`, 1))
	if err := os.WriteFile(mets, b, 0o644); err != nil {
		t.Fatal(err)
	}
	prodArgs := []string{"--tenant", "exempelby", "--nats.url", natsURL, "--password-file", pwFile}
	out, errs, code := runCLI(t, append(append([]string{"submit"}, prodArgs...), "--wait", pkg)...)
	if code != 1 || !strings.Contains(out, "rejected") || !strings.Contains(out, "PKG-ID") {
		t.Errorf("long OBJID: exit %d\n%s\n%s", code, out, errs)
	}

	// The producer's client refuses a submission id that is no UUID, at
	// once, instead of waiting for a receipt that cannot come.
	out, errs, code = runCLI(t, append(append([]string{"submit"}, prodArgs...), "--wait", "--timeout", "30s", "--submission-id", "../../x", sampleDir("eark-valid-zip.zip"))...)
	if code != 2 || !strings.Contains(errs, "UUID") {
		t.Errorf("submission id ../../x: exit %d\n%s\n%s", code, out, errs)
	}

	// A long id over HTTP is answered, not passed on to NATS.
	req, _ := http.NewRequest("GET", "http://"+httpAddr+"/api/v1/receipts/"+strings.Repeat("y", 5000), nil)
	req.SetBasicAuth("exempelby", pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("GET a receipt of a 5000-byte id: %d", resp.StatusCode)
	}

	// Still serving: healthy, and a valid package is accepted.
	resp, err = http.Get("http://" + httpAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz after the hostile requests: %d", resp.StatusCode)
	}
	out, errs, code = runCLI(t, append(append([]string{"submit"}, prodArgs...), "--wait", "--json", sampleDir("fgs1-valid-arenden"))...)
	var accepted earkiv.Receipt
	if code != 0 || json.Unmarshal([]byte(out), &accepted) != nil || accepted.Status != earkiv.Accepted {
		t.Fatalf("valid package after the hostile requests: exit %d\n%s\n%s", code, out, errs)
	}
	// Several receipts as JSON are JSON Lines: one object a line.
	out, errs, code = runCLI(t, append(append([]string{"submit"}, prodArgs...), "--wait", "--json", sampleDir("eark-valid-zip.zip"), sampleDir("eark-missing-file"))...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 2 {
		t.Fatalf("submit --json of two: exit %d\n%s\n%s", code, out, errs)
	}
	for _, l := range lines {
		var r earkiv.Receipt
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.SubmissionID == "" {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious" {
		t.Fatalf("file outside the data folder changed: %q %v", b, err)
	}

	// Every refused request left a dead letter for operators.
	sec, err := service.LoadSecrets(data, false)
	if err != nil {
		t.Fatal(err)
	}
	// The AIP names the software that made it, version and all.
	st, err := storage.New(storage.Config{Endpoint: "http://" + s3Addr, AccessKey: sec.S3AccessKey, SecretKey: sec.S3SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := tenant.Load(filepath.Join(data, "tenants.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := reg.Get("exempelby")
	m, err := aipstore.ReadManifest(ctx, st, tn.Bucket, accepted.AIPID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Software != "earkiv "+builtVersion {
		t.Errorf("manifest software %q, want %q", m.Software, "earkiv "+builtVersion)
	}
	svc, err := queue.Connect(ctx, queue.ConnectOptions{URL: natsURL, User: service.ServiceUser, Password: sec.NATSPassword, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	dead, err := svc.JetStream().Stream(ctx, queue.StreamDead)
	if err != nil {
		t.Fatal(err)
	}
	if n := dead.CachedInfo().State.Msgs; n != uint64(len(requests)) {
		t.Errorf("%d dead letters, want %d", n, len(requests))
	}
}

// waitReceipt waits for the receipt of id, which need not be a UUID.
func waitReceipt(t *testing.T, ctx context.Context, q *queue.Client, id string) *earkiv.Receipt {
	t.Helper()
	var r *earkiv.Receipt
	testenv.Eventually(t, time.Minute, func() error {
		var err error
		if r, err = q.Receipt(ctx, "exempelby", id); err != nil {
			return fmt.Errorf("no receipt for %.40s: %w", id, err)
		}
		return nil
	})
	return r
}

// TestTenantAddRefusesServiceNames: a tenant cannot take the service's own
// NATS login or a name NATS treats specially; serve's login stays its own.
func TestTenantAddRefusesServiceNames(t *testing.T) {
	data := t.TempDir()
	for _, args := range [][]string{
		{"--id", "earkiv"},
		{"--id", "alfa", "--producer-user", "earkiv"},
		{"--id", "alfa", "--producer-user", "_INBOX_beta"},
		{"--id", "alfa", "--producer-user", "alfa beta"},
		{"--id", "alfa", "--producer-user", "alfa.*"},
	} {
		base := []string{"tenant", "add", "--data-dir", data, "--name", "Alfa kommun", "--org", "212000-0001", "--password-file", filepath.Join(data, "pw")}
		_, errs, code := runCLI(t, append(base, args...)...)
		if code == 0 || !strings.Contains(errs, "reserved") && !strings.Contains(errs, "want a-z") {
			t.Errorf("tenant add %v: exit %d %s", args, code, errs)
		}
	}
	if b, err := os.ReadFile(filepath.Join(data, "tenants.yaml")); err == nil && strings.Contains(string(b), "id:") {
		t.Fatalf("a refused tenant was saved:\n%s", b)
	}
}

// TestVersion: the binary reports the version it was stamped with, the
// one its AIPs record.
func TestVersion(t *testing.T) {
	out, errs, code := runCLI(t, "version")
	if code != 0 || strings.TrimSpace(out) != builtVersion {
		t.Fatalf("version: exit %d %q %s, want %q", code, out, errs, builtVersion)
	}
	out, _, code = runCLI(t, "version", "--json")
	var b struct{ Version, Go string }
	if code != 0 || json.Unmarshal([]byte(out), &b) != nil || b.Version != builtVersion || !strings.HasPrefix(b.Go, "go") {
		t.Fatalf("version --json: exit %d %s", code, out)
	}
}
