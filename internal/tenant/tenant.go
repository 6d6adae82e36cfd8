// Package tenant holds the municipalities (tenants) earkiv archives for. Each
// is its own archive authority and data controller, so every other package
// keys its data by a tenant id that comes from here and nowhere else.
package tenant

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/units"

	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/ids"
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
	// Operator marks the joint body itself (its own arkivbildare): only its
	// people may hold the role drift, since drift sees every tenant's
	// health and no municipality's staff may.
	Operator bool `yaml:"operator,omitempty" json:"operator,omitempty"`
	// OIDC, if set, is the tenant's own identity provider for its people.
	OIDC *OIDC `yaml:"oidc,omitempty" json:"-"`
	// CoolingOff is the ångerfrist between the attest of a gallring list
	// and its execution ("7d", "48h", "0"); empty is DefaultCoolingOff.
	CoolingOff string `yaml:"cooling_off,omitempty" json:"coolingOff,omitempty"`
}

// DefaultCoolingOff is the ångerfrist when a tenant sets none.
const DefaultCoolingOff = "7d"

// CoolingOffPeriod is the tenant's ångerfrist.
func (t *Tenant) CoolingOffPeriod() (units.Period, error) {
	s := t.CoolingOff
	if s == "" {
		s = DefaultCoolingOff
	}
	if s == "0" {
		return units.Period{}, nil
	}
	p, err := units.ParsePeriod(s)
	if err != nil {
		return units.Period{}, fmt.Errorf("cooling-off %q: want e.g. 7d, 48h or 0", s)
	}
	return p, nil
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

var (
	bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

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
	if _, err := t.CoolingOffPeriod(); err != nil {
		return fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	if _, err := t.Retention.Until(time.Now()); err != nil {
		return fmt.Errorf("tenant %s: retention: %w", t.ID, err)
	}
	switch strings.ToUpper(t.Retention.Mode) {
	case "", "GOVERNANCE", "COMPLIANCE":
	default:
		return fmt.Errorf("tenant %s: retention mode %q: want GOVERNANCE or COMPLIANCE", t.ID, t.Retention.Mode)
	}
	if t.OIDC != nil {
		return t.OIDC.validate(t.ID)
	}
	return nil
}
