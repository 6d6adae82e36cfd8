package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strings"

	"github.com/earkiv/earkiv/internal/ids"
)

// Lengths and marks of the parts of a secret.
const (
	tagLen    = 8                 // person tag: 5 bytes of a hash in base32
	idLen     = tagLen + 16       // id: the tag and 10 bytes of the secret's hash in base32
	randLen   = 43                // 32 random bytes in unpadded base64url
	tokPrefix = "ekt_"            // says what a token is, to a person and to secret scanners
	csrfLabel = "earkiv-csrf\x00" // keeps the form token apart from the secret's hash
)

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// personTag is the person's part of a key: short, one KV token, the same
// for all of a person's entries.
func personTag(person string) string {
	h := sha256.Sum256([]byte(person))
	return b32.EncodeToString(h[:5])
}

// secret is a session's or token's secret taken apart.
type secret struct {
	tenant, tag, id string
	hash            [sha256.Size]byte
}

// key is where the secret's record is.
func (p *secret) key() string { return entryKey(p.tenant, p.tag, p.id) }

func entryKey(tenant, tag, id string) string { return tenant + "." + tag + "." + id }

func idOf(tag string, h [sha256.Size]byte) string { return tag + b32.EncodeToString(h[:10]) }

// random returns 256 bits from crypto/rand in base64url.
func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil { // crypto/rand crashes rather than fail
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// newSessionSecret makes a session secret for person of tenant.
func newSessionSecret(tenant, person string) (string, *secret) {
	s := tenant + "." + personTag(person) + "." + random()
	p, _ := parseSession(s)
	return s, p
}

// parseSession takes a session secret apart; ok is false for anything
// not in its form.
func parseSession(s string) (*secret, bool) {
	t, rest, ok := strings.Cut(s, ".")
	if !ok || len(rest) != tagLen+1+randLen || rest[tagLen] != '.' || ids.Tenant(t) != nil ||
		!isB32(rest[:tagLen]) || !isB64(rest[tagLen+1:]) {
		return nil, false
	}
	p := &secret{tenant: t, tag: rest[:tagLen], hash: sha256.Sum256([]byte(s))}
	p.id = idOf(p.tag, p.hash)
	return p, true
}

// csrf is a session's form token: derived from the secret, so it is never
// stored, and one-way, so a page that shows it gives the secret away.
func csrf(s string) string {
	h := sha256.Sum256([]byte(csrfLabel + s))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// newTokenSecret makes a token secret for person of tenant.
func newTokenSecret(tenant, person string) (string, *secret) {
	tag, r := personTag(person), random()
	h := tokenHash(tenant, tag, r)
	s := tokPrefix + tenant + "_" + idOf(tag, h) + "_" + r
	p, _ := parseToken(s)
	return s, p
}

// tokenHash is what a token's id and stored hash come from. It covers the
// tenant and the tag, so a token with either changed names no record.
func tokenHash(tenant, tag, r string) [sha256.Size]byte {
	return sha256.Sum256([]byte(tokPrefix + tenant + "_" + tag + "_" + r))
}

// parseToken takes a token apart, checking that its id is the one its
// secret part gives.
func parseToken(s string) (*secret, bool) {
	rest, ok := strings.CutPrefix(s, tokPrefix)
	if !ok {
		return nil, false
	}
	t, rest, ok := strings.Cut(rest, "_")
	if !ok || len(rest) != idLen+1+randLen || rest[idLen] != '_' || ids.Tenant(t) != nil ||
		!isB32(rest[:idLen]) || !isB64(rest[idLen+1:]) {
		return nil, false
	}
	p := &secret{tenant: t, tag: rest[:tagLen], id: rest[:idLen]}
	p.hash = tokenHash(t, p.tag, rest[idLen+1:])
	if idOf(p.tag, p.hash) != p.id {
		return nil, false
	}
	return p, true
}

func isB32(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

func isB64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}
