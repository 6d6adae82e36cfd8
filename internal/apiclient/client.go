// Package apiclient is the command line's side of the API for people: it
// logs in for a personal token, keeps that token for later commands, and
// calls the routes a person's script uses. The tenant is never sent
// except at login: the server takes it from the token.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/earkiv/earkiv/internal/accesslog"
	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/ihp"
)

// Errors a command tells apart.
var (
	// ErrUnauthorized: the login or token was refused (401).
	ErrUnauthorized = errors.New("not logged in")
	// ErrForbidden: the person's roles do not allow it (403).
	ErrForbidden = errors.New("not allowed")
	// ErrThrottled: too many failed logins (429).
	ErrThrottled = errors.New("too many failed logins")
	// ErrRefused: the server refused the request as invalid or not
	// possible now (400, 404, 409, 413, 422); its message says why.
	ErrRefused = errors.New("refused")
)

// Client calls one earkiv server.
type Client struct {
	server string
	token  string
	http   *http.Client
}

// New returns a client of server (an http or https URL) using token
// (empty for Login).
func New(server, token string) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q: want a URL such as https://arkiv.example.se", server)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("server %q: give the server's address without a path", server)
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		// A password and a token would cross the network in clear.
		return nil, fmt.Errorf("server %q: use https; plain http only to this machine", server)
	}
	return &Client{server: u.Scheme + "://" + u.Host, token: token, http: &http.Client{Timeout: 2 * time.Minute}}, nil
}

// Server is the server's normalised address.
func (c *Client) Server() string { return c.server }

// Login exchanges a local password for a personal token.
func (c *Client) Login(ctx context.Context, req api.LoginRequest) (*api.LoginResponse, error) {
	var out api.LoginResponse
	if err := c.post(ctx, "/api/v1/login", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WhoAmI says whose the token is.
func (c *Client) WhoAmI(ctx context.Context) (*api.Me, error) {
	var out api.Me
	if err := c.get(ctx, "/api/v1/whoami", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// VerifyAccessLog verifies the person's municipality's access log.
func (c *Client) VerifyAccessLog(ctx context.Context) (*api.VerifyResponse, error) {
	var out api.VerifyResponse
	if err := c.get(ctx, "/api/v1/accesslog/verify", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportAccessLog copies the access log's entries of days to w, as JSON
// lines or CSV.
func (c *Client) ExportAccessLog(ctx context.Context, days accesslog.Days, csv bool, w io.Writer) error {
	q := url.Values{}
	if days.From != "" {
		q.Set("from", days.From)
	}
	if days.To != "" {
		q.Set("to", days.To)
	}
	if csv {
		q.Set("format", "csv")
	}
	path := "/api/v1/accesslog/export"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.send(ctx, http.MethodGet, path, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%s: %w", c.server, err)
	}
	// The server ends an export cut short without its last line; a
	// trailer says whether it finished.
	if e := resp.Trailer.Get("X-Earkiv-Error"); e != "" {
		return fmt.Errorf("%s: export ended early: %s", c.server, e)
	}
	return nil
}

// get decodes the JSON answer of a GET.
func (c *Client) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, "", nil, out)
}

// post sends in as JSON and decodes the JSON answer.
func (c *Client) post(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, "application/json", bytes.NewReader(b), out)
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	resp, err := c.send(ctx, method, path, contentType, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s%s: unreadable answer: %w", c.server, path, err)
	}
	return nil
}

// send makes a request and turns an answer other than 200 into an error
// with the server's message.
func (c *Client) send(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.server, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	var e struct {
		Error    string        `json:"error"`
		Problems []ihp.Problem `json:"problems"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(b))
	}
	var kind error
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		kind = ErrUnauthorized
	case http.StatusForbidden:
		kind = ErrForbidden
	case http.StatusTooManyRequests:
		kind = ErrThrottled
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		kind = ErrRefused
	default:
		return nil, fmt.Errorf("%s%s: %s: %s", c.server, path, resp.Status, e.Error)
	}
	if kind == ErrRefused && len(e.Problems) > 0 {
		return nil, &ProblemsError{Problems: e.Problems}
	}
	return nil, fmt.Errorf("%w: %s", kind, e.Error)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
