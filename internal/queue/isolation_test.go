package queue_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

// jsAPI is every JetStream API subject pattern nats-server answers; * is a
// stream, then a consumer, > anything.
var jsAPI = []string{
	server.JSApiAccountInfo, server.JSApiStreams, server.JSApiStreamList,
	server.JSApiStreamCreate, server.JSApiStreamUpdate, server.JSApiStreamInfo, server.JSApiStreamDelete,
	server.JSApiStreamPurge, server.JSApiStreamSnapshot, server.JSApiStreamRestore, server.JSApiMsgDelete,
	server.JSApiMsgGet, server.JSDirectMsgGet, server.JSDirectGetLastBySubject,
	server.JSApiConsumerCreate, server.JSApiConsumerCreateEx, server.JSApiDurableCreate, server.JSApiConsumers,
	server.JSApiConsumerList, server.JSApiConsumerInfo, server.JSApiConsumerDelete, server.JSApiConsumerPause,
	server.JSApiConsumerUnpin, "$JS.API.CONSUMER.MSG.NEXT.*.*", "$JS.API.CONSUMER.RESET.*.*",
	server.JSApiStreamRemovePeer, server.JSApiStreamEvacuatePeer, server.JSApiStreamCancelMove, server.JSApiStreamLeaderStepDown,
	server.JSApiConsumerLeaderStepDown, server.JSApiConsumerRemovePeer, server.JSApiConsumerEvacuatePeer,
	server.JSApiLeaderStepDown, server.JSApiRemoveServer, server.JSApiEvacuateServer, server.JSApiMetaRescue,
	server.JSApiAccountPurge, server.JSApiServerStreamMove, server.JSApiServerStreamCancelMove,
}

// fill puts a stream and a consumer into an API pattern.
func fill(pattern, stream, consumer string) string {
	s := strings.Replace(pattern, "*", stream, 1)
	s = strings.Replace(s, "*", consumer, 1)
	return strings.Replace(s, ">", "x", 1)
}

// otherTenant is, for each name the package defines (its exported string
// constants and its exported functions from tenant ids to strings), what a
// producer of another tenant must not publish to or subscribe to. A name
// missing here fails TestIsolationCoversNames, so a new subject or bucket
// cannot be forgotten.
func otherTenant(b string) map[string]struct{ pub, sub []string } {
	streams := []string{queue.StreamIngest, queue.StreamEvents, queue.StreamDead, queue.StreamAccess, "OBJ_" + queue.PackageStore(b), "KV_" + queue.ReceiptBucket(b), "KV_" + queue.PeopleBucket(b)}
	var api []string
	for _, p := range jsAPI {
		for _, st := range streams {
			for _, c := range []string{queue.Consumer, "x"} {
				api = append(api, fill(p, st, c))
			}
		}
	}
	ack := func(stream, consumer string) []string {
		return []string{"$JS.ACK." + stream + "." + consumer + ".1.1.1.1.0", "$JS.FC." + stream + ".x", "$JS.SNAPSHOT.ACK." + stream + ".x"}
	}
	type ps = struct{ pub, sub []string }
	return map[string]ps{
		"StreamIngest":  {append(api, ack(queue.StreamIngest, queue.Consumer)...), []string{"$JS.ACK." + queue.StreamIngest + ".>"}},
		"StreamEvents":  {ack(queue.StreamEvents, "x"), []string{"$JS.ACK." + queue.StreamEvents + ".>"}},
		"StreamDead":    {ack(queue.StreamDead, "x"), nil},
		"Consumer":      {[]string{fill(server.JSApiConsumerInfo, queue.StreamIngest, queue.Consumer)}, nil},
		"IngestSubject": {[]string{queue.IngestSubject(b)}, []string{queue.IngestSubject(b), "earkiv.ingest.>", "earkiv.>", ">"}},
		"EventSubject":  {[]string{queue.EventSubject(b, "receipt.issued")}, []string{queue.EventSubject(b, "*"), "earkiv.events.>"}},
		"DeadSubject":   {[]string{queue.DeadSubject(b)}, []string{queue.DeadSubject(b), "earkiv.dead.>"}},
		"StreamAccess":  {ack(queue.StreamAccess, "x"), []string{"$JS.ACK." + queue.StreamAccess + ".>"}},
		// The access log is closed to every producer, its own tenant's
		// (alfa, in TestIsolationNATS) included.
		"AccessSubject": {[]string{queue.AccessSubject(b), queue.AccessSubject("alfa")},
			[]string{queue.AccessSubject(b), queue.AccessSubject("alfa"), "earkiv.access.>"}},
		"PackageStore": {append([]string{"$O." + queue.PackageStore(b) + ".C.x", "$O." + queue.PackageStore(b) + ".M.eA"}, ack("OBJ_"+queue.PackageStore(b), "x")...),
			[]string{"$O." + queue.PackageStore(b) + ".>", "$O.>"}},
		"PackageStoreStream": {append([]string{fill(server.JSApiStreamInfo, queue.PackageStoreStream(b), ""), fill(server.JSApiMsgGet, queue.PackageStoreStream(b), ""),
			fill(server.JSDirectMsgGet, queue.PackageStoreStream(b), "")}, ack(queue.PackageStoreStream(b), "x")...), nil},
		"PackageChunks": {[]string{queue.PackageChunks(b, "x")}, []string{queue.PackageChunks(b, "*"), queue.PackageChunks(b, "x")}},
		"ReceiptBucket": {append([]string{"$KV." + queue.ReceiptBucket(b) + ".sub.x", "$KV." + queue.ReceiptBucket(b) + ".pkg.eA"}, ack("KV_"+queue.ReceiptBucket(b), "x")...),
			[]string{"$KV." + queue.ReceiptBucket(b) + ".>", "$KV.>"}},
		"PeopleBucket": {append([]string{"$KV." + queue.PeopleBucket(b) + ".anna", "$KV." + queue.PeopleBucket(b) + ".x"}, ack("KV_"+queue.PeopleBucket(b), "x")...),
			[]string{"$KV." + queue.PeopleBucket(b) + ".>", "$KV." + queue.PeopleBucket(b) + ".anna"}},
		"RetentionBucket": {append([]string{"$KV." + queue.RetentionBucket(b) + ".stamp", "$KV." + queue.RetentionBucket(b) + ".plan.v1"}, ack("KV_"+queue.RetentionBucket(b), "x")...),
			[]string{"$KV." + queue.RetentionBucket(b) + ".>", "$KV." + queue.RetentionBucket(b) + ".hold.x"}},
		"InboxPrefix": {[]string{queue.InboxPrefix(b) + ".x", "_INBOX.x"}, []string{queue.InboxPrefix(b) + ".>", "_INBOX.>", "_INBOX_*.>"}},
	}
}

