package api

import (
	"errors"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest receipt or AIP id accepted in a path, in
// bytes. Package ids are free text (METS OBJID), so the bound is generous,
// and far below what would make a NATS subject exceed the server's control
// line (4096 bytes).
const MaxIDLength = 512

// ValidID reports what is wrong with a receipt or AIP id from a path: too
// long, not UTF-8, or holding control characters.
func ValidID(id string) error {
	switch {
	case id == "":
		return errors.New("empty id")
	case len(id) > MaxIDLength:
		return errors.New("id too long")
	case !utf8.ValidString(id):
		return errors.New("id is not UTF-8")
	}
	for _, r := range id {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return errors.New("id holds control characters")
		}
	}
	return nil
}
