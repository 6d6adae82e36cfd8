package ingest

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the ingest target applies unless GOGC is set.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		env  string
		want int
	}{{"", GCPercent}, {"50", 100}} {
		t.Setenv("GOGC", tc.env)
		debug.SetGCPercent(100)
		TuneGC()
		if got := debug.SetGCPercent(100); got != tc.want {
			t.Errorf("GOGC=%q: target %d, want %d", tc.env, got, tc.want)
		}
	}
}
