package samplegen

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/beevik/etree"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
)

// Expectation records what validation must say about one sample.
type Expectation struct {
	Name   string `json:"name"`   // file or folder in the sample directory
	Valid  bool   `json:"valid"`  // expected verdict
	Rule   string `json:"rule"`   // rule id the defect must be reported under ("" for valid ones)
	Defect string `json:"defect"` // what is wrong, in words
}

// ExpectedFile names the index written beside the samples.
const ExpectedFile = "expected.json"

type defect struct {
	name, family, rule, what string
	// apply breaks the package in dir (a valid package root) or, for archive
	// defects, writes the archive itself to out and returns its name.
	apply func(dir string) error
	build func(dir, out string) (string, error)
}

// Samples writes the valid and invalid sample packages and expected.json into out.
// Every invalid sample is a small valid package with exactly one defect.
func Samples(ctx context.Context, out string, schemaFS fs.FS) ([]Expectation, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var exp []Expectation
	base := func(family fgs.Family, id string, seed uint64) Spec {
		s := Spec{Family: family, ID: id, Cases: 1, Files: 2, Size: 300, Seed: seed}
		if family == fgs.FamilyEARK {
			s.Schemas = schemaFS
		}
		return s
	}
	// Valid samples: two per family, in different containers and checksum types.
	valid := []struct {
		spec Spec
		as   string
		what string
	}{
		{Spec{Family: fgs.FamilyFGS1, ID: "fgs1-valid-arenden", Cases: 3, Files: 2, Size: 2000, Seed: 1}, "dir", "FGS 1.x, 3 ärenden with FGS Ärendehantering content, SHA-256"},
		{Spec{Family: fgs.FamilyFGS1, ID: "fgs1-valid-md5", Cases: 2, Files: 1, Size: 5000, Checksum: fixity.MD5, Seed: 2, OrgName: "Sjöstad kommun", OrgID: "2120000019"}, "tar", "FGS 1.x as .tar, MD5 checksums"},
		{Spec{Family: fgs.FamilyEARK, ID: "eark-valid-erms", Cases: 2, Files: 2, Size: 1500, Seed: 3, Schemas: schemaFS}, "dir", "E-ARK SIP 2.x with CITS ERMS content and schemas"},
		{Spec{Family: fgs.FamilyEARK, ID: "eark-valid-zip", Cases: 1, Files: 3, Size: 800, Checksum: fixity.SHA512, Seed: 4, Schemas: schemaFS}, "zip", "E-ARK SIP 2.x as .zip, SHA-512 checksums"},
	}
	tmp, err := os.MkdirTemp("", "earkiv-samples-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, v := range valid {
		dir, err := Generate(ctx, tmp, v.spec)
		if err != nil {
			return nil, err
		}
		name, err := place(dir, out, v.as)
		if err != nil {
			return nil, err
		}
		exp = append(exp, Expectation{Name: name, Valid: true, Defect: v.what})
	}
	for i, d := range defects() {
		family := fgs.FamilyEARK
		if d.family == "fgs1" {
			family = fgs.FamilyFGS1
		}
		dir, err := Generate(ctx, tmp, base(family, d.name, uint64(100+i)))
		if err != nil {
			return nil, err
		}
		var name string
		if d.build != nil {
			name, err = d.build(dir, out)
		} else {
			if err = d.apply(dir); err == nil {
				name, err = place(dir, out, "dir")
			}
		}
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", d.name, err)
		}
		exp = append(exp, Expectation{Name: name, Rule: d.rule, Defect: d.what})
	}
	sort.Slice(exp, func(i, j int) bool { return exp[i].Name < exp[j].Name })
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return nil, err
	}
	return exp, os.WriteFile(filepath.Join(out, ExpectedFile), append(b, '\n'), 0o644)
}

