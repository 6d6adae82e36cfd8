package accesslog_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, map[string]testenv.Role{"appender": runAppender}) }

type env struct {
	nats    *testenv.NATS
	reg     *tenant.Registry
	place   placement.Placement
	signer  note.Signer
	verifer note.Verifier
}

// newEnv starts NATS with tenants alfa and beta; withS3 adds versitygw
// with their buckets.
func newEnv(t testing.TB, withS3 bool) *env {
	t.Helper()
	pw := map[string]string{}
	a, b := testenv.Tenant(t, "alfa", "2120000001", pw), testenv.Tenant(t, "beta", "2120000002", pw)
	e := &env{reg: &tenant.Registry{Tenants: []*tenant.Tenant{a, b}}}
	e.nats = testenv.StartNATS(t, t.TempDir(), e.reg.Tenants, pw)
	skey, vkey, err := note.GenerateKey(rand.Reader, "earkiv-test")
	if err != nil {
		t.Fatal(err)
	}
	e.signer, _ = note.NewSigner(skey)
	e.verifer, _ = note.NewVerifier(vkey)
	if withS3 {
		st := testenv.Versity(t).Store(t)
		for _, x := range e.reg.Tenants {
			if err := st.EnsureBucket(context.Background(), x.Bucket); err != nil {
				t.Fatal(err)
			}
		}
		e.place = placement.Fixed{Store: st}
	}
	return e
}

func (e *env) log(t testing.TB) *accesslog.Log {
	return accesslog.New(accesslog.Config{Queue: e.nats.Service(t), Tenants: func() *tenant.Registry { return e.reg },
		Place: e.place, Signer: e.signer, Verifier: e.verifer})
}

func entry(tenant string, i int) accesslog.Entry {
	return accesslog.Entry{Tenant: tenant, Person: "anna", Role: "arkivarie", Action: accesslog.ViewCase,
		Objects: []string{"case-" + strconv.Itoa(i)}, Client: "10.0.0.7"}
}

func TestAppendVerifyCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEnv(t, true)
	l := e.log(t)
	for i := 1; i <= 20; i++ {
		n, err := l.Append(ctx, entry("alfa", i))
		if err != nil || n != uint64(i) {
			t.Fatalf("append %d: n %d, %v", i, n, err)
		}
		if _, err := l.Append(ctx, entry("beta", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Append(ctx, accesslog.Entry{Tenant: "alfa", Person: "anna", Action: "peek"}); err == nil {
		t.Fatal("an unknown action was logged")
	}
	c, ok, err := l.Checkpoint(ctx, "alfa")
	if err != nil || !ok || c.N != 20 {
		t.Fatalf("checkpoint: %+v %v %v", c, ok, err)
	}
	if _, ok, err := l.Checkpoint(ctx, "alfa"); err != nil || ok {
		t.Fatalf("second checkpoint with nothing new: %v %v", ok, err)
	}
	lock, err := e.place.(placement.Fixed).Store.Retention(ctx, "earkiv-alfa", accesslog.CheckpointPrefix+fmt.Sprintf("%020d.txt", 20))
	if err != nil || lock.Mode != "COMPLIANCE" || lock.RetainUntil.Before(time.Now().AddDate(9, 0, 0)) {
		t.Fatalf("checkpoint lock %+v %v", lock, err)
	}
	// A new Log (another process) continues the chain from the stream.
	l2 := e.log(t)
	if _, last, err := l2.AppendBatch(ctx, []accesslog.Entry{entry("alfa", 21), entry("alfa", 22), entry("alfa", 23)}); err != nil || last != 23 {
		t.Fatalf("batch: %d %v", last, err)
	}
	r, err := l.Verify(ctx, "alfa")
	if err != nil || !r.Intact() || r.Entries != 23 || r.Checkpoints != 1 {
		t.Fatalf("verify: %+v %v %v", r, r.Problem, err)
	}
	var got []uint64
	from := time.Now().Add(-time.Hour)
	for x, err := range l.Export(ctx, "beta", from, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		if x.Tenant != "beta" {
			t.Fatalf("beta's export holds %+v", x)
		}
		got = append(got, x.N)
	}
	if len(got) != 20 || got[19] != 20 {
		t.Fatalf("beta's export: %v", got)
	}
	for _, err := range l.Export(ctx, "beta", time.Time{}, from) {
		t.Fatalf("entry before %s exported (%v)", from, err)
	}
}

// TestStreamRefusesDelete: not even the service may delete or purge an
// entry, so tampering needs a hand at the store's files (the pure
// function's tests cover what Verify then says).
func TestStreamRefusesDelete(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e := newEnv(t, false)
	l := e.log(t)
	for i := range 3 {
		if _, err := l.Append(ctx, entry("alfa", i)); err != nil {
			t.Fatal(err)
		}
	}
	svc := e.nats.Service(t)
	s, err := svc.JetStream().Stream(ctx, queue.StreamAccess)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMsg(ctx, 2); err == nil {
		t.Fatal("the service deleted an access log entry")
	}
	if err := s.SecureDeleteMsg(ctx, 2); err == nil {
		t.Fatal("the service erased an access log entry")
	}
	if err := s.Purge(ctx); err == nil {
		t.Fatal("the service purged the access log")
	}
	n := 0
	for _, err := range svc.ReadAccess(ctx, "alfa", 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d entries left of 3", n)
	}
	// A producer, even alfa's own, cannot read alfa's log.
	if _, _, err := e.nats.Producer(t, e.reg.Tenants[0]).LastAccess(ctx, "alfa"); err == nil {
		t.Fatal("alfa's producer read alfa's access log")
	}
}

// TestConcurrentWriters: two connections (two nodes) appending at once
// keep one unbroken chain, and every n acked is there once.
func TestConcurrentWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEnv(t, true)
	logs := []*accesslog.Log{e.log(t), e.log(t)}
	const each = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[uint64]bool{}
	for w := range 8 {
		wg.Go(func() {
			l := logs[w%2]
			for i := range each {
				n, err := l.Append(ctx, entry("alfa", i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if acked[n] {
					t.Errorf("n %d acked twice", n)
				}
				acked[n] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r, err := logs[0].Verify(ctx, "alfa")
	if err != nil || !r.Intact() || r.Entries != 8*each || len(acked) != 8*each {
		t.Fatalf("verify: %+v %v %v; %d acked", r, r.Problem, err, len(acked))
	}
}

// runAppender is the child of TestKilledAppender: it appends until killed,
// printing each n once it is acked.
func runAppender(ctx context.Context, arg string) error {
	var a struct{ URL, User, Password string }
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	q, err := queue.Connect(ctx, queue.ConnectOptions{URL: a.URL, User: a.User, Password: a.Password, Name: "appender"})
	if err != nil {
		return err
	}
	defer q.Close()
	l := accesslog.New(accesslog.Config{Queue: q})
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				n, err := l.Append(ctx, entry("alfa", i))
				if err != nil {
					return
				}
				mu.Lock()
				fmt.Printf("acked %d\n", n)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return nil
}

// TestKilledAppender: a process SIGKILLed while appending loses no entry
// it was told was stored, and leaves the chain whole.
func TestKilledAppender(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := newEnv(t, true)
	arg, _ := json.Marshal(map[string]string{"URL": e.nats.URL, "User": e.nats.Cfg.ServiceUser, "Password": e.nats.Cfg.ServicePassword})
	child := testenv.StartChild(t, "appender", string(arg))
	testenv.Eventually(t, 30*time.Second, func() error {
		if n := strings.Count(child.Output(), "acked "); n < 300 {
			return fmt.Errorf("the appender acked %d entries, waiting for 300", n)
		}
		return nil
	})
	child.Kill()
	acked := map[uint64]bool{}
	f, err := os.Open(child.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			n, err := strconv.ParseUint(s, 10, 64)
			if err == nil {
				acked[n] = true
			}
		}
	}
	// The server restarts too, reading what it stored back from disk.
	e.nats.Restart(t)
	l := e.log(t)
	r, err := l.Verify(ctx, "alfa")
	if err != nil || !r.Intact() {
		t.Fatalf("verify after kill: %+v %v %v", r, r.Problem, err)
	}
	for n := range acked {
		if n > r.Entries {
			t.Errorf("entry %d was acked, the log ends at %d", n, r.Entries)
		}
	}
	// And the chain goes on.
	if n, err := l.Append(ctx, entry("alfa", 0)); err != nil || n != r.Entries+1 {
		t.Fatalf("append after kill: %d %v", n, err)
	}
	t.Logf("%d acked before the kill, %d stored", len(acked), r.Entries)
}

// BenchmarkAppend appends with the chain on a real JetStream: -cpu sets no
// writers; 64 goroutines share one Log, as a busy server's handlers do
// (target: 5,000 entries/s or more).
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, false)
	l := e.log(b)
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := l.Append(ctx, entry("alfa", i)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAppendSerial is one caller appending one entry at a time: a
// round trip per entry.
func BenchmarkAppendSerial(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b, false)
	l := e.log(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := l.Append(ctx, entry("alfa", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
