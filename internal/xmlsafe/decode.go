package xmlsafe

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"unicode/utf16"
	"unicode/utf8"
)

// KindEncoding is the error kind of a document in an encoding earkiv cannot
// read; it doubles as a rule id.
const KindEncoding = "XML-ENCODING"

var (
	bomUTF8    = []byte{0xef, 0xbb, 0xbf}
	encodingRe = regexp.MustCompile(`\bencoding\s*=\s*["']([A-Za-z0-9._:-]*)["']`)
)

// Decode returns r as UTF-8 with what the document says about its encoding:
// a byte order mark, the UTF-16 form of "<?", or the encoding its XML
// declaration names. UTF-16 and ISO-8859-1 documents are transcoded, and
// their declaration then says UTF-8, so that a validator that reads only
// UTF-8 sees the document's own text. An encoding it cannot read is an
// *Error of KindEncoding. Lines stay where they are.
func Decode(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 512)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		br.Discard(3)
		return br, "UTF-8", checkDeclared(br, "UTF-8")
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		br.Discard(2)
		return redeclare(&utf16Reader{r: br, le: true}), "UTF-16LE", nil
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		br.Discard(2)
		return redeclare(&utf16Reader{r: br}), "UTF-16BE", nil
	case bytes.HasPrefix(head, []byte{'<', 0, '?', 0}):
		return redeclare(&utf16Reader{r: br, le: true}), "UTF-16LE", nil
	case bytes.HasPrefix(head, []byte{0, '<', 0, '?'}):
		return redeclare(&utf16Reader{r: br}), "UTF-16BE", nil
	}
	enc := declared(br)
	switch normEncoding(enc) {
	case "", "utf8", "usascii", "ascii":
		return br, "UTF-8", nil
	case "iso88591", "latin1", "l1", "isolatin1":
		return redeclare(&latin1Reader{r: br}), "ISO-8859-1", nil
	case "utf16", "utf16le", "utf16be":
		return nil, enc, &Error{Kind: KindEncoding, Line: 1, Msg: fmt.Sprintf("the XML declaration names encoding %q, but the document has no UTF-16 byte order mark", enc)}
	}
	return nil, enc, &Error{Kind: KindEncoding, Line: 1, Msg: fmt.Sprintf("encoding %q is not accepted (UTF-8, UTF-16 or ISO-8859-1)", enc)}
}

// checkDeclared refuses a declaration that contradicts a byte order mark.
func checkDeclared(br *bufio.Reader, bom string) error {
	switch normEncoding(declared(br)) {
	case "", "utf8":
		return nil
	}
	return &Error{Kind: KindEncoding, Line: 1, Msg: fmt.Sprintf("the byte order mark says %s, the XML declaration names encoding %q", bom, declared(br))}
}

// normEncoding folds an encoding name for comparison: lower case, without
// '-', '_' and spaces.
func normEncoding(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' || c == '_' || c == ' ':
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// declared is the encoding named in an ASCII-compatible XML declaration.
func declared(br *bufio.Reader) string {
	head, _ := br.Peek(512)
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	if m := encodingRe.FindSubmatch(head[:end]); m != nil {
		return string(m[1])
	}
	return ""
}

// redeclare rewrites the encoding an XML declaration names in r (already
// UTF-8) to UTF-8.
func redeclare(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(512)
	end := bytes.Index(head, []byte("?>"))
	if !bytes.HasPrefix(head, []byte("<?xml")) || end < 0 {
		return br
	}
	decl := encodingRe.ReplaceAll(head[:end], []byte(`encoding="UTF-8"`))
	decl = append(decl, head[end:]...)
	br.Discard(len(head))
	return io.MultiReader(bytes.NewReader(decl), br)
}

// utf16Reader transcodes UTF-16 to UTF-8.
type utf16Reader struct {
	r   io.Reader
	le  bool
	in  [4096]byte
	odd []byte // a byte of an unfinished code unit
	hi  rune   // a high surrogate waiting for its pair
	out []byte
	err error
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n := copy(u.in[:], u.odd)
		m, err := u.r.Read(u.in[n:])
		n += m
		u.err = err
		even := n &^ 1
		u.odd = append(u.odd[:0], u.in[even:n]...)
		for i := 0; i < even; i += 2 {
			var c rune
			if u.le {
				c = rune(u.in[i]) | rune(u.in[i+1])<<8
			} else {
				c = rune(u.in[i])<<8 | rune(u.in[i+1])
			}
			switch {
			case u.hi != 0:
				u.out = utf8.AppendRune(u.out, utf16.DecodeRune(u.hi, c))
				u.hi = 0
			case utf16.IsSurrogate(c):
				u.hi = c
			default:
				u.out = utf8.AppendRune(u.out, c)
			}
		}
		if u.err == io.EOF && (len(u.odd) > 0 || u.hi != 0) {
			u.out = utf8.AppendRune(u.out, utf8.RuneError) // a cut-off code unit: invalid, and said so by the parser
			u.odd, u.hi = nil, 0
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// latin1Reader transcodes ISO-8859-1 to UTF-8.
type latin1Reader struct {
	r   io.Reader
	in  [4096]byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	if len(l.out) == 0 {
		n, err := l.r.Read(l.in[:])
		for _, b := range l.in[:n] {
			l.out = utf8.AppendRune(l.out, rune(b))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
