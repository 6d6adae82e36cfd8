package apiclient

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"https://arkiv.example.se", "https://arkiv.example.se", true},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080", true},
		{"arkiv.example.se", "", false},
		{"ftp://arkiv.example.se", "", false},
		{"http://arkiv.example.se", "", false},
		{"http://localhost:8080", "http://localhost:8080", true},
		{"http://[::1]:8080", "http://[::1]:8080", true},
		{"https://arkiv.example.se/api/v1", "", false},
		{"", "", false},
	} {
		cl, err := New(c.in, "")
		if (err == nil) != c.ok || (c.ok && cl.Server() != c.want) {
			t.Errorf("New(%q): %v, %v", c.in, cl, err)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "earkiv", "tokens.json")
	if _, ok, err := Load(path, ""); ok || err != nil {
		t.Fatalf("no file: %v %v", ok, err)
	}
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	a := Saved{Server: "https://a.example.se", Token: "ekt_alfa_x_y", Tenant: "alfa", Person: "anna", Expires: exp}
	b := Saved{Server: "http://127.0.0.1:8080", Token: "ekt_beta_x_y", Tenant: "beta", Person: "bo", Expires: exp}
	for _, s := range []Saved{a, b} {
		if err := Save(path, s); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok, err := Load(path, ""); !ok || err != nil || got != b {
		t.Fatalf("current: %+v %v %v", got, ok, err)
	}
	if got, ok, err := Load(path, a.Server); !ok || err != nil || got != a {
		t.Fatalf("by server: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := Load(path, "https://other.example.se"); ok {
		t.Fatal("a token for a server never logged in to")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, %v", fi.Mode(), err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Load(path, ""); err == nil {
		t.Fatal("a damaged token file read as empty")
	}
}
