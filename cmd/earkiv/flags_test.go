package main

import (
	"strings"
	"testing"
)

// TestAppFlagsAfterCommand: --schema-dir and --log-level are taken before
// and after the command; given after it, it wins over the environment.
func TestAppFlagsAfterCommand(t *testing.T) {
	pkg := sampleDir("fgs1-valid-arenden")
	bogus := t.TempDir()
	for _, args := range [][]string{
		{"--schema-dir", bogus, "validate", pkg},
		{"validate", "--schema-dir", bogus, pkg},
		{"xsd", "--set", "mets", "--schema-dir", bogus, pkg + "/mets.xml"},
		{"sample", "defects", "--schema-dir", bogus, t.TempDir()},
	} {
		_, errs, code := runCLI(t, args...)
		if code != 2 || !strings.Contains(errs, bogus) {
			t.Errorf("%v: exit %d, want 2 naming %s\n%s", args, code, bogus, errs)
		}
	}
	if _, errs, code := runCLI(t, "validate", "--log-level", "loud", pkg); code != 2 || !strings.Contains(errs, "--log-level") {
		t.Errorf("validate --log-level loud: exit %d\n%s", code, errs)
	}
	good := schemaArgs(t)
	if good == nil {
		return // embedded schemas: no folder to give
	}
	t.Setenv("EARKIV_SCHEMA_DIR", bogus)
	if out, errs, code := runCLI(t, "validate", good[0], good[1], pkg); code != 0 {
		t.Errorf("validate --schema-dir over the environment: exit %d\n%s%s", code, out, errs)
	}
}

// TestUnitFlags: sizes, rates and periods are read by one parser, and a
// wrong one names the flag and the forms it takes.
func TestUnitFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sample", "generate", "--size", "4Gb", t.TempDir()}, "-size"},
		{[]string{"sample", "generate", "--size", "0", t.TempDir()}, "--size: want a positive size"},
		{[]string{"fixity", "audit", "--all", "--orphan-grace", "a while", "--data-dir", t.TempDir()}, "<n>y, <n>m (months), <n>d"},
		{[]string{"fixity", "audit", "--all", "--rate", "fast", "--data-dir", t.TempDir()}, "200MB/s"},
		// 30m was 30 minutes when these flags took Go durations; it is
		// refused rather than read as 30 months.
		{[]string{"fixity", "audit", "--all", "--orphan-grace", "30m", "--data-dir", t.TempDir()}, "write minutes as 30m0s"},
		{[]string{"serve", "--memory", "0", "--data-dir", t.TempDir()}, "--memory: want a positive size"},
	} {
		out, errs, code := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(out+errs, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", tt.args, code, tt.want, out, errs)
		}
	}
	out, errs, code := runCLI(t, "sample", "generate", "--size", "1.5KiB", "--seed", "1", t.TempDir())
	if code != 0 {
		t.Errorf("sample generate --size 1.5KiB: exit %d\n%s%s", code, out, errs)
	}
}
