package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/people"
)

// How a session was opened.
const (
	MethodPassword = "lösenord" // a local password (people.Store.CheckPassword)
	MethodOIDC     = "oidc"     // the municipality's identity provider
)

// Session is a person's browser session.
type Session struct {
	// ID is the session's public id, which lets the person end it; it
	// does not log anyone in.
	ID, Tenant, Person, Name string
	Roles                    []people.Role
	Method                   string // MethodPassword or MethodOIDC
	Client                   string // the browser, as it said (cut to MaxClient)
	Created, LastSeen        time.Time
	// CSRF is the token forms of this session carry. It comes from the
	// session's secret, so only Create and Get give it; List does not.
	CSRF string
}

// NewSession is what Create needs.
type NewSession struct {
	Tenant, Person, Name string
	Roles                []people.Role
	Method, Client       string
}

// Create opens a session and returns its secret, for the cookie, which
// is not kept anywhere.
func (s *Store) Create(ctx context.Context, n NewSession) (secret string, sess *Session, err error) {
	if err := checkWho(n.Tenant, n.Person); err != nil {
		return "", nil, err
	}
	if err := checkRoles(n.Roles); err != nil {
		return "", nil, err
	}
	if err := checkText("name", n.Name, MaxPersonName); err != nil {
		return "", nil, err
	}
	if n.Method != MethodPassword && n.Method != MethodOIDC {
		return "", nil, fmt.Errorf("%w: login method %q: want %q or %q", ErrInvalid, n.Method, MethodPassword, MethodOIDC)
	}
	secret, p := newSessionSecret(n.Tenant, n.Person)
	now := s.now().UTC()
	r := &record{Hash: p.hash[:], Tenant: n.Tenant, Person: n.Person, Name: n.Name, Roles: slices.Clone(n.Roles),
		Method: n.Method, Client: cut(n.Client, MaxClient), Created: now, LastSeen: now}
	e, err := s.create(ctx, s.sessions, p, r)
	if err != nil {
		return "", nil, fmt.Errorf("create session of %s of %s: %w", n.Person, n.Tenant, err)
	}
	return secret, e.session(p.id, csrf(secret)), nil
}

// create stores r at p's key, which must be new.
func (s *Store) create(ctx context.Context, b *bucket, p *secret, r *record) (*entry, error) {
	v, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	gen := b.cache.generation()
	rev, err := b.kv.Create(ctx, p.key(), v)
	if err != nil {
		return nil, err
	}
	e := &entry{key: p.key(), rev: rev, rec: r}
	b.cache.put(e, gen)
	return e, nil
}

// Get returns the session of secret, or ErrNotFound if it is unknown,
// ended, or past its idle or absolute time-out. A use a minute (or a
// quarter of the idle time-out) after the last one written is written as
// the session's LastSeen, by Run.
func (s *Store) Get(ctx context.Context, secret string) (*Session, error) {
	p, ok := parseSession(secret)
	if !ok {
		return nil, ErrNotFound
	}
	e, err := s.liveSession(ctx, p)
	if err != nil {
		return nil, err
	}
	return e.session(p.id, csrf(secret)), nil
}

// liveSession returns p's entry if the session is within its time-outs,
// touching it when due.
func (s *Store) liveSession(ctx context.Context, p *secret) (*entry, error) {
	e, err := s.lookup(ctx, s.sessions, p, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(e.rec.Created.Add(s.p.Absolute)) {
		return nil, errMaxAge
	}
	if !now.Before(e.rec.LastSeen.Add(s.p.Idle)) {
		// The cache may hold a revision older than another node's touch.
		if e, err = s.lookup(ctx, s.sessions, p, true); err != nil {
			return nil, err
		}
		if !now.Before(e.rec.LastSeen.Add(s.p.Idle)) {
			return nil, errIdle
		}
	}
	if now.Sub(e.rec.LastSeen) >= s.p.touchEvery() {
		s.queueTouch(ctx, s.sessions, e, now.UTC())
	}
	return e, nil
}

func (e *entry) session(id, csrf string) *Session {
	r := e.rec
	return &Session{ID: id, Tenant: r.Tenant, Person: r.Person, Name: r.Name, Roles: slices.Clone(r.Roles),
		Method: r.Method, Client: r.Client, Created: r.Created, LastSeen: r.LastSeen, CSRF: csrf}
}

// End ends the session of secret on every node (a logout). A secret that
// names no session, or one ended already, is no error: logging out always
// succeeds.
func (s *Store) End(ctx context.Context, secret string) error {
	p, ok := parseSession(secret)
	if !ok {
		return nil
	}
	e, err := s.lookup(ctx, s.sessions, p, true)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return s.remove(ctx, s.sessions, e)
}

// EndSession ends the session with public id of person of tenant, as a
// person ends their session on another device; ErrNotFound if it is not
// theirs or ended already.
func (s *Store) EndSession(ctx context.Context, tenant, person, id string) error {
	e, err := s.own(ctx, s.sessions, tenant, person, id)
	if err != nil {
		return err
	}
	return s.remove(ctx, s.sessions, e)
}

// own reads the entry with public id of person of tenant from b.
func (s *Store) own(ctx context.Context, b *bucket, tenant, person, id string) (*entry, error) {
	if err := checkWho(tenant, person); err != nil {
		return nil, err
	}
	tag := personTag(person)
	if len(id) != idLen || id[:tagLen] != tag || !isB32(id) {
		return nil, ErrNotFound
	}
	key := entryKey(tenant, tag, id)
	kve, err := b.kv.Get(ctx, key)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("read %s %s of %s: %w", b.kind, id, tenant, err)
	}
	r, err := decode(kve.Value())
	if err != nil {
		return nil, fmt.Errorf("read %s %s of %s: unreadable: %w", b.kind, id, tenant, err)
	}
	if r.Tenant != tenant || r.Person != person {
		return nil, ErrNotFound
	}
	return &entry{key: key, rev: kve.Revision(), rec: r}, nil
}

// List returns the live sessions of person of tenant, newest first,
// without their CSRF tokens.
func (s *Store) List(ctx context.Context, tenant, person string) ([]*Session, error) {
	if err := checkWho(tenant, person); err != nil {
		return nil, err
	}
	es, err := s.scan(ctx, s.sessions, tenant, person)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []*Session
	for _, e := range es {
		if now.Before(e.rec.Created.Add(s.p.Absolute)) && now.Before(e.rec.LastSeen.Add(s.p.Idle)) {
			out = append(out, e.session(idFromKey(e.key), ""))
		}
	}
	return out, nil
}

// idFromKey is the public id at the end of a key.
func idFromKey(key string) string { return key[len(key)-idLen:] }
