package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/earkiv/earkiv/internal/earkiv"

	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Retention is what the retention pages change: the plan's versions and
// the gallringsstopp. *retention.Service is one. What the pages only read
// (versions, holds, outcomes) comes from the catalog, like every list.
type Retention interface {
	ImportPlan(ctx context.Context, t *tenant.Tenant, by, name string, data []byte) (*plans.Version, error)
	Preview(ctx context.Context, t *tenant.Tenant, versionID string) (*retention.Preview, error)
	ActivatePlan(ctx context.Context, t *tenant.Tenant, id, by, from string) (*plans.Version, error)
	Diff(ctx context.Context, t *tenant.Tenant, a, b string) ([]ihp.RuleChange, error)
	PlaceHold(ctx context.Context, t *tenant.Tenant, by string, scope holds.Scope, reason, reference string) (*holds.Hold, error)
	LiftHold(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*holds.Hold, error)
}

var _ Retention = (*retention.Service)(nil)

// retentionNav is the menu of the retention pages, for those who may
// read them (authz.ReadRestricted).
var retentionNav = []navItem{
	{Href: "/plan", Label: "Informationshanteringsplan"},
	{Href: "/gallringsstopp", Label: "Gallringsstopp"},
	{Href: "/gallring/forfallna", Label: "Förfallna gallringar"},
	{Href: "/gallring/granskning", Label: "Granskningskö"},
}

// retentionRoutes registers the pages of the plan, the holds and the
// disposal lists. Reading them needs ReadRestricted: they name every
// case, restricted ones too. Importing an utkast needs DraftPlan.
func (h *Handler) retentionRoutes() {
	m := h.mux
	m.HandleFunc("GET", "/plan", authz.ReadRestricted, authz.Page, h.planPage)
	m.HandleFunc("POST", "/plan", authz.DraftPlan, authz.Page, h.importPlan)
	m.HandleFunc("GET", "/plan/jamfor", authz.ReadRestricted, authz.Page, h.planDiff)
	m.HandleFunc("GET", "/plan/{id}", authz.ReadRestricted, authz.Page, h.planVersion)
	m.HandleFunc("POST", "/plan/{id}/faststall", authz.Decide, authz.Page, h.activatePlan)
	m.HandleFunc("GET", "/gallringsstopp", authz.ReadRestricted, authz.Page, h.holdsPage)
	m.HandleFunc("POST", "/gallringsstopp", authz.Decide, authz.Page, h.placeHold)
	m.HandleFunc("POST", "/gallringsstopp/{id}/hav", authz.Decide, authz.Page, h.liftHold)
	m.HandleFunc("GET", "/gallring/forfallna", authz.ReadRestricted, authz.Page, h.duePage)
	m.HandleFunc("GET", "/gallring/granskning", authz.ReadRestricted, authz.Page, h.reviewPage)
}

// mayImport tells whether p may import an utkast of the plan.
func mayImport(p *authn.Principal) bool { return authz.Allowed(p, authz.DraftPlan) }

// retentionError says in Swedish why a change to the plan or a hold was
// refused, for the errors a person can act on; other errors are the
// service's own and are logged instead.
func retentionError(err error) (string, bool) {
	switch {
	case errors.Is(err, plans.ErrNotFound):
		return "Planversionen finns inte.", true
	case errors.Is(err, plans.ErrNotDraft):
		return "Versionen är redan fastställd eller har upphört; bara ett utkast kan fastställas.", true
	case errors.Is(err, plans.ErrConflict):
		return "Planen ändrades av någon annan under tiden. Ladda om sidan och försök igen.", true
	case errors.Is(err, plans.ErrBadSource):
		return err.Error() + ".", true
	case errors.Is(err, holds.ErrNotFound):
		return "Gallringsstoppet finns inte.", true
	case errors.Is(err, holds.ErrLifted):
		return "Gallringsstoppet är redan hävt.", true
	case earkiv.IsInvalid(err):
		return err.Error(), true
	}
	return "", false
}

// maxRows bounds the rows a disposal list shows; the count says how many
// there are in all.
const maxRows = 500

// recordList is a list of records with their outcomes, as the due and
// review pages show them.
type recordList struct {
	Records []catalog.Record
	Total   int
	Day     string // the day a due list is for
}

func newRecordList(rs []catalog.Record) recordList {
	l := recordList{Records: rs, Total: len(rs)}
	if len(rs) > maxRows {
		l.Records = rs[:maxRows]
	}
	return l
}

// duePage lists the records whose disposal date has passed and that no
// gallringsstopp covers, with the basis of each.
func (h *Handler) duePage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	day := plans.Day(h.now())
	rs, err := h.cfg.Catalog.Due(r.Context(), p.Tenant, day)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	l := newRecordList(rs)
	l.Day = day
	h.render(w, r, http.StatusOK, "retentiondue", "Förfallna gallringar", l)
}

// reviewPage lists the records the plan does not decide, with why.
func (h *Handler) reviewPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	rs, err := h.cfg.Catalog.Review(r.Context(), p.Tenant)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "retentionreview", "Granskningskö", newRecordList(rs))
}

// caseRetention is the retention panel of a case page: the outcome of the
// case and each document in the AIP, for those who may read retention.
func (h *Handler) caseRetention(r *http.Request, aipID, caseID string) ([]catalog.Record, error) {
	p := principal(r)
	if h.cfg.Retention == nil || !authz.Allowed(p, authz.ReadRestricted) {
		return nil, nil
	}
	rs, err := h.cfg.Catalog.Retention(r.Context(), p.Tenant, caseID)
	if err != nil {
		return nil, err
	}
	var out []catalog.Record
	for _, x := range rs {
		if x.AIP == aipID && x.Case == caseID {
			out = append(out, x)
		}
	}
	return out, nil
}

// now is the time the pages count days from.
func (h *Handler) now() time.Time { return time.Now() }

// projectionWait bounds how long a change waits for the catalog to show
// it; after that the page is shown anyway, maybe a moment behind.
const projectionWait = 3 * time.Second

// awaitCatalog waits until shown reports that the catalog has projected a
// change the service just made, so the page after it shows the change and
// not the state before (the catalog follows the event log). A failed or
// late read only gives up: the change itself is made.
func (h *Handler) awaitCatalog(ctx context.Context, shown func(context.Context) (bool, error)) {
	ctx, cancel := context.WithTimeout(ctx, projectionWait)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := shown(ctx)
		if ok || err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// versionShown tells whether the catalog has version id in state st.
func (h *Handler) versionShown(tenantID, id string, st plans.State) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		vs, err := h.cfg.Catalog.Plans(ctx, tenantID)
		for _, v := range vs {
			if v.ID == id {
				return v.State == st, err
			}
		}
		return false, err
	}
}

// holdShown tells whether the catalog has hold id, active or lifted.
func (h *Handler) holdShown(tenantID, id string, active bool) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		hs, err := h.cfg.Catalog.Holds(ctx, tenantID)
		for _, x := range hs {
			if x.ID == id {
				return x.Active() == active, err
			}
		}
		return false, err
	}
}
