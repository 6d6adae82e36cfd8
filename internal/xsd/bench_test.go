package xsd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/earkiv/earkiv/schemas"
)

// BenchmarkValidateMETS measures XSD throughput on a large METS document
// (EARKIV_BENCH_METS, default bench-out/mets-20m/METS.xml from `make bench`).
// It also serves to record the CPU profile behind cmd/earkiv/default.pgo.
func BenchmarkValidateMETS(b *testing.B) {
	p := os.Getenv("EARKIV_BENCH_METS")
	if p == "" {
		p = filepath.Join("..", "..", "bench-out", "mets-20m", "METS.xml")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Skipf("no METS to measure (%v); run `make bench` first", err)
	}
	fsys, _, err := schemas.Open("")
	if err != nil {
		b.Fatal(err)
	}
	cat := New(fsys, Limits{})
	ctx := context.Background()
	if _, err := cat.Engine(ctx, EARK); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		issues, err := cat.Validate(ctx, EARK, bytes.NewReader(data))
		if err != nil || len(issues) > 0 {
			b.Fatal(fmt.Sprint(err, issues))
		}
	}
}
