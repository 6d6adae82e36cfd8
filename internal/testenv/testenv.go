// Package testenv starts real servers for tests: an S3 gateway (versitygw in
// a child process, so a test can stop and restart it like an outage), a
// MinIO server (a second S3 implementation) and an embedded NATS server.
// Child processes are the test binary itself, re-executed with a role; a
// package that uses them calls Main from its TestMain.
//
// The servers' logs go to files (a child's Log) or nowhere, so a passing run
// stays quiet; EARKIV_TEST_LOGS=1 sends them to the test's stderr as well
// (see ServerLogs), for a test that fails for reasons its own output does
// not show.
package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/earkiv/earkiv/internal/ingest"
	"github.com/earkiv/earkiv/internal/queue"
	"github.com/earkiv/earkiv/internal/s3gw"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/nats-io/nats-server/v2/logger"
)

const roleEnv = "EARKIV_TESTENV_ROLE"
const argEnv = "EARKIV_TESTENV_ARG"

// LogsEnv names the environment variable that turns server logs on.
const LogsEnv = "EARKIV_TEST_LOGS"

// ServerLogs reports whether the servers tests start (versitygw, MinIO,
// NATS, and earkiv serve in cmd/earkiv's tests) also log to stderr:
// EARKIV_TEST_LOGS is set and not 0.
func ServerLogs() bool {
	v := os.Getenv(LogsEnv)
	return v != "" && v != "0"
}

// Role is a function a re-executed test binary runs instead of the tests.
type Role func(ctx context.Context, arg string) error

var roles = map[string]Role{"s3gw": runS3GW}

// Main runs a child role when the binary was started as one, else the tests.
func Main(m *testing.M, extra map[string]Role) {
	for k, v := range extra {
		roles[k] = v
	}
	if name := os.Getenv(roleEnv); name != "" {
		r, ok := roles[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "testenv: unknown role %q\n", name)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		if err := r(ctx, os.Getenv(argEnv)); err != nil {
			fmt.Fprintf(os.Stderr, "testenv role %s: %v\n", name, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Child is a re-executed test binary running a role.
type Child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	Log  string // file with its stdout and stderr
}

// StartChild starts the test binary in role with arg.
func StartChild(t testing.TB, role, arg string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), roleEnv+"="+role, argEnv+"="+arg), env...)
	return startProcess(t, cmd, role)
}

// startProcess starts cmd in its own process group, output to a log file,
// and kills it when the test ends.
func startProcess(t testing.TB, cmd *exec.Cmd, name string) *Child {
	t.Helper()
	log := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	var w io.Writer = f
	if ServerLogs() {
		w = io.MultiWriter(f, os.Stderr)
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, done: make(chan struct{}), Log: log}
	go func() { c.err = cmd.Wait(); _ = f.Close(); close(c.done) }()
	t.Cleanup(c.Kill)
	return c
}

