package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/retention"
)

// TestPrintPreviewLocked: a change a COMPLIANCE lock keeps from taking
// effect is marked on its own row, and only there.
func TestPrintPreviewLocked(t *testing.T) {
	var buf bytes.Buffer
	old := stdout
	stdout = &buf
	t.Cleanup(func() { stdout = old })
	keep := ihp.Outcome{Outcome: ihp.Gallras, Date: "2030-05-30", Basis: ihp.Basis{Rule: "2.3.1", Plan: "v1"}}
	sooner := ihp.Outcome{Outcome: ihp.Gallras, Date: "2025-05-30", Basis: ihp.Basis{Rule: "2.3.1", Plan: "v2"}}
	later := ihp.Outcome{Outcome: ihp.Bevaras, Basis: ihp.Basis{Rule: "2.3.1", Plan: "v2"}}
	short := catalog.Change{AIP: "a", Case: "BN 2020/12", Old: keep, New: sooner}
	p := &retention.Preview{Plan: "v2", Records: 3, Changes: []catalog.Change{short, {AIP: "a", Case: "BN 2020/13", Old: keep, New: later}},
		Locked: []catalog.Change{short}}
	printPreview(p)
	lines := strings.Split(buf.String(), "\n")
	if !strings.HasPrefix(lines[0], "v2 ändrar utfallet för 2 av 3") || !strings.Contains(lines[2], "BN 2020/12") ||
		!strings.Contains(lines[2], "Gallras 2030-05-30 enligt regel 2.3.1  ->  Gallras 2025-05-30") || !strings.HasSuffix(strings.TrimSpace(lines[2]), "kan inte kortas (COMPLIANCE)") ||
		strings.Contains(lines[3], "COMPLIANCE") || !strings.Contains(lines[4], "1 ändringar") {
		t.Fatalf("preview:\n%s", buf.String())
	}
}

func TestRuleChangeText(t *testing.T) {
	for _, c := range []struct {
		ch   ihp.RuleChange
		want string
	}{
		{ihp.RuleChange{Kind: ihp.Added, Rule: "2.4"}, "ny regel 2.4"},
		{ihp.RuleChange{Kind: ihp.Changed, Rule: "2.3.1", Fields: []string{"Gallringsfrist", "Beslut"}}, "ändrad 2.3.1: Gallringsfrist, Beslut"},
		{ihp.RuleChange{Kind: ihp.Removed, Rule: "1.9"}, "borttagen 1.9"},
	} {
		if got := ruleChangeText(c.ch); got != c.want {
			t.Errorf("%+v: %q, want %q", c.ch, got, c.want)
		}
	}
}
