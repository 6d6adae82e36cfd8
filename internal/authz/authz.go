// Package authz says what each role may do, and serves HTTP routes only to
// principals allowed them. Every route names one permission when it is
// registered; the table of routes is kept so a test can check each route
// against each role, and a route without a permission cannot be added.
package authz

import (
	"slices"

	"github.com/earkiv/earkiv/internal/authn"
	"github.com/earkiv/earkiv/internal/people"
)

// Permission is one thing a route does.
type Permission string

// The permissions. Each is held through roles of the principal's own
// tenant; none reaches another tenant.
const (
	// Anyone: no login (health, the login pages, static assets).
	Anyone Permission = "anyone"
	// Person: any logged-in person, whatever their roles (their own
	// page, tokens, logout).
	Person Permission = "person"
	// ProducerAPI: a case system reading its own receipts and catalog.
	ProducerAPI Permission = "producer"
	// Deliveries: deliveries, their receipts and validation reports, and
	// fixity status of the tenant.
	Deliveries Permission = "deliveries"
	// ReadPublic: public metadata and unrestricted documents.
	ReadPublic Permission = "records.public"
	// ReadRestricted: restricted records too, each view with a reason.
	ReadRestricted Permission = "records.restricted"
	// Prepare: gallring lists and release cases.
	Prepare Permission = "prepare"
	// DraftPlan: imports a version of the plan as an utkast.
	DraftPlan Permission = "plan.draft"
	// Withdraw: cancels a gallring list before it runs (its proposer's
	// side and the attestant's alike).
	Withdraw Permission = "withdraw"
	// Decide: attests gallring, decides refusals, manages the plan and holds.
	Decide Permission = "decide"
	// ManagePeople: people and login settings of the tenant.
	ManagePeople Permission = "people"
	// ReadAccessLog: verify and export the tenant's access log.
	ReadAccessLog Permission = "accesslog"
	// Operate: the service itself (tenants, audits, health); no records.
	Operate Permission = "operate"
)

// Permissions is every permission, in the order tables show them.
var Permissions = []Permission{Anyone, Person, ProducerAPI, Deliveries, ReadPublic, ReadRestricted, Prepare, DraftPlan, Withdraw, Decide, ManagePeople, ReadAccessLog, Operate}

// grants is what each role holds. administratör and drift hold nothing
// that shows a record, its metadata or a delivery: the administratör
// manages people, drift runs the service for a controller it is only
// processor for.
var grants = map[people.Role][]Permission{
	people.Lasare:        {Deliveries, ReadPublic},
	people.Arkivarie:     {Deliveries, ReadPublic, ReadRestricted, Prepare, DraftPlan, Withdraw},
	people.Arkivansvarig: {Deliveries, ReadPublic, ReadRestricted, DraftPlan, Withdraw, Decide, ReadAccessLog},
	people.Administrator: {ManagePeople, ReadAccessLog},
	people.Drift:         {Operate},
}

// Allowed tells whether p may do perm. A producer holds ProducerAPI only;
// a person holds Person and what their roles grant.
func Allowed(p *authn.Principal, perm Permission) bool {
	if perm == Anyone {
		return true
	}
	if p == nil || p.Tenant == "" || p.ID == "" {
		return false
	}
	if p.IsProducer() {
		return perm == ProducerAPI
	}
	if perm == Person {
		return true
	}
	for _, r := range p.Roles {
		if slices.Contains(grants[r], perm) {
			return true
		}
	}
	return false
}

// Grants returns the permissions role holds, for documentation and tests.
func Grants(r people.Role) []Permission { return slices.Clone(grants[r]) }

// RoleFor is the role through which p holds perm, as the access log names
// it: the first of p's roles that grants it, "" if none does.
func RoleFor(p *authn.Principal, perm Permission) people.Role {
	if p == nil {
		return ""
	}
	for _, r := range people.Roles {
		if p.Has(r) && slices.Contains(grants[r], perm) {
			return r
		}
	}
	return ""
}
