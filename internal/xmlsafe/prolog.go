package xmlsafe

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Prolog is what a document says before and in its root start tag.
type Prolog struct {
	Encoding string // UTF-8, UTF-16LE, UTF-16BE or ISO-8859-1
	Space    string // namespace URI of the root element
	Local    string // local name of the root element
	Line     int    // line of the root start tag
	DTD      int    // line of a DOCTYPE before the root, 0 if none
}

// maxNamespaceBytes bounds a namespace URI kept while the root start tag is
// read; every other attribute value is skipped, however long.
const maxNamespaceBytes = 4096

// Sniff reads a document up to the end of its root start tag and no
// further, in memory bounded whatever comes first: comments, processing
// instructions, a DOCTYPE and attributes of any length. isXML is false for
// a file that does not start like XML (after a byte order mark and
// whitespace, its first character is not '<'); err is an *Error when it
// does but its prologue is malformed, or its encoding cannot be read.
func Sniff(r io.Reader) (p Prolog, isXML bool, err error) {
	dec, enc, err := Decode(r)
	if err != nil {
		return Prolog{Encoding: enc}, true, err
	}
	p.Encoding = enc
	s := &sniffer{r: bufio.NewReaderSize(dec, 512), line: 1}
	p, isXML, err = s.prolog()
	p.Encoding = enc
	return p, isXML, err
}

type sniffer struct {
	r    *bufio.Reader
	line int
	err  error // a read error other than io.EOF
}

func (s *sniffer) byte() (byte, bool) {
	b, err := s.r.ReadByte()
	if err != nil {
		if err != io.EOF {
			s.err = err
		}
		return 0, false
	}
	if b == '\n' {
		s.line++
	}
	return b, true
}

func (s *sniffer) malformed(format string, args ...any) error {
	if s.err != nil {
		return s.err
	}
	return &Error{Kind: KindMalformed, Line: s.line, Msg: fmt.Sprintf(format, args...)}
}

