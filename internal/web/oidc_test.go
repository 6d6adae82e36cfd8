package web

import (
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
)

// TestOIDCChanges: the provider's account is linked at the first login
// and its changes to the person are logged; a role the provider takes
// away ends the sessions that held it; another account with the same
// user name, and a local person's name, are refused, and each refusal is
// in the tenant's access log.
func TestOIDCChanges(t *testing.T) {
	e := newEnv(t)
	login := func(u *idpUser) (*http.Client, int) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
		e.idp.QueueUser(u)
		resp, err := c.Get(e.srv.URL + "/inloggning/oidc/alfa")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return c, resp.StatusCode
	}
	first, code := login(&idpUser{sub: "s-1", username: "karin.k", name: "Karin K", groups: []string{"arkiv-arkivarie"}})
	if code != http.StatusOK {
		t.Fatalf("first login: %d", code)
	}
	if resp, _ := e.get(t, first, "/arenden"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the arkivarie's cases: %d", resp.StatusCode)
	}
	// The provider now gives only läsare: the earlier session ends.
	if _, code := login(&idpUser{sub: "s-1", username: "karin.k", name: "Karin K", groups: []string{"arkiv-lasare"}}); code != http.StatusOK {
		t.Fatalf("second login: %d", code)
	}
	first.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if resp, _ := e.get(t, first, "/arenden"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/inloggning") {
		t.Fatalf("the session that held arkivarie still works: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Another account named karin.k, and one named as a local person.
	for _, u := range []*idpUser{{sub: "s-2", username: "karin.k", name: "Karin Annan", groups: []string{"arkiv-arkivarie"}},
		{sub: "s-3", username: "ada.admin", name: "Ada", groups: []string{"arkiv-arkivarie"}}} {
		if _, code := login(u); code != http.StatusForbidden {
			t.Fatalf("account %s as %s: %d", u.sub, u.username, code)
		}
	}
	var changes, failed []string
	for _, x := range e.entries(t, "alfa") {
		switch x.Action {
		case accesslog.ChangePerson:
			changes = append(changes, x.Person+" "+strings.Join(x.Objects, " ")+" "+x.Detail)
		case accesslog.LoginFailed:
			failed = append(failed, x.Person+" "+x.Detail)
		}
	}
	want := []string{"system:oidc person:karin.k lagt till från inloggningstjänsten; roller: arkivarie", "system:oidc person:karin.k roller från inloggningstjänsten: läsare"}
	if !slices.Equal(changes, want) {
		t.Fatalf("changes logged %q, want %q", changes, want)
	}
	if !slices.Equal(failed, []string{"karin.k oidc", "ada.admin oidc"}) {
		t.Fatalf("failed logins logged: %q", failed)
	}
}
