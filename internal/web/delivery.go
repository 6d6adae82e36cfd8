package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/report"
)

// findingGroup is the findings of one severity, each as a sentence.
type findingGroup struct {
	ID, Heading string
	Findings    []finding
}

// finding is one finding as a person reads it: where, in Swedish, and
// what is wrong in the validator's words, which are English (the page
// marks them so, for screen readers).
type finding struct {
	Where, Message, Rule string
}

func sentence(f report.Finding) finding {
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
	return finding{Where: where, Message: f.Message, Rule: f.RuleID}
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
