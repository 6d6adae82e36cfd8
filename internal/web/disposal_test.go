package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/records"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// disposalPlanCSV adds to planCSV rule 4.1.1, which gallrar klass 4.1 two
// years after the case is closed.
const disposalPlanCSV = planCSV + "4.1.1;4.1;;;Gallras;2 år;ärendets avslut;KS 2020/9 § 3;Arkivlagen\n"

// disposalEnv is the retention env with the real gallring service and its
// executor: alfa (ångerfrist "0") has two AIPs long due under rule 4.1.1,
// beta (ångerfrist "7d") one; a person of alfa holds both arkivarie and
// arkivansvarig.
type disposalEnv struct {
	*retentionEnv
	gallring         *disposal.Service
	keepAIP, goAIP   string // alfa's due AIPs: the one excluded, the one disposed of
	keepCase, goCase string
	betaDueAIP       string
}

func newDisposalEnv(t *testing.T) *disposalEnv {
	t.Helper()
	re := newRetentionEnv(t)
	e := &disposalEnv{retentionEnv: re, goCase: "KS 2010/41", keepCase: "KS 2010/42"}
	alfa, beta := e.reg.Tenants[0], e.reg.Tenants[1]
	alfa.CoolingOff, beta.CoolingOff = "0", "7d"
	e.addPeople(t, alfa, map[string][]people.Role{"bodil.bada": {people.Arkivarie, people.Arkivansvarig}})
	e.addPeople(t, beta, map[string][]people.Role{"bea.ansvarig": {people.Arkivansvarig}})
	e.goAIP = e.seedAIP(t, alfa, "gallra-1", e.goCase)
	e.keepAIP = e.seedAIP(t, alfa, "gallra-2", e.keepCase)
	e.betaDueAIP = e.seedAIP(t, beta, "gallra-b", e.goCase)
	// Verify checks that every AIP the catalog knows is still in the
	// bucket: the samples newEnv catalogued get their manifests there too.
	for _, tn := range []*tenant.Tenant{alfa, beta} {
		as, err := e.cat.AIPs(t.Context(), tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range as {
			ids = append(ids, a.AIPID)
		}
		ms, err := e.cat.Manifests(t.Context(), tn.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			e.putManifest(t, tn, m)
		}
	}
	for _, tn := range []*tenant.Tenant{alfa, beta} {
		v, err := e.cfg.Retention.ImportPlan(t.Context(), tn, "arkivarie", "plan.csv", []byte(disposalPlanCSV))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cfg.Retention.ActivatePlan(t.Context(), tn, v.ID, "ansvarig", plans.Day(time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		for tn, want := range map[string][]string{"alfa": {e.goAIP, e.keepAIP}, "beta": {e.betaDueAIP}} {
			due, err := e.cat.Due(t.Context(), tn, plans.Day(time.Now()))
			if err != nil {
				return err
			}
			for _, id := range want {
				if !slices.ContainsFunc(due, func(r catalog.Record) bool { return r.AIP == id }) {
					return fmt.Errorf("%s: AIP %s not due yet", tn, id)
				}
			}
		}
		return nil
	})

	e.gallring = disposal.New(disposal.Config{KV: e.svc.Retention, Events: e.svc, Catalog: e.cat, Place: e.cfg.Place,
		Plans: &plans.Store{KV: e.svc.Retention, Events: e.svc, Now: time.Now}, Holds: &holds.Store{KV: e.svc.Retention, Events: e.svc, Now: time.Now},
		Version: "test", Log: testLog()})
	// The executor, as serve runs it; it stops before the parts it uses.
	runner := disposal.NewRunner(e.gallring, func() *tenant.Registry { return e.reg }, nil)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("gallring executor: %v", err)
		}
	})
	e.cfg.Disposal, e.cfg.Kick = e.gallring, runner.Kick
	var err error
	if e.h, err = New(e.cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// seedAIP stores an AIP of one case of klass 4.1 closed in 2010, with one
// document and its file, in tn's bucket and the catalog.
func (e *disposalEnv) seedAIP(t *testing.T, tn *tenant.Tenant, pkg, caseID string) string {
	t.Helper()
	id := aip.ID(tn.ID, pkg)
	const file = "representations/rep1/data/ansokan.txt"
	body := []byte("Ansökan om bygglov i ärende " + caseID)
	sum := sha256.Sum256(body)
	obj := aip.Object{Key: aip.SubmissionKey(id, file), Path: "submission/" + file, Role: aip.RoleSubmission,
		Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:]), MIME: "text/plain"}
	if _, err := e.store.Put(t.Context(), tn.Bucket, obj.Key, bytes.NewReader(body), storage.PutOptions{Size: obj.Size, ContentType: obj.MIME}); err != nil {
		t.Fatal(err)
	}
	m := &aip.Manifest{Format: aip.ManifestFormat, Tenant: tn.ID, Bucket: tn.Bucket, AIPID: id, PackageID: pkg, SubmissionID: "s-" + pkg,
		Created: time.Now().UTC(), Digest: "sha256:x", Files: 1, Bytes: obj.Size, Objects: []aip.Object{obj}, Label: "Paket " + pkg,
		Cases: []records.Case{{ID: caseID, Title: "Bygglov Ängsvägen", Classification: "4.1", CaseType: "Bygglov", Closed: "2010-03-01",
			Documents: []records.Document{{ID: "d1", Title: "Ansökan", Type: "Ansökan", Date: "2010-01-10", Files: []string{file}}}}}}
	if err := e.cat.PutAIP(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	e.putManifest(t, tn, m)
	return id
}

