// Package authguard slows down password guessing, for every login earkiv
// checks itself (NATS producers and the HTTP API): failures are counted per
// account and per client address, an account is locked for a while after
// repeated failures, an address backs off, and an unknown user costs as much
// time as a known one.
//
// The defaults (DefaultPolicy):
//
//   - An account is locked for 15 minutes after 10 failures within 15
//     minutes. The lock applies to addresses that have not logged in as that
//     account in the last 24 hours, so an attacker cannot keep a case system
//     out by failing on purpose; it ends by itself.
//   - An address gets 5 failures free; after that it waits 1 s before its
//     next attempt is checked, doubling with each failure up to 5 minutes.
//     Its failures are forgotten 15 minutes after the last one.
//   - Attempts held back are refused without checking the password, so they
//     cost no bcrypt.
//
// Unknown user names are counted and locked exactly like known ones, so a
// lock reveals nothing about which names exist.
package authguard

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Policy says how many failures are free and what follows them.
type Policy struct {
	AccountFailures int           // failures within AccountWindow that lock an account
	AccountWindow   time.Duration // counting window, from the first failure
	AccountLock     time.Duration // how long the lock lasts
	Trusted         time.Duration // an address that logged in as an account is exempt from its lock this long

	AddressFree     int           // failures from one address before it backs off
	AddressDelay    time.Duration // first back-off, doubled per further failure
	AddressMaxDelay time.Duration
	AddressForget   time.Duration // an address's failures are forgotten this long after the last one

	MaxEntries int // accounts and addresses tracked each; beyond, new ones are not counted
}

// DefaultPolicy is the policy described in the package documentation.
func DefaultPolicy() Policy {
	return Policy{
		AccountFailures: 10, AccountWindow: 15 * time.Minute, AccountLock: 15 * time.Minute, Trusted: 24 * time.Hour,
		AddressFree: 5, AddressDelay: time.Second, AddressMaxDelay: 5 * time.Minute, AddressForget: 15 * time.Minute,
		MaxEntries: 100_000,
	}
}

// Why a login was refused.
var (
	ErrDenied    = errors.New("wrong user or password")
	ErrLocked    = errors.New("account locked after repeated failed logins")
	ErrThrottled = errors.New("too many failed logins from this address")
)

// Guard counts failed logins. It is safe for concurrent use.
type Guard struct {
	p        Policy
	log      *slog.Logger
	failures *prometheus.CounterVec

	mu       sync.Mutex
	accounts map[string]*account // Lock: mu
	addrs    map[string]*address // Lock: mu
}

type account struct {
	failures    int
	first       time.Time // of the failures counted
	lockedUntil time.Time
	trusted     map[string]time.Time // address -> last successful login
}

type address struct {
	failures int
	last     time.Time
}

// New returns a guard; log gets one line per failed login (never the
// password). The guard is a prometheus.Collector of
// earkiv_auth_failures_total.
func New(p Policy, log *slog.Logger) *Guard {
	if log == nil {
		log = slog.Default()
	}
	return &Guard{p: p, log: log, accounts: map[string]*account{}, addrs: map[string]*address{},
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "earkiv", Subsystem: "auth", Name: "failures_total",
			Help: "Failed logins by interface (nats, http) and reason (denied, locked, throttled)."}, []string{"via", "reason"})}
}

// Describe implements prometheus.Collector.
func (g *Guard) Describe(ch chan<- *prometheus.Desc) { g.failures.Describe(ch) }

// Collect implements prometheus.Collector.
func (g *Guard) Collect(ch chan<- prometheus.Metric) { g.failures.Collect(ch) }

// maxUser is the longest user name kept as a key: longer ones are cut, so
// made-up names cannot fill memory.
const maxUser = 128

// Check runs verify for a login of user from addr (host:port or host) over
// via, unless the account is locked or the address is backing off, and
// records the outcome. It returns nil when verify accepted the password,
// else ErrDenied, ErrLocked or ErrThrottled.
func (g *Guard) Check(via, user, addr string, verify func() bool) error {
	return g.check(via, user, addr, verify, true)
}

// CheckUnlocked is Check for a login whose secret is a long random one
// the service generated (its own NATS login): guessing it is hopeless, so
// only the address backs off and the account is never locked, which would
// only let an attacker shut the service out.
func (g *Guard) CheckUnlocked(via, user, addr string, verify func() bool) error {
	return g.check(via, user, addr, verify, false)
}

// CheckSecret is Check for a long random secret earkiv issued (a session
// cookie, a personal token), whose check is a cheap lookup: it is looked
// up first, and a real one is let in even from an address that backs off,
// so junk sent from a shared address (a proxy, a town hall's NAT) locks no
// one out. Only misses count, and a miss from an address that backs off
// is refused as throttled. No account is ever locked.
func (g *Guard) CheckSecret(via, addr string, verify func() bool) error {
	if verify() {
		return nil
	}
	host := Host(addr)
	if err := g.held("", host); err != nil {
		g.failures.WithLabelValues(via, reason(err)).Inc()
		g.log.Warn("login refused", "via", via, "addr", host, "reason", err.Error())
		return err
	}
	g.failed("", host)
	g.failures.WithLabelValues(via, "denied").Inc()
	g.log.Warn("login failed", "via", via, "addr", host, "reason", ErrDenied.Error())
	return ErrDenied
}

