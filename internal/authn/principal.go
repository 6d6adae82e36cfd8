// Package authn says who acts: a person of a tenant (through a session or
// a personal API token) or a tenant's producer (a case system). Every
// reader of the archive takes the tenant from the Principal it is given,
// never from the request, so no URL, parameter or header can name another
// municipality.
package authn

import (
	"context"
	"net"
	"net/http"
	"slices"

	"github.com/earkiv/earkiv/internal/people"
)

// Method is how a principal proved who it is.
type Method string

// The methods.
const (
	Session  Method = "session"  // a browser session (local password or OIDC)
	Token    Method = "token"    // a personal API token
	Producer Method = "producer" // a case system's HTTP basic login
)

// Principal is who acts, as established by a login.
type Principal struct {
	Tenant string        `json:"tenant"`
	ID     string        `json:"id"` // the person's id, or the producer's user
	Name   string        `json:"name,omitempty"`
	Roles  []people.Role `json:"roles"` // none for a producer
	Method Method        `json:"method"`
	// SessionID is the public id of the session (not its secret), so the
	// person can end it; TokenID names the token used. Empty otherwise.
	SessionID string `json:"-"`
	TokenID   string `json:"-"`
	// CSRF is the session's form token; empty outside sessions.
	CSRF string `json:"-"`
}

// Has tells whether p holds role r.
func (p *Principal) Has(r people.Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// IsProducer tells whether p is a case system, not a person.
func (p *Principal) IsProducer() bool { return p != nil && p.Method == Producer }

type ctxKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal ctx carries, if any.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(*Principal)
	return p, ok && p != nil
}

// ClientAddr is the address the access log names for r: the peer's IP,
// without its port. Never a forwarding header, which the client sets.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
