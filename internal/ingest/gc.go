package ingest

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector target processes that ingest run with.
const GCPercent = 200

// TuneGC sets the collector's target to GCPercent unless GOGC says
// otherwise. Ingest allocates a package-sized buffer or two per package
// while its live heap stays small, so with Go's default (100) collection
// and its allocation assists took about a tenth of the CPU of the
// small-package benchmark; at 200 about half of that, for a heap that
// peaks at most twice the live one instead of once.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