// Kill stops the child at once (SIGKILL), as a crash would.
func (c *Child) Kill() {
	select {
	case <-c.done:
		return
	default:
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// Stop asks the child to stop (SIGTERM) and waits.
func (c *Child) Stop() error {
	select {
	case <-c.done:
		return c.err
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		c.Kill()
	}
	return c.err
}

// Done is closed when the child exits.
func (c *Child) Done() <-chan struct{} { return c.done }

// Output is what the child has printed so far.
func (c *Child) Output() string {
	b, _ := os.ReadFile(c.Log)
	return string(b)
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// S3 is a running S3 server.
type S3 struct {
	Name  string
	Dir   string // its data folder
	Addr  string
	Cfg   storage.Config
	start func() *Child
	child *Child
	t     testing.TB
}

// Start (re)starts a stopped server on the same address and data, and
// waits until it answers; it fails at once if the server exits instead.
func (s *S3) Start() {
	s.t.Helper()
	s.child = s.start()
	st, err := storage.New(s.Cfg)
	if err != nil {
		s.t.Fatal(err)
	}
	Eventually(s.t, 60*time.Second, func() error {
		select {
		case <-s.child.Done():
			s.t.Fatalf("%s exited before it was ready:\n%s", s.Name, s.child.Output())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := st.Healthy(ctx); err != nil {
			return fmt.Errorf("%s did not start: %w\n%s", s.Name, err, s.child.Output())
		}
		return nil
	})
}

// Stop stops the server (its data stays).
func (s *S3) Stop() { s.child.Kill() }

// Store is a client for the server.
func (s *S3) Store(t testing.TB) *storage.Store {
	st, err := storage.New(s.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

type s3gwArg struct{ Dir, Addr, Access, Secret string }

func runS3GW(ctx context.Context, arg string) error {
	var a s3gwArg
	if err := json.Unmarshal([]byte(arg), &a); err != nil {
		return err
	}
	ingest.TuneGC() // as in serve, where the gateway runs inside the process TuneGC tunes
	return s3gw.Run(ctx, s3gw.Config{Dir: a.Dir, Addr: a.Addr, AccessKey: a.Access, SecretKey: a.Secret})
}

// Versity starts an embedded-gateway S3 server (versitygw, posix backend) in
// a child process.
func Versity(t testing.TB) *S3 {
	t.Helper()
	dir, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	s := &S3{Name: "versitygw", Dir: dir, Addr: addr, t: t,
		Cfg: storage.Config{Endpoint: "http://" + addr, AccessKey: "earkivtest", SecretKey: "earkivtestsecret", Region: "us-east-1"}}
	arg, _ := json.Marshal(s3gwArg{Dir: dir, Addr: addr, Access: s.Cfg.AccessKey, Secret: s.Cfg.SecretKey})
	s.start = func() *Child { return StartChild(t, "s3gw", string(arg)) }
	s.Start()
	return s
}

// MinIOBin finds the MinIO server binary: $EARKIV_MINIO_BIN, else the cache
// folder that `make minio` builds into.
func MinIOBin() string {
	if p := os.Getenv("EARKIV_MINIO_BIN"); p != "" {
		return p
	}
	home, _ := os.UserCacheDir()
	return filepath.Join(home, "earkiv", "bin", "minio")
}

// MinIO starts a MinIO server. Without the binary the test is skipped,
// unless EARKIV_REQUIRE_MINIO=1 (set by make test, so CI skips nothing).
func MinIO(t testing.TB) *S3 {
	t.Helper()
	bin := MinIOBin()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("EARKIV_REQUIRE_MINIO") == "1" {
			t.Fatalf("MinIO server binary %s missing (make minio builds it): %v", bin, err)
		}
		t.Skipf("MinIO server binary %s missing; run make minio", bin)
	}
	dir := t.TempDir()
	addr := FreeAddr(t)
	console := FreeAddr(t)
	s := &S3{Name: "minio", Dir: dir, Addr: addr, t: t,
		Cfg: storage.Config{Endpoint: "http://" + addr, AccessKey: "earkivtest", SecretKey: "earkivtestsecret", Region: "us-east-1"}}
	s.start = func() *Child {
		args := []string{"server", "--quiet", "--address", addr, "--console-address", console, dir}
		if ServerLogs() {
			args = slices.Delete(args, 1, 2)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.Cfg.AccessKey, "MINIO_ROOT_PASSWORD="+s.Cfg.SecretKey, "MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_REGION=us-east-1")
		return startProcess(t, cmd, "minio")
	}
	s.Start()
	return s
}

// Backends are the S3 implementations every storage test runs against.
func Backends(t *testing.T) []func(testing.TB) *S3 {
	return []func(testing.TB) *S3{Versity, MinIO}
}

// RepoRoot is the module root (for test data such as packages-sample).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s", file)
	}
	return root
}

// Sanitize makes a test name usable in bucket and stream names.
func Sanitize(s string) string {
	s = strings.ToLower(s)
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-")
}

// NATS is a running embedded NATS server with earkiv's logins.
type NATS struct {
	Server    *queue.Server
	Cfg       queue.ServerConfig
	URL       string
	Passwords map[string]string // tenant id -> producer password
}

// Tenant makes a tenant with a fresh producer password (kept in pw).
func Tenant(t testing.TB, id, org string, pw map[string]string) *tenant.Tenant {
	t.Helper()
	plain, hash, err := tenant.NewPasswordCost(4)
	if err != nil {
		t.Fatal(err)
	}
	pw[id] = plain
	return &tenant.Tenant{ID: id, Name: id + " kommun", OrgNumber: org, Bucket: "earkiv-" + id,
		Producer: tenant.Producer{User: "producer-" + id, PasswordHash: hash}}
}

// StartNATS starts an embedded NATS server for tenants (whose plain producer
// passwords are in pw) and sets up earkiv's streams.
func StartNATS(t testing.TB, dir string, tenants []*tenant.Tenant, pw map[string]string) *NATS {
	t.Helper()
	cfg := queue.ServerConfig{Dir: dir, Addr: "127.0.0.1:0", ServiceUser: "earkiv", ServicePassword: "service-secret", Tenants: tenants}
	s, err := queue.StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	natsLogs(s)
	n := &NATS{Server: s, Cfg: cfg, URL: s.ClientURL(), Passwords: pw}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	c := n.Service(t)
	ids := []string{}
	for _, x := range tenants {
		ids = append(ids, x.ID)
	}
	if err := c.Setup(context.Background(), ids, queue.SetupOptions{AckWait: 5 * time.Second, MaxDeliver: 3}); err != nil {
		t.Fatal(err)
	}
	return n
}

// natsLogs sends s's notices, warnings and errors to stderr when
// ServerLogs says so. queue.StartServer starts it without a logger, so its
// start-up lines are not among them.
func natsLogs(s *queue.Server) {
	if ServerLogs() {
		s.SetLoggerV2(logger.NewStdLogger(true, false, false, false, false), false, false, false)
	}
}

// Restart stops the server and starts it again on the same port and storage.
func (n *NATS) Restart(t testing.TB) {
	t.Helper()
	port := n.Server.Addr().(*net.TCPAddr).Port
	n.Server.Shutdown()
	n.Server.WaitForShutdown()
	cfg := n.Cfg
	cfg.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	s, err := queue.StartServer(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	natsLogs(s)
	n.Server = s
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
}

// Service connects as earkiv's service login.
func (n *NATS) Service(t testing.TB) *queue.Client {
	t.Helper()
	c, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: n.URL, User: n.Cfg.ServiceUser, Password: n.Cfg.ServicePassword, Name: "test-service"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// Producer connects as tenant's producer.
func (n *NATS) Producer(t testing.TB, tn *tenant.Tenant) *queue.Client {
	t.Helper()
	c, err := queue.Connect(context.Background(), queue.ConnectOptions{URL: n.URL, User: tn.Producer.User, Password: n.Passwords[tn.ID], Tenant: tn.ID, Name: "test-producer"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// WaitReceiptWatchers waits until tenant's receipt bucket has want
// consumers on the server, as seen through svc, a service connection. A
// watch (WaitReceipt, WatchReceipts) has its consumer once it returns, so a
// test that waits here before putting a receipt knows the watcher gets it
// as an update, not as the bucket's history.
func WaitReceiptWatchers(t testing.TB, svc *queue.Client, tenant string, want int) {
	t.Helper()
	Eventually(t, 10*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := svc.JetStream().Stream(ctx, "KV_"+queue.ReceiptBucket(tenant))
		if err != nil {
			return err
		}
		if got := s.CachedInfo().State.Consumers; got != want {
			return fmt.Errorf("%d watchers of %s's receipts, want %d", got, tenant, want)
		}
		return nil
	})
}

// BenchSetting is the integer in the environment variable name, for a
// benchmark's size or count, else def.
func BenchSetting(name string, def int64) int64 {
	if s := os.Getenv(name); s != "" {
		fmt.Sscan(s, &def)
	}
	return def
}

// IngestPolicy is an S3 policy like an ingest worker's: everything on the
// buckets but bypassing governance retention, which only the gallring
// executor's credential holds.
const IngestPolicy = `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]},
{"Effect":"Deny","Action":["s3:BypassGovernanceRetention"],"Resource":["arn:aws:s3:::*"]}]}`

// Narrowed is a credential of the server limited by policy, through STS
// AssumeRole with a session policy (MinIO; versitygw has no STS).
func (s *S3) Narrowed(t testing.TB, policy string) storage.Config {
	t.Helper()
	cr, err := credentials.NewSTSAssumeRole(s.Cfg.Endpoint, credentials.STSAssumeRoleOptions{
		AccessKey: s.Cfg.AccessKey, SecretKey: s.Cfg.SecretKey, Policy: policy, Location: s.Cfg.Region})
	if err != nil {
		t.Fatal(err)
	}
	v, err := cr.GetWithContext(nil)
	if err != nil {
		t.Fatalf("%s: STS AssumeRole: %v", s.Name, err)
	}
	cfg := s.Cfg
	cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = v.AccessKeyID, v.SecretAccessKey, v.SessionToken
	return cfg
}
