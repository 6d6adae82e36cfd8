package session

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/tenant"
)

// TestRunStops: Run returns nil once its context ends, having stopped
// its goroutines; it refuses to run twice at once; after it stopped, the
// store reads the bucket again and still sees what other nodes end.
func TestRunStops(t *testing.T) {
	e := start(t)
	s := e.open(t, Policy{})
	c := ctx(t)
	stop := run(t, s)
	if err := s.Run(c); err == nil {
		t.Fatal("a second Run ran")
	}
	secret, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(c, secret); err != nil {
		t.Fatal(err)
	}
	if s.sessions.cache.size() != 1 {
		t.Fatalf("cached while running: %d", s.sessions.cache.size())
	}
	stop() // fails the test unless Run returned nil
	if s.sessions.cache.isLive() || s.sessions.cache.size() != 0 {
		t.Fatal("the cache is kept with no watch to keep it right")
	}
	// Touches are written in place once no Run writes them.
	e.clock.add(2 * time.Minute)
	if _, err := s.Get(c, secret); err != nil {
		t.Fatal(err)
	}
	if l, err := s.List(c, "alfa", "anna.svensson"); err != nil || len(l) != 1 || !l[0].LastSeen.Equal(e.clock.now()) {
		t.Fatalf("touch without Run: %+v %v", l, err)
	}
	if err := e.open(t, Policy{}).End(c, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(c, secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ended on another node, read with Run stopped: %v", err)
	}
	// And it runs again.
	run(t, s)()
}

// TestRunStopsWithNATSGone: Run still returns once its context ends
// when the server went away under it.
func TestRunStopsWithNATSGone(t *testing.T) {
	e := start(t)
	s := e.open(t, Policy{})
	stop := run(t, s)
	e.n.Server.Shutdown()
	stop()
}

// BenchmarkAuthenticate is the cost of finding the person of a request
// by cookie or token over that of a request without credentials, with
// Run keeping the cache.
func BenchmarkAuthenticate(b *testing.B) {
	e := start(b)
	s := e.open(b, Policy{})
	s.now = time.Now
	stop := run(b, s)
	b.Cleanup(stop)
	c := context.Background()
	secret, _, err := s.Create(c, anna())
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := s.CreateToken(c, annaToken())
	if err != nil {
		b.Fatal(err)
	}
	a := s.Authenticator(func() *tenant.Registry { return e.reg }, nil)
	for _, bc := range []struct {
		name         string
		cookie, auth string
		want         authn.Method
	}{
		{"none", "", "", ""},
		{"session", secret, "", authn.Session},
		{"token", "", "Bearer " + tok, authn.Token},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := request("192.0.2.1:1", bc.cookie, bc.auth)
			for b.Loop() {
				p, err := a.Authenticate(r)
				if err != nil || (bc.want != "" && p.Method != bc.want) {
					b.Fatal(fmt.Sprint(p, err))
				}
			}
		})
	}
}

// TestTouchOncePerMinute: uses within a minute of the last write write
// nothing; the first after it writes once. (Without Run, touches are
// written in place, so the count is exact.)
func TestTouchOncePerMinute(t *testing.T) {
	e := start(t)
	s := e.open(t, Policy{})
	c := ctx(t)
	secret, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	rev := func(b *bucket, secret string) uint64 {
		kve, err := b.kv.Get(c, mustParse(t, secret).key())
		if err != nil {
			t.Fatal(err)
		}
		return kve.Revision()
	}
	s0, t0 := rev(s.sessions, secret), rev(s.tokens, tok)
	for range 5 {
		e.clock.add(10 * time.Second)
		if _, err := s.Get(c, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetToken(c, tok); err != nil {
			t.Fatal(err)
		}
	}
	if rev(s.sessions, secret) != s0 || rev(s.tokens, tok) != t0 {
		t.Fatal("written within a minute of the last write")
	}
	e.clock.add(10 * time.Second)
	for range 3 {
		if _, err := s.Get(c, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetToken(c, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Each bucket holds this one entry, so its revisions count its writes.
	if s1, t1 := rev(s.sessions, secret), rev(s.tokens, tok); s1 != s0+1 || t1 != t0+1 {
		t.Fatalf("written %d and %d times a minute after the last write, want once", s1-s0, t1-t0)
	}
	if got, err := s.Get(c, secret); err != nil || !got.LastSeen.Equal(e.clock.now()) {
		t.Fatalf("last seen: %+v %v", got, err)
	}
}
