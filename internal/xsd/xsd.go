// Package xsd validates XML documents against the official schemas, offline.
//
// Schemas are compiled once per schema set and shared by all goroutines (a compiled
// engine is immutable). Every schemaLocation is resolved inside the schema tree: the
// remote locations the official files use are mapped to their local copies, and
// nothing is ever fetched from the network.
package xsd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"

	xsdlib "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"
)

// Set names one group of schemas that validates one kind of document.
type Set string

// The schema sets earkiv knows. Wrappers import every part of a set from local files.
const (
	FGS11   Set = "fgs-paketstruktur-1.1"
	FGS12   Set = "fgs-paketstruktur-1.2"
	EARK    Set = "eark-csip-sip-2"
	PREMIS3 Set = "premis-3.0"
	ERMS212 Set = "cits-erms-2.1.2"
	ERMS30  Set = "cits-erms-3.0"
	FGSERMS Set = "fgs-arendehantering-1.0"
)

// Entry is the schema file that is the root of each set, relative to the schema tree.
var Entry = map[Set]string{
	FGS11:   "wrappers/fgs-paketstruktur-1.1.xsd",
	FGS12:   "wrappers/fgs-paketstruktur-1.2.xsd",
	EARK:    "wrappers/eark-csip-sip-2.xsd",
	PREMIS3: "premis/premis-v3-0.xsd",
	ERMS212: "cits-erms/v2.1.2/ERMS.xsd",
	ERMS30:  "cits-erms/v3.0/ERMS_v3.xsd",
	FGSERMS: "fgs-arendehantering/v1.0-sundsvall-variant/Bygglov_v2.xsd",
}

// remote maps schemaLocations seen in the official schemas and in instances to files in
// the tree (shared/schemas/SOURCES.md lists them).
var remote = map[string]string{
	"http://www.loc.gov/standards/xlink/xlink.xsd":                           "xlink/xlink.xsd",
	"http://xml.ra.se/e-arkiv/xlink/xlink.xsd":                               "xlink/xlink.xsd",
	"http://www.w3.org/2001/xml.xsd":                                         "xml/xml.xsd",
	"http://www.loc.gov/standards/mets/mets.xsd":                             "mets/mets-1.12.xsd",
	"https://www.loc.gov/standards/mets/mets.xsd":                            "mets/mets-1.12.xsd",
	"http://www.loc.gov/standards/premis/premis.xsd":                         "premis/premis-v3-0.xsd",
	"http://www.loc.gov/standards/premis/v3/premis-v3-0.xsd":                 "premis/premis-v3-0.xsd",
	"https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd":              "csip/DILCISExtensionMETS.xsd",
	"https://dilcis.eu/XML/METS/CSIPExtensionMETS/DILCISExtensionMETS.xsd":   "csip/DILCISExtensionMETS.xsd",
	"https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd":            "sip/DILCISExtensionSIPMETS.xsd",
	"https://dilcis.eu/XML/METS/SIPExtensionMETS/DILCISExtensionSIPMETS.xsd": "sip/DILCISExtensionSIPMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/CSPackageMETS.xsd":                        "fgs-paketstruktur/v1.2/CSPackageMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/version12/CSPackageMETS.xsd":              "fgs-paketstruktur/v1.2/CSPackageMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/version11/CSPackageMETS.xsd":              "fgs-paketstruktur/v1.1/CSPackageMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/CSPackageExtensionMETS.xsd":               "fgs-paketstruktur/v1.2/CSPackageExtensionMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/version12/CSPackageExtensionMETS.xsd":     "fgs-paketstruktur/v1.2/CSPackageExtensionMETS.xsd",
	"http://xml.ra.se/e-arkiv/METS/version11/CSPackageExtensionMETS.xsd":     "fgs-paketstruktur/v1.1/CSPackageExtensionMETS.xsd",
	"https://citserms.dilcis.eu/schema/ERMS.xsd":                             "cits-erms/v2.1.2/ERMS.xsd",
	"http://xml.ra.se/e-arkiv/ERMS/version10/Arendehantering.xsd":            "fgs-arendehantering/v1.0-sundsvall-variant/Bygglov_v2.xsd",
	"http://xml.ra.se/e-arkiv/FGS-ERMS/arendehantering.xsd":                  "fgs-arendehantering/v1.0-sundsvall-variant/Bygglov_v2.xsd",
}

// Issue is one schema violation in a document.
type Issue struct {
	Line, Column int
	Path         string // element path in the document, e.g. /mets/metsHdr
	Code         string // stable validator code, e.g. validation.attribute
	Message      string
}

// message says what is wrong in words a producer can act on: the
// validator's message, the parser's cause (a NUL byte, invalid UTF-8, a
// token over the size limit leave the message empty), and the column.
func message(xe *xsderrors.Error) string {
	var parts []string
	if xe.Message != "" {
		parts = append(parts, xe.Message)
	}
	if xe.Err != nil {
		cause := xe.Err.Error()
		switch {
		case strings.Contains(cause, "token byte limit"):
			cause = "an attribute, text or comment is longer than the validator's limit for one XML token"
		case cause == "invalid XML character":
			cause = "a character XML does not allow (such as a NUL byte or another control character)"
		case cause == "invalid UTF-8":
			cause = "bytes that are not valid UTF-8"
		}
		parts = append(parts, cause)
	}
	if len(parts) == 0 {
		parts = append(parts, strings.ReplaceAll(string(xe.Code), "_", " "))
	}
	msg := strings.Join(parts, ": ")
	if xe.Column > 0 {
		msg += fmt.Sprintf(" (line %d, column %d)", xe.Line, xe.Column)
	}
	return msg
}

