package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// BenchmarkAuthCost is the cost of authorisation per API request: the
// median time of the same request (GET /healthz, which every principal
// may make, through the whole handler) without credentials, with a
// session cookie and with a personal token, over a real session store on
// JetStream with its watch running. Run with -benchtime 1x: each case
// times its own requests one by one, for the median.
func BenchmarkAuthCost(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pw := map[string]string{}
	a := testenv.Tenant(b, "alfa", "2120000001", pw)
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{a}}
	tenants := func() *tenant.Registry { return reg }
	svc := testenv.StartNATS(b, b.TempDir(), reg.Tenants, pw).Service(b)
	st, err := people.Open(ctx, svc, a)
	if err != nil {
		b.Fatal(err)
	}
	st.HashCost = bcrypt.MinCost
	p, err := st.Add(ctx, people.NewPerson{ID: "anna", Name: "Anna", Roles: []people.Role{people.Arkivarie}, Password: "korp stege blå fjäril"})
	if err != nil {
		b.Fatal(err)
	}
	sessions, err := session.Open(ctx, svc, session.DefaultPolicy(), nil)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sessions.Run(ctx) }()
	defer func() { cancel(); <-done }()
	cookie, _, err := sessions.Create(ctx, session.NewSession{Tenant: "alfa", Person: p.ID, Name: p.Name, Roles: p.Roles, Method: "lösenord", Client: "192.0.2.1"})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := sessions.CreateToken(ctx, session.NewToken{Tenant: "alfa", Person: p.ID, Name: "bench", Roles: p.Roles})
	if err != nil {
		b.Fatal(err)
	}
	guard := authguard.New(authguard.DefaultPolicy(), nil)
	h := api.New(api.Config{Tenants: tenants, Queue: svc, Guard: guard, People: svc, Tokens: sessions,
		AccessLog:      accesslog.New(accesslog.Config{Queue: svc, Tenants: tenants}),
		Authenticators: []authn.Authenticator{sessions.Authenticator(tenants, guard)}})

	const n = 20000
	median := func(prep func(*http.Request)) time.Duration {
		times := make([]time.Duration, n)
		for i := range times {
			r := httptest.NewRequest("GET", "/healthz", nil)
			r.RemoteAddr = "192.0.2.1:40000"
			prep(r)
			w := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(w, r)
			times[i] = time.Since(t0)
			if w.Code != http.StatusOK {
				b.Fatalf("answer %d %s", w.Code, w.Body)
			}
		}
		slices.Sort(times)
		return times[n/2]
	}
	for b.Loop() {
		median(func(*http.Request) {}) // warm up caches and the runtime
		none := median(func(*http.Request) {})
		sess := median(func(r *http.Request) { r.AddCookie(&http.Cookie{Name: session.CookieName, Value: cookie}) })
		tok := median(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
		b.ReportMetric(us(none), "none-p50-µs")
		b.ReportMetric(us(sess), "session-p50-µs")
		b.ReportMetric(us(tok), "token-p50-µs")
		b.ReportMetric(us(sess-none), "session-cost-µs")
		b.ReportMetric(us(tok-none), "token-cost-µs")
	}
}
