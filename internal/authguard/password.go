package authguard

import (
	"crypto/rand"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/bcrypt"
)

// slots bounds the bcrypt comparisons running at once to half the CPUs,
// so that a flood of logins from many addresses (each within its own
// allowance) slows logins, not ingest.
var slots = make(chan struct{}, max(1, runtime.NumCPU()/2))

// comparing counts comparisons in their slot, for tests.
var comparing atomic.Int32

var dummies sync.Map // cost -> []byte, a bcrypt hash of a random password

// dummy returns a bcrypt hash of cost that no password matches.
func dummy(cost int) []byte {
	if h, ok := dummies.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
	if err != nil {
		panic(err) // cost comes from Cost, within bcrypt's range
	}
	h2, _ := dummies.LoadOrStore(cost, h)
	return h2.([]byte)
}

// Compare reports whether password matches the bcrypt hash. An empty hash
// (an unknown user) is compared against a hash of cost that nothing
// matches, so an unknown user takes as long as a known one.
func Compare(hash, password string, cost int) bool {
	slots <- struct{}{}
	n := comparing.Add(1)
	observe(n)
	defer func() { comparing.Add(-1); <-slots }()
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummy(cost), []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// Cost is the bcrypt cost to spend on unknown users: the most common cost
// among hashes (the higher one on a tie), bcrypt.DefaultCost if there are
// none.
func Cost(hashes []string) int {
	n := map[int]int{}
	best, bestN := bcrypt.DefaultCost, 0
	for _, h := range hashes {
		c, err := bcrypt.Cost([]byte(h))
		if err != nil {
			continue
		}
		n[c]++
		if n[c] > bestN || n[c] == bestN && c > best {
			best, bestN = c, n[c]
		}
	}
	return best
}

// observe is called with the comparisons running at once (tests set it).
var observe = func(int32) {}
