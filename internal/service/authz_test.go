package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/pkgstore"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// who is a kind of caller of the table: nobody, a tenant's producer, or a
// person holding one role.
type who string

const (
	anon     who = "anonym"
	producer who = "producent"
)

var everyone = []who{anon, producer, who(people.Lasare), who(people.Arkivarie), who(people.Arkivansvarig), who(people.Administrator), who(people.Drift)}

// persons is everyone logged in as a person.
var persons = []who{who(people.Lasare), who(people.Arkivarie), who(people.Arkivansvarig), who(people.Administrator), who(people.Drift)}

// records are the roles that read a municipality's records.
var records = []who{who(people.Lasare), who(people.Arkivarie), who(people.Arkivansvarig)}

// recIDs are one tenant's records and people, as routes name them.
type recIDs struct {
	receipt, aip, caseID, doc, token, person string
}

// cell is one route of the table: the request it makes for a tenant's recIDs,
// and who may make it. The table is written by hand, not derived from
// authz's grants, so a change of either shows here.
type cell struct {
	path    func(recIDs) string
	form    func(recIDs) url.Values // nil: no body
	allowed []who
	// noOther: the route names no record of a tenant, so asking with
	// another tenant's recIDs means nothing.
	noOther bool
}

// retentionReaders read the plan, outcomes and holds; deciders fastställer
// plans and place holds.
var (
	retentionReaders = []who{who(people.Arkivarie), who(people.Arkivansvarig)}
	deciders         = []who{who(people.Arkivansvarig)}
)

// preparers propose gallring lists.
var preparers = []who{who(people.Arkivarie)}

// noList is a list id no tenant has.
const noList = "6f1d7c39-0c5b-4a52-9b0e-3e4b5e1f2a71"

// noForm posts an empty body: the route refuses it as incomplete once it
// has let the caller through, so the table changes nothing.
func noForm(recIDs) url.Values { return url.Values{} }

func p(s string) func(recIDs) string { return func(recIDs) string { return s } }

func caseOf(x recIDs) string {
	return "/arenden/" + url.PathEscape(x.aip) + "/" + url.PathEscape(x.caseID)
}
func docOf(x recIDs) string { return caseOf(x) + "/handlingar/" + url.PathEscape(x.doc) }

func reason(recIDs) url.Values { return url.Values{"skal": {"Utlämnande enligt begäran"}} }

// n numbers the people the table's requests add, so each is new.
var n int

