package protocol

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needPoppler returns the path of a poppler tool; outside CI a missing tool
// skips the test, in CI it fails it (make deps installs poppler-utils).
func needPoppler(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: make deps installs poppler-utils", tool)
		}
		t.Skipf("%s not found: install poppler-utils (make deps)", tool)
	}
	return p
}

// render renders p, skipping outside CI where fonts or profile are missing.
func render(t *testing.T, p *Protocol) []byte {
	t.Helper()
	if _, err := loadAssets(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	b, err := p.PDF()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// poppler runs a poppler tool on pdf and returns its output. The file
// takes the place of an argument "{}", or comes last.
func poppler(t *testing.T, tool string, pdf []byte, args ...string) string {
	t.Helper()
	bin := needPoppler(t, tool)
	f := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	placed := false
	for i, a := range args {
		if a == "{}" {
			args[i], placed = f, true
		}
	}
	if !placed {
		args = append(args, f)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return poppler(t, "pdftotext", pdf, "-enc", "UTF-8", "-q", "-nopgbrk", "{}", "-")
}

func TestPDFShowsWhatAnAuditorChecks(t *testing.T) {
	p := sample()
	text := pdfText(t, render(t, p))
	if !strings.Contains(text, "Gallringsprotokoll") {
		t.Fatalf("no title in the text:\n%s", text)
	}

	type want struct{ what, s string }
	var cases []want
	for _, it := range p.Disposed {
		cases = append(cases,
			want{"diarienummer", it.Case},
			want{"manifest-SHA-256", it.ManifestSHA256},
			want{"AIP", it.AIP},
			want{"package", it.PackageID},
			want{"PREMIS event", it.PremisEvent})
	}
	for _, d := range p.Decisions {
		cases = append(cases, want{"rule", d.Rule}, want{"decision", d.Decision}, want{"law", d.Law})
	}
	for _, x := range p.Excluded {
		cases = append(cases, want{"excluded case", x.Case}, want{"exclusion reason", x.Reason}, want{"excluded AIP", x.AIP})
	}
	for _, s := range p.Skipped {
		cases = append(cases, want{"skipped case", s.Case}, want{"skip reason", s.Reason}, want{"skipped AIP", s.AIP})
	}
	cases = append(cases,
		want{"list SHA-256", p.ListSHA256},
		want{"list id", p.ListID},
		want{"authority", p.Authority.Name},
		want{"creator", p.Creators[1].Name},
		want{"attestant", p.Attestant.Name},
		want{"attestant id", p.Attestant.ID},
		want{"attested at", "2026-11-22 14:05:00 +01:00"},
		want{"proposer", p.Proposer.Name},
		want{"cooling-off", "7 dagar"},
		want{"postponed", "uppskjutet till 2027-06-30"},
		want{"kept", "bevaras"},
		want{"partial", "(delvis)"},
		want{"method", "Alla versioner av varje objekt har raderats i primär lagring och i replik; posterna har tagits bort ur katalogen och sökindexet."},
		want{"bytes with thin spaces", "25\u202f925\u202f907 byte"},
		want{"page number", "Sida 1 av 3"},
		want{"software", "earkiv v1.2.3"},
	)
	for _, h := range []string{"Arkivmyndighet och arkivbildare", "Beslut", "Omfattning", "Antal", "Gallrade handlingar",
		"Undantag", "Överhoppade", "Förslag och attest", "Ångerfrist", "Genomförande"} {
		cases = append(cases, want{"section", h})
	}
	flat := strings.Join(strings.Fields(text), " ")
	for _, c := range cases {
		t.Run(c.what+"/"+c.s, func(t *testing.T) {
			if !strings.Contains(flat, strings.Join(strings.Fields(c.s), " ")) {
				t.Errorf("the PDF does not show the %s %q", c.what, c.s)
			}
		})
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("the PDF shows %q", s)
		}
	}
}

func TestPDFFontsEmbedded(t *testing.T) {
	out := poppler(t, "pdffonts", render(t, sample()))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 { // header, rule, regular, bold
		t.Fatalf("pdffonts shows no fonts:\n%s", out)
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type... emb sub uni object ID
		if len(f) < 6 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", l)
		}
		if !strings.Contains(strings.ToLower(l), "dejavu") {
			t.Errorf("font other than DejaVu: %s", l)
		}
	}
}

func TestPDFDeterministic(t *testing.T) {
	a := render(t, sample())
	b := render(t, sample())
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of one protocol differ")
	}
	later := sample()
	later.Generated = later.Generated.Add(time.Second)
	if bytes.Equal(a, render(t, later)) {
		t.Fatal("a later Generated gives the same bytes")
	}
}