// place moves a generated package into out as a folder or an archive.
func place(dir, out, as string) (string, error) {
	base := filepath.Base(dir)
	switch as {
	case "dir":
		dst := filepath.Join(out, base)
		os.RemoveAll(dst)
		return base, copyDir(dir, dst)
	case "zip":
		return base + ".zip", writeArchive(dir, filepath.Join(out, base+".zip"), "zip", nil)
	case "tar":
		return base + ".tar", writeArchive(dir, filepath.Join(out, base+".tar"), "tar", nil)
	case "tgz":
		return base + ".tar.gz", writeArchive(dir, filepath.Join(out, base+".tar.gz"), "tgz", nil)
	}
	return "", fmt.Errorf("unknown container %q", as)
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// extra is an entry added to an archive as is, to build hostile archives.
type extra struct {
	name     string
	data     []byte
	typeflag byte // tar only
	link     string
}

// writeArchive packs dir (under its own name as top folder) plus extra entries.
func writeArchive(dir, out, kind string, extras []extra) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	top := filepath.Base(dir)
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	switch kind {
	case "zip":
		zw := zip.NewWriter(f)
		for _, p := range files {
			rel, _ := filepath.Rel(dir, p)
			w, err := zw.Create(top + "/" + filepath.ToSlash(rel))
			if err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		for _, e := range extras {
			w, err := zw.Create(e.name)
			if err != nil {
				return err
			}
			if _, err := w.Write(e.data); err != nil {
				return err
			}
		}
		return zw.Close()
	default:
		var w io.Writer = f
		var gz *gzip.Writer
		if kind == "tgz" {
			gz = gzip.NewWriter(f)
			w = gz
		}
		tw := tar.NewWriter(w)
		for _, p := range files {
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := tw.WriteHeader(&tar.Header{Name: top + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
				return err
			}
			if _, err := tw.Write(b); err != nil {
				return err
			}
		}
		for _, e := range extras {
			h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: e.typeflag, Linkname: e.link}
			if e.typeflag != tar.TypeReg {
				h.Size = 0
			}
			if err := tw.WriteHeader(h); err != nil {
				return err
			}
			if h.Size > 0 {
				if _, err := tw.Write(e.data); err != nil {
					return err
				}
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		if gz != nil {
			return gz.Close()
		}
		return nil
	}
}

// editMETS applies fn to the package's root METS and writes it back.
func editMETS(dir string, fn func(root *etree.Element) error) error {
	name := filepath.Join(dir, "METS.xml")
	if _, err := os.Stat(name); err != nil {
		name = filepath.Join(dir, "mets.xml")
	}
	return editXML(name, fn)
}

func editXML(name string, fn func(root *etree.Element) error) error {
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(name); err != nil {
		return err
	}
	if err := fn(doc.Root()); err != nil {
		return err
	}
	return doc.WriteToFile(name)
}

// editMetadata edits a metadata file and then records its new size and checksum
// in the METS, so the schema violation is the sample's only defect.
func editMetadata(dir, rel string, fn func(root *etree.Element) error) error {
	if err := editXML(filepath.Join(dir, filepath.FromSlash(rel)), fn); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	return editMETS(dir, func(r *etree.Element) error {
		n := 0
		for _, loc := range r.FindElements("//*[@xlink:href]") {
			href := strings.TrimPrefix(loc.SelectAttrValue("xlink:href", ""), "file:///")
			if href != rel {
				continue
			}
			target := loc
			if loc.Tag == "FLocat" {
				target = loc.Parent()
			}
			alg, _ := fixity.Parse(target.SelectAttrValue("CHECKSUMTYPE", ""))
			sum, err := fixity.Sum(context.Background(), bytes.NewReader(b), alg)
			if err != nil {
				return err
			}
			target.CreateAttr("SIZE", fmt.Sprint(len(b)))
			target.CreateAttr("CHECKSUM", sum.Digests[alg])
			n++
		}
		if n == 0 {
			return fmt.Errorf("%s is not referenced in the METS", rel)
		}
		return nil
	})
}

func first(root *etree.Element, path string) (*etree.Element, error) {
	e := root.FindElement(path)
	if e == nil {
		return nil, fmt.Errorf("no %s in METS", path)
	}
	return e, nil
}

func firstContent(dir string) (string, error) {
	var found string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, "handling-0001.txt") && found == "" {
			found = p
		}
		return err
	})
	if found == "" && err == nil {
		err = fmt.Errorf("no content file in %s", dir)
	}
	return found, err
}

