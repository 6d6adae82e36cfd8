package ingest

import (
	"errors"
)

// stageError marks which stage failed, for metrics and logs.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }

func (e *stageError) Unwrap() error { return e.err }

func stage(s string, err error) error {
	if err == nil {
		return nil
	}
	return &stageError{s, err}
}

func stageOf(err error) string {
	var se *stageError
	if errors.As(err, &se) {
		return se.stage
	}
	return "other"
}
