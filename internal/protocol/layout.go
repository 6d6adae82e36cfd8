package protocol

import "strings"

// The protocol is laid out once, as a list of elements; PDF draws them and
// Text writes them as lines, so the two always say the same thing.
type element interface{ lines() []string }

type title string     // the document title
type heading string   // a section heading
type paragraph string // wrapped running text

// keyValues is a two-column table of labels and values, e.g. one rule.
type keyValues [][2]string

// grid is a table with a header row. Cells wrap, except those of a column
// marked fit, which shrink to stay on one line; an identifier is never
// broken. A row may have a detail line under it, across the table.
type grid struct {
	cols    []string
	widths  []float64 // mm, summing to the text width
	fit     []bool
	rows    [][]string
	details []string // one per row, or none
}

// items is the table of disposed cases and documents.
type items []Item

func (t title) lines() []string     { return []string{string(t)} }
func (h heading) lines() []string   { return []string{string(h)} }
func (p paragraph) lines() []string { return []string{string(p)} }

func (kv keyValues) lines() []string {
	out := make([]string, 0, len(kv))
	for _, r := range kv {
		if r[0] == "" {
			out = append(out, r[1])
			continue
		}
		out = append(out, r[0]+": "+r[1])
	}
	return out
}

func (g grid) lines() []string {
	out := []string{strings.Join(g.cols, " | ")}
	for i, r := range g.rows {
		out = append(out, strings.Join(r, " | "))
		if i < len(g.details) {
			out = append(out, g.details[i])
		}
	}
	return out
}

// The items table: one row of short cells, then two detail lines that give
// the identifiers and the full manifest digest an auditor checks.
var itemCols = []string{"Diarienummer", "Handling", "Regel", "Gallringsdatum", "Objekt", "Versioner", "Byte", "Manifest-SHA-256"}

var itemWidths = []float64{30, 30, 20, 24, 14, 16, 22, 24}

func itemCells(it Item) []string {
	doc := orDash(clean(it.Document))
	if it.Document == "" {
		doc = "hela ärendet"
	}
	if it.Partial {
		doc += " (delvis)"
	}
	return []string{
		orDash(clean(it.Case)), doc, orDash(clean(it.Rule)), orDash(clean(it.DisposalDate)),
		number(it.Objects), number(it.Versions), number(it.Bytes), short(it.ManifestSHA256),
	}
}

func itemIDs(it Item) string {
	return "AIP " + orDash(clean(it.AIP)) + "   paket " + orDash(clean(it.PackageID)) +
		"   PREMIS-händelse " + orDash(clean(it.PremisEvent))
}

func itemSum(it Item) string { return "Manifest-SHA-256 " + orDash(clean(it.ManifestSHA256)) }

func (is items) lines() []string {
	out := []string{strings.Join(itemCols, " | ")}
	for _, it := range is {
		out = append(out, strings.Join(itemCells(it), " | "), itemIDs(it), itemSum(it))
	}
	return out
}

// Text returns the protocol's lines as the PDF shows them, without page
// furniture (footer, page numbers) and without wrapping.
func (p *Protocol) Text() []string {
	var out []string
	for _, e := range p.layout() {
		out = append(out, e.lines()...)
	}
	return out
}

// documentTitle is the PDF's title, in the document and its metadata.
const documentTitle = "Gallringsprotokoll"

