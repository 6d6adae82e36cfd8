package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
)

// ErrNotFound is returned for a missing object or bucket.
var ErrNotFound = errors.New("not found")

func isCode(err error, code string) bool {
	return minio.ToErrorResponse(err).Code == code
}

func isNotFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey" || r.Code == "NoSuchBucket"
}

// IsTransient reports whether err is worth retrying (the store is down,
// overloaded or the connection broke), as opposed to a refusal or a local
// error that would repeat.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var dm *DigestMismatchError
	if errors.As(err, &dm) || errors.Is(err, ErrNotFound) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var r minio.ErrorResponse
	if !errors.As(err, &r) {
		return false
	}
	switch {
	case r.StatusCode >= 500, r.StatusCode == http.StatusTooManyRequests, r.Code == "SlowDown", r.Code == "RequestTimeout":
		return true
	}
	return false
}

// Retry runs op until it succeeds, fails for a reason other than the
// store being unavailable (IsTransient), or ctx ends, waiting a little
// longer each time (up to 5 s): what every long job on a store needs when
// the store restarts under it.
func Retry(ctx context.Context, op func() error) error {
	wait := 100 * time.Millisecond
	for {
		err := op()
		if err == nil || !IsTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 5*time.Second)
	}
}
