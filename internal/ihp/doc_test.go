package ihp

import (
	"os"
	"strings"
	"testing"
)

// TestDocExamples checks that the examples in docs/ihp.md are plans this
// package reads, so the page integrators follow stays true.
func TestDocExamples(t *testing.T) {
	b, err := os.ReadFile("../../docs/ihp.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"csv", "yaml"} {
		_, rest, ok := strings.Cut(string(b), "```"+ext+"\n")
		block, _, _ := strings.Cut(rest, "```")
		if !ok || block == "" {
			t.Fatalf("no %s example in docs/ihp.md", ext)
		}
		rs, err := Parse("example."+ext, []byte(block))
		if err != nil {
			t.Errorf("%s example: %v", ext, err)
			continue
		}
		if len(rs) == 0 {
			t.Errorf("%s example has no rules", ext)
		}
	}
}
