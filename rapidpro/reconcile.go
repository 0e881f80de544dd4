package rapidpro

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/internal/httpx"
)

// MaxBatch is the most contacts, URNs, groups, messages or tickets RapidPro
// accepts in one request.
const MaxBatch = 100

// clockMargin widens the search for a write whose outcome is unknown, to
// cover the error of the estimated server clock (Date headers have whole
// seconds, and the request took time to arrive).
const clockMargin = time.Minute

// ambiguous reports whether a failed write may nevertheless have been done
// by the server: the connection broke after the request was sent, the
// context ended while waiting, the server failed (5xx), or a success
// status came with a body that could not be read.
func ambiguous(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode >= 500
	}
	var reqErr *RequestError
	if errors.As(err, &reqErr) {
		return reqErr.Status != 0 || !httpx.NotSent(reqErr.Err)
	}
	return false
}

// createReconciled sends a non-idempotent write and, when it fails in a way
// that leaves its outcome unknown, looks for it on the server before sending
// it again. It never sends twice unless the search found nothing.
func createReconciled[T any](ctx context.Context, c *Client, op, mark string, send func(context.Context) (*T, error), find func(ctx context.Context, since time.Time) (*T, error)) (*T, error) {
	var sendErr error
	for attempt := 1; attempt <= c.writeAttempts; attempt++ {
		sentAt := time.Now()
		out, err := send(ctx)
		if err == nil {
			return out, nil
		}
		if !ambiguous(err) {
			return nil, err
		}
		sendErr = err
		c.log.WarnContext(ctx, "rapidpro: write failed with unknown outcome; looking for it on the server",
			"op", op, "mark", mark, "attempt", attempt, "error", err.Error())
		since := c.searchStart(sentAt)
		var found *T
		lookupErr := sleep(ctx, c.reconcileWait)
		if lookupErr == nil {
			found, lookupErr = find(ctx, since)
		}
		if lookupErr != nil {
			return nil, &OutcomeUnknownError{Op: op, Mark: mark, Since: since, Err: err, Lookup: lookupErr}
		}
		if found != nil {
			c.log.InfoContext(ctx, "rapidpro: the write had been done; not sending it again", "op", op, "mark", mark)
			return found, nil
		}
		c.log.InfoContext(ctx, "rapidpro: the write was not done; sending it again", "op", op, "mark", mark)
	}
	return nil, sendErr
}

// searchStart returns the earliest server time at which a request sent at
// the local time sentAt may have been recorded, using the server's clock as
// its Date headers showed it. The searches do not depend on it being right:
// they always read the most recent page in full.
func (c *Client) searchStart(sentAt time.Time) time.Time {
	return sentAt.Add(time.Duration(c.skew.Load())).Add(-clockMargin)
}

// newMark returns a fresh key identifying one write.
func newMark() string {
	return "mh-" + strings.ToLower(rand.Text())
}

// BatchError reports the batches of a split operation that failed. Use
// errors.As on it (or on the Err of each batch) to reach the *Error.
type BatchError struct {
	Op     string
	Failed int
	Total  int
	Errs   []error
}

// Error summarises the failures.
func (e *BatchError) Error() string {
	return fmt.Sprintf("rapidpro: %s: %d of %d batches failed: %v", e.Op, e.Failed, e.Total, errors.Join(e.Errs...))
}

// Unwrap returns the batches' errors.
func (e *BatchError) Unwrap() []error { return e.Errs }

// ErrNotAttempted is the error of a batch that was not sent because an
// earlier batch failed.
var ErrNotAttempted = errors.New("rapidpro: batch not attempted after an earlier failure")

// batchErr gathers the errors of batches into a *BatchError, or nil.
func batchErr(op string, total int, errs []error) error {
	var failed []error
	for _, e := range errs {
		if e != nil {
			failed = append(failed, e)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &BatchError{Op: op, Failed: len(failed), Total: total, Errs: failed}
}

// chunk returns items[i*MaxBatch:(i+1)*MaxBatch], or nil past the end.
func chunk(items []string, i int) []string {
	lo := i * MaxBatch
	if lo >= len(items) {
		return nil
	}
	return items[lo:min(lo+MaxBatch, len(items))]
}

// batchCount is the number of batches needed for the longest list.
func batchCount(lists ...[]string) int {
	n := 0
	for _, l := range lists {
		n = max(n, (len(l)+MaxBatch-1)/MaxBatch)
	}
	return n
}

// dedupe returns items without repeats and empty strings, keeping order.
func dedupe(items []string) []string {
	seen := make(map[string]bool, len(items))
	out := make([]string, 0, len(items))
	for _, s := range items {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// refsMatch reports whether every requested reference (a UUID, a name or a
// URN) names one of the objects, and there are as many of each.
func refsMatch(requested []string, got []Ref) bool {
	if len(requested) != len(got) {
		return false
	}
	for _, r := range requested {
		if !slices.ContainsFunc(got, func(g Ref) bool { return g.UUID == r || strings.EqualFold(g.Name, r) }) &&
			!strings.Contains(r, ":") {
			return false
		}
	}
	return true
}
