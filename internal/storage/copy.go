package storage

import (
	"context"
	"fmt"

	"github.com/earkiv/earkiv/internal/earkiv"
)

// Object names one object and what its bytes must be.
type Object struct {
	Key         string
	Size        int64
	SHA256      string // hex, as recorded at ingest
	ContentType string
}

// CopyOptions say how Copy stores the object.
type CopyOptions struct {
	Lock earkiv.Lock
	// Replace stores a new version even when the target's metadata records
	// the right digest: its bytes are what is in doubt (fixity repair).
	Replace bool
}

// Copy copies o from one bucket to another, unless the target already
// records it with the right size and SHA-256 (a copy an interrupted run
// made). The recorded digest
// goes with the bytes, so the target store refuses a source copy that is
// damaged too and nothing is ever stored in its place: this is the one
// path by which ingest fills a replica and fixity repair restores from it.
// It reports whether it copied.
func Copy(ctx context.Context, from *Store, fromBucket string, to *Store, toBucket string, o Object, opt CopyOptions) (bool, error) {
	sum, err := ParseSHA256(o.SHA256)
	if err != nil {
		return false, fmt.Errorf("copy %s: %w", o.Key, err)
	}
	if !opt.Replace {
		if _, ok, err := to.Has(ctx, toBucket, o.Key, o.Size, o.SHA256); err != nil || ok {
			return false, err
		}
	}
	rc, info, err := from.Get(ctx, fromBucket, o.Key)
	if err != nil {
		return false, err
	}
	defer rc.Close()
	size := o.Size
	if size < 0 {
		size = info.Size
	}
	ctype := o.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if _, err := to.Put(ctx, toBucket, o.Key, rc, PutOptions{Size: size, SHA256: sum, ContentType: ctype, Lock: opt.Lock}); err != nil {
		return false, err
	}
	return true, nil
}
