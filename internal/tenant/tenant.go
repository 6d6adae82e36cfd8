// Package tenant holds the municipalities (tenants) earkiv archives for. Each
// is its own archive authority and data controller, so every other package
// keys its data by a tenant id that comes from here and nowhere else.
package tenant

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/units"
)

// Tenant is one municipality (or other archive authority).
type Tenant struct {
	ID        string `yaml:"id" json:"id"`
	Name      string `yaml:"name" json:"name"`
	OrgNumber string `yaml:"org_number" json:"orgNumber"` // organisationsnummer, 10 digits
	Bucket    string `yaml:"bucket" json:"bucket"`
	// S3 overrides the service's S3 endpoint and credentials for this tenant's
	// bucket; empty fields fall back to the service defaults.
	S3 S3 `yaml:"s3,omitempty" json:"-"`
	// Replica, if set, is a second S3 target that gets a copy of every AIP,
	// for repairs after a failed fixity audit.
	Replica *Replica `yaml:"replica,omitempty" json:"-"`
	// Producer is the tenant's NATS login for submissions.
	Producer Producer `yaml:"producer" json:"-"`
	// Retention applies until disposal rules give a date per record.
	Retention Retention `yaml:"retention,omitempty" json:"retention"`
}

// S3 is a per-tenant storage target.
type S3 struct {
	Endpoint  string `yaml:"endpoint,omitempty"`
	AccessKey string `yaml:"access_key,omitempty"`
	SecretKey string `yaml:"secret_key,omitempty"`
	Region    string `yaml:"region,omitempty"`
	Insecure  bool   `yaml:"insecure,omitempty"` // plain http
}

// Replica is a second storage target: its own endpoint and bucket.
type Replica struct {
	S3     `yaml:",inline"`
	Bucket string `yaml:"bucket"`
}

// Producer is a case system's login. Only a bcrypt hash is kept; nats-server
// checks bcrypt passwords natively.
type Producer struct {
	User         string `yaml:"user"`
	PasswordHash string `yaml:"password_hash"`
}

// Retention is the Object Lock applied to stored objects.
type Retention struct {
	// Default is how long objects are locked from ingest, e.g. "10y", "90d".
	// "forever" sets a legal hold instead of a date (bevaras).
	Default string `yaml:"default,omitempty" json:"default,omitempty"`
	// Mode is GOVERNANCE (default: a disposal decision may later shorten the
	// lock with bypass rights) or COMPLIANCE (nobody can shorten it).
	Mode string `yaml:"mode,omitempty" json:"mode,omitempty"`
}

// Forever reports whether objects are kept without end (legal hold).
func (r Retention) Forever() bool { return strings.EqualFold(r.Default, "forever") }

// Until is the retain-until date for an object stored at t.
func (r Retention) Until(t time.Time) (time.Time, error) {
	if r.Forever() {
		return time.Time{}, nil
	}
	d := r.Default
	if d == "" {
		d = DefaultRetention
	}
	return AddPeriod(t, d)
}

// DefaultRetention is the lock period when a tenant sets none.
const DefaultRetention = "10y"

// AddPeriod adds a period written as <n>y, <n>m or <n>d to t. Retention
// follows the calendar, so clock durations ("24h") are refused.
func AddPeriod(t time.Time, p string) (time.Time, error) {
	v, err := units.ParsePeriod(p)
	if err != nil || !v.Calendar() {
		return time.Time{}, fmt.Errorf("period %q: want <n>y, <n>m or <n>d, or forever", p)
	}
	return v.AddTo(t), nil
}

var (
	bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// NormalizeOrgNumber strips what people write around an organisationsnummer
// ("212000-2411", "SE2120002411", "162120002411").
func NormalizeOrgNumber(s string) string {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimPrefix(s, "SE")
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(s) == 12 && strings.HasPrefix(s, "16") {
		s = s[2:]
	}
	if len(s) == 12 && strings.HasSuffix(s, "01") { // VAT number form SE<orgnr>01
		s = s[:10]
	}
	return s
}

// ValidOrgNumber checks the 10 digits and the Luhn check digit.
func ValidOrgNumber(s string) bool {
	if len(s) != 10 {
		return false
	}
	sum := 0
	for i, c := range s {
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Validate reports the first thing wrong with t.
func (t *Tenant) Validate() error {
	if err := ids.Tenant(t.ID); err != nil {
		return err
	}
	if ids.IsReserved(t.ID) {
		return fmt.Errorf("tenant id %q is reserved for earkiv's own use", t.ID)
	}
	if strings.TrimSpace(t.Name) == "" {
		return fmt.Errorf("tenant %s: name is empty", t.ID)
	}
	if n := NormalizeOrgNumber(t.OrgNumber); !ValidOrgNumber(n) {
		return fmt.Errorf("tenant %s: %q is not a valid organisationsnummer (10 digits, Luhn check digit)", t.ID, t.OrgNumber)
	}
	if !bucketRe.MatchString(t.Bucket) || strings.Contains(t.Bucket, "..") {
		return fmt.Errorf("tenant %s: bucket %q is not a valid S3 bucket name", t.ID, t.Bucket)
	}
	if t.Replica != nil && (t.Replica.Endpoint == "" || !bucketRe.MatchString(t.Replica.Bucket)) {
		return fmt.Errorf("tenant %s: a replica needs an endpoint and a valid bucket", t.ID)
	}
	if t.Producer.User == "" || t.Producer.PasswordHash == "" {
		return fmt.Errorf("tenant %s: producer user and password_hash are required", t.ID)
	}
	if err := ids.User(t.Producer.User); err != nil {
		return fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	if _, err := bcrypt.Cost([]byte(t.Producer.PasswordHash)); err != nil {
		return fmt.Errorf("tenant %s: producer password_hash is not a bcrypt hash: %w", t.ID, err)
	}
	if _, err := t.Retention.Until(time.Now()); err != nil {
		return fmt.Errorf("tenant %s: retention: %w", t.ID, err)
	}
	switch strings.ToUpper(t.Retention.Mode) {
	case "", "GOVERNANCE", "COMPLIANCE":
	default:
		return fmt.Errorf("tenant %s: retention mode %q: want GOVERNANCE or COMPLIANCE", t.ID, t.Retention.Mode)
	}
	return nil
}

// RetentionMode is the Object Lock mode, GOVERNANCE unless set.
func (t *Tenant) RetentionMode() string {
	if m := strings.ToUpper(t.Retention.Mode); m != "" {
		return m
	}
	return "GOVERNANCE"
}

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
// are unique: two tenants sharing any of them would share data.
func (r *Registry) Check() error {
	seen := map[string]string{}
	for _, t := range r.Tenants {
		if err := t.Validate(); err != nil {
			return err
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

// NewPassword returns a random producer password and its bcrypt hash.
func NewPassword() (plain, hash string, err error) { return NewPasswordCost(bcrypt.DefaultCost) }

// NewPasswordCost is NewPassword with a bcrypt cost (tests use the minimum).
func NewPasswordCost(cost int) (plain, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	plain = string(b)
	h, err := bcrypt.GenerateFromPassword(b, cost)
	if err != nil {
		return "", "", fmt.Errorf("hash password: %w", err)
	}
	return plain, string(h), nil
}
