package disposal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/earkiv/earkiv/internal/aip"
	"github.com/earkiv/earkiv/internal/aipstore"
	"github.com/earkiv/earkiv/internal/earkiv"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/protocol"
	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

// FamilyProtocol is the family of an AIP that keeps a gallringsprotokoll.
const FamilyProtocol = "earkiv-gallringsprotokoll"

// ProtocolPackageID is the package id of list id's protocol AIP.
func ProtocolPackageID(id string) string { return "gallringsprotokoll-" + id }

// Protocol file names inside its AIP.
const (
	protocolPDF  = "protokoll/gallringsprotokoll.pdf"
	protocolJSON = "protokoll/gallringsprotokoll.json"
)

// finish writes the list's protocol, archives it as an AIP of its own
// under a COMPLIANCE lock, and marks the list verkställd.
func (s *Service) finish(ctx context.Context, t *tenant.Tenant, l *List, fr *Frozen) (*List, error) {
	p, err := s.Protocol(ctx, t, l, fr)
	if err != nil {
		return nil, err
	}
	aipID, err := s.archiveProtocol(ctx, t, l, p)
	if err != nil {
		return nil, err
	}
	s.cfg.Hook("protocol", aipID)
	if _, err := s.update(ctx, t.ID, l.ID, "verkställd; protokollet arkiverat som AIP "+aipID, func(l *List) error {
		if l.State == Done {
			return nil
		}
		l.State, l.Finished, l.Protocol, l.Error = Done, p.Finished, aipID, ""
		return nil
	}); err != nil {
		return nil, err
	}
	return s.Get(ctx, t, l.ID)
}

// Protocol assembles the gallringsprotokoll of an executed list from the
// list, its frozen items, the tombstones and the plan versions used. It
// names identifiers only: no titles, no names from the records.
func (s *Service) Protocol(ctx context.Context, t *tenant.Tenant, l *List, fr *Frozen) (*protocol.Protocol, error) {
	p := &protocol.Protocol{ListID: l.ID, Tenant: t.ID, Authority: protocol.Party{Name: t.Name, OrgNumber: t.OrgNumber},
		Scope: l.Filter.String(), ListSHA256: l.SHA256, CoolingOff: l.CoolingOff, Started: l.Started,
		Proposer:  protocol.Actor{ID: l.Proposer, At: l.Proposed},
		Attestant: protocol.Actor{ID: l.Attestant, At: l.Attested},
		Method: protocol.Method{AllVersions: true, Replica: true, Catalog: true, SearchIndex: true,
			Text: "Alla versioner av varje objekt har raderats i primär lagring och i replik med gallringsbehörigheten; posterna har tagits bort ur katalogen och sökindexet. En gravsten med identiteter, regel och datum (utan titlar och namn) och en PREMIS-händelse finns kvar för varje AIP."},
		Software: "earkiv " + s.cfg.Version}
	if _, ok, _ := s.cfg.Place.Replica(t); !ok {
		p.Method.Replica = false
	}
	creators := map[string]bool{}
	for _, it := range fr.Items {
		if it.Creator != "" && !creators[it.Creator] {
			creators[it.Creator] = true
			p.Creators = append(p.Creators, protocol.Party{Name: it.Creator})
		}
	}
	// Decisions: one per rule of a record disposed of.
	type rk struct{ plan, rule string }
	rules := map[rk]bool{}
	finished := l.Started
	cases := map[string]bool{}
	for _, d := range l.Done {
		if d.At.After(finished) {
			finished = d.At
		}
		p.Counts.Files += d.Objects
		p.Counts.Bytes += d.Bytes
		for _, r := range d.Records {
			if r.Document == "" {
				p.Counts.Cases++
			} else {
				p.Counts.Documents++
			}
			cases[r.Case] = true
			rules[rk{r.Plan, r.Rule}] = true
			p.Disposed = append(p.Disposed, protocol.Item{AIP: d.AIP, PackageID: d.PackageID, Case: r.Case, Document: r.Document, Rule: r.Rule,
				DisposalDate: r.Date, ManifestSHA256: d.ManifestSHA256, Objects: d.Objects, Versions: d.Versions, Bytes: d.Bytes,
				PremisEvent: d.Event, Partial: d.Partial})
		}
	}
	for k := range rules {
		dec := protocol.Decision{Rule: k.rule, Plan: k.plan}
		if v, err := s.cfg.Plans.Get(ctx, t.ID, k.plan); err == nil {
			dec.PlanValidFrom = v.ValidFrom
			if i := slices.IndexFunc(v.Rules, func(r ihp.Rule) bool { return r.ID == k.rule }); i >= 0 {
				r := v.Rules[i]
				dec.Decision, dec.Law, dec.Trigger, dec.Frist = r.Decision, r.Law, string(r.From), r.Frist.String()
			}
		}
		p.Decisions = append(p.Decisions, dec)
	}
	slices.SortFunc(p.Decisions, func(a, b protocol.Decision) int { return strings.Compare(a.Plan+" "+a.Rule, b.Plan+" "+b.Rule) })
	for _, x := range l.Exclusions {
		for _, it := range fr.Items {
			if it.AIP == x.AIP && it.Document == "" {
				p.Excluded = append(p.Excluded, protocol.Exclusion{AIP: x.AIP, Case: it.Case, Reason: x.Reason, Postponed: x.Postpone, By: x.By, At: x.At})
			}
		}
	}
	for _, sk := range l.Skipped {
		p.Skipped = append(p.Skipped, protocol.Skip{AIP: sk.AIP, Case: sk.Case, Document: sk.Document, Reason: sk.Reason})
	}
	p.Finished, p.Generated = finished, finished
	return p, nil
}

