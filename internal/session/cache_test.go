package session

import (
	"strconv"
	"testing"
	"time"
)

// TestCache: what the cache refuses to keep is what would let an ended
// session be served: a read that raced its end, a read from before the
// watch started, an older revision; and it stays within its bound.
func TestCache(t *testing.T) {
	now := time.Now()
	c := newCache()
	gen := c.generation()
	c.put(&entry{key: "k", rev: 1}, gen)
	if c.get("k") != nil {
		t.Fatal("kept while no watch runs")
	}
	c.setLive(true)
	if c.put(&entry{key: "k", rev: 1}, gen); c.get("k") != nil {
		t.Fatal("kept a read from before the watch started")
	}
	gen = c.generation()
	c.put(&entry{key: "k", rev: 2}, gen)
	if e := c.get("k"); e == nil || e.rev != 2 {
		t.Fatalf("not kept: %v", e)
	}
	if c.put(&entry{key: "k", rev: 1}, gen); c.get("k").rev != 2 {
		t.Fatal("an older revision replaced a newer")
	}
	if c.update(&entry{key: "k", rev: 3}); c.get("k").rev != 3 {
		t.Fatal("the watch's newer revision not taken")
	}
	if c.update(&entry{key: "other", rev: 9}); c.get("other") != nil {
		t.Fatal("the watch filled the cache")
	}
	c.end("k", now)
	if c.get("k") != nil || !c.wasEnded("k") {
		t.Fatal("an end not applied")
	}
	if c.put(&entry{key: "k", rev: 2}, gen); c.get("k") != nil {
		t.Fatal("a read that raced the end was kept")
	}
	for i := range maxCached + 10 {
		c.put(&entry{key: strconv.Itoa(i), rev: 1}, gen)
	}
	if n := c.size(); n != maxCached {
		t.Fatalf("%d entries kept, bound %d", n, maxCached)
	}
	c.setLive(false)
	if c.size() != 0 || c.wasEnded("k") {
		t.Fatal("kept after the watch stopped")
	}
}
