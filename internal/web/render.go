package web

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/people"
)

//go:embed templates/*.html
var templateFS embed.FS

// page is what every template is given.
type page struct {
	Title     string
	Principal *authn.Principal
	Tenant    string // the tenant's name, for the header
	Nav       []navItem
	CSRF      string
	Data      any
}

type navItem struct {
	Href, Label string
	Current     bool
}

var funcs = template.FuncMap{
	"datetime":    DateTime,
	"date":        Date,
	"recorddate":  RecordDate,
	"number":      func(n any) string { return Number(toInt64(n)) },
	"bytes":       func(n any) string { return Bytes(toInt64(n)) },
	"asset":       assetURL,
	"pathesc":     url.PathEscape,
	"roles":       roleNames,
	"add":         func(a, b int) int { return a + b },
	"count":       Count,
	"restriction": restrictionText,
	"capital":     capital,
	"orall":       func(s string) string { return cmp.Or(s, "alla") },
	"ordash":      func(s string) string { return cmp.Or(s, "–") },
}

// capital writes s with its first letter in upper case: "Bevaras".
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func toInt64(n any) int64 {
	switch x := n.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case uint64:
		return int64(x)
	}
	return 0
}

func roleNames(rs []people.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: layout: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// render writes the page name with data, or a plain error page if the
// template fails (before anything is sent).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name, title string, data any) {
	t, ok := h.pages[name]
	if !ok {
		h.log.Error("web: no such page", "page", name)
		http.Error(w, "Sidan kunde inte visas.", http.StatusInternalServerError)
		return
	}
	pg := page{Title: title, Data: data}
	if p, ok := authn.FromContext(r.Context()); ok {
		pg.Principal = p
		pg.CSRF = p.CSRF
		if tn, err := h.cfg.Tenants().Get(p.Tenant); err == nil {
			pg.Tenant = tn.Name
		}
		pg.Nav = h.nav(p, r.URL.Path)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", pg); err != nil {
		h.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "Sidan kunde inte visas.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes()) // the client went away: nothing to do
}

// nav is the menu of what p may open.
func (h *Handler) nav(p *authn.Principal, current string) []navItem {
	items := []navItem{{Href: "/", Label: "Start"}}
	if authz.Allowed(p, authz.ReadPublic) {
		items = append(items, navItem{Href: "/arenden", Label: "Ärenden"})
	}
	if h.cfg.Retention != nil && authz.Allowed(p, authz.ReadRestricted) {
		items = append(items, retentionNav...)
	}
	if h.cfg.Disposal != nil && authz.Allowed(p, authz.ReadRestricted) {
		items = append(items, disposalNav)
	}
	if authz.Allowed(p, authz.ManagePeople) {
		items = append(items, navItem{Href: "/personer", Label: "Personer"})
	}
	items = append(items, navItem{Href: "/nycklar", Label: "Mina API-nycklar"})
	for i := range items {
		items[i].Current = items[i].Href == current || (items[i].Href != "/" && strings.HasPrefix(current, items[i].Href+"/"))
	}
	return items
}

// message shows a page with a heading and one paragraph.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, code int, title, text string) {
	h.render(w, r, code, "message", title, struct{ Text, Link string }{Text: text})
}

// notFound is the answer for anything not found, including ids of another
// tenant: the same words, so nothing tells them apart.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, what string) {
	h.message(w, r, http.StatusNotFound, what+" finns inte", "Det finns inget med den adressen i kommunens arkiv. Kontrollera länken eller sök i listan.")
}

// failed logs err and says in Swedish that the page could not be shown.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	h.message(w, r, http.StatusServiceUnavailable, "Något gick fel", "Sidan kunde inte visas just nu. Försök igen om en stund.")
}
