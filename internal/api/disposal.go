package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/disposal"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Disposal proposes, attests and carries out gallring lists;
// *disposal.Service is one.
type Disposal interface {
	Propose(ctx context.Context, t *tenant.Tenant, by string, f disposal.Filter) (*disposal.List, error)
	Lists(ctx context.Context, t *tenant.Tenant) ([]*disposal.List, error)
	Get(ctx context.Context, t *tenant.Tenant, id string) (*disposal.List, error)
	Frozen(ctx context.Context, t *tenant.Tenant, l *disposal.List) (*disposal.Frozen, error)
	Exclude(ctx context.Context, t *tenant.Tenant, id, aipID, by, reason, postpone string) (*disposal.List, error)
	Attest(ctx context.Context, t *tenant.Tenant, id, by string) (*disposal.List, error)
	Reject(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*disposal.List, error)
	Cancel(ctx context.Context, t *tenant.Tenant, id, by, reason string) (*disposal.List, error)
	Start(ctx context.Context, t *tenant.Tenant, id, by string) (*disposal.List, error)
	ProtocolFile(ctx context.Context, t *tenant.Tenant, l *disposal.List, pdf bool) ([]byte, error)
	Verify(ctx context.Context, t *tenant.Tenant, id string) (*disposal.Verified, error)
}

// ListResponse is a list with its frozen items.
type ListResponse struct {
	*disposal.List
	Entries []disposal.Item `json:"entries"`
}

// ExcludeRequest takes an AIP's records out of a list.
type ExcludeRequest struct {
	AIP      string `json:"aip"`
	Reason   string `json:"reason"`
	Postpone string `json:"postpone,omitempty"`
}

func (s *server) disposalRoutes(m *authz.Mux) {
	if s.cfg.Disposal == nil || s.cfg.Catalog == nil {
		return
	}
	m.HandleFunc("GET", "/api/v1/disposal/lists", authz.ReadRestricted, authz.API, s.tenant(s.listLists))
	m.HandleFunc("POST", "/api/v1/disposal/lists", authz.Prepare, authz.API, s.tenant(s.proposeList))
	m.HandleFunc("GET", "/api/v1/disposal/lists/{id}", authz.ReadRestricted, authz.API, s.tenant(s.showList))
	m.HandleFunc("POST", "/api/v1/disposal/lists/{id}/exclude", authz.Prepare, authz.API, s.tenant(s.excludeList))
	m.HandleFunc("POST", "/api/v1/disposal/lists/{id}/attest", authz.Decide, authz.API, s.tenant(s.listStep("attest")))
	m.HandleFunc("POST", "/api/v1/disposal/lists/{id}/reject", authz.Decide, authz.API, s.tenant(s.listStep("reject")))
	m.HandleFunc("POST", "/api/v1/disposal/lists/{id}/cancel", authz.Withdraw, authz.API, s.tenant(s.listStep("cancel")))
	m.HandleFunc("POST", "/api/v1/disposal/lists/{id}/execute", authz.Decide, authz.API, s.tenant(s.listStep("execute")))
	m.HandleFunc("GET", "/api/v1/disposal/lists/{id}/protocol", authz.ReadRestricted, authz.API, s.tenant(s.listProtocol))
	m.HandleFunc("GET", "/api/v1/disposal/lists/{id}/verify", authz.ReadRestricted, authz.API, s.tenant(s.verifyList))
}

// disposalRefused answers an error of the disposal service.
func (s *server) disposalRefused(w http.ResponseWriter, t *tenant.Tenant, err error) {
	switch {
	case errors.Is(err, disposal.ErrNotFound):
		writeErr(w, http.StatusNotFound, err.Error())
	case errors.Is(err, disposal.ErrState), errors.Is(err, disposal.ErrConflict), errors.Is(err, disposal.ErrCooling), errors.Is(err, disposal.ErrOwnList):
		writeErr(w, http.StatusConflict, err.Error())
	case errors.Is(err, disposal.ErrEmpty), isPersonError(err):
		writeErr(w, http.StatusBadRequest, err.Error())
	default:
		s.cfg.Log.Error("api: disposal", "tenant", t.ID, "err", err)
		writeErr(w, http.StatusServiceUnavailable, "gallring unavailable: "+err.Error())
	}
}

func (s *server) listLists(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	ls, err := s.cfg.Disposal.Lists(r.Context(), t)
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	if ls == nil {
		ls = []*disposal.List{}
	}
	writeJSON(w, ls)
}

func (s *server) proposeList(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	var f disposal.Filter
	if !readJSON(w, r, &f) {
		return
	}
	l, err := s.cfg.Disposal.Propose(r.Context(), t, who(r), f)
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	s.logChange(r, authz.Prepare, accesslog.ChangeDisposal, "list:"+l.ID, "föreslagen")
	writeJSON(w, l)
}

func (s *server) showList(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	l, err := s.cfg.Disposal.Get(r.Context(), t, r.PathValue("id"))
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	fr, err := s.cfg.Disposal.Frozen(r.Context(), t, l)
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	writeJSON(w, ListResponse{List: l, Entries: fr.Items})
}

func (s *server) excludeList(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	var req ExcludeRequest
	if !readJSON(w, r, &req) {
		return
	}
	l, err := s.cfg.Disposal.Exclude(r.Context(), t, r.PathValue("id"), strings.TrimSpace(req.AIP), who(r), req.Reason, strings.TrimSpace(req.Postpone))
	if l != nil {
		s.logChange(r, authz.Prepare, accesslog.ChangeDisposal, "list:"+l.ID, "undantag av AIP "+req.AIP)
	}
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	writeJSON(w, l)
}

// listStep serves one step of a list's life that takes at most a reason.
func (s *server) listStep(step string) handler {
	return func(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
		var req ReasonRequest
		if !readJSON(w, r, &req) {
			return
		}
		id, by := r.PathValue("id"), who(r)
		var l *disposal.List
		var err error
		perm := authz.Decide
		switch step {
		case "attest":
			l, err = s.cfg.Disposal.Attest(r.Context(), t, id, by)
		case "reject":
			l, err = s.cfg.Disposal.Reject(r.Context(), t, id, by, req.Reason)
		case "cancel":
			perm = authz.Withdraw
			l, err = s.cfg.Disposal.Cancel(r.Context(), t, id, by, req.Reason)
		case "execute":
			l, err = s.cfg.Disposal.Start(r.Context(), t, id, by)
			if err == nil && s.cfg.Kick != nil {
				s.cfg.Kick()
			}
		}
		if err != nil {
			s.disposalRefused(w, t, err)
			return
		}
		s.logChange(r, perm, accesslog.ChangeDisposal, "list:"+l.ID, step)
		writeJSON(w, l)
	}
}

func (s *server) listProtocol(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "pdf" && format != "json" {
		writeErr(w, http.StatusBadRequest, "format: pdf or json")
		return
	}
	l, err := s.cfg.Disposal.Get(r.Context(), t, r.PathValue("id"))
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	b, err := s.cfg.Disposal.ProtocolFile(r.Context(), t, l, format != "json")
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="gallringsprotokoll-`+l.ID+`.pdf"`)
	}
	w.Write(b)
}

func (s *server) verifyList(w http.ResponseWriter, r *http.Request, t *tenant.Tenant) {
	v, err := s.cfg.Disposal.Verify(r.Context(), t, r.PathValue("id"))
	if err != nil {
		s.disposalRefused(w, t, err)
		return
	}
	writeJSON(w, v)
}
