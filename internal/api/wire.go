package api

import (
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/people"
)

// The JSON a person's script exchanges with the API. Field names are
// stable: scripts rely on them.

// LoginRequest asks for a personal API token with a local password.
type LoginRequest struct {
	Tenant   string `json:"tenant"`
	User     string `json:"user"`
	Password string `json:"password"`
	// TokenName names the token in the person's list (default "earkiv login").
	TokenName string `json:"tokenName,omitempty"`
}

// LoginResponse carries the token, shown this once.
type LoginResponse struct {
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	Me
}

// Me is who a token or session belongs to.
type Me struct {
	Tenant string        `json:"tenant"`
	Person string        `json:"person"`
	Name   string        `json:"name,omitempty"`
	Roles  []people.Role `json:"roles"`
}

// VerifyResponse is the outcome of verifying the caller's access log.
type VerifyResponse struct {
	Intact bool `json:"intact"`
	accesslog.Result
}
