package xmlsafe

import (
	"bufio"
	"io"
)

// compactReader drops what the document model never needs, so that a
// document's size in memory follows its elements, attributes and text, not
// its comments: comments and processing instructions after the XML
// declaration are replaced by the line breaks they held, which keeps every
// line number. n counts the bytes read from the source.
type compactReader struct {
	r     *bufio.Reader
	n     int64
	state int
	first bool   // at the document's first byte
	out   []byte // decoded, not yet returned
}

const (
	inText = iota
	inComment
	inPI
	inCDATA
)

func newCompactReader(r io.Reader) *compactReader {
	return &compactReader{r: bufio.NewReaderSize(r, 64<<10), first: true}
}

func (c *compactReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(c.out) < len(p) {
		b, err := c.r.ReadByte()
		if err != nil {
			if len(c.out) > 0 {
				break
			}
			return 0, err
		}
		c.n++
		first := c.first
		c.first = false
		switch c.state {
		case inText:
			if b != '<' {
				c.out = append(c.out, b)
				continue
			}
			head, _ := c.r.Peek(8)
			switch {
			case len(head) >= 3 && string(head[:3]) == "!--":
				c.skip(3)
				c.state = inComment
			case len(head) >= 1 && head[0] == '?' && !first:
				c.skip(1)
				c.state = inPI
			case len(head) >= 8 && string(head) == "![CDATA[":
				c.skip(8)
				c.out = append(c.out, "<![CDATA["...)
				c.state = inCDATA
			default:
				c.out = append(c.out, b)
			}
		case inComment:
			c.keepBreak(b)
			if b == '-' {
				if head, _ := c.r.Peek(2); len(head) == 2 && head[0] == '-' && head[1] == '>' {
					c.skip(2)
					c.state = inText
				}
			}
		case inPI:
			c.keepBreak(b)
			if b == '?' {
				if head, _ := c.r.Peek(1); len(head) == 1 && head[0] == '>' {
					c.skip(1)
					c.state = inText
				}
			}
		case inCDATA:
			c.out = append(c.out, b)
			if b == ']' {
				if head, _ := c.r.Peek(2); len(head) == 2 && head[0] == ']' && head[1] == '>' {
					c.skip(2)
					c.out = append(c.out, "]>"...)
					c.state = inText
				}
			}
		}
	}
	n := copy(p, c.out)
	c.out = append(c.out[:0], c.out[n:]...)
	return n, nil
}

func (c *compactReader) keepBreak(b byte) {
	if b == '\n' {
		c.out = append(c.out, '\n')
	}
}

func (c *compactReader) skip(n int) {
	d, _ := c.r.Discard(n)
	c.n += int64(d)
}
