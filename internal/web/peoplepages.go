package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/ids"
	"github.com/earkiv/earkiv/internal/people"
	"github.com/earkiv/earkiv/internal/peopleadmin"
	"github.com/earkiv/earkiv/internal/tenant"
)

// admin opens the people of the administratör's own tenant, acting as them.
func (h *Handler) admin(r *http.Request) (*peopleadmin.Admin, *tenant.Tenant, error) {
	p := principal(r)
	t, err := h.tenantOf(p)
	if err != nil {
		return nil, nil, err
	}
	st, err := people.Open(r.Context(), h.cfg.People, t)
	if err != nil {
		return nil, nil, err
	}
	st.HashCost = h.cfg.HashCost
	var sessions peopleadmin.Sessions
	if h.cfg.Sessions != nil {
		sessions = h.cfg.Sessions
	}
	a, err := peopleadmin.New(st, h.cfg.AccessLog, sessions, peopleadmin.ActorOf(p, authn.ClientAddr(r)))
	return a, t, err
}

// rolesFor are the roles a person of t may be given.
func rolesFor(t *tenant.Tenant) []people.Role {
	var out []people.Role
	for _, r := range people.Roles {
		if r != people.Drift || t.Operator {
			out = append(out, r)
		}
	}
	return out
}

type peopleData struct {
	People  []*people.Person
	Roles   []people.Role
	Done    string
	Error   string
	Form    people.NewPerson
	FormFor string // "add" or the id of the person whose form failed
}

func (h *Handler) peoplePage(w http.ResponseWriter, r *http.Request) {
	h.showPeople(w, r, http.StatusOK, peopleData{Done: doneText(r.URL.Query().Get("klart"))})
}

func doneText(s string) string {
	switch s {
	case "tillagd":
		return "Personen är tillagd."
	case "roller":
		return "Rollerna är ändrade."
	case "inaktiverad":
		return "Personen är inaktiverad och har loggats ut överallt."
	}
	return ""
}

func (h *Handler) showPeople(w http.ResponseWriter, r *http.Request, code int, d peopleData) {
	a, t, err := h.admin(r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	if d.People, err = a.List(r.Context()); err != nil {
		h.failed(w, r, err)
		return
	}
	d.Roles = rolesFor(t)
	h.render(w, r, code, "people", "Personer", d)
}

// formRoles reads the checked roles; unknown ones are refused by the store.
func formRoles(r *http.Request) []people.Role {
	_ = r.PostFormValue("roller") // parses the form; a bad body leaves no roles, which the store refuses
	var out []people.Role
	for _, s := range r.PostForm["roller"] {
		out = append(out, people.Role(s))
	}
	return out
}

// peopleError says in Swedish why a change to a person was refused.
func peopleError(err error) (string, bool) {
	switch {
	case errors.Is(err, peopleadmin.ErrNotLogged):
		return "Ändringen är gjord men kunde inte skrivas i granskningsloggen. Meddela driften.", true
	case errors.Is(err, people.ErrExists):
		return "Det finns redan en person med det användar-id:t. Välj ett annat.", true
	case errors.Is(err, people.ErrConflict):
		return "Personen ändrades av någon annan under tiden. Se över uppgifterna nedan och försök igen.", true
	case errors.Is(err, peopleadmin.ErrOwnRoles):
		return "Du kan inte ändra dina egna roller. Be en annan administratör om det.", true
	case errors.Is(err, people.ErrNotFound):
		return "Personen finns inte.", true
	case errors.Is(err, people.ErrRole):
		return "Välj minst en roll. Rollen drift finns bara för kommunalförbundets egen personal.", true
	case errors.Is(err, people.ErrPassword):
		return "Lösenordet duger inte: det måste ha minst " + strconv.Itoa(people.MinPassword) +
			" tecken, får inte innehålla användar-id eller namn och får inte vara ett vanligt lösenord. Välj till exempel tre eller fyra ord som inte hör ihop.", true
	case errors.Is(err, ids.ErrInvalid):
		return "Användar-id måste ha 3–64 tecken: små bokstäver a–z, siffror, punkt, bindestreck eller understreck, utan mellanslag.", true
	case errors.Is(err, people.ErrInvalid):
		return "Namnet saknas eller innehåller tecken som inte kan sparas.", true
	}
	return "", false
}

func (h *Handler) addPerson(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.admin(r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	n := people.NewPerson{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("namn")),
		Roles: formRoles(r), Password: r.PostFormValue("losenord")}
	if _, err := a.Add(r.Context(), n); err != nil {
		h.personFailed(w, r, err, "add", n)
		return
	}
	http.Redirect(w, r, "/personer?klart=tillagd", http.StatusSeeOther)
}

func (h *Handler) personFailed(w http.ResponseWriter, r *http.Request, err error, formFor string, n people.NewPerson) {
	msg, ok := peopleError(err)
	if !ok {
		h.failed(w, r, err)
		return
	}
	n.Password = ""
	code := http.StatusUnprocessableEntity
	if errors.Is(err, people.ErrNotFound) {
		code = http.StatusNotFound // as for any id of another municipality
	}
	h.showPeople(w, r, code, peopleData{Error: msg, Form: n, FormFor: formFor})
}

func revision(r *http.Request) uint64 {
	rev, _ := strconv.ParseUint(r.PostFormValue("rev"), 10, 64)
	return rev
}

func (h *Handler) setRoles(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.admin(r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	id := r.PathValue("id")
	rs := formRoles(r)
	if id == principal(r).ID {
		// Taking administratör away could leave no one to manage the
		// people; giving oneself a record role would read what the role
		// keeps from one. Someone else decides both.
		h.showPeople(w, r, http.StatusUnprocessableEntity, peopleData{Error: "Du kan inte ändra dina egna roller. Be en annan administratör om det.", FormFor: id})
		return
	}
	if _, err := a.SetRoles(r.Context(), id, rs, revision(r)); err != nil {
		h.personFailed(w, r, err, id, people.NewPerson{})
		return
	}
	http.Redirect(w, r, "/personer?klart=roller", http.StatusSeeOther)
}

func (h *Handler) disablePerson(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.admin(r)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	id := r.PathValue("id")
	if id == principal(r).ID {
		h.showPeople(w, r, http.StatusUnprocessableEntity, peopleData{Error: "Du kan inte inaktivera dig själv.", FormFor: id})
		return
	}
	if _, err := a.Disable(r.Context(), id, revision(r)); err != nil {
		h.personFailed(w, r, err, id, people.NewPerson{})
		return
	}
	http.Redirect(w, r, "/personer?klart=inaktiverad", http.StatusSeeOther)
}
