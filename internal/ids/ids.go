// Package ids checks the identifiers that reach NATS subjects, KV keys, S3
// keys and file paths, where they enter earkiv. A producer chooses some of
// them (a submission id, a package's OBJID, a file name); one that is too
// long or holds the wrong characters would otherwise break a subject (the
// NATS server drops a connection whose control line passes 4096 bytes) or
// escape a folder.
package ids

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid marks an identifier refused by this package.
var ErrInvalid = errors.New("invalid identifier")

// Limits. A package id's KV key is "pkg." and its base64url form (4/3 of
// its length): 1024 bytes keep the whole subject far below 4096.
const (
	MaxPackageID = 1024 // bytes of an OBJID
	MaxName      = 255  // bytes of the file or folder name a producer submits
	MaxUser      = 64   // bytes of a producer login
	MaxPerson    = 64   // bytes of a person's id
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Submission checks a submission id: a UUID in its canonical lower-case
// form, as earkiv's client makes them. Nothing else reaches a spool path or
// a receipt key.
func Submission(id string) error {
	if !uuidRe.MatchString(id) {
		return fmt.Errorf("%w: submission id %s: want a UUID in lower case (such as 0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f)", ErrInvalid, Quote(id))
	}
	return nil
}

// AIP checks an AIP id: a UUID in lower case, as aip.ID makes them.
func AIP(id string) error {
	if !uuidRe.MatchString(id) {
		return fmt.Errorf("%w: AIP id %s: want a UUID in lower case", ErrInvalid, Quote(id))
	}
	return nil
}

// Package checks a package id (METS OBJID): 1 to MaxPackageID bytes of
// UTF-8 with no control characters and no space at either end.
func Package(id string) error {
	return text("package id (OBJID)", id, MaxPackageID)
}

// Name checks the file or folder name a producer gives its package.
func Name(name string) error {
	if err := text("package name", name, MaxName); err != nil {
		return err
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return fmt.Errorf("%w: package name %s: want a file or folder name, not a path", ErrInvalid, Quote(name))
	}
	return nil
}

// Lookup checks an id a person or script looks a receipt up by: a
// submission id or a package id.
func Lookup(id string) error {
	if Submission(id) == nil {
		return nil
	}
	return text("submission or package id", id, MaxPackageID)
}

var tenantRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$`)

// Tenant checks a tenant id: 3 to 40 of a-z, 0-9 and '-', not starting or
// ending with '-'. It is one token of a NATS subject and part of bucket
// and stream names, so nothing else may pass.
func Tenant(id string) error {
	if !tenantRe.MatchString(id) {
		return fmt.Errorf("%w: tenant id %s: want 3-40 characters a-z, 0-9 and '-'", ErrInvalid, Quote(id))
	}
	return nil
}

var userRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// reserved are the names of earkiv's own logins and of what NATS gives a
// meaning: a tenant holding one could replace the service's login or read
// what is not its own.
var reserved = []string{"earkiv", "sys", "system", "admin", "root", "nats", "jetstream", "inbox", "service"}

// User checks a producer login: 3 to MaxUser bytes of a-z, 0-9, '-' and
// '_', starting with a letter or digit, and not one of the reserved names
// or starting with "earkiv" (the service's own logins) or "_inbox".
func User(u string) error {
	switch {
	case len(u) < 3 || len(u) > MaxUser:
		return fmt.Errorf("%w: producer user %s: want 3 to %d characters", ErrInvalid, Quote(u), MaxUser)
	case !userRe.MatchString(u):
		return fmt.Errorf("%w: producer user %s: want a-z, 0-9, '-' and '_', starting with a letter or digit (no spaces, dots, wildcards or upper case)", ErrInvalid, Quote(u))
	case IsReserved(u):
		return fmt.Errorf("%w: producer user %q is reserved for earkiv's own use", ErrInvalid, u)
	}
	return nil
}

var personRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9_-]|\.[a-z0-9_-])*$`)

// Person checks a person's id (a local login): 3 to MaxPerson bytes of
// a-z, 0-9, '.', '-' and '_', starting with a letter or digit, with no dot
// at the end or two in a row, and not a reserved name. It is a KV key,
// where a dot separates subject tokens, so no token may be empty.
func Person(id string) error {
	switch {
	case len(id) < 3 || len(id) > MaxPerson:
		return fmt.Errorf("%w: person id %s: want 3 to %d characters", ErrInvalid, Quote(id), MaxPerson)
	case !personRe.MatchString(id):
		return fmt.Errorf("%w: person id %s: want a-z, 0-9, '.', '-' and '_', starting with a letter or digit, no dot at the end or two in a row (no spaces or upper case)", ErrInvalid, Quote(id))
	case IsReserved(id):
		return fmt.Errorf("%w: person id %q is reserved for earkiv's own use", ErrInvalid, id)
	}
	return nil
}

// IsReserved reports whether name (a tenant id or a login) is one earkiv or
// NATS keeps for itself.
func IsReserved(name string) bool {
	n := strings.ToLower(name)
	if strings.HasPrefix(n, "earkiv") || strings.HasPrefix(n, "_inbox") || strings.HasPrefix(n, "$") {
		return true
	}
	for _, r := range reserved {
		if n == r {
			return true
		}
	}
	return false
}

func text(what, s string, max int) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalid, what)
	case len(s) > max:
		return fmt.Errorf("%w: %s of %d bytes: at most %d", ErrInvalid, what, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s %s is not UTF-8", ErrInvalid, what, Quote(s))
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("%w: %s %s starts or ends with a space", ErrInvalid, what, Quote(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\uFEFF' || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("%w: %s %s holds a control character (%U)", ErrInvalid, what, Quote(s), r)
		}
	}
	return nil
}

// Quote quotes s for a message, shortened to its first 64 bytes, so a
// message about a megabyte of id stays readable.
func Quote(s string) string {
	const keep = 64
	if len(s) <= keep {
		return fmt.Sprintf("%q", s)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}