func defects() []defect {
	attrEdit := func(path, attr, val string) func(string) error {
		return func(dir string) error {
			return editMETS(dir, func(r *etree.Element) error {
				e, err := first(r, path)
				if err != nil {
					return err
				}
				e.CreateAttr(attr, val)
				return nil
			})
		}
	}
	removeElem := func(path string) func(*etree.Element) error {
		return func(r *etree.Element) error {
			e, err := first(r, path)
			if err != nil {
				return err
			}
			e.Parent().RemoveChild(e)
			return nil
		}
	}
	remove := func(path string) func(string) error {
		return func(dir string) error { return editMETS(dir, removeElem(path)) }
	}
	// removeIn removes an element from a metadata file, keeping the METS fixity right.
	removeIn := func(rel, path string) func(string) error {
		return func(dir string) error { return editMetadata(dir, rel, removeElem(path)) }
	}
	flipByte := func(dir string) error {
		p, err := firstContent(dir)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b[0] ^= 0x01
		return os.WriteFile(p, b, 0o644)
	}
	deleteContent := func(dir string) error {
		p, err := firstContent(dir)
		if err != nil {
			return err
		}
		return os.Remove(p)
	}
	archive := func(kind string, extras ...extra) func(string, string) (string, error) {
		return func(dir, out string) (string, error) {
			ext := map[string]string{"zip": ".zip", "tar": ".tar", "tgz": ".tar.gz"}[kind]
			name := filepath.Base(dir) + ext
			return name, writeArchive(dir, filepath.Join(out, name), kind, extras)
		}
	}
	return []defect{
		{name: "eark-bad-checksum", rule: "CSIP71", what: "a content file changed after its checksum was recorded", apply: flipByte},
		{name: "fgs1-bad-checksum", family: "fgs1", rule: "FGS1-FILE-CHECKSUM", what: "a content file changed after its checksum was recorded", apply: flipByte},
		{name: "eark-missing-file", rule: "CSIP79", what: "a listed content file is absent", apply: deleteContent},
		{name: "fgs1-missing-file", family: "fgs1", rule: "FGS1-FILE-MISSING", what: "a listed content file is absent", apply: deleteContent},
		{name: "eark-unlisted-file", rule: "FILE-UNLISTED", what: "a file in the package is not in the METS", apply: func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "representations", "rep1", "data", "smuggled.txt"), []byte("not listed\n"), 0o644)
		}},
		{name: "eark-wrong-size", rule: "CSIP69", what: "file/@SIZE differs from the file", apply: attrEdit("./fileSec/fileGrp[@USE='Representations/rep1']/file", "SIZE", "12345")},
		{name: "eark-wrong-profile", rule: "PKG-PROFILE", what: "mets/@PROFILE names an unknown profile", apply: attrEdit(".", "PROFILE", "http://example.org/my-own-profile.xml")},
		{name: "eark-wrong-oais-type", rule: "SIP4", what: "metsHdr/@csip:OAISPACKAGETYPE is AIP in a submission", apply: attrEdit("./metsHdr", "csip:OAISPACKAGETYPE", "AIP")},
		{name: "eark-missing-software-agent", rule: "CSIP11", what: "the mandatory software agent is missing", apply: remove("./metsHdr/agent[@OTHERTYPE='SOFTWARE']")},
		{name: "fgs1-missing-archivist", family: "fgs1", rule: "FGS1-ARCHIVIST", what: "the archive authority agent (ARCHIVIST ORGANIZATION) is missing", apply: remove("./mets:metsHdr/mets:agent[@ROLE='ARCHIVIST'][@TYPE='ORGANIZATION']")},
		{name: "fgs1-missing-submission-agreement", family: "fgs1", rule: "FGS1-SA", what: "no altRecordID SUBMISSIONAGREEMENT", apply: remove("./mets:metsHdr/mets:altRecordID")},
		{name: "eark-unsupported-checksum-type", rule: "CSIP72", what: "CHECKSUMTYPE CRC32, which earkiv cannot verify", apply: attrEdit("./fileSec/fileGrp[@USE='Representations/rep1']/file", "CHECKSUMTYPE", "CRC32")},
		{name: "fgs1-dangling-fileid", family: "fgs1", rule: "METS-IDREF", what: "a structMap fptr points at a file id that does not exist", apply: attrEdit("./mets:structMap/mets:div/mets:div/mets:fptr", "FILEID", "ID-does-not-exist")},
		{name: "fgs1-mets-xsd", family: "fgs1", rule: "XSD-METS", what: "metsHdr has an element CSPackageMETS.xsd does not allow", apply: func(dir string) error {
			return editMETS(dir, func(r *etree.Element) error {
				h, err := first(r, "./mets:metsHdr")
				if err != nil {
					return err
				}
				h.CreateElement("mets:comment").SetText("not in the schema")
				return nil
			})
		}},
		{name: "eark-premis-xsd", rule: "XSD-PREMIS", what: "the PREMIS file has an event without eventType", apply: removeIn("metadata/preservation/premis.xml", "./event/eventType")},
		{name: "eark-erms-xsd", rule: "XSD-ERMS", what: "a CITS ERMS aggregation has no objectId", apply: removeIn("metadata/descriptive/erms.xml", "./aggregations/aggregation/objectId")},
		{name: "fgs1-arendehantering-xsd", family: "fgs1", rule: "XSD-FGS-ERMS", what: "an ärende in the FGS Ärendehantering file has no Arendemening", apply: removeIn("content/arendehantering.xml", "./ArkivobjektListaArenden/ArkivobjektArende/Arendemening")},
		{name: "eark-unsafe-href", rule: "PKG-HREF", what: "an FLocat href leaves the package (../)", apply: attrEdit("./fileSec/fileGrp[@USE='Representations/rep1']/file/FLocat", "xlink:href", "../../etc/passwd")},
		{name: "eark-malformed-mets", rule: "XML-WELLFORMED", what: "METS.xml is cut off mid-element", apply: func(dir string) error {
			p := filepath.Join(dir, "METS.xml")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, b[:len(b)/2], 0o644)
		}},
		{name: "eark-entity-expansion", rule: "XML-DTD", what: "METS.xml declares nested entities (billion laughs)", apply: func(dir string) error {
			p := filepath.Join(dir, "METS.xml")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			dtd := `<!DOCTYPE mets [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>` + "\n"
			i := bytes.Index(b, []byte("?>")) + 3
			out := append(append(append([]byte{}, b[:i]...), dtd...), b[i:]...)
			out = bytes.Replace(out, []byte(`LABEL="Avslutade`), []byte(`LABEL="&d; Avslutade`), 1)
			return os.WriteFile(p, out, 0o644)
		}},
		{name: "eark-no-mets", rule: "CSIPSTR4", what: "the root METS.xml is missing (named mets.txt)", apply: func(dir string) error {
			return os.Rename(filepath.Join(dir, "METS.xml"), filepath.Join(dir, "mets.txt"))
		}},
		{name: "eark-zip-slip", rule: "PKG-PATH", what: "a zip entry ../../evil.txt escapes the package", build: archive("zip", extra{name: "../../evil.txt", data: []byte("escaped\n")})},
		{name: "eark-absolute-path", rule: "PKG-PATH", what: "a tar entry has the absolute path /tmp/evil.txt", build: archive("tar", extra{name: "/tmp/evil.txt", data: []byte("absolute\n"), typeflag: tar.TypeReg})},
		{name: "fgs1-symlink", family: "fgs1", rule: "PKG-LINK", what: "a tar entry is a symlink to /etc/passwd", build: archive("tar", extra{name: "fgs1-symlink/content/link.txt", typeflag: tar.TypeSymlink, link: "/etc/passwd"})},
		{name: "fgs1-hardlink", family: "fgs1", rule: "PKG-LINK", what: "a tar.gz entry is a hard link", build: archive("tgz", extra{name: "fgs1-hardlink/content/hard.txt", typeflag: tar.TypeLink, link: "fgs1-hardlink/mets.xml"})},
		{name: "eark-duplicate-entry", rule: "PKG-DUPLICATE", what: "a zip holds METS.xml twice", build: archive("zip", extra{name: "eark-duplicate-entry/METS.xml", data: []byte("<mets/>")})},
		{name: "eark-zip-bomb", rule: "PKG-BOMB", what: "a zip entry expands 64 MiB of zeros from a few KiB", build: archive("zip", extra{name: "eark-zip-bomb/representations/rep1/data/zeros.bin", data: make([]byte, 64<<20)})},
	}
}