func (i Issue) String() string {
	return fmt.Sprintf("%d:%d %s: %s", i.Line, i.Column, i.Path, i.Message)
}

// Limits bound what one validation may consume. Large METS files (tens of thousands of
// files, each with an ID) need more identity entries and bytes than the library defaults.
type Limits struct {
	MaxErrors          int
	MaxIdentityEntries int
	MaxInstanceBytes   int64
}

// DefaultLimits suit METS documents of several hundred MB with a million IDs.
var DefaultLimits = Limits{MaxErrors: 50, MaxIdentityEntries: 4_000_000, MaxInstanceBytes: 2 << 30}

// Catalog compiles schema sets on first use and keeps them for the process lifetime.
type Catalog struct {
	fsys   fs.FS
	limits Limits
	mu     sync.Mutex
	sets   map[Set]*compiled
}

type compiled struct {
	once sync.Once
	eng  *xsdlib.Engine
	err  error
}

// New returns a catalog over a schema tree (see package schemas).
func New(fsys fs.FS, limits Limits) *Catalog {
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	return &Catalog{fsys: fsys, limits: limits, sets: map[Set]*compiled{}}
}

// Engine returns the compiled engine for set, compiling it once.
func (c *Catalog) Engine(ctx context.Context, set Set) (*xsdlib.Engine, error) {
	entry, ok := Entry[set]
	if !ok {
		return nil, fmt.Errorf("unknown schema set %q", set)
	}
	c.mu.Lock()
	cs := c.sets[set]
	if cs == nil {
		cs = &compiled{}
		c.sets[set] = cs
	}
	c.mu.Unlock()
	cs.once.Do(func() {
		cs.eng, cs.err = xsdlib.Compile(ctx, c.source(entry))
		if cs.err != nil {
			cs.err = fmt.Errorf("compile schema set %s (%s): %w", set, entry, cs.err)
		}
	})
	return cs.eng, cs.err
}

func (c *Catalog) source(name string) xsdlib.SchemaSource {
	fsys := c.fsys
	return xsdlib.Open(name, func(context.Context) (io.ReadCloser, error) {
		return fsys.Open(name)
	}).WithResolver(xsdlib.ResolverFunc(c.resolve))
}

// resolve maps an include/import location to a file in the tree. Unknown remote
// locations are reported as not found; the library then treats the import as an
// unresolved hint, never as a reason to go online.
func (c *Catalog) resolve(_ context.Context, base, location string) (xsdlib.SchemaSource, error) {
	loc := strings.TrimSpace(location)
	var name string
	if local, ok := remote[loc]; ok {
		name = local
	} else if strings.Contains(loc, "://") {
		return xsdlib.SchemaSource{}, xsderrors.ErrSchemaNotFound
	} else {
		name = path.Clean(path.Join(path.Dir(base), loc))
	}
	if !fs.ValidPath(name) {
		return xsdlib.SchemaSource{}, xsderrors.ErrSchemaNotFound
	}
	if _, err := fs.Stat(c.fsys, name); err != nil {
		return xsdlib.SchemaSource{}, xsderrors.ErrSchemaNotFound
	}
	return c.source(name), nil
}

// Validate checks one document against set. It returns the violations found (none
// means valid); the error is for failures to run at all (bad schema, cancelled, a
// read error).
func (c *Catalog) Validate(ctx context.Context, set Set, r io.Reader) ([]Issue, error) {
	eng, err := c.Engine(ctx, set)
	if err != nil {
		return nil, err
	}
	err = eng.ValidateWithOptions(ctx, r, xsdlib.ValidateOptions{
		MaxErrors:          c.limits.MaxErrors,
		MaxIdentityEntries: c.limits.MaxIdentityEntries,
		MaxInstanceBytes:   c.limits.MaxInstanceBytes,
	})
	return Issues(err)
}

// Issues splits a validation error into document issues and a run failure.
func Issues(err error) ([]Issue, error) {
	if err == nil {
		return nil, nil
	}
	var list []*xsderrors.Error
	var multi xsderrors.Errors
	if errors.As(err, &multi) {
		for _, e := range multi {
			if xe, ok := errors.AsType[*xsderrors.Error](e); ok {
				list = append(list, xe)
			} else {
				return nil, e
			}
		}
	} else if xe, ok := errors.AsType[*xsderrors.Error](err); ok {
		list = append(list, xe)
	} else {
		return nil, err
	}
	var out []Issue
	for _, xe := range list {
		switch xe.Category {
		case xsderrors.CategoryValidation, xsderrors.CategoryUnsupported:
			// Unsupported instance features (DTDs, entities, non-UTF-8) are document
			// defects for an archive: the package must be fixed, not the validator.
			if xe.Code == xsderrors.CodeValidationOption {
				return nil, xe
			}
			out = append(out, Issue{Line: xe.Line, Column: xe.Column, Path: xe.Path, Code: string(xe.Code), Message: message(xe)})
		default:
			return nil, xe
		}
	}
	return out, nil
}
