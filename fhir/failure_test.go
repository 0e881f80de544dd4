package fhir

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
)

// slowTokenSource blocks every Token call until release is closed or the
// call's context ends, counting the calls.
type slowTokenSource struct {
	calls   atomic.Int32
	entered chan struct{} // receives once per call, when it starts
	release chan struct{}
	ended   chan error // the context error of calls given up
}

func newSlowTokenSource() *slowTokenSource {
	return &slowTokenSource{entered: make(chan struct{}, 16), release: make(chan struct{}), ended: make(chan error, 16)}
}

func (s *slowTokenSource) Token(ctx context.Context) (string, time.Time, error) {
	s.calls.Add(1)
	s.entered <- struct{}{}
	select {
	case <-s.release:
		return "slow-token", time.Now().Add(time.Hour), nil
	case <-ctx.Done():
		s.ended <- ctx.Err()
		return "", time.Time{}, ctx.Err()
	}
}

// waitFor fails the test if ch does not deliver in a generous time; it
// guards against a hang, it does not measure speed.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("still waiting for %s", what)
		panic("unreachable")
	}
}

func TestSlowTokenSourceIsCalledOnceAndWaitersKeepTheirContexts(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.put(practitionerJSON, s.tick())
	src := newSlowTokenSource()
	c := newTestClient(t, s, WithTokenSource(src))

	const readers = 8
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			_, _, err := c.Read(t.Context(), "Practitioner", "P1")
			errs <- err
		})
	}
	waitFor(t, src.entered, "the token source to be called")

	// A request with its own deadline leaves while the source still
	// blocks everybody else.
	ctx, cancel := context.WithCancel(t.Context())
	cancelled := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx, "Practitioner", "P1")
		cancelled <- err
	}()
	cancel()
	if err := waitFor(t, cancelled, "the cancelled request to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}

	close(src.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("waiting request: %v", err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("%d Token calls for %d concurrent requests, want 1", n, readers+1)
	}
}

func TestTokenCallIsStoppedWhenEveryWaiterLeaves(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.put(practitionerJSON, s.tick())
	src := newSlowTokenSource()
	c := newTestClient(t, s, WithTokenSource(src))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(ctx, "Practitioner", "P1")
		done <- err
	}()
	waitFor(t, src.entered, "the token source to be called")
	cancel()
	if err := waitFor(t, done, "the request to return"); !errors.Is(err, context.Canceled) {
		t.Errorf("request: %v, want context.Canceled", err)
	}
	if err := waitFor(t, src.ended, "the token call to be cancelled"); !errors.Is(err, context.Canceled) {
		t.Errorf("token call ended with %v", err)
	}

	// The next request starts a fresh call rather than reusing the failed one.
	close(src.release)
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
		t.Fatal(err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Errorf("%d Token calls, want 2", n)
	}
}

func TestDroppedCreateHasUnknownOutcome(t *testing.T) {
	t.Parallel()
	// Each request arrives whole, then the connection closes without an
	// answer, as when a server commits a write and dies.
	srv := newServer(t)
	srv.InjectFault(fhirtest.Fault{Drop: true, Times: 1 << 20})
	sent := 0
	posts := func() int {
		n := srv.RequestCount() - sent
		sent += n
		return n
	}
	c, err := NewClient(srv.URL(), WithRetry(2, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	r, err := ParseResource([]byte(`{"resourceType":"Practitioner","identifier":[{"system":"s","value":"v"}]}`))
	if err != nil {
		t.Fatal(err)
	}

	_, _, err = c.Create(ctx, r)
	var unknown *OutcomeUnknownError
	if !errors.As(err, &unknown) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("plain create on a dropped connection: %v, want an *OutcomeUnknownError", err)
	}
	if unknown.Method != http.MethodPost || unknown.URL != srv.URL()+"/Practitioner" || unknown.Err == nil {
		t.Errorf("error fields: %+v", unknown)
	}
	if n := posts(); n != 1 {
		t.Errorf("plain create sent %d times, want 1", n)
	}

	_, _, err = c.Batch(ctx, []BatchRequest{{Method: "POST", URL: "Practitioner", Resource: r}})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("batch with a plain POST: %v, want ErrOutcomeUnknown", err)
	}
	if n := posts(); n != 1 {
		t.Errorf("batch with a plain POST sent %d times, want 1", n)
	}

	// Guarded writes are retried, and their failure says nothing of an
	// unknown outcome: sending them again is safe.
	_, _, err = c.CreateIfNoneExist(ctx, r, url.Values{"identifier": {"s|v"}})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("conditional create: %v, want a plain error", err)
	}
	if n := posts(); n != 3 {
		t.Errorf("conditional create sent %d times, want 3 (retried)", n)
	}
	_, _, err = c.Batch(ctx, []BatchRequest{{Method: "POST", URL: "Practitioner", Resource: r, IfNoneExist: "identifier=s|v"}})
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("guarded batch: %v, want a plain error", err)
	}
}

func TestCreateThatWasNeverSentHasNoUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL + "/fhir"
	srv.Close() // nothing listens: the dial fails
	c, err := NewClient(base, WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ParseResource([]byte(`{"resourceType":"Practitioner"}`))
	_, _, err = c.Create(t.Context(), r)
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("create to a closed port: %v, want a plain error", err)
	}

	// Nor does one whose token could not be had.
	c, err = NewClient(base, WithTokenSource(TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		return "", time.Time{}, errors.New("provider down")
	})))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Create(t.Context(), r)
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("create without a token: %v, want a plain error", err)
	}
}
