package session

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
)

// Limits of what is stored with a session or token.
const (
	MaxTokenName  = 100 // bytes of a token's name
	MaxPersonName = 200 // bytes of a person's name kept with a session
	MaxClient     = 200 // bytes of the client kept with a session; longer is cut
	// MaxTokens is how many live tokens one person may hold, so a
	// script gone wrong cannot fill the bucket.
	MaxTokens = 50
)

// checkWho checks a tenant and person id where they enter.
func checkWho(tenant, person string) error {
	if err := ids.Tenant(tenant); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := ids.Person(person); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// checkRoles refuses no roles and unknown ones; which roles a person may
// hold in a tenant is the people package's to say, before a login.
func checkRoles(roles []people.Role) error {
	if len(roles) == 0 {
		return fmt.Errorf("%w: no roles", ErrInvalid)
	}
	for _, r := range roles {
		if !slices.Contains(people.Roles, r) {
			return fmt.Errorf("%w: unknown role %q", ErrInvalid, r)
		}
	}
	return nil
}

// checkText refuses text that is not printable UTF-8 of at most max bytes
// (tabs, new lines and other control characters included), or that
// starts or ends with a space.
func checkText(what, s string, max int) error {
	switch {
	case len(s) > max:
		return fmt.Errorf("%w: %s of %d bytes: at most %d", ErrInvalid, what, len(s), max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: %s %s is not UTF-8", ErrInvalid, what, ids.Quote(s))
	}
	for i, r := range s {
		if !unicode.IsPrint(r) || (r == ' ' && (i == 0 || i == len(s)-1)) {
			return fmt.Errorf("%w: %s %s holds a character that is not printable or starts or ends with a space", ErrInvalid, what, ids.Quote(s))
		}
	}
	return nil
}

// cut shortens s to at most max bytes, at a character's start, and drops
// what is not printable: the client is what a browser says, not checked.
func cut(s string, max int) string {
	out := make([]rune, 0, min(len(s), max))
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			continue
		}
		if n+utf8.RuneLen(r) > max {
			break
		}
		n += utf8.RuneLen(r)
		out = append(out, r)
	}
	return string(out)
}
