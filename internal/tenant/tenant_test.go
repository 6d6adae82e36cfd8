package tenant

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testTenant(t *testing.T, id, org string) *Tenant {
	t.Helper()
	_, hash, err := NewPassword()
	if err != nil {
		t.Fatal(err)
	}
	return &Tenant{ID: id, Name: id + " kommun", OrgNumber: org, Bucket: "earkiv-" + id, Producer: Producer{User: id, PasswordHash: hash}}
}

func TestOrgNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"2120000001", true},
		{"212000-2411", true},    // Sundsvalls kommun
		{"SE212000241101", true}, // VAT form
		{"162120002411", true},
		{"2120002412", false}, // wrong check digit
		{"212000241", false},
		{"21200024x1", false},
	} {
		if got := ValidOrgNumber(NormalizeOrgNumber(c.in)); got != c.want {
			t.Errorf("%s: valid=%v, want %v", c.in, got, c.want)
		}
	}
}

func TestRegistryRejectsSharing(t *testing.T) {
	r := &Registry{}
	if err := r.Add(testTenant(t, "alfa", "2120000001")); err != nil {
		t.Fatal(err)
	}
	b := testTenant(t, "beta", "2120002411")
	b.Bucket = "earkiv-alfa"
	if err := r.Add(b); err == nil || !strings.Contains(err.Error(), "share bucket") {
		t.Fatalf("shared bucket accepted: %v", err)
	}
	c := testTenant(t, "gamma", "212000-0001")
	if err := r.Add(c); err == nil || !strings.Contains(err.Error(), "share org") {
		t.Fatalf("shared org number accepted: %v", err)
	}
	if len(r.Tenants) != 1 {
		t.Fatalf("failed adds changed the registry: %d tenants", len(r.Tenants))
	}
}

// TestOneOperator: the joint body is one tenant; a second tenant marked
// operator is refused, since its people could then hold drift.
func TestOneOperator(t *testing.T) {
	r := &Registry{}
	a := testTenant(t, "forbundet", "2220000000")
	a.Operator = true
	if err := r.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(testTenant(t, "alfa", "2120000001")); err != nil {
		t.Fatal(err)
	}
	b := testTenant(t, "beta", "2120002411")
	b.Operator = true
	if err := r.Add(b); err == nil || !strings.Contains(err.Error(), "operator") {
		t.Fatalf("a second operator tenant was accepted: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*Tenant)
		want string
	}{
		{"bad id", func(x *Tenant) { x.ID = "A B" }, "tenant id"},
		{"no name", func(x *Tenant) { x.Name = " " }, "name is empty"},
		{"bad org", func(x *Tenant) { x.OrgNumber = "1234567890" }, "organisationsnummer"},
		{"bad bucket", func(x *Tenant) { x.Bucket = "Earkiv_X" }, "bucket"},
		{"plain password", func(x *Tenant) { x.Producer.PasswordHash = "secret" }, "bcrypt"},
		{"bad period", func(x *Tenant) { x.Retention.Default = "10 years" }, "period"},
		{"bad mode", func(x *Tenant) { x.Retention.Mode = "strict" }, "mode"},
		// The service's own NATS login and names NATS gives a meaning.
		{"service id", func(x *Tenant) { x.ID, x.Producer.User = "earkiv", "alfa" }, "reserved"},
		{"service user", func(x *Tenant) { x.Producer.User = "earkiv" }, "reserved"},
		{"service-like user", func(x *Tenant) { x.Producer.User = "earkiv-worker" }, "reserved"},
		{"sys user", func(x *Tenant) { x.Producer.User = "sys" }, "reserved"},
		{"inbox user", func(x *Tenant) { x.Producer.User = "_inbox_alfa" }, "want a-z"},
		{"user with space", func(x *Tenant) { x.Producer.User = "alfa beta" }, "no spaces"},
		{"user with wildcard", func(x *Tenant) { x.Producer.User = "alfa*" }, "wildcards"},
		{"user with dot", func(x *Tenant) { x.Producer.User = "alfa.beta" }, "dots"},
		{"user upper case", func(x *Tenant) { x.Producer.User = "Alfa" }, "upper case"},
		{"user too long", func(x *Tenant) { x.Producer.User = strings.Repeat("a", 65) }, "3 to 64"},
		{"user NUL", func(x *Tenant) { x.Producer.User = "alfa\x00" }, "want a-z"},
	} {
		x := testTenant(t, "alfa", "2120000001")
		c.mod(x)
		if err := x.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tenants.yaml")
	r, err := Load(p)
	if err != nil || len(r.Tenants) != 0 {
		t.Fatalf("missing file: %v %v", r, err)
	}
	x := testTenant(t, "alfa", "2120000001")
	x.Retention = Retention{Default: "forever"}
	if err := r.Add(x); err != nil {
		t.Fatal(err)
	}
	if err := r.Save(p); err != nil {
		t.Fatal(err)
	}
	r2, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r2.Get("alfa")
	if err != nil || got.Bucket != "earkiv-alfa" || !got.Retention.Forever() {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := r2.Get("beta"); err == nil {
		t.Fatal("unknown tenant found")
	}
}

func TestUntil(t *testing.T) {
	t0 := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	u, err := Retention{}.Until(t0)
	if err != nil || !u.Equal(t0.AddDate(10, 0, 0)) {
		t.Fatalf("default: %v %v", u, err)
	}
	u, err = Retention{Default: "90d"}.Until(t0)
	if err != nil || !u.Equal(t0.AddDate(0, 0, 90)) {
		t.Fatalf("90d: %v %v", u, err)
	}
}

// TestExampleFile: the commented example in docs/examples loads and passes
// every check, so what it shows is what earkiv accepts.
func TestExampleFile(t *testing.T) {
	r, err := Load(filepath.Join("..", "..", "docs", "examples", "tenants.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Check(); err != nil || len(r.Tenants) != 3 {
		t.Fatalf("%d tenants: %v", len(r.Tenants), err)
	}
	if x, _ := r.Get("exempelby"); x.Replica == nil || x.RetentionMode() != "GOVERNANCE" || x.Operator {
		t.Fatalf("exempelby: %+v", x)
	}
	if x, _ := r.Get("forbundet"); x == nil || !x.Operator {
		t.Fatalf("forbundet is not the operator: %+v", x)
	}
}

func TestAddPeriod(t *testing.T) {
	t0 := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"10y", t0.AddDate(10, 0, 0), true},
		{"18m", t0.AddDate(0, 18, 0), true},
		{"90d", t0.AddDate(0, 0, 90), true},
		{" 1y ", t0.AddDate(1, 0, 0), true},
		{"24h", time.Time{}, false}, // retention follows the calendar
		{"", time.Time{}, false},
		{"ten years", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := AddPeriod(t0, tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("AddPeriod(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "<n>y, <n>m or <n>d") {
			t.Errorf("AddPeriod(%q): %v does not name the forms", tt.in, err)
		}
	}
}

func TestCoolingOff(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{{"", 7 * 24 * time.Hour, true}, {"0", 0, true}, {"48h", 48 * time.Hour, true}, {"14d", 14 * 24 * time.Hour, true}, {"en vecka", 0, false}, {"-1d", 0, false}} {
		x := &Tenant{CoolingOff: tc.in}
		p, err := x.CoolingOffPeriod()
		if (err == nil) != tc.ok || (err == nil && p.Duration() != tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, p, err, tc.want)
		}
	}
}
