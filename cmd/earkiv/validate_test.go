package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateDamagedZip: a zip with a wrong CRC-32 is an invalid package
// (exit 1, the rule and the entry named), not a failure to run (exit 2).
func TestValidateDamagedZip(t *testing.T) {
	data, err := os.ReadFile(sampleDir("eark-valid-zip.zip"))
	if err != nil {
		t.Fatal(err)
	}
	const entry = "eark-valid-zip/representations/rep1/data/arende-0001/handling-0002.txt"
	c := bytes.LastIndex(data, []byte(entry)) - 46 // its central directory record
	if string(data[c:c+4]) != "PK\x01\x02" {
		t.Fatal("no central directory record")
	}
	binary.LittleEndian.PutUint32(data[c+16:], ^binary.LittleEndian.Uint32(data[c+16:]))
	p := filepath.Join(t.TempDir(), "damaged.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := earkiv(t, append(schemaArgs(t), "validate", p)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (invalid)\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "PKG-CORRUPT") || !strings.Contains(out, "handling-0002.txt") {
		t.Fatalf("report names neither the rule nor the entry:\n%s", out)
	}
}
