// Package xmlsafe parses untrusted XML (package METS and metadata files) into an
// etree document, refusing what makes XML dangerous: DTDs and entity declarations
// (billion laughs, external entities), unbounded nesting and unbounded size.
// It also keeps the source line of every element, so findings can point at it.
package xmlsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Limits bound one document. docs/limits.md says why the defaults are
// what they are.
type Limits struct {
	MaxBytes    int64 // bytes in the document as stored, comments included
	MaxDepth    int   // nesting of elements
	MaxElements int   // elements in the document
}

// DefaultLimits allow METS files of a million files.
var DefaultLimits = Limits{MaxBytes: 1 << 30, MaxDepth: 256, MaxElements: 8_000_000}

// Error kinds; they double as rule ids in validation reports.
const (
	KindMalformed = "XML-WELLFORMED"
	KindDTD       = "XML-DTD"
	KindLimit     = "XML-LIMIT"
)

// Error is a reason the document cannot be accepted.
type Error struct {
	Kind string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s: line %d: %s", e.Kind, e.Line, e.Msg)
	}
	return e.Kind + ": " + e.Msg
}

// Doc is a parsed document with element line numbers.
type Doc struct {
	*etree.Document
	lines map[*etree.Element]int
}

// Line returns the line where e starts, or 0 if unknown.
func (d *Doc) Line(e *etree.Element) int { return d.lines[e] }

// Parse reads and checks one document.
func Parse(r io.Reader, lim Limits) (*Doc, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	// Comments are left out as the document is read (see compactReader):
	// a document mostly of comments costs what its elements cost.
	cr := newCompactReader(io.LimitReader(r, lim.MaxBytes+1))
	data, err := io.ReadAll(cr)
	if err != nil {
		return nil, fmt.Errorf("read xml: %w", err)
	}
	if cr.n > lim.MaxBytes {
		return nil, &Error{Kind: KindLimit, Msg: fmt.Sprintf("document larger than %d bytes (see docs/limits.md)", lim.MaxBytes)}
	}
	return ParseBytes(data, lim)
}

// ParseBytes is Parse for a document already in memory.
//
// A document is parsed once by etree (strict, UTF-8 only, depth-limited) and
// then run through a byte scan for DTDs and element lines, which costs a
// fraction of a second tokenizer pass. A document etree refuses goes
// through scan, the tokenizer pass, for a precise error and line.
func ParseBytes(data []byte, lim Limits) (*Doc, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{CharsetReader: utf8Only, MaxDepth: lim.MaxDepth}
	if err := doc.ReadFromBytes(data); err != nil {
		if _, serr := scan(data, lim); serr != nil {
			return nil, serr
		}
		if errors.Is(err, etree.ErrMaxDepth) {
			return nil, &Error{Kind: KindLimit, Msg: fmt.Sprintf("elements nested deeper than %d", lim.MaxDepth)}
		}
		return nil, &Error{Kind: KindMalformed, Msg: err.Error()}
	}
	root := doc.Root()
	if root == nil {
		return nil, &Error{Kind: KindMalformed, Msg: "no root element"}
	}
	lines, dtd := startLines(data)
	if dtd > 0 {
		return nil, errDTD(dtd)
	}
	if lim.MaxElements > 0 && len(lines) > lim.MaxElements {
		return nil, &Error{Kind: KindLimit, Line: lines[lim.MaxElements], Msg: fmt.Sprintf("more than %d elements (see docs/limits.md)", lim.MaxElements)}
	}
	d := &Doc{Document: doc, lines: make(map[*etree.Element]int, len(lines))}
	i := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if i < len(lines) {
			d.lines[e] = lines[i]
		}
		i++
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	for _, e := range doc.ChildElements() {
		walk(e)
	}
	if i != len(lines) {
		// The byte scan and the parser disagree on the elements (not seen
		// in any document): take the lines from the tokenizer.
		slow, err := scan(data, lim)
		if err != nil {
			return nil, err
		}
		lines, i = slow, 0
		for _, e := range doc.ChildElements() {
			walk(e)
		}
	}
	return d, nil
}

func errDTD(line int) error {
	return &Error{Kind: KindDTD, Line: line, Msg: "DTD or entity declaration not allowed (entity expansion and external entity attacks)"}
}

// utf8Only refuses documents declared in another encoding.
func utf8Only(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	}
	return nil, fmt.Errorf("encoding %q not accepted (UTF-8 only)", label)
}

// startLines scans a well-formed document for the line of every start tag,
// in document order, and the line of the first DTD or entity declaration (0
// if none). A start tag is a '<' not followed by '/', '!' or '?', outside
// comments, CDATA sections and processing instructions; well-formed XML has
// no other '<' (attribute values and text must escape it).
func startLines(data []byte) (lines []int, dtd int) {
	line, last := 1, 0
	lineAt := func(off int) int {
		line += bytes.Count(data[last:off], []byte{'\n'})
		last = off
		return line
	}
	skipTo := func(i int, end string) int {
		j := bytes.Index(data[i:], []byte(end))
		if j < 0 {
			return len(data)
		}
		return i + j + len(end)
	}
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 || i+j+1 >= len(data) {
			break
		}
		i += j
		rest := data[i+1:]
		switch {
		case rest[0] == '/':
			i += 2
		case rest[0] == '?':
			i = skipTo(i+2, "?>")
		case bytes.HasPrefix(rest, []byte("!--")):
			i = skipTo(i+4, "-->")
		case bytes.HasPrefix(rest, []byte("![CDATA[")):
			i = skipTo(i+9, "]]>")
		case rest[0] == '!':
			d := bytes.ToUpper(bytes.TrimSpace(rest[1:min(len(rest), 64)]))
			if dtd == 0 && (bytes.HasPrefix(d, []byte("DOCTYPE")) || bytes.HasPrefix(d, []byte("ENTITY"))) {
				dtd = lineAt(i)
			}
			i = skipTo(i+2, ">")
		default:
			lines = append(lines, lineAt(i))
			i++
		}
	}
	return lines, dtd
}

// scan is the tokenizer pass: a strict run that refuses DTDs and deep nesting
// and records the line of each start element in document order. ParseBytes
// uses it for the error of a document etree refused.
func scan(data []byte, lim Limits) ([]int, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = utf8Only
	var lines []int
	depth, roots := 0, 0
	line, lastOff := 1, 0
	lineAt := func(off int) int {
		if off > len(data) {
			off = len(data)
		}
		if off > lastOff {
			line += bytes.Count(data[lastOff:off], []byte{'\n'})
			lastOff = off
		}
		return line
	}
	for {
		start := int(dec.InputOffset())
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &Error{Kind: KindMalformed, Line: se.Line, Msg: se.Msg}
			}
			return nil, &Error{Kind: KindMalformed, Line: lineAt(int(dec.InputOffset())), Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.Directive:
			if isDTD(string(t)) {
				return nil, errDTD(lineAt(start))
			}
		case xml.StartElement:
			depth++
			if depth == 1 {
				roots++
			}
			if depth > lim.MaxDepth {
				return nil, &Error{Kind: KindLimit, Line: lineAt(start), Msg: fmt.Sprintf("elements nested deeper than %d", lim.MaxDepth)}
			}
			// start points at '<' unless whitespace preceded it in the same token
			// read; skip forward to the tag itself.
			off := start
			for off < len(data) && data[off] != '<' {
				off++
			}
			lines = append(lines, lineAt(off))
		case xml.EndElement:
			depth--
		}
	}
	if roots == 0 {
		return nil, &Error{Kind: KindMalformed, Msg: "no root element"}
	}
	return lines, nil
}
