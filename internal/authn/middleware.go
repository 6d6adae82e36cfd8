package authn

import (
	"errors"
	"net/http"
)

// Errors an authenticator returns for credentials it refuses.
var (
	// ErrBadCredentials: the credentials are wrong, expired, revoked or
	// of a disabled person; the answer is 401.
	ErrBadCredentials = errors.New("wrong, expired or revoked credentials")
	// ErrThrottled: too many failures; the answer is 429 with Retry-After.
	ErrThrottled = errors.New("too many failed logins; try again later")
)

// Authenticator finds the principal in a request's credentials. It returns
// nil, nil when the request carries no credentials of its kind, so the
// next one is tried; an error wrapping ErrBadCredentials or ErrThrottled
// when it carries some that are refused; any other error when it could not
// tell (the answer is 503).
type Authenticator interface {
	Authenticate(r *http.Request) (*Principal, error)
}

// Func is an Authenticator of a function.
type Func func(r *http.Request) (*Principal, error)

// Authenticate calls f.
func (f Func) Authenticate(r *http.Request) (*Principal, error) { return f(r) }

// Middleware puts the principal of the first authenticator that finds one
// into the request's context. Credentials that are refused end the request
// with fail, so a wrong token is never served as an anonymous request;
// a request with none goes on without a principal, and the route decides.
func Middleware(fail func(w http.ResponseWriter, r *http.Request, err error), auths ...Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, a := range auths {
				p, err := a.Authenticate(r)
				if err != nil {
					fail(w, r, err)
					return
				}
				if p != nil {
					next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), p)))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
