package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/people"
)

//go:embed testdata/axe.min.js
var axeSource string

// tab is one browser tab of a test, with its own cookies.
type tab struct {
	t   *testing.T
	ctx context.Context
	e   *env
}

func (e *env) tab(t *testing.T) *tab {
	t.Helper()
	if browser == nil {
		if os.Getenv("EARKIV_REQUIRE_BROWSER") != "" {
			t.Fatalf("EARKIV_REQUIRE_BROWSER is set but there is no browser: %v", browserErr)
		}
		t.Skipf("no browser, browser tests skipped: %v", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 30*time.Second)
	t.Cleanup(cancelT)
	return &tab{t: t, ctx: ctx, e: e}
}

// fail saves a screenshot of the tab and fails the test.
func (b *tab) fail(format string, args ...any) {
	b.t.Helper()
	dir := b.t.ArtifactDir()
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err == nil {
		p := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name())+".png")
		if werr := os.WriteFile(p, shot, 0o644); werr == nil {
			b.t.Logf("screenshot: %s", p)
		}
	}
	if html, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		b.t.Logf("page:\n%s", html)
	}
	b.t.Fatalf(format, args...)
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.fail("browser: %v", err)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.e.srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
}

func (b *tab) text(css string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.fail("text of %s: %v", css, err)
	}
	return s
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.fail("evaluate %s: %v", js, err)
	}
	return s
}

// submit clicks a submit button and waits for the next page.
func (b *tab) submit(css string) {
	b.t.Helper()
	b.navigateBy(chromedp.Click(chromedp.CSS(css)))
}

// navigateBy runs a step that loads a new page (a click, a key) and waits
// for that page.
func (b *tab) navigateBy(step chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, step); err != nil {
		b.fail("load the next page: %v", err)
	}
	b.waitLoaded()
}