func (e *disposalEnv) putManifest(t *testing.T, tn *tenant.Tenant, m *aip.Manifest) {
	t.Helper()
	mb, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Put(t.Context(), tn.Bucket, aip.ManifestKey(m.AIPID), bytes.NewReader(mb),
		storage.PutOptions{Size: int64(len(mb)), ContentType: "application/json"}); err != nil {
		t.Fatal(err)
	}
}

// propose proposes a list of klass 4.1 as c and returns its page's path.
func (e *disposalEnv) propose(t *testing.T, c *http.Client) string {
	t.Helper()
	resp, body := e.post(t, c, "/gallring/listor", url.Values{"klass": {"4.1"}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "?klart=foreslagen") {
		t.Fatalf("propose: %d %s\n%s", resp.StatusCode, loc, body)
	}
	return strings.TrimSuffix(loc, "?klart=foreslagen")
}

func TestWaitText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7*24*time.Hour - time.Minute:              "om 6 dagar 23 timmar",
		24*time.Hour + time.Hour + 59*time.Second: "om 1 dag 1 timme",
		48 * time.Hour:                            "om 2 dagar",
		2*time.Hour + 5*time.Minute:               "om 2 timmar 5 minuter",
		time.Hour:                                 "om 1 timme",
		90 * time.Second:                          "om 1 minut",
		10 * time.Second:                          "om mindre än en minut",
	} {
		if got := waitText(d); got != want {
			t.Errorf("waitText(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDisposal(t *testing.T) {
	e := newDisposalEnv(t)

	t.Run("a läsare has neither the pages nor the link", func(t *testing.T) {
		lena := e.login(t, "alfa", "lena.lasare")
		for _, p := range []string{"/gallring/listor", "/gallring/listor/0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f"} {
			if resp, body := e.get(t, lena, p); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Du har inte behörighet") {
				t.Errorf("läsare on %s: %d", p, resp.StatusCode)
			}
		}
		if resp, _ := e.post(t, lena, "/gallring/listor", url.Values{"klass": {"4.1"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("läsare proposes: %d", resp.StatusCode)
		}
		if _, body := e.get(t, lena, "/"); strings.Contains(body, `href="/gallring/listor"`) {
			t.Error("läsare's menu links the gallring lists")
		}
		arne := e.login(t, "alfa", "arne.arkivarie")
		if _, body := e.get(t, arne, "/"); !strings.Contains(body, `href="/gallring/listor">Gallring</a>`) {
			t.Error("arkivarie's menu lacks Gallring")
		}
	})

	t.Run("a proposal the form or the records refuse is told in Swedish", func(t *testing.T) {
		arne := e.login(t, "alfa", "arne.arkivarie")
		if resp, body := e.post(t, arne, "/gallring/listor", url.Values{"klass": {"9.9.9"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Inga förfallna handlingar matchar urvalet") {
			t.Errorf("empty selection: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := e.post(t, arne, "/gallring/listor", url.Values{"senast": {"i morgon"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, `id="forslagsfel"`) {
			t.Errorf("bad date: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := e.get(t, arne, "/gallring/listor/finns-inte"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown list: %d", resp.StatusCode)
		}
	})

	t.Run("an arkivarie proposes and excludes but cannot attest", func(t *testing.T) {
		arne := e.login(t, "alfa", "arne.arkivarie")
		list := e.propose(t, arne)
		_, body := e.get(t, arne, list)
		if !strings.Contains(body, e.goCase) || !strings.Contains(body, "Listan attesteras av en arkivansvarig") || strings.Contains(body, "/attestera\"") {
			t.Errorf("list for the arkivarie:\n%s", body)
		}
		for _, f := range []url.Values{
			{"aip": {e.keepAIP}, "skal": {"kort"}},
			{"aip": {e.keepAIP}, "skal": {"Forskningsintresse"}, "uppskjuten": {"2001-01-01"}},
		} {
			if resp, body := e.post(t, arne, list+"/undanta", f); resp.StatusCode != http.StatusUnprocessableEntity ||
				!strings.Contains(body, `id="undanta-fel-`+e.keepAIP+`"`) {
				t.Errorf("exclude %v: %d", f, resp.StatusCode)
			}
		}
		if resp, body := e.post(t, arne, list+"/undanta", url.Values{"aip": {"0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f"}, "skal": {"Forskningsintresse"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "finns inte på listan") {
			t.Errorf("exclude an AIP not on the list: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := e.post(t, arne, list+"/attestera", url.Values{}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Du har inte behörighet") {
			t.Errorf("arkivarie attests: %d", resp.StatusCode)
		}
		if resp, _ := e.post(t, arne, list+"/verkstall", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("arkivarie executes: %d", resp.StatusCode)
		}
		if resp, body := e.post(t, arne, list+"/avbryt", url.Values{"skal": {"Fel urval"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("arkivarie cancels: %d\n%s", resp.StatusCode, body)
		}
		if _, body := e.get(t, arne, list); !strings.Contains(body, "Avbruten</span>") || !strings.Contains(body, "Fel urval") {
			t.Errorf("cancelled list:\n%s", body)
		}
	})

	t.Run("the proposer cannot attest their own list, even as arkivansvarig", func(t *testing.T) {
		bodil := e.login(t, "alfa", "bodil.bada")
		list := e.propose(t, bodil)
		_, body := e.get(t, bodil, list)
		if !strings.Contains(body, "Du har föreslagit listan och kan inte attestera den") || strings.Contains(body, "/attestera\"") {
			t.Errorf("own list:\n%s", body)
		}
		resp, body := e.post(t, bodil, list+"/attestera", url.Values{})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Du har föreslagit listan och kan inte attestera") {
			t.Errorf("attest own list: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := e.post(t, bodil, list+"/aterforvisa", url.Values{"kommentar": {"Min egen lista"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("reject own list: %d", resp.StatusCode)
		}
		anna := e.login(t, "alfa", "anna.ansvarig")
		if resp, _ := e.post(t, anna, list+"/aterforvisa", url.Values{"kommentar": {""}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("reject without a comment: %d", resp.StatusCode)
		}
		if resp, body := e.post(t, anna, list+"/aterforvisa", url.Values{"kommentar": {"Undanta det som forskas på"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", resp.StatusCode, body)
		}
		if _, body := e.get(t, bodil, list); !strings.Contains(body, "Återförvisningar") || !strings.Contains(body, "Undanta det som forskas på") {
			t.Errorf("rejection not shown:\n%s", body)
		}
		if resp, _ := e.post(t, anna, list+"/verkstall", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("execute a proposed list: %d", resp.StatusCode)
		}
		if resp, _ := e.get(t, anna, list+"/protokoll.pdf"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("protocol of a proposed list: %d", resp.StatusCode)
		}
		if resp, _ := e.post(t, anna, list+"/avbryt", url.Values{"skal": {"Ersätts av en ny lista"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cancel: %d", resp.StatusCode)
		}
		if resp, body := e.post(t, anna, list+"/attestera", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Listan är inte i det läget") {
			t.Errorf("attest a cancelled list: %d\n%s", resp.StatusCode, body)
		}
		if !slices.ContainsFunc(e.entries(t, "alfa"), func(x accesslog.Entry) bool {
			return x.Action == accesslog.ChangeDisposal && x.Person == "anna.ansvarig" && strings.HasPrefix(x.Detail, "återförvisad")
		}) {
			t.Error("the rejection is not in the access log")
		}
	})

	t.Run("the ångerfrist counts down after attest", func(t *testing.T) {
		bo := e.login(t, "beta", "bo.arkivarie")
		list := e.propose(t, bo)
		bea := e.login(t, "beta", "bea.ansvarig")
		if resp, body := e.post(t, bea, list+"/attestera", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("attest: %d\n%s", resp.StatusCode, body)
		}
		_, body := e.get(t, bea, list)
		if !strings.Contains(body, "Kan verkställas från ") || !strings.Contains(body, "(om 6 dagar 23 timmar)") || strings.Contains(body, "/verkstall\"") {
			t.Errorf("cooling off:\n%s", body)
		}
		if resp, body := e.post(t, bea, list+"/verkstall", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Ångerfristen har inte gått ut") {
			t.Errorf("execute during the ångerfrist: %d\n%s", resp.StatusCode, body)
		}
		resp, _ := e.get(t, bea, list+"/forlopp")
		if resp.Header.Get("HX-Refresh") != "true" {
			t.Errorf("progress of a list not verkställs: HX-Refresh %q", resp.Header.Get("HX-Refresh"))
		}
		// Alfa's people do not see beta's list.
		if resp, _ := e.get(t, e.login(t, "alfa", "anna.ansvarig"), list); resp.StatusCode != http.StatusNotFound {
			t.Errorf("alfa opens beta's list: %d", resp.StatusCode)
		}
	})

	t.Run("arkivarie proposes and excludes; arkivansvarig attests, executes and verifies", func(t *testing.T) {
		b := e.tab(t)
		b.login("Alfaby kommun", "arne.arkivarie", password)
		b.navigateBy(chromedp.Click(chromedp.CSS(`nav a[href="/gallring/listor"]`)))
		b.axe()
		b.do(chromedp.SendKeys(chromedp.ID("forslag-klass"), "4.1"))
		b.submit(`section[aria-labelledby="foresla"] button[type="submit"]`)
		if body := b.text("main"); !strings.Contains(body, "Listan är föreslagen") || !strings.Contains(body, e.goCase) || !strings.Contains(body, e.keepCase) {
			b.fail("after proposing:\n%s", body)
		}
		b.axe()
		list := b.eval(`location.pathname`)
		b.do(chromedp.SendKeys(chromedp.ID("undanta-skal-"+e.keepAIP), "Forskningsintresse, se KS 2026/12"))
		b.submit(`#aip-` + e.keepAIP + ` button[type="submit"]`)
		if body := b.text("main"); !strings.Contains(body, "Arkivpaketet är undantaget") || !strings.Contains(body, "Forskningsintresse, se KS 2026/12") {
			b.fail("after excluding:\n%s", body)
		}
		b.axe()
		b.open("/gallring/listor")
		b.axe()

		b = e.tab(t)
		b.login("Alfaby kommun", "anna.ansvarig", password)
		b.open(list)
		b.axe()
		b.submit(`section[aria-labelledby="attest"] form[action$="/attestera"] button`)
		if body := b.text("main"); !strings.Contains(body, "Listan är attesterad.") || !strings.Contains(body, "Ångerfristen har gått ut") {
			b.fail("after attesting:\n%s", body)
		}
		b.axe()
		b.submit(`section[aria-labelledby="verkstall"] button`)
		// The page polls the executor's progress and reloads when it is done.
		testenv.Eventually(t, 20*time.Second, func() error {
			done, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!document.querySelector("#protokoll")`))
			if err == nil && !done {
				err = fmt.Errorf("not verkställd yet")
			}
			return err
		})
		body := b.text("main")
		if !strings.Contains(body, "Verkställd") || !strings.Contains(body, "1 ärende, 1 handling") || !strings.Contains(body, "4.1.1") {
			b.fail("verkställd list:\n%s", body)
		}
		b.axe()
		got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href$="/protokoll.pdf"]').href)
			.then(r => r.text().then(t => r.status + " " + r.headers.get("Content-Type") + " " + t.slice(0, 5)))`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.fail("download the protocol: %v", err)
		}
		if got != "200 application/pdf %PDF-" {
			b.fail("protocol download: %q", got)
		}
		b.submit(`section[aria-labelledby="protokoll"] form button`)
		if msg := b.text("#kontroll"); !strings.Contains(msg, "Kontrollen visar inga fel") {
			b.fail("verify: %q", msg)
		}
		b.axe()
		b.open("/gallring/listor")
		b.axe()

		es := e.entries(t, "alfa")
		for _, want := range []struct{ person, detail string }{{"arne.arkivarie", "föreslagen"}, {"arne.arkivarie", "undantag av AIP " + e.keepAIP},
			{"anna.ansvarig", "attesterad"}, {"anna.ansvarig", "verkställning startad"}} {
			if !slices.ContainsFunc(es, func(x accesslog.Entry) bool {
				return x.Action == accesslog.ChangeDisposal && x.Person == want.person && strings.HasPrefix(x.Detail, want.detail)
			}) {
				t.Errorf("access log lacks %s by %s", want.detail, want.person)
			}
		}
		if !slices.ContainsFunc(es, func(x accesslog.Entry) bool {
			return x.Action == accesslog.Download && x.Detail == "gallringsprotokoll"
		}) {
			t.Error("access log lacks the protocol download")
		}
		if _, err := e.store.Stat(t.Context(), e.reg.Tenants[0].Bucket, aip.ManifestKey(e.goAIP)); err == nil {
			t.Error("the disposed AIP's manifest is still there")
		}
		if _, err := e.store.Stat(t.Context(), e.reg.Tenants[0].Bucket, aip.ManifestKey(e.keepAIP)); err != nil {
			t.Errorf("the excluded AIP: %v", err)
		}
	})
}

func TestProgressText(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	l := &disposal.List{ID: "x", State: disposal.Executing, AIPs: 41, Exclusions: []disposal.Exclusion{{AIP: "k"}},
		Error: "AIP a13: lagringen svarar inte", Skipped: []disposal.Skip{{AIP: "a2", Case: "KS 2010/2", Reason: "gallringsstopp lagt efter attest"}}}
	for i := range 11 {
		l.Done = append(l.Done, disposal.Disposed{AIP: fmt.Sprintf("a%d", i+3)})
	}
	var b strings.Builder
	if err := pages["disposallist"].ExecuteTemplate(&b, "progress", page{Data: listData{List: l, Progress: listProgressOf(l)}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"12 av 40 AIP klara", `value="12" max="40"`, "Gallringsstopp lagt efter attest", "Senaste fel: AIP a13: lagringen svarar inte"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, b.String())
		}
	}
}
