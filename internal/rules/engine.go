// Package rules holds the profile rules XSD cannot express: the E-ARK CSIP and SIP
// requirements (ids CSIP1…, SIP1…, as in the official profiles and test corpus), the
// FGS Paketstruktur 1.x rules (ids FGS1-…) and checks both families share (METS-…).
//
// Rules are data: each has a stable id, a requirement level and a short statement,
// and its check is built from a few combinators over a tiny path language, so the
// table reads like the profile it comes from.
package rules

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/report"
)

// Scope says which documents a rule applies to.
type Scope uint8

const (
	CSIP    Scope = 1 << iota // any E-ARK METS (root and representation)
	SIP                       // E-ARK root METS held to the SIP profile
	FGS1                      // FGS Paketstruktur 1.x root METS
	RootDoc                   // only the package root METS (not representation METS)
	RepDoc                    // only representation METS
)

// Rule is one requirement.
type Rule struct {
	ID    string
	Level report.Level
	Scope Scope
	Text  string
	Check Check
}

// Check reports violations through emit; msg "" uses the rule text.
type Check func(c *Ctx, emit func(e *etree.Element, msg string))

// Ctx is what a check may look at.
type Ctx struct {
	Root    *etree.Element
	Pkg     *fgs.Package
	Name    string          // folder name the document describes (package or representation)
	Entries map[string]bool // files in that folder, relative to it
	Dirs    map[string]bool // folders in that folder, relative to it
	IsRep   bool
	Vocab   Vocab
	Now     string // RFC 3339, for "not in the future" checks
}

// Vocab holds the controlled vocabularies, by name.
type Vocab map[string]map[string]bool

// Has tells whether term is in vocabulary name.
func (v Vocab) Has(name, term string) bool { return v[name][term] }

// HasFold is Has ignoring case.
func (v Vocab) HasFold(name, term string) bool {
	for t := range v[name] {
		if strings.EqualFold(t, term) {
			return true
		}
	}
	return false
}

// Applies tells whether r is checked for a document of this kind.
func (r Rule) Applies(family fgs.Family, sip, isRep bool) bool {
	if r.Scope&RootDoc != 0 && isRep {
		return false
	}
	if r.Scope&RepDoc != 0 && !isRep {
		return false
	}
	switch family {
	case fgs.FamilyFGS1:
		return r.Scope&FGS1 != 0
	default:
		if r.Scope&CSIP != 0 {
			return true
		}
		return r.Scope&SIP != 0 && sip && !isRep
	}
}

// Run evaluates every applicable rule and adds findings to rep.
func Run(c *Ctx, table []Rule, file string, line func(*etree.Element) int, rep *report.Report) {
	for _, r := range table {
		if !r.Applies(c.Pkg.Family, c.Pkg.SIP, c.IsRep) {
			continue
		}
		r.Check(c, func(e *etree.Element, msg string) {
			if msg == "" {
				msg = r.Text
			}
			loc := report.Location{File: file}
			if e != nil {
				loc.Line = line(e)
				loc.Path = elemPath(e)
			}
			rep.Add(r.ID, r.Level, loc, "%s", msg)
		})
	}
}

