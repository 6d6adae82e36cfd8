package authguard

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestCompareBounded: bcrypt comparisons started at once run at most half
// the CPUs at a time, and each still answers.
func TestCompareBounded(t *testing.T) {
	var peak atomic.Int32
	observe = func(n int32) {
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
	}
	defer func() { observe = func(int32) {} }()
	h, err := bcrypt.GenerateFromPassword([]byte("rätt lösenord"), bcrypt.MinCost+4)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok atomic.Int32
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "fel"
			if i%2 == 0 {
				pw = "rätt lösenord"
			}
			if Compare(string(h), pw, bcrypt.MinCost+4) {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if want := int32(max(1, runtime.NumCPU()/2)); peak.Load() > want || peak.Load() < 1 {
		t.Fatalf("%d comparisons at once, want at most %d", peak.Load(), want)
	}
	if ok.Load() != 8 {
		t.Fatalf("%d right passwords accepted, want 8", ok.Load())
	}
}
