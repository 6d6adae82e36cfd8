package web

import (
	"net/http"
	"strconv"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/disposal"
)

// protocolPDF sends an executed list's archived gallringsprotokoll as a
// PDF attachment, after logging the download like any other.
func (h *Handler) protocolPDF(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	l, ok := h.loadList(w, r)
	if !ok {
		return
	}
	if l.State != disposal.Done || l.Protocol == "" {
		h.message(w, r, http.StatusNotFound, "Protokollet finns inte än",
			"Gallringsprotokollet skrivs när listan är verkställd. Listan är "+string(l.State)+".")
		return
	}
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	pdf, err := h.cfg.Disposal.ProtocolFile(r.Context(), t, l, true)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if _, err := h.cfg.AccessLog.Append(r.Context(), accesslog.Entry{Tenant: p.Tenant, Person: p.ID, Role: roleFor(p, authz.ReadRestricted),
		Action: accesslog.Download, Objects: []string{l.Protocol, "list:" + l.ID}, Detail: "gallringsprotokoll", Client: authn.ClientAddr(r)}); err != nil {
		h.log.Error("web: access log", "tenant", p.Tenant, "person", p.ID, "action", accesslog.Download, "err", err)
		h.message(w, r, http.StatusServiceUnavailable, "Granskningsloggen kunde inte skrivas",
			"Granskningsloggen kunde inte skrivas; försök igen. Inget visades.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "application/pdf")
	hd.Set("Content-Disposition", `attachment; filename="gallringsprotokoll-`+l.ID+`.pdf"`)
	hd.Set("Content-Length", strconv.Itoa(len(pdf)))
	_, _ = w.Write(pdf) // the client went away: nothing to do
}

// verifyList checks the buckets against an executed list and shows the
// outcome on the list's page.
func (h *Handler) verifyList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	t, err := h.tenantOf(p)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	v, err := h.cfg.Disposal.Verify(r.Context(), t, r.PathValue("id"))
	if err != nil {
		msg, code, ok := disposalError(err)
		switch {
		case !ok:
			h.failed(w, r, err)
		case code == http.StatusNotFound:
			h.notFound(w, r, "Gallringslistan")
		default:
			h.showList(w, r, code, listData{Error: msg})
		}
		return
	}
	h.showList(w, r, http.StatusOK, listData{Verified: v})
}