// skipTo reads past the next occurrence of end.
func (s *sniffer) skipTo(end string) bool {
	matched := 0
	for {
		b, ok := s.byte()
		if !ok {
			return false
		}
		switch {
		case b == end[matched]:
			matched++
		case b == end[0]:
			matched = 1
		default:
			matched = 0
		}
		if matched == len(end) {
			return true
		}
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func isNameByte(b byte) bool {
	return b == ':' || b == '_' || b == '-' || b == '.' || b >= 0x80 ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

func (s *sniffer) prolog() (Prolog, bool, error) {
	var p Prolog
	first := true
	for {
		b, ok := s.byte()
		if !ok {
			if first {
				return p, false, s.err
			}
			return p, true, s.malformed("no root element")
		}
		if isSpace(b) {
			continue
		}
		if b != '<' {
			if first {
				return p, false, s.err
			}
			return p, true, s.malformed("text before the root element")
		}
		first = false
		next, _ := s.r.Peek(1)
		switch {
		case len(next) == 0:
			return p, true, s.malformed("document ends in markup")
		case next[0] == '?':
			if !s.skipTo("?>") {
				return p, true, s.malformed("unterminated processing instruction")
			}
		case next[0] == '!':
			head, _ := s.r.Peek(9)
			switch {
			case bytes.HasPrefix(head, []byte("!--")):
				s.r.Discard(3)
				if !s.skipTo("-->") {
					return p, true, s.malformed("unterminated comment")
				}
			case bytes.HasPrefix(head, []byte("!DOCTYPE")):
				if p.DTD == 0 {
					p.DTD = s.line
				}
				if err := s.skipDoctype(); err != nil {
					return p, true, err
				}
			default:
				return p, true, s.malformed("markup declaration outside a DOCTYPE")
			}
		default:
			p.Line = s.line
			return p, true, s.root(&p)
		}
	}
}

// skipDoctype reads past a DOCTYPE, internal subset included.
func (s *sniffer) skipDoctype() error {
	var quote byte
	depth := 0
	for {
		b, ok := s.byte()
		if !ok {
			return s.malformed("unterminated DOCTYPE")
		}
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '[':
			depth++
		case b == ']':
			depth--
		case b == '>' && depth <= 0:
			return nil
		}
	}
}

// root reads the root start tag and resolves its name's namespace.
func (s *sniffer) root(p *Prolog) error {
	name, ok := s.name(1 << 10)
	if !ok || name == "" {
		return s.malformed("malformed root start tag")
	}
	prefix, local := "", name
	if i := bytes.IndexByte([]byte(name), ':'); i >= 0 {
		prefix, local = name[:i], name[i+1:]
	}
	p.Local = local
	ns := map[string]string{}
	for {
		b, ok := s.byte()
		for ok && isSpace(b) {
			b, ok = s.byte()
		}
		if !ok {
			return s.malformed("document ends in the root start tag")
		}
		if b == '>' || b == '/' {
			break
		}
		s.r.UnreadByte()
		attr, ok := s.name(1 << 10)
		if !ok || attr == "" {
			return s.malformed("malformed attribute in the root start tag")
		}
		b, ok = s.byte()
		for ok && isSpace(b) {
			b, ok = s.byte()
		}
		if b != '=' {
			return s.malformed("attribute %s has no value", attr)
		}
		q, ok := s.byte()
		for ok && isSpace(q) {
			q, ok = s.byte()
		}
		if q != '"' && q != '\'' {
			return s.malformed("attribute %s has an unquoted value", attr)
		}
		keep := attr == "xmlns" || len(attr) > 6 && attr[:6] == "xmlns:"
		var val []byte
		for {
			c, ok := s.byte()
			if !ok {
				return s.malformed("document ends in attribute %s", attr)
			}
			if c == q {
				break
			}
			if c == '<' {
				return s.malformed("'<' in the value of attribute %s", attr)
			}
			if keep {
				if len(val) >= maxNamespaceBytes {
					return &Error{Kind: KindLimit, Line: s.line, Msg: fmt.Sprintf("namespace name in %s longer than %d bytes", attr, maxNamespaceBytes)}
				}
				val = append(val, c)
			}
		}
		if keep {
			key := ""
			if attr != "xmlns" {
				key = attr[6:]
			}
			ns[key] = string(val)
		}
	}
	uri, ok := ns[prefix]
	if !ok && prefix != "" {
		return s.malformed("root element prefix %q is not declared", prefix)
	}
	p.Space = uri
	return nil
}

// name reads an XML name of at most max bytes.
func (s *sniffer) name(max int) (string, bool) {
	var out []byte
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return string(out), len(out) > 0
		}
		if !isNameByte(b) {
			s.r.UnreadByte()
			return string(out), true
		}
		if len(out) >= max {
			return "", false
		}
		out = append(out, b)
	}
}

// WellFormed checks a whole document, streaming: well-formed, no DTD, no
// deeper than lim.MaxDepth, in an encoding Decode reads. It keeps one token
// at a time, never the document.
func WellFormed(r io.Reader, lim Limits) error {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	dec, _, err := Decode(r)
	if err != nil {
		return err
	}
	d := xml.NewDecoder(dec)
	d.Strict = true
	d.CharsetReader = utf8Only
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &Error{Kind: KindMalformed, Line: se.Line, Msg: se.Msg}
			}
			return err
		}
		switch t := tok.(type) {
		case xml.Directive:
			if isDTD(string(t)) {
				line, _ := d.InputPos()
				return errDTD(line)
			}
		case xml.StartElement:
			depth++
			if depth == 1 {
				roots++
			}
			if depth > lim.MaxDepth {
				line, _ := d.InputPos()
				return &Error{Kind: KindLimit, Line: line, Msg: fmt.Sprintf("elements nested deeper than %d", lim.MaxDepth)}
			}
		case xml.EndElement:
			depth--
		}
	}
	if roots == 0 {
		return &Error{Kind: KindMalformed, Msg: "no root element"}
	}
	return nil
}

func isDTD(directive string) bool {
	d := strings.ToUpper(strings.TrimSpace(directive))
	return strings.HasPrefix(d, "DOCTYPE") || strings.HasPrefix(d, "ENTITY")
}
