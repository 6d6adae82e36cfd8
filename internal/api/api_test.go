package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// site is a running API over real NATS and a real catalog, with one
// archived package and one receipt for each of alfa and beta.
type site struct {
	url       string
	pw        map[string]string
	tenants   []*tenant.Tenant
	logs      *testenv.LogBuffer
	receipts  map[string]*earkiv.Receipt // tenant -> its receipt
	aips      map[string]string          // tenant -> its AIP id
	metrics   string                     // the operators' listener
	unhealthy error
}

// serve runs h on a real listener with the API's server settings until the
// test ends.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewServer(h)
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()); <-done })
	return "http://" + ln.Addr().String()
}

func newSite(t *testing.T, p authguard.Policy, tweak func([]*tenant.Tenant)) *site {
	t.Helper()
	ctx := context.Background()
	s := &site{pw: map[string]string{}, logs: &testenv.LogBuffer{}, receipts: map[string]*earkiv.Receipt{}, aips: map[string]string{}}
	s.tenants = []*tenant.Tenant{testenv.Tenant(t, "alfa", "2120000001", s.pw), testenv.Tenant(t, "beta", "2120002411", s.pw)}
	if tweak != nil {
		tweak(s.tenants)
	}
	n := testenv.StartNATS(t, t.TempDir(), s.tenants, s.pw)
	svc := n.Service(t)
	cat, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	for i, tn := range []string{"alfa", "beta"} {
		pkg := "KS 2025/" + strconv.Itoa(i+1) + ":" + tn
		id := aip.ID(tn, pkg)
		sub := "0190f0c8-0000-7000-8000-00000000000" + strconv.Itoa(i+1)
		m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: tn, AIPID: id, PackageID: pkg, SubmissionID: sub,
			Created: time.Now().UTC(), Digest: "sha256:x", Files: 1, Bytes: 1,
			Cases: []records.Case{{ID: "KS 2025/" + tn, Title: "Bygglov " + tn}}}
		if err := cat.PutAIP(ctx, m); err != nil {
			t.Fatal(err)
		}
		r := &earkiv.Receipt{SubmissionID: sub, Tenant: tn, PackageID: pkg, AIPID: id, Status: earkiv.Accepted}
		if err := svc.PutReceipt(ctx, r); err != nil {
			t.Fatal(err)
		}
		s.receipts[tn], s.aips[tn] = r, id
	}
	reg := &tenant.Registry{Tenants: s.tenants}
	log := slog.New(slog.NewTextHandler(s.logs, nil))
	guard := authguard.New(p, log)
	health := func(context.Context) error { return s.unhealthy }
	s.url = serve(t, api.New(api.Config{Tenants: func() *tenant.Registry { return reg }, Queue: svc, Catalog: cat, Guard: guard, Log: log, Health: health}))
	pr := prometheus.NewRegistry()
	pr.MustRegister(guard)
	s.metrics = serve(t, api.Metrics(pr, health))
	return s
}

