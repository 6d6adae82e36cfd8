package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/authguard"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/report"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// rejectedID is alfa's rejected delivery.
const rejectedID = "0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f"

// password is every test person's password.
const password = "korrekt häst batteri häftklammer"

// env is the web interface on real parts: embedded NATS (people,
// sessions, receipts, the access log), versitygw (the AIPs' files), a
// SQLite catalog filled from the shared samples' metadata.
type env struct {
	reg      *tenant.Registry
	svc      *queue.Client
	store    *storage.Store
	log      *accesslog.Log
	cat      *catalog.Catalog
	sessions *session.Store
	h        *Handler
	srv      *httptest.Server

	secretAIP, openAIP, betaAIP string // AIP ids
	secretCase                  string // the CITS ERMS sample's case, restricted
	openCase, openDoc           string // a case of the generated ERMS sample, with a file
	fileBody                    []byte
	betaCase                    string
	idp                         *mockoidc.MockOIDC
}

// startIDP starts a real OpenID provider (mockoidc) on a loopback port;
// its authorisation endpoint logs in the next queued user at once.
func startIDP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.ClientID = "earkiv"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Shutdown(); err != nil {
			t.Errorf("stop the OpenID provider: %v", err)
		}
	})
	return m
}

// idpUser is a person at the provider, with the claims a municipality's
// provider gives: preferred_username, name and groups.
type idpUser struct {
	sub, username, name string
	groups              []string
}

type idpClaims struct {
	*mockoidc.IDTokenClaims
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Name              string   `json:"name,omitempty"`
	Groups            []string `json:"groups,omitempty"`
}

func (u *idpUser) ID() string { return u.sub }

func (u *idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "preferred_username": u.username, "name": u.name})
}

