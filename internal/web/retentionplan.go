package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"

	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
)

// planData is what the plan page shows: every version, the import form
// and, after a refused import, what is wrong with the file.
type planData struct {
	Versions  []*plans.Version
	InForce   string // the id of the version in force today
	MayImport bool
	File      string
	Error     string
	Problems  []ihp.Problem
}

func (h *Handler) planPage(w http.ResponseWriter, r *http.Request) {
	h.showPlan(w, r, http.StatusOK, planData{})
}

func (h *Handler) showPlan(w http.ResponseWriter, r *http.Request, code int, d planData) {
	p := principal(r)
	vs, err := h.cfg.Catalog.Plans(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	d.Versions = vs
	if v := plans.InForce(vs, plans.Day(h.now())); v != nil {
		d.InForce = v.ID
	}
	d.MayImport = mayImport(p)
	h.render(w, r, code, "retentionplan", "Informationshanteringsplan", d)
}

// importPlan makes an utkast of an uploaded plan file and shows it with
// what it would change.
func (h *Handler) importPlan(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !mayImport(p) {
		h.refuse(w, r, authz.Page, http.StatusForbidden)
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	f, fh, err := r.FormFile("fil")
	if err != nil {
		h.showPlan(w, r, http.StatusUnprocessableEntity, planData{Error: "Välj en planfil (CSV, XLSX, YAML eller JSON) att importera."})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, plans.MaxSource+1))
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if len(data) > plans.MaxSource {
		h.showPlan(w, r, http.StatusUnprocessableEntity, planData{File: fh.Filename,
			Error: fmt.Sprintf("Filen är för stor: en plan får vara högst %d KiB.", plans.MaxSource>>10)})
		return
	}
	v, err := h.cfg.Retention.ImportPlan(r.Context(), t, p.ID, fh.Filename, data)
	if err == nil {
		h.logChange(r, authz.DraftPlan, accesslog.ChangePlan, "plan:"+v.ID, fmt.Sprintf("utkast importerat, %d regler", len(v.Rules)))
	}
	if ie := (*ihp.ImportError)(nil); errors.As(err, &ie) {
		h.showPlan(w, r, http.StatusUnprocessableEntity, planData{File: fh.Filename,
			Error: "Planen importerades inte. Rätta felen nedan i filen och importera den igen.", Problems: ie.Problems})
		return
	}
	if err != nil {
		if msg, ok := retentionError(err); ok {
			h.showPlan(w, r, http.StatusUnprocessableEntity, planData{File: fh.Filename, Error: msg})
			return
		}
		h.failed(w, r, err)
		return
	}
	h.awaitCatalog(r.Context(), h.versionShown(t.ID, v.ID, plans.Draft))
	http.Redirect(w, r, "/plan/"+url.PathEscape(v.ID)+"?klart=importerad", http.StatusSeeOther)
}

// versionData is a version's page: its rules and, for an utkast, what
// fastställa it would change.
type versionData struct {
	Version   *plans.Version
	Preview   *retention.Preview
	MayDecide bool
	From      string // the giltig från date the form shows
	Done      string
	Error     string
	Others    []*plans.Version // the versions to compare with
}

func (h *Handler) planVersion(w http.ResponseWriter, r *http.Request) {
	h.showVersion(w, r, http.StatusOK, versionData{Done: planDone(r.URL.Query().Get("klart"))})
}

func planDone(s string) string {
	switch s {
	case "importerad":
		return "Planen är importerad som utkast. Se över vad den ändrar innan den fastställs."
	case "faststalld":
		return "Versionen är fastställd."
	case "faststalld-delvis":
		return "Versionen är fastställd. Arkiveringen av planen eller omprövningen av arkiverade handlingar blev inte klar nu; tjänsten gör klart den senare."
	}
	return ""
}

func (h *Handler) showVersion(w http.ResponseWriter, r *http.Request, code int, d versionData) {
	p := principal(r)
	id := r.PathValue("id")
	vs, err := h.cfg.Catalog.Plans(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	for _, v := range vs {
		if v.ID == id {
			d.Version = v
		} else {
			d.Others = append(d.Others, v)
		}
	}
	if d.Version == nil {
		h.notFound(w, r, "Planversionen")
		return
	}
	if d.Version.State == plans.Draft {
		t, err := h.tenantOf(p)
		if err != nil {
			h.failed(w, r, err)
			return
		}
		if d.Preview, err = h.cfg.Retention.Preview(r.Context(), t, id); err != nil {
			h.failed(w, r, err)
			return
		}
	}
	d.MayDecide = authz.Allowed(p, authz.Decide)
	if d.From == "" {
		d.From = plans.Day(h.now())
	}
	h.render(w, r, code, "retentionversion", "Informationshanteringsplan "+d.Version.ID, d)
}

// activatePlan fastställer an utkast from the date given.
func (h *Handler) activatePlan(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	from := strings.TrimSpace(r.PostFormValue("giltig-fran"))
	if _, err := time.Parse(time.DateOnly, from); err != nil {
		h.showVersion(w, r, http.StatusUnprocessableEntity, versionData{From: from, Error: "Ange från vilket datum versionen gäller, som ÅÅÅÅ-MM-DD."})
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	v, err := h.cfg.Retention.ActivatePlan(r.Context(), t, id, p.ID, from)
	if v != nil {
		h.logChange(r, authz.Decide, accesslog.ChangePlan, "plan:"+v.ID, "fastställd, gäller från "+v.ValidFrom)
		h.awaitCatalog(r.Context(), h.versionShown(t.ID, id, v.State))
	}
	if v != nil && err != nil {
		// Fastställd; archiving it or re-evaluating the records under it
		// failed and is retried.
		h.log.Error("web: after activating a plan", "tenant", t.ID, "version", id, "err", err)
		http.Redirect(w, r, "/plan/"+url.PathEscape(id)+"?klart=faststalld-delvis", http.StatusSeeOther)
		return
	}
	if err != nil {
		if msg, ok := retentionError(err); ok {
			code := http.StatusUnprocessableEntity
			if errors.Is(err, plans.ErrNotFound) {
				code = http.StatusNotFound
			}
			h.showVersion(w, r, code, versionData{From: from, Error: msg})
			return
		}
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, "/plan/"+url.PathEscape(id)+"?klart=faststalld", http.StatusSeeOther)
}

// diffData is the comparison of two versions.
type diffData struct {
	A, B     string
	Versions []*plans.Version
	Changes  []ihp.RuleChange
	Compared bool
	Error    string
}

// planDiff shows how the rules of version b differ from those of a.
func (h *Handler) planDiff(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	vs, err := h.cfg.Catalog.Plans(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	q := r.URL.Query()
	d := diffData{A: q.Get("a"), B: q.Get("b"), Versions: vs}
	known := func(id string) bool {
		for _, v := range vs {
			if v.ID == id {
				return true
			}
		}
		return false
	}
	code := http.StatusOK
	switch {
	case d.A == "" && d.B == "":
	case !known(d.A) || !known(d.B):
		code, d.Error = http.StatusNotFound, "Välj två versioner som finns."
	case d.A == d.B:
		code, d.Error = http.StatusUnprocessableEntity, "Välj två olika versioner."
	default:
		t, err := h.tenantOf(p)
		if err != nil {
			h.failed(w, r, err)
			return
		}
		if d.Changes, err = h.cfg.Retention.Diff(r.Context(), t, d.A, d.B); err != nil {
			h.failed(w, r, err)
			return
		}
		d.Compared = true
	}
	h.render(w, r, code, "retentiondiff", "Jämför versioner av planen", d)
}
