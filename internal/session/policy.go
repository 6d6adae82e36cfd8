package session

import (
	"fmt"
	"time"
)

// Policy says how long sessions and tokens last.
type Policy struct {
	// Idle ends a session not used for this long.
	Idle time.Duration
	// Absolute ends a session this long after it began, used or not.
	Absolute time.Duration
	// TokenMax is the longest a personal API token may be made for.
	TokenMax time.Duration
}

// DefaultPolicy is 30 minutes idle, 10 hours absolute (a working day) and
// tokens of at most 365 days.
func DefaultPolicy() Policy {
	return Policy{Idle: 30 * time.Minute, Absolute: 10 * time.Hour, TokenMax: 365 * 24 * time.Hour}
}

// DefaultTokenTTL is how long a token lasts when NewToken gives no TTL.
const DefaultTokenTTL = 90 * 24 * time.Hour

// withDefaults fills the zero fields from DefaultPolicy and checks the rest.
func (p Policy) withDefaults() (Policy, error) {
	d := DefaultPolicy()
	if p.Idle == 0 {
		p.Idle = d.Idle
	}
	if p.Absolute == 0 {
		p.Absolute = d.Absolute
	}
	if p.TokenMax == 0 {
		p.TokenMax = d.TokenMax
	}
	switch {
	case p.Idle < 0 || p.Absolute < 0 || p.TokenMax < 0:
		return p, fmt.Errorf("%w: session policy %+v: negative duration", ErrInvalid, p)
	case p.Idle > p.Absolute:
		return p, fmt.Errorf("%w: session policy: idle time-out %v is longer than the absolute %v", ErrInvalid, p.Idle, p.Absolute)
	}
	return p, nil
}

// touchEvery is how stale a session's LastSeen (a token's LastUsed) may
// get before a use writes it again: a minute, or a quarter of the idle
// time-out if that is shorter, so a session in use never idles out.
func (p Policy) touchEvery() time.Duration { return min(time.Minute, p.Idle/4) }
