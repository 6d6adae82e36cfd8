package web

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/session"
	"github.com/earkiv/earkiv/internal/testenv"
)

// get fetches path with c and returns the status and body.
func (e *env) get(t *testing.T, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	return e.do(t, c, http.MethodGet, path, nil)
}

func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return e.do(t, c, http.MethodPost, path, form)
}

func (e *env) do(t *testing.T, c *http.Client, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	return e.doAt(t, e.srv.URL, c, method, path, form)
}

// csrfRe finds a page's form token.
var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken is the form token of c's session, as its pages carry it.
func (e *env) formToken(t *testing.T, base string, c *http.Client) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/nycklar", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

func (e *env) doAt(t *testing.T, base string, c *http.Client, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	if form != nil && !form.Has("csrf") {
		if tok := e.formToken(t, base, c); tok != "" {
			form = maps.Clone(form)
			form.Set("csrf", tok)
		}
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// login logs id of tenant in with a new client.
func (e *env) login(t *testing.T, tenantID, id string) *http.Client {
	t.Helper()
	c := e.client(t)
	resp, body := e.post(t, c, "/inloggning", url.Values{"kommun": {tenantID}, "anvandare": {id}, "losenord": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login of %s/%s: %d %s\n%s", tenantID, id, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return c
}

func TestWeb(t *testing.T) {
	e := newEnv(t)

	t.Run("every route names a permission; pages send a visitor to the login", func(t *testing.T) {
		routes := e.h.Routes()
		if len(routes) < 20 {
			t.Fatalf("only %d routes", len(routes))
		}
		anon := e.client(t)
		for _, r := range routes {
			if r.Kind != authz.Page || !slices.Contains(authz.Permissions, r.Perm) {
				t.Errorf("route %s: kind %v perm %q", r, r.Kind, r.Perm)
			}
			if r.Perm == authz.Anyone || r.Method != http.MethodGet {
				continue
			}
			p := strings.NewReplacer("{aip}", e.openAIP, "{case}", "x", "{doc}", "y", "{n}", "1", "{id}", "z", "{$}", "").Replace(r.Pattern)
			resp, _ := e.get(t, anon, p)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/inloggning?till=") {
				t.Errorf("%s without a login: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("security headers", func(t *testing.T) {
		resp, body := e.get(t, e.client(t), "/inloggning")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<html lang="sv">`) || !strings.Contains(body, "Kommun") {
			t.Fatalf("login page: %d\n%s", resp.StatusCode, body)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "Cache-Control": "no-store",
			"X-Content-Type-Options": "nosniff"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
		resp, _ = e.get(t, e.client(t), assetURL("htmx.min.js"))
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
			t.Errorf("asset: %d %v", resp.StatusCode, resp.Header)
		}
		if resp, _ := e.get(t, e.client(t), "/static/../web.go"); resp.StatusCode == http.StatusOK {
			t.Error("static served a file outside the assets")
		}
	})

	t.Run("a wrong password is refused in Swedish and logged", func(t *testing.T) {
		c := e.client(t)
		resp, body := e.post(t, c, "/inloggning", url.Values{"kommun": {"alfa"}, "anvandare": {"lena.lasare"}, "losenord": {"fel lösenord här"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Fel användar-id eller lösenord") {
			t.Fatalf("%d\n%s", resp.StatusCode, body)
		}
		resp, _ = e.post(t, c, "/inloggning", url.Values{"kommun": {"nowhere"}, "anvandare": {"lena.lasare"}, "losenord": {password}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("unknown tenant: %d", resp.StatusCode)
		}
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.LoginFailed && x.Person == "lena.lasare"
		}) {
			t.Fatal("failed login not logged")
		}
	})

	t.Run("back to the case after the login", func(t *testing.T) {
		c := e.client(t)
		p := casePath(e.openAIP, e.openCase) // "KS 2025/0001" as one escaped segment
		resp, _ := e.get(t, c, p)
		loc := resp.Header.Get("Location")
		u, err := url.Parse(loc)
		if err != nil || resp.StatusCode != http.StatusSeeOther || u.Path != "/inloggning" || u.Query().Get("till") != p {
			t.Fatalf("without a login: %d %q", resp.StatusCode, loc)
		}
		resp, _ = e.post(t, c, "/inloggning", url.Values{"kommun": {"alfa"}, "anvandare": {"lena.lasare"}, "losenord": {password}, "till": {u.Query().Get("till")}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p {
			t.Fatalf("login: %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), p)
		}
		if resp, body := e.get(t, c, p); resp.StatusCode != http.StatusOK || !strings.Contains(body, e.openCase) {
			t.Fatalf("the case after the login: %d", resp.StatusCode)
		}
	})

	t.Run("OIDC: only tenants that have it; a callback without a login is refused", func(t *testing.T) {
		_, body := e.get(t, e.client(t), "/inloggning")
		if !strings.Contains(body, `href="/inloggning/oidc/alfa"`) || strings.Contains(body, `href="/inloggning/oidc/beta"`) {
			t.Fatalf("OIDC buttons:\n%s", body)
		}
		if resp, _ := e.get(t, e.client(t), "/inloggning/oidc/beta"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("OIDC of a tenant without it: %d", resp.StatusCode)
		}
		resp, _ := e.get(t, e.client(t), "/inloggning/oidc/alfa?till=%2Farenden")
		if u, err := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(u.String(), e.idp.Issuer()) {
			t.Fatalf("OIDC start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body = e.get(t, e.client(t), "/inloggning/oidc/klar?code=x&state=y")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "misslyckades") {
			t.Fatalf("callback without a login: %d\n%s", resp.StatusCode, body)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == session.CookieName && ck.Value != "" {
				t.Fatalf("a refused callback set a session cookie")
			}
		}
	})

	t.Run("a return path elsewhere is not followed", func(t *testing.T) {
		for _, back := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
			c := e.client(t)
			resp, _ := e.post(t, c, "/inloggning", url.Values{"kommun": {"alfa"}, "anvandare": {"lena.lasare"}, "losenord": {password}, "till": {back}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
				t.Errorf("till=%q: %d %q", back, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
	})

	t.Run("start page per role", func(t *testing.T) {
		resp, body := e.get(t, e.login(t, "alfa", "arne.arkivarie"), "/")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, rejectedID) || !strings.Contains(body, "Avvisad") || !strings.Contains(body, "Godkänd") ||
			!strings.Contains(body, "12,3\u00a0kB") || !strings.Contains(body, "Kontroll av bevarandet") {
			t.Fatalf("arkivarie's start: %d\n%s", resp.StatusCode, body)
		}
		_, body = e.get(t, e.login(t, "alfa", "ada.admin"), "/")
		if strings.Contains(body, rejectedID) || !strings.Contains(body, `href="/personer"`) {
			t.Fatalf("administratör's start shows deliveries or lacks people:\n%s", body)
		}
	})

	t.Run("a rejected delivery's report in sentences", func(t *testing.T) {
		resp, body := e.get(t, e.login(t, "alfa", "lena.lasare"), "/leveranser/"+rejectedID)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Fel som måste rättas") || !strings.Contains(body, "Varningar") ||
			!strings.Contains(body, `Problem i filen METS.xml på rad 12, vid mets/fileSec/fileGrp/file: <span lang="en">file data/a.pdf is listed but not in the package</span> (regel CSIP58)`) ||
			strings.Contains(body, `"ruleId"`) {
			t.Fatalf("delivery: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("lists never show a secret title", func(t *testing.T) {
		_, body := e.get(t, e.login(t, "alfa", "lena.lasare"), "/arenden")
		if !strings.Contains(body, "Public 360 har en särskild publik ärendemening.") || strings.Contains(body, "Det här är ett exempel på en ärendemening.") ||
			!strings.Contains(body, "Bygglov för tillbyggnad av enbostadshus") {
			t.Fatalf("case list:\n%s", body)
		}
	})

	t.Run("läsare cannot open a restricted case", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			resp, body := e.do(t, c, m, casePath(e.secretAIP, e.secretCase), url.Values{"skal": {"jag vill bara se"}})
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "begära ut") || strings.Contains(body, "Det här är ett exempel") {
				t.Fatalf("%s: %d\n%s", m, resp.StatusCode, body)
			}
		}
	})

	t.Run("arkivarie opens a restricted case with a reason, logged first", func(t *testing.T) {
		c := e.login(t, "alfa", "arne.arkivarie")
		p := casePath(e.secretAIP, e.secretCase)
		resp, body := e.get(t, c, p)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="skal"`) || strings.Contains(body, "Det här är ett exempel") {
			t.Fatalf("reason form: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.post(t, c, p, url.Values{"skal": {"kort"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "för kort") {
			t.Fatalf("short reason: %d\n%s", resp.StatusCode, body)
		}
		reason := "Begäran om allmän handling, dnr KS 2026/77"
		resp, body = e.post(t, c, p, url.Values{"skal": {reason}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Det här är ett exempel på en ärendemening.") {
			t.Fatalf("case with reason: %d\n%s", resp.StatusCode, body)
		}
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.ViewCase && x.Person == "arne.arkivarie" && x.Reason == reason && x.Role == "arkivarie" &&
				slices.Equal(x.Objects, []string{e.secretAIP, e.secretCase})
		}) {
			t.Fatalf("view not logged with its reason: %+v", e.entries(t, "alfa"))
		}
	})

	t.Run("an open document and its file", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		doc := casePath(e.openAIP, e.openCase) + "/handlingar/" + url.PathEscape(e.openDoc)
		resp, body := e.get(t, c, doc)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Ladda ned") {
			t.Fatalf("document: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.get(t, c, doc+"/filer/1")
		if resp.StatusCode != http.StatusOK || body != string(e.fileBody) || resp.Header.Get("Content-Type") != "text/plain" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %v %q", resp.StatusCode, resp.Header, body)
		}
		if resp, _ := e.get(t, c, doc+"/filer/2"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a file the document does not have: %d", resp.StatusCode)
		}
		var views, downloads int
		for _, x := range e.entries(t, "alfa") {
			if x.Person == "lena.lasare" && x.Action == accesslog.ViewDocument {
				views++
			}
			if x.Person == "lena.lasare" && x.Action == accesslog.Download && x.Reason == "" {
				downloads++
			}
		}
		if views != 1 || downloads != 1 {
			t.Fatalf("views %d, downloads %d logged", views, downloads)
		}
		// The secret case's document holds the same file: läsare gets nothing.
		sdoc := casePath(e.secretAIP, e.secretCase) + "/handlingar/" + url.PathEscape("C 1995-0032:1") + "/filer/1"
		if resp, body := e.get(t, c, sdoc); resp.StatusCode != http.StatusForbidden || strings.Contains(body, string(e.fileBody)) {
			t.Fatalf("restricted download by läsare: %d", resp.StatusCode)
		}
		resp, body = e.post(t, e.login(t, "alfa", "arne.arkivarie"), sdoc, url.Values{"skal": {"Utlämnande enligt beslut 2026-12-01"}})
		if resp.StatusCode != http.StatusOK || body != string(e.fileBody) {
			t.Fatalf("restricted download with a reason: %d", resp.StatusCode)
		}
	})

	t.Run("another tenant's ids read as unknown ones", func(t *testing.T) {
		c := e.login(t, "alfa", "arne.arkivarie")
		_, unknown := e.get(t, c, casePath(e.openAIP, "KS 1999/0404"))
		for _, p := range []string{casePath(e.betaAIP, e.betaCase), casePath(e.betaAIP, e.betaCase) + "/handlingar/" + url.PathEscape(e.openDoc),
			casePath(e.betaAIP, e.betaCase) + "/handlingar/" + url.PathEscape(e.openDoc) + "/filer/1"} {
			resp, body := e.get(t, c, p)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, e.betaAIP) || strings.Contains(body, "Bygglov") {
				t.Fatalf("%s: %d\n%s", p, resp.StatusCode, body)
			}
		}
		_, beta := e.get(t, c, casePath(e.betaAIP, e.betaCase))
		if beta != unknown {
			t.Fatalf("beta's case and an unknown one differ:\n%s\n---\n%s", beta, unknown)
		}
		if resp, _ := e.get(t, e.login(t, "beta", "bo.arkivarie"), "/leveranser/"+rejectedID); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("beta reads alfa's delivery: %d", resp.StatusCode)
		}
	})

	t.Run("tokens: create, use, revoke", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		resp, body := e.post(t, c, "/nycklar", url.Values{"namn": {"rapportskript"}, "dagar": {"30"}})
		i := strings.Index(body, "ekt_")
		if resp.StatusCode != http.StatusOK || i < 0 {
			t.Fatalf("create token: %d\n%s", resp.StatusCode, body)
		}
		secret := body[i : i+strings.IndexByte(body[i:], '<')]
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/arenden", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		if r2.StatusCode != http.StatusOK {
			t.Fatalf("token use: %d", r2.StatusCode)
		}
		_, body = e.get(t, c, "/nycklar")
		if strings.Contains(body, "ekt_") || !strings.Contains(body, "rapportskript") {
			t.Fatalf("token list shows the secret or lacks the token:\n%s", body)
		}
		toks, err := e.sessions.Tokens(t.Context(), "alfa", "lena.lasare")
		if err != nil || len(toks) != 1 {
			t.Fatalf("tokens %v %v", toks, err)
		}
		resp, _ = e.post(t, c, "/nycklar/"+toks[0].ID+"/aterkalla", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		r3, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r3.Body.Close()
		if r3.StatusCode != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d", r3.StatusCode)
		}
		var changes []string
		for _, x := range e.entries(t, "alfa") {
			if x.Action == accesslog.ChangePerson && slices.Contains(x.Objects, "token:"+toks[0].ID) {
				changes = append(changes, x.Person+": "+x.Detail)
			}
		}
		if len(changes) != 2 || changes[0] != "lena.lasare: API-nyckel skapad, 30 dagar" || changes[1] != "lena.lasare: API-nyckel återkallad" {
			t.Fatalf("the token's changes in the access log: %q", changes)
		}
	})

	t.Run("cross-origin posts are refused", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/utloggning", nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site logout: %d", resp.StatusCode)
		}
		if resp, _ := e.get(t, c, "/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session ended by a cross-site post: %d", resp.StatusCode)
		}
	})

	t.Run("a form without the session's token is refused", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		for _, tok := range []string{"", "not-the-token"} {
			resp, body := e.post(t, c, "/utloggning", url.Values{"csrf": {tok}})
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Formuläret gäller inte längre") {
				t.Fatalf("token %q: %d\n%s", tok, resp.StatusCode, body)
			}
		}
		if resp, _ := e.get(t, c, "/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("session ended by a form without its token: %d", resp.StatusCode)
		}
	})

	t.Run("logout ends the session", func(t *testing.T) {
		c := e.login(t, "alfa", "lena.lasare")
		resp, _ := e.post(t, c, "/utloggning", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		if resp, _ := e.get(t, c, "/"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after logout: %d", resp.StatusCode)
		}
	})

	t.Run("administratör adds a person, others may not", func(t *testing.T) {
		if resp, _ := e.get(t, e.login(t, "alfa", "arne.arkivarie"), "/personer"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("arkivarie on the people page: %d", resp.StatusCode)
		}
		c := e.login(t, "alfa", "ada.admin")
		resp, body := e.post(t, c, "/personer", url.Values{"id": {"nils.ny"}, "namn": {"Nils Ny"}, "roller": {"läsare"}, "losenord": {"kort"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Lösenordet duger inte") {
			t.Fatalf("weak password: %d\n%s", resp.StatusCode, body)
		}
		resp, _ = e.post(t, c, "/personer", url.Values{"id": {"nils.ny"}, "namn": {"Nils Ny"}, "roller": {"läsare"}, "losenord": {password}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", resp.StatusCode)
		}
		e.login(t, "alfa", "nils.ny")
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.ChangePerson && x.Person == "ada.admin" && slices.Contains(x.Objects, "person:nils.ny")
		}) {
			t.Fatal("adding a person not logged")
		}
	})

	t.Run("drift sees counts, never a record", func(t *testing.T) {
		c := e.login(t, "forbund", "dora.drift")
		resp, body := e.get(t, c, "/")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Tjänstens hälsa") || !strings.Contains(body, "<td>alfa</td>") {
			t.Fatalf("drift's start: %d\n%s", resp.StatusCode, body)
		}
		for _, leak := range []string{e.openAIP, e.secretAIP, rejectedID, "Bygglov", "trasig", e.openCase} {
			if strings.Contains(body, leak) {
				t.Errorf("drift's start shows %q", leak)
			}
		}
		if resp, _ := e.get(t, c, "/arenden"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("drift on the cases: %d", resp.StatusCode)
		}
	})

	t.Run("administratör changes roles and disables; the person is logged out", func(t *testing.T) {
		admin := e.login(t, "alfa", "ada.admin")
		if _, err := e.h.cfg.Tenants().Get("alfa"); err != nil {
			t.Fatal(err)
		}
		st, err := people.Open(t.Context(), e.svc, e.reg.Tenants[0])
		if err != nil {
			t.Fatal(err)
		}
		self, _ := st.Get(t.Context(), "ada.admin")
		for _, rs := range [][]string{{"läsare"}, {"administratör", "arkivarie"}} {
			if resp, body := e.post(t, admin, "/personer/ada.admin/roller", url.Values{"rev": {strconv.FormatUint(self.Revision, 10)}, "roller": rs}); resp.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(body, "dina egna roller") {
				t.Fatalf("administratör changes their own roles to %v: %d\n%s", rs, resp.StatusCode, body)
			}
		}
		victim := e.login(t, "alfa", "otto.offer")
		p, err := st.Get(t.Context(), "otto.offer")
		if err != nil {
			t.Fatal(err)
		}
		rev := strconv.FormatUint(p.Revision, 10)
		resp, body := e.post(t, admin, "/personer/otto.offer/roller", url.Values{"rev": {rev}, "roller": {"arkivarie"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set roles: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.post(t, admin, "/personer/otto.offer/inaktivera", url.Values{"rev": {rev}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "ändrades av någon annan") {
			t.Fatalf("disable at an old revision: %d\n%s", resp.StatusCode, body)
		}
		p, _ = st.Get(t.Context(), "otto.offer")
		resp, _ = e.post(t, admin, "/personer/otto.offer/inaktivera", url.Values{"rev": {strconv.FormatUint(p.Revision, 10)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		testenv.Eventually(t, 10*time.Second, func() error {
			if resp, _ := e.get(t, victim, "/"); resp.StatusCode != http.StatusSeeOther {
				return fmt.Errorf("the disabled person's session still answers %d", resp.StatusCode)
			}
			return nil
		})
	})

	t.Run("nothing is shown when the access log cannot be written", func(t *testing.T) {
		c := e.login(t, "alfa", "arne.arkivarie")
		broken := e.nats.Service(t)
		cfg := e.cfg
		cfg.AccessLog = accesslog.New(accesslog.Config{Queue: broken, Tenants: cfg.Tenants})
		h, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		broken.Close()
		u, _ := url.Parse(e.srv.URL)
		c.Jar.SetCookies(mustURL(t, srv.URL), c.Jar.Cookies(u))
		for _, tc := range []struct {
			path string
			form url.Values
		}{
			{casePath(e.openAIP, e.openCase), nil},
			{casePath(e.secretAIP, e.secretCase), url.Values{"skal": {"Begäran om allmän handling"}}},
			{casePath(e.openAIP, e.openCase) + "/handlingar/" + url.PathEscape(e.openDoc) + "/filer/1", nil},
		} {
			method := http.MethodGet
			var body io.Reader
			if tc.form != nil {
				tc.form.Set("csrf", e.formToken(t, e.srv.URL, c))
				method, body = http.MethodPost, strings.NewReader(tc.form.Encode())
			}
			req, _ := http.NewRequest(method, srv.URL+tc.path, body)
			if tc.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "Granskningsloggen kunde inte skrivas; försök igen") ||
				strings.Contains(string(b), "Bygglov") || strings.Contains(string(b), "Det här är ett exempel") || strings.Contains(string(b), string(e.fileBody)) {
				t.Fatalf("%s with the log down: %d\n%s", tc.path, resp.StatusCode, b)
			}
		}
		resp, body := e.doAt(t, srv.URL, e.client(t), http.MethodPost, "/inloggning", url.Values{"kommun": {"alfa"}, "anvandare": {"lena.lasare"}, "losenord": {password}})
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Set-Cookie") != "" || !strings.Contains(body, "Granskningsloggen kunde inte skrivas") {
			t.Fatalf("login with the log down: %d %v\n%s", resp.StatusCode, resp.Header, body)
		}
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
