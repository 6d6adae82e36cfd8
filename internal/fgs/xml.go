package fgs

import (
	"strings"

	"github.com/beevik/etree"
)

// Namespaces used in delivery packages.
const (
	NSMETS   = "http://www.loc.gov/METS/"
	NSXLink  = "http://www.w3.org/1999/xlink"
	NSCSIP   = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
	NSSIP    = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
	NSExt    = "ExtensionMETS" // FGS 1.x extension attributes (not an absolute URI, by design of RA)
	NSPREMIS = "http://www.loc.gov/premis/v3"
	NSERMS   = "https://DILCIS.eu/XML/ERMS"
	NSFGSERM = "http://xml.ra.se/e-arkiv/FGS-ERMS"
	NSXSI    = "http://www.w3.org/2001/XMLSchema-instance"
)

// prefixes are the conventional prefixes rule tables use for namespaced attributes;
// the documents themselves may bind any prefix, so matching is by namespace URI.
var prefixes = map[string]string{
	"csip":  NSCSIP,
	"sip":   NSSIP,
	"xlink": NSXLink,
	"ext":   NSExt,
	"xsi":   NSXSI,
}

// Attr returns the value of attribute qname ("ID", "xlink:href", "csip:OAISPACKAGETYPE")
// and whether it is present.
func Attr(e *etree.Element, qname string) (string, bool) {
	if e == nil {
		return "", false
	}
	ns, local := "", qname
	if i := strings.IndexByte(qname, ':'); i >= 0 {
		ns, local = prefixes[qname[:i]], qname[i+1:]
	}
	for i := range e.Attr {
		a := &e.Attr[i]
		if a.Key != local || a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		if ns == "" && a.Space == "" {
			return a.Value, true
		}
		if ns != "" && a.Space != "" && a.NamespaceURI() == ns {
			return a.Value, true
		}
	}
	return "", false
}

// A returns an attribute value, "" when absent.
func A(e *etree.Element, qname string) string {
	v, _ := Attr(e, qname)
	return v
}

// IsMETS tells whether e is the METS element with that local name.
func IsMETS(e *etree.Element, local string) bool {
	return e != nil && e.Tag == local && e.NamespaceURI() == NSMETS
}

// Kids returns the METS child elements of e with that local name.
func Kids(e *etree.Element, local string) []*etree.Element {
	if e == nil {
		return nil
	}
	var out []*etree.Element
	for _, c := range e.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == NSMETS {
			out = append(out, c)
		}
	}
	return out
}

// Kid returns the first METS child with that local name, or nil.
func Kid(e *etree.Element, local string) *etree.Element {
	k := Kids(e, local)
	if len(k) == 0 {
		return nil
	}
	return k[0]
}

// Text is the trimmed text of e.
func Text(e *etree.Element) string {
	if e == nil {
		return ""
	}
	return strings.TrimSpace(e.Text())
}
