package pkgstore

import (
	"context"
	"io"

	"github.com/nats-io/nats.go/jetstream"
)

// Upload says what is uploaded.
type Upload struct {
	Name        string            // the object's name: the submission id
	Description string            // the package's file name, for operators
	Meta        map[string]string // kept with the object
	// Estimate is the package's size or an estimate from above, -1 if
	// unknown; it picks the chunk size and whether the upload is paced.
	Estimate int64
}

// Put uploads r as a package of tenant's, in chunks, kept at most
// pacingWindow ahead of what the server has stored.
func (s *Store) Put(ctx context.Context, tenant string, u Upload, r io.Reader) (Info, error) {
	store, err := s.q.PackageStore(ctx, tenant)
	if err != nil {
		return Info{}, err
	}
	// The object store allocates a buffer of the chunk size per upload: a
	// small package gets one chunk of about its own size, not 4 MiB.
	chunk := min(s.q.MaxPayload()/2, 4<<20, max(u.Estimate, 4<<10))
	if u.Estimate > pacingWindow {
		stream, err := s.q.PackageStream(ctx, tenant)
		if err != nil {
			return Info{}, err
		}
		if r, err = newPacedReader(ctx, r, stream); err != nil {
			return Info{}, err
		}
	}
	info, err := store.Put(ctx, jetstream.ObjectMeta{
		Name: u.Name, Description: u.Description, Metadata: u.Meta,
		Opts: &jetstream.ObjectMetaOptions{ChunkSize: uint32(chunk)},
	}, r)
	if err != nil {
		return Info{}, err
	}
	return infoOf(info), nil
}
