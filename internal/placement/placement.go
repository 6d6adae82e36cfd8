// Package placement says where a tenant's AIPs are kept: its primary
// bucket and, when it has one, its replica. Ingest stores and replicates
// through it, fixity audits and repairs read through it, so every part of
// earkiv resolves a tenant's buckets the same way.
package placement

import (
	"fmt"
	"sync"

	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Bucket is one bucket on one store.
type Bucket struct {
	Store *storage.Store
	Name  string
}

// Placement finds a tenant's buckets. The tenant is always the one of the
// identity acting, resolved by the caller.
type Placement interface {
	// Primary is the bucket ingest writes and readers read.
	Primary(t *tenant.Tenant) (Bucket, error)
	// Replica is the second copy; ok is false when the tenant has none.
	Replica(t *tenant.Tenant) (b Bucket, ok bool, err error)
}

// Stores hands out each tenant's buckets on the default S3 endpoint, or on
// the tenant's own endpoint or credentials when its configuration names
// them. One client is kept per endpoint and key.
type Stores struct {
	def storage.Config
	mu  sync.Mutex
	m   map[string]*storage.Store
}

// NewStores makes a placement over a default endpoint.
func NewStores(def storage.Config) *Stores { return &Stores{def: def, m: map[string]*storage.Store{}} }

// Primary returns t's store and bucket.
func (s *Stores) Primary(t *tenant.Tenant) (Bucket, error) {
	st, err := s.store(t.S3)
	return Bucket{Store: st, Name: t.Bucket}, err
}

// Replica returns t's replica store and bucket.
func (s *Stores) Replica(t *tenant.Tenant) (Bucket, bool, error) {
	r := t.Replica
	if r == nil {
		return Bucket{}, false, nil
	}
	st, err := s.store(r.S3)
	return Bucket{Store: st, Name: r.Bucket}, err == nil, err
}

func (s *Stores) store(o tenant.S3) (*storage.Store, error) {
	cfg := s.def
	if o.Endpoint != "" {
		cfg.Endpoint, cfg.Insecure = o.Endpoint, o.Insecure
	}
	if o.AccessKey != "" {
		cfg.AccessKey, cfg.SecretKey = o.AccessKey, o.SecretKey
	}
	if o.Region != "" {
		cfg.Region = o.Region
	}
	key := cfg.Endpoint + "|" + cfg.AccessKey + "|" + cfg.Region
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.m[key]; ok {
		return st, nil
	}
	st, err := storage.New(cfg)
	if err != nil {
		return nil, err
	}
	s.m[key] = st
	return st, nil
}

// Fixed places every tenant's primary bucket (the tenant's own bucket
// name) on one store, and its replica, if Second is set, on another under
// the same name: tests, and tools that work on one store.
type Fixed struct {
	Store  *storage.Store
	Second *storage.Store
}

// Primary returns t's bucket on f.Store.
func (f Fixed) Primary(t *tenant.Tenant) (Bucket, error) {
	if f.Store == nil {
		return Bucket{}, fmt.Errorf("placement: no store for tenant %s", t.ID)
	}
	return Bucket{Store: f.Store, Name: t.Bucket}, nil
}

// Replica returns t's bucket on f.Second, if set.
func (f Fixed) Replica(t *tenant.Tenant) (Bucket, bool, error) {
	if f.Second == nil {
		return Bucket{}, false, nil
	}
	return Bucket{Store: f.Second, Name: t.Bucket}, true, nil
}

var (
	_ Placement = (*Stores)(nil)
	_ Placement = Fixed{}
)
