package ihp

import (
	"os"
	"testing"
)

// TestExamplePlan: the example plan deploy/run.sh imports stays one the
// package reads, with every rule.
func TestExamplePlan(t *testing.T) {
	b, err := os.ReadFile("../../docs/examples/ihp.csv")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Parse("ihp.csv", b)
	if err != nil || len(rs) != 8 {
		t.Fatalf("%d rules, %v", len(rs), err)
	}
}
