package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/testenv"
)

// planCSV is a plan as Excel saves it: rule 2.3.1 gallrar klass 2.3 two
// years after the case is closed, 1 keeps klass 1.
const planCSV = "Regel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut;Lagrum\n" +
	"2.3.1;2.3;;;Gallras;2 år;ärendets avslut;KS 2019/123 § 45;\n" +
	"1;1;;;Bevaras;;;;Arkivlagen\n"

// badPlanCSV has a frist no one can read on row 2.
const badPlanCSV = "Regel;Klass;Ärendetyp;Handlingstyp;Åtgärd;Gallringsfrist;Räknas från;Beslut;Lagrum\n" +
	"2.3.1;2.3;;;Gallras;snart;;;\n"

// Cases of the retention env's AIP: one the plan gallrar (long due), one no
// rule matches.
const (
	dueCase    = "KS 2010/17"
	reviewCase = "KS 2024/5"
)

// retentionEnv is newEnv with an arkivansvarig, an AIP whose cases the
// plan above decides, the catalog following the event log and the real
// retention service.
type retentionEnv struct {
	*env
	ihpAIP string
}

func newRetentionEnv(t *testing.T) *retentionEnv {
	t.Helper()
	e := newEnv(t)
	alfa := e.reg.Tenants[0]
	e.addPeople(t, alfa, map[string][]people.Role{"anna.ansvarig": {people.Arkivansvarig}})
	re := &retentionEnv{env: e}
	re.ihpAIP = aip.ID(alfa.ID, "ihp-1")
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: alfa.ID, Bucket: alfa.Bucket, AIPID: re.ihpAIP, PackageID: "ihp-1",
		SubmissionID: "s-ihp-1", Created: time.Now().UTC(), Digest: "sha256:x", Label: "Paket ihp-1", Cases: []records.Case{
			{ID: dueCase, Title: "Bygglov Storgatan 1", Classification: "2.3", CaseType: "Bygglov", Closed: "2010-03-01",
				Documents: []records.Document{{ID: "d1", Title: "Ansökan", Type: "Ansökan", Date: "2010-01-10"}}},
			{ID: reviewCase, Title: "Okänd klass", Classification: "9.9", Closed: "2024-01-01"},
		}}
	if err := e.cat.PutAIP(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	// The manifest is in the bucket too, where a hold's Legal Hold goes.
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Put(t.Context(), alfa.Bucket, aip.ManifestKey(m.AIPID), bytes.NewReader(mb),
		storage.PutOptions{Size: int64(len(mb)), ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	load := func(ctx context.Context, tenantID, aipID string) (*aip.Manifest, error) {
		tn, err := e.reg.Get(tenantID)
		if err != nil {
			return nil, err
		}
		return aipstore.ReadManifest(ctx, e.store, tn.Bucket, aipID)
	}
	go func() { done <- e.cat.Follow(ctx, e.svc, load, testLog()) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && ctx.Err() == nil {
			t.Errorf("catalog projection: %v", err)
		}
	})
	planStore := &plans.Store{KV: e.svc.Retention, Events: e.svc, Now: time.Now}
	holdStore := &holds.Store{KV: e.svc.Retention, Events: e.svc, Now: time.Now}
	e.cfg.Retention = retention.New(retention.Config{Plans: planStore, Holds: holdStore, Catalog: e.cat, Place: e.cfg.Place,
		Events: e.svc, Version: "test", Log: testLog()})
	if e.h, err = New(e.cfg); err != nil {
		t.Fatal(err)
	}
	return re
}

// upload posts a plan file to the import form with c.
func (e *retentionEnv) upload(t *testing.T, c *http.Client, name, body string) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf", e.formToken(t, e.srv.URL, c))
	fw, err := mw.CreateFormFile("fil", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, body)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/plan", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// waitFor reloads path with c until its body holds want: the catalog
// projects the service's events a moment after the change.
func (e *retentionEnv) waitFor(t *testing.T, c *http.Client, path, want string) string {
	t.Helper()
	var body string
	testenv.Eventually(t, 10*time.Second, func() error {
		var resp *http.Response
		resp, body = e.get(t, c, path)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
			return fmt.Errorf("%s: %d, no %q", path, resp.StatusCode, want)
		}
		return nil
	})
	return body
}

