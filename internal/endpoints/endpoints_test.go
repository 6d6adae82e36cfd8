package endpoints

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func TestWriteReadRemove(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); !errors.Is(err, ErrNoServe) {
		t.Fatalf("empty folder: %v", err)
	}
	want := Endpoints{NATSURL: "nats://127.0.0.1:14222", S3Endpoint: "http://127.0.0.1:17070", S3Addr: "127.0.0.1:17070",
		HTTP: "http://127.0.0.1:18080", Metrics: "http://127.0.0.1:19464"}
	if err := Write(dir, want); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(Path(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode: %v %v", fi, err)
	}
	got, err := Read(dir)
	want.PID = os.Getpid()
	if err != nil || got != want {
		t.Fatalf("Read = %+v %v, want %+v", got, err, want)
	}
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("not removed: %v", err)
	}
	if err := Remove(dir); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

// TestStale: a file whose serve has ended (killed, crashed) is no serve,
// and one of another live process is not this process's to remove.
func TestStale(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	ended := cmd.Process.Pid
	write := func(pid int) {
		t.Helper()
		b := []byte(`{"pid": ` + strconv.Itoa(pid) + `, "nats_url": "nats://127.0.0.1:1"}`)
		if err := os.WriteFile(Path(dir), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ended)
	if _, err := Read(dir); !errors.Is(err, ErrNoServe) {
		t.Fatalf("ended process: %v", err)
	}
	write(os.Getppid())
	if e, err := Read(dir); err != nil || e.NATSURL != "nats://127.0.0.1:1" {
		t.Fatalf("live process: %+v %v", e, err)
	}
	if err := Remove(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(dir)); err != nil {
		t.Fatalf("another process's file removed: %v", err)
	}
	if err := os.WriteFile(Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(dir); err == nil || errors.Is(err, ErrNoServe) {
		t.Fatalf("broken file: %v", err)
	}
}
