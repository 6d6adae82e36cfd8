package samplegen

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Every committed sample in packages-sample gets the verdict and rule id recorded
// beside it in expected.json, and the set covers what the project promises.
func TestCommittedSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "packages-sample")
	b, err := os.ReadFile(filepath.Join(dir, ExpectedFile))
	if err != nil {
		t.Fatal(err)
	}
	var exp []Expectation
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	_, v := testValidator(t)
	valid, invalid := map[string]int{}, 0
	for _, e := range exp {
		t.Run(e.Name, func(t *testing.T) {
			res, err := v.ValidatePath(context.Background(), filepath.Join(dir, e.Name))
			if err != nil {
				t.Fatal(err)
			}
			if res.Report.Valid != e.Valid {
				t.Fatalf("valid = %v, want %v (%s); findings %v", res.Report.Valid, e.Valid, e.Defect, res.Report.RuleIDs("SHOULD"))
			}
			if !e.Valid && !res.Report.Has(e.Rule) {
				t.Fatalf("defect %q: want rule %s, got %v", e.Defect, e.Rule, res.Report.RuleIDs("MAY"))
			}
		})
		if e.Valid {
			valid[e.Name[:4]]++
		} else {
			invalid++
		}
	}
	if valid["fgs1"] < 2 || valid["eark"] < 2 || invalid < 20 {
		t.Errorf("samples: %v valid, %d invalid; want 2 valid per family and 20 invalid", valid, invalid)
	}
}
