package testenv

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is a testing.TB whose Fatalf records the failure and ends the
// goroutine, as the real one does, so a test can check that Eventually fails.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// eventually runs Eventually on a goroutine of its own (Fatalf ends it) and
// returns the failure, if any, and the time it took.
func eventually(total time.Duration, f func() error) (failed string, took time.Duration) {
	r := &recorder{}
	start := time.Now()
	done := make(chan struct{})
	go func() { defer close(done); Eventually(r, total, f) }()
	<-done
	return r.failed, time.Since(start)
}

// TestEventuallyBacksOff: a condition that holds on the fourth try passes
// after the waits of 1, 2 and 4 ms, without failing.
func TestEventuallyBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tries := 0
		failed, took := eventually(time.Minute, func() error {
			if tries++; tries < 4 {
				return errors.New("not yet")
			}
			return nil
		})
		if failed != "" || tries != 4 || took != 7*time.Millisecond {
			t.Fatalf("failed %q after %d tries in %v, want a pass on try 4 after 7ms", failed, tries, took)
		}
	})
}

// TestEventuallyFails: a condition that never holds fails the test at the
// deadline, with the error of the last try (the one at the deadline).
func TestEventuallyFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tries := 0
		failed, took := eventually(time.Second, func() error { tries++; return fmt.Errorf("try %d", tries) })
		// Waits of 1, 2, ... 128 ms (255 ms), 250 ms twice, then the 245 ms left.
		if want := "not within 1s: try 12"; failed != want || took != time.Second {
			t.Fatalf("failed %q in %v, want %q in 1s", failed, took, want)
		}
	})
}
