package queue

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/earkiv/earkiv/internal/authguard"
)

// authenticator checks NATS logins itself instead of handing nats-server a
// user list, so every attempt goes through the guard (lockout, back-off,
// the same bcrypt time for unknown users) and producers keep their
// per-tenant permissions.
type authenticator struct {
	guard  *authguard.Guard
	logins atomic.Pointer[logins]
	srv    atomic.Pointer[server.Server] // set once the server exists
	key    [32]byte                      // for remembering verified passwords per connection

	mu      sync.Mutex
	granted map[uint64]grant // connection id -> the login it made; Lock: mu
	pruneAt int              // Lock: mu
}

// logins is one version of the login table.
type logins struct {
	users map[string]login
	cost  int // bcrypt cost spent on unknown users
}

type login struct {
	tenant string // empty for the service login
	secret string // bcrypt hash, or the service's plain password
	perms  *server.Permissions
}

// grant is a connection's accepted login: a second CONNECT on the same
// connection, or a re-check by nats-server, with the same user and
// password is accepted while the login is unchanged.
type grant struct {
	user, tenant, secret string
	mac                  [32]byte
}

func newAuthenticator(cfg ServerConfig) *authenticator {
	a := &authenticator{guard: cfg.Guard, granted: map[uint64]grant{}, pruneAt: 256}
	if a.guard == nil {
		a.guard = authguard.New(authguard.DefaultPolicy(), cfg.Log)
	}
	rand.Read(a.key[:])
	a.logins.Store(buildLogins(cfg))
	return a
}

func buildLogins(cfg ServerConfig) *logins {
	l := &logins{users: map[string]login{cfg.ServiceUser: {secret: cfg.ServicePassword}}}
	var hashes []string
	for _, t := range cfg.Tenants {
		l.users[t.Producer.User] = login{tenant: t.ID, secret: t.Producer.PasswordHash, perms: ProducerPermissions(t.ID)}
		hashes = append(hashes, t.Producer.PasswordHash)
	}
	l.cost = authguard.Cost(hashes)
	return l
}

func (a *authenticator) mac(password string) [32]byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(password))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// Check implements server.Authentication.
func (a *authenticator) Check(c server.ClientAuthentication) bool {
	if c.Kind() != server.CLIENT {
		return false
	}
	opts := c.GetOpts()
	user, pass := opts.Username, opts.Password
	table := a.logins.Load()
	l, known := table.users[user]
	mac := a.mac(pass)

	id := c.GetID()
	a.mu.Lock()
	g, again := a.granted[id]
	a.mu.Unlock()
	if again && g.user == user && subtle.ConstantTimeCompare(g.mac[:], mac[:]) == 1 && known && l.tenant == g.tenant && l.secret == g.secret {
		c.RegisterUser(&server.User{Username: user, Permissions: l.perms})
		return true
	}

	addr := ""
	if ra := c.RemoteAddress(); ra != nil {
		addr = ra.String()
	}
	check := a.guard.Check
	if known && l.tenant == "" && !strings.HasPrefix(l.secret, "$2") {
		check = a.guard.CheckUnlocked // the service's generated password
	}
	err := check("nats", user, addr, func() bool {
		if known && l.tenant == "" && !strings.HasPrefix(l.secret, "$2") {
			// The service's generated password: compared in constant time.
			s, p := sha256.Sum256([]byte(l.secret)), sha256.Sum256([]byte(pass))
			return subtle.ConstantTimeCompare(s[:], p[:]) == 1
		}
		if !known {
			return authguard.Compare("", pass, table.cost)
		}
		return authguard.Compare(l.secret, pass, table.cost)
	})
	if err != nil {
		return false
	}
	c.RegisterUser(&server.User{Username: user, Permissions: l.perms})
	a.mu.Lock()
	a.granted[id] = grant{user: user, tenant: l.tenant, secret: l.secret, mac: mac}
	if len(a.granted) > a.pruneAt {
		a.prune()
		a.pruneAt = 2*len(a.granted) + 256
	}
	a.mu.Unlock()
	return true
}

// prune forgets the grants of closed connections. Lock: mu.
func (a *authenticator) prune() {
	s := a.srv.Load()
	if s == nil {
		return
	}
	for id := range a.granted {
		if s.GetClient(id) == nil {
			delete(a.granted, id)
		}
	}
}

// reload swaps in cfg's logins and closes every connection whose login
// no longer holds: a removed producer, a changed password, a user now
// belonging to another tenant.
func (a *authenticator) reload(cfg ServerConfig) {
	next := buildLogins(cfg)
	a.logins.Store(next)
	s := a.srv.Load()
	a.mu.Lock()
	a.prune()
	var stale []uint64
	for id, g := range a.granted {
		if l, ok := next.users[g.user]; !ok || l.tenant != g.tenant || l.secret != g.secret {
			stale = append(stale, id)
			delete(a.granted, id)
		}
	}
	a.mu.Unlock()
	for _, id := range stale {
		if s != nil {
			_ = s.DisconnectClientByID(id) // gone already, or going
		}
	}
}