func elemPath(e *etree.Element) string {
	var parts []string
	for x := e; x != nil && x.Tag != ""; x = x.Parent() {
		seg := x.Tag
		if id := fgs.A(x, "ID"); id != "" {
			seg += "[@ID='" + id + "']"
		}
		parts = append(parts, seg)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// Sel selects elements by a small path language over METS local names, from the
// document root: "mets/metsHdr/agent[@ROLE='CREATOR']". Predicates: [@A], [@A='v'],
// [starts-with(@A,'v')], [not(@A)]; attribute names may carry the csip:, sip:,
// xlink: or ext: prefix.
func Sel(root *etree.Element, path string) []*etree.Element {
	segs := splitPath(path)
	if len(segs) == 0 || root == nil {
		return nil
	}
	cur := []*etree.Element{}
	if matchSeg(root, segs[0]) {
		cur = append(cur, root)
	}
	for _, s := range segs[1:] {
		var next []*etree.Element
		for _, e := range cur {
			for _, k := range e.ChildElements() {
				if matchSeg(k, s) {
					next = append(next, k)
				}
			}
		}
		cur = next
	}
	return cur
}

func splitPath(p string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range p {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case '/':
			if depth == 0 {
				out = append(out, p[start:i])
				start = i + 1
			}
		}
	}
	return append(out, p[start:])
}

func matchSeg(e *etree.Element, seg string) bool {
	name, preds := seg, ""
	if i := strings.IndexByte(seg, '['); i >= 0 {
		name, preds = seg[:i], seg[i:]
	}
	if e.Tag != name || e.NamespaceURI() != fgs.NSMETS {
		return false
	}
	for preds != "" {
		end := strings.IndexByte(preds, ']')
		p := preds[1:end]
		preds = preds[end+1:]
		if !matchPred(e, p) {
			return false
		}
	}
	return true
}

func matchPred(e *etree.Element, p string) bool {
	switch {
	case strings.HasPrefix(p, "not(@"):
		_, ok := fgs.Attr(e, strings.TrimSuffix(p[5:], ")"))
		return !ok
	case strings.HasPrefix(p, "starts-with(@"):
		args := strings.TrimSuffix(p[len("starts-with(@"):], ")")
		name, val, _ := strings.Cut(args, ",")
		return strings.HasPrefix(fgs.A(e, strings.TrimSpace(name)), strings.Trim(strings.TrimSpace(val), "'"))
	case strings.HasPrefix(p, "@"):
		name, val, hasVal := strings.Cut(p[1:], "=")
		v, ok := fgs.Attr(e, name)
		if !hasVal {
			return ok
		}
		return ok && v == strings.Trim(val, "'")
	}
	return false
}

// --- combinators -------------------------------------------------------------

// Test inspects one element and returns "" if it passes, else a message ("!" for the
// rule's own text).
type Test func(c *Ctx, e *etree.Element) string

// Each applies t to every element path selects.
func Each(path string, t Test) Check {
	return func(c *Ctx, emit func(*etree.Element, string)) {
		for _, e := range Sel(c.Root, path) {
			if msg := t(c, e); msg != "" {
				if msg == "!" {
					msg = ""
				}
				emit(e, msg)
			}
		}
	}
}

// Exists requires path to select at least min and at most max elements (max < 0:
// unbounded). The finding is placed on the parent of the last step.
func Exists(path string, min, max int) Check {
	return func(c *Ctx, emit func(*etree.Element, string)) {
		n := len(Sel(c.Root, path))
		if n < min || (max >= 0 && n > max) {
			var at *etree.Element
			if i := strings.LastIndexByte(path, '/'); i > 0 {
				if p := Sel(c.Root, path[:i]); len(p) > 0 {
					at = p[0]
				}
			}
			emit(at, "")
		}
	}
}

// When runs chk only when cond holds for the document.
func When(cond func(c *Ctx) bool, chk Check) Check {
	return func(c *Ctx, emit func(*etree.Element, string)) {
		if cond(c) {
			chk(c, emit)
		}
	}
}

// Present: attribute present and not blank.
func Present(attr string) Test {
	return func(_ *Ctx, e *etree.Element) string {
		if v, ok := fgs.Attr(e, attr); !ok || strings.TrimSpace(v) == "" {
			return "@" + attr + " is missing or empty"
		}
		return ""
	}
}

// Is: attribute equals one of vals.
func Is(attr string, vals ...string) Test {
	return func(_ *Ctx, e *etree.Element) string {
		v, ok := fgs.Attr(e, attr)
		for _, want := range vals {
			if ok && v == want {
				return ""
			}
		}
		if !ok {
			return "@" + attr + " is missing; must be " + strings.Join(vals, " or ")
		}
		return "@" + attr + "='" + v + "'; must be " + strings.Join(vals, " or ")
	}
}

// InVocab: attribute, when present, is a term of the vocabulary.
func InVocab(attr, vocab string, required bool) Test {
	return func(c *Ctx, e *etree.Element) string {
		v, ok := fgs.Attr(e, attr)
		if !ok {
			if required {
				return "@" + attr + " is missing"
			}
			return ""
		}
		if !c.Vocab.Has(vocab, v) {
			return "@" + attr + "='" + v + "' is not in the " + vocab + " vocabulary"
		}
		return ""
	}
}

// KidCount requires between min and max (max<0: any) METS children named local.
func KidCount(local string, min, max int) Test {
	return func(_ *Ctx, e *etree.Element) string {
		n := len(fgs.Kids(e, local))
		if n < min || (max >= 0 && n > max) {
			return "!"
		}
		return ""
	}
}

// All combines tests; the first failure wins.
func All(ts ...Test) Test {
	return func(c *Ctx, e *etree.Element) string {
		for _, t := range ts {
			if m := t(c, e); m != "" {
				return m
			}
		}
		return ""
	}
}
