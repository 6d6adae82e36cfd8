package session

import (
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of a cache.
const (
	maxCached = 100_000          // entries kept per bucket; beyond, one is dropped per new one
	endedKeep = 10 * time.Minute // an ended key is remembered at least this long, while there is room
	maxEnded  = 100_000
)

// entry is one session's or token's record as read at a revision. It is
// never changed once cached, but for touching.
type entry struct {
	key string
	rev uint64
	rec *record
	// touching is set while a write of LastSeen is queued or under way,
	// so a busy session queues one write, not one per request.
	touching atomic.Bool
}

// cache holds the entries a node read from one bucket. It keeps entries
// only while live: while Run's watch of the bucket is up, the watch
// removes what any node ends and replaces what any node touches, so an
// entry is never served after its end reached this node.
type cache struct {
	mu    sync.RWMutex
	live  bool                 // Lock: mu
	gen   uint64               // counts setLive calls, so a read from before one is not kept; Lock: mu
	m     map[string]*entry    // Lock: mu
	ended map[string]time.Time // keys ended lately, so a read that raced the end is not cached; Lock: mu
}

func newCache() *cache {
	return &cache{m: map[string]*entry{}, ended: map[string]time.Time{}}
}

// setLive starts or stops keeping entries; either way it forgets what it
// holds, since changes made while no watch ran were not seen.
func (c *cache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.gen++
	clear(c.m)
	clear(c.ended)
}

func (c *cache) get(key string) *entry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key]
}

// generation is what put needs to be given for an entry read from now.
func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// isLive tells whether entries are being kept.
func (c *cache) isLive() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.live
}

// wasEnded tells whether key was ended lately, as the watch or this node
// saw it.
func (c *cache) wasEnded(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.ended[key]
	return ok
}

// put keeps e, read when generation returned gen, unless it is older
// than what is kept or its key was ended. A key is never written again
// after its end (its secret is gone), so a read that returns after the
// watch delivered the end is stale; so is one begun before the watch.
func (c *cache) put(e *entry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if _, ok := c.ended[e.key]; ok {
		return
	}
	if cur := c.m[e.key]; cur != nil {
		if cur.rev >= e.rev {
			return
		}
	} else if len(c.m) >= maxCached {
		for k := range c.m { // any one: a dropped entry is only read again
			delete(c.m, k)
			break
		}
	}
	c.m[e.key] = e
}

// update replaces a kept entry with a newer revision (a touch on any
// node); a key not kept stays out, so the watch does not fill the cache.
func (c *cache) update(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.m[e.key]; cur != nil && cur.rev < e.rev {
		c.m[e.key] = e
	}
}

// end forgets key and remembers it ended at now.
func (c *cache) end(key string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	if !c.live {
		return
	}
	if len(c.ended) >= maxEnded {
		for k, t := range c.ended {
			if now.Sub(t) > endedKeep {
				delete(c.ended, k)
			}
		}
	}
	if len(c.ended) < maxEnded {
		c.ended[key] = now
	}
}

// size is how many entries are kept, for tests.
func (c *cache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
