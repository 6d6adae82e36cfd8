package people

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Errors a caller tells apart.
var (
	ErrExists   = errors.New("person exists")
	ErrNotFound = errors.New("no such person")
	// ErrConflict: the person changed after the caller read them; read
	// again and decide again, since the other change would otherwise be
	// lost.
	ErrConflict = errors.New("person changed meanwhile")
	// ErrBadLogin is every failed password check: unknown, disabled or
	// wrong password alike, so a caller cannot tell which to an attacker.
	ErrBadLogin = errors.New("wrong id or password")
)

// Buckets gives a tenant's people bucket; *queue.Client is one.
type Buckets interface {
	People(ctx context.Context, tenant string) (jetstream.KeyValue, error)
}

// Store is the people of one tenant.
type Store struct {
	kv     jetstream.KeyValue
	tenant *tenant.Tenant
	// HashCost is the bcrypt cost of new passwords (bcrypt.DefaultCost if
	// 0); tests use bcrypt.MinCost.
	HashCost int

	dummyOnce sync.Once
	dummy     []byte // a hash to compare with when there is no person
	dummyErr  error
}

// Open returns the people store of t, the tenant of whoever acts.
func Open(ctx context.Context, b Buckets, t *tenant.Tenant) (*Store, error) {
	if err := ids.Tenant(t.ID); err != nil {
		return nil, err
	}
	kv, err := b.People(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return &Store{kv: kv, tenant: t}, nil
}

// keyPrefix leaves the bucket room for other kinds of entry.
const keyPrefix = "person."

func key(id string) string { return keyPrefix + id }

// NewPerson is what Add needs to make a person.
type NewPerson struct {
	ID, Name string
	Roles    []Role
	// Password is the local password in plain text, checked by
	// CheckNewPassword and kept only as its bcrypt hash.
	Password string
}

func (s *Store) cost() int {
	if s.HashCost == 0 {
		return bcrypt.DefaultCost
	}
	return s.HashCost
}

// Add makes a person of the store's tenant. An id that exists is refused
// (ErrExists), whatever the other person's state.
func (s *Store) Add(ctx context.Context, n NewPerson) (*Person, error) {
	if err := ids.Person(n.ID); err != nil {
		return nil, err
	}
	if err := checkName(n.Name); err != nil {
		return nil, err
	}
	roles := normalize(n.Roles)
	if err := CheckRoles(s.tenant, roles); err != nil {
		return nil, err
	}
	if err := CheckNewPassword(n.Password, n.ID, n.Name); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.cost())
	if err != nil {
		return nil, fmt.Errorf("hash the password of %s: %w", n.ID, err)
	}
	now := time.Now().UTC()
	p := &Person{Tenant: s.tenant.ID, ID: n.ID, Name: n.Name, Roles: roles, PasswordHash: string(hash), Created: now, Updated: now}
	b, err := json.Marshal(p.record())
	if err != nil {
		return nil, fmt.Errorf("encode person %s: %w", n.ID, err)
	}
	rev, err := s.kv.Create(ctx, key(n.ID), b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil, fmt.Errorf("%w: %s already has a person with id %q", ErrExists, s.tenant.ID, n.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("store person %s of %s: %w", n.ID, s.tenant.ID, err)
	}
	p.Revision = rev
	return p, nil
}

// Get returns the person with id.
func (s *Store) Get(ctx context.Context, id string) (*Person, error) {
	if err := ids.Person(id); err != nil {
		return nil, err
	}
	e, err := s.kv.Get(ctx, key(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: %s has no person %q", ErrNotFound, s.tenant.ID, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read person %s of %s: %w", id, s.tenant.ID, err)
	}
	return s.decode(id, e.Value(), e.Revision())
}

// decode reads a stored person and checks that it is the one asked for,
// of this store's tenant: a record filed under the wrong key must not
// give anyone another's roles.
func (s *Store) decode(id string, b []byte, rev uint64) (*Person, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("person %s of %s: unreadable: %w", id, s.tenant.ID, err)
	}
	if r.ID != id || r.Tenant != s.tenant.ID {
		return nil, fmt.Errorf("person %s of %s: the record names %s of %s", id, s.tenant.ID, r.ID, r.Tenant)
	}
	return r.person(rev), nil
}