// notNames are exported string constants that name no subject, stream or
// bucket.
var notNames = map[string]bool{"earkiv.Accepted": true, "earkiv.Duplicate": true, "earkiv.Rejected": true, "earkiv.Failed": true,
	"DeadErrorHeader": true, "DeadTimeHeader": true} // message headers

// TestIsolationCoversNames: every name the package defines is in
// otherTenant (or, for a constant that names nothing NATS holds, in
// notNames).
func TestIsolationCoversNames(t *testing.T) {
	covered := otherTenant("beta")
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			var names []string
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() && namesTenant(d.Type) {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				if d.Tok == token.CONST {
					for _, s := range d.Specs {
						for i, n := range s.(*ast.ValueSpec).Names {
							if v := s.(*ast.ValueSpec).Values; n.IsExported() && i < len(v) {
								if l, ok := v[i].(*ast.BasicLit); ok && l.Kind == token.STRING {
									names = append(names, n.Name)
								}
							}
						}
					}
				}
			}
			for _, n := range names {
				if _, ok := covered[n]; !ok && !notNames[n] {
					t.Errorf("%s: %s is a name a producer could try; add what another tenant must not reach through it to otherTenant", f, n)
				}
			}
		}
	}
}

// namesTenant tells whether a function takes a tenant id (strings only)
// and returns a string: a subject, bucket or prefix.
func namesTenant(ft *ast.FuncType) bool {
	if ft.Results == nil || len(ft.Results.List) != 1 || ft.Params == nil || len(ft.Params.List) == 0 {
		return false
	}
	if id, ok := ft.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
		return false
	}
	for _, p := range ft.Params.List {
		if id, ok := p.Type.(*ast.Ident); !ok || id.Name != "string" {
			return false
		}
	}
	return ft.Params.List[0].Names[0].Name == "tenant"
}

// TestIsolationNATS: as alfa's producer, every publish and subscription on
// beta's subjects, streams, buckets and inbox, and on the shared streams
// and the account's JetStream API, is refused by the server, while alfa's
// own still answers (so the check can tell a refusal from silence).
func TestIsolationNATS(t *testing.T) {
	n, a, _ := setup(t)
	if tried := assertRefused(t, n, a, otherTenant("beta")); tried < 250 {
		t.Fatalf("only %d attempts", tried)
	}
}

