package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"

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

// Retention carries out plans and holds; *retention.Service is one.
type Retention interface {
	ImportPlan(ctx context.Context, t *tenant.Tenant, by, name string, data []byte) (*plans.Version, error)
	ActivatePlan(ctx context.Context, t *tenant.Tenant, id, by, from string) (*plans.Version, error)
	Preview(ctx context.Context, t *tenant.Tenant, id string) (*retention.Preview, error)
	Diff(ctx context.Context, t *tenant.Tenant, a, b string) ([]ihp.RuleChange, error)
	PlaceHold(ctx context.Context, t *tenant.Tenant, by string, scope holds.Scope, reason, reference string) (*holds.Hold, error)
	LiftHold(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*holds.Hold, error)
}

// PlanResponse is the tenant's plan: every version, and the one in force.
type PlanResponse struct {
	InForce  string           `json:"inForce,omitempty"`
	Versions []*plans.Version `json:"versions"`
}

// ActivateRequest fastställer a version.
type ActivateRequest struct {
	From string `json:"from,omitempty"` // 2006-01-02; empty: today
}

// HoldRequest places a gallringsstopp: one of AIP, Case or Query.
type HoldRequest struct {
	AIP       string `json:"aip,omitempty"`
	Case      string `json:"case,omitempty"`
	Query     string `json:"query,omitempty"`
	Reason    string `json:"reason"`
	Reference string `json:"reference,omitempty"`
}

// ReasonRequest carries the reason of a lift.
type ReasonRequest struct {
	Reason string `json:"reason"`
}

// ImportErrorResponse lists what a plan file could not say.
type ImportErrorResponse struct {
	Error    string        `json:"error"`
	Problems []ihp.Problem `json:"problems"`
}

// maxPlanUpload bounds a plan file's request body.
const maxPlanUpload = plans.MaxSource + 1

func (s *server) retentionRoutes(m *authz.Mux) {
	if s.cfg.Retention == nil || s.cfg.Catalog == nil {
		return
	}
	m.HandleFunc("GET", "/api/v1/plan", authz.ReadRestricted, authz.API, s.tenant(s.planShow))
	m.HandleFunc("POST", "/api/v1/plan/versions", authz.DraftPlan, authz.API, s.tenant(s.planImport))
	m.HandleFunc("POST", "/api/v1/plan/versions/{id}/activate", authz.Decide, authz.API, s.tenant(s.planActivate))
	m.HandleFunc("GET", "/api/v1/plan/versions/{id}/preview", authz.ReadRestricted, authz.API, s.tenant(s.planPreview))
	m.HandleFunc("GET", "/api/v1/plan/diff", authz.ReadRestricted, authz.API, s.tenant(s.planDiff))
	m.HandleFunc("GET", "/api/v1/retention", authz.ReadRestricted, authz.API, s.tenant(s.retentionShow))
	m.HandleFunc("GET", "/api/v1/holds", authz.ReadRestricted, authz.API, s.tenant(list(s, (*catalog.Catalog).Holds)))
	m.HandleFunc("POST", "/api/v1/holds", authz.Decide, authz.API, s.tenant(s.holdPlace))
	m.HandleFunc("POST", "/api/v1/holds/{id}/lift", authz.Decide, authz.API, s.tenant(s.holdLift))
	m.HandleFunc("GET", "/api/v1/disposal/due", authz.ReadRestricted, authz.API, s.tenant(s.disposalDue))
	m.HandleFunc("GET", "/api/v1/review", authz.ReadRestricted, authz.API, s.tenant(list(s, (*catalog.Catalog).Review)))
}

// refused answers an error of the retention service: what a person can
// act on with its message and a 4xx, anything else as unavailable.
func (s *server) refused(w http.ResponseWriter, t *tenant.Tenant, err error) {
	var ie *ihp.ImportError
	switch {
	case errors.As(err, &ie):
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		json.NewEncoder(w).Encode(ImportErrorResponse{Error: ie.Error(), Problems: ie.Problems})
	case errors.Is(err, plans.ErrNotFound), errors.Is(err, holds.ErrNotFound):
		writeErr(w, http.StatusNotFound, err.Error())
	case errors.Is(err, plans.ErrNotDraft), errors.Is(err, plans.ErrConflict), errors.Is(err, holds.ErrLifted):
		writeErr(w, http.StatusConflict, err.Error())
	case errors.Is(err, plans.ErrBadSource), isPersonError(err):
		writeErr(w, http.StatusBadRequest, err.Error())
	default:
		s.cfg.Log.Error("api: retention", "tenant", t.ID, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "plans and holds unavailable: "+err.Error())
	}
}

// isPersonError tells an error about what a person gave (Swedish, from
// the checks of plans and holds) from a failure of the service.
func isPersonError(err error) bool { return earkiv.IsInvalid(err) }

// timeNow is the clock the plan's "today" is read from.
var timeNow = time.Now

// logChange records a change a person made to the plan or holds in the
// municipality's access log; a failure to log is the service's to fix
// and is logged, the change stands.
func (s *server) logChange(r *http.Request, perm authz.Permission, action accesslog.Action, object, detail string) {
	if s.cfg.AccessLog == nil {
		return
	}
	p, _ := authn.FromContext(r.Context())
	s.logEntry(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Role: string(authz.RoleFor(p, perm)), Action: action,
		Objects: []string{object}, Detail: detail, Client: authn.ClientAddr(r)})
}

func who(r *http.Request) string {
	p, _ := authn.FromContext(r.Context())
	return p.ID
}

