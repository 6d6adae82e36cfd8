package tenant

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Registry is the set of tenants, loaded from a YAML file.
type Registry struct {
	Tenants []*Tenant `yaml:"tenants"`
}

// ErrUnknown is returned for a tenant id that is not configured.
var ErrUnknown = errors.New("unknown tenant")

// Load reads a tenants file. A missing file is an empty registry, so a fresh
// data folder starts without tenants.
func Load(path string) (*Registry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Registry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read tenants: %w", err)
	}
	r := &Registry{}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(r); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse tenants %s: %w", path, err)
	}
	if err := r.Check(); err != nil {
		return nil, fmt.Errorf("tenants %s: %w", path, err)
	}
	return r, nil
}

// Check validates every tenant and that ids, buckets, users and org numbers
// are unique: two tenants sharing any of them would share data. At most
// one tenant is the operator: there is one joint body.
func (r *Registry) Check() error {
	seen := map[string]string{}
	operator := ""
	for _, t := range r.Tenants {
		if err := t.Validate(); err != nil {
			return err
		}
		if t.Operator {
			if operator != "" {
				return fmt.Errorf("tenants %s and %s are both marked operator: only the joint body itself is", operator, t.ID)
			}
			operator = t.ID
		}
		for _, k := range []string{"id:" + t.ID, "bucket:" + t.Bucket, "user:" + t.Producer.User, "org:" + NormalizeOrgNumber(t.OrgNumber)} {
			if other, ok := seen[k]; ok {
				return fmt.Errorf("tenants %s and %s share %s", other, t.ID, k)
			}
			seen[k] = t.ID
		}
	}
	return nil
}

// Get returns the tenant with id.
func (r *Registry) Get(id string) (*Tenant, error) {
	for _, t := range r.Tenants {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknown, id)
}

// Sorted returns the tenants by id.
func (r *Registry) Sorted() []*Tenant {
	out := append([]*Tenant(nil), r.Tenants...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Add validates t and adds it; it fails if anything it would share exists.
func (r *Registry) Add(t *Tenant) error {
	next := &Registry{Tenants: append(append([]*Tenant(nil), r.Tenants...), t)}
	if err := next.Check(); err != nil {
		return err
	}
	r.Tenants = next.Tenants
	return nil
}

// Save writes the registry atomically (temp file, fsync, rename) with 0600
// permissions: it holds S3 secrets.
func (r *Registry) Save(path string) error {
	if err := r.Check(); err != nil {
		return err
	}
	b, err := yaml.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode tenants: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save tenants: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tenants-*")
	if err != nil {
		return fmt.Errorf("save tenants: %w", err)
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close() // removed; the error returned counts
		return fmt.Errorf("save tenants: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close() // removed; the error returned counts
		return fmt.Errorf("save tenants: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // removed; the error returned counts
		return fmt.Errorf("save tenants: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save tenants: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save tenants: %w", err)
	}
	return nil
}
