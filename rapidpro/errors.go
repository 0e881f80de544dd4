package rapidpro

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mhero-go/mhero/internal/httpx"
)

// Sentinel errors matched by errors.Is against an *Error.
var (
	// ErrInvalidToken: the token is wrong, revoked, or its user may no
	// longer use the API (RapidPro answers 403, not 401).
	ErrInvalidToken = errors.New("rapidpro: invalid API token")
	// ErrForbidden: any 403, including ErrInvalidToken and writes to
	// system objects.
	ErrForbidden = errors.New("rapidpro: forbidden")
	// ErrNotFound: 404, or a Get that matched nothing.
	ErrNotFound = errors.New("rapidpro: not found")
	// ErrValidation: 400, the request was refused; see Error.Fields.
	ErrValidation = errors.New("rapidpro: validation failed")
	// ErrRateLimited: 429, the workspace's budget is spent; see
	// Error.RetryAfter.
	ErrRateLimited = errors.New("rapidpro: rate limited")
	// ErrLimitReached: 409, the workspace has reached an object limit.
	ErrLimitReached = errors.New("rapidpro: workspace limit reached")
	// ErrServer: a 5xx answer.
	ErrServer = errors.New("rapidpro: server error")
	// ErrOutcomeUnknown: a write may or may not have been done and looking
	// for it on the server failed too; see *OutcomeUnknownError.
	ErrOutcomeUnknown = errors.New("rapidpro: outcome of the write is unknown")
	// ErrResponseTooLarge: a response body went past the cap set with
	// WithMaxResponseBytes; it is not retried. The fhir package's
	// ErrResponseTooLarge is the same error.
	ErrResponseTooLarge = httpx.ErrResponseTooLarge
)

// maxErrorBody caps the part of an error body kept in an Error, and
// maxDetail its Detail.
const (
	maxErrorBody = 64 << 10
	maxDetail    = 500
)

// truncate cuts s to at most n bytes, on a character boundary, marking the
// cut with "…".
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Error is an answer from RapidPro other than 2xx. Find it with errors.As;
// match its kind with errors.Is and the Err* sentinels. It never contains
// the API token, and phone numbers in it are masked.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and Endpoint name the request, e.g. "POST" "flow_starts.json".
	Method, Endpoint string
	// Detail is the "detail" message, or the text of a non-JSON body (the
	// 500 page).
	Detail string
	// Fields holds field validation messages from a 400, flattened to
	// paths: "flow", "non_field_errors", "urns.0" (list index),
	// "fields.nickname" (dict key).
	Fields map[string][]string
	// RetryAfter is the server's Retry-After on a 429 (0 when absent).
	RetryAfter time.Duration
	// Body is the raw response body (at most 64 KiB), redacted.
	Body []byte
}

// Error describes the failure in one line.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rapidpro: %s %s: %d %s", e.Method, e.Endpoint, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], " "))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Is matches the Err* sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalidToken:
		return e.IsInvalidToken()
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrLimitReached:
		return e.StatusCode == http.StatusConflict
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// IsInvalidToken reports whether the server refused the token itself.
func (e *Error) IsInvalidToken() bool {
	if e.StatusCode != http.StatusForbidden && e.StatusCode != http.StatusUnauthorized {
		return false
	}
	d := strings.ToLower(e.Detail)
	return strings.Contains(d, "invalid token") || strings.Contains(d, "credentials were not provided") ||
		strings.Contains(d, "authentication")
}

// apiError decodes a non-2xx response into an *Error.
func (c *Client) apiError(req *httpx.Request, resp *httpx.Response) *Error {
	body := resp.Body
	e := &Error{StatusCode: resp.StatusCode, Method: req.Method, Endpoint: endpointOf(req.URL)}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter, _ = httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	// Redact before cutting: a secret cut in two would no longer be
	// recognised. The margin keeps any secret whole past the cut.
	kept := body[:min(len(body), maxErrorBody+1024)]
	e.Body = []byte(truncate(c.red.String(string(kept)), maxErrorBody))
	e.Detail, e.Fields = parseErrorBody(body)
	e.Detail = truncate(c.red.String(e.Detail), maxDetail)
	if loc, err := resp.URL.Parse(resp.Header.Get("Location")); err == nil && resp.StatusCode/100 == 3 && resp.Header.Get("Location") != "" {
		// A write is not followed to a new location (see httpx); say where
		// the server went, so the base URL can be fixed.
		e.Detail = "moved to " + c.red.URL(loc) + "; fix the base URL"
	}
	for k, msgs := range e.Fields {
		for i, m := range msgs {
			msgs[i] = c.red.String(m)
		}
		e.Fields[k] = msgs
	}
	return e
}

