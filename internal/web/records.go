package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/records"
)

// restrictionText says what restricts a record, in words: "Sekretess
// enligt OSL 26:1" or "Nej".
func restrictionText(r *records.Restrict) string {
	if r == nil {
		return "Nej"
	}
	s := r.Type
	switch strings.ToLower(s) {
	case "", "confidential", "sekretess":
		s = "Sekretess"
	case "personal", "integritet":
		s = "Skydd av personuppgifter"
	}
	if r.Regulation != "" {
		s += " enligt " + r.Regulation
	}
	if r.Text != "" {
		s += " (" + r.Text + ")"
	}
	return s
}

// caseRow is a case as the list shows it: never the secret title.
type caseRow struct {
	catalog.CaseItem
	Shown string
}

func (h *Handler) cases(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	list, err := h.cfg.Catalog.CaseList(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	rows := make([]caseRow, len(list))
	for i, c := range list {
		rows[i] = caseRow{CaseItem: c, Shown: c.Title}
		if c.Restricted {
			rows[i].Shown = c.PublicTitle
			if rows[i].Shown == "" {
				rows[i].Shown = "Ärende med sekretess"
			}
		}
	}
	h.render(w, r, http.StatusOK, "cases", "Ärenden", struct{ Cases []caseRow }{rows})
}

// Reason lengths, in characters.
const (
	minReason = 5
	maxReason = 500
)

// checkReason reads the reason a restricted view needs; "" with a Swedish
// problem when it is missing or refused.
func checkReason(r *http.Request) (reason, problem string) {
	s := strings.TrimSpace(r.PostFormValue("skal"))
	if r.Method != http.MethodPost {
		return "", ""
	}
	if problem := reasonProblem(s, "varför du behöver öppna den"); problem != "" {
		return "", problem
	}
	return s, ""
}

// reasonProblem says in Swedish what is wrong with a reason a person
// gave (a view's, a gallringsstopp's), "" when nothing is; what is what
// to write when it is missing.
func reasonProblem(s, what string) string {
	n := utf8.RuneCountInString(s)
	switch {
	case s == "":
		return "Skriv " + what + "."
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(c rune) bool { return c < ' ' && c != '\n' && c != '\r' && c != '\t' }):
		return "Skälet innehåller tecken som inte kan sparas."
	case n < minReason:
		return fmt.Sprintf("Skälet är för kort: skriv minst %d tecken.", minReason)
	case n > maxReason:
		return fmt.Sprintf("Skälet är för långt: högst %d tecken (du skrev %s).", maxReason, Number(int64(n)))
	}
	return ""
}

// gate decides whether a record may be shown. It returns the reason to
// log (empty for an unrestricted record) and true, or answers the request
// itself (refusal or reason form) and returns false.
func (h *Handler) gate(w http.ResponseWriter, r *http.Request, restricted bool, what, caseID string, rs *records.Restrict) (string, bool) {
	p := principal(r)
	if !restricted {
		if r.Method == http.MethodPost && r.PostFormValue("skal") == "" {
			http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
			return "", false
		}
		return "", true
	}
	if !authz.Allowed(p, authz.ReadRestricted) {
		h.render(w, r, http.StatusForbidden, "restricted", what+" har sekretess",
			struct {
				What, CaseID string
				Restriction  *records.Restrict
			}{what, caseID, rs})
		return "", false
	}
	reason, problem := checkReason(r)
	if reason != "" {
		return reason, true
	}
	code := http.StatusOK
	if problem != "" {
		code = http.StatusUnprocessableEntity
	}
	h.render(w, r, code, "reason", "Ange skäl för att öppna", struct {
		What, Action, Error, Reason string
		Restriction                 *records.Restrict
	}{what, r.URL.EscapedPath(), problem, strings.TrimSpace(r.PostFormValue("skal")), rs})
	return "", false
}

// logView writes the view to the access log before anything of the record
// is sent; when it cannot, the person is told and shown nothing.
func (h *Handler) logView(w http.ResponseWriter, r *http.Request, action accesslog.Action, reason string, objects ...string) bool {
	p := principal(r)
	if r.Method == http.MethodGet && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		// A link on another site opens nothing and logs nothing in the
		// person's name: they open it here, on purpose.
		h.render(w, r, http.StatusOK, "message", "Öppna från en annan webbplats?", struct{ Text, Link string }{
			Text: "Du kom hit via en länk på en annan webbplats. Varje visning loggas i granskningsloggen i ditt namn, så öppna sidan bara om du vill se den.",
			Link: r.URL.EscapedPath()})
		return false
	}
	perm := authz.ReadPublic
	if reason != "" {
		perm = authz.ReadRestricted
	}
	_, err := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Role: roleFor(p, perm),
		Action: action, Objects: objects, Reason: reason, Client: authn.ClientAddr(r)})
	if err != nil {
		h.log.Error("web: access log", "tenant", p.Tenant, "person", p.ID, "action", action, "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Granskningsloggen kunde inte skrivas",
			"Granskningsloggen kunde inte skrivas; försök igen. Inget visades.")
		return false
	}
	return true
}

// logChange records a change a person made (the plan, a hold, a list) in
// the municipality's access log; a failure to log is logged, the change
// stands.
func (h *Handler) logChange(r *http.Request, perm authz.Permission, action accesslog.Action, object, detail string) {
	p := principal(r)
	if _, err := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Role: roleFor(p, perm),
		Action: action, Objects: []string{object}, Detail: detail, Client: authn.ClientAddr(r)}); err != nil {
		h.log.Error("web: access log", "tenant", p.Tenant, "person", p.ID, "action", action, "err", err)
	}
}

func (h *Handler) caseView(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	aipID, caseID := r.PathValue("aip"), r.PathValue("case")
	d, err := h.cfg.Catalog.Case(r.Context(), p.Tenant, aipID, caseID)
	if errors.Is(err, catalog.ErrNotFound) {
		h.notFound(w, r, "Ärendet")
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	reason, ok := h.gate(w, r, d.AnyRestricted(), "Ärende "+d.CaseID, d.CaseID, d.Restriction)
	if !ok {
		return
	}
	// Read before the view is logged: a logged view is one that was shown.
	ret, err := h.caseRetention(r, aipID, caseID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if !h.logView(w, r, accesslog.ViewCase, reason, aipID, caseID) {
		return
	}
	h.render(w, r, http.StatusOK, "case", "Ärende "+d.CaseID, struct {
		Case      *catalog.CaseDetail
		Reason    string
		Retention []catalog.Record
	}{d, reason, ret})
}

// document finds the document of the request's path and whether it is
// restricted (it, or its case); it answers the request itself when not found.
func (h *Handler) document(w http.ResponseWriter, r *http.Request) (*catalog.DocumentItem, *records.Restrict, bool) {
	p := principal(r)
	aipID, caseID, docID := r.PathValue("aip"), r.PathValue("case"), r.PathValue("doc")
	c, err := h.cfg.Catalog.Case(r.Context(), p.Tenant, aipID, caseID)
	if err == nil {
		var d *catalog.DocumentItem
		if d, err = h.cfg.Catalog.Document(r.Context(), p.Tenant, aipID, caseID, docID); err == nil {
			rs := d.Restriction
			if rs == nil {
				rs = c.Restriction
			}
			return d, rs, true
		}
	}
	if errors.Is(err, catalog.ErrNotFound) {
		h.notFound(w, r, "Handlingen")
	} else {
		h.failed(w, r, err)
	}
	return nil, nil, false
}

func (h *Handler) documentView(w http.ResponseWriter, r *http.Request) {
	d, rs, ok := h.document(w, r)
	if !ok {
		return
	}
	reason, ok := h.gate(w, r, rs != nil, "Handling "+d.DocID, d.CaseID, rs)
	if !ok || !h.logView(w, r, accesslog.ViewDocument, reason, d.AIPID, d.CaseID, d.DocID) {
		return
	}
	h.render(w, r, http.StatusOK, "document", "Handling "+d.DocID, struct {
		Doc    *catalog.DocumentItem
		Reason string
	}{d, reason})
}

// fileObject finds the AIP object of a document's file as its description
// links it: the submitted file at that path, or the one submitted file whose
// path ends with it.
func fileObject(m *aip.Manifest, file string) (aip.Object, bool) {
	want := path.Clean("/" + strings.TrimPrefix(file, "file:"))[1:]
	var found []aip.Object
	for _, o := range m.Objects {
		if o.Role != aip.RoleSubmission {
			continue
		}
		rel := strings.TrimPrefix(o.Path, "submission/")
		if rel == want {
			return o, true
		}
		if strings.HasSuffix(rel, "/"+want) {
			found = append(found, o)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return aip.Object{}, false
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	d, rs, ok := h.document(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(d.Files) {
		h.notFound(w, r, "Filen")
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	m, err := h.cfg.Catalog.Manifest(r.Context(), p.Tenant, d.AIPID)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	obj, found := fileObject(m, d.Files[n-1])
	if !found || h.cfg.Place == nil {
		h.notFound(w, r, "Filen")
		return
	}
	reason, ok := h.gate(w, r, rs != nil, "Filen "+path.Base(d.Files[n-1]), d.CaseID, rs)
	if !ok {
		return
	}
	b, err := h.cfg.Place.Primary(t)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	// The file by its number in the document: its name in the package
	// may hold a person's name, which the log must not.
	if !h.logView(w, r, accesslog.Download, reason, d.AIPID, d.CaseID, d.DocID, "file:"+strconv.Itoa(n)) {
		return
	}
	rc, info, err := b.Store.Get(r.Context(), b.Name, obj.Key)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	defer rc.Close()
	ct := obj.MIME
	if _, _, err := mime.ParseMediaType(ct); ct == "" || err != nil {
		ct = "application/octet-stream"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(obj.Path)}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	if info.Size > 0 {
		hd.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Warn("web: download cut short", "tenant", p.Tenant, "key", obj.Key, "err", err)
	}
}
