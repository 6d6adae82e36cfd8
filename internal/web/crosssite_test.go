package web

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/accesslog"
)

// TestCrossSiteLinkLogsNothing: a link on another site to a case opens a
// page that asks first, and the access log has no view until the person
// opens it here.
func TestCrossSiteLinkLogsNothing(t *testing.T) {
	e := newEnv(t)
	c := e.login(t, "alfa", "lena.lasare")
	views := func() int {
		n := 0
		for _, x := range e.entries(t, "alfa") {
			if x.Action == accesslog.ViewCase {
				n++
			}
		}
		return n
	}
	p := casePath(e.openAIP, e.openCase)
	req, err := http.NewRequest("GET", e.srv.URL+p, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body strings.Builder
	_, _ = io.Copy(&body, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(body.String(), "annan webbplats") || !strings.Contains(body.String(), `href="`+p+`"`) || views() != 0 {
		t.Fatalf("cross-site link: %d, %d views logged\n%s", resp.StatusCode, views(), body.String())
	}
	if resp, _ := e.get(t, c, p); resp.StatusCode != http.StatusOK || views() != 1 {
		t.Fatalf("opened here: %d, %d views logged", resp.StatusCode, views())
	}
}