// get fetches path as user (no credentials if user is empty).
func (s *site) get(t *testing.T, path, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func noLimit() authguard.Policy {
	p := authguard.DefaultPolicy()
	p.AccountFailures, p.AddressFree = 1<<30, 1<<30
	return p
}

// routes is every route of the API, with the ids of tenant's records a
// request can name. TestIsolationHTTPCoversRoutes fails on a route
// missing here.
func routes(s *site, tn string) map[string][]string {
	r := s.receipts[tn]
	return map[string][]string{
		"GET /healthz":              {"/healthz"},
		"GET /api/v1/receipts/{id}": {"/api/v1/receipts/" + r.SubmissionID, "/api/v1/receipts/" + escape(r.PackageID)},
		"GET /api/v1/aips":          {"/api/v1/aips"},
		"GET /api/v1/aips/{id}":     {"/api/v1/aips/" + s.aips[tn]},
		"GET /api/v1/cases":         {"/api/v1/cases"},
	}
}

func escape(id string) string {
	return strings.NewReplacer("/", "%2F", " ", "%20", ":", "%3A").Replace(id)
}

// TestIsolationHTTP: alfa's producer, asking every route for beta's
// records, gets none of them (and does get its own, so the check can
// tell), and beta's user name with alfa's password gets nothing at all.
func TestIsolationHTTP(t *testing.T) {
	s := newSite(t, noLimit(), nil)
	betaIDs := []string{s.receipts["beta"].SubmissionID, s.receipts["beta"].PackageID, s.aips["beta"], "Bygglov beta"}
	for route, paths := range routes(s, "beta") {
		for _, p := range paths {
			code, body := s.get(t, p, "producer-alfa", s.pw["alfa"])
			for _, id := range betaIDs {
				if code != http.StatusNotFound && strings.Contains(body, id) { // a 404 may repeat the id asked for
					t.Errorf("%s: alfa got beta's %q: %d %s", route, id, code, body)
				}
			}
			if strings.Contains(route, "{id}") && code != http.StatusNotFound {
				t.Errorf("%s %s as alfa: %d %s", route, p, code, body)
			}
			if code, body := s.get(t, p, "producer-beta", s.pw["alfa"]); strings.HasPrefix(route, "GET /api/") && code != http.StatusUnauthorized {
				t.Errorf("%s with beta's user and alfa's password: %d %s", route, code, body)
			}
		}
	}
	for route, paths := range routes(s, "alfa") {
		for _, p := range paths {
			if code, body := s.get(t, p, "producer-alfa", s.pw["alfa"]); code != http.StatusOK {
				t.Errorf("%s: alfa's own: %d %s", route, code, body)
			}
		}
	}
	if code, _ := s.get(t, "/metrics", "producer-alfa", s.pw["alfa"]); code != http.StatusNotFound {
		t.Errorf("/metrics on the producers' API: %d", code)
	}
}

// TestIsolationHTTPCoversRoutes: every route the API registers is in
// routes.
func TestIsolationHTTPCoversRoutes(t *testing.T) {
	known := routes(&site{receipts: map[string]*earkiv.Receipt{"x": {}}, aips: map[string]string{}}, "x")
	reg := &tenant.Registry{}
	got := api.New(api.Config{Tenants: func() *tenant.Registry { return reg }}).Routes()
	for _, r := range got {
		if _, ok := known[r.String()]; !ok {
			t.Errorf("route %q is not in the isolation test's routes", r)
		}
	}
	if len(got) < len(known) {
		t.Fatalf("found %d routes, routes lists %d", len(got), len(known))
	}
}

// TestLoginLockoutHTTP: failed logins lock the account, also against the
// right password (429), other accounts still work, and the failures are
// logged (never the password) and counted on the operators' /metrics.
func TestLoginLockoutHTTP(t *testing.T) {
	p := noLimit()
	p.AccountFailures = 3
	s := newSite(t, p, nil)
	for range 3 {
		if code, _ := s.get(t, "/api/v1/aips", "producer-alfa", "guess"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	if code, body := s.get(t, "/api/v1/aips", "producer-alfa", s.pw["alfa"]); code != http.StatusTooManyRequests {
		t.Fatalf("locked account with the right password: %d %s", code, body)
	}
	if code, _ := s.get(t, "/api/v1/aips", "producer-beta", s.pw["beta"]); code != http.StatusOK {
		t.Fatalf("other account: %d", code)
	}
	out := s.logs.String()
	if !strings.Contains(out, "via=http") || !strings.Contains(out, "user=producer-alfa") || !strings.Contains(out, "addr=127.0.0.1") || strings.Contains(out, "guess") {
		t.Fatalf("log:\n%s", out)
	}
	resp, err := http.Get(s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `earkiv_auth_failures_total{reason="denied",via="http"} 3`) ||
		!strings.Contains(string(b), `earkiv_auth_failures_total{reason="locked",via="http"} 1`) {
		t.Fatalf("metrics:\n%s", b)
	}
}

// TestLoginTimingHTTP: an unknown user is answered as slowly as a known
// one with a wrong password.
func TestLoginTimingHTTP(t *testing.T) {
	s := newSite(t, noLimit(), func(ts []*tenant.Tenant) {
		_, hash, err := tenant.NewPasswordCost(10)
		if err != nil {
			t.Fatal(err)
		}
		ts[0].Producer.PasswordHash, ts[1].Producer.PasswordHash = hash, hash
	})
	median := func(user string) time.Duration {
		var d []time.Duration
		for range 5 {
			start := time.Now()
			if code, _ := s.get(t, "/api/v1/aips", user, "wrong"); code != http.StatusUnauthorized {
				t.Fatalf("%s: %d", user, code)
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d[len(d)/2]
	}
	s.get(t, "/api/v1/aips", "warm-up", "x")
	known, unknown := median("producer-alfa"), median("nobody")
	if unknown < known/3 || unknown > known*3 {
		t.Fatalf("a known user's failure takes %v, an unknown user's %v", known, unknown)
	}
}

// TestBadRequests: ids that are too long or hold control characters or
// bytes that are not UTF-8 are refused with 400 before any NATS call
// (without a login, 401 comes first); headers over 16 KiB are refused.
func TestBadRequests(t *testing.T) {
	s := newSite(t, noLimit(), nil)
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/receipts/" + strings.Repeat("a", ids.MaxPackageID), http.StatusNotFound},
		{"/api/v1/receipts/" + strings.Repeat("a", ids.MaxPackageID+1), http.StatusBadRequest},
		{"/api/v1/receipts/" + strings.Repeat("a", 5000), http.StatusBadRequest},
		{"/api/v1/receipts/a%00b", http.StatusBadRequest},
		{"/api/v1/receipts/a%0Ab", http.StatusBadRequest},
		{"/api/v1/receipts/a%7Fb", http.StatusBadRequest},
		{"/api/v1/receipts/a%C2%85b", http.StatusBadRequest}, // NEL, a C1 control
		{"/api/v1/receipts/a%FFb", http.StatusBadRequest},
		{"/api/v1/aips/" + strings.Repeat("x", ids.MaxPackageID+1), http.StatusBadRequest},
		{"/api/v1/aips/a%00", http.StatusBadRequest},
		{"/api/v1/receipts/KS%202025%2F1%3A%C3%A4", http.StatusNotFound}, // a free-text package id
	} {
		for _, user := range []string{"", "producer-alfa"} {
			want := c.want
			if user == "" {
				want = http.StatusUnauthorized
			}
			if code, body := s.get(t, c.path, user, s.pw["alfa"]); code != want {
				t.Errorf("%.60s (user %q): %d %s, want %d", c.path, user, code, body, want)
			}
		}
	}
	req, _ := http.NewRequest("GET", s.url+"/api/v1/aips", nil)
	req.SetBasicAuth("producer-alfa", s.pw["alfa"])
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB header: %d", resp.StatusCode)
	}
	// A short read timeout: a client that trickles its headers is cut off.
	srv := api.NewServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Fatalf("server limits %+v", srv)
	}
}

// TestHealth: the producers' /healthz says only that something is wrong;
// the operators' says what.
func TestHealth(t *testing.T) {
	s := newSite(t, noLimit(), nil)
	s.unhealthy = errors.New("s3 http://10.1.2.3:9000 unreachable")
	code, body := s.get(t, "/healthz", "", "")
	if code != http.StatusServiceUnavailable || strings.Contains(body, "10.1.2.3") {
		t.Fatalf("public health: %d %s", code, body)
	}
	resp, err := http.Get(s.metrics + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "10.1.2.3") {
		t.Fatalf("operators' health: %d %s", resp.StatusCode, b)
	}
}
