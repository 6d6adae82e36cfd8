package deptest

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/earkiv/earkiv/"

// validation is the library side: reading and judging packages. It knows
// nothing of queues, stores, tenants or the service, so it can be used
// (and tested) on its own.
var validation = []string{"ids", "fixity", "report", "pkgfs", "xmlsafe", "xsd", "fgs", "records", "rules", "samplegen", "validate", "pack", "ihp"}

// service is everything that runs the archive.
var service = []string{"accesslog", "queue", "pkgstore", "ingest", "storage", "placement", "catalog", "api", "audit", "service", "s3gw", "authguard", "aip", "aipstore", "tenant", "people", "testenv",
	"authn", "authz", "session", "oidclogin", "peopleadmin", "apiclient", "holds", "plans", "retention", "disposal", "protocol", "kvrec"}

// domain is the package of the archive's own records and what it may
// import: the checks of an identifier and the validation report a receipt
// carries. Nothing of NATS, S3, SQLite or HTTP.
var domain = map[string]bool{"internal/ids": true, "internal/report": true}

// rules: a package (by its path under the module) must not import any of
// the packages listed.
var rules = []struct {
	pkgs   []string
	forbid []string
	why    string
}{
	{validation, service, "validation is a library of its own"},
	{[]string{"queue"}, []string{"pkgstore", "pack", "ingest", "storage", "placement", "catalog", "api", "audit", "service", "aip", "validate"}, "queue is NATS only"},
	{[]string{"pkgstore"}, []string{"ingest", "storage", "placement", "catalog", "api", "audit", "service", "aip", "validate", "tenant"}, "the package store is NATS only"},
	{[]string{"placement"}, allBut("storage", "tenant"), "placement joins tenants to stores and knows nothing else"},
	{[]string{"aip"}, allBut("fgs", "records", "fixity", "ids", "report", "ihp"), "aip is the AIP's own format (manifest, METS, PREMIS): aipstore reads it from a bucket"},
	{[]string{"storage"}, []string{"queue", "ingest", "catalog", "api", "audit", "service", "aip", "tenant"}, "storage is S3 only"},
	{[]string{"catalog", "api", "audit"}, []string{"queue", "pkgstore", "ingest", "service"}, "readers of the archive name its records, not NATS, and do not depend on its intake or on the composition"},
	{[]string{"ingest"}, []string{"catalog", "api", "audit", "service"}, "data flows one way: queue -> ingest -> storage/catalog"},
	{[]string{"accesslog"}, []string{"ingest", "catalog", "api", "audit", "service", "aip", "aipstore", "pkgstore"}, "the access log is written by the readers, never reads the archive itself"},
	{[]string{"authn"}, allBut("people", "tenant", "ids"), "who acts is a principal of people's roles: it knows no store, queue or page"},
	{[]string{"authz"}, allBut("authn", "people", "tenant", "ids"), "what each role may do is a table, not a store or a page"},
	{[]string{"session"}, allBut("authn", "authguard", "people", "tenant", "ids"), "sessions are KV records and their cookie; they get their buckets from queue without importing it"},
	{[]string{"oidclogin"}, allBut("people", "tenant", "ids"), "logging in at a provider knows tenants' settings and roles, nothing of the archive"},
	{[]string{"peopleadmin"}, allBut("people", "accesslog", "authn", "tenant", "ids"), "changing people is the people store and the access log"},
	{[]string{"ihp"}, allBut("records"), "the plan is data: parsing, matching and evaluating it needs no store"},
	{[]string{"kvrec"}, allBut(), "records in a KV bucket know nothing of what they hold"},
	{[]string{"holds", "plans"}, allBut("ihp", "records", "ids", "kvrec"), "plans and holds are KV records and their events; they get their bucket from queue without importing it"},
	{[]string{"retention"}, []string{"queue", "pkgstore", "ingest", "api", "service", "validate"}, "retention carries out the plan over the stores and the catalog; ingest and serve hand it what it needs"},
	{[]string{"protocol"}, allBut(), "the protocol is a document of its own: it renders what it is given"},
	{[]string{"disposal"}, []string{"queue", "pkgstore", "ingest", "api", "service", "validate", "audit"}, "gallring works on the stores, the catalog and the retention bucket it is handed"},
	{[]string{"people"}, allBut("ids", "tenant"), "people are persons, roles and their bucket: the readers that check who acts import it, and it gets its bucket from queue without importing it"},
}

// external: a package (by its path under the module) must not import any
// module whose path starts with one listed.
var external = []struct {
	pkgs   []string
	forbid []string
	why    string
}{
	{[]string{"ingest"}, []string{"github.com/nats-io/"}, "ingest reaches NATS through queue and pkgstore, never jetstream itself"},
	{[]string{"pack"}, []string{"github.com/nats-io/", "github.com/minio/"}, "pack is a library: it writes a folder as a tar, for any transport"},
}

// allBut is every package of the module's internal folder but those named.
func allBut(keep ...string) []string {
	var out []string
	for _, p := range append(append([]string{}, validation...), service...) {
		if !slices.Contains(keep, p) {
			out = append(out, p)
		}
	}
	return out
}

// TestLayers fails when a package imports across earkiv's layers: the
// rules above; the composition (service) imported by cmd/earkiv alone;
// testenv by tests alone; no package importing a command.
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	others := map[string][]string{} // imports from outside the module
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		p := strings.TrimPrefix(f[0], mod)
		for _, imp := range f[1:] {
			if rel, ok := strings.CutPrefix(imp, mod); ok {
				imports[p] = append(imports[p], rel)
			} else {
				others[p] = append(others[p], imp)
			}
		}
		if _, ok := imports[p]; !ok {
			imports[p] = nil
		}
	}
	if len(imports) < 20 {
		t.Fatalf("go list found %d packages: the test would check nothing", len(imports))
	}
	if _, ok := imports["internal/earkiv"]; !ok {
		t.Errorf("no package internal/earkiv (the domain's records)")
	}
	for _, imp := range imports["internal/earkiv"] {
		if !domain[imp] {
			t.Errorf("internal/earkiv imports %s: the domain's records import no adapter", imp)
		}
	}
	for _, r := range rules {
		for _, p := range r.pkgs {
			if _, ok := imports["internal/"+p]; !ok {
				t.Errorf("rule for internal/%s: no such package (rename the rule with it)", p)
			}
			for _, imp := range imports["internal/"+p] {
				for _, f := range r.forbid {
					if imp == "internal/"+f {
						t.Errorf("internal/%s imports %s: %s", p, imp, r.why)
					}
				}
			}
		}
	}
	for _, r := range external {
		for _, p := range r.pkgs {
			if _, ok := imports["internal/"+p]; !ok {
				t.Errorf("rule for internal/%s: no such package (rename the rule with it)", p)
			}
			for _, imp := range others["internal/"+p] {
				for _, f := range r.forbid {
					if strings.HasPrefix(imp, f) {
						t.Errorf("internal/%s imports %s: %s", p, imp, r.why)
					}
				}
			}
		}
	}
	for p, imps := range imports {
		for _, imp := range imps {
			switch {
			case imp == "internal/service" && p != "cmd/earkiv":
				t.Errorf("%s imports the composition root internal/service: only cmd/earkiv may", p)
			case imp == "internal/testenv":
				t.Errorf("%s imports internal/testenv outside its tests", p)
			case strings.HasPrefix(imp, "cmd/"):
				t.Errorf("%s imports the command %s", p, imp)
			}
		}
	}
}
