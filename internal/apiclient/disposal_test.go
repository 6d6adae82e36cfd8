package apiclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/earkiv/earkiv/internal/api"
)

// TestListRoutes: each list step posts to its route with its body, the
// protocol is fetched in the format asked for, and a 409 is a refusal.
func TestListRoutes(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(b))
		switch r.URL.Path {
		case "/api/v1/disposal/lists/L/execute":
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":"ångerfristen har inte gått ut"}`)
		case "/api/v1/disposal/lists/L/protocol":
			io.WriteString(w, "%PDF-1.7 "+r.URL.Query().Get("format"))
		default:
			io.WriteString(w, `{"id":"L","state":"föreslagen"}`)
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL, "ekt_t_x_y")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ExcludeList(ctx, "L", api.ExcludeRequest{AIP: "A", Reason: "tvist"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RejectList(ctx, "L", "fel klass"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecuteList(ctx, "L"); !errors.Is(err, ErrRefused) {
		t.Fatalf("execute: %v", err)
	}
	var b bytes.Buffer
	if err := c.Protocol(ctx, "L", true, &b); err != nil || b.String() != "%PDF-1.7 pdf" {
		t.Fatalf("protocol: %v %q", err, b.String())
	}
	want := []string{
		`POST /api/v1/disposal/lists/L/exclude {"aip":"A","reason":"tvist"}`,
		`POST /api/v1/disposal/lists/L/reject {"reason":"fel klass"}`,
		`POST /api/v1/disposal/lists/L/execute {"reason":""}`,
		`GET /api/v1/disposal/lists/L/protocol?format=pdf `,
	}
	if len(got) != len(want) {
		t.Fatalf("requests %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d: %q, want %q", i, got[i], want[i])
		}
	}
}
