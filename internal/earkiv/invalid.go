package earkiv

import (
	"errors"
	"fmt"
)

// InvalidError is an error in what a person gave (a reason missing, a date
// unreadable); its message is written for them, and an API answers it as
// a refusal rather than a failure of the service.
type InvalidError struct{ msg string }

// Invalid makes an InvalidError.
func Invalid(format string, a ...any) error { return &InvalidError{msg: fmt.Sprintf(format, a...)} }

func (e *InvalidError) Error() string { return e.msg }

// IsInvalid reports whether err is, or wraps, an InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}