// parseErrorBody flattens RapidPro's error shapes: {"detail": msg},
// {field: [msgs]}, {field: {"0": [msgs]}} and any deeper nesting. A body
// that is not a JSON object is kept as the detail text.
func parseErrorBody(body []byte) (string, map[string][]string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		var list []string
		if json.Unmarshal(body, &list) == nil {
			return strings.Join(list, " "), nil
		}
		return strings.TrimSpace(string(body)), nil
	}
	var detail string
	fields := map[string][]string{}
	for k, raw := range obj {
		if k == "detail" {
			if json.Unmarshal(raw, &detail) == nil {
				continue
			}
		}
		flattenField(k, raw, fields)
	}
	if len(fields) == 0 {
		fields = nil
	}
	return detail, fields
}

func flattenField(path string, raw json.RawMessage, out map[string][]string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		out[path] = append(out[path], s)
		return
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		for i, item := range list {
			var m string
			if json.Unmarshal(item, &m) == nil {
				out[path] = append(out[path], m)
			} else {
				flattenField(fmt.Sprintf("%s.%d", path, i), item, out)
			}
		}
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		for k, v := range obj {
			flattenField(path+"."+k, v, out)
		}
		return
	}
	out[path] = append(out[path], strings.TrimSpace(string(raw)))
}

// RequestError is a request that got no usable answer: the connection
// failed, the context ended, or the body could not be read or decoded.
type RequestError struct {
	Method, Endpoint string
	// Status is the HTTP status when a response was received but its body
	// broke; 0 when no response came.
	Status int
	Err    error
}

// Error describes the failure; the cause's text has been redacted.
func (e *RequestError) Error() string {
	return fmt.Sprintf("rapidpro: %s %s: %v", e.Method, e.Endpoint, e.Err)
}

// Unwrap returns the cause (context.Canceled, a *url.Error, ...).
func (e *RequestError) Unwrap() error { return e.Err }

// OutcomeUnknownError reports a flow start or broadcast that may have been
// created: the request failed in a way that does not tell, and looking for it
// on the server failed too. Do not resend it blindly; look for it later with
// FlowStarts.FindMarked (flow starts) or by listing broadcasts since Since.
type OutcomeUnknownError struct {
	// Op is "flow start" or "broadcast".
	Op string
	// Mark is the client-made key put into the flow start's params under
	// MarkParam ("" for broadcasts).
	Mark string
	// Since is a lower bound, on the server's clock, of the object's
	// created_on if it exists.
	Since time.Time
	// Err is the failure of the request; Lookup that of the search.
	Err, Lookup error
}

// Error describes what is unknown.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("rapidpro: %s may or may not have been created (mark %q): request: %v; lookup: %v", e.Op, e.Mark, e.Err, e.Lookup)
}

// Unwrap returns both failures.
func (e *OutcomeUnknownError) Unwrap() []error { return []error{e.Err, e.Lookup} }

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// DecodeError is a response, or one record of a list page, that is valid
// JSON but does not fit the typed struct (a field of an unexpected type).
// Lists yield it in place of the record and go on if the loop continues, so
// one odd record never hides the others.
type DecodeError struct {
	Endpoint string
	// Index is the record's position in its page (-1 for a whole response).
	Index int
	// ID is the record's uuid (or key, or id) when it could be read.
	ID  string
	Err error
}

// Error names the record and the problem, with phone numbers masked.
func (e *DecodeError) Error() string {
	var mask httpx.Redactor
	if e.Index < 0 {
		return mask.String(fmt.Sprintf("rapidpro: decoding %s: %v", e.Endpoint, e.Err))
	}
	return mask.String(fmt.Sprintf("rapidpro: decoding %s record %d (%s): %v", e.Endpoint, e.Index, e.ID, e.Err))
}

// Unwrap returns the JSON error.
func (e *DecodeError) Unwrap() error { return e.Err }