func TestRetention(t *testing.T) {
	e := newRetentionEnv(t)

	t.Run("the pages are for those who read restricted records", func(t *testing.T) {
		lena := e.login(t, "alfa", "lena.lasare")
		for _, p := range []string{"/plan", "/plan/v1", "/plan/jamfor", "/gallringsstopp", "/gallring/forfallna", "/gallring/granskning"} {
			if resp, body := e.get(t, lena, p); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Du har inte behörighet") {
				t.Errorf("läsare on %s: %d", p, resp.StatusCode)
			}
		}
		if _, body := e.get(t, lena, "/"); strings.Contains(body, `href="/plan"`) {
			t.Error("läsare's menu links the plan")
		}
		if _, body := e.get(t, lena, casePath(e.openAIP, e.openCase)); strings.Contains(body, "Bevarande och gallring") {
			t.Error("läsare sees the retention panel")
		}
		if resp, _ := e.upload(t, lena, "plan.csv", planCSV); resp.StatusCode != http.StatusForbidden {
			t.Errorf("läsare imports a plan: %d", resp.StatusCode)
		}
		arne := e.login(t, "alfa", "arne.arkivarie")
		if _, body := e.get(t, arne, "/"); !strings.Contains(body, `href="/plan"`) || !strings.Contains(body, `href="/gallringsstopp"`) {
			t.Error("arkivarie's menu lacks the retention pages")
		}
		if resp, _ := e.post(t, arne, "/gallringsstopp", url.Values{"omfang": {"arende"}, "mal": {dueCase}, "skal": {"Tvist om bygglovet"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("arkivarie places a hold: %d", resp.StatusCode)
		}
	})

	t.Run("an import with errors names row and column", func(t *testing.T) {
		arne := e.login(t, "alfa", "arne.arkivarie")
		resp, body := e.upload(t, arne, "plan.csv", badPlanCSV)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "<td>2</td><td>Gallringsfrist</td>") {
			t.Fatalf("bad plan: %d\n%s", resp.StatusCode, body)
		}
		resp, body = e.upload(t, arne, "plan.csv", "")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `role="alert"`) {
			t.Fatalf("empty plan: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("a hold needs a scope and a reason", func(t *testing.T) {
		anna := e.login(t, "alfa", "anna.ansvarig")
		for _, f := range []url.Values{
			{"omfang": {"aip"}, "mal": {"inte-ett-id"}, "skal": {"Tvist om bygglovet"}},
			{"omfang": {"sokning"}, "mal": {"klass"}, "skal": {"Tvist om bygglovet"}},
			{"omfang": {"arende"}, "mal": {dueCase}, "skal": {""}},
		} {
			if resp, body := e.post(t, anna, "/gallringsstopp", f); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="stoppfel"`) {
				t.Errorf("%v: %d", f, resp.StatusCode)
			}
		}
		if resp, _ := e.post(t, anna, "/gallringsstopp/finns-inte/hav", url.Values{"skal": {"Tvisten är avgjord"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("lift an unknown hold: %d", resp.StatusCode)
		}
		if resp, _ := e.post(t, anna, "/plan/v99/faststall", url.Values{"giltig-fran": {"2026-01-01"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("activate an unknown version: %d", resp.StatusCode)
		}
	})

	t.Run("arkivansvarig imports, fastställer, holds and lifts", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "anna.ansvarig", password)
		b.navigateBy(chromedp.Click(chromedp.CSS(`nav a[href="/plan"]`)))
		b.axe()
		file := filepath.Join(t.TempDir(), "plan.csv")
		if err := os.WriteFile(file, []byte(planCSV), 0o644); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.SetUploadFiles(chromedp.ID("planfil"), []string{file}))
		b.submit(`section[aria-labelledby="importera"] button[type="submit"]`)
		body := b.text("main")
		if !strings.Contains(body, "Planen är importerad som utkast") || !strings.Contains(body, dueCase) ||
			!strings.Contains(body, "Gallras 2012-03-01 enligt regel 2.3.1, beslut KS 2019/123 § 45") {
			b.fail("preview:\n%s", body)
		}
		b.axe()
		b.submit(`section[aria-labelledby="faststall"] button[type="submit"]`)
		if msg := b.text("main"); !strings.Contains(msg, "Versionen är fastställd.") || strings.Contains(msg, "inte klar") {
			b.fail("after fastställa:\n%s", msg)
		}
		b.axe()
		anna := e.login(t, "alfa", "anna.ansvarig")
		e.waitFor(t, anna, "/plan", "Gäller i dag")
		e.waitFor(t, anna, "/gallring/forfallna", dueCase)
		b.open("/gallring/forfallna")
		if body := b.text("main"); !strings.Contains(body, "1 mars 2012") || !strings.Contains(body, "regel 2.3.1") {
			b.fail("due list:\n%s", body)
		}
		b.axe()
		b.open("/gallring/granskning")
		if body := b.text("main"); !strings.Contains(body, reviewCase) || !strings.Contains(body, "Ingen regel i planen matchar") {
			b.fail("review queue:\n%s", body)
		}
		b.axe()
		b.open("/plan/jamfor")
		b.axe()

		b.open("/gallringsstopp")
		b.axe()
		b.do(chromedp.Click(chromedp.CSS(`input[name="omfang"][value="arende"]`)),
			chromedp.SendKeys(chromedp.ID("stopp-mal"), dueCase), chromedp.SendKeys(chromedp.ID("stopp-skal"), "Tvist om bygglovet"),
			chromedp.SendKeys(chromedp.ID("stopp-referens"), "tvist"))
		b.submit(`section[aria-labelledby="nytt-stopp"] button[type="submit"]`)
		if msg := b.text("main"); !strings.Contains(msg, "Gallringsstoppet är lagt. Inget") {
			b.fail("after placing:\n%s", msg)
		}
		e.waitFor(t, anna, "/gallringsstopp", "ärende "+dueCase)
		body = e.waitFor(t, anna, casePath(e.ihpAIP, dueCase), "Gallringsstopp</span>")
		if !strings.Contains(body, "Bevarande och gallring") {
			t.Errorf("case page without the retention panel:\n%s", body)
		}
		if _, body := e.get(t, anna, "/gallring/forfallna"); strings.Contains(body, dueCase) {
			t.Error("a held case is still due")
		}
		b.open(casePath(e.ihpAIP, dueCase))
		b.axe()
		b.open("/gallringsstopp")
		b.axe()
		b.do(chromedp.SendKeys(chromedp.CSS(`#aktiva ~ table input[name="skal"]`), "Tvisten är avgjord"))
		b.submit(`#aktiva ~ table button[type="submit"]`)
		if msg := b.text("main"); !strings.Contains(msg, "Gallringsstoppet är hävt.") || strings.Contains(msg, "meddela driften") {
			b.fail("after lifting:\n%s", msg)
		}
		body = e.waitFor(t, anna, "/gallringsstopp", "Tvisten är avgjord")
		if !strings.Contains(body, "Inga gallringsstopp gäller nu") {
			t.Errorf("the lifted hold is still active:\n%s", body)
		}
		b.open("/gallringsstopp")
		b.axe()
	})

	t.Run("two versions are compared rule by rule", func(t *testing.T) {
		arne := e.login(t, "alfa", "arne.arkivarie")
		var ids []string
		for _, plan := range []string{planCSV, strings.Replace(planCSV, "2 år", "5 år", 1) + "3;3;;;Gallras;10 år;;;\n"} {
			resp, body := e.upload(t, arne, "plan.csv", plan)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("import: %d\n%s", resp.StatusCode, body)
			}
			id := strings.TrimPrefix(strings.TrimSuffix(resp.Header.Get("Location"), "?klart=importerad"), "/plan/")
			ids = append(ids, id)
			if resp, body := e.get(t, arne, resp.Header.Get("Location")); resp.StatusCode != http.StatusOK ||
				!strings.Contains(body, "Vad utkastet ändrar") || strings.Contains(body, `id="faststall"`) {
				t.Fatalf("draft %s for an arkivarie: %d\n%s", id, resp.StatusCode, body)
			}
		}
		resp, body := e.get(t, arne, "/plan/jamfor?a="+ids[0]+"&b="+ids[1])
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<th scope=\"row\">2.3.1</th><td>Ändrad</td>\n<td>Gallringsfrist</td>") ||
			!strings.Contains(body, "<th scope=\"row\">3</th><td>Ny</td>") {
			t.Fatalf("diff: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := e.get(t, arne, "/plan/jamfor?a="+ids[0]+"&b=v99"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("diff with an unknown version: %d", resp.StatusCode)
		}
		if resp, _ := e.post(t, arne, "/plan/"+ids[1]+"/faststall", url.Values{"giltig-fran": {"2026-01-01"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("arkivarie fastställer: %d", resp.StatusCode)
		}
	})

	t.Run("läsare is refused the plan page in the browser", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "lena.lasare", password)
		b.open("/plan")
		if h := b.text("h1"); h != "Du har inte behörighet" {
			b.fail("läsare on the plan page: %q", h)
		}
		b.axe()
	})
}
