package web

import (
	"net/http"

	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
)

// recentDeliveries is how many deliveries the start page lists.
const recentDeliveries = 20

// start is the start page: what each of the person's roles needs first.
// Drift sees counts only, never a title or an id of a record.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	ctx := r.Context()
	var d struct {
		Deliveries, Records, People, Operate bool
		Receipts                             []catalog.ReceiptItem
		Fixity                               []catalog.AIPFixity
		Counts                               []catalog.TenantCounts
	}
	d.Records = authz.Allowed(p, authz.ReadPublic)
	d.People = authz.Allowed(p, authz.ManagePeople)
	var err error
	if authz.Allowed(p, authz.Deliveries) {
		d.Deliveries = true
		if d.Receipts, err = h.cfg.Catalog.RecentReceipts(ctx, p.Tenant, recentDeliveries); err != nil {
			h.failed(w, r, err)
			return
		}
		if d.Fixity, err = h.cfg.Catalog.Fixity(ctx, p.Tenant); err != nil {
			h.failed(w, r, err)
			return
		}
	}
	if authz.Allowed(p, authz.Operate) {
		d.Operate = true
		if d.Counts, err = h.cfg.Catalog.Counts(ctx); err != nil {
			h.failed(w, r, err)
			return
		}
	}
	h.render(w, r, http.StatusOK, "start", "Start", d)
}
