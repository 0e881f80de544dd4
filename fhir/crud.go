package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Read returns the current version of a resource (GET [type]/[id]). A
// deleted resource gives an error matching [ErrGone], an unknown one
// [ErrNotFound].
func (c *Client) Read(ctx context.Context, resourceType, id string, opts ...RequestOption) (*Resource, *Response, error) {
	if err := errors.Join(checkType(resourceType), checkID("id", id)); err != nil {
		return nil, nil, err
	}
	return c.resourceCall(ctx, &request{method: http.MethodGet, url: c.endpoint(resourceType, id), opts: opts})
}

// VRead returns one version of a resource (GET [type]/[id]/_history/[vid]).
func (c *Client) VRead(ctx context.Context, resourceType, id, versionID string, opts ...RequestOption) (*Resource, *Response, error) {
	if err := errors.Join(checkType(resourceType), checkID("id", id), checkID("version id", versionID)); err != nil {
		return nil, nil, err
	}
	u := c.endpoint(resourceType, id, "_history", versionID)
	return c.resourceCall(ctx, &request{method: http.MethodGet, url: u, opts: opts})
}

// Capabilities returns the server's CapabilityStatement (GET metadata); its
// Model is a *models.CapabilityStatement.
func (c *Client) Capabilities(ctx context.Context, opts ...RequestOption) (*Resource, *Response, error) {
	return c.resourceCall(ctx, &request{method: http.MethodGet, url: c.endpoint("metadata"), opts: opts})
}

// Create creates r (POST [type]); the server assigns the id. It returns the
// resource as the server stored it (nil if the server sent none back).
//
// A plain create is not retried after it may have reached the server, since
// that could create the resource twice. If it fails that way (the
// connection drops before the answer) the error is an *OutcomeUnknownError,
// matching [ErrOutcomeUnknown]: the resource may exist. Use
// [Client.CreateIfNoneExist], the retry-safe form, when the resource has an
// identifier to guard on.
func (c *Client) Create(ctx context.Context, r *Resource, opts ...RequestOption) (*Resource, *Response, error) {
	return c.create(ctx, r, nil, opts)
}

// CreateIfNoneExist creates r unless a resource of its type matches the
// search query (POST [type] with If-None-Exist), for example
// url.Values{"identifier": {"http://example.org/ids|42"}}. The Response's
// Created tells whether r was created (201) or a match found (200). The
// guard makes the call safe to retry, so it is retried like a read. More
// than one match gives an error matching [ErrPreconditionFailed].
func (c *Client) CreateIfNoneExist(ctx context.Context, r *Resource, query url.Values, opts ...RequestOption) (*Resource, *Response, error) {
	if len(query) == 0 {
		return nil, nil, errors.New("fhir: CreateIfNoneExist needs a search query")
	}
	return c.create(ctx, r, query, opts)
}

func (c *Client) create(ctx context.Context, r *Resource, query url.Values, opts []RequestOption) (*Resource, *Response, error) {
	body, typ, _, err := encode(r)
	if err != nil {
		return nil, nil, err
	}
	req := &request{method: http.MethodPost, url: c.endpoint(typ), body: body, ctype: mediaFHIRJSON,
		header: http.Header{"Prefer": {"return=representation"}}, opts: opts}
	if query != nil {
		// The guard makes a second sending find the first one's resource.
		req.header.Set("If-None-Exist", query.Encode())
		req.repeatable = true
	}
	return c.resourceCall(ctx, req)
}

// Update writes r as the new version of the resource with its id (PUT
// [type]/[id]), creating it when the server allows client-assigned ids.
// Only the changes made to r.Model are applied onto the JSON as read (see
// [Resource.MarshalJSON]). Use [WithIfMatch] with r.VersionID() to fail
// instead of overwriting someone else's change.
func (c *Client) Update(ctx context.Context, r *Resource, opts ...RequestOption) (*Resource, *Response, error) {
	body, typ, id, err := encode(r)
	if err != nil {
		return nil, nil, err
	}
	if err := checkID("id", id); err != nil {
		return nil, nil, fmt.Errorf("fhir: Update needs the resource's id: %w", err)
	}
	return c.resourceCall(ctx, &request{method: http.MethodPut, url: c.endpoint(typ, id), body: body,
		ctype: mediaFHIRJSON, header: http.Header{"Prefer": {"return=representation"}}, opts: opts})
}

// UpdateWhere is a conditional update (PUT [type]?query): it updates the
// one resource matching query, creates r when none does, and fails with an
// error matching [ErrPreconditionFailed] when several do.
func (c *Client) UpdateWhere(ctx context.Context, r *Resource, query url.Values, opts ...RequestOption) (*Resource, *Response, error) {
	if len(query) == 0 {
		return nil, nil, errors.New("fhir: UpdateWhere needs a search query")
	}
	body, typ, _, err := encode(r)
	if err != nil {
		return nil, nil, err
	}
	u := c.endpoint(typ)
	u.RawQuery = query.Encode()
	return c.resourceCall(ctx, &request{method: http.MethodPut, url: u, body: body,
		ctype: mediaFHIRJSON, header: http.Header{"Prefer": {"return=representation"}}, opts: opts})
}

// Delete deletes a resource (DELETE [type]/[id]). Deleting a resource
// that does not exist succeeds on most servers.
func (c *Client) Delete(ctx context.Context, resourceType, id string, opts ...RequestOption) (*Response, error) {
	if err := errors.Join(checkType(resourceType), checkID("id", id)); err != nil {
		return nil, err
	}
	resp, _, err := c.do(ctx, &request{method: http.MethodDelete, url: c.endpoint(resourceType, id), opts: opts})
	return resp, err
}

// encode returns the JSON to send for r and its type and id.
func encode(r *Resource) (body []byte, typ, id string, err error) {
	if r == nil {
		return nil, "", "", errors.New("fhir: nil Resource")
	}
	body, err = r.MarshalJSON()
	if err != nil {
		return nil, "", "", err
	}
	typ, err = peekType(body)
	if err == nil {
		err = checkType(typ)
	}
	if err != nil {
		return nil, "", "", err
	}
	// Read the id on its own: a malformed meta kept as received must not
	// stop the write.
	var h struct {
		ID json.RawMessage `json:"id"`
	}
	json.Unmarshal(body, &h)
	return body, typ, scalar(h.ID), nil
}

// resourceCall sends req and decodes the resource in the answer, if any.
func (c *Client) resourceCall(ctx context.Context, req *request) (*Resource, *Response, error) {
	resp, body, err := c.do(ctx, req)
	if err != nil {
		return nil, resp, err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, resp, nil
	}
	r, err := parseResource(body)
	if err != nil {
		return nil, resp, fmt.Errorf("fhir: %s %s: %w", req.method, c.redactURL(req.url), err)
	}
	if r.typ == "OperationOutcome" && req.method != http.MethodGet {
		// Some servers answer a write with an outcome instead of the
		// resource; the Response says where the resource is.
		return nil, resp, nil
	}
	return r, resp, nil
}
