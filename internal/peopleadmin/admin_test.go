package peopleadmin_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/peopleadmin"
	"github.com/earkiv/earkiv/internal/tenant"
	"github.com/earkiv/earkiv/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, nil) }

// ended records whose sessions were ended.
type ended []string

func (e *ended) EndPerson(_ context.Context, tenant, person string) error {
	*e = append(*e, tenant+"/"+person)
	return nil
}

func TestChangesLogged(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pw := map[string]string{}
	a, b := testenv.Tenant(t, "alfa", "2120000001", pw), testenv.Tenant(t, "beta", "2120000002", pw)
	reg := &tenant.Registry{Tenants: []*tenant.Tenant{a, b}}
	n := testenv.StartNATS(t, t.TempDir(), reg.Tenants, pw)
	svc := n.Service(t)
	log := accesslog.New(accesslog.Config{Queue: svc, Tenants: func() *tenant.Registry { return reg }})
	st, err := people.Open(ctx, svc, a)
	if err != nil {
		t.Fatal(err)
	}
	st.HashCost = bcrypt.MinCost
	if _, err := peopleadmin.New(st, log, nil, peopleadmin.Actor{Tenant: "beta", Person: "bo"}); err == nil {
		t.Fatal("an actor of beta changed alfa's people")
	}
	var sess ended
	adm, err := peopleadmin.New(st, log, &sess, peopleadmin.Actor{Tenant: "alfa", Person: "admin.a", Role: "administratör", Client: "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := adm.Add(ctx, people.NewPerson{ID: "eva.ek", Name: "Eva Ek", Roles: []people.Role{people.Arkivarie, people.Lasare}, Password: "korp stege blå fjäril"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.Add(ctx, people.NewPerson{ID: "eva.ek", Name: "Eva Ek", Roles: []people.Role{people.Lasare}, Password: "korp stege blå fjäril"}); !errors.Is(err, people.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := adm.SetRoles(ctx, "eva.ek", []people.Role{people.Lasare, people.Arkivarie, people.Arkivansvarig}, p.Revision); err != nil {
		t.Fatal(err)
	}
	if len(sess) != 0 {
		t.Fatalf("a role given ended sessions: %v", sess)
	}
	if _, err := adm.SetRoles(ctx, "eva.ek", []people.Role{people.Lasare}, 0); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sess, []string{"alfa/eva.ek"}) {
		t.Fatalf("a role taken did not end the sessions: %v", sess)
	}
	if _, err := adm.SetRoles(ctx, "eva.ek", []people.Role{people.Lasare}, 0); err != nil { // unchanged: no entry
		t.Fatal(err)
	}
	if _, err := adm.Disable(ctx, "eva.ek", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.Disable(ctx, "eva.ek", 0); err != nil { // again: no entry
		t.Fatal(err)
	}
	if _, err := adm.SetRoles(ctx, "admin.a", []people.Role{people.Administrator, people.Arkivarie}, 0); !errors.Is(err, peopleadmin.ErrOwnRoles) {
		t.Fatalf("the administratör gave themself a role: %v", err)
	}
	var got []string
	for e, err := range log.Export(ctx, "alfa", time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Action != accesslog.ChangePerson || e.Person != "admin.a" || e.Client != "10.1.2.3" || !slices.Equal(e.Objects, []string{"person:eva.ek"}) {
			t.Errorf("entry %+v", e)
		}
		got = append(got, e.Detail)
	}
	want := []string{"lagt till; roller: läsare, arkivarie", "roller: läsare, arkivarie, arkivansvarig", "roller: läsare", "inaktiverad"}
	if !slices.Equal(got, want) {
		t.Fatalf("logged %q, want %q", got, want)
	}
	if !slices.Equal(sess, []string{"alfa/eva.ek", "alfa/eva.ek", "alfa/eva.ek"}) {
		t.Fatalf("disable (and its retry) did not end the sessions: %v", sess)
	}
	for e, err := range log.Export(ctx, "beta", time.Time{}, time.Time{}) {
		t.Fatalf("beta's log has %+v, %v", e, err)
	}
}