func TestPDFMetadata(t *testing.T) {
	pdf := render(t, sample())
	info := poppler(t, "pdfinfo", pdf, "-isodates")
	for _, w := range []string{
		"Title:           Gallringsprotokoll",
		"Author:          Kommunstyrelsen i Västerås stad",
		"Creator:         earkiv v1.2.3",
		"Producer:        earkiv v1.2.3 med go-pdf/fpdf v0.12.0",
		"CreationDate:    2026-11-29T13:08:00Z",
		"ModDate:         2026-11-29T13:08:00Z",
		"Page size:       595.28 x 841.89 pts (A4)",
		"Metadata Stream: yes",
	} {
		if !strings.Contains(info, w) {
			t.Errorf("pdfinfo lacks %q:\n%s", w, info)
		}
	}
	xmp := poppler(t, "pdfinfo", pdf, "-meta")
	for _, w := range []string{
		"<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>",
		`<rdf:li xml:lang="x-default">Gallringsprotokoll</rdf:li>`,
		"<rdf:li>Kommunstyrelsen i Västerås stad</rdf:li>",
		"<xmp:CreateDate>2026-11-29T13:08:00Z</xmp:CreateDate>",
		"<pdf:Producer>earkiv v1.2.3 med go-pdf/fpdf v0.12.0</pdf:Producer>",
		"<xmp:CreatorTool>earkiv v1.2.3</xmp:CreatorTool>",
	} {
		if !strings.Contains(xmp, w) {
			t.Errorf("XMP lacks %q", w)
		}
	}
	for _, w := range []string{"/OutputIntents [", "/S /GTS_PDFA1", "/DestOutputProfile ", "/ID [<", "/Lang (sv-SE)"} {
		if !bytes.Contains(pdf, []byte(w)) {
			t.Errorf("PDF lacks %q", w)
		}
	}
	for _, w := range []string{"/SMask", "/CA ", "/ca ", "/JavaScript ", "/Annots"} {
		if bytes.Contains(pdf, []byte(w)) {
			t.Errorf("PDF has %q, which PDF/A-2b forbids or the protocol does not use", w)
		}
	}
}

// TestPDFCrossReference checks that every offset in the table, which
// finish moves, still points at its object.
func TestPDFCrossReference(t *testing.T) {
	pdf := render(t, sample())
	x, err := startXref(pdf)
	if err != nil {
		t.Fatal(err)
	}
	rest := pdf[x:]
	m := regexp.MustCompile(`^xref\n0 (\d+)\n`).FindSubmatch(rest)
	if m == nil {
		t.Fatalf("no xref at %d", x)
	}
	n, _ := strconv.Atoi(string(m[1]))
	entries := rest[len(m[0]):]
	for i := 1; i < n; i++ {
		off, _ := strconv.Atoi(string(entries[i*20 : i*20+10]))
		if want := fmt.Sprintf("%d 0 obj\n", i); !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: offset %d points at %q", i, off, pdf[off:min(off+12, len(pdf))])
		}
	}
	tr := pdf[bytes.LastIndex(pdf, []byte("trailer")):]
	im := regexp.MustCompile(`/Info (\d+) 0 R`).FindSubmatch(tr)
	if im == nil {
		t.Fatal("no /Info")
	}
	i, _ := strconv.Atoi(string(im[1]))
	off, _ := strconv.Atoi(string(entries[i*20 : i*20+10]))
	if !bytes.Contains(pdf[off:off+2000], []byte("/CreationDate (D:20261129130800Z)")) {
		t.Errorf("/Info %d is not the information dictionary", i)
	}
}

func TestPDFManyItemsPaginate(t *testing.T) {
	p := sample()
	base := p.Disposed[0]
	p.Disposed = nil
	for i := range 10000 {
		it := base
		it.Case = fmt.Sprintf("BN %d/%d", 2000+i%20, i)
		it.ManifestSHA256 = sum(strconv.Itoa(i))
		it.PremisEvent = fmt.Sprintf("0190d001-0000-7000-8000-%012d", i)
		p.Disposed = append(p.Disposed, it)
	}
	if _, err := loadAssets(); err != nil {
		render(t, p) // skips or fails with the reason
	}
	start := time.Now()
	pdf := render(t, p)
	took := time.Since(start)
	limit := 2 * time.Second
	if raceEnabled {
		limit *= 10 // the race detector slows fpdf's byte work about tenfold
	}
	if took > limit {
		t.Errorf("10 000 items took %v, want < %v", took, limit)
	}
	t.Logf("10 000 items: %v, %d bytes", took, len(pdf))

	info := poppler(t, "pdfinfo", pdf)
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(m[1])
	if pages < 200 {
		t.Fatalf("%d pages for 10 000 items", pages)
	}
	text := pdfText(t, pdf)
	for _, w := range []string{"Sida 1 av " + m[1], "Sida " + m[1] + " av " + m[1], "BN 2019/9999", sum("9999"), "Genomförande"} {
		if !strings.Contains(text, w) {
			t.Errorf("the PDF does not show %q", w)
		}
	}
	// Every page but the first repeats the table header while the table runs.
	if n := strings.Count(text, "Gallringsdatum"); n < pages-3 {
		t.Errorf("table header on %d pages of %d", n, pages)
	}
}

func TestPDFMissingFont(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("EARKIV_FONT_DIR", dir)
	saved := fontDirs
	fontDirs = []string{filepath.Join(dir, "nothing")}
	t.Cleanup(func() { fontDirs = saved })
	_, err := sample().PDF()
	if err == nil {
		t.Fatal("PDF without fonts succeeded")
	}
	for _, w := range []string{"DejaVuSans.ttf", dir, "fonts-dejavu-core", "EARKIV_FONT_DIR"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}

func TestPDFMissingProfile(t *testing.T) {
	if _, err := findFont(fontRegular); err != nil {
		t.Skip(err)
	}
	t.Setenv("EARKIV_ICC_PROFILE", "")
	saved := iccPaths
	iccPaths = []string{filepath.Join(t.TempDir(), "sRGB.icc")}
	t.Cleanup(func() { iccPaths = saved })
	_, err := sample().PDF()
	if err == nil || !strings.Contains(err.Error(), "icc-profiles-free") {
		t.Fatalf("err = %v, want one naming icc-profiles-free", err)
	}
}
