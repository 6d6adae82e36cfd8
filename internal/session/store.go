package session

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earkiv/earkiv/internal/people"
)

// Errors a caller tells apart.
var (
	// ErrNotFound: no such session or token, or it ended, expired or was
	// revoked; which one is not told, as a caller should not tell it on.
	ErrNotFound = errors.New("no such session or token")
	// ErrInvalid marks input refused before anything is stored.
	ErrInvalid = errors.New("invalid session or token")
)

// Why a secret names no live entry; each is ErrNotFound. The ones other
// than ErrNotFound itself are of a real secret: the login guard does not
// count them as guesses.
var (
	errEnded   = fmt.Errorf("%w: it was ended or revoked", ErrNotFound)
	errIdle    = fmt.Errorf("%w: it was not used within the idle time-out", ErrNotFound)
	errMaxAge  = fmt.Errorf("%w: it passed the absolute time-out", ErrNotFound)
	errExpired = fmt.Errorf("%w: it expired", ErrNotFound)
)

// Buckets gives the KV buckets; *queue.Client implements it.
type Buckets interface {
	Sessions(ctx context.Context) (jetstream.KeyValue, error)
	Tokens(ctx context.Context) (jetstream.KeyValue, error)
}

// record is a session or token as stored.
type record struct {
	Hash   []byte        `json:"hash"` // SHA-256 of the secret
	Tenant string        `json:"tenant"`
	Person string        `json:"person"`
	Name   string        `json:"name,omitempty"` // the person's, of a session; the token's own
	Roles  []people.Role `json:"roles"`
	Method string        `json:"method,omitempty"` // sessions
	Client string        `json:"client,omitempty"` // sessions
	// Created, and LastSeen as written at most every Policy.touchEvery.
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"last_seen"`
	Expires  time.Time `json:"expires,omitzero"` // tokens
}

// bucket is one of the two buckets and its cache.
type bucket struct {
	kind  string // "session" or "token", for messages
	kv    jetstream.KeyValue
	cache *cache
}

// Store is the sessions and tokens of every tenant. Its methods are safe
// for concurrent use; Run keeps its cache right and writes touches.
type Store struct {
	p                Policy
	log              *slog.Logger
	sessions, tokens *bucket
	touches          chan touch
	running          atomic.Bool
	// now is the clock; tests set it before use.
	now func() time.Time
}

// touch asks Run to write a newer LastSeen into e.
type touch struct {
	b  *bucket
	e  *entry
	at time.Time
}

// Open returns the store on b's buckets. Zero fields of p are
// DefaultPolicy's; p.Absolute may not pass the sessions bucket's TTL, or
// a session would leave the bucket while still valid.
func Open(ctx context.Context, b Buckets, p Policy, log *slog.Logger) (*Store, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	skv, err := b.Sessions(ctx)
	if err != nil {
		return nil, fmt.Errorf("open sessions: %w", err)
	}
	tkv, err := b.Tokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("open tokens: %w", err)
	}
	st, err := skv.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("open sessions: %w", err)
	}
	if ttl := st.TTL(); ttl > 0 && p.Absolute > ttl {
		return nil, fmt.Errorf("%w: absolute session time-out %v is longer than the sessions bucket keeps an entry (%v)", ErrInvalid, p.Absolute, ttl)
	}
	return &Store{
		p: p, log: log, now: time.Now,
		sessions: &bucket{kind: "session", kv: skv, cache: newCache()},
		tokens:   &bucket{kind: "token", kv: tkv, cache: newCache()},
		touches:  make(chan touch, 1024),
	}, nil
}

// Policy is the policy in force, defaults filled in.
func (s *Store) Policy() Policy { return s.p }

// Run watches both buckets, so a session or token ended, revoked or
// touched on any node is dropped from or updated in this node's cache at
// once, and writes the touches Get and GetToken queue. Until Run runs,
// and after it returned, every lookup reads the bucket. It returns nil
// when ctx ends, once its goroutines stopped, or an error when a watch
// could not start or ended early; call it once at a time.
func (s *Store) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("session store: Run is running already")
	}
	defer s.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var watches []jetstream.KeyWatcher
	// Stop order: the touch writer (cancel, then wg.Wait), then the
	// watches, then the caches, which nothing keeps right any more.
	defer func() {
		for _, b := range []*bucket{s.sessions, s.tokens} {
			b.cache.setLive(false)
		}
	}()
	defer func() {
		for _, w := range watches {
			stopWatch(w)
		}
	}()
	for _, b := range []*bucket{s.sessions, s.tokens} {
		// Only changes from now on: what is in the bucket already is
		// read when asked for.
		w, err := b.kv.WatchAll(ctx, jetstream.UpdatesOnly())
		if err != nil {
			return fmt.Errorf("watch %ss: %w", b.kind, err)
		}
		watches = append(watches, w)
	}
	// Entries are cached only from here on, with the watches up.
	s.sessions.cache.setLive(true)
	s.tokens.cache.setLive(true)

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { s.writeTouches(ctx) })

	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-watches[0].Updates():
			if !ok {
				return watchEnded(ctx, "sessions")
			}
			s.apply(s.sessions, e)
		case e, ok := <-watches[1].Updates():
			if !ok {
				return watchEnded(ctx, "tokens")
			}
			s.apply(s.tokens, e)
		}
	}
}

// watchEnded is Run's answer when a watch's channel closed: nil if ctx
// ended (a watch ends with the context it was made with), else an error.
func watchEnded(ctx context.Context, what string) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("watch of %s ended", what)
}

// stopWatch stops w and drains it: its subscription blocks on a full
// channel, and closes the channel once it stopped. With NATS away, Stop
// waits for the JetStream timeout (5 s) on deleting the consumer.
func stopWatch(w jetstream.KeyWatcher) {
	_ = w.Stop()
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case _, ok := <-w.Updates():
			if !ok {
				return
			}
		case <-t.C:
			return // the connection is gone; nothing will block on the channel
		}
	}
}

// apply brings a change made on any node into the cache.
func (s *Store) apply(b *bucket, e jetstream.KeyValueEntry) {
	if e == nil {
		return
	}
	switch e.Operation() {
	case jetstream.KeyValueDelete, jetstream.KeyValuePurge:
		b.cache.end(e.Key(), s.now())
	case jetstream.KeyValuePut:
		r, err := decode(e.Value())
		if err != nil {
			s.log.Warn("unreadable entry; dropped from the cache", "bucket", b.kv.Bucket(), "key", e.Key(), "err", err)
			b.cache.end(e.Key(), s.now())
			return
		}
		b.cache.update(&entry{key: e.Key(), rev: e.Revision(), rec: r})
	}
}

// writeTouches writes the queued touches until ctx ends.
func (s *Store) writeTouches(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-s.touches:
			s.touch(ctx, t)
		}
	}
}

// queueTouch has e's LastSeen written as at, once: by Run if it runs,
// else at once, since then nothing else would.
func (s *Store) queueTouch(ctx context.Context, b *bucket, e *entry, at time.Time) {
	if !e.touching.CompareAndSwap(false, true) {
		return
	}
	t := touch{b: b, e: e, at: at}
	if !b.cache.isLive() {
		s.touch(ctx, t)
		return
	}
	select {
	case s.touches <- t:
	default: // a full queue: a later use touches it
		e.touching.Store(false)
	}
}

// touch writes t's LastSeen, checked against the revision read, so a
// session ended meanwhile is not brought back and two nodes touching at
// once write once.
func (s *Store) touch(ctx context.Context, t touch) {
	defer t.e.touching.Store(false)
	gen := t.b.cache.generation()
	r := *t.e.rec
	r.LastSeen = t.at
	v, err := json.Marshal(&r)
	if err != nil {
		s.log.Error("encode touch", "key", t.e.key, "err", err)
		return
	}
	rev, err := t.b.kv.Update(ctx, t.e.key, v, t.e.rev)
	if err != nil {
		// Another node touched or ended it (its watch brings that here),
		// or NATS is away: a later use tries again.
		s.log.Debug("touch not written", "bucket", t.b.kv.Bucket(), "key", t.e.key, "err", err)
		return
	}
	t.b.cache.put(&entry{key: t.e.key, rev: rev, rec: &r}, gen)
}

func decode(v []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// lookup returns the entry of p in b, from the cache if it holds it.
// fresh skips the cache.
func (s *Store) lookup(ctx context.Context, b *bucket, p *secret, fresh bool) (*entry, error) {
	key := p.key()
	e := b.cache.get(key)
	if e == nil || fresh {
		gen := b.cache.generation()
		if b.cache.wasEnded(key) {
			return nil, errEnded
		}
		kve, err := b.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", b.kind, err)
		}
		r, err := decode(kve.Value())
		if err != nil {
			return nil, fmt.Errorf("read %s %s: unreadable: %w", b.kind, key, err)
		}
		e = &entry{key: key, rev: kve.Revision(), rec: r}
		b.cache.put(e, gen)
	}
	// The key holds only part of the hash: the whole must match, as must
	// the tenant and person the secret names.
	if subtle.ConstantTimeCompare(e.rec.Hash, p.hash[:]) != 1 || e.rec.Tenant != p.tenant || personTag(e.rec.Person) != p.tag {
		return nil, ErrNotFound
	}
	return e, nil
}

// scan returns the entries of person of tenant in b, expired ones too.
func (s *Store) scan(ctx context.Context, b *bucket, tenant, person string) ([]*entry, error) {
	w, err := b.kv.Watch(ctx, entryKey(tenant, personTag(person), "*"), jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("list %ss of %s of %s: %w", b.kind, person, tenant, err)
	}
	defer stopWatch(w)
	var out []*entry
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("list %ss of %s of %s: %w", b.kind, person, tenant, ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, fmt.Errorf("list %ss of %s of %s: the watch ended early", b.kind, person, tenant)
			}
			if e == nil { // all current values seen
				slices.SortFunc(out, func(a, b *entry) int { return b.rec.Created.Compare(a.rec.Created) })
				return out, nil
			}
			r, err := decode(e.Value())
			if err != nil {
				return nil, fmt.Errorf("list %ss: %s unreadable: %w", b.kind, e.Key(), err)
			}
			if r.Tenant == tenant && r.Person == person { // not another person of the same tag
				out = append(out, &entry{key: e.Key(), rev: e.Revision(), rec: r})
			}
		}
	}
}

// remove deletes e from b everywhere: the watch of every node drops it.
// The delete is checked against e's revision, so a remove that lost a
// race with a touch reads again and tries again.
func (s *Store) remove(ctx context.Context, b *bucket, e *entry) error {
	for range 5 {
		err := b.kv.Delete(ctx, e.key, jetstream.LastRevision(e.rev))
		if err == nil {
			b.cache.end(e.key, s.now())
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("end %s %s: %w", b.kind, e.key, err)
		}
		kve, gerr := b.kv.Get(ctx, e.key)
		if errors.Is(gerr, jetstream.ErrKeyNotFound) {
			b.cache.end(e.key, s.now())
			return nil // ended meanwhile
		}
		if gerr != nil {
			return fmt.Errorf("end %s %s: %w", b.kind, e.key, gerr)
		}
		e = &entry{key: e.key, rev: kve.Revision(), rec: e.rec}
	}
	return fmt.Errorf("end %s %s: it keeps changing", b.kind, e.key)
}

// EndPerson ends every session and revokes every token of person of
// tenant, on every node: for a person disabled or given other roles,
// whose sessions and tokens carry the old roles.
func (s *Store) EndPerson(ctx context.Context, tenant, person string) error {
	if err := checkWho(tenant, person); err != nil {
		return err
	}
	var errs []error
	for _, b := range []*bucket{s.sessions, s.tokens} {
		es, err := s.scan(ctx, b, tenant, person)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range es {
			if err := s.remove(ctx, b, e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("end sessions and tokens of %s of %s: %w", person, tenant, err)
	}
	return nil
}
