package people

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckNewPassword(t *testing.T) {
	for _, c := range []struct {
		name, pw, why string // why: a word the refusal must hold; "" accepted
	}{
		{"good", "korp stege blå fjäril", ""},
		{"good ascii", "Tr4ns-Ventil-Gurka", ""},
		{"exactly 12", "kvast9#Lampa", ""},
		{"empty", "", "empty"},
		{"short", "kort8#Ord", "at least 12"},
		{"short in characters, long in bytes", "åäöåäöåäöåä", "at least 12"},
		{"too long for bcrypt", strings.Repeat("ab", 37), "at most 72"},
		{"one character", strings.Repeat("x", 20), "repeated"},
		{"one non-ASCII character", strings.Repeat("ö", 14), "repeated"},
		{"the id", "anna.svensson", "id"},
		{"the id with digits", "anna.svensson2026", "id"},
		{"the name", "Anna Svensson", "name"},
		{"the name without space", "annasvensson!!", "name"},
		{"common", "123456789012", "common"},
		{"common with digits", "password12345", "common"},
		{"common with signs", "Lösenord2026!!", "common"},
		{"common swedish", "sommar2025!!", "common"},
		{"common keyboard", "qwertyuiop12", "common"},
	} {
		err := CheckNewPassword(c.pw, "anna.svensson", "Anna Svensson")
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.why != "" && err == nil:
			t.Errorf("%s: %q accepted", c.name, c.pw)
		case err != nil && (!errors.Is(err, ErrPassword) || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%s: %v, want ErrPassword saying %q", c.name, err, c.why)
		}
	}
	if len(common) < 100 {
		t.Errorf("only %d common passwords embedded", len(common))
	}
}
