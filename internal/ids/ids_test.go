package ids

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name  string
		check func(string) error
		in    string
		ok    bool
	}{
		{"uuid v7", Submission, "0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f", true},
		{"uuid upper case", Submission, "0190C3A2-7D1E-7C4A-9F3E-2B8D5A6C1E0F", false},
		{"uuid urn form", Submission, "urn:uuid:0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f", false},
		{"uuid braces", Submission, "{0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f}", false},
		{"traversal", Submission, "../../../../etc/passwd", false},
		{"empty submission", Submission, "", false},
		{"long submission", Submission, strings.Repeat("a", 5000), false},
		{"objid", Package, "UUID:5b7a0c22-4d0e-4b1d-9f0b-1f1c1a1e2d3c", true},
		{"objid swedish", Package, "Ärende KS 2025/17 – Sjöstad", true},
		{"objid at limit", Package, strings.Repeat("x", MaxPackageID), true},
		{"objid over limit", Package, strings.Repeat("x", MaxPackageID+1), false},
		{"objid newline", Package, "a\nb", false},
		{"objid NUL", Package, "a\x00b", false},
		{"objid bad utf-8", Package, "a\xffb", false},
		{"objid space at end", Package, "abc ", false},
		{"objid empty", Package, "", false},
		{"name", Name, "sip-2025-17.tar", true},
		{"name path", Name, "../x.tar", false},
		{"name backslash", Name, `a\b.zip`, false},
		{"name dotdot", Name, "..", false},
		{"lookup uuid", Lookup, "0190c3a2-7d1e-7c4a-9f3e-2b8d5a6c1e0f", true},
		{"lookup objid", Lookup, "KS-2025-17", true},
		{"lookup long", Lookup, strings.Repeat("k", 5000), false},
		{"tenant", Tenant, "exempelby", true},
		{"tenant wildcard", Tenant, "alfa.>", false},
		{"tenant upper case", Tenant, "Alfa", false},
		{"tenant short", Tenant, "ab", false},
		{"user", User, "case-system_1", true},
		{"user service", User, "earkiv", false},
		{"user service prefix", User, "earkiv2", false},
		{"user sys", User, "SYS", false},
		{"user dollar", User, "$sys", false},
		{"user inbox", User, "_INBOX_alfa", false},
		{"user wildcard", User, "a>b", false},
		{"user short", User, "ab", false},
		{"person", Person, "anna.svensson", true},
		{"person underscore", Person, "a_b-2", true},
		{"person upper case", Person, "Anna", false},
		{"person leading dot", Person, ".anna", false},
		{"person trailing dot", Person, "anna.", false},
		{"person two dots", Person, "anna..s", false},
		{"person wildcard", Person, "anna.*", false},
		{"person space", Person, "anna s", false},
		{"person reserved", Person, "admin", false},
		{"person service prefix", Person, "earkiv.drift", false},
		{"person short", Person, "ab", false},
		{"person long", Person, strings.Repeat("a", MaxPerson+1), false},
		{"person at limit", Person, strings.Repeat("a", MaxPerson), true},
	} {
		err := c.check(c.in)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", c.name, err)
		}
		if err != nil && len(err.Error()) > 400 {
			t.Errorf("%s: message of %d bytes", c.name, len(err.Error()))
		}
	}
}

func TestQuote(t *testing.T) {
	if got := Quote("kort"); got != `"kort"` {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("ö", 100) // 200 bytes; the cut must not split a rune
	got := Quote(long)
	if !strings.HasSuffix(got, "(200 bytes)") || strings.Contains(got, `\x`) {
		t.Errorf("long: %s", got)
	}
}
