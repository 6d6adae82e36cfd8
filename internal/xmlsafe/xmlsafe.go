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

// Limits bound one document.
type Limits struct {
	MaxBytes int64
	MaxDepth int
}

// DefaultLimits allow METS files of a million files.
var DefaultLimits = Limits{MaxBytes: 1 << 30, MaxDepth: 256}

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
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read xml: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, &Error{Kind: KindLimit, Msg: fmt.Sprintf("document larger than %d bytes", lim.MaxBytes)}
	}
	return ParseBytes(data, lim)
}

// ParseBytes is Parse for a document already in memory.
func ParseBytes(data []byte, lim Limits) (*Doc, error) {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	lines, err := scan(data, lim)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, &Error{Kind: KindMalformed, Msg: err.Error()}
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
	if root := doc.Root(); root != nil {
		walk(root)
	}
	return d, nil
}

// scan is the safety pass: a strict tokenizer run that refuses DTDs and deep nesting
// and records the line of each start element in document order.
func scan(data []byte, lim Limits) ([]int, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("encoding %q not accepted (UTF-8 only)", label)
	}
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
			d := strings.ToUpper(strings.TrimSpace(string(t)))
			if strings.HasPrefix(d, "DOCTYPE") || strings.HasPrefix(d, "ENTITY") {
				return nil, &Error{Kind: KindDTD, Line: lineAt(start), Msg: "DTD or entity declaration not allowed (entity expansion and external entity attacks)"}
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