// table is every route of the web pages and the API.
var table = map[string]cell{
	"GET /healthz":                             {path: p("/healthz"), allowed: everyone, noOther: true},
	"GET /api/v1/receipts/{id}":                {path: func(x recIDs) string { return "/api/v1/receipts/" + x.receipt }, allowed: []who{producer}},
	"GET /api/v1/aips":                         {path: p("/api/v1/aips"), allowed: []who{producer}, noOther: true},
	"GET /api/v1/aips/{id}":                    {path: func(x recIDs) string { return "/api/v1/aips/" + x.aip }, allowed: []who{producer}},
	"GET /api/v1/cases":                        {path: p("/api/v1/cases"), allowed: []who{producer}, noOther: true},
	"POST /api/v1/login":                       {path: p("/api/v1/login"), allowed: everyone, noOther: true},
	"GET /api/v1/whoami":                       {path: p("/api/v1/whoami"), allowed: persons, noOther: true},
	"GET /api/v1/accesslog/verify":             {path: p("/api/v1/accesslog/verify"), allowed: []who{who(people.Arkivansvarig), who(people.Administrator)}, noOther: true},
	"GET /api/v1/accesslog/export":             {path: p("/api/v1/accesslog/export"), allowed: []who{who(people.Arkivansvarig), who(people.Administrator)}, noOther: true},
	"GET /api/v1/plan":                         {path: p("/api/v1/plan"), allowed: retentionReaders, noOther: true},
	"POST /api/v1/plan/versions":               {path: p("/api/v1/plan/versions"), form: noForm, allowed: retentionReaders, noOther: true},
	"POST /api/v1/plan/versions/{id}/activate": {path: p("/api/v1/plan/versions/v99/activate"), form: noForm, allowed: deciders, noOther: true},
	"GET /api/v1/plan/versions/{id}/preview":   {path: p("/api/v1/plan/versions/v99/preview"), allowed: retentionReaders, noOther: true},
	"GET /api/v1/plan/diff":                    {path: p("/api/v1/plan/diff?a=v1&b=v2"), allowed: retentionReaders, noOther: true},
	"GET /api/v1/retention":                    {path: func(x recIDs) string { return "/api/v1/retention?record=" + x.aip }, allowed: retentionReaders},
	"GET /api/v1/holds":                        {path: p("/api/v1/holds"), allowed: retentionReaders, noOther: true},
	"POST /api/v1/holds":                       {path: p("/api/v1/holds"), form: noForm, allowed: deciders, noOther: true},
	"POST /api/v1/holds/{id}/lift":             {path: p("/api/v1/holds/6f1d7c39-0c5b-4a52-9b0e-3e4b5e1f2a70/lift"), form: noForm, allowed: deciders, noOther: true},
	"GET /api/v1/disposal/due":                 {path: p("/api/v1/disposal/due"), allowed: retentionReaders, noOther: true},
	"GET /api/v1/review":                       {path: p("/api/v1/review"), allowed: retentionReaders, noOther: true},
	"GET /api/v1/disposal/lists":               {path: p("/api/v1/disposal/lists"), allowed: retentionReaders, noOther: true},
	"POST /api/v1/disposal/lists":              {path: p("/api/v1/disposal/lists"), form: noForm, allowed: preparers, noOther: true},
	"GET /api/v1/disposal/lists/{id}":          {path: p("/api/v1/disposal/lists/" + noList), allowed: retentionReaders, noOther: true},
	"POST /api/v1/disposal/lists/{id}/exclude": {path: p("/api/v1/disposal/lists/" + noList + "/exclude"), form: noForm, allowed: preparers, noOther: true},
	"POST /api/v1/disposal/lists/{id}/attest":  {path: p("/api/v1/disposal/lists/" + noList + "/attest"), form: noForm, allowed: deciders, noOther: true},
	"POST /api/v1/disposal/lists/{id}/reject":  {path: p("/api/v1/disposal/lists/" + noList + "/reject"), form: noForm, allowed: deciders, noOther: true},
	"POST /api/v1/disposal/lists/{id}/cancel":  {path: p("/api/v1/disposal/lists/" + noList + "/cancel"), form: noForm, allowed: retentionReaders, noOther: true},
	"POST /api/v1/disposal/lists/{id}/execute": {path: p("/api/v1/disposal/lists/" + noList + "/execute"), form: noForm, allowed: deciders, noOther: true},
	"GET /api/v1/disposal/lists/{id}/protocol": {path: p("/api/v1/disposal/lists/" + noList + "/protocol"), allowed: retentionReaders, noOther: true},
	"GET /api/v1/disposal/lists/{id}/verify":   {path: p("/api/v1/disposal/lists/" + noList + "/verify"), allowed: retentionReaders, noOther: true},
	"GET /static/{file...}":                    {path: p("/static/pico.min.css"), allowed: everyone, noOther: true},
	"GET /inloggning":                          {path: p("/inloggning"), allowed: everyone, noOther: true},
	"POST /inloggning": {path: p("/inloggning"), form: func(recIDs) url.Values {
		return url.Values{"kommun": {"alfa"}, "anvandare": {"lasare"}, "losenord": {personPassword}}
	}, allowed: everyone, noOther: true},
	"GET /inloggning/oidc/{tenant}":                         {path: p("/inloggning/oidc/alfa"), allowed: everyone, noOther: true},
	"GET /inloggning/oidc/klar":                             {path: p("/inloggning/oidc/klar"), allowed: everyone, noOther: true},
	"POST /utloggning":                                      {path: p("/utloggning"), form: func(recIDs) url.Values { return url.Values{} }, allowed: persons, noOther: true},
	"GET /{$}":                                              {path: p("/"), allowed: persons, noOther: true},
	"GET /leveranser/{id}":                                  {path: func(x recIDs) string { return "/leveranser/" + x.receipt }, allowed: records},
	"GET /arenden":                                          {path: p("/arenden"), allowed: records, noOther: true},
	"GET /arenden/{aip}/{case}":                             {path: caseOf, allowed: records},
	"POST /arenden/{aip}/{case}":                            {path: caseOf, form: reason, allowed: records},
	"GET /arenden/{aip}/{case}/handlingar/{doc}":            {path: docOf, allowed: records},
	"POST /arenden/{aip}/{case}/handlingar/{doc}":           {path: docOf, form: reason, allowed: records},
	"GET /arenden/{aip}/{case}/handlingar/{doc}/filer/{n}":  {path: func(x recIDs) string { return docOf(x) + "/filer/1" }, allowed: records},
	"POST /arenden/{aip}/{case}/handlingar/{doc}/filer/{n}": {path: func(x recIDs) string { return docOf(x) + "/filer/1" }, form: reason, allowed: records},
	"GET /plan":                               {path: p("/plan"), allowed: retentionReaders, noOther: true},
	"POST /plan":                              {path: p("/plan"), form: noForm, allowed: retentionReaders, noOther: true},
	"GET /plan/jamfor":                        {path: p("/plan/jamfor?a=v1&b=v2"), allowed: retentionReaders, noOther: true},
	"GET /plan/{id}":                          {path: p("/plan/v99"), allowed: retentionReaders, noOther: true},
	"POST /plan/{id}/faststall":               {path: p("/plan/v99/faststall"), form: noForm, allowed: deciders, noOther: true},
	"GET /gallringsstopp":                     {path: p("/gallringsstopp"), allowed: retentionReaders, noOther: true},
	"POST /gallringsstopp":                    {path: p("/gallringsstopp"), form: noForm, allowed: deciders, noOther: true},
	"POST /gallringsstopp/{id}/hav":           {path: p("/gallringsstopp/6f1d7c39-0c5b-4a52-9b0e-3e4b5e1f2a70/hav"), form: noForm, allowed: deciders, noOther: true},
	"GET /gallring/forfallna":                 {path: p("/gallring/forfallna"), allowed: retentionReaders, noOther: true},
	"GET /gallring/granskning":                {path: p("/gallring/granskning"), allowed: retentionReaders, noOther: true},
	"GET /gallring/listor":                    {path: p("/gallring/listor"), allowed: retentionReaders, noOther: true},
	"POST /gallring/listor":                   {path: p("/gallring/listor"), form: noForm, allowed: preparers, noOther: true},
	"GET /gallring/listor/{id}":               {path: p("/gallring/listor/" + noList), allowed: retentionReaders, noOther: true},
	"GET /gallring/listor/{id}/forlopp":       {path: p("/gallring/listor/" + noList + "/forlopp"), allowed: retentionReaders, noOther: true},
	"POST /gallring/listor/{id}/undanta":      {path: p("/gallring/listor/" + noList + "/undanta"), form: noForm, allowed: preparers, noOther: true},
	"POST /gallring/listor/{id}/attestera":    {path: p("/gallring/listor/" + noList + "/attestera"), form: noForm, allowed: deciders, noOther: true},
	"POST /gallring/listor/{id}/aterforvisa":  {path: p("/gallring/listor/" + noList + "/aterforvisa"), form: noForm, allowed: deciders, noOther: true},
	"POST /gallring/listor/{id}/verkstall":    {path: p("/gallring/listor/" + noList + "/verkstall"), form: noForm, allowed: deciders, noOther: true},
	"POST /gallring/listor/{id}/avbryt":       {path: p("/gallring/listor/" + noList + "/avbryt"), form: noForm, allowed: retentionReaders, noOther: true},
	"GET /gallring/listor/{id}/protokoll.pdf": {path: p("/gallring/listor/" + noList + "/protokoll.pdf"), allowed: retentionReaders, noOther: true},
	"GET /gallring/listor/{id}/kontroll":      {path: p("/gallring/listor/" + noList + "/kontroll"), allowed: retentionReaders, noOther: true},
	"GET /nycklar":                            {path: p("/nycklar"), allowed: persons, noOther: true},
	"POST /nycklar":                           {path: p("/nycklar"), form: func(recIDs) url.Values { return url.Values{"namn": {"skript"}, "dagar": {"7"}} }, allowed: persons, noOther: true},
	"POST /nycklar/{id}/aterkalla":            {path: func(x recIDs) string { return "/nycklar/" + x.token + "/aterkalla" }, form: func(recIDs) url.Values { return url.Values{} }, allowed: persons},
	"GET /personer":                           {path: p("/personer"), allowed: []who{who(people.Administrator)}, noOther: true},
	"POST /personer": {path: p("/personer"), form: func(recIDs) url.Values {
		n++
		return url.Values{"id": {"ny.person" + strconv.Itoa(n)}, "namn": {"Ny Person"}, "roller": {"läsare"}, "losenord": {"korp stege blå fjäril"}}
	}, allowed: []who{who(people.Administrator)}, noOther: true},
	"POST /personer/{id}/roller":     {path: func(x recIDs) string { return "/personer/" + x.person + "/roller" }, form: func(recIDs) url.Values { return url.Values{"roller": {"läsare", "arkivarie"}} }, allowed: []who{who(people.Administrator)}},
	"POST /personer/{id}/inaktivera": {path: func(x recIDs) string { return "/personer/" + x.person + "/inaktivera" }, form: func(recIDs) url.Values { return url.Values{} }, allowed: []who{who(people.Administrator)}},
}

