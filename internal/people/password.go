package people

import (
	"bufio"
	_ "embed" // the common passwords
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrPassword marks a password the policy refuses.
var ErrPassword = errors.New("password refused")

// MinPassword is the shortest password accepted, in characters. Length is
// what makes a password hard to guess offline, should the hashes leak.
const MinPassword = 12

// maxPassword is the most bcrypt hashes; it ignores what follows, so a
// longer password would be silently shortened.
const maxPassword = 72

//go:embed common-passwords.txt
var commonText string

// common is the set of the most common passwords, lower case.
var common = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonText))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			m[strings.ToLower(l)] = true
		}
	}
	return m
}()

// CheckNewPassword tells why password is not good enough for the person
// with id and name, nil if it is. Each refusal says what to change.
func CheckNewPassword(password, id, name string) error {
	n := utf8.RuneCountInString(password)
	lower := strings.ToLower(password)
	switch {
	case password == "":
		return fmt.Errorf("%w: the password is empty", ErrPassword)
	case !utf8.ValidString(password):
		return fmt.Errorf("%w: the password is not UTF-8 text", ErrPassword)
	case n < MinPassword:
		return fmt.Errorf("%w: the password has %d characters; at least %d are needed", ErrPassword, n, MinPassword)
	case len(password) > maxPassword:
		return fmt.Errorf("%w: the password has %d bytes; at most %d can be kept", ErrPassword, len(password), maxPassword)
	case strings.Count(password, string([]rune(password)[:1])) == n:
		return fmt.Errorf("%w: the password is one character repeated", ErrPassword)
	case holds(lower, strings.ToLower(id)):
		return fmt.Errorf("%w: the password holds the person's id %q", ErrPassword, id)
	case holds(lower, strings.ToLower(name)) || holds(lower, strings.ToLower(strings.ReplaceAll(name, " ", ""))):
		return fmt.Errorf("%w: the password holds the person's name", ErrPassword)
	case common[lower] || common[strings.TrimRightFunc(lower, notLetter)]:
		return fmt.Errorf("%w: the password is one of the most common ones (or one with digits or signs added); choose another, such as three or four unrelated words", ErrPassword)
	}
	return nil
}

// holds tells whether password holds what: equal to it, or containing it
// when what is long enough to be more than chance.
func holds(password, what string) bool {
	what = strings.TrimSpace(what)
	if what == "" {
		return false
	}
	if utf8.RuneCountInString(what) < 4 {
		return password == what
	}
	return strings.Contains(password, what)
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }
