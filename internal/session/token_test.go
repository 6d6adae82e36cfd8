package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestTokenCreateGet(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	secret, tok, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "ekt_alfa_"+tok.ID+"_") || len(tok.ID) != idLen {
		t.Errorf("token %q, id %q: not ekt_<tenant>_<id>_<secret>", secret, tok.ID)
	}
	now := e.clock.now()
	if tok.Tenant != "alfa" || tok.Person != "anna.svensson" || tok.Name != "export-skript" || !slices.Equal(tok.Roles, []people.Role{people.Lasare}) ||
		!tok.Created.Equal(now) || !tok.Expires.Equal(now.Add(DefaultTokenTTL)) || !tok.LastUsed.Equal(now) {
		t.Errorf("created: %+v", tok)
	}
	got, err := s.GetToken(c, secret)
	if err != nil || got.ID != tok.ID || !got.Expires.Equal(tok.Expires) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.Get(c, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("a token used as a session cookie: %v", err)
	}

	// Use is written as LastUsed, at most once a minute.
	e.clock.add(5 * time.Minute)
	if _, err := s.GetToken(c, secret); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		l, err := s.Tokens(c, "alfa", "anna.svensson")
		if err != nil {
			return err
		}
		if len(l) != 1 || !l[0].LastUsed.Equal(e.clock.now()) {
			return fmt.Errorf("tokens %+v: want one last used %v", l, e.clock.now())
		}
		return nil
	})
}

func TestTokenTTL(t *testing.T) {
	e := start(t)
	p := DefaultPolicy()
	s := e.node(t, p)
	c := ctx(t)
	for _, tc := range []struct {
		ttl  time.Duration
		name string
		ok   bool
	}{
		{0, "default", true},
		{time.Hour, "an hour", true},
		{p.TokenMax, "the longest", true},
		{p.TokenMax + time.Second, "too long", false},
		{-time.Hour, "negative", false},
		{time.Hour, "", false},
		{time.Hour, strings.Repeat("x", MaxTokenName), true},
		{time.Hour, strings.Repeat("x", MaxTokenName+1), false},
		{time.Hour, "rad\nbrytning", false},
		{time.Hour, "tab\there", false},
		{time.Hour, " mellanslag", false},
		{time.Hour, "Åtkomst för diariet", true},
		{time.Hour, "\xff", false},
	} {
		n := annaToken()
		n.TTL, n.Name = tc.ttl, tc.name
		_, tok, err := s.CreateToken(c, n)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("TTL %v, name %q: %v", tc.ttl, tc.name, err)
			continue
		}
		want := tc.ttl
		if want == 0 {
			want = DefaultTokenTTL
		}
		if err == nil && tok.Expires.Sub(tok.Created) != want {
			t.Errorf("TTL %v: expires %v after creation", tc.ttl, tok.Expires.Sub(tok.Created))
		}
	}
	n := annaToken()
	n.Roles = nil
	if _, _, err := s.CreateToken(c, n); !errors.Is(err, ErrInvalid) {
		t.Errorf("no roles: %v", err)
	}
	if _, err := Open(c, e.n.Service(t), Policy{Idle: time.Hour, Absolute: time.Minute}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("idle longer than absolute: %v", err)
	}
	if _, err := Open(c, e.n.Service(t), Policy{Absolute: 48 * time.Hour}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("absolute longer than the bucket keeps sessions: %v", err)
	}
}

func TestTokenExpiry(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	n := annaToken()
	n.TTL = time.Hour
	secret, tok, err := s.CreateToken(c, n)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.add(time.Hour - time.Second)
	if _, err := s.GetToken(c, secret); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	e.clock.add(time.Second)
	if _, err := s.GetToken(c, secret); !errors.Is(err, errExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := e.open(t, Policy{}).GetToken(c, secret); !errors.Is(err, errExpired) {
		t.Fatalf("expired, read from the bucket: %v", err)
	}
	l, err := s.Tokens(c, "alfa", "anna.svensson")
	if err != nil || len(l) != 0 {
		t.Fatalf("expired token listed: %+v %v", l, err)
	}
	if _, err := s.tokens.kv.Get(c, mustParse(t, secret).key()); err == nil {
		t.Errorf("expired token %s still stored after listing", tok.ID)
	}
}

func TestRevokeToken(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	var ids []string
	var secrets []string
	for range 3 {
		sec, tok, err := s.CreateToken(c, annaToken())
		if err != nil {
			t.Fatal(err)
		}
		ids, secrets = append(ids, tok.ID), append(secrets, sec)
		e.clock.add(time.Second)
	}
	l, err := s.Tokens(c, "alfa", "anna.svensson")
	if err != nil || len(l) != 3 || l[0].ID != ids[2] || l[2].ID != ids[0] {
		t.Fatalf("tokens, newest first: %+v %v", l, err)
	}
	for _, bad := range []struct{ tenant, person, id string }{
		{"alfa", "bo.ek", ids[1]},
		{"beta", "anna.svensson", ids[1]},
		{"alfa", "anna.svensson", ids[1][:idLen-1] + flip(ids[1][idLen-1])},
		{"alfa", "anna.svensson", "x"},
	} {
		if err := s.RevokeToken(c, bad.tenant, bad.person, bad.id); !errors.Is(err, ErrNotFound) {
			t.Errorf("RevokeToken(%+v): %v", bad, err)
		}
	}
	if err := s.RevokeToken(c, "alfa", "anna.svensson", ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetToken(c, secrets[1]); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: %v", err)
	}
	if err := s.RevokeToken(c, "alfa", "anna.svensson", ids[1]); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked twice: %v", err)
	}
	for _, i := range []int{0, 2} {
		if _, err := s.GetToken(c, secrets[i]); err != nil {
			t.Errorf("token %d: %v", i, err)
		}
	}
	if l, err := s.Tokens(c, "alfa", "anna.svensson"); err != nil || len(l) != 2 {
		t.Fatalf("tokens after revoking: %+v %v", l, err)
	}
}

func TestMaxTokens(t *testing.T) {
	e := start(t)
	s := e.open(t, Policy{})
	c := ctx(t)
	for i := range MaxTokens {
		if _, _, err := s.CreateToken(c, annaToken()); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	if _, _, err := s.CreateToken(c, annaToken()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("token beyond the most: %v", err)
	}
}
