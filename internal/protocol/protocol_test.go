package protocol

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	p := sample()
	b, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("{\n  \"format\": \"earkiv-gallringsprotokoll/1\",\n  \"listId\": ")) {
		t.Errorf("JSON does not start with format and listId:\n%.200s", b)
	}
	q, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := q.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("JSON → Decode → JSON differs:\n%s\n---\n%s", b, b2)
	}
	if q.Method.Text != p.Method.Describe() {
		t.Errorf("Method.Text = %q, want the description of the flags", q.Method.Text)
	}
	if !q.Generated.Equal(p.Generated) || q.Disposed[4] != p.Disposed[4] || q.Excluded[1].Postponed != "2027-06-30" {
		t.Error("decoded protocol differs from the original")
	}
	for _, w := range []string{`"manifestSha256": "` + p.Disposed[0].ManifestSHA256 + `"`, `"delvis": true`,
		`"hoppadeOver": [`, `"skal": "planen ändrad till bevaras"`, `"upprattad": "2026-11-29T14:08:00+01:00"`} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("JSON lacks %s", w)
		}
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	b, err := New().JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"arkivbildare", "beslut", "gallrat", "undantag", "hoppadeOver"} {
		if !bytes.Contains(b, []byte(`"`+k+`": []`)) {
			t.Errorf("%s is not []", k)
		}
	}
}

func TestDecodeChecksFormat(t *testing.T) {
	for _, tc := range []struct {
		name, in string
	}{
		{"other format", `{"format":"earkiv-gallringsprotokoll/2","listId":"x"}`},
		{"no format", `{"listId":"x"}`},
		{"not JSON", `%PDF-1.4`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode([]byte(tc.in)); err == nil {
				t.Errorf("Decode(%s) succeeded", tc.in)
			}
		})
	}
}

// TestNoFieldForTitles guards what the protocol can carry: identifiers,
// rules, reasons and actors, never a record's title, parties or content.
// A new field must be added here on purpose.
func TestNoFieldForTitles(t *testing.T) {
	allowed := map[string][]string{
		"Protocol": {"Format", "ListID", "Tenant", "Authority", "Creators", "Decisions", "Scope", "Counts", "Disposed",
			"ListSHA256", "Excluded", "Skipped", "Proposer", "Attestant", "CoolingOff", "Started", "Finished", "Method",
			"Generated", "Software"},
		"Party":     {"Name", "OrgNumber"},
		"Decision":  {"Rule", "Decision", "Plan", "PlanValidFrom", "Law", "Trigger", "Frist"},
		"Counts":    {"Cases", "Documents", "Files", "Bytes"},
		"Item":      {"AIP", "PackageID", "Case", "Document", "Rule", "DisposalDate", "ManifestSHA256", "Objects", "Versions", "Bytes", "PremisEvent", "Partial"},
		"Exclusion": {"AIP", "Case", "Reason", "Postponed", "By", "At"},
		"Skip":      {"AIP", "Case", "Document", "Reason"},
		"Actor":     {"ID", "Name", "At"},
		"Method":    {"AllVersions", "Replica", "Catalog", "SearchIndex", "Text"},
	}
	for _, v := range []any{Protocol{}, Party{}, Decision{}, Counts{}, Item{}, Exclusion{}, Skip{}, Actor{}, Method{}} {
		typ := reflect.TypeOf(v)
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name)
			if f.Tag.Get("json") == "" {
				t.Errorf("%s.%s has no json tag", typ.Name(), f.Name)
			}
		}
		if !slices.Equal(got, allowed[typ.Name()]) {
			t.Errorf("%s has fields %v, want %v", typ.Name(), got, allowed[typ.Name()])
		}
	}
}

// TestTextShowsReasonsOnly checks that of an exclusion or a skip the
// protocol shows the identifiers and the reason, and nothing the test did
// not put there.
func TestTextShowsReasonsOnly(t *testing.T) {
	p := sample()
	text := strings.Join(p.Text(), "\n")
	for _, w := range []string{p.Skipped[0].Reason, p.Excluded[0].Reason, "AIP " + p.Skipped[1].AIP, "MHN 2020/9-2"} {
		if !strings.Contains(text, w) {
			t.Errorf("Text lacks %q", w)
		}
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("Text shows %q", s)
		}
	}
	// Every line of a skipped row comes from the skip's own fields.
	for _, l := range p.Text() {
		if strings.HasPrefix(l, "MHN 2020/9 |") && l != "MHN 2020/9 | MHN 2020/9-2 | planen ändrad till bevaras" {
			t.Errorf("skipped row %q", l)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{number(0), "0"},
		{number(999), "999"},
		{number(1000), "1\u202f000"},
		{number(1234567), "1\u202f234\u202f567"},
		{number(-12345), "\u221212\u202f345"},
		{byteSize(512), "512 byte"},
		{byteSize(25925907), "25\u202f925\u202f907 byte (25,9\u202fMB)"},
		{byteSize(3_000_000_000_000), "3\u202f000\u202f000\u202f000\u202f000 byte (3,0\u202fTB)"},
		{short("9be4e4f4bed9599c7af094a9919699bad7796e0702a9987e61485988c8dd430a"), "9be4e4f4bed9…"},
		{when(at("2026-07-01 12:00")), "2026-07-01 12:00:00 +02:00"},
		{clean(" a\n\tb  c "), "a b c"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestMethodDescribe(t *testing.T) {
	for _, tc := range []struct {
		m    Method
		want string
	}{
		{Method{AllVersions: true, Replica: true, Catalog: true, SearchIndex: true},
			"Alla versioner av varje objekt har raderats i primär lagring och i replik; posterna har tagits bort ur katalogen och sökindexet."},
		{Method{Catalog: true},
			"Den gällande versionen av varje objekt har raderats i primär lagring; posterna har tagits bort ur katalogen men inte ur sökindexet."},
	} {
		if got := tc.m.Describe(); got != tc.want {
			t.Errorf("Describe(%+v) = %q", tc.m, got)
		}
	}
}
