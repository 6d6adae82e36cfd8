package tenant

import (
	"fmt"

	"github.com/earkiv/earkiv/internal/fgs"
)

// CheckArchivist tells why a package whose archivist (FGS) or
// preservation agency (E-ARK) is a is not t's to archive, "" if it is: a
// must carry t's organisation number. a is nil when the package names
// none.
func (t *Tenant) CheckArchivist(a *fgs.Agent) string {
	if a == nil {
		return fmt.Sprintf("the package names no archivist organisation; %s only accepts packages addressed to %s (%s)", t.ID, t.Name, t.OrgNumber)
	}
	got := NormalizeOrgNumber(a.OrgID)
	if got == "" {
		return fmt.Sprintf("the archivist %q has no organisation number; %s only accepts packages addressed to %s (%s)", a.Name, t.ID, t.Name, t.OrgNumber)
	}
	if got != NormalizeOrgNumber(t.OrgNumber) {
		return fmt.Sprintf("the package is addressed to archivist %q (%s), not to %s (%s)", a.Name, a.OrgID, t.Name, t.OrgNumber)
	}
	return ""
}