func (g *Guard) check(via, user, addr string, verify func() bool, lockable bool) error {
	host := Host(addr)
	if len(user) > maxUser {
		user = user[:maxUser]
	}
	account := user
	if !lockable {
		account = "" // no account entry: never locked
	}
	if err := g.held(account, host); err != nil {
		g.failures.WithLabelValues(via, reason(err)).Inc()
		g.log.Warn("login refused", "via", via, "user", user, "addr", host, "reason", err.Error())
		return err
	}
	if verify() {
		if lockable {
			g.succeeded(user, host)
		}
		return nil
	}
	locked := g.failed(account, host)
	g.failures.WithLabelValues(via, "denied").Inc()
	g.log.Warn("login failed", "via", via, "user", user, "addr", host, "reason", ErrDenied.Error())
	if locked {
		g.log.Warn("account locked", "user", user, "for", g.p.AccountLock, "addr", host)
	}
	return ErrDenied
}

func reason(err error) string {
	switch err {
	case ErrLocked:
		return "locked"
	case ErrThrottled:
		return "throttled"
	}
	return "denied"
}

// held tells whether an attempt must be refused unchecked.
func (g *Guard) held(user, host string) error {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if a := g.addrs[host]; a != nil && now.Before(a.last.Add(g.backoff(a.failures))) {
		return ErrThrottled
	}
	if ac := g.accounts[user]; ac != nil && now.Before(ac.lockedUntil) {
		if t, ok := ac.trusted[host]; !ok || now.After(t.Add(g.p.Trusted)) {
			return ErrLocked
		}
	}
	return nil
}

// backoff is how long an address with n failures waits after the last one.
func (g *Guard) backoff(n int) time.Duration {
	if n < g.p.AddressFree {
		return 0
	}
	d := g.p.AddressDelay
	for i := g.p.AddressFree; i < n && d < g.p.AddressMaxDelay; i++ {
		d *= 2
	}
	return min(d, g.p.AddressMaxDelay)
}

// failed counts a failure and reports whether it locked the account.
func (g *Guard) failed(user, host string) bool {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.addrs[host]
	if a != nil && now.After(a.last.Add(g.p.AddressForget)) {
		a.failures = 0
	}
	if a == nil && room(g, g.addrs, g.pruneAddrs) {
		a = &address{}
		g.addrs[host] = a
	}
	if a != nil {
		a.failures++
		a.last = now
	}
	if user == "" {
		return false // an unlocked login (CheckUnlocked)
	}
	ac := g.accounts[user]
	if ac == nil && room(g, g.accounts, g.pruneAccounts) {
		ac = &account{}
		g.accounts[user] = ac
	}
	if ac == nil {
		return false
	}
	if now.After(ac.first.Add(g.p.AccountWindow)) {
		ac.failures, ac.first = 0, now
	}
	ac.failures++
	if ac.failures >= g.p.AccountFailures && !now.Before(ac.lockedUntil) {
		ac.lockedUntil = now.Add(g.p.AccountLock)
		ac.failures = 0
		return true
	}
	return false
}

// succeeded trusts host for user.
func (g *Guard) succeeded(user, host string) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	ac := g.accounts[user]
	if ac == nil {
		if !room(g, g.accounts, g.pruneAccounts) {
			return
		}
		ac = &account{}
		g.accounts[user] = ac
	}
	if ac.trusted == nil {
		ac.trusted = map[string]time.Time{}
	}
	ac.trusted[host] = now
}

// room tells whether m may grow, pruning it when full. Lock: mu.
func room[V any](g *Guard, m map[string]V, prune func(time.Time)) bool {
	if len(m) < g.p.MaxEntries {
		return true
	}
	prune(time.Now())
	return len(m) < g.p.MaxEntries
}

// Lock: mu.
func (g *Guard) pruneAddrs(now time.Time) {
	for k, a := range g.addrs {
		if now.After(a.last.Add(max(g.p.AddressForget, g.backoff(a.failures)))) {
			delete(g.addrs, k)
		}
	}
}

// Lock: mu.
func (g *Guard) pruneAccounts(now time.Time) {
	for k, ac := range g.accounts {
		for h, t := range ac.trusted {
			if now.After(t.Add(g.p.Trusted)) {
				delete(ac.trusted, h)
			}
		}
		if len(ac.trusted) == 0 && now.After(ac.lockedUntil) && now.After(ac.first.Add(g.p.AccountWindow)) {
			delete(g.accounts, k)
		}
	}
}

// Host is the client part of an address (host:port or host) that failures
// are counted by: the IP, and for IPv6 its /64, since one subscriber
// usually holds a whole /64.
func Host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		h = addr
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return h
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
