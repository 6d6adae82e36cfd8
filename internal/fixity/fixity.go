// Package fixity computes file digests. Each file is read once: every digest that is
// needed (the one the producer declared and the SHA-256 earkiv keeps) is computed in
// the same streaming pass.
package fixity

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
)

// Algorithm is a digest algorithm, named as in METS @CHECKSUMTYPE.
type Algorithm string

const (
	MD5    Algorithm = "MD5"
	SHA1   Algorithm = "SHA-1"
	SHA256 Algorithm = "SHA-256"
	SHA384 Algorithm = "SHA-384"
	SHA512 Algorithm = "SHA-512"
)

// Algorithms lists the supported algorithms.
var Algorithms = []Algorithm{MD5, SHA1, SHA256, SHA384, SHA512}

// Parse accepts a METS or PREMIS algorithm name in its common spellings.
func Parse(name string) (Algorithm, bool) {
	n := strings.ToUpper(strings.TrimSpace(name))
	n = strings.ReplaceAll(n, "_", "-")
	switch n {
	case "MD5":
		return MD5, true
	case "SHA-1", "SHA1":
		return SHA1, true
	case "SHA-256", "SHA256":
		return SHA256, true
	case "SHA-384", "SHA384":
		return SHA384, true
	case "SHA-512", "SHA512":
		return SHA512, true
	}
	return "", false
}

// New returns a fresh hash for a.
func (a Algorithm) New() hash.Hash {
	switch a {
	case MD5:
		return md5.New()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case SHA384:
		return sha512.New384()
	case SHA512:
		return sha512.New()
	}
	panic("fixity: unknown algorithm " + string(a))
}

// HexLen is the length of a's hex digest; a declared checksum of another length is
// malformed, which is worth telling apart from a mismatch.
func (a Algorithm) HexLen() int { return a.New().Size() * 2 }

// Result holds the size and digests of one stream.
type Result struct {
	Size    int64
	Digests map[Algorithm]string
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// ctxReader stops a long read when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Sum reads r to the end and returns its size and the digests for algs.
func Sum(ctx context.Context, r io.Reader, algs ...Algorithm) (Result, error) {
	hs := make([]hash.Hash, 0, len(algs))
	seen := map[Algorithm]bool{}
	ws := make([]io.Writer, 0, len(algs))
	var order []Algorithm
	for _, a := range algs {
		if seen[a] {
			continue
		}
		seen[a] = true
		h := a.New()
		hs = append(hs, h)
		ws = append(ws, h)
		order = append(order, a)
	}
	var w io.Writer = io.Discard
	switch len(ws) {
	case 0:
	case 1:
		w = ws[0]
	default:
		w = io.MultiWriter(ws...)
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	n, err := io.CopyBuffer(w, ctxReader{ctx, r}, *bp)
	if err != nil {
		return Result{Size: n}, fmt.Errorf("hash: %w", err)
	}
	res := Result{Size: n, Digests: make(map[Algorithm]string, len(hs))}
	for i, h := range hs {
		res.Digests[order[i]] = hex.EncodeToString(h.Sum(nil))
	}
	return res, nil
}

// Equal compares two hex digests, ignoring case.
func Equal(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
