package protocol

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// meta is what the document information dictionary and the XMP packet both
// say; PDF/A asks that they agree.
type meta struct {
	title, author, subject, creator, producer string
	created                                   time.Time // UTC
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}

// xmp returns the packet declaring PDF/A-2b, with the same title, author,
// subject, tools and dates as the information dictionary.
func (m meta) xmp() []byte {
	d := m.created.Format("2006-01-02T15:04:05Z")
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
`)
	fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", xmlText(m.title))
	fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", xmlText(m.author))
	fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", xmlText(m.subject))
	b.WriteString("<dc:language><rdf:Bag><rdf:li>sv-SE</rdf:li></rdf:Bag></dc:language>\n")
	b.WriteString("</rdf:Description>\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">` + "\n")
	fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate>\n<xmp:ModifyDate>%s</xmp:ModifyDate>\n<xmp:MetadataDate>%s</xmp:MetadataDate>\n", d, d, d)
	fmt.Fprintf(&b, "<xmp:CreatorTool>%s</xmp:CreatorTool>\n", xmlText(m.creator))
	b.WriteString("</rdf:Description>\n")
	b.WriteString(`<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">` + "\n")
	fmt.Fprintf(&b, "<pdf:Producer>%s</pdf:Producer>\n", xmlText(m.producer))
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"r\"?>")
	return []byte(b.String())
}

// finish does to fpdf's output what fpdf cannot: it gives the dates of the
// information dictionary their time zone (UTC, as in the XMP packet) and
// adds a document ID, derived from the content, to the trailer.
func finish(pdf []byte, created time.Time) ([]byte, error) {
	stamp := "(D:" + created.Format("20060102150405") + ")"
	zoned := "(D:" + created.Format("20060102150405") + "Z)"
	for _, key := range []string{"/CreationDate ", "/ModDate "} {
		var err error
		pdf, err = insertBefore(pdf, []byte(key+stamp), len(key)+len(stamp)-1, []byte("Z"))
		if err != nil {
			return nil, err
		}
	}
	if !bytes.Contains(pdf, []byte("/CreationDate "+zoned)) {
		return nil, errors.New("protocol: pdf: creation date not rewritten")
	}

	pdf, err := fixInfo(pdf)
	if err != nil {
		return nil, err
	}

	sum := sha256.Sum256(pdf)
	id := strings.ToUpper(hex.EncodeToString(sum[:16]))
	trailer := []byte("trailer\n<<\n")
	i := bytes.LastIndex(pdf, trailer)
	if i < 0 {
		return nil, errors.New("protocol: pdf: no trailer")
	}
	i += len(trailer)
	out := make([]byte, 0, len(pdf)+80)
	out = append(out, pdf[:i]...)
	out = append(out, "/ID [<"+id+"> <"+id+">]\n"...)
	out = append(out, pdf[i:]...)
	return out, nil
}

// fixInfo points the trailer's /Info at the information dictionary. fpdf
// writes the output intent's profile between that dictionary and the
// catalog and then takes the object before the catalog for /Info.
func fixInfo(pdf []byte) ([]byte, error) {
	d := bytes.Index(pdf, []byte("\n/CreationDate (D:"))
	if d < 0 {
		return nil, errors.New("protocol: pdf: no information dictionary")
	}
	o := bytes.LastIndex(pdf[:d], []byte(" 0 obj\n"))
	if o < 0 {
		return nil, errors.New("protocol: pdf: information dictionary is no object")
	}
	start := bytes.LastIndexByte(pdf[:o], '\n') + 1
	n, err := strconv.Atoi(string(pdf[start:o]))
	if err != nil {
		return nil, fmt.Errorf("protocol: pdf: information dictionary: %w", err)
	}
	t := bytes.LastIndex(pdf, []byte("trailer\n"))
	if t < 0 {
		return nil, errors.New("protocol: pdf: no trailer")
	}
	i := bytes.Index(pdf[t:], []byte("/Info "))
	if i < 0 {
		return nil, errors.New("protocol: pdf: no /Info in the trailer")
	}
	i += t + len("/Info ")
	end := bytes.IndexByte(pdf[i:], '\n')
	out := make([]byte, 0, len(pdf)+4)
	out = append(out, pdf[:i]...)
	out = append(out, strconv.Itoa(n)+" 0 R"...)
	return append(out, pdf[i+end:]...), nil
}

// insertBefore inserts ins at offset at within the first occurrence of
// mark, before the cross-reference table, and moves every object after it
// and the table itself by len(ins).
func insertBefore(pdf, mark []byte, at int, ins []byte) ([]byte, error) {
	pos := bytes.Index(pdf, mark)
	if pos < 0 {
		return nil, fmt.Errorf("protocol: pdf: %q not found", mark)
	}
	pos += at
	xref, err := startXref(pdf)
	if err != nil {
		return nil, err
	}
	if pos > xref {
		return nil, errors.New("protocol: pdf: insertion after the cross-reference table")
	}
	out := make([]byte, 0, len(pdf)+len(ins))
	out = append(out, pdf[:pos]...)
	out = append(out, ins...)
	out = append(out, pdf[pos:]...)
	if err := shiftXref(out, xref+len(ins), pos, len(ins)); err != nil {
		return nil, err
	}
	return setStartXref(out, xref+len(ins))
}

func startXref(pdf []byte) (int, error) {
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	if i < 0 {
		return 0, errors.New("protocol: pdf: no startxref")
	}
	rest := pdf[i+len("startxref\n"):]
	end := bytes.IndexByte(rest, '\n')
	if end < 0 {
		return 0, errors.New("protocol: pdf: bad startxref")
	}
	n, err := strconv.Atoi(string(rest[:end]))
	if err != nil || n <= 0 || n >= len(pdf) {
		return 0, fmt.Errorf("protocol: pdf: bad startxref %q", rest[:end])
	}
	return n, nil
}

func setStartXref(pdf []byte, n int) ([]byte, error) {
	key := []byte("startxref\n")
	i := bytes.LastIndex(pdf, key) + len(key)
	end := bytes.IndexByte(pdf[i:], '\n')
	if end < 0 {
		return nil, errors.New("protocol: pdf: bad startxref")
	}
	out := make([]byte, 0, len(pdf)+4)
	out = append(out, pdf[:i]...)
	out = strconv.AppendInt(out, int64(n), 10)
	out = append(out, pdf[i+end:]...)
	return out, nil
}

// shiftXref adds delta, in place, to every offset after pos in the single
// cross-reference section at xref; each entry is the 20 bytes
// "nnnnnnnnnn ggggg n \n" that fpdf writes.
func shiftXref(pdf []byte, xref, pos, delta int) error {
	b := pdf[xref:]
	if !bytes.HasPrefix(b, []byte("xref\n0 ")) {
		return errors.New("protocol: pdf: no cross-reference table")
	}
	b = b[len("xref\n0 "):]
	nl := bytes.IndexByte(b, '\n')
	count, err := strconv.Atoi(string(b[:nl]))
	if err != nil {
		return fmt.Errorf("protocol: pdf: cross-reference count: %w", err)
	}
	b = b[nl+1:]
	if len(b) < count*20 {
		return errors.New("protocol: pdf: short cross-reference table")
	}
	for j := range count {
		e := b[j*20 : j*20+20]
		if e[17] != 'n' {
			continue
		}
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil {
			return fmt.Errorf("protocol: pdf: cross-reference entry %d: %w", j, err)
		}
		if off > pos {
			copy(e[:10], fmt.Sprintf("%010d", off+delta))
		}
	}
	return nil
}
