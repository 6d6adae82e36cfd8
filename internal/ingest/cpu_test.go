package ingest_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuTicks returns the CPU time (user+system, in clock ticks) used so far by
// this process and by its child processes (the S3 server), from /proc.
func cpuTicks() (self, kids int64) {
	me := os.Getpid()
	read := func(p string) (ppid int, t int64) {
		b, err := os.ReadFile(p)
		if err != nil {
			return -1, 0
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
		ppid, _ = strconv.Atoi(f[1])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return ppid, u + st
	}
	_, self = read("/proc/self/stat")
	ms, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, m := range ms {
		if pp, t := read(m); pp == me {
			kids += t
		}
	}
	return
}

// cpuMS converts clock ticks to milliseconds (USER_HZ is 100 on Linux).
func cpuMS(ticks int64) float64 { return float64(ticks) * 10 }
