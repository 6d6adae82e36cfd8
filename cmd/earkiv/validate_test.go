package main

import (
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/testenv"
)

// TestValidateDamagedZip: a zip with a wrong CRC-32 is an invalid package
// (exit 1, the rule and the entry named), not a failure to run (exit 2).
func TestValidateDamagedZip(t *testing.T) {
	p := testenv.DamagedZip(t, sampleDir("eark-valid-zip.zip"), "eark-valid-zip/representations/rep1/data/arende-0001/handling-0002.txt")
	out, errOut, code := runCLI(t, append(schemaArgs(t), "validate", p)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (invalid)\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "PKG-CORRUPT") || !strings.Contains(out, "handling-0002.txt") {
		t.Fatalf("report names neither the rule nor the entry:\n%s", out)
	}
}
