// Package records reads the case-level description a delivery carries:
// ärenden (cases) with their handlingar (documents), diarienummer, titles,
// dates, classification and restrictions (sekretess). It understands FGS
// Ärendehantering (Leveransobjekt) and CITS ERMS, the two content
// specifications Swedish case systems export, and maps both onto one model so
// search and release need not care which a producer used.
package records

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
)

// Case is one ärende.
type Case struct {
	ID             string     `json:"id"` // diarienummer (ArkivobjektID / objectId)
	Title          string     `json:"title"`
	PublicTitle    string     `json:"publicTitle,omitempty"` // a title that may be released when Title is secret
	Status         string     `json:"status,omitempty"`
	Classification string     `json:"classification,omitempty"` // klass / classificationCode
	CaseType       string     `json:"caseType,omitempty"`
	Created        string     `json:"created,omitempty"`
	Opened         string     `json:"opened,omitempty"`
	Closed         string     `json:"closed,omitempty"`
	LegalForce     string     `json:"legalForce,omitempty"`
	Restriction    *Restrict  `json:"restriction,omitempty"`
	Documents      []Document `json:"documents,omitempty"`
}

// Document is one handling.
type Document struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	PublicTitle string    `json:"publicTitle,omitempty"`
	Type        string    `json:"type,omitempty"`
	Date        string    `json:"date,omitempty"` // upprättad, inkommen, expedierad or skapad, first found
	Restriction *Restrict `json:"restriction,omitempty"`
	Files       []string  `json:"files,omitempty"` // as the description links them (Bilaga/@Lank)
}

// Restrict is an access restriction (sekretess, integritet/personal data or
// other), with the law that grounds it when given (e.g. "OSL 26:1").
type Restrict struct {
	Type       string `json:"type"` // Sekretess, Integritet, confidential, personal, ...
	Regulation string `json:"regulation,omitempty"`
	Text       string `json:"text,omitempty"`
}

// Handles reports whether Extract reads documents whose root element is in
// namespace ns, so callers parse only those.
func Handles(ns string) bool { return ns == fgs.NSFGSERM || ns == fgs.NSERMS }

// Extract reads the cases from a descriptive metadata document, and reports
// whether it was a format this package knows.
func Extract(root *etree.Element) ([]Case, bool) {
	if root == nil {
		return nil, false
	}
	switch root.NamespaceURI() {
	case fgs.NSFGSERM:
		return fromFGS(root), true
	case fgs.NSERMS:
		return fromERMS(root), true
	}
	return nil, false
}

// kids returns the children of e with local name (any namespace).
func kids(e *etree.Element, local string) []*etree.Element {
	var out []*etree.Element
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if c.Tag == local {
			out = append(out, c)
		}
	}
	return out
}

func kid(e *etree.Element, local string) *etree.Element {
	if k := kids(e, local); len(k) > 0 {
		return k[0]
	}
	return nil
}

func text(e *etree.Element, local string) string {
	if k := kid(e, local); k != nil {
		return strings.TrimSpace(k.Text())
	}
	return ""
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func fromFGS(root *etree.Element) []Case {
	var out []Case
	for _, list := range kids(root, "ArkivobjektListaArenden") {
		for _, a := range kids(list, "ArkivobjektArende") {
			c := Case{
				ID: text(a, "ArkivobjektID"), Title: text(a, "Arendemening"),
				Status: text(a, "StatusArande"), Classification: text(a, "Klass"),
				Created: text(a, "Skapad"), Opened: first(text(a, "Inkommen"), text(a, "Upprattad"), text(a, "Skapad")),
				Closed: text(a, "Avslutat"), Restriction: fgsRestriction(a),
			}
			for _, hl := range kids(a, "ArkivobjektListaHandlingar") {
				for _, h := range kids(hl, "ArkivobjektHandling") {
					d := Document{
						ID: text(h, "ArkivobjektID"), Title: text(h, "Rubrik"), Type: text(h, "Handlingstyp"),
						Date:        first(text(h, "Upprattad"), text(h, "Inkommen"), text(h, "Expedierad"), text(h, "Skapad")),
						Restriction: fgsRestriction(h),
					}
					for _, b := range kids(h, "Bilaga") {
						d.Files = append(d.Files, first(b.SelectAttrValue("Lank", ""), b.SelectAttrValue("Namn", "")))
					}
					c.Documents = append(c.Documents, d)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

func fgsRestriction(e *etree.Element) *Restrict {
	rs := kids(e, "Restriktion")
	if len(rs) == 0 {
		return nil
	}
	r := rs[0] // the first restriction is the one shown
	typ := r.SelectAttrValue("Typ", "")
	if typ == "Annan typ" {
		typ = first(r.SelectAttrValue("AnnanTyp", ""), typ)
	}
	return &Restrict{Type: typ, Regulation: text(r, "Lagrum"), Text: text(r, "ForklarandeText")}
}

func fromERMS(root *etree.Element) []Case {
	var out []Case
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for _, g := range kids(e, "aggregation") {
			if t := g.SelectAttrValue("aggregationType", ""); t != "caseFile" && t != "" && kid(g, "record") == nil {
				walk(g) // a series or other grouping: look inside
				continue
			}
			c := Case{ID: text(g, "objectId"), Title: text(g, "title"), Restriction: ermsRestriction(g)}
			c.PublicTitle = ermsPublicTitle(g)
			if s := kid(g, "status"); s != nil {
				c.Status = s.SelectAttrValue("value", "")
			}
			if cl := kid(g, "classification"); cl != nil {
				c.Classification = first(cl.SelectAttrValue("classificationCode", ""), strings.TrimSpace(cl.Text()))
			}
			dates := ermsDates(g)
			c.Created, c.Opened, c.Closed = dates["created"], first(dates["opened"], dates["created"]), dates["closed"]
			var records func(e *etree.Element)
			records = func(e *etree.Element) {
				for _, r := range kids(e, "record") {
					d := Document{ID: text(r, "objectId"), Title: text(r, "title"), Type: r.SelectAttrValue("recordType", ""),
						PublicTitle: ermsPublicTitle(r), Restriction: ermsRestriction(r)}
					rd := ermsDates(r)
					d.Date = first(rd["originated"], rd["received"], rd["sent"], rd["created"])
					for _, ap := range kids(r, "appendix") {
						d.Files = append(d.Files, first(ap.SelectAttrValue("href", ""), text(ap, "name")))
					}
					c.Documents = append(c.Documents, d)
					records(r) // records may nest (attachments)
				}
			}
			records(g)
			out = append(out, c)
		}
	}
	walk(kid(root, "aggregations"))
	return out
}

func ermsPublicTitle(e *etree.Element) string {
	for _, t := range kids(e, "otherTitle") {
		if t.SelectAttrValue("titleType", "") == "public" {
			return strings.TrimSpace(t.Text())
		}
	}
	return ""
}

func ermsRestriction(e *etree.Element) *Restrict {
	for _, r := range kids(e, "restriction") {
		return &Restrict{Type: r.SelectAttrValue("restrictionType", ""), Regulation: text(r, "regulation"), Text: text(r, "explanatoryText")}
	}
	return nil
}

func ermsDates(e *etree.Element) map[string]string {
	out := map[string]string{}
	for _, d := range kids(kid(e, "dates"), "date") {
		t := d.SelectAttrValue("dateType", "")
		if _, ok := out[t]; !ok {
			out[t] = strings.TrimSpace(d.Text())
		}
	}
	return out
}