// TestProducerNoPeople: a producer reaches no people bucket, not even its
// own tenant's: it holds password hashes and roles, which are no case
// system's business.
func TestProducerNoPeople(t *testing.T) {
	n, a, _ := setup(t)
	var api []string
	for _, p := range jsAPI {
		api = append(api, fill(p, "KV_"+queue.PeopleBucket("alfa"), "x"))
	}
	own := otherTenant("alfa")["PeopleBucket"]
	own.pub = append(own.pub, api...)
	assertRefused(t, n, a, map[string]struct{ pub, sub []string }{"PeopleBucket": own})
	prod := n.Producer(t, a)
	if _, err := prod.People(context.Background(), "alfa"); !errors.Is(err, queue.ErrProducerPeople) {
		t.Fatalf("a producer's client opened its people bucket: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := prod.JetStream().KeyValue(ctx, queue.PeopleBucket("alfa")); err == nil {
		t.Fatal("the server let a producer open its people bucket")
	}
}

// assertRefused publishes and subscribes, as a's producer, to everything in
// sets and fails unless the server refuses each one, having first checked
// that a's own package store answers (so a refusal is told from silence).
// It returns how many attempts it made.
func assertRefused(t *testing.T, n *testenv.NATS, a *tenant.Tenant, sets map[string]struct{ pub, sub []string }) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	denied := map[string]bool{} // "pub subject" or "sub subject"
	nc, err := nats.Connect(n.URL, nats.UserInfo(a.Producer.User, n.Passwords[a.ID]), nats.CustomInboxPrefix(queue.InboxPrefix(a.ID)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			msg := err.Error()
			i, j := strings.Index(msg, ` to "`), strings.LastIndex(msg, `"`)
			if i < 0 || j <= i+5 {
				t.Errorf("unexpected error: %v", err)
				return
			}
			kind := "pub "
			if strings.Contains(strings.ToLower(msg), "subscription") {
				kind = "sub "
			}
			mu.Lock()
			denied[kind+msg[i+5:j]] = true
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	// The tenant's own package store answers: a granted request is seen as one.
	if m, err := nc.RequestWithContext(ctx, fill(server.JSApiStreamInfo, "OBJ_"+queue.PackageStore(a.ID), ""), nil); err != nil || !strings.Contains(string(m.Data), `"config"`) {
		t.Fatalf("%s's own stream info: %v", a.ID, err)
	}

	seen := map[string]bool{}
	var want []string
	for name, s := range sets {
		for _, p := range s.pub {
			if seen["pub "+p] {
				continue
			}
			seen["pub "+p] = true
			if err := nc.Publish(p, []byte("{}")); err != nil {
				t.Fatalf("%s: publish %s: %v", name, p, err)
			}
			want = append(want, "pub "+p)
		}
		for _, p := range s.sub {
			if seen["sub "+p] {
				continue
			}
			seen["sub "+p] = true
			if _, err := nc.SubscribeSync(p); err != nil {
				t.Fatalf("%s: subscribe %s: %v", name, p, err)
			}
			want = append(want, "sub "+p)
		}
	}
	if err := nc.FlushWithContext(ctx); err != nil {
		t.Fatal(err)
	}
	sort.Strings(want)
	testenv.Eventually(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		var missing []string
		for _, w := range want {
			if !denied[w] {
				missing = append(missing, w)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d of %d not refused: %s", len(missing), len(want), strings.Join(missing, ", "))
		}
		return nil
	})
	return len(want)
}

// TestProducerNoAccountInfo: a producer cannot read the account's
// JetStream counts (every tenant's), and still submits and reads its own
// receipts (TestSubmitAndReceipt).
func TestProducerNoAccountInfo(t *testing.T) {
	n, a, _ := setup(t)
	for _, c := range []struct {
		who    string
		client *queue.Client
		ok     bool
	}{{"producer", n.Producer(t, a), false}, {"service", n.Service(t), true}} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		info, err := c.client.JetStream().AccountInfo(ctx)
		cancel()
		if (err == nil) != c.ok {
			t.Errorf("%s: account info %+v, %v", c.who, info, err)
		}
	}
}

// TestProducerNoRetention: a producer reaches no plan or hold of its own
// municipality: the archive decides those, not the case system.
func TestProducerNoRetention(t *testing.T) {
	n, a, _ := setup(t)
	b := queue.RetentionBucket("alfa")
	set := struct{ pub, sub []string }{
		pub: []string{"$KV." + b + ".stamp", "$KV." + b + ".plan.v1", "$KV." + b + ".hold.x"},
		sub: []string{"$KV." + b + ".>", "$KV." + b + ".plan.v1"},
	}
	for _, p := range jsAPI {
		set.pub = append(set.pub, fill(p, "KV_"+b, "x"))
	}
	assertRefused(t, n, a, map[string]struct{ pub, sub []string }{"RetentionBucket": set})
	prod := n.Producer(t, a)
	if _, err := prod.Retention(context.Background(), "alfa"); !errors.Is(err, queue.ErrProducerRetention) {
		t.Fatalf("a producer's client opened its retention bucket: %v", err)
	}
}
