package people_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

const goodPassword = "korp stege blå fjäril"

// stores starts NATS with the tenants alfa and beta (the joint body) and
// returns their people stores.
func stores(t *testing.T) (alfa, beta *people.Store) {
	t.Helper()
	pw := map[string]string{}
	a := testenv.Tenant(t, "alfa", "2120000001", pw)
	b := testenv.Tenant(t, "beta", "2120002411", pw)
	b.Operator = true
	n := testenv.StartNATS(t, t.TempDir(), []*tenant.Tenant{a, b}, pw)
	svc := n.Service(t)
	open := func(tn *tenant.Tenant) *people.Store {
		s, err := people.Open(context.Background(), svc, tn)
		if err != nil {
			t.Fatal(err)
		}
		s.HashCost = bcrypt.MinCost
		return s
	}
	return open(a), open(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestAddGetList(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	p, err := alfa.Add(c, people.NewPerson{ID: "anna.svensson", Name: "Anna Svensson", Roles: []people.Role{people.Arkivarie, people.Lasare}, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	if p.Tenant != "alfa" || p.Revision == 0 || p.Created.IsZero() || len(p.Roles) != 2 || p.Roles[0] != people.Lasare {
		t.Errorf("added: %+v", p)
	}
	if _, err := alfa.Add(c, people.NewPerson{ID: "bo.ek", Name: "Bo Ek", Roles: []people.Role{people.Administrator}, Password: "Tr4ns-Ventil-Gurka"}); err != nil {
		t.Fatal(err)
	}
	got, err := alfa.Get(c, "anna.svensson")
	if err != nil || got.Name != "Anna Svensson" || !got.Has(people.Arkivarie) || got.Has(people.Administrator) || got.Revision != p.Revision {
		t.Fatalf("get: %+v %v", got, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(got.PasswordHash), []byte(goodPassword)) != nil {
		t.Error("the stored hash is not of the password given")
	}
	list, err := alfa.List(c)
	if err != nil || len(list) != 2 || list[0].ID != "anna.svensson" || list[1].ID != "bo.ek" {
		t.Fatalf("list: %v %v", list, err)
	}
	if _, err := alfa.Get(c, "nobody"); !errors.Is(err, people.ErrNotFound) {
		t.Errorf("unknown person: %v", err)
	}
}

func TestAddDuplicate(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	n := people.NewPerson{ID: "anna", Name: "Anna Svensson", Roles: []people.Role{people.Lasare}, Password: goodPassword}
	if _, err := alfa.Add(c, n); err != nil {
		t.Fatal(err)
	}
	n.Name, n.Roles = "Anna Andersson", []people.Role{people.Arkivansvarig}
	if _, err := alfa.Add(c, n); !errors.Is(err, people.ErrExists) || !strings.Contains(err.Error(), `"anna"`) {
		t.Fatalf("duplicate id: %v", err)
	}
	if p, _ := alfa.Get(c, "anna"); p == nil || p.Name != "Anna Svensson" || p.Has(people.Arkivansvarig) {
		t.Fatalf("the duplicate changed the first person: %+v", p)
	}
}

// TestAddRefuses: each bad field is refused before anything is stored.
func TestAddRefuses(t *testing.T) {
	alfa, beta := stores(t)
	c := ctx(t)
	good := people.NewPerson{ID: "anna", Name: "Anna", Roles: []people.Role{people.Lasare}, Password: goodPassword}
	for _, x := range []struct {
		name  string
		store *people.Store
		mod   func(*people.NewPerson)
		want  error
	}{
		{"bad id", alfa, func(n *people.NewPerson) { n.ID = "Anna S" }, ids.ErrInvalid},
		{"reserved id", alfa, func(n *people.NewPerson) { n.ID = "admin" }, ids.ErrInvalid},
		{"no name", alfa, func(n *people.NewPerson) { n.Name = " " }, people.ErrInvalid},
		{"no role", alfa, func(n *people.NewPerson) { n.Roles = nil }, people.ErrRole},
		{"unknown role", alfa, func(n *people.NewPerson) { n.Roles = []people.Role{"chef"} }, people.ErrRole},
		{"drift in a municipality", alfa, func(n *people.NewPerson) { n.Roles = []people.Role{people.Drift} }, people.ErrRole},
		{"weak password", alfa, func(n *people.NewPerson) { n.Password = "password1234" }, people.ErrPassword},
		{"empty password", alfa, func(n *people.NewPerson) { n.Password = "" }, people.ErrPassword},
		{"drift in the joint body", beta, func(n *people.NewPerson) { n.Roles = []people.Role{people.Drift} }, nil},
	} {
		n := good
		x.mod(&n)
		_, err := x.store.Add(c, n)
		if !errors.Is(err, x.want) || (x.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", x.name, err, x.want)
		}
	}
	if l, err := alfa.List(c); err != nil || len(l) != 0 {
		t.Fatalf("refused people were stored: %v %v", l, err)
	}
}

// TestTenantsApart: alfa's person is not seen, listed, changed or logged
// in through beta's store, even with the same id.
func TestTenantsApart(t *testing.T) {
	alfa, beta := stores(t)
	c := ctx(t)
	if _, err := alfa.Add(c, people.NewPerson{ID: "anna", Name: "Anna", Roles: []people.Role{people.Arkivarie}, Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := beta.Get(c, "anna"); !errors.Is(err, people.ErrNotFound) {
		t.Errorf("beta's store found alfa's person: %v", err)
	}
	if l, err := beta.List(c); err != nil || len(l) != 0 {
		t.Errorf("beta's store listed %v %v", l, err)
	}
	if _, err := beta.Disable(c, "anna", 0); !errors.Is(err, people.ErrNotFound) {
		t.Errorf("beta's store disabled alfa's person: %v", err)
	}
	if _, err := beta.CheckPassword(c, "anna", goodPassword); !errors.Is(err, people.ErrBadLogin) {
		t.Errorf("alfa's person logged in through beta: %v", err)
	}
	// The same id in beta is another person.
	if _, err := beta.Add(c, people.NewPerson{ID: "anna", Name: "Anna Beta", Roles: []people.Role{people.Lasare}, Password: "Tr4ns-Ventil-Gurka"}); err != nil {
		t.Fatal(err)
	}
	if p, err := alfa.Get(c, "anna"); err != nil || p.Name != "Anna" || p.Tenant != "alfa" {
		t.Errorf("alfa's anna: %+v %v", p, err)
	}
}

func TestDisableAndPassword(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	if _, err := alfa.Add(c, people.NewPerson{ID: "anna", Name: "Anna", Roles: []people.Role{people.Lasare}, Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if p, err := alfa.CheckPassword(c, "anna", goodPassword); err != nil || p.ID != "anna" {
		t.Fatalf("right password: %v", err)
	}
	for _, x := range []struct{ id, pw string }{{"anna", "korp stege blå fjärim"}, {"anna", ""}, {"nobody", goodPassword}, {"Bad Id", goodPassword}} {
		if _, err := alfa.CheckPassword(c, x.id, x.pw); !errors.Is(err, people.ErrBadLogin) {
			t.Errorf("%s/%q: %v", x.id, x.pw, err)
		}
	}
	p, err := alfa.Disable(c, "anna", 0)
	if err != nil || !p.Disabled {
		t.Fatalf("disable: %+v %v", p, err)
	}
	if _, err := alfa.CheckPassword(c, "anna", goodPassword); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("a disabled person logged in: %v", err)
	}
	if again, err := alfa.Disable(c, "anna", 0); err != nil || again.Revision != p.Revision {
		t.Fatalf("disabling again: %+v %v", again, err)
	}
	if got, _ := alfa.Get(c, "anna"); got == nil || !got.Disabled {
		t.Fatalf("not disabled when read back: %+v", got)
	}
	if _, err := alfa.Disable(c, "nobody", 0); !errors.Is(err, people.ErrNotFound) {
		t.Errorf("disable unknown: %v", err)
	}
}

// TestRevisionConflict: a change based on an old read fails and loses
// nothing of the change made meanwhile.
func TestRevisionConflict(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	p, err := alfa.Add(c, people.NewPerson{ID: "anna", Name: "Anna", Roles: []people.Role{people.Lasare}, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	read := p.Revision
	if _, err := alfa.SetRoles(c, "anna", []people.Role{people.Arkivarie}, read); err != nil {
		t.Fatal(err)
	}
	if _, err := alfa.Disable(c, "anna", read); !errors.Is(err, people.ErrConflict) {
		t.Fatalf("disable on a stale revision: %v", err)
	}
	if _, err := alfa.SetRoles(c, "anna", []people.Role{people.Administrator}, read); !errors.Is(err, people.ErrConflict) {
		t.Fatalf("roles on a stale revision: %v", err)
	}
	got, err := alfa.Get(c, "anna")
	if err != nil || got.Disabled || len(got.Roles) != 1 || got.Roles[0] != people.Arkivarie {
		t.Fatalf("after the conflicts: %+v %v", got, err)
	}
	if _, err := alfa.SetRoles(c, "anna", []people.Role{people.Drift}, 0); !errors.Is(err, people.ErrRole) {
		t.Fatalf("drift given in a municipality: %v", err)
	}
	// Writers racing on the same read: exactly one wins.
	errs := make(chan error, 2)
	for _, r := range []people.Role{people.Arkivansvarig, people.Administrator} {
		go func() {
			_, err := alfa.SetRoles(c, "anna", []people.Role{r}, got.Revision)
			errs <- err
		}()
	}
	var won, lost int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, people.ErrConflict):
			lost++
		default:
			t.Fatal(err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("%d won, %d lost; want one each", won, lost)
	}
}

func TestEnsure(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	acct := people.Link{Issuer: "https://idp.alfa.se", Subject: "u-1"}
	p, ch, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Arkivarie}, acct)
	if err != nil || p.PasswordHash != "" || !p.Has(people.Arkivarie) || !ch.Created || p.Issuer != acct.Issuer || p.Subject != "u-1" {
		t.Fatalf("first login: %+v %+v, %v", p, ch, err)
	}
	if _, err := alfa.CheckPassword(c, "eva.ek", ""); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("a provider's person has no local password: %v", err)
	}
	p2, ch, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Arkivarie}, acct)
	if err != nil || p2.Revision != p.Revision || ch.Changed {
		t.Fatalf("unchanged login rewrote the person: rev %d -> %d, %+v, %v", p.Revision, p2.Revision, ch, err)
	}
	p3, ch, err := alfa.Ensure(c, "eva.ek", "Eva Ek-Berg", []people.Role{people.Lasare}, acct)
	if err != nil || p3.Name != "Eva Ek-Berg" || p3.Has(people.Arkivarie) || !p3.Has(people.Lasare) || !ch.Changed ||
		len(ch.Lost) != 1 || ch.Lost[0] != people.Arkivarie {
		t.Fatalf("changed roles: %+v %+v, %v", p3, ch, err)
	}
	// Another account with the same user name at the provider, or at
	// another provider, does not take the person over.
	for _, other := range []people.Link{{Issuer: acct.Issuer, Subject: "u-2"}, {Issuer: "https://idp.other.se", Subject: "u-1"}} {
		if _, _, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Arkivarie}, other); !errors.Is(err, people.ErrBadLogin) {
			t.Fatalf("account %+v took the person over: %v", other, err)
		}
	}
	// Nor does any account take over a person with a local password.
	if _, err := alfa.Add(c, people.NewPerson{ID: "ada.admin", Name: "Ada", Roles: []people.Role{people.Administrator}, Password: goodPassword}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := alfa.Ensure(c, "ada.admin", "Ada", []people.Role{people.Arkivarie}, acct); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("a provider's account took over a local person: %v", err)
	}
	if _, _, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Drift}, acct); !errors.Is(err, people.ErrRole) {
		t.Fatalf("drift in a municipality: %v", err)
	}
	if _, _, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Lasare}, people.Link{}); err == nil {
		t.Fatal("a login without an account")
	}
	if _, err := alfa.Disable(c, "eva.ek", 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := alfa.Ensure(c, "eva.ek", "Eva Ek", []people.Role{people.Lasare}, acct); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("disabled person let in by the provider: %v", err)
	}
}

func TestUnchanged(t *testing.T) {
	alfa, _ := stores(t)
	c := ctx(t)
	p, err := alfa.Add(c, people.NewPerson{ID: "eva.ek", Name: "Eva Ek", Roles: []people.Role{people.Arkivarie}, Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := alfa.Unchanged(c, p); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	if _, err := alfa.SetRoles(c, "eva.ek", []people.Role{people.Lasare}, 0); err != nil {
		t.Fatal(err)
	}
	if err := alfa.Unchanged(c, p); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("other roles: %v", err)
	}
	p, _ = alfa.Get(c, "eva.ek")
	if _, err := alfa.Disable(c, "eva.ek", 0); err != nil {
		t.Fatal(err)
	}
	if err := alfa.Unchanged(c, p); !errors.Is(err, people.ErrBadLogin) {
		t.Fatalf("disabled: %v", err)
	}
}
