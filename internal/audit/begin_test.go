package audit

import (
	"strings"
	"testing"
)

func TestBegin(t *testing.T) {
	dir := t.TempDir()
	r, err := Begin(dir, "", map[string]string{"tenant": "alfa"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Record(Finding{Tenant: "alfa", Key: "a/x", Outcome: OK}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(false); err != nil {
		t.Fatal(err)
	}
	again, err := Begin(dir, r.ID, nil)
	if err != nil {
		t.Fatalf("resume an unfinished run: %v", err)
	}
	if !again.Done("alfa", "a/x") || again.Params["tenant"] != "alfa" {
		t.Errorf("resumed run lost its state: done=%v params=%v", again.Done("alfa", "a/x"), again.Params)
	}
	if err := again.Close(true); err != nil {
		t.Fatal(err)
	}
	if _, err := Begin(dir, r.ID, nil); err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Errorf("resume a finished run: %v", err)
	}
	if _, err := Begin(dir, "no-such-run", nil); err == nil {
		t.Error("resume of an unknown run succeeded")
	}
}
