package validate

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/pkgfs"
	"github.com/earkiv/earkiv/internal/report"
)

// damageZip returns a copy of a zip with one entry damaged: its CRC-32 in
// the central directory changed (crc), or bytes of its compressed data
// overwritten.
func damageZip(t *testing.T, data []byte, entry string, crc bool) []byte {
	t.Helper()
	data = bytes.Clone(data)
	name := []byte(entry)
	if crc {
		c := bytes.Index(data, append([]byte{}, name...))
		for {
			i := bytes.Index(data[c+1:], name)
			if i < 0 {
				break
			}
			c += 1 + i // the last mention is the central directory's
		}
		rec := c - 46
		if string(data[rec:rec+4]) != "PK\x01\x02" {
			t.Fatalf("no central record for %s", entry)
		}
		binary.LittleEndian.PutUint32(data[rec+16:], binary.LittleEndian.Uint32(data[rec+16:])^0xdeadbeef)
		return data
	}
	i := bytes.Index(data, name) + len(name)
	for k := i + 8; k < i+48; k++ {
		data[k] = 0xa5
	}
	return data
}

// TestDamagedZip: a zip whose deflate data or CRC-32 are damaged is an
// invalid package, reported under PKG-CORRUPT with the entry named, not a
// failure to run (which ingest would retry as an outage).
func TestDamagedZip(t *testing.T) {
	v := validator(t)
	orig, err := os.ReadFile(filepath.Join("..", "..", "packages-sample", "eark-valid-zip.zip"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		entry string
		crc   bool
	}{
		{"representations/rep1/data/arende-0001/handling-0002.txt", true},
		{"representations/rep1/data/arende-0001/handling-0002.txt", false},
		{"metadata/preservation/premis.xml", true},
		{"METS.xml", false},
	} {
		t.Run(tc.entry+map[bool]string{true: " crc", false: " deflate"}[tc.crc], func(t *testing.T) {
			data := damageZip(t, orig, "eark-valid-zip/"+tc.entry, tc.crc)
			res, pkg, err := v.ValidateOpen(context.Background(), "p.zip", func() (pkgfs.Package, error) {
				return pkgfs.OpenBytes("p.zip", data, pkgfs.Limits{})
			})
			if err != nil {
				t.Fatalf("validation failed to run: %v", err)
			}
			if pkg != nil {
				pkg.Close()
			}
			if res.Report.Valid {
				t.Fatal("a damaged zip is valid")
			}
			found := false
			for _, f := range res.Report.Findings {
				if f.RuleID == pkgfs.DefectCorrupt && f.Level == report.MUST && f.Location.File == tc.entry && strings.Contains(f.Message, "damaged") {
					found = true
				}
			}
			if !found {
				t.Fatalf("no %s finding on %s: %v", pkgfs.DefectCorrupt, tc.entry, res.Report.Findings)
			}
		})
	}
}