// archive is a running serve (embedded NATS, catalog, workers, pages and
// API; S3 in versitygw) with the municipalities alfa and beta, each with a
// delivery archived and a person of every role, and the joint body
// forbundet with a drift person.
type archive struct {
	ep      Endpoints
	q       *queue.Client
	pw      map[string]string
	cookies map[string]map[who]string // tenant -> caller -> session cookie
	csrf    map[string]string         // session cookie -> its form token
	kinds   map[string]authz.Kind
	recIDs  map[string]recIDs
	titles  map[string][]string // tenant -> words of its records no other tenant may see
}

const personPassword = "korp stege blå fjäril"

func startArchive(t *testing.T) *archive {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &archive{pw: map[string]string{}, cookies: map[string]map[who]string{}, csrf: map[string]string{}, kinds: map[string]authz.Kind{}, recIDs: map[string]recIDs{}, titles: map[string][]string{}}
	alfa, beta := testenv.Tenant(t, "alfa", "2120000001", a.pw), testenv.Tenant(t, "beta", "2120000019", a.pw)
	fb := testenv.Tenant(t, "forbundet", "2220000000", a.pw)
	fb.Operator = true
	dir := t.TempDir()
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{alfa, beta, fb}}
	if err := reg.Save(filepath.Join(dir, "tenants.yaml")); err != nil {
		t.Fatal(err)
	}
	s3 := testenv.Versity(t)
	fsys, _, err := schemas.Open("")
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(fsys, validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan Endpoints, 1)
	done := make(chan error, 1)
	logs := &testenv.LogBuffer{}
	go func() {
		done <- Run(ctx, Config{DataDir: dir, HTTPAddr: testenv.FreeAddr(t), NATS: NATSConfig{Addr: testenv.FreeAddr(t)},
			S3:      S3Config{Endpoint: s3.Cfg.Endpoint, AccessKey: s3.Cfg.AccessKey, SecretKey: s3.Cfg.SecretKey, Region: s3.Cfg.Region},
			Workers: 2, Catalog: true, Validator: v, Version: "test", Log: slog.New(slog.NewTextHandler(logs, nil)),
			Ready: func(ep Endpoints) { ready <- ep }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("serve log:\n%s", logs)
		}
	})
	select {
	case a.ep = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v\n%s", err, logs)
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not start")
	}
	sec, err := LoadSecrets(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if a.q, err = queue.Connect(ctx, queue.ConnectOptions{URL: a.ep.NATSURL, User: ServiceUser, Password: sec.NATSPassword}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.q.Close)

	// People: one of each role in each municipality, drift in the joint
	// body, and in each municipality a person the administratör changes.
	roles := map[*tenant.Tenant][]people.Role{alfa: {people.Lasare, people.Arkivarie, people.Arkivansvarig, people.Administrator},
		beta: {people.Lasare, people.Arkivarie, people.Arkivansvarig, people.Administrator}, fb: {people.Drift}}
	for tn, rs := range roles {
		st, err := people.Open(ctx, a.q, tn)
		if err != nil {
			t.Fatal(err)
		}
		st.HashCost = bcrypt.MinCost
		a.cookies[tn.ID] = map[who]string{}
		for _, r := range rs {
			if _, err := st.Add(ctx, people.NewPerson{ID: personID(r), Name: "Person " + personID(r), Roles: []people.Role{r}, Password: personPassword}); err != nil {
				t.Fatal(err)
			}
			a.cookies[tn.ID][who(r)] = a.login(t, tn.ID, personID(r))
		}
		if !tn.Operator {
			if _, err := st.Add(ctx, people.NewPerson{ID: "offer." + tn.ID, Name: "Person offer", Roles: []people.Role{people.Lasare}, Password: personPassword}); err != nil {
				t.Fatal(err)
			}
		}
	}

	// A delivery each for alfa and beta, archived through the queue.
	// The samples are addressed to Exempelby (alfa's org number) and
	// Sjöstad (beta's).
	prod := map[string]*tenant.Tenant{"alfa": alfa, "beta": beta}
	pkg := map[string]string{"alfa": "eark-valid-erms", "beta": "fgs1-valid-md5.tar"}
	for tn, tt := range prod {
		pq, err := queue.Connect(ctx, queue.ConnectOptions{URL: a.ep.NATSURL, User: tt.Producer.User, Password: a.pw[tn], Tenant: tn})
		if err != nil {
			t.Fatal(err)
		}
		req, err := pkgstore.New(pq).Submit(ctx, tn, filepath.Join(testenv.RepoRoot(t), "packages-sample", pkg[tn]), pkgstore.SubmitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
		r, err := pq.WaitReceipt(wctx, tn, req.SubmissionID)
		wcancel()
		pq.Close()
		if err != nil || !r.OK() {
			t.Fatalf("%s's delivery: %+v, %v", tn, r, err)
		}
		x := recIDs{receipt: req.SubmissionID, aip: r.AIPID, person: "offer." + tn}
		a.recIDs[tn] = x
	}
	// The catalog's projection has them once its pages list them.
	cat, err := catalog.Open(ctx, CatalogFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	for tn, x := range a.recIDs {
		testenv.Eventually(t, time.Minute, func() error {
			cs, err := cat.CaseList(ctx, tn)
			if err != nil || len(cs) == 0 {
				return fmt.Errorf("%s: no cases yet (%v)", tn, err)
			}
			d, err := cat.Case(ctx, tn, x.aip, cs[0].CaseID)
			if err != nil || len(d.Docs) == 0 {
				return fmt.Errorf("%s: case %s: %v", tn, cs[0].CaseID, err)
			}
			x.caseID, x.doc = cs[0].CaseID, d.Docs[0].DocID
			return nil
		})
		// A token of the victim, for the revocation route.
		sessions, err := session.Open(ctx, a.q, session.DefaultPolicy(), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := sessions.CreateToken(ctx, session.NewToken{Tenant: tn, Person: "offer." + tn, Name: "offrets", Roles: []people.Role{people.Lasare}})
		if err != nil {
			t.Fatal(err)
		}
		x.token = tok.ID
		a.recIDs[tn] = x
		a.titles[tn] = []string{x.receipt, x.aip, tok.ID, x.person}
	}
	return a
}

func personID(r people.Role) string {
	return map[people.Role]string{people.Lasare: "lasare", people.Arkivarie: "arkivarie", people.Arkivansvarig: "ansvarig",
		people.Administrator: "adm.person", people.Drift: "drift.person"}[r]
}

// login logs a person in at the login page and returns the session cookie.
func (a *archive) login(t *testing.T, tn, id string) string {
	t.Helper()
	resp, err := noRedirect.PostForm(a.ep.HTTP+"/inloggning", url.Values{"kommun": {tn}, "anvandare": {id}, "losenord": {personPassword}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName && c.Value != "" {
			sessions, err := session.Open(context.Background(), a.q, session.DefaultPolicy(), nil)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := sessions.Get(context.Background(), c.Value)
			if err != nil {
				t.Fatal(err)
			}
			a.csrf[c.Value] = sess.CSRF
			return c.Value
		}
	}
	t.Fatalf("login %s of %s: %s, no session", id, tn, resp.Status)
	return ""
}

// do makes route's request for the recIDs of tenant target as caller c of
// tenant own, and returns the status, the redirect and the body.
func (a *archive) do(t *testing.T, route string, c cell, caller who, own, target string) (int, string, string) {
	t.Helper()
	method, _, _ := strings.Cut(route, " ")
	var body io.Reader
	ctype := ""
	switch {
	case route == "POST /api/v1/login":
		b, _ := json.Marshal(map[string]string{"tenant": "alfa", "user": "lasare", "password": personPassword})
		body, ctype = bytes.NewReader(b), "application/json"
	case c.form != nil:
		form := c.form(a.recIDs[target])
		if caller != anon && caller != producer {
			form.Set("csrf", a.csrf[a.cookies[own][caller]]) // as every form of the pages carries it
		}
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(method, a.ep.HTTP+c.path(a.recIDs[target]), body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	switch caller {
	case anon:
	case producer:
		req.SetBasicAuth("producer-"+own, a.pw[own])
	default:
		req.AddCookie(&http.Cookie{Name: session.CookieName, Value: a.cookies[own][caller]})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

var noRedirect = &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// refused tells whether an answer is authz's refusal: 401 or 403 from the
// API; 403, or the redirect to the login page, from a page.
func refused(kind authz.Kind, code int, loc string) bool {
	if kind == authz.API {
		return code == http.StatusUnauthorized || code == http.StatusForbidden
	}
	return code == http.StatusForbidden || code == http.StatusSeeOther && strings.HasPrefix(loc, "/inloggning?till=")
}

// TestAuthorisationTable walks every route the archive serves, for every
// kind of caller, with the caller's own tenant's recIDs and with another's,
// and checks exactly the allowed cells: a caller allowed a route is served
// (not refused) for its own records and finds nothing of another tenant's
// (404, nothing of it in the answer); a caller not allowed is refused. A
// served route missing from the table fails the test, and so does a table
// entry no longer served.
func TestAuthorisationTable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a whole archive")
	}
	a := startArchive(t)
	served := map[string]bool{}
	for _, r := range a.ep.Routes {
		served[r.String()] = true
		a.kinds[r.String()] = r.Kind
		if _, ok := table[r.String()]; !ok {
			t.Errorf("route %s (permission %s) has no row in the authorisation table", r, r.Perm)
		}
	}
	for route := range table {
		if !served[route] {
			t.Errorf("the table has %s, which is not served", route)
		}
	}
	// Routes that end something run last, so the others find it alive.
	routes := make([]string, 0, len(table))
	for r := range table {
		routes = append(routes, r)
	}
	last := func(r string) bool {
		return strings.Contains(r, "utloggning") || strings.Contains(r, "aterkalla") || strings.Contains(r, "inaktivera")
	}
	slices.SortFunc(routes, func(x, y string) int {
		if last(x) != last(y) {
			if last(x) {
				return 1
			}
			return -1
		}
		return strings.Compare(x, y)
	})
	for _, route := range routes {
		c := table[route]
		for _, caller := range everyone {
			own := "alfa"
			if caller == who(people.Drift) {
				own = "forbundet" // the joint body: it has no records, every id it names is another's
			}
			allowed := slices.Contains(c.allowed, caller)
			check := func(target string) {
				code, loc, body := a.do(t, route, c, caller, own, target)
				ownRecords := target == own || c.noOther
				no := refused(a.kinds[route], code, loc)
				switch {
				case code >= 500:
					t.Errorf("%s as %s of %s (%s's recIDs): %d %.300s", route, caller, own, target, code, body)
				case !allowed && !no:
					t.Errorf("%s as %s of %s (%s's recIDs): %d, want a refusal\n%.300s", route, caller, own, target, code, body)
				case allowed && no:
					t.Errorf("%s as %s of %s (%s's recIDs): refused %d %s", route, caller, own, target, code, loc)
				case allowed && !ownRecords && code != http.StatusNotFound:
					t.Errorf("%s as %s of %s with %s's recIDs: %d, want 404\n%.300s", route, caller, own, target, code, body)
				}
				if target != own && !no { // a refusal may repeat the path asked for
					for _, s := range a.titles[target] {
						if strings.Contains(body, s) && code != http.StatusNotFound {
							t.Errorf("%s as %s of %s: %s's %q in the answer (%d)", route, caller, own, target, s, code)
						}
					}
				}
			}
			switch {
			case c.noOther:
				check(own)
			case own == "alfa":
				check("alfa")
				check("beta")
			default:
				check("alfa")
			}
		}
	}
	// Nothing of beta was changed by alfa's people: its victim still
	// logs in with its roles, and its token still works.
	st, err := people.Open(context.Background(), a.q, &tenant.Tenant{ID: "beta"})
	if err != nil {
		t.Fatal(err)
	}
	off, err := st.Get(context.Background(), "offer.beta")
	if err != nil || off.Disabled || !slices.Equal(off.Roles, []people.Role{people.Lasare}) {
		t.Fatalf("beta's person was changed from alfa: %+v, %v", off, err)
	}
	if code, _, body := a.do(t, "GET /api/v1/whoami", table["GET /api/v1/whoami"], who(people.Lasare), "beta", "beta"); code != http.StatusOK {
		t.Fatalf("beta's läsare after alfa's requests: %d %s", code, body)
	}
}
