package apiclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/disposal"
)

// ProposeList proposes a gallring list of the due records f chooses.
func (c *Client) ProposeList(ctx context.Context, f disposal.Filter) (*disposal.List, error) {
	var out disposal.List
	if err := c.post(ctx, "/api/v1/disposal/lists", f, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Lists returns the municipality's gallring lists.
func (c *Client) Lists(ctx context.Context) ([]*disposal.List, error) {
	out, err := getAs[[]*disposal.List](ctx, c, "/api/v1/disposal/lists")
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// List returns list id with its frozen items.
func (c *Client) List(ctx context.Context, id string) (*api.ListResponse, error) {
	return getAs[api.ListResponse](ctx, c, listPath(id, ""))
}

// ExcludeList takes an AIP's records out of proposed list id.
func (c *Client) ExcludeList(ctx context.Context, id string, req api.ExcludeRequest) (*disposal.List, error) {
	return c.listStep(ctx, id, "exclude", req)
}

// AttestList attests list id; the ångerfrist starts.
func (c *Client) AttestList(ctx context.Context, id string) (*disposal.List, error) {
	return c.listStep(ctx, id, "attest", api.ReasonRequest{})
}

// RejectList sends proposed list id back to its proposer with a reason.
func (c *Client) RejectList(ctx context.Context, id, reason string) (*disposal.List, error) {
	return c.listStep(ctx, id, "reject", api.ReasonRequest{Reason: reason})
}

// CancelList ends list id before it runs, for a reason.
func (c *Client) CancelList(ctx context.Context, id, reason string) (*disposal.List, error) {
	return c.listStep(ctx, id, "cancel", api.ReasonRequest{Reason: reason})
}

// ExecuteList starts the execution of list id, which serve's executor
// then carries out; it returns at once.
func (c *Client) ExecuteList(ctx context.Context, id string) (*disposal.List, error) {
	return c.listStep(ctx, id, "execute", api.ReasonRequest{})
}

// Protocol copies the gallringsprotokoll of list id to w: its PDF, or
// with pdf false its JSON twin.
func (c *Client) Protocol(ctx context.Context, id string, pdf bool, w io.Writer) error {
	format := "json"
	if pdf {
		format = "pdf"
	}
	resp, err := c.send(ctx, http.MethodGet, listPath(id, "protocol")+"?format="+format, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("%s: %w", c.server, err)
	}
	return nil
}

// VerifyList checks the stores against executed list id.
func (c *Client) VerifyList(ctx context.Context, id string) (*disposal.Verified, error) {
	return getAs[disposal.Verified](ctx, c, listPath(id, "verify"))
}

func (c *Client) listStep(ctx context.Context, id, step string, req any) (*disposal.List, error) {
	var out disposal.List
	if err := c.post(ctx, listPath(id, step), req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// listPath is the route of list id, or of one of its steps.
func listPath(id, step string) string {
	p := "/api/v1/disposal/lists/" + url.PathEscape(id)
	if step != "" {
		p += "/" + step
	}
	return p
}
