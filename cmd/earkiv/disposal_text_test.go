package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/apiclient"
	"github.com/earkiv/earkiv/internal/disposal"
)

func TestListTexts(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	l := &disposal.List{State: disposal.Attested, Executable: now.Add(7*24*time.Hour - 30*time.Second)}
	if got := coolingText(l, now); !strings.HasSuffix(got, ", om 6 d 23 h") || !strings.HasPrefix(got, "kan verkställas från ") {
		t.Errorf("coolingText: %q", got)
	}
	if got := coolingText(l, l.Executable); got != "kan verkställas nu" {
		t.Errorf("coolingText at the time: %q", got)
	}
	for d, want := range map[time.Duration]string{90 * time.Minute: "1 h 30 min", 20 * time.Second: "1 min", 49 * time.Hour: "2 d 1 h"} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
	l = &disposal.List{AIPs: 5, Exclusions: []disposal.Exclusion{{AIP: "e"}},
		Done: []disposal.Disposed{{AIP: "a"}, {AIP: "b"}}, Skipped: []disposal.Skip{{AIP: "b"}, {AIP: "c"}}}
	if got := progressText(l); got != "3 av 4 AIP klara, 2 poster inte gallrade" {
		t.Errorf("progressText: %q", got)
	}
}

// TestFollowList: execute says each failure once as it changes and waits
// on, since serve retries, until the list is verkställd.
func TestFollowList(t *testing.T) {
	steps := []disposal.List{
		{State: disposal.Executing, AIPs: 2, Error: "S3 svarar inte"},
		{State: disposal.Executing, AIPs: 2, Error: "S3 svarar inte"},
		{State: disposal.Executing, AIPs: 2, Done: []disposal.Disposed{{AIP: "a"}}},
		{State: disposal.Done, AIPs: 2, Done: []disposal.Disposed{{AIP: "a"}, {AIP: "b"}}, Protocol: "p"},
	}
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		l := steps[min(n, len(steps)-1)]
		n++
		mu.Unlock()
		l.ID = "L"
		json.NewEncoder(w).Encode(map[string]any{"id": l.ID, "state": l.State, "aips": l.AIPs, "error": l.Error, "done": l.Done, "protocolAip": l.Protocol})
	}))
	defer srv.Close()
	cl, err := apiclient.New(srv.URL, "ekt_t_x_y")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	was, wasEvery := stdout, pollEvery
	stdout, pollEvery = &out, time.Millisecond
	defer func() { stdout, pollEvery = was, wasEvery }()
	if err := followList(context.Background(), cl, "L"); err != nil {
		t.Fatal(err)
	}
	want := "Fel, försöker igen: S3 svarar inte\n0 av 2 AIP klara\n1 av 2 AIP klara\nListan L är verkställd: 2 av 2 AIP klara; protokollet är AIP p.\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
