package ihp

import (
	"fmt"
	"testing"
)

// BenchmarkMatch is one record against a plan of some hundred rules, as a
// re-evaluation of a municipality's holdings does it per record.
func BenchmarkMatch(b *testing.B) {
	var rs Rules
	for i := range 300 {
		rs = append(rs, Rule{ID: fmt.Sprintf("%d.%d", i/10, i%10), Class: fmt.Sprintf("%d.%d", i/10, i%10),
			CaseType: "Ansökan om ekonomiskt bistånd", DocType: []string{"", "Journalanteckning", "Beslut"}[i%3], Action: Bevaras})
	}
	s := Subject{Class: "12.5.1", CaseType: "Ansökan om ekonomiskt bistånd", DocType: "Beslut", Document: true}
	for b.Loop() {
		if _, ok := rs.Match(s); !ok {
			b.Fatal("no match")
		}
	}
}