func (p *Protocol) layout() []element {
	es := []element{
		title(documentTitle),
		keyValues{
			{"Gallringslista", orDash(clean(p.ListID))},
			{"Organisation i earkiv", orDash(clean(p.Tenant))},
			{"Upprättat", when(p.Generated)},
		},
		paragraph("Protokollet dokumenterar att gallringen enligt gallringslistan har verkställts. " +
			"Det anger de gallrade ärendena och handlingarna med diarienummer och systemidentiteter, " +
			"men återger inte titlar, namn eller innehåll ur det som har gallrats."),

		heading("Arkivmyndighet och arkivbildare"),
	}
	parties := keyValues{{"Arkivmyndighet", party(p.Authority)}}
	for i, c := range p.Creators {
		k := ""
		if i == 0 {
			k = "Arkivbildare"
		}
		parties = append(parties, [2]string{k, party(c)})
	}
	if len(p.Creators) == 0 {
		parties = append(parties, [2]string{"Arkivbildare", "–"})
	}
	es = append(es, parties, heading("Beslut"))
	if len(p.Decisions) == 0 {
		es = append(es, paragraph("Inga gallringsbeslut angivna."))
	}
	for _, d := range p.Decisions {
		kv := keyValues{
			{"Regel", orDash(clean(d.Rule))},
			{"Gallringsbeslut", orDash(clean(d.Decision))},
			{"Planversion", orDash(clean(d.Plan))},
		}
		if d.PlanValidFrom != "" {
			kv = append(kv, [2]string{"Planen gäller från", clean(d.PlanValidFrom)})
		}
		kv = append(kv,
			[2]string{"Lagrum", orDash(clean(d.Law))},
			[2]string{"Räknas från", orDash(clean(d.Trigger))},
			[2]string{"Gallringsfrist", orDash(clean(d.Frist))},
		)
		es = append(es, kv)
	}

	es = append(es,
		heading("Omfattning"),
		paragraph(orDash(clean(p.Scope))),
		keyValues{{"SHA-256 för den fastställda gallringslistan", orDash(clean(p.ListSHA256))}},

		heading("Antal"),
		keyValues{
			{"Ärenden", number(p.Counts.Cases)},
			{"Handlingar", number(p.Counts.Documents)},
			{"Filer", number(p.Counts.Files)},
			{"Byte", byteSize(p.Counts.Bytes)},
		},

		heading("Gallrade handlingar"),
	)
	if len(p.Disposed) == 0 {
		es = append(es, paragraph("Inga handlingar har gallrats."))
	} else {
		es = append(es,
			paragraph("Varje rad anger ett ärende, eller en handling i ett ärende, med den regel som tillämpades. "+
				"Under raden står AIP, paket och id för PREMIS-händelsen som dokumenterar gallringen, "+
				"och manifestets fullständiga SHA-256."),
			items(p.Disposed))
	}

	es = append(es, heading("Undantag"))
	if len(p.Excluded) == 0 {
		es = append(es, paragraph("Inga ärenden undantogs från gallringslistan."))
	} else {
		g := grid{
			cols:   []string{"Diarienummer", "Skäl", "Utfall", "Beslutat av", "Tid"},
			widths: []float64{26, 66, 30, 28, 30},
			fit:    []bool{true, false, false, true, false},
		}
		for _, x := range p.Excluded {
			out := "bevaras"
			if x.Postponed != "" {
				out = "uppskjutet till " + clean(x.Postponed)
			}
			g.rows = append(g.rows, []string{orDash(clean(x.Case)), orDash(clean(x.Reason)),
				out, orDash(clean(x.By)), when(x.At)})
			g.details = append(g.details, "AIP "+orDash(clean(x.AIP)))
		}
		es = append(es, g)
	}

	es = append(es, heading("Överhoppade"))
	if len(p.Skipped) == 0 {
		es = append(es, paragraph("Inget hoppades över vid verkställandet."))
	} else {
		g := grid{
			cols:   []string{"Diarienummer", "Handling", "Skäl"},
			widths: []float64{26, 30, 124},
			fit:    []bool{true, true, false},
		}
		for _, s := range p.Skipped {
			doc := clean(s.Document)
			if doc == "" {
				doc = "hela ärendet"
			}
			g.rows = append(g.rows, []string{orDash(clean(s.Case)), doc, orDash(clean(s.Reason))})
			g.details = append(g.details, "AIP "+orDash(clean(s.AIP)))
		}
		es = append(es,
			paragraph("Följande kontrollerades på nytt när gallringen verkställdes och gallrades inte."),
			g)
	}

	method := clean(p.Method.Text)
	if method == "" {
		method = p.Method.Describe()
	}
	es = append(es,
		heading("Förslag och attest"),
		keyValues{
			{"Förslag av", actor(p.Proposer)},
			{"Föreslaget", when(p.Proposer.At)},
			{"Attest av", actor(p.Attestant)},
			{"Attesterat", when(p.Attestant.At)},
		},

		heading("Ångerfrist"),
		keyValues{{"Ångerfrist efter attest", orDash(clean(p.CoolingOff))}},

		heading("Genomförande"),
		keyValues{
			{"Påbörjad", when(p.Started)},
			{"Avslutad", when(p.Finished)},
			{"Metod", method},
			{"PREMIS", "Varje gallrad post har en PREMIS-händelse av typen deletion; händelsens id står vid posten under Gallrade handlingar."},
			{"Programvara", orDash(clean(p.Software))},
		},
	)
	return es
}
