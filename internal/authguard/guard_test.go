package authguard

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// try logs in as user from addr with a password that is right or not, and
// reports the outcome and whether the password was checked at all.
func try(g *Guard, user, addr string, right bool) (error, bool) {
	checked := false
	err := g.Check("test", user, addr, func() bool { checked = true; return right })
	return err, checked
}

// TestAccountLock: 10 failures lock an account for 15 minutes, for any
// address that has not logged in as it, even with the right password; the
// address it last logged in from stays in; the lock ends by itself.
func TestAccountLock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultPolicy(), nil)
		if err, _ := try(g, "alfa", "10.0.0.1:5000", true); err != nil {
			t.Fatal(err)
		}
		for i := range 10 { // each from its own address: no address backs off
			if err, checked := try(g, "alfa", fmt.Sprintf("192.0.2.%d:1", i), false); !errors.Is(err, ErrDenied) || !checked {
				t.Fatalf("failure %d: %v checked=%v", i, err, checked)
			}
		}
		if err, checked := try(g, "alfa", "198.51.100.1:1", true); !errors.Is(err, ErrLocked) || checked {
			t.Fatalf("locked account: %v checked=%v", err, checked)
		}
		if err, checked := try(g, "alfa", "10.0.0.1:6000", true); err != nil || !checked {
			t.Fatalf("trusted address during the lock: %v checked=%v", err, checked)
		}
		if err, _ := try(g, "beta", "198.51.100.1:1", true); err != nil {
			t.Fatalf("other account: %v", err)
		}
		time.Sleep(15*time.Minute - time.Second)
		if err, _ := try(g, "alfa", "198.51.100.2:1", true); !errors.Is(err, ErrLocked) {
			t.Fatalf("before the lock ends: %v", err)
		}
		time.Sleep(2 * time.Second)
		if err, checked := try(g, "alfa", "198.51.100.2:1", true); err != nil || !checked {
			t.Fatalf("after the lock: %v checked=%v", err, checked)
		}
	})
}

// TestAccountWindow: failures spread wider than the window never lock.
func TestAccountWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultPolicy(), nil)
		for i := range 30 {
			try(g, "alfa", fmt.Sprintf("192.0.2.%d:1", i), false)
			time.Sleep(2 * time.Minute) // 7.5 failures per window at most
		}
		if err, _ := try(g, "alfa", "198.51.100.1:1", true); err != nil {
			t.Fatalf("slow failures locked the account: %v", err)
		}
	})
}

// TestAddressBackoff: an address gets 5 failures free, then waits 1 s,
// 2 s, 4 s ... up to 5 minutes before its next attempt is checked; its
// failures are forgotten 15 minutes after the last.
func TestAddressBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultPolicy(), nil)
		const addr = "203.0.113.7:4000"
		for i := range 5 {
			if err, _ := try(g, fmt.Sprintf("user%d", i), addr, false); !errors.Is(err, ErrDenied) {
				t.Fatalf("free failure %d: %v", i, err)
			}
		}
		waits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
		for i, w := range waits {
			if i > 0 { // the failure that doubles the wait
				if err, checked := try(g, "x", addr, false); !errors.Is(err, ErrDenied) || !checked {
					t.Fatalf("failure after wait %d: %v", i, err)
				}
			}
			time.Sleep(w - time.Millisecond)
			if err, checked := try(g, "x", "203.0.113.7:4001", true); !errors.Is(err, ErrThrottled) || checked {
				t.Fatalf("within %v: %v checked=%v", w, err, checked)
			}
			time.Sleep(time.Millisecond)
		}
		// Another address is not held back.
		if err, _ := try(g, "x", "203.0.113.8:1", true); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			time.Sleep(5 * time.Minute)
			try(g, "x", addr, false)
		}
		time.Sleep(5*time.Minute - time.Millisecond)
		if err, _ := try(g, "x", addr, true); !errors.Is(err, ErrThrottled) {
			t.Fatalf("wait is not capped at 5 minutes or ended early: %v", err)
		}
		time.Sleep(time.Millisecond)
		if err, _ := try(g, "x", addr, false); !errors.Is(err, ErrDenied) {
			t.Fatal(err)
		}
		time.Sleep(15*time.Minute + time.Second)
		for i := range 5 {
			if err, checked := try(g, "y", addr, false); !checked {
				t.Fatalf("failures not forgotten: attempt %d %v", i, err)
			}
		}
	})
}

