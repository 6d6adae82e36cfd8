package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Lookup resolves a tenant id, as a run's findings name it, to the tenant:
// a run outlives the registry it started with, so its tenants are found
// again in the current one (tenant.Registry.Get).
type Lookup func(id string) (*tenant.Tenant, error)

// primary finds the primary bucket of the tenant with this id.
func primary(place placement.Placement, lookup Lookup, id string) (placement.Bucket, error) {
	t, err := lookup(id)
	if err != nil {
		return placement.Bucket{}, err
	}
	return place.Primary(t)
}

// WriteEventLogs adds to each audited AIP a PREMIS document with one fixity
// check event per object (outcome success or failure, with the digests), at
// <aip>/events/<kind>-<run>.xml under the AIP's own Object Lock. Findings
// without an AIP (orphans) have no AIP to record in and are left to the
// report. It returns how many logs were written.
func WriteEventLogs(ctx context.Context, place placement.Placement, lookup Lookup, kind, runID, version string, findings []Finding) (int, error) {
	type aipKey struct{ tenant, id string }
	by := map[aipKey][]Finding{}
	for _, f := range findings {
		if f.AIPID != "" {
			k := aipKey{f.Tenant, f.AIPID}
			by[k] = append(by[k], f)
		}
	}
	keys := make([]aipKey, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].tenant+keys[i].id < keys[j].tenant+keys[j].id })
	n := 0
	for _, k := range keys {
		b, err := primary(place, lookup, k.tenant)
		if err != nil {
			return n, err
		}
		st, bucket := b.Store, b.Name
		m, err := aipstore.ReadManifest(ctx, st, bucket, k.id)
		if err != nil {
			return n, fmt.Errorf("event log of %s: %w", k.id, err)
		}
		var events []aip.Event
		for _, f := range by[k] {
			outcome, note := "success", "SHA-256 "+f.Actual
			typ, detail := "fixity check", "SHA-256 of the stored object compared with the digest recorded at ingest"
			if kind == "repair" {
				typ, detail = "replication", "object restored from the replica after a failed fixity check"
			}
			if f.Bad() {
				outcome = "failure"
				note = fmt.Sprintf("%s: %s (recorded %s, found %s)", f.Outcome, f.Detail, f.Expected, f.Actual)
			}
			e := aip.NewEvent(typ, detail, outcome, note, f.Checked)
			e.Agents = []string{"earkiv"}
			e.Objects = []string{strings.TrimPrefix(f.Key, k.id+"/")}
			events = append(events, e)
		}
		doc, err := aip.EventLog(k.id, events, []aip.Agent{{ID: "earkiv", Name: "earkiv", Type: "software", Version: version}})
		if err != nil {
			return n, err
		}
		sum := sha256.Sum256(doc)
		if _, err := st.Put(ctx, bucket, aip.EventLogKey(k.id, kind, runID), bytes.NewReader(doc), storage.PutOptions{
			Size: int64(len(doc)), SHA256: sum[:], ContentType: "text/xml", Lock: m.Retention}); err != nil {
			return n, fmt.Errorf("event log of %s: %w", k.id, err)
		}
		n++
	}
	return n, nil
}
