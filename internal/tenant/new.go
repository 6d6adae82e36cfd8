package tenant

import "strings"

// Spec is what an operator gives to add a tenant; New fills in the rest.
type Spec struct {
	ID, Name, OrgNumber string
	Bucket              string // default earkiv-<id>
	ProducerUser        string // default the id
	Retention           string // default DefaultRetention
	RetentionMode       string // default GOVERNANCE
	// ReplicaEndpoint, if set, gives the tenant a second S3 target;
	// ReplicaBucket defaults to earkiv-<id>-replica.
	ReplicaEndpoint, ReplicaBucket     string
	ReplicaAccessKey, ReplicaSecretKey string
	Operator                           bool   // the joint body itself
	CoolingOff                         string // ångerfrist; default DefaultCoolingOff
}

// New makes a tenant from s with a fresh producer password, which it
// returns in plain text: only its bcrypt hash is kept, so the caller shows
// it once. The tenant is not checked; Registry.Add does that.
func New(s Spec) (t *Tenant, password string, err error) {
	plain, hash, err := NewPassword()
	if err != nil {
		return nil, "", err
	}
	t = &Tenant{ID: s.ID, Name: s.Name, OrgNumber: NormalizeOrgNumber(s.OrgNumber), Bucket: s.Bucket,
		Producer:  Producer{User: s.ProducerUser, PasswordHash: hash},
		Retention: Retention{Default: s.Retention, Mode: strings.ToUpper(s.RetentionMode)}, Operator: s.Operator, CoolingOff: s.CoolingOff}
	if t.Bucket == "" {
		t.Bucket = "earkiv-" + s.ID
	}
	if t.Producer.User == "" {
		t.Producer.User = s.ID
	}
	if s.ReplicaEndpoint != "" {
		b := s.ReplicaBucket
		if b == "" {
			b = "earkiv-" + s.ID + "-replica"
		}
		t.Replica = &Replica{S3: S3{Endpoint: s.ReplicaEndpoint, AccessKey: s.ReplicaAccessKey, SecretKey: s.ReplicaSecretKey}, Bucket: b}
	}
	return t, plain, nil
}
