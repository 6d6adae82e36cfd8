package service

import (
	"errors"
	"os"
	"testing"
)

// TestAccessLogKey: the key is made once, private, and read back the same.
func TestAccessLogKey(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := LoadAccessLogKey(dir, false); !errors.Is(err, ErrNoAccessLogKey) {
		t.Fatalf("no key yet: %v", err)
	}
	s, v, err := LoadAccessLogKey(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(AccessLogKeyFile(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	s2, v2, err := LoadAccessLogKey(dir, true)
	if err != nil || s2.KeyHash() != s.KeyHash() || v2.KeyHash() != v.KeyHash() || s.KeyHash() != v.KeyHash() {
		t.Fatalf("reloaded key differs: %v", err)
	}
}
