package session

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/earkiv/earkiv/internal/people"
)

// Token is a personal API token: a person's script acting as them, with
// the roles the token was given.
type Token struct {
	// ID is the token's public id, which is also in the token itself
	// (ekt_<tenant>_<id>_…), so a person can tell their tokens apart.
	ID, Tenant, Person, Name   string // Name: what the person called it
	Roles                      []people.Role
	Created, Expires, LastUsed time.Time
}

// NewToken is what CreateToken needs.
type NewToken struct {
	Tenant, Person, Name string
	Roles                []people.Role
	TTL                  time.Duration // 0: DefaultTokenTTL; at most Policy.TokenMax
}

// CreateToken makes a token and returns its secret, which is shown once
// and kept nowhere. Name is required: it is how the person later knows
// what to revoke.
func (s *Store) CreateToken(ctx context.Context, n NewToken) (secret string, tok *Token, err error) {
	if err := checkWho(n.Tenant, n.Person); err != nil {
		return "", nil, err
	}
	if err := checkRoles(n.Roles); err != nil {
		return "", nil, err
	}
	if n.Name == "" {
		return "", nil, fmt.Errorf("%w: a token needs a name, saying what uses it", ErrInvalid)
	}
	if err := checkText("token name", n.Name, MaxTokenName); err != nil {
		return "", nil, err
	}
	ttl := n.TTL
	switch {
	case ttl == 0:
		ttl = DefaultTokenTTL
	case ttl < 0:
		return "", nil, fmt.Errorf("%w: token lifetime %v is negative", ErrInvalid, ttl)
	}
	if ttl > s.p.TokenMax {
		return "", nil, fmt.Errorf("%w: token lifetime %v is longer than the longest allowed, %v", ErrInvalid, ttl, s.p.TokenMax)
	}
	live, err := s.Tokens(ctx, n.Tenant, n.Person)
	if err != nil {
		return "", nil, err
	}
	if len(live) >= MaxTokens {
		return "", nil, fmt.Errorf("%w: %s of %s holds %d tokens, the most allowed; revoke one first", ErrInvalid, n.Person, n.Tenant, len(live))
	}
	secret, p := newTokenSecret(n.Tenant, n.Person)
	now := s.now().UTC()
	r := &record{Hash: p.hash[:], Tenant: n.Tenant, Person: n.Person, Name: n.Name, Roles: slices.Clone(n.Roles),
		Created: now, LastSeen: now, Expires: now.Add(ttl)}
	e, err := s.create(ctx, s.tokens, p, r)
	if err != nil {
		return "", nil, fmt.Errorf("create token of %s of %s: %w", n.Person, n.Tenant, err)
	}
	return secret, e.token(), nil
}

func (e *entry) token() *Token {
	r := e.rec
	return &Token{ID: idFromKey(e.key), Tenant: r.Tenant, Person: r.Person, Name: r.Name, Roles: slices.Clone(r.Roles),
		Created: r.Created, Expires: r.Expires, LastUsed: r.LastSeen}
}

// GetToken returns the token of secret, or ErrNotFound if it is unknown,
// revoked or expired. A use well after the last one written is written as
// its LastUsed, by Run.
func (s *Store) GetToken(ctx context.Context, secret string) (*Token, error) {
	p, ok := parseToken(secret)
	if !ok {
		return nil, ErrNotFound
	}
	e, err := s.liveToken(ctx, p)
	if err != nil {
		return nil, err
	}
	return e.token(), nil
}

func (s *Store) liveToken(ctx context.Context, p *secret) (*entry, error) {
	e, err := s.lookup(ctx, s.tokens, p, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(e.rec.Expires) {
		return nil, errExpired
	}
	if now.Sub(e.rec.LastSeen) >= s.p.touchEvery() {
		s.queueTouch(ctx, s.tokens, e, now.UTC())
	}
	return e, nil
}

// Tokens returns the live tokens of person of tenant, newest first.
// Expired ones it finds it deletes, since the bucket keeps them for ever.
func (s *Store) Tokens(ctx context.Context, tenant, person string) ([]*Token, error) {
	if err := checkWho(tenant, person); err != nil {
		return nil, err
	}
	es, err := s.scan(ctx, s.tokens, tenant, person)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []*Token
	for _, e := range es {
		if now.Before(e.rec.Expires) {
			out = append(out, e.token())
			continue
		}
		if err := s.remove(ctx, s.tokens, e); err != nil {
			s.log.Warn("expired token not deleted", "tenant", tenant, "person", person, "token", idFromKey(e.key), "err", err)
		}
	}
	return out, nil
}

// RevokeToken revokes the token with id of person of tenant on every
// node; ErrNotFound if it is not theirs or revoked already.
func (s *Store) RevokeToken(ctx context.Context, tenant, person, id string) error {
	e, err := s.own(ctx, s.tokens, tenant, person, id)
	if err != nil {
		return err
	}
	return s.remove(ctx, s.tokens, e)
}