// List returns every person of the tenant, by id.
func (s *Store) List(ctx context.Context) ([]*Person, error) {
	w, err := s.kv.Watch(ctx, keyPrefix+">", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("list people of %s: %w", s.tenant.ID, err)
	}
	defer func() { _ = w.Stop() }() // the list is read; nothing more is wanted
	var out []*Person
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list people of %s: %w", s.tenant.ID, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("list people of %s: the watch ended early", s.tenant.ID)
			}
			if e == nil { // all current values seen
				sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
				return out, nil
			}
			p, err := s.decode(e.Key()[len(keyPrefix):], e.Value(), e.Revision())
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
}

// update changes the person with id as change says, provided they are
// still at revision rev (0: as read now). A change made in between fails
// with ErrConflict instead of being overwritten. change reports whether
// it changed anything; if not, nothing is written.
func (s *Store) update(ctx context.Context, id string, rev uint64, change func(*Person) (bool, error)) (*Person, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if rev != 0 && p.Revision != rev {
		return nil, fmt.Errorf("%w: %s of %s is at revision %d, not %d; read them again", ErrConflict, id, s.tenant.ID, p.Revision, rev)
	}
	changed, err := change(p)
	if err != nil || !changed {
		return p, err
	}
	p.Updated = time.Now().UTC()
	b, err := json.Marshal(p.record())
	if err != nil {
		return nil, fmt.Errorf("encode person %s: %w", id, err)
	}
	next, err := s.kv.Update(ctx, key(id), b, p.Revision)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return nil, fmt.Errorf("%w: %s of %s was changed by someone else; read them again", ErrConflict, id, s.tenant.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("store person %s of %s: %w", id, s.tenant.ID, err)
	}
	p.Revision = next
	return p, nil
}

// Disable stops the person with id from logging in; the person stays, so
// what they did can still be attributed. rev is the revision the caller
// read (0: the current one). Disabling a disabled person changes nothing.
func (s *Store) Disable(ctx context.Context, id string, rev uint64) (*Person, error) {
	return s.update(ctx, id, rev, func(p *Person) (bool, error) {
		if p.Disabled {
			return false, nil
		}
		p.Disabled = true
		return true, nil
	})
}

// SetRoles gives the person with id exactly roles; rev as for Disable.
func (s *Store) SetRoles(ctx context.Context, id string, roles []Role, rev uint64) (*Person, error) {
	roles = normalize(roles)
	if err := CheckRoles(s.tenant, roles); err != nil {
		return nil, err
	}
	return s.update(ctx, id, rev, func(p *Person) (bool, error) {
		if slices.Equal(p.Roles, roles) {
			return false, nil
		}
		p.Roles = roles
		return true, nil
	})
}

