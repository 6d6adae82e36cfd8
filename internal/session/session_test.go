package session

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestCreateGetEnd(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	secret, sess, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "alfa.") || len(secret) != len("alfa.")+tagLen+1+randLen {
		t.Errorf("secret %q is not <tenant>.<tag>.<random>", secret)
	}
	if sess.ID == "" || sess.Tenant != "alfa" || sess.Person != "anna.svensson" || sess.Name != "Anna Svensson" ||
		!slices.Equal(sess.Roles, []people.Role{people.Arkivarie}) || sess.Method != MethodPassword || sess.Client != "Firefox 140" ||
		!sess.Created.Equal(e.clock.now()) || !sess.LastSeen.Equal(sess.Created) || sess.CSRF == "" {
		t.Errorf("created: %+v", sess)
	}
	got, err := s.Get(c, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sess.ID || got.CSRF != sess.CSRF || got.Person != sess.Person || !got.Created.Equal(sess.Created) {
		t.Errorf("got %+v, want %+v", got, sess)
	}
	got.Roles[0] = people.Administrator // a caller's change stays the caller's
	if again, err := s.Get(c, secret); err != nil || again.Roles[0] != people.Arkivarie {
		t.Fatalf("roles changed by a caller: %+v %v", again, err)
	}

	// The store did not read from its cache only: another store reads it.
	if other, err := e.open(t, Policy{}).Get(c, secret); err != nil || other.ID != sess.ID {
		t.Fatalf("another store: %+v %v", other, err)
	}

	if err := s.End(c, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(c, secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ended session: %v", err)
	}
	if _, err := e.open(t, Policy{}).Get(c, secret); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ended session from the bucket: %v", err)
	}
	if err := s.End(c, secret); err != nil {
		t.Fatalf("ending twice: %v", err)
	}
	for _, bad := range []string{"", "alfa", "alfa.x.y", secret + "x", strings.Replace(secret, "alfa.", "ALFA.", 1), "alfa." + strings.Repeat("a", tagLen) + "." + strings.Repeat("A", randLen)} {
		if _, err := s.Get(c, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): %v", bad, err)
		}
		if err := s.End(c, bad); err != nil {
			t.Errorf("End(%q): %v", bad, err)
		}
	}
}

// TestStoredIsNoSecret: what the bucket holds cannot log anyone in: no
// key or value holds the secret or its random part, and the hash kept is
// the secret's SHA-256.
func TestStoredIsNoSecret(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	secret, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{secret, tok} {
		entries := raw(t, e, i == 1)
		if len(entries) != 1 {
			t.Fatalf("%d entries: %v", len(entries), entries)
		}
		part := want[len(want)-randLen:]
		for k, v := range entries {
			if strings.Contains(k, part) || bytes.Contains(v, []byte(part)) {
				t.Errorf("the bucket holds the secret: %s = %s", k, v)
			}
			var r record
			if err := json.Unmarshal(v, &r); err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256([]byte(want))
			if i == 1 {
				p, _ := parseToken(want)
				h = p.hash
			}
			if !bytes.Equal(r.Hash, h[:]) || !strings.HasPrefix(k, "alfa."+personTag("anna.svensson")+".") {
				t.Errorf("stored %s = %s", k, v)
			}
		}
	}
}

