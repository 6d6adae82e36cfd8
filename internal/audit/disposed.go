package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/storage"
)

// Disposed is the outcome of an object lawfully disposed of by gallring:
// repair refuses to restore it. It never fails an audit or a repair.
const Disposed = "disposed"

// disposals are the objects gallring removed, as its tombstones (and the
// manifest revisions after a partial gallring) name them. A tombstone is
// written before anything is deleted, so whatever it names may be gone,
// half gone or still there: none of it is damage, and none of it may come
// back from the replica.
type disposals struct {
	full map[string]string // AIP id: the list that disposed of all of it
	keys map[string]string // object key: the list that disposed of it
}

func newDisposals() *disposals {
	return &disposals{full: map[string]string{}, keys: map[string]string{}}
}

// add records what a tombstone says is disposed.
func (d *disposals) add(t *aip.Tombstone) {
	if t.Full {
		d.full[t.AIPID] = t.List
	}
	for _, k := range t.Keys {
		d.keys[k] = t.List
	}
}

// addManifest records what the manifest's revisions say partial gallring
// removed, for when a tombstone cannot be read.
func (d *disposals) addManifest(m *aip.Manifest) {
	for _, n := range m.Disposals {
		for _, k := range n.Keys {
			if _, ok := d.keys[k]; !ok {
				d.keys[k] = n.List
			}
		}
	}
}

// of returns the list that disposed of key, if one did. A fully disposed
// AIP is disposed of with every key under it but gallring's own records,
// named in its tombstone or not (event logs, a manifest left by a run cut
// short).
func (d *disposals) of(key string) (string, bool) {
	if l, ok := d.keys[key]; ok {
		return l, true
	}
	id, _, _ := strings.Cut(key, "/")
	if l, ok := d.full[id]; ok && !aip.IsGallringKey(id, key) {
		return l, true
	}
	return "", false
}

// count is how many objects are disposed of, within aipID if it is set:
// the keys the tombstones name and the others found under fully disposed
// AIPs.
func (d *disposals) count(aipID string, found map[string]bool) int {
	n := 0
	for k := range d.keys {
		if id, _, _ := strings.Cut(k, "/"); aipID == "" || id == aipID {
			n++
		}
	}
	for k := range found {
		if _, named := d.keys[k]; named {
			continue
		}
		if id, _, _ := strings.Cut(k, "/"); aipID == "" || id == aipID {
			if _, ok := d.of(k); ok {
				n++
			}
		}
	}
	return n
}

// refusal is repair's answer for a disposed key.
func refusal(key, list string) string {
	return fmt.Sprintf("%s was disposed of by gallring list %s; it is not restored", key, list)
}

// isGallringRecord tells the objects gallring keeps: frozen lists at
// gallring/<list>/ and an AIP's tombstones and deletion logs at
// <aip>/gallring/. They are in no manifest and are no orphans.
func isGallringRecord(key string) bool {
	if strings.HasPrefix(key, "gallring/") {
		return true
	}
	id, _, _ := strings.Cut(key, "/")
	return uuid.Validate(id) == nil && aip.IsGallringKey(id, key)
}

// tombstoneAIP returns the AIP of a tombstone key <aip>/gallring/<list>.json
// (not its -premis.xml deletion log), and whether key is one.
func tombstoneAIP(key string) (string, bool) {
	id, rest, ok := strings.Cut(key, "/")
	if !ok || uuid.Validate(id) != nil {
		return "", false
	}
	name, ok := strings.CutPrefix(rest, "gallring/")
	list, isJSON := strings.CutSuffix(name, ".json")
	if !ok || !isJSON || list == "" || strings.Contains(list, "/") || aip.TombstoneKey(id, list) != key {
		return "", false
	}
	return id, true
}

// readTombstone reads and decodes the tombstone at key.
func readTombstone(ctx context.Context, st *storage.Store, bucket, key string) (*aip.Tombstone, error) {
	rc, _, err := st.Get(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	t, err := aip.DecodeTombstone(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if want, _ := tombstoneAIP(key); t.AIPID != want || aip.TombstoneKey(t.AIPID, t.List) != key {
		return nil, fmt.Errorf("%s: a tombstone of AIP %s, list %s", key, t.AIPID, t.List)
	}
	return t, nil
}

// aipDisposals reads the tombstones of one AIP in the primary and the
// replica (either's may be unreadable or not there yet) into d. It fails
// when a bucket cannot be listed, or when a tombstone can be read in
// neither: then what it names cannot be told.
func aipDisposals(ctx context.Context, d *disposals, aipID string, stores ...bucketOf) error {
	type try struct {
		read bool
		errs []string
	}
	seen := map[string]*try{}
	var order []string
	for _, s := range stores {
		if s.st == nil {
			continue
		}
		for in, err := range s.st.List(ctx, s.bucket, aipID+"/gallring/") {
			if errors.Is(err, storage.ErrNotFound) {
				break // no bucket: no tombstone in it
			}
			if err != nil {
				return fmt.Errorf("look for gallring's tombstones of %s: %w", aipID, err)
			}
			if _, ok := tombstoneAIP(in.Key); !ok {
				continue
			}
			tr := seen[in.Key]
			if tr == nil {
				tr = &try{}
				seen[in.Key] = tr
				order = append(order, in.Key)
			}
			if tr.read {
				continue
			}
			t, err := readTombstone(ctx, s.st, s.bucket, in.Key)
			if err != nil {
				tr.errs = append(tr.errs, s.bucket+": "+err.Error())
				continue
			}
			tr.read = true
			d.add(t)
		}
	}
	for _, k := range order {
		if tr := seen[k]; !tr.read {
			return fmt.Errorf("tombstone %s is unreadable in every bucket (%s), so what gallring disposed of cannot be told", k, strings.Join(tr.errs, "; "))
		}
	}
	return nil
}

// bucketOf is one bucket of a store.
type bucketOf struct {
	st     *storage.Store
	bucket string
}
