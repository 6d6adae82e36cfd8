package apiclient

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/catalog"
	"github.com/earkiv/earkiv/internal/holds"
	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
)

// ProblemsError is a plan file the server refused, with every problem it
// found: one line each, so the person who keeps the plan fixes them all in
// one round. It is an ErrRefused.
type ProblemsError struct {
	Problems []ihp.Problem
}

func (e *ProblemsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: planfilen har %d fel:", ErrRefused, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

func (e *ProblemsError) Unwrap() error { return ErrRefused }

// PlanShow returns every version of the plan and the one in force.
func (c *Client) PlanShow(ctx context.Context) (*api.PlanResponse, error) {
	return getAs[api.PlanResponse](ctx, c, "/api/v1/plan")
}

// PlanImport sends a plan file (CSV, XLSX, YAML or JSON; name is its base
// name, which says its format) to become a new utkast.
func (c *Client) PlanImport(ctx context.Context, name string, data []byte) (*plans.Version, error) {
	var out plans.Version
	path := "/api/v1/plan/versions?" + url.Values{"name": {name}}.Encode()
	if err := c.do(ctx, http.MethodPost, path, "application/octet-stream", bytes.NewReader(data), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PlanActivate fastställer utkast id, valid from day from (2006-01-02;
// empty: today).
func (c *Client) PlanActivate(ctx context.Context, id, from string) (*plans.Version, error) {
	var out plans.Version
	if err := c.post(ctx, "/api/v1/plan/versions/"+url.PathEscape(id)+"/activate", api.ActivateRequest{From: from}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PlanPreview says which archived records would get another outcome if
// version id governed today.
func (c *Client) PlanPreview(ctx context.Context, id string) (*retention.Preview, error) {
	return getAs[retention.Preview](ctx, c, "/api/v1/plan/versions/"+url.PathEscape(id)+"/preview")
}

// PlanDiff lists the rules added, removed and changed from version a to b.
func (c *Client) PlanDiff(ctx context.Context, a, b string) ([]ihp.RuleChange, error) {
	out, err := getAs[[]ihp.RuleChange](ctx, c, "/api/v1/plan/diff?"+url.Values{"a": {a}, "b": {b}}.Encode())
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// Retention returns the outcome of every case and document of an AIP, or
// of a case (by diarienummer) in whichever AIPs hold it.
func (c *Client) Retention(ctx context.Context, record string) ([]catalog.Record, error) {
	return records(ctx, c, "/api/v1/retention?"+url.Values{"record": {record}}.Encode())
}

// Holds returns the municipality's gallringsstopp, newest first, lifted
// ones too.
func (c *Client) Holds(ctx context.Context) ([]*holds.Hold, error) {
	out, err := getAs[[]*holds.Hold](ctx, c, "/api/v1/holds")
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// PlaceHold places a gallringsstopp.
func (c *Client) PlaceHold(ctx context.Context, req api.HoldRequest) (*holds.Hold, error) {
	var out holds.Hold
	if err := c.post(ctx, "/api/v1/holds", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LiftHold lifts gallringsstopp id for a reason.
func (c *Client) LiftHold(ctx context.Context, id, reason string) (*holds.Hold, error) {
	var out holds.Hold
	if err := c.post(ctx, "/api/v1/holds/"+url.PathEscape(id)+"/lift", api.ReasonRequest{Reason: reason}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DisposalDue returns the records whose gallring date has come that no
// hold stops.
func (c *Client) DisposalDue(ctx context.Context) ([]catalog.Record, error) {
	return records(ctx, c, "/api/v1/disposal/due")
}

// Review returns the records an archivist must look at, each with why.
func (c *Client) Review(ctx context.Context) ([]catalog.Record, error) {
	return records(ctx, c, "/api/v1/review")
}

func records(ctx context.Context, c *Client, path string) ([]catalog.Record, error) {
	out, err := getAs[[]catalog.Record](ctx, c, path)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

func getAs[T any](ctx context.Context, c *Client, path string) (*T, error) {
	var out T
	if err := c.get(ctx, path, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