// CheckPassword returns the person with id if password is theirs and they
// are not disabled, else an error wrapping ErrBadLogin. An unknown id or a
// person without a local password costs one bcrypt comparison as well, so
// the time taken does not tell which ids exist.
func (s *Store) CheckPassword(ctx context.Context, id, password string) (*Person, error) {
	p, err := s.Get(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ids.ErrInvalid) {
		return nil, err // the store failed: not the person's fault
	}
	hash, err := s.dummyHash()
	if err != nil {
		return nil, err
	}
	if p != nil && p.PasswordHash != "" {
		hash = []byte(p.PasswordHash)
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	switch {
	case p == nil:
		return nil, fmt.Errorf("%w: %s has no person %s", ErrBadLogin, s.tenant.ID, ids.Quote(id))
	case p.PasswordHash == "" || !match:
		return nil, fmt.Errorf("%w: wrong password for %s of %s", ErrBadLogin, id, s.tenant.ID)
	case p.Disabled:
		return nil, fmt.Errorf("%w: %s of %s is disabled", ErrBadLogin, id, s.tenant.ID)
	}
	return p, nil
}

// dummyHash is a hash of no one's password at the store's cost.
func (s *Store) dummyHash() ([]byte, error) {
	s.dummyOnce.Do(func() {
		s.dummy, s.dummyErr = bcrypt.GenerateFromPassword([]byte("no person has this password"), s.cost())
	})
	if s.dummyErr != nil {
		return nil, fmt.Errorf("bcrypt at cost %d: %w", s.cost(), s.dummyErr)
	}
	return s.dummy, nil
}

// Link is a person's account at the municipality's identity provider.
type Link struct{ Issuer, Subject string }

// Change is what Ensure did to a person.
type Change struct {
	Created bool   // the person is new
	Changed bool   // name or roles changed
	Lost    []Role // roles the person no longer holds
}

// Ensure makes or updates the person with id as the municipality's
// identity provider describes them at a login through the account link:
// name and roles as given, without a local password. The first login
// links the person to the account; a later one from another account with
// the same user name, or one for a person with a local password, is
// refused (ErrBadLogin), since a user name at a provider can be renamed or
// reused and must not take over someone's record. A disabled person stays
// disabled and is refused, so disabling in earkiv holds whatever the
// provider says.
func (s *Store) Ensure(ctx context.Context, id, name string, roles []Role, link Link) (*Person, Change, error) {
	if err := ids.Person(id); err != nil {
		return nil, Change{}, err
	}
	if err := checkName(name); err != nil {
		return nil, Change{}, err
	}
	if link.Issuer == "" || link.Subject == "" {
		return nil, Change{}, fmt.Errorf("%w: no account at an identity provider for %s", ErrInvalid, id)
	}
	roles = normalize(roles)
	if err := CheckRoles(s.tenant, roles); err != nil {
		return nil, Change{}, err
	}
	for range 3 { // a concurrent first login of the same person makes it meanwhile
		p, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			now := time.Now().UTC()
			p = &Person{Tenant: s.tenant.ID, ID: id, Name: name, Roles: roles, Issuer: link.Issuer, Subject: link.Subject, Created: now, Updated: now}
			b, err := json.Marshal(p.record())
			if err != nil {
				return nil, Change{}, fmt.Errorf("encode person %s: %w", id, err)
			}
			rev, err := s.kv.Create(ctx, key(id), b)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue
			}
			if err != nil {
				return nil, Change{}, fmt.Errorf("store person %s of %s: %w", id, s.tenant.ID, err)
			}
			p.Revision = rev
			return p, Change{Created: true, Changed: true}, nil
		}
		if err != nil {
			return nil, Change{}, err
		}
		switch {
		case p.Disabled:
			return nil, Change{}, fmt.Errorf("%w: %s of %s is disabled", ErrBadLogin, id, s.tenant.ID)
		case p.Issuer == "" && p.PasswordHash != "":
			return nil, Change{}, fmt.Errorf("%w: %s of %s has a local password and is not linked to an account at the identity provider", ErrBadLogin, id, s.tenant.ID)
		case p.Issuer != link.Issuer || p.Subject != link.Subject:
			return nil, Change{}, fmt.Errorf("%w: %s of %s is linked to another account at the identity provider", ErrBadLogin, id, s.tenant.ID)
		}
		var lost []Role
		for _, r := range p.Roles {
			if !slices.Contains(roles, r) {
				lost = append(lost, r)
			}
		}
		changed := false
		p, err = s.update(ctx, id, p.Revision, func(p *Person) (bool, error) {
			if p.Name == name && slices.Equal(p.Roles, roles) {
				return false, nil
			}
			p.Name, p.Roles, changed = name, roles, true
			return true, nil
		})
		if errors.Is(err, ErrConflict) {
			continue
		}
		return p, Change{Changed: changed, Lost: lost}, err
	}
	return nil, Change{}, fmt.Errorf("%w: %s of %s changes too often to be stored", ErrConflict, id, s.tenant.ID)
}

// Unchanged checks that p, as read at a login, is still enabled with the
// same roles: a session or token made after a disable or a change of
// roles, which end only those they find, must not outlive it. It returns
// an error wrapping ErrBadLogin when p changed.
func (s *Store) Unchanged(ctx context.Context, p *Person) error {
	now, err := s.Get(ctx, p.ID)
	if err != nil {
		return err
	}
	if now.Disabled || !slices.Equal(now.Roles, p.Roles) {
		return fmt.Errorf("%w: %s of %s was disabled or given other roles during the login", ErrBadLogin, p.ID, s.tenant.ID)
	}
	return nil
}

// Tenant is the id of the store's tenant.
func (s *Store) Tenant() string { return s.tenant.ID }