func (u *idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &idpClaims{IDTokenClaims: base, PreferredUsername: u.username, Name: u.name, Groups: u.groups}, nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	pw := map[string]string{}
	alfa, beta := testenv.Tenant(t, "alfa", "2120000001", pw), testenv.Tenant(t, "beta", "2120000002", pw)
	alfa.Name, beta.Name = "Alfaby kommun", "Betaholm kommun"
	e := &env{reg: &tenant.Registry{Tenants: []*tenant.Tenant{alfa, beta}}}
	tenants := func() *tenant.Registry { return e.reg }
	n := testenv.StartNATS(t, t.TempDir(), e.reg.Tenants, pw)
	e.svc = n.Service(t)
	e.store = testenv.Versity(t).Store(t)
	for _, x := range e.reg.Tenants {
		if err := e.store.EnsureBucket(ctx, x.Bucket); err != nil {
			t.Fatal(err)
		}
	}
	place := placement.Fixed{Store: e.store}
	e.log = accesslog.New(accesslog.Config{Queue: e.svc, Tenants: tenants, Place: place})
	var err error
	if e.cat, err = catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cat.Close() })
	if e.sessions, err = session.Open(ctx, e.svc, session.DefaultPolicy(), slog.Default()); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.sessions.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && runCtx.Err() == nil {
			t.Errorf("session store: %v", err)
		}
	})

	e.addPeople(t, alfa, map[string][]people.Role{"lena.lasare": {people.Lasare}, "arne.arkivarie": {people.Arkivarie},
		"ada.admin": {people.Administrator}, "otto.offer": {people.Lasare}})
	e.addPeople(t, beta, map[string][]people.Role{"bo.arkivarie": {people.Arkivarie}})
	e.fillCatalog(t, alfa, beta)

	guard := authguard.New(authguard.Policy{AccountFailures: 3, AccountWindow: time.Minute, AccountLock: time.Minute, Trusted: time.Minute,
		AddressFree: 1000, AddressDelay: time.Millisecond, AddressMaxDelay: time.Millisecond, AddressForget: time.Minute, MaxEntries: 1000}, slog.Default())
	// The server is up before the handler, since the OIDC callback URL
	// names its address.
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.idp = startIDP(t)
	alfa.OIDC = &tenant.OIDC{Issuer: e.idp.Issuer(), ClientID: e.idp.ClientID, ClientSecret: e.idp.ClientSecret,
		Scopes: []string{"openid", "profile", "groups"}, RoleMap: map[string]string{"arkiv-arkivarie": "arkivarie", "arkiv-lasare": "läsare"}}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	oidc := oidclogin.New(oidclogin.Config{Tenants: tenants, RedirectURL: e.srv.URL + oidclogin.CallbackPath, Key: key})
	e.h, err = New(Config{Tenants: tenants, People: e.svc, Sessions: e.sessions, OIDC: oidc, Catalog: e.cat, Receipts: e.svc, Place: place,
		AccessLog: e.log, Guard: guard, HashCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) addPeople(t *testing.T, tn *tenant.Tenant, who map[string][]people.Role) {
	t.Helper()
	st, err := people.Open(context.Background(), e.svc, tn)
	if err != nil {
		t.Fatal(err)
	}
	st.HashCost = bcrypt.MinCost
	for id, roles := range who {
		if _, err := st.Add(context.Background(), people.NewPerson{ID: id, Name: strings.ToUpper(id[:1]) + id[1:strings.Index(id, ".")], Roles: roles, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
}

// cases reads the cases of a sample's descriptive metadata.
func cases(t *testing.T, p string) []records.Case {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromFile(p); err != nil {
		t.Fatalf("sample %s: %v", p, err)
	}
	cs, ok := records.Extract(d.Root())
	if !ok || len(cs) == 0 {
		t.Fatalf("sample %s: no cases", p)
	}
	return cs
}

// fillCatalog catalogs alfa's AIPs: the CITS ERMS example (a case with
// sekretess) and the generated ERMS package, whose first document links
// its file; beta gets the same generated package, so its ids differ only
// by AIP.
func (e *env) fillCatalog(t *testing.T, alfa, beta *tenant.Tenant) {
	t.Helper()
	ctx := context.Background()
	root := testenv.RepoRoot(t)
	secret := cases(t, filepath.Join(root, "..", "shared", "samples", "cits-erms-examples", "svenska-kyrkan-ERMS-SVK-ARENDE-exempel.xml"))
	open := cases(t, filepath.Join(root, "packages-sample", "eark-valid-erms", "metadata", "descriptive", "erms.xml"))
	filePath := "representations/rep1/data/arende-0001/handling-0001.txt"
	body, err := os.ReadFile(filepath.Join(root, "packages-sample", "eark-valid-erms", filePath))
	if err != nil {
		t.Fatal(err)
	}
	e.fileBody = body
	open[0].Documents[0].Files = []string{filePath}
	secret[0].Documents[0].Files = []string{filePath}

	put := func(tn *tenant.Tenant, pkg string, cs []records.Case) string {
		id := aip.ID(tn.ID, pkg)
		sum := sha256.Sum256(body)
		obj := aip.Object{Key: aip.SubmissionKey(id, filePath), Path: "submission/" + filePath, Role: aip.RoleSubmission,
			Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), MIME: "text/plain"}
		if _, err := e.store.Put(ctx, tn.Bucket, obj.Key, bytes.NewReader(body), storage.PutOptions{Size: obj.Size, ContentType: obj.MIME}); err != nil {
			t.Fatal(err)
		}
		m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: tn.ID, Bucket: tn.Bucket, AIPID: id, PackageID: pkg, SubmissionID: "s-" + pkg,
			Created: time.Now().UTC(), Digest: "sha256:x", Files: 1, Bytes: obj.Size, Objects: []aip.Object{obj}, Cases: cs, Label: "Paket " + pkg}
		if err := e.cat.PutAIP(ctx, m); err != nil {
			t.Fatal(err)
		}
		return id
	}
	e.secretAIP = put(alfa, "cits-erms", secret)
	e.openAIP = put(alfa, "erms-1", open)
	e.betaAIP = put(beta, "erms-1", open)
	e.secretCase, e.openCase, e.openDoc, e.betaCase = secret[0].ID, open[0].ID, open[0].Documents[0].ID, open[0].ID
	now := time.Now().UTC()
	rep := &report.Report{Package: "trasig", Valid: false, Files: 3, Errors: 1, Warnings: 1}
	rep.Add("CSIP58", report.MUST, report.Location{File: "METS.xml", Line: 12, Path: "mets/fileSec/fileGrp/file"}, "file %s is listed but not in the package", "data/a.pdf")
	rep.Add("CSIP17", report.SHOULD, report.Location{File: "METS.xml"}, "mets/@TYPE should give the content category")
	for _, r := range []*earkiv.Receipt{
		{Tenant: "alfa", SubmissionID: "s-erms-1", PackageID: "erms-1", AIPID: e.openAIP, Status: earkiv.Accepted, Files: 9, Bytes: 12_345, Submitted: now.Add(-time.Hour), Finished: now.Add(-time.Hour)},
		{Tenant: "alfa", SubmissionID: rejectedID, PackageID: "trasig", Status: earkiv.Rejected, Reason: "invalid package", Files: 3, Submitted: now, Finished: now, Report: rep},
	} {
		if err := e.cat.PutReceipt(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.PutReceipt(ctx, &earkiv.Receipt{Tenant: "alfa", SubmissionID: rejectedID, PackageID: "trasig", Status: earkiv.Rejected,
		Reason: "invalid package", Files: 3, Submitted: now, Finished: now, Report: rep}); err != nil {
		t.Fatal(err)
	}
}

// casePath is the page of a case.
func casePath(aipID, caseID string) string {
	return "/arenden/" + url.PathEscape(aipID) + "/" + url.PathEscape(caseID)
}

// client is a browser-like HTTP client with its own cookies that does not
// follow redirects, so a test sees each answer.
func (e *env) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
}

// entries are the access log entries of tenant.
func (e *env) entries(t *testing.T, tenantID string) []accesslog.Entry {
	t.Helper()
	var out []accesslog.Entry
	for x, err := range e.log.Export(context.Background(), tenantID, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}