func TestCreateRefuses(t *testing.T) {
	e := start(t)
	s := e.open(t, Policy{})
	c := ctx(t)
	for name, change := range map[string]func(*NewSession){
		"tenant":       func(n *NewSession) { n.Tenant = "Alfa" },
		"tenant.dot":   func(n *NewSession) { n.Tenant = "alfa.beta" },
		"person":       func(n *NewSession) { n.Person = "anna*" },
		"no roles":     func(n *NewSession) { n.Roles = nil },
		"unknown role": func(n *NewSession) { n.Roles = []people.Role{"chef"} },
		"method":       func(n *NewSession) { n.Method = "password" },
		"name":         func(n *NewSession) { n.Name = "Anna\nSvensson" },
		"long name":    func(n *NewSession) { n.Name = strings.Repeat("å", MaxPersonName) },
	} {
		n := anna()
		change(&n)
		if _, _, err := s.Create(c, n); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	n := anna()
	n.Client = strings.Repeat("ö", MaxClient) + "\x00"
	_, sess, err := s.Create(c, n)
	if err != nil || len(sess.Client) > MaxClient || strings.ContainsRune(sess.Client, 0) {
		t.Errorf("a long client is cut: %q %v", sess.Client, err)
	}
	if len(raw(t, e, false)) != 1 {
		t.Error("a refused session was stored")
	}
}

// TestTimeOuts: a session in use lives until its absolute time-out; one
// not used for the idle time-out ends, whatever the cache holds.
func TestTimeOuts(t *testing.T) {
	e := start(t)
	p := DefaultPolicy()
	s := e.node(t, p)
	c := ctx(t)

	idle, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	e.clock.add(p.Idle - time.Second)
	if _, err := s.Get(c, idle); err != nil {
		t.Fatalf("just within the idle time-out: %v", err)
	}
	waitSeen(t, s, idle, e.clock.now())
	e.clock.add(p.Idle - time.Second) // from the last use, not from the start
	if _, err := s.Get(c, idle); err != nil {
		t.Fatalf("used again within the idle time-out: %v", err)
	}
	waitSeen(t, s, idle, e.clock.now())
	e.clock.add(p.Idle)
	if s.sessions.cache.get(mustParse(t, idle).key()) == nil {
		t.Fatal("the session is not cached, so the cache is not what is tested")
	}
	if _, err := s.Get(c, idle); !errors.Is(err, errIdle) {
		t.Fatalf("idle for %v: %v", p.Idle, err)
	}
	if l, err := s.List(c, "alfa", "anna.svensson"); err != nil || len(l) != 0 {
		t.Fatalf("an idle session listed: %v %v", l, err)
	}

	busy, sess, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	for e.clock.now().Before(sess.Created.Add(p.Absolute - 20*time.Minute)) {
		e.clock.add(20 * time.Minute)
		if _, err := s.Get(c, busy); err != nil {
			t.Fatalf("in use, %v after login: %v", e.clock.now().Sub(sess.Created), err)
		}
		waitSeen(t, s, busy, e.clock.now())
	}
	e.clock.add(sess.Created.Add(p.Absolute).Sub(e.clock.now()))
	if _, err := s.Get(c, busy); !errors.Is(err, errMaxAge) {
		t.Fatalf("at the absolute time-out: %v", err)
	}
	if _, err := e.open(t, p).Get(c, busy); !errors.Is(err, errMaxAge) {
		t.Fatalf("at the absolute time-out, read from the bucket: %v", err)
	}
}

// waitSeen waits until the bucket holds at as the session's LastSeen.
func waitSeen(t *testing.T, s *Store, secret string, at time.Time) {
	t.Helper()
	key := mustParse(t, secret).key()
	testenv.Eventually(t, 10*time.Second, func() error {
		kve, err := s.sessions.kv.Get(ctx(t), key)
		if err != nil {
			return err
		}
		r, err := decode(kve.Value())
		if err != nil {
			return err
		}
		if !r.LastSeen.Equal(at) {
			return fmt.Errorf("last seen %v, want %v", r.LastSeen, at)
		}
		return nil
	})
}

func mustParse(t *testing.T, secret string) *secret {
	t.Helper()
	p, ok := parseSession(secret)
	if !ok {
		p, ok = parseToken(secret)
	}
	if !ok {
		t.Fatalf("%q is no secret", secret)
	}
	return p
}

// TestOtherNode: a session ended and a token revoked on one node are
// refused at once on another that had them cached, and a touch on one
// reaches the other's cache.
func TestOtherNode(t *testing.T) {
	e := start(t)
	a, b := e.node(t, Policy{}), e.node(t, Policy{})
	c := ctx(t)
	secret, _, err := a.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	tok, created, err := a.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(c, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetToken(c, tok); err != nil {
		t.Fatal(err)
	}
	sk, tk := mustParse(t, secret).key(), mustParse(t, tok).key()
	if b.sessions.cache.get(sk) == nil || b.tokens.cache.get(tk) == nil {
		t.Fatal("the other node did not cache what it read")
	}

	// A touch on b reaches a's cache.
	e.clock.add(2 * time.Minute)
	if _, err := b.Get(c, secret); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if en := a.sessions.cache.get(sk); en == nil || !en.rec.LastSeen.Equal(e.clock.now()) {
			return errors.New("a's cache does not have b's touch")
		}
		return nil
	})

	if err := a.End(c, secret); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeToken(c, "alfa", "anna.svensson", created.ID); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if _, err := b.Get(c, secret); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("the other node still serves the ended session (%v)", err)
		}
		if _, err := b.GetToken(c, tok); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("the other node still serves the revoked token (%v)", err)
		}
		return nil
	})
	if b.sessions.cache.get(sk) != nil || b.tokens.cache.get(tk) != nil {
		t.Error("the other node still caches them")
	}

	// And the other way round, for a whole person.
	secret, _, err = b.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(c, secret); err != nil {
		t.Fatal(err)
	}
	if err := b.EndPerson(c, "alfa", "anna.svensson"); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() error {
		if _, err := a.Get(c, secret); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("the other node still serves a session of a person ended (%v)", err)
		}
		return nil
	})
}

