package accesslog

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/queue"
)

// chainOf builds n stored entries of tenant as Append would chain them.
func chainOf(t testing.TB, tenant string, n int) []queue.AccessMsg {
	t.Helper()
	out := make([]queue.AccessMsg, n)
	var prev tlog.Hash
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		e := Entry{N: uint64(i + 1), Time: t0.Add(time.Duration(i) * time.Second), Tenant: tenant, Person: "anna", Role: "arkivarie",
			Action: ViewDocument, Objects: []string{fmt.Sprintf("doc-%d", i)}, Reason: "begäran om allmän handling", Client: "10.0.0.7", Prev: prev}
		b, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = queue.AccessMsg{Seq: uint64(3*i + 7), Data: b} // other tenants' entries between
		prev = e.Hash
	}
	return out
}

// reencode decodes stored, lets f change it, and encodes it with a fresh
// hash: a forger who knows the format.
func reencode(t *testing.T, m queue.AccessMsg, f func(*Entry)) queue.AccessMsg {
	t.Helper()
	e, _, err := decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	f(&e)
	b, err := e.encode()
	if err != nil {
		t.Fatal(err)
	}
	return queue.AccessMsg{Seq: m.Seq, Data: b}
}

func headOf(t *testing.T, m queue.AccessMsg) tlog.Hash {
	e, ok, err := decode(m.Data)
	if err != nil || !ok {
		t.Fatal(err)
	}
	return e.Hash
}

func TestEncodeHashesBody(t *testing.T) {
	log := chainOf(t, "alfa", 1)
	e, ok, err := decode(log[0].Data)
	if err != nil || !ok {
		t.Fatalf("decode: %v %v", ok, err)
	}
	// The hash is tlog.RecordHash of the JSON without the hash field.
	body := bytes.Replace(log[0].Data, []byte(`,"hash":"`+e.Hash.String()+`"`), nil, 1)
	if tlog.RecordHash(body) != e.Hash || !bytes.HasPrefix(body, []byte(`{"n":1,"time":"2025-03-01T08:00:00Z","tenant":"alfa"`)) {
		t.Fatalf("body %s", body)
	}
}

func TestVerifyEntries(t *testing.T) {
	const n = 10
	ok := chainOf(t, "alfa", n)
	cp := func(i int) Checkpoint { return Checkpoint{Tenant: "alfa", N: uint64(i), Head: headOf(t, ok[i-1])} }
	edit := func(f func([]queue.AccessMsg) []queue.AccessMsg) []queue.AccessMsg {
		c := make([]queue.AccessMsg, len(ok))
		for i, m := range ok {
			c[i] = queue.AccessMsg{Seq: m.Seq, Data: bytes.Clone(m.Data)}
		}
		return f(c)
	}
	for _, c := range []struct {
		name   string
		stored []queue.AccessMsg
		cps    []Checkpoint
		kind   Kind
		at     uint64
	}{
		{"intact", ok, []Checkpoint{cp(4), cp(10)}, "", 0},
		{"empty", nil, nil, "", 0},
		{"edited", edit(func(c []queue.AccessMsg) []queue.AccessMsg {
			c[4].Data = bytes.Replace(c[4].Data, []byte("doc-4"), []byte("doc-X"), 1)
			return c
		}), nil, Changed, 5},
		{"edited last", edit(func(c []queue.AccessMsg) []queue.AccessMsg {
			c[9].Data = bytes.Replace(c[9].Data, []byte("anna"), []byte("bert"), 1)
			return c
		}), nil, Changed, 10},
		{"edited and rehashed", edit(func(c []queue.AccessMsg) []queue.AccessMsg {
			c[4] = reencode(t, c[4], func(e *Entry) { e.Person = "bert" })
			return c
		}), nil, Reordered, 6},
		{"unreadable", edit(func(c []queue.AccessMsg) []queue.AccessMsg { c[2].Data = []byte("{"); return c }), nil, Changed, 3},
		{"other tenant's", edit(func(c []queue.AccessMsg) []queue.AccessMsg {
			c[2] = reencode(t, c[2], func(e *Entry) { e.Tenant = "beta" })
			return c
		}), nil, Changed, 3},
		{"removed", edit(func(c []queue.AccessMsg) []queue.AccessMsg { return append(c[:3], c[5:]...) }), nil, Removed, 4},
		{"removed first", edit(func(c []queue.AccessMsg) []queue.AccessMsg { return c[1:] }), nil, Removed, 1},
		{"swapped", edit(func(c []queue.AccessMsg) []queue.AccessMsg { c[3], c[4] = c[4], c[3]; return c }), nil, Reordered, 4},
		{"duplicated", edit(func(c []queue.AccessMsg) []queue.AccessMsg { return append(c[:5], c[4:]...) }), nil, Reordered, 6},
		{"truncated", ok[:7], []Checkpoint{cp(4), cp(10)}, Truncated, 8},
		{"truncated, no checkpoint", ok[:7], nil, "", 0},
		{"rewritten whole", func() []queue.AccessMsg {
			c := chainOf(t, "alfa", n)
			c[2] = reencode(t, c[2], func(e *Entry) { e.Objects = []string{"other"} })
			for i := 3; i < n; i++ { // a forger re-chains everything after
				prev := headOf(t, c[i-1])
				c[i] = reencode(t, c[i], func(e *Entry) { e.Prev = prev })
			}
			return c
		}(), []Checkpoint{cp(4)}, Diverged, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := VerifyEntries("alfa", c.stored, c.cps)
			if c.kind == "" {
				if !r.Intact() || r.Entries != uint64(len(c.stored)) {
					t.Fatalf("want intact with %d entries, got %+v %v", len(c.stored), r, r.Problem)
				}
				return
			}
			if r.Intact() || r.Problem.Kind != c.kind || r.Problem.N != c.at {
				t.Fatalf("want %s at %d, got %v", c.kind, c.at, r.Problem)
			}
		})
	}
}

func TestCheckpointSignature(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "earkiv-test")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	c := Checkpoint{Tenant: "alfa", N: 42, Head: tlog.RecordHash([]byte("x")), Time: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	b, err := c.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenCheckpoint(b, "alfa", v)
	if err != nil || got != c {
		t.Fatalf("open: %+v %v", got, err)
	}
	if _, err := OpenCheckpoint(b, "beta", v); err == nil {
		t.Fatal("alfa's checkpoint taken for beta's")
	}
	forged := bytes.Replace(b, []byte("\n42\n"), []byte("\n41\n"), 1)
	if _, err := OpenCheckpoint(forged, "alfa", v); err == nil {
		t.Fatal("a changed checkpoint verified")
	}
}

// BenchmarkVerify1M verifies a million stored entries with the pure
// function (target: 10 s or less).
func BenchmarkVerify1M(b *testing.B) {
	const n = 1_000_000
	stored := chainOf(b, "alfa", n)
	b.ResetTimer()
	for b.Loop() {
		if r := VerifyEntries("alfa", stored, nil); !r.Intact() || r.Entries != n {
			b.Fatalf("%+v", r)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
