package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPlanImportProblems: a plan file goes as it is, named by its base
// name, and a refused one comes back with each problem on its own line.
func TestPlanImportProblems(t *testing.T) {
	var got struct{ ctype, name, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.ctype, got.name, got.body = r.Header.Get("Content-Type"), r.URL.Query().Get("name"), string(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"error":"plan.csv: rad 3: x; rad 5, kolumn Åtgärd: y","problems":[{"row":3,"message":"x"},{"row":5,"column":"Åtgärd","message":"y"}]}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "ekt_t_x_y")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PlanImport(context.Background(), "plan ny.csv", []byte("\ufeffRegel;Åtgärd\n"))
	var pe *ProblemsError
	if !errors.Is(err, ErrRefused) || !errors.As(err, &pe) || len(pe.Problems) != 2 {
		t.Fatalf("err %v", err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 || strings.TrimSpace(lines[1]) != "rad 3: x" || strings.TrimSpace(lines[2]) != "rad 5, kolumn Åtgärd: y" {
		t.Fatalf("message %q", err.Error())
	}
	if got.ctype != "application/octet-stream" || got.name != "plan ny.csv" || got.body != "\ufeffRegel;Åtgärd\n" {
		t.Fatalf("request %+v", got)
	}
}