func (s *server) planShow(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	vs, err := s.cfg.Catalog.Plans(r.Context(), t.ID)
	if err != nil {
		s.internal(w, t, err)
		return
	}
	out := PlanResponse{Versions: vs}
	if out.Versions == nil {
		out.Versions = []*plans.Version{}
	}
	if v := plans.InForce(vs, plans.Day(timeNow())); v != nil {
		out.InForce = v.ID
	}
	writeJSON(w, out)
}

func (s *server) planImport(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" || strings.ContainsAny(name, "/\\") || len(name) > 200 {
		writeErr(w, http.StatusBadRequest, "name: ge planfilens namn (t.ex. plan.csv), utan sökväg")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPlanUpload))
	if err != nil {
		writeErr(w, http.StatusRequestEntityTooLarge, "planfilen är för stor eller kom inte fram")
		return
	}
	v, err := s.cfg.Retention.ImportPlan(r.Context(), t, who(r), name, data)
	if err != nil {
		s.refused(w, t, err)
		return
	}
	s.logChange(r, authz.DraftPlan, accesslog.ChangePlan, "plan:"+v.ID, fmt.Sprintf("utkast importerat, %d regler", len(v.Rules)))
	writeJSON(w, v)
}

func (s *server) planActivate(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	var req ActivateRequest
	if !readJSON(w, r, &req) {
		return
	}
	v, err := s.cfg.Retention.ActivatePlan(r.Context(), t, r.PathValue("id"), who(r), req.From)
	if v != nil {
		s.logChange(r, authz.Decide, accesslog.ChangePlan, "plan:"+v.ID, "fastställd, gäller från "+v.ValidFrom)
	}
	if err != nil {
		if v != nil { // fastställd; what follows is retried
			s.cfg.Log.Warn("api: plan activated, follow-up failed", "tenant", t.ID, "plan", v.ID, "err", err)
			writeJSON(w, v)
			return
		}
		s.refused(w, t, err)
		return
	}
	writeJSON(w, v)
}

func (s *server) planPreview(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	p, err := s.cfg.Retention.Preview(r.Context(), t, r.PathValue("id"))
	if err != nil {
		s.refused(w, t, err)
		return
	}
	writeJSON(w, p)
}

func (s *server) planDiff(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	d, err := s.cfg.Retention.Diff(r.Context(), t, r.URL.Query().Get("a"), r.URL.Query().Get("b"))
	if err != nil {
		s.refused(w, t, err)
		return
	}
	if d == nil {
		d = []ihp.RuleChange{}
	}
	writeJSON(w, d)
}

func (s *server) retentionShow(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	id := strings.TrimSpace(r.URL.Query().Get("record"))
	if id == "" || len(id) > 200 {
		writeErr(w, http.StatusBadRequest, "record: ge ett AIP-id eller diarienummer")
		return
	}
	recs, err := s.cfg.Catalog.Retention(r.Context(), t.ID, id)
	if err != nil {
		s.internal(w, t, err)
		return
	}
	if len(recs) == 0 {
		writeErr(w, http.StatusNotFound, "inget arkiverat AIP eller ärende "+id)
		return
	}
	writeJSON(w, recs)
}

func (s *server) disposalDue(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	recs, err := s.cfg.Catalog.Due(r.Context(), t.ID, plans.Day(timeNow()))
	if err != nil {
		s.internal(w, t, err)
		return
	}
	if recs == nil {
		recs = []catalog.Record{}
	}
	writeJSON(w, recs)
}

func (s *server) holdPlace(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	var req HoldRequest
	if !readJSON(w, r, &req) {
		return
	}
	scope := holds.Scope{AIP: strings.TrimSpace(req.AIP), Case: strings.TrimSpace(req.Case)}
	if q := strings.TrimSpace(req.Query); q != "" {
		pq, err := holds.ParseQuery(q)
		if err != nil {
			writeErr(w, http.StatusBadRequest, err.Error())
			return
		}
		scope.Query = pq
	}
	if err := scope.Check(); err != nil {
		writeErr(w, http.StatusBadRequest, err.Error())
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		writeErr(w, http.StatusBadRequest, "ett gallringsstopp behöver ett skäl")
		return
	}
	h, err := s.cfg.Retention.PlaceHold(r.Context(), t, who(r), scope, req.Reason, req.Reference)
	if h != nil {
		s.logChange(r, authz.Decide, accesslog.ChangeHold, "hold:"+h.ID, "lagt")
	}
	if err != nil {
		if h != nil { // placed; the legal holds are completed by a retry
			s.cfg.Log.Error("api: hold placed, legal hold incomplete", "tenant", t.ID, "hold", h.ID, "err", err)
			writeErr(w, http.StatusServiceUnavailable, "gallringsstopp "+h.ID+" är lagt men alla objekt kunde inte låsas än: "+err.Error())
			return
		}
		s.refused(w, t, err)
		return
	}
	writeJSON(w, h)
}

func (s *server) holdLift(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	var req ReasonRequest
	if !readJSON(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		writeErr(w, http.StatusBadRequest, "att häva ett gallringsstopp kräver ett skäl")
		return
	}
	h, err := s.cfg.Retention.LiftHold(r.Context(), t, r.PathValue("id"), who(r), req.Reason)
	if h != nil {
		s.logChange(r, authz.Decide, accesslog.ChangeHold, "hold:"+h.ID, "hävt")
	}
	if err != nil {
		if h != nil {
			s.cfg.Log.Error("api: hold lifted, legal hold removal incomplete", "tenant", t.ID, "hold", h.ID, "err", err)
			writeJSON(w, h)
			return
		}
		s.refused(w, t, err)
		return
	}
	writeJSON(w, h)
}

// readJSON decodes a small JSON body, answering 400 if it is not one.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		writeErr(w, http.StatusBadRequest, "unreadable request: "+err.Error())
		return false
	}
	return true
}
