package service

import (
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// primaryStore and replicaStore give ingest.Config, which still takes a
// store and a replica function, the tenants' buckets from a placement.
// They go when ingest.Config takes the placement itself.

func primaryStore(p placement.Placement) func(*tenant.Tenant) (*storage.Store, error) {
	return func(t *tenant.Tenant) (*storage.Store, error) {
		b, err := p.Primary(t)
		return b.Store, err
	}
}

func replicaStore(p placement.Placement) func(*tenant.Tenant) (*storage.Store, string, error) {
	return func(t *tenant.Tenant) (*storage.Store, string, error) {
		b, ok, err := p.Replica(t)
		if err != nil || !ok {
			return nil, "", err
		}
		return b.Store, b.Name, nil
	}
}
