// Package samplegen writes synthetic delivery packages of any size: valid FGS 1.x
// packages with FGS Ärendehantering content and valid E-ARK SIP 2.x packages with
// CITS ERMS content, as a case system would export closed cases (ärenden) with their
// documents (handlingar). They feed demos, tests and benchmarks; Defects derives the
// invalid samples, each with exactly one named defect.
package samplegen

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
)

// Spec describes a package to generate.
type Spec struct {
	Family   fgs.Family // fgs1 or eark
	Cases    int        // ärenden
	Files    int        // handlingar per ärende
	Size     int64      // bytes per handling
	ID       string     // package id (OBJID, root folder name); random UUID if empty
	OrgName  string     // the municipality
	OrgID    string     // its organisation number
	Checksum fixity.Algorithm
	Seed     uint64
	// Class, CaseType and DocType (klass, ärendetyp, handlingstyp) and
	// Closed (the date every case was closed, 2006-01-02) are written on
	// every case and document when set, so a plan's rules match them.
	Class, CaseType, DocType, Closed string
	Created                          time.Time
	// Schemas, when set, is the official schema tree; E-ARK packages then carry
	// copies of the METS schemas in schemas/, as CSIP recommends.
	Schemas fs.FS
}

func (s *Spec) defaults() {
	if s.Cases <= 0 {
		s.Cases = 1
	}
	if s.Files <= 0 {
		s.Files = 1
	}
	if s.Size <= 0 {
		s.Size = 1024
	}
	if s.ID == "" {
		s.ID = uuid.NewString()
	}
	if s.OrgName == "" {
		s.OrgName = "Exempelby kommun"
	}
	if s.OrgID == "" {
		s.OrgID = "2120000001"
	}
	if s.Checksum == "" {
		s.Checksum = fixity.SHA256
	}
	if s.Created.IsZero() {
		s.Created = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	}
}

// file is one written file and its fixity.
type file struct {
	path, mime string
	size       int64
	sum        string
	id         string
}

// Generate writes the package as a directory at dir/<ID> and returns that path.
func Generate(ctx context.Context, dir string, spec Spec) (string, error) {
	spec.defaults()
	root := filepath.Join(dir, spec.ID)
	if _, err := os.Stat(root); err == nil {
		return "", fmt.Errorf("generate: %s already exists", root)
	}
	g := &gen{spec: spec, root: root, rnd: rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))}
	if err := g.run(ctx); err != nil {
		os.RemoveAll(root)
		return "", err
	}
	return root, nil
}

type gen struct {
	spec  Spec
	root  string
	rnd   *rand.Rand
	docs  []file // handlingar
	meta  []file // metadata files (ERMS / Ärendehantering, PREMIS)
	schem []file
	doc   file // E-ARK documentation file
	n     int
}

func (g *gen) nextID(prefix string) string {
	g.n++
	return fmt.Sprintf("ID-%s-%d", prefix, g.n)
}

func (g *gen) run(ctx context.Context) error {
	dataDir := "content"
	if g.spec.Family == fgs.FamilyEARK {
		dataDir = "representations/rep1/data"
	}
	for c := 0; c < g.spec.Cases; c++ {
		for d := 0; d < g.spec.Files; d++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := fmt.Sprintf("%s/arende-%04d/handling-%04d.txt", dataDir, c+1, d+1)
			f, err := g.writeFile(p, "text/plain", g.textStream(g.spec.Size))
			if err != nil {
				return err
			}
			g.docs = append(g.docs, f)
		}
	}
	var err error
	if g.spec.Family == fgs.FamilyEARK {
		err = g.earkMetadata()
	} else {
		err = g.fgsMetadata()
	}
	if err != nil {
		return err
	}
	var doc *etree.Document
	name := "METS.xml"
	if g.spec.Family == fgs.FamilyEARK {
		doc = g.earkMETS()
	} else {
		doc = g.fgsMETS()
		name = "mets.xml"
	}
	doc.Indent(2)
	b, err := doc.WriteToBytes()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(g.root, name), b, 0o644)
}

// textStream yields size bytes of readable pseudo-random text.
func (g *gen) textStream(size int64) io.Reader {
	return io.LimitReader(&textReader{r: rand.New(rand.NewPCG(g.rnd.Uint64(), g.rnd.Uint64()))}, size)
}

type textReader struct{ r *rand.Rand }

const alphabet = "abcdefghijklmnopqrstuvwxyzåäö ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,\n"

func (t *textReader) Read(p []byte) (int, error) {
	for i := 0; i < len(p); {
		v := t.r.Uint64()
		for j := 0; j < 8 && i < len(p); j++ {
			c := alphabet[byte(v)%byte(len(alphabet))]
			if c >= 0x80 { // keep it ASCII: multi-byte runes would split
				c = 'e'
			}
			p[i] = c
			v >>= 8
			i++
		}
	}
	return len(p), nil
}

func (g *gen) writeFile(rel, mimeType string, r io.Reader) (file, error) {
	full := filepath.Join(g.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return file{}, err
	}
	out, err := os.Create(full)
	if err != nil {
		return file{}, err
	}
	h := g.spec.Checksum.New()
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return file{}, fmt.Errorf("write %s: %w", rel, err)
	}
	return file{path: rel, mime: mimeType, size: n, sum: hex.EncodeToString(h.Sum(nil)), id: g.nextID("file")}, nil
}

func (g *gen) writeXML(rel string, doc *etree.Document) (file, error) {
	doc.Indent(2)
	b, err := doc.WriteToBytes()
	if err != nil {
		return file{}, err
	}
	return g.writeFile(rel, "application/xml", strings.NewReader(string(b)))
}

// addMeta writes a metadata document and records it among the package's metadata files.
func (g *gen) addMeta(rel string, doc *etree.Document) error {
	f, err := g.writeXML(rel, doc)
	if err != nil {
		return err
	}
	g.meta = append(g.meta, f)
	return nil
}

func (g *gen) created() string { return g.spec.Created.Format(time.RFC3339) }

// caseTitle gives each ärende a plausible ärendemening and diarienummer.
func (g *gen) caseInfo(c int) (dnr, title string) {
	subjects := []string{"Bygglov för tillbyggnad av enbostadshus", "Ansökan om serveringstillstånd", "Remiss om detaljplan", "Begäran om utlämnande av allmän handling", "Tillsyn enligt miljöbalken"}
	return fmt.Sprintf("KS %d/%04d", g.spec.Created.Year()-1, c+1), subjects[c%len(subjects)]
}

func (g *gen) premis() *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	p := doc.CreateElement("premis")
	p.CreateAttr("xmlns", fgs.NSPREMIS)
	p.CreateAttr("xmlns:xsi", fgs.NSXSI)
	p.CreateAttr("version", "3.0")
	obj := p.CreateElement("object")
	obj.CreateAttr("xsi:type", "intellectualEntity")
	oid := obj.CreateElement("objectIdentifier")
	oid.CreateElement("objectIdentifierType").SetText("UUID")
	oid.CreateElement("objectIdentifierValue").SetText(g.spec.ID)
	ev := p.CreateElement("event")
	id := ev.CreateElement("eventIdentifier")
	id.CreateElement("eventIdentifierType").SetText("UUID")
	id.CreateElement("eventIdentifierValue").SetText(uuid.NewSHA1(uuid.NameSpaceOID, []byte(g.spec.ID)).String())
	ev.CreateElement("eventType").SetText("creation")
	ev.CreateElement("eventDateTime").SetText(g.created())
	out := ev.CreateElement("eventOutcomeInformation")
	out.CreateElement("eventOutcome").SetText("success")
	return doc
}