// archiveProtocol stores the protocol's PDF and JSON as an AIP, locked
// COMPLIANCE for ever, in the primary and the replica, and announces it.
// It is idempotent: a stored protocol AIP is found again.
func (s *Service) archiveProtocol(ctx context.Context, t *tenant.Tenant, l *List, p *protocol.Protocol) (string, error) {
	pkgID := ProtocolPackageID(l.ID)
	aipID := aip.ID(t.ID, pkgID)
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return "", err
	}
	m, err := aipstore.ReadManifest(ctx, prim.Store, prim.Name, aipID)
	if err == nil {
		return aipID, s.announceAIP(ctx, m)
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return "", err
	}
	pdf, err := p.PDF()
	if err != nil {
		return "", fmt.Errorf("protocol PDF: %w", err)
	}
	js, err := p.JSON()
	if err != nil {
		return "", err
	}
	lock := earkiv.Lock{Mode: "COMPLIANCE", RetainUntil: earkiv.KeepUntil}
	now := s.cfg.Now().UTC()
	m = &aip.Manifest{Format: aip.ManifestFormat, Tenant: t.ID, Bucket: prim.Name, AIPID: aipID, PackageID: pkgID, SubmissionID: pkgID,
		Family: FamilyProtocol, Label: fmt.Sprintf("Gallringsprotokoll för gallringslista %s, %s", l.ID, t.Name),
		Archivist: aip.Party{Name: t.Name, OrgID: t.OrgNumber}, Creator: aip.Party{Name: t.Name, OrgID: t.OrgNumber},
		Submitted: p.Finished, Created: now, Validation: aip.Validation{Valid: true}, Retention: lock, Software: "earkiv " + s.cfg.Version}
	var sums []earkiv.FileSum
	for _, f := range []struct {
		path, ctype string
		body        []byte
	}{{protocolPDF, "application/pdf", pdf}, {protocolJSON, "application/json", js}} {
		o := aip.Object{Key: aipID + "/" + f.path, Path: f.path, Role: "protocol", Size: int64(len(f.body)), MIME: f.ctype}
		sum := sha256.Sum256(f.body)
		o.SHA256 = hex.EncodeToString(sum[:])
		in, err := s.putBoth(ctx, t, o.Key, f.body, f.ctype, lock)
		if err != nil {
			return "", fmt.Errorf("protocol: %w", err)
		}
		o.VersionID = in.VersionID
		m.Objects = append(m.Objects, o)
		sums = append(sums, earkiv.FileSum{Path: f.path, Size: o.Size, SHA256: o.SHA256})
		m.Files++
		m.Bytes += o.Size
	}
	m.Digest = aip.PackageDigest(sums)
	mb, err := m.Encode()
	if err != nil {
		return "", err
	}
	if _, err := s.putBoth(ctx, t, aip.ManifestKey(aipID), mb, "application/json", lock); err != nil {
		return "", err
	}
	return aipID, s.announceAIP(ctx, m)
}

func (s *Service) announceAIP(ctx context.Context, m *aip.Manifest) error {
	mb, err := json.Marshal(m)
	if err != nil {
		return err
	}
	seq, err := s.cfg.Events.PublishSeq(ctx, earkiv.Event{Tenant: m.Tenant, Type: earkiv.AIPStored, PackageID: m.PackageID, AIPID: m.AIPID,
		Outcome: earkiv.Success, Detail: m.Label, Data: mb})
	if err != nil {
		return err
	}
	return s.waitCatalog(ctx, seq)
}

// ProtocolFile reads the archived protocol of a list: its PDF or JSON.
func (s *Service) ProtocolFile(ctx context.Context, t *tenant.Tenant, l *List, pdf bool) ([]byte, error) {
	if l.Protocol == "" {
		return nil, fmt.Errorf("%w: listan har inget protokoll än (den är %s)", ErrState, l.State)
	}
	prim, err := s.cfg.Place.Primary(t)
	if err != nil {
		return nil, err
	}
	name := protocolJSON
	if pdf {
		name = protocolPDF
	}
	rc, _, err := prim.Store.Get(ctx, prim.Name, l.Protocol+"/"+name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	return buf.Bytes(), err
}