func (b *tab) waitLoaded() {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.readyState === "complete" && !!document.querySelector("main")`)); err != nil {
		b.fail("wait for the page: %v", err)
	}
}

// login fills the login form with the mouse-free path any person can use.
func (b *tab) login(tenantName, id, pw string) {
	b.t.Helper()
	b.open("/inloggning")
	b.do(chromedp.SetValue(chromedp.ID("kommun"), tenantByName(b.e, tenantName)),
		chromedp.SendKeys(chromedp.ID("anvandare"), id), chromedp.SendKeys(chromedp.ID("losenord"), pw))
	b.submit(`main form button[type="submit"]`)
}

func tenantByName(e *env, name string) string {
	for _, t := range e.reg.Tenants {
		if t.Name == name {
			return t.ID
		}
	}
	return ""
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core on the page and fails on serious or critical
// violations of WCAG 2.1 A and AA.
func (b *tab) axe() {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		b.fail("inject axe: %v", err)
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
		.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("run axe: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.fail("axe result %q: %v", out, err)
	}
	if len(vs) > 0 {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.fail("axe on %s: %d serious or critical violations: %+v", loc, len(vs), vs)
	}
}

func TestBrowser(t *testing.T) {
	if browser == nil && os.Getenv("EARKIV_REQUIRE_BROWSER") == "" {
		t.Skipf("no browser, browser tests skipped: %v", browserErr)
	}
	e := newEnv(t)

	t.Run("keyboard only: the login form with Tab and Enter", func(t *testing.T) {
		b := e.tab(t)
		b.open("/inloggning")
		b.axe()
		b.do(chromedp.KeyEvent(kb.Tab))
		if got := b.eval(`document.activeElement.textContent`); got != "Hoppa till innehållet" {
			b.fail("first Tab reaches %q, want the skip link", got)
		}
		if vis := b.eval(`String(document.activeElement.getBoundingClientRect().left >= 0)`); vis != "true" {
			b.fail("the focused skip link is off screen")
		}
		want := []string{"kommun", "anvandare", "losenord"}
		for _, id := range want {
			b.do(chromedp.KeyEvent(kb.Tab))
			if got := b.eval(`document.activeElement.id`); got != id {
				b.fail("Tab reaches %q, want %q", got, id)
			}
			if o := b.eval(`getComputedStyle(document.activeElement).outlineWidth`); o != "3px" {
				b.fail("focus on %s has outline %q, want a visible 3px one", id, o)
			}
			switch id {
			case "anvandare":
				b.do(chromedp.KeyEvent("lena.lasare"))
			case "losenord":
				b.do(chromedp.KeyEvent(password))
			}
		}
		b.navigateBy(chromedp.KeyEvent(kb.Enter))
		if h := b.text("h1"); h != "Välkommen, Lena" {
			b.fail("after Enter: heading %q", h)
		}
		b.axe()
	})

	t.Run("lockout after repeated failures is told in Swedish", func(t *testing.T) {
		b := e.tab(t)
		for range 3 {
			b.login("Alfaby kommun", "otto.offer", "inte mitt lösenord")
			if msg := b.text("#inloggningsfel"); !strings.Contains(msg, "Fel användar-id eller lösenord") {
				b.fail("wrong password: %q", msg)
			}
		}
		b.axe()
		b.login("Alfaby kommun", "otto.offer", password)
		if msg := b.text("#inloggningsfel"); !strings.Contains(msg, "För många misslyckade inloggningar") {
			b.fail("locked account: %q", msg)
		}
	})

	t.Run("läsare cannot open a restricted case", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "lena.lasare", password)
		b.open("/arenden")
		b.axe()
		list := b.text("main table")
		if strings.Contains(list, "Det här är ett exempel på en ärendemening.") || !strings.Contains(list, "Public 360") {
			b.fail("case list shows a secret title:\n%s", list)
		}
		b.navigateBy(chromedp.Click(chromedp.CSS(`a[href*="` + url.PathEscape(e.secretCase) + `"]`)))
		if h := b.text("h1"); !strings.Contains(h, "sekretess") {
			b.fail("restricted case for läsare: heading %q", h)
		}
		if body := b.text("main"); strings.Contains(body, "Det här är ett exempel") || !strings.Contains(body, "begära ut") {
			b.fail("refusal page:\n%s", body)
		}
		b.axe()
	})

	t.Run("arkivarie opens a restricted case with a reason", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "arne.arkivarie", password)
		b.axe() // the start page with deliveries and fixity
		b.navigateBy(chromedp.Click(chromedp.CSS(`a[href="/leveranser/` + rejectedID + `"]`)))
		if h := b.text("main"); !strings.Contains(h, "Avvisad") || !strings.Contains(h, "Fel som måste rättas") {
			b.fail("rejected delivery:\n%s", h)
		}
		b.axe()
		b.open(casePath(e.secretAIP, e.secretCase))
		b.axe()
		reason := "Begäran om utlämnande, dnr KS 2026/81"
		b.do(chromedp.SendKeys(chromedp.ID("skal"), reason))
		b.submit(`main form button[type="submit"]`)
		if body := b.text("main"); !strings.Contains(body, "Det här är ett exempel på en ärendemening.") || !strings.Contains(body, reason) {
			b.fail("case after the reason:\n%s", body)
		}
		b.axe()
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.ViewCase && x.Person == "arne.arkivarie" && x.Reason == reason
		}) {
			b.fail("the access log has no view with the reason")
		}
		b.open(casePath(e.openAIP, e.openCase) + "/handlingar/" + url.PathEscape(e.openDoc))
		b.axe()
	})

	t.Run("a person of alfa cannot reach beta's case by the URL", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "arne.arkivarie", password)
		b.open(casePath(e.openAIP, "KS 1999/0404"))
		unknown := b.text("main")
		b.axe()
		b.open(casePath(e.betaAIP, e.betaCase))
		if got := b.text("main"); got != unknown || strings.Contains(got, "Bygglov") {
			b.fail("beta's case shows %q, an unknown one %q", got, unknown)
		}
	})

	t.Run("administratör adds a person", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "ada.admin", password)
		b.open("/personer")
		b.axe()
		b.do(chromedp.SendKeys(chromedp.ID("ny-id"), "petra.ny"), chromedp.SendKeys(chromedp.ID("ny-namn"), "Petra Ny"),
			chromedp.Click(chromedp.CSS(`#ny-person ~ form input[value="arkivarie"], section[aria-labelledby="ny-person"] input[value="arkivarie"]`)),
			chromedp.SendKeys(chromedp.ID("ny-losenord"), password))
		b.submit(`section[aria-labelledby="ny-person"] button[type="submit"]`)
		if msg := b.text("main"); !strings.Contains(msg, "Personen är tillagd.") || !strings.Contains(msg, "petra.ny") {
			b.fail("after adding:\n%s", msg)
		}
		b.axe()
		b.open("/nycklar")
		b.axe()
		if got := b.eval(`typeof htmx`); got != "object" {
			b.fail("htmx did not load under the page's CSP: typeof htmx is %q", got)
		}
		// htmx posts the boosted forms and swaps the page in place.
		b.do(chromedp.SendKeys(chromedp.ID("nyckelnamn"), "exportskript"), chromedp.Click(chromedp.CSS(`section[aria-labelledby="skapa-nyckel"] button`)),
			chromedp.WaitVisible(chromedp.ID("nyckel")))
		if secret := b.text("#nyckel"); !strings.HasPrefix(secret, "ekt_alfa_") {
			b.fail("new token %q", secret)
		}
		b.axe()
		b.do(chromedp.Click(chromedp.CSS(`main table form button`)), chromedp.WaitVisible(chromedp.CSS(`p.okbox[role="status"]`)))
		if msg := b.text("main"); !strings.Contains(msg, "Nyckeln är återkallad") || strings.Contains(msg, "exportskript") {
			b.fail("after revoking:\n%s", msg)
		}
		b2 := e.tab(t)
		b2.login("Alfaby kommun", "petra.ny", password)
		if h := b2.text("h1"); h != "Välkommen, Petra Ny" {
			b2.fail("the new person's start: %q", h)
		}
	})

	t.Run("login through the municipality's OpenID provider", func(t *testing.T) {
		e.idp.QueueUser(&idpUser{sub: "b6f1e0c2", username: "Olle.OIDC", name: "Olle Oidcsson", groups: []string{"arkiv-arkivarie", "annat"}})
		b := e.tab(t)
		b.open("/inloggning")
		b.navigateBy(chromedp.Click(chromedp.CSS(`a[href="/inloggning/oidc/alfa"]`)))
		if h := b.text("h1"); h != "Välkommen, Olle Oidcsson" {
			b.fail("after the provider: heading %q", h)
		}
		st, err := people.Open(t.Context(), e.svc, e.reg.Tenants[0])
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.Get(t.Context(), "olle.oidc")
		if err != nil || !slices.Equal(p.Roles, []people.Role{people.Arkivarie}) || p.PasswordHash != "" {
			b.fail("the person as the provider describes them: %+v %v", p, err)
		}
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.Login && x.Person == "olle.oidc" && x.Detail == "oidc"
		}) {
			b.fail("the OIDC login is not in the access log")
		}
		b.open("/arenden")
		if !strings.Contains(b.text("main"), "Public 360") {
			b.fail("the OIDC person's cases")
		}
	})
}
