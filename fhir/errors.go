package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/mhero-go/mhero/internal/httpx"
)

// Sentinel errors matched with errors.Is against the errors of this
// package, by HTTP status.
var (
	ErrNotFound           = errors.New("fhir: not found")           // 404
	ErrGone               = errors.New("fhir: gone")                // 410: deleted, or an expired page link
	ErrUnauthorized       = errors.New("fhir: unauthorized")        // 401 and 403
	ErrConflict           = errors.New("fhir: conflict")            // 409 (version conflict)
	ErrPreconditionFailed = errors.New("fhir: precondition failed") // 412 (If-Match, or a conditional write matching several)
	ErrRateLimited        = errors.New("fhir: rate limited")        // 429 after the retries
	ErrInvalid            = errors.New("fhir: rejected as invalid") // 400 and 422

	// ErrOutcomeUnknown matches an *OutcomeUnknownError: a write that is
	// not safe to repeat may or may not have been done.
	ErrOutcomeUnknown = errors.New("fhir: outcome of the write is unknown")

	// ErrResponseTooLarge matches the error of a call whose response body
	// went past the cap set with [WithMaxResponseBytes]; it is not retried.
	// The rapidpro package's ErrResponseTooLarge is the same error.
	ErrResponseTooLarge = httpx.ErrResponseTooLarge
)

// OutcomeUnknownError reports a plain [Client.Create], or a batch or
// transaction holding a POST without IfNoneExist, that failed after it may
// have reached the server (the connection dropped, the context ended while
// waiting for the answer): the resource may or may not have been created.
// Do not resend it blindly; search for it first, or use
// [Client.CreateIfNoneExist], which is safe to retry.
type OutcomeUnknownError struct {
	// Method and URL (redacted) name the request.
	Method, URL string
	// Err is the failure (a *url.Error, context.Canceled, ...).
	Err error
}

// Error describes what is unknown.
func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("fhir: %s %s may or may not have been done: %v", e.Method, e.URL, e.Err)
}

// Unwrap returns the failure.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// statusSentinel maps a status to the sentinel it matches.
func statusSentinel(code int) error {
	switch code {
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusGone:
		return ErrGone
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusConflict:
		return ErrConflict
	case http.StatusPreconditionFailed:
		return ErrPreconditionFailed
	case http.StatusTooManyRequests:
		return ErrRateLimited
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return ErrInvalid
	}
	return nil
}

// Issue is one issue of an OperationOutcome.
type Issue struct {
	// Severity is fatal, error, warning or information.
	Severity string
	// Code is the issue type (invalid, processing, not-found, ...).
	Code string
	// Details is details.text, or the display of its first coding.
	Details string
	// Diagnostics is the server's free-text explanation.
	Diagnostics string
	// Expression lists the FHIRPath of the elements concerned.
	Expression []string
}

// String formats the issue as "severity code: diagnostics at expression".
func (i Issue) String() string {
	var b strings.Builder
	b.WriteString(i.Severity)
	if i.Code != "" {
		b.WriteString(" ")
		b.WriteString(i.Code)
	}
	if msg := firstNonEmpty(i.Diagnostics, i.Details); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if len(i.Expression) > 0 {
		b.WriteString(" at ")
		b.WriteString(strings.Join(i.Expression, ", "))
	}
	return b.String()
}

// OperationOutcomeError is a non-2xx answer whose body is an
// OperationOutcome, the way FHIR servers explain failures.
type OperationOutcomeError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and URL identify the request; the URL has secrets and phone
	// numbers redacted.
	Method, URL string
	// Issues are the outcome's issues, in order.
	Issues []Issue
}

// Error gives the request, the status and the first three issues.
func (e *OperationOutcomeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fhir: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	for i, is := range e.Issues {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Issues)-3)
			break
		}
		b.WriteString("; ")
		b.WriteString(is.String())
	}
	return b.String()
}

// Is matches the sentinel of the status ([ErrNotFound] for 404, ...).
func (e *OperationOutcomeError) Is(target error) bool {
	return target != nil && statusSentinel(e.StatusCode) == target
}

// StatusError is a non-2xx answer whose body is not an OperationOutcome
// (a proxy's HTML page, plain text, nothing).
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and URL identify the request; the URL has secrets and phone
	// numbers redacted.
	Method, URL string
	// Body is the start of the body (up to 512 bytes), redacted.
	Body string
}

// Error gives the request, the status and the start of the body.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("fhir: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Is matches the sentinel of the status ([ErrNotFound] for 404, ...).
func (e *StatusError) Is(target error) bool {
	return target != nil && statusSentinel(e.StatusCode) == target
}

// maxErrorBody is how much of a non-FHIR error body is kept.
const maxErrorBody = 512

// errorFor turns a non-2xx response into an *OperationOutcomeError or a
// *StatusError. token is the bearer token a TokenSource gave for the
// request (""), which the client's redactor does not know.
func (c *Client) errorFor(r *request, status int, body []byte, token string) error {
	redact := c.hc.Redactor().String
	if token != "" {
		sourced := httpx.NewRedactor(token)
		redact = func(s string) string { return sourced.String(c.hc.Redactor().String(s)) }
	}
	u := c.redactURL(r.url)
	if issues, ok := parseOutcome(body); ok {
		for i := range issues {
			issues[i].Diagnostics = redact(issues[i].Diagnostics)
			issues[i].Details = redact(issues[i].Details)
		}
		return &OperationOutcomeError{StatusCode: status, Method: r.method, URL: u, Issues: issues}
	}
	// Redact before cutting: a secret cut in two would no longer be
	// recognised. The margin keeps any secret whole past the cut.
	text := redact(strings.TrimSpace(string(body[:min(len(body), maxErrorBody+1024)])))
	if len(text) > maxErrorBody {
		n := maxErrorBody
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n] + "…"
	}
	return &StatusError{StatusCode: status, Method: r.method, URL: u, Body: text}
}

// outcomeJSON is the part of an OperationOutcome the errors use; it is
// decoded leniently (no enums) so that an odd code never hides the error.
type outcomeJSON struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Details  *struct {
			Text   string `json:"text"`
			Coding []struct {
				Code    string `json:"code"`
				Display string `json:"display"`
			} `json:"coding"`
		} `json:"details"`
		Diagnostics string   `json:"diagnostics"`
		Expression  []string `json:"expression"`
		Location    []string `json:"location"`
	} `json:"issue"`
}

// parseOutcome reads the issues of an OperationOutcome body.
func parseOutcome(body []byte) ([]Issue, bool) {
	var oo outcomeJSON
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil, false
	}
	issues := make([]Issue, 0, len(oo.Issue))
	for _, in := range oo.Issue {
		is := Issue{Severity: in.Severity, Code: in.Code, Diagnostics: in.Diagnostics, Expression: in.Expression}
		if len(is.Expression) == 0 {
			is.Expression = in.Location // deprecated in R4, still sent by older servers
		}
		if d := in.Details; d != nil {
			is.Details = d.Text
			for _, cd := range d.Coding {
				if is.Details != "" {
					break
				}
				is.Details = firstNonEmpty(cd.Display, cd.Code)
			}
		}
		issues = append(issues, is)
	}
	return issues, true
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
