package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/earkiv/earkiv/internal/authz"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/report"
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

// findingGroup is the findings of one severity, each as a sentence.
type findingGroup struct {
	ID, Heading string
	Findings    []string
}

// sentence writes a finding as a person reads it: what is wrong and where.
func sentence(f report.Finding) string {
	where := ""
	if f.Location.File != "" {
		where = "i filen " + f.Location.File
		if f.Location.Line > 0 {
			where += fmt.Sprintf(" på rad %d", f.Location.Line)
		}
	}
	if f.Location.Path != "" {
		if where != "" {
			where += ", "
		}
		where += "vid " + f.Location.Path
	}
	s := f.Message
	if where != "" {
		s = "Problem " + where + ": " + s
	}
	if f.RuleID != "" {
		s += " (regel " + f.RuleID + ")"
	}
	return s
}

// delivery shows one delivery's receipt and its validation report.
func (h *Handler) delivery(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	id := r.PathValue("id")
	if ids.Submission(id) != nil && ids.Package(id) != nil {
		h.notFound(w, r, "Leveransen")
		return
	}
	rc, err := h.cfg.Receipts.Receipt(r.Context(), p.Tenant, id)
	if errors.Is(err, earkiv.ErrNoReceipt) {
		h.notFound(w, r, "Kvittensen")
		return
	}
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if rc.Tenant != p.Tenant { // never another tenant's, whatever the store returned
		h.notFound(w, r, "Kvittensen")
		return
	}
	d := struct {
		Receipt *earkiv.Receipt
		Report  *report.Report
		Groups  []findingGroup
	}{Receipt: rc, Report: rc.Report}
	if rc.Report != nil {
		groups := []findingGroup{{ID: "fel", Heading: "Fel som måste rättas"}, {ID: "varningar", Heading: "Varningar"}, {ID: "upplysningar", Heading: "Upplysningar"}}
		for _, f := range rc.Report.Findings {
			i := 2
			switch f.Level.Severity() {
			case "ERROR":
				i = 0
			case "WARNING":
				i = 1
			}
			groups[i].Findings = append(groups[i].Findings, sentence(f))
		}
		for _, g := range groups {
			if len(g.Findings) > 0 {
				d.Groups = append(d.Groups, g)
			}
		}
	}
	h.render(w, r, http.StatusOK, "delivery", "Leverans "+rc.SubmissionID, d)
}
