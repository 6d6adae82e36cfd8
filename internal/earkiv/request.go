package earkiv

import (
	"fmt"
	"regexp"
	"time"

	"github.com/earkiv/earkiv/internal/ids"
)

// Request is the small message that asks a worker to ingest a package held
// in the tenant's package store.
type Request struct {
	SubmissionID string    `json:"submissionId"`
	Tenant       string    `json:"tenant"`
	Object       string    `json:"object"` // package store name
	Name         string    `json:"name"`   // the file or folder name the producer gave
	Format       string    `json:"format"` // dir (sent as tar), zip, tar, tar.gz
	Size         int64     `json:"size"`
	Digest       string    `json:"digest"` // package store SHA-256 digest
	Submitted    time.Time `json:"submitted"`
	Producer     string    `json:"producer,omitempty"`
	// Sums holds the SHA-256 (hex) of the files a folder's tar holds before
	// its content (root files and METS files, in the order package pack
	// writes them), by name in the tar. With them and the checksums the
	// METS files declare, a worker can vouch for every file of a package it
	// reads once, without the package digest.
	Sums map[string]string `json:"sums,omitempty"`
}

// Formats a request may name: what a producer's client sends.
var formats = map[string]bool{"dir": true, "zip": true, "tar": true, "tar.gz": true}

var (
	digestRe = regexp.MustCompile(`^SHA-256=[A-Za-z0-9_=-]{43,44}$`)
	sumRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// MaxRequestSums bounds a request's metadata sums, so one request stays a
// small message.
const MaxRequestSums = 1000

// maxSumName bounds a metadata sum's file name, as the package reader
// bounds a name in a tar.
const maxSumName = 4096

// Check reports the first field of r that earkiv's client would not have
// sent.
func (r *Request) Check() error {
	if err := ids.Submission(r.SubmissionID); err != nil {
		return err
	}
	if r.Object != r.SubmissionID {
		return fmt.Errorf("%w: object %s: a package is stored under its submission id %s", ids.ErrInvalid, ids.Quote(r.Object), r.SubmissionID)
	}
	if err := ids.Name(r.Name); err != nil {
		return err
	}
	if !formats[r.Format] {
		return fmt.Errorf("%w: format %s: want dir, zip, tar or tar.gz", ids.ErrInvalid, ids.Quote(r.Format))
	}
	if r.Size < 0 {
		return fmt.Errorf("%w: size %d is negative", ids.ErrInvalid, r.Size)
	}
	if r.Digest != "" && !digestRe.MatchString(r.Digest) {
		return fmt.Errorf("%w: digest %s: want SHA-256= and a base64url SHA-256", ids.ErrInvalid, ids.Quote(r.Digest))
	}
	if len(r.Producer) > ids.MaxUser {
		return fmt.Errorf("%w: producer %s: at most %d bytes", ids.ErrInvalid, ids.Quote(r.Producer), ids.MaxUser)
	}
	if len(r.Sums) > MaxRequestSums {
		return fmt.Errorf("%w: %d metadata sums: at most %d", ids.ErrInvalid, len(r.Sums), MaxRequestSums)
	}
	for name, sum := range r.Sums {
		if len(name) == 0 || len(name) > maxSumName || !sumRe.MatchString(sum) {
			return fmt.Errorf("%w: metadata sum %s=%s: want a file name and a SHA-256 in lower-case hex", ids.ErrInvalid, ids.Quote(name), ids.Quote(sum))
		}
	}
	return nil
}
