package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/service"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// TestAccesslogVerifyExport appends to exempelby's log through the
// package, on the data folder's own NATS and gateway, and runs
// `accesslog verify` and `accesslog export` on it.
func TestAccesslogVerifyExport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ex := newExempelby(t)
	if _, err := service.LoadSecrets(ex.data, true); err != nil { // as a first serve would
		t.Fatal(err)
	}
	q, stopQ, err := service.OpenQueue(ctx, ex.data, "", service.NATSConfig{Addr: ex.natsAddr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stopQ()
	if err := q.Setup(ctx, []string{"exempelby"}, queue.SetupOptions{}); err != nil {
		t.Fatal(err)
	}
	// The gateway's posix backend changes the process's working folder;
	// the other tests of the package find their samples relative to it.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(wd)
	stores, stopS, err := service.OpenStores(ctx, ex.data, service.S3Config{Addr: ex.s3Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer stopS()
	reg, err := tenant.Load(service.DefaultTenants(ex.data))
	if err != nil {
		t.Fatal(err)
	}
	tn, _ := reg.Get("exempelby")
	b, _ := stores.Primary(tn)
	if err := b.Store.EnsureBucket(ctx, b.Name); err != nil {
		t.Fatal(err)
	}
	signer, _, err := service.LoadAccessLogKey(ex.data, true)
	if err != nil {
		t.Fatal(err)
	}
	l, err := service.OpenAccessLog(ex.data, "", q, stores)
	if err != nil {
		t.Fatal(err)
	}
	days := []time.Time{time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2025, 3, 2, 23, 59, 0, 0, time.UTC), time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)}
	for i, d := range days {
		e := accesslog.Entry{Time: d, Tenant: "exempelby", Person: "anna", Role: "arkivarie", Action: accesslog.Search, Query: fmt.Sprintf("bygglov %d", i), Client: "10.1.2.3"}
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, err := l.Checkpoint(ctx, "exempelby"); err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}

	args := func(cmd string, extra ...string) []string {
		return append([]string{"accesslog", cmd, "--data-dir", ex.data, "--tenant", "exempelby", "--nats.url", "nats://" + ex.natsAddr, "--s3.addr", ex.s3Addr}, extra...)
	}
	out, errs, code := runCLI(t, args("verify")...)
	// Each read on the data folder is itself logged, before it reads.
	if code != 0 || !strings.Contains(out, "intakt: 4 poster, 1 signerade") {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = runCLI(t, args("export", "--from", "2025-03-02", "--to", "2025-03-02", "--json")...)
	var got []accesslog.Entry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e accesslog.Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("export line %q: %v\n%s", line, err, errs)
		}
		got = append(got, e)
	}
	if code != 0 || len(got) != 1 || got[0].N != 2 || got[0].Query != "bygglov 1" {
		t.Fatalf("export one day: exit %d %+v\n%s", code, got, errs)
	}
	out, _, code = runCLI(t, args("export", "--csv")...)
	if code != 0 || strings.Count(out, "\n") != 7 || !strings.Contains(out, "system:") || !strings.HasPrefix(out, "n,time,tenant,person") || !strings.Contains(out, "bygglov 2") {
		t.Fatalf("export csv: exit %d\n%s", code, out)
	}
	if _, _, code := runCLI(t, args("export", "--from", "1 mars")...); code != 2 {
		t.Fatalf("export with a bad date: exit %d", code)
	}

	// A signed checkpoint that counts more entries than the log holds:
	// entries were removed from its end.
	c := accesslog.Checkpoint{Tenant: "exempelby", N: 9, Head: tlog.RecordHash([]byte("gone")), Time: time.Now().UTC().Truncate(time.Second)}
	signed, err := c.Sign(signer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Store.Put(ctx, b.Name, fmt.Sprintf("%s%020d.txt", accesslog.CheckpointPrefix, 9), bytes.NewReader(signed), storage.PutOptions{Size: int64(len(signed))}); err != nil {
		t.Fatal(err)
	}
	out, errs, code = runCLI(t, args("verify")...)
	if code != 1 || !strings.Contains(out, "truncated at entry 8") {
		t.Fatalf("verify truncated: exit %d\n%s\n%s", code, out, errs)
	}
	if _, _, code := runCLI(t, "accesslog", "verify", "--data-dir", ex.data, "--tenant", "okänd", "--nats.url", "nats://"+ex.natsAddr, "--s3.addr", ex.s3Addr); code != 2 {
		t.Fatalf("verify of an unknown tenant: exit %d", code)
	}
}
