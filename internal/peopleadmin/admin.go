// Package peopleadmin changes a tenant's people on behalf of someone, and
// logs every change in the tenant's access log. It is the one path for
// such changes, from the command line and from the administratör's pages
// alike, so none goes unlogged and a person who is disabled or loses a
// role is logged out at once, everywhere.
package peopleadmin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
)

// AccessLog is where changes are logged; *accesslog.Log is one.
type AccessLog interface {
	Append(ctx context.Context, e accesslog.Entry) (uint64, error)
}

// Sessions ends a person's sessions and tokens; *session.Store is one.
type Sessions interface {
	EndPerson(ctx context.Context, tenant, person string) error
}

// Actor is who makes the changes, as the access log names them.
type Actor struct {
	Tenant string
	Person string // a person's id, or "system:<user>" for the command line
	Role   string
	Client string // client address, or "" on the command line
}

// ActorOf is the actor of principal p acting from client.
func ActorOf(p *authn.Principal, client string) Actor {
	a := Actor{Tenant: p.Tenant, Person: p.ID, Client: client}
	if p.Has(people.Administrator) {
		a.Role = string(people.Administrator)
	}
	return a
}

// Admin changes the people of one tenant as one actor.
type Admin struct {
	store    *people.Store
	log      AccessLog
	sessions Sessions
	actor    Actor
}

// ErrNotLogged says a change was made but its access log entry could not
// be written; the caller must say so, since the change stands.
var ErrNotLogged = errors.New("the change is made but could not be logged")

// ErrOwnRoles refuses a change of the actor's own roles.
var ErrOwnRoles = errors.New("no one changes their own roles")

// New returns an Admin for store's people acting as actor. sessions may be
// nil where no sessions exist yet (a data folder whose serve never ran).
func New(store *people.Store, log AccessLog, sessions Sessions, actor Actor) (*Admin, error) {
	if log == nil {
		return nil, errors.New("people admin: no access log")
	}
	if actor.Tenant != store.Tenant() {
		return nil, fmt.Errorf("people admin: %s cannot change the people of %s", actor.Tenant, store.Tenant())
	}
	if actor.Person == "" {
		return nil, errors.New("people admin: no actor")
	}
	return &Admin{store: store, log: log, sessions: sessions, actor: actor}, nil
}

// List returns the tenant's people. Reading them is not logged: the list
// holds no record content, and the administratör's page shows it often.
func (a *Admin) List(ctx context.Context) ([]*people.Person, error) { return a.store.List(ctx) }

// Add makes a person and logs it.
func (a *Admin) Add(ctx context.Context, n people.NewPerson) (*people.Person, error) {
	p, err := a.store.Add(ctx, n)
	if err != nil {
		return nil, err
	}
	return p, a.logChange(ctx, p.ID, "lagt till; roller: "+people.Join(p.Roles))
}

// Disable stops a person from logging in, ends their sessions and tokens,
// and logs it. Disabling someone disabled changes and logs nothing.
func (a *Admin) Disable(ctx context.Context, id string, rev uint64) (*people.Person, error) {
	before, err := a.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := a.store.Disable(ctx, id, rev)
	if err != nil {
		return nil, err
	}
	// Sessions are ended even when the person was disabled already: a
	// retry after ending them failed must still end them.
	err = a.endSessions(ctx, id)
	if before.Disabled {
		return p, err
	}
	return p, errors.Join(err, a.logChange(ctx, id, "inaktiverad"))
}

// SetRoles gives a person exactly roles and logs it. A person who loses a
// role is logged out everywhere, so no session or token keeps it.
func (a *Admin) SetRoles(ctx context.Context, id string, rs []people.Role, rev uint64) (*people.Person, error) {
	if id == a.actor.Person {
		// An administratör giving themself arkivarie would read what
		// their role keeps from them: someone else decides.
		return nil, fmt.Errorf("%w: %s", ErrOwnRoles, id)
	}
	before, err := a.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := a.store.SetRoles(ctx, id, rs, rev)
	if err != nil {
		return nil, err
	}
	if slices.Equal(before.Roles, p.Roles) {
		return p, nil
	}
	var endErr error
	for _, r := range before.Roles {
		if !p.Has(r) {
			endErr = a.endSessions(ctx, id)
			break
		}
	}
	return p, errors.Join(endErr, a.logChange(ctx, id, "roller: "+people.Join(p.Roles)))
}

// Ensure makes or updates the person as the municipality's identity
// provider describes them at a login (people.Store.Ensure), logging what
// it changed, and ending every session and token of the person when a
// role was taken away, so none keeps it.
func (a *Admin) Ensure(ctx context.Context, id, name string, rs []people.Role, link people.Link) (*people.Person, error) {
	p, ch, err := a.store.Ensure(ctx, id, name, rs, link)
	if err != nil || !ch.Changed {
		return p, err
	}
	what := "roller från inloggningstjänsten: "
	if ch.Created {
		what = "lagt till från inloggningstjänsten; roller: "
	}
	if err := a.logChange(ctx, id, what+people.Join(p.Roles)); err != nil {
		return nil, err
	}
	if len(ch.Lost) > 0 {
		if err := a.endSessions(ctx, id); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (a *Admin) endSessions(ctx context.Context, id string) error {
	if a.sessions == nil {
		return nil
	}
	if err := a.sessions.EndPerson(ctx, a.actor.Tenant, id); err != nil {
		return fmt.Errorf("end the sessions of %s: %w", id, err)
	}
	return nil
}

func (a *Admin) logChange(ctx context.Context, id, detail string) error {
	_, err := a.log.Append(ctx, accesslog.Entry{Tenant: a.actor.Tenant, Person: a.actor.Person, Role: a.actor.Role,
		Action: accesslog.ChangePerson, Objects: []string{"person:" + id}, Detail: detail, Client: a.actor.Client})
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotLogged, id, err)
	}
	return nil
}
