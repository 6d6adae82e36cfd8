// Package people holds the people of each tenant (archivists, archive
// officers, staff who look things up, the joint body's operators), their
// roles and their local passwords. NATS is the system of record: one KV
// bucket per tenant, which no producer can reach.
//
// A Store is bound to one tenant when it is opened, from the identity of
// whoever acts; nothing a request carries chooses another tenant.
package people

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Person is one person of a tenant.
type Person struct {
	Tenant   string    `json:"tenant"`
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Roles    []Role    `json:"roles"`
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	// PasswordHash is the bcrypt hash of the local password ("" for a
	// person who logs in only through the municipality's identity
	// provider). It is never shown.
	PasswordHash string `json:"-"`
	// Issuer and Subject link the person to their account at the
	// municipality's identity provider (set at the first login there);
	// later logins must come from that same account.
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
	// Revision is the KV revision the person was read at; an update names
	// it, so a change made meanwhile is refused rather than overwritten.
	Revision uint64 `json:"revision"`
}

// Has tells whether p holds role r.
func (p *Person) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// record is a person as the bucket stores it: with the hash, without the
// revision (the bucket gives that).
type record struct {
	Tenant       string    `json:"tenant"`
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Roles        []Role    `json:"roles"`
	Disabled     bool      `json:"disabled,omitempty"`
	PasswordHash string    `json:"passwordHash,omitempty"`
	Issuer       string    `json:"issuer,omitempty"`
	Subject      string    `json:"subject,omitempty"`
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

func (p *Person) record() record {
	return record{Tenant: p.Tenant, ID: p.ID, Name: p.Name, Roles: p.Roles, Disabled: p.Disabled,
		PasswordHash: p.PasswordHash, Issuer: p.Issuer, Subject: p.Subject, Created: p.Created, Updated: p.Updated}
}

func (r record) person(rev uint64) *Person {
	return &Person{Tenant: r.Tenant, ID: r.ID, Name: r.Name, Roles: r.Roles, Disabled: r.Disabled,
		PasswordHash: r.PasswordHash, Issuer: r.Issuer, Subject: r.Subject, Created: r.Created, Updated: r.Updated, Revision: rev}
}

// ErrInvalid marks a person's field that is refused.
var ErrInvalid = errors.New("invalid person")

// maxName is the longest name kept, in bytes.
const maxName = 200

// checkName refuses an empty name and one no list or log could show.
func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: the name is empty", ErrInvalid)
	case len(name) > maxName:
		return fmt.Errorf("%w: the name has %d bytes; at most %d", ErrInvalid, len(name), maxName)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: the name is not UTF-8 text", ErrInvalid)
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%w: the name %q starts or ends with a space", ErrInvalid, name)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: the name %q holds a control character", ErrInvalid, name)
		}
	}
	return nil
}
