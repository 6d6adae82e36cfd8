package testenv

import (
	"testing"
	"time"
)

// Eventually calls f until it returns nil, and fails the test with f's last
// error once total has passed, so the failure says what was not yet true.
// It waits 1 ms after the first try and twice as long after each further
// one, up to 250 ms: quick when the condition is about to hold, light on a
// shared machine when it is not. f runs on the caller's goroutine, so it
// may call t.Fatal to give up at once (a server that exited will not
// become ready).
//
// Tests wait with Eventually, never with a sleep: a sleep long enough on a
// loaded machine is a waste on an idle one, and too short fails at random.
func Eventually(t testing.TB, total time.Duration, f func() error) {
	t.Helper()
	if err := poll(total, f); err != nil {
		t.Fatalf("not within %v: %v", total, err)
	}
}

const (
	pollFirst = time.Millisecond
	pollMax   = 250 * time.Millisecond
)

// poll calls f until it returns nil or total has passed, and returns f's
// last error. f is tried once more at the deadline.
func poll(total time.Duration, f func() error) error {
	deadline := time.Now().Add(total)
	wait := pollFirst
	for {
		err := f()
		if err == nil {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return err
		}
		time.Sleep(min(wait, left))
		wait = min(2*wait, pollMax)
	}
}
