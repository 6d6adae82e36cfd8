package testenv

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// DamagedZip writes a copy of the zip at src whose central directory gives
// entry a wrong CRC-32, as a broken disk or transfer would, and returns
// its path.
func DamagedZip(t testing.TB, src, entry string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	c := bytes.LastIndex(data, []byte(entry)) - 46 // its central directory record
	if c < 0 || string(data[c:c+4]) != "PK\x01\x02" {
		t.Fatalf("%s: no central directory record of %s", src, entry)
	}
	binary.LittleEndian.PutUint32(data[c+16:], ^binary.LittleEndian.Uint32(data[c+16:]))
	p := filepath.Join(t.TempDir(), "damaged.zip")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