// TestMangledTenant: a secret of one tenant with another tenant's id put
// in is refused, and so is a record that names another tenant than its
// secret does, wherever it is stored.
func TestMangledTenant(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	tok, _, err := s.CreateToken(c, annaToken())
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{strings.Replace(tok, "ekt_alfa_", "ekt_beta_", 1), strings.Replace(tok, "ekt_alfa_", "ekt_alfb_", 1),
		tok[:len(tok)-1] + flip(tok[len(tok)-1]), tok[:len("ekt_alfa_")] + flip(tok[len("ekt_alfa_")]) + tok[len("ekt_alfa_")+1:]} {
		if _, err := s.GetToken(c, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetToken(%q): %v", bad, err)
		}
	}
	if _, err := s.GetToken(c, tok); err != nil {
		t.Fatalf("the token itself: %v", err)
	}

	// Plant alfa's record where beta's would be: it still names alfa.
	moved := "beta" + strings.TrimPrefix(secret, "alfa")
	p := mustParse(t, moved)
	kve, err := s.sessions.kv.Get(c, mustParse(t, secret).key())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := decode(kve.Value())
	r.Hash = p.hash[:]
	v, _ := json.Marshal(r)
	if _, err := s.sessions.kv.Create(c, p.key(), v); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(c, moved); !errors.Is(err, ErrNotFound) {
		t.Errorf("a record of alfa served for a secret of beta: %v", err)
	}
	r.Tenant = "beta"
	v, _ = json.Marshal(r)
	if _, err := s.sessions.kv.Put(c, p.key(), v); err != nil {
		t.Fatal(err)
	}
	if got, err := e.open(t, Policy{}).Get(c, moved); err != nil || got.Tenant != "beta" {
		t.Errorf("the check is not what refused it: %+v %v", got, err)
	}
}

func flip(b byte) string {
	if b == 'a' {
		return "b"
	}
	return "a"
}

func TestListAndEndSession(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	first, _, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	e.clock.add(time.Minute)
	_, second, err := s.Create(c, anna())
	if err != nil {
		t.Fatal(err)
	}
	bo := anna()
	bo.Person = "bo.ek"
	if _, _, err := s.Create(c, bo); err != nil {
		t.Fatal(err)
	}
	l, err := s.List(c, "alfa", "anna.svensson")
	if err != nil || len(l) != 2 || l[0].ID != second.ID || l[1].ID != mustParse(t, first).id || l[0].CSRF != "" {
		t.Fatalf("list: %+v %v", l, err)
	}
	if l, err := s.List(c, "beta", "anna.svensson"); err != nil || len(l) != 0 {
		t.Fatalf("another tenant's list: %+v %v", l, err)
	}
	if err := s.EndSession(c, "alfa", "bo.ek", second.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another person ended anna's session: %v", err)
	}
	if err := s.EndSession(c, "beta", "anna.svensson", second.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("another tenant ended anna's session: %v", err)
	}
	if err := s.EndSession(c, "alfa", "anna.svensson", second.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.EndSession(c, "alfa", "anna.svensson", second.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("ended twice: %v", err)
	}
	if l, err := s.List(c, "alfa", "anna.svensson"); err != nil || len(l) != 1 || l[0].ID != mustParse(t, first).id {
		t.Fatalf("list after end: %+v %v", l, err)
	}
	if _, err := s.List(c, "alfa", "Anna"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad person id: %v", err)
	}
}

func TestEndPerson(t *testing.T) {
	e := start(t)
	s := e.node(t, Policy{})
	c := ctx(t)
	var annas, toks []string
	for range 2 {
		sec, _, err := s.Create(c, anna())
		if err != nil {
			t.Fatal(err)
		}
		annas = append(annas, sec)
		tok, _, err := s.CreateToken(c, annaToken())
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, tok)
	}
	bo, bt := anna(), annaToken()
	bo.Person, bt.Person = "bo.ek", "bo.ek"
	boSecret, _, err := s.Create(c, bo)
	if err != nil {
		t.Fatal(err)
	}
	boTok, _, err := s.CreateToken(c, bt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EndPerson(c, "alfa", "anna.svensson"); err != nil {
		t.Fatal(err)
	}
	for i := range annas {
		if _, err := s.Get(c, annas[i]); !errors.Is(err, ErrNotFound) {
			t.Errorf("anna's session: %v", err)
		}
		if _, err := s.GetToken(c, toks[i]); !errors.Is(err, ErrNotFound) {
			t.Errorf("anna's token: %v", err)
		}
	}
	if l, err := s.Tokens(c, "alfa", "anna.svensson"); err != nil || len(l) != 0 {
		t.Errorf("anna's tokens: %v %v", l, err)
	}
	if _, err := s.Get(c, boSecret); err != nil {
		t.Errorf("bo's session: %v", err)
	}
	if _, err := s.GetToken(c, boTok); err != nil {
		t.Errorf("bo's token: %v", err)
	}
	if n := len(raw(t, e, false)) + len(raw(t, e, true)); n != 2 {
		t.Errorf("%d entries left, want bo's 2", n)
	}
}

// TestOpenRefusesProducer: a case system's connection opens no store.
func TestOpenRefusesProducer(t *testing.T) {
	e := start(t)
	if _, err := Open(ctx(t), e.n.Producer(t, e.reg.Tenants[0]), Policy{}, nil); !errors.Is(err, queue.ErrProducerSessions) {
		t.Fatalf("opened on a producer's connection: %v", err)
	}
}