// TestSuccessDoesNotResetAddress: a login that works does not clear an
// address's failures, so a producer with one good password cannot use it to
// guess another's.
func TestSuccessDoesNotResetAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultPolicy(), nil)
		for i := range 5 {
			try(g, fmt.Sprintf("other%d", i), "192.0.2.1:1", false)
		}
		time.Sleep(time.Second)
		if err, _ := try(g, "mine", "192.0.2.1:1", true); err != nil {
			t.Fatal(err)
		}
		try(g, "other", "192.0.2.1:1", false)
		if err, _ := try(g, "other", "192.0.2.1:1", false); !errors.Is(err, ErrThrottled) {
			t.Fatalf("after a success: %v", err)
		}
	})
}

// TestMaxEntries: the tables stop growing at MaxEntries; expired entries
// make room again.
func TestMaxEntries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := DefaultPolicy()
		p.MaxEntries = 3
		g := New(p, nil)
		for i := range 10 {
			try(g, fmt.Sprintf("u%d", i), fmt.Sprintf("192.0.2.%d:1", i), false)
		}
		g.mu.Lock()
		na, nu := len(g.addrs), len(g.accounts)
		g.mu.Unlock()
		if na != 3 || nu != 3 {
			t.Fatalf("%d addresses, %d accounts tracked", na, nu)
		}
		time.Sleep(24*time.Hour + time.Minute)
		try(g, "new", "198.51.100.1:1", false)
		g.mu.Lock()
		_, a := g.addrs["198.51.100.1"]
		_, u := g.accounts["new"]
		g.mu.Unlock()
		if !a || !u {
			t.Fatal("expired entries were not pruned")
		}
	})
}

func TestHost(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:4222":              "192.0.2.1",
		"192.0.2.1":                   "192.0.2.1",
		"[::ffff:192.0.2.1]:80":       "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:4222": "2001:db8:1:2::/64",
		"[2001:db8:1:2::9]:1":         "2001:db8:1:2::/64",
		"pipe":                        "pipe",
	} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCompareUnknown: an unknown user's check runs bcrypt at the cost
// asked for, and fails.
func TestCompareUnknown(t *testing.T) {
	if Compare("", "", 4) {
		t.Fatal("an unknown user matched")
	}
	if c, err := bcrypt.Cost(dummy(6)); err != nil || c != 6 {
		t.Fatalf("dummy hash cost %d %v", c, err)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte("pw"), 4)
	if !Compare(string(h), "pw", 4) || Compare(string(h), "nope", 4) {
		t.Fatal("known user")
	}
}

func TestCost(t *testing.T) {
	h := func(c int) string { b, _ := bcrypt.GenerateFromPassword([]byte("x"), c); return string(b) }
	h4, h5 := h(4), h(5)
	for _, c := range []struct {
		hashes []string
		want   int
	}{
		{nil, bcrypt.DefaultCost},
		{[]string{h4}, 4},
		{[]string{h4, h5, h5}, 5},
		{[]string{h5, h4, h4}, 4},
		{[]string{h4, h5}, 5},
		{[]string{"plain", h4}, 4},
	} {
		if got := Cost(c.hashes); got != c.want {
			t.Errorf("Cost(%d hashes) = %d, want %d", len(c.hashes), got, c.want)
		}
	}
}

// TestUnlockedNeverLocks: failures against the service's own login, from
// many addresses, never lock it (an attacker could only shut the service
// out), while each address still backs off.
func TestUnlockedNeverLocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := New(DefaultPolicy(), nil)
		for i := range 50 {
			if err := g.CheckUnlocked("test", "earkiv", fmt.Sprintf("192.0.2.%d:1", i), func() bool { return false }); !errors.Is(err, ErrDenied) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if err := g.CheckUnlocked("test", "earkiv", "10.0.0.1:1", func() bool { return true }); err != nil {
			t.Fatalf("service login after 50 failures elsewhere: %v", err)
		}
		for range 5 {
			g.CheckUnlocked("test", "earkiv", "203.0.113.1:1", func() bool { return false })
		}
		if err := g.CheckUnlocked("test", "earkiv", "203.0.113.1:1", func() bool { return true }); !errors.Is(err, ErrThrottled) {
			t.Fatalf("a failing address backs off: %v", err)
		}
	})
}
