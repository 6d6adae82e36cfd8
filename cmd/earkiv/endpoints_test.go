package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/endpoints"
)

// TestFindServeFromDataDir runs serve on ports other than the defaults and
// the commands that look for it with nothing but --data-dir: they read
// serve's addresses from the data folder. The file is gone once serve stops.
func TestFindServeFromDataDir(t *testing.T) {
	ex := newExempelby(t)
	t.Cleanup(func() { // runs after startServe's cleanup has stopped serve
		if _, err := os.Stat(endpoints.Path(ex.data)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("endpoints file after serve stopped: %v", err)
		}
	})
	metricsAddr := startServe(t, ex.data, ex.natsAddr, ex.s3Addr, ex.httpAddr)

	fi, err := os.Stat(endpoints.Path(ex.data))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("endpoints file: %v %v", fi, err)
	}
	ep, err := endpoints.Read(ex.data)
	if err != nil || ep.NATSURL != ex.natsURL || ep.S3Addr != ex.s3Addr || !strings.HasSuffix(ep.HTTP, ex.httpAddr) || !strings.HasSuffix(ep.Metrics, metricsAddr) {
		t.Fatalf("endpoints %+v %v, want %s %s %s %s", ep, err, ex.natsURL, ex.s3Addr, ex.httpAddr, metricsAddr)
	}

	out, errs, code := runCLI(t, "submit", "--data-dir", ex.data, "--tenant", "exempelby", "--password-file", ex.pwFile, "--wait", sampleDir("fgs1-valid-arenden"))
	if code != 0 || !strings.Contains(out, "accepted") {
		t.Fatalf("submit: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCLI(t, "events", "--data-dir", ex.data, "--tenant", "exempelby", "--from", "1", "--limit", "4")
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, "receipt.issued") {
		t.Fatalf("events: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCLI(t, "reindex", "--data-dir", ex.data)
	if code != 0 || !strings.Contains(out, "exempelby: 1 AIPs") {
		t.Fatalf("reindex: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCLI(t, "fixity", "audit", "--data-dir", ex.data, "--tenant", "exempelby")
	if code != 0 || !strings.Contains(out, "mismatched 0, missing 0, orphans 0") || strings.Contains(errs, "no NATS") {
		t.Fatalf("fixity audit: exit %d\n%s\n%s", code, out, errs)
	}
	// The audit's event went to the serve found in the data folder.
	out, errs, code = runCLI(t, "events", "--data-dir", ex.data, "--tenant", "exempelby", "--from", "1", "--no-follow")
	if code != 0 || !strings.Contains(out, "fixity.audit") {
		t.Fatalf("events after the audit: exit %d\n%s\n%s", code, out, errs)
	}
	// A flag given still wins over the file.
	if _, _, code := runCLI(t, "events", "--data-dir", ex.data, "--nats.url", "nats://127.0.0.1:1", "--no-follow"); code != 2 {
		t.Fatalf("events with --nats.url of nothing: exit %d, want 2", code)
	}
}
