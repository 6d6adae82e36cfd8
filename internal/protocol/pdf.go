package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// Page geometry in mm (A4).
const (
	pageW, pageH = 210.0, 297.0
	margin       = 15.0
	textW        = pageW - 2*margin
	bottom       = pageH - 18 // the footer sits below
	font         = "DejaVu"
	nbAlias      = "{nb}"
)

// fpdfVersion is the PDF library recorded as part of the producer.
const fpdfVersion = "go-pdf/fpdf v0.12.0"

// PDF renders the protocol as an A4 document aiming at PDF/A-2b (see the
// package documentation). The same protocol gives the same bytes.
func (p *Protocol) PDF() ([]byte, error) {
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	if len(a.icc) < 128 || string(a.icc[16:20]) != "RGB " || string(a.icc[36:40]) != "acsp" {
		return nil, errors.New("protocol: the ICC profile found is not an RGB profile")
	}
	created := p.Generated.UTC().Truncate(1e9)
	m := meta{
		title:    documentTitle,
		author:   orDash(clean(p.Authority.Name)),
		subject:  "Gallringsprotokoll för gallringslista " + orDash(clean(p.ListID)),
		creator:  orDash(clean(p.Software)),
		producer: orDash(clean(p.Software)) + " med " + fpdfVersion,
		created:  created,
	}

	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreationDate(created)
	f.SetModificationDate(created)
	f.SetTitle(m.title, true)
	f.SetAuthor(m.author, true)
	f.SetSubject(m.subject, true)
	f.SetCreator(m.creator, true)
	f.SetProducer(m.producer, true)
	f.SetLang("sv-SE")
	f.SetXmpMetadata(m.xmp())
	f.AddOutputIntent(fpdf.OutputIntentType{
		SubtypeIdent:              fpdf.OutputIntent_GTS_PDFA1,
		OutputConditionIdentifier: "sRGB IEC61966-2.1",
		Info:                      "sRGB IEC61966-2.1",
		ICCProfile:                a.icc,
	})
	f.AddUTF8FontFromBytes(font, "", a.regular)
	f.AddUTF8FontFromBytes(font, "B", a.bold)
	f.SetMargins(margin, margin, margin)
	f.SetAutoPageBreak(false, 0)
	f.AliasNbPages(nbAlias)
	f.SetTextColor(0, 0, 0)
	f.SetDrawColor(150, 150, 150)
	f.SetFillColor(232, 232, 232)
	f.SetLineWidth(0.2)

	listID := orDash(clean(p.ListID))
	f.SetFooterFunc(func() {
		f.SetFont(font, "", 7.5)
		f.SetXY(margin, pageH-12)
		f.CellFormat(textW/2, 4, "Gallringsprotokoll · gallringslista "+listID, "", 0, "L", false, 0, "")
		f.SetXY(pageW-margin-30, pageH-12)
		f.CellFormat(30, 4, "Sida "+strconv.Itoa(f.PageNo())+" av "+nbAlias, "", 0, "R", false, 0, "")
	})
	f.AddPage()

	r := &renderer{f: f}
	es := p.layout()
	for i, e := range es {
		if _, ok := e.(heading); ok && i+1 < len(es) {
			r.keep = r.height(es[i+1])
		}
		r.draw(e)
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("protocol: pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("protocol: pdf: %w", err)
	}
	return finish(buf.Bytes(), created)
}

// renderer draws the layout's elements, breaking pages itself so that a
// table row is never split and a table's header repeats on a new page.
type renderer struct {
	f    *fpdf.Fpdf
	keep float64 // mm of what follows a heading, to keep with it
}

// height estimates, without drawing, how much of e must follow its heading
// on the same page: a small key-value table whole, else a few lines.
func (r *renderer) height(e element) float64 {
	kv, ok := e.(keyValues)
	if !ok {
		return 14
	}
	r.f.SetFont(font, "", 9)
	h := 0.0
	for _, row := range kv {
		h += r.wrap([]string{row[0], row[1]}, kvWidths, 4.2).height
	}
	return min(h, keepMax)
}

// keepMax is the height of the largest key-value table kept on one page.
const keepMax = 60.0

// fits starts a new page unless h mm fit below the current position; it
// reports whether it did.
func (r *renderer) fits(h float64) bool {
	if r.f.GetY()+h <= bottom {
		return false
	}
	r.f.AddPage()
	return true
}

func (r *renderer) draw(e element) {
	f := r.f
	switch e := e.(type) {
	case title:
		f.SetFont(font, "B", 18)
		f.SetXY(margin, margin)
		f.CellFormat(textW, 9, string(e), "", 1, "L", false, 0, "")
		f.Ln(2)
	case heading:
		f.Ln(4)
		r.fits(6 + r.keep) // not alone at the foot of a page
		f.SetFont(font, "B", 12)
		f.SetX(margin)
		f.CellFormat(textW, 6, string(e), "", 1, "L", false, 0, "")
		f.Ln(1)
	case paragraph:
		f.SetFont(font, "", 9)
		lines := f.SplitText(string(e), textW)
		const lh = 4.4
		for _, l := range lines {
			r.fits(lh)
			f.SetX(margin)
			f.CellFormat(textW, lh, l, "", 1, "L", false, 0, "")
		}
		f.Ln(1.5)
	case keyValues:
		r.keyValues(e)
	case grid:
		r.grid(e)
	case items:
		r.items(e)
	}
}

// wrapped is one table row split into lines per cell.
type wrapped struct {
	cells  [][]string
	height float64
}

func (r *renderer) wrap(cells []string, widths []float64, lh float64) wrapped {
	w := wrapped{cells: make([][]string, len(cells))}
	n := 1
	for i, c := range cells {
		w.cells[i] = r.f.SplitText(c, widths[i])
		if len(w.cells[i]) == 0 {
			w.cells[i] = []string{""}
		}
		n = max(n, len(w.cells[i]))
	}
	w.height = float64(n)*lh + 1.2
	return w
}

// oneWord reports whether a value wrapped only because it is one long
// word, such as a digest, which is better shrunk than broken.
func oneWord(lines []string) bool {
	return len(lines) > 1 && !strings.ContainsRune(strings.Join(lines, ""), ' ')
}

var kvWidths = []float64{52, textW - 52}

func (r *renderer) keyValues(kv keyValues) {
	f := r.f
	const lh = 4.2
	rows := make([]wrapped, len(kv))
	total := 0.0
	for i, row := range kv {
		f.SetFont(font, "", 9) // wrapped in the wider of the two fonts' metrics is close enough
		rows[i] = r.wrap([]string{row[0], row[1]}, kvWidths, lh)
		if oneWord(rows[i].cells[1]) {
			rows[i].height = float64(len(rows[i].cells[0]))*lh + 1.2
		}
		total += rows[i].height
	}
	if total <= keepMax {
		r.fits(total) // keep a small table together
	}
	f.Line(margin, f.GetY(), margin+textW, f.GetY())
	for _, w := range rows {
		r.fits(w.height)
		y := f.GetY()
		f.SetFont(font, "B", 8.5)
		for j, l := range w.cells[0] {
			f.SetXY(margin, y+0.6+float64(j)*lh)
			f.CellFormat(kvWidths[0], lh, l, "", 0, "L", false, 0, "")
		}
		f.SetFont(font, "", 9)
		if oneWord(w.cells[1]) {
			// One long word, a digest: whole on one line, if smaller.
			f.SetXY(margin+kvWidths[0], y+0.6)
			r.fit(kvWidths[1], lh, strings.Join(w.cells[1], ""), 9)
			w.cells[1] = nil
		}
		for j, l := range w.cells[1] {
			f.SetXY(margin+kvWidths[0], y+0.6+float64(j)*lh)
			f.CellFormat(kvWidths[1], lh, l, "", 0, "L", false, 0, "")
		}
		f.Line(margin, y+w.height, margin+textW, y+w.height)
		f.SetXY(margin, y+w.height)
	}
	f.Ln(3)
}

func (r *renderer) grid(g grid) {
	f := r.f
	const (
		lh    = 3.8
		dh    = 2.9
		size  = 8
		dsize = 6
	)
	header := func() {
		y := f.GetY()
		f.Rect(margin, y, textW, lh+1, "F")
		f.SetFont(font, "B", size)
		x := margin
		for i, c := range g.cols {
			f.SetXY(x, y+0.5)
			r.fit(g.widths[i], lh, c, size)
			x += g.widths[i]
		}
		f.Line(margin, y+lh+1, margin+textW, y+lh+1)
		f.SetXY(margin, y+lh+1)
	}
	r.fits(lh + 1 + 3*(lh+dh+1.2))
	header()
	for i, row := range g.rows {
		f.SetFont(font, "", size)
		cells := make([]string, len(row))
		copy(cells, row)
		for j := range cells {
			if j < len(g.fit) && g.fit[j] {
				cells[j] = "" // drawn by fit, one line
			}
		}
		w := r.wrap(cells, g.widths, lh)
		h := w.height
		if i < len(g.details) {
			h += dh
		}
		if r.fits(h) {
			header()
		}
		y := f.GetY()
		x := margin
		for j, lines := range w.cells {
			if j < len(g.fit) && g.fit[j] {
				f.SetXY(x, y+0.6)
				r.fit(g.widths[j], lh, row[j], size)
			}
			for k, l := range lines {
				f.SetXY(x, y+0.6+float64(k)*lh)
				f.CellFormat(g.widths[j], lh, l, "", 0, "L", false, 0, "")
			}
			x += g.widths[j]
		}
		if i < len(g.details) {
			f.SetFont(font, "", dsize)
			f.SetXY(margin+3, y+w.height-0.6)
			r.fit(textW-3, dh, g.details[i], dsize)
		}
		f.Line(margin, y+h, margin+textW, y+h)
		f.SetXY(margin, y+h)
	}
	f.Ln(3)
}

// fit draws s in a cell of width w, shrinking the font so that a long
// identifier stays whole and readable rather than cut.
func (r *renderer) fit(w, h float64, s string, size float64) {
	f := r.f
	avail := w - 2*f.GetCellMargin()
	f.SetFontSize(size)
	if sw := f.GetStringWidth(s); sw > avail {
		f.SetFontSize(max(size*avail/sw, 3))
	}
	f.CellFormat(w, h, s, "", 0, "L", false, 0, "")
	f.SetFontSize(size)
}

func (r *renderer) items(is items) {
	f := r.f
	const (
		lh     = 3.9 // the row of short cells
		dh     = 2.9 // each of the two detail lines
		size   = 7.5
		dsize  = 6
		rowH   = lh + 2*dh + 0.9
		indent = 3.0
	)
	header := func() {
		y := f.GetY()
		f.Rect(margin, y, textW, lh+1, "F")
		f.SetFont(font, "B", size)
		x := margin
		for i, c := range itemCols {
			f.SetXY(x, y+0.5)
			r.fit(itemWidths[i], lh, c, size)
			x += itemWidths[i]
		}
		f.Line(margin, y+lh+1, margin+textW, y+lh+1)
		f.SetXY(margin, y+lh+1)
	}
	r.fits(lh + 1 + 3*rowH)
	header()
	for _, it := range is {
		if r.fits(rowH) {
			header()
		}
		y := f.GetY()
		f.SetFont(font, "", size)
		x := margin
		for i, c := range itemCells(it) {
			f.SetXY(x, y+0.3)
			r.fit(itemWidths[i], lh, c, size)
			x += itemWidths[i]
		}
		f.SetFont(font, "", dsize)
		f.SetXY(margin+indent, y+0.3+lh)
		r.fit(textW-indent, dh, itemIDs(it), dsize)
		f.SetXY(margin+indent, y+0.3+lh+dh)
		r.fit(textW-indent, dh, itemSum(it), dsize)
		f.Line(margin, y+rowH, margin+textW, y+rowH)
		f.SetXY(margin, y+rowH)
	}
	f.Ln(3)
}
