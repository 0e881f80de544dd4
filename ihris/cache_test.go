package ihris_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

func TestReferenceCacheTTLAndRefresh(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 30, Regions: 2, Districts: 4, Facilities: 8})
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	reg := newRegistry(t, srv, ihris.WithCacheTTL(time.Hour), ihris.WithClock(func() time.Time { return now }))
	ctx := context.Background()

	load := func() (*ihris.Places, int) {
		t.Helper()
		srv.ResetRequests()
		p, err := reg.Places(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Terminology(ctx); err != nil {
			t.Fatal(err)
		}
		return p, srv.RequestCount()
	}
	first, n := load()
	if n == 0 {
		t.Fatal("the first use read nothing")
	}
	if _, n := load(); n != 0 {
		t.Errorf("within the TTL: %d requests, want 0", n)
	}

	// A new district appears in iHRIS; the cache shows it after the TTL.
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	region := first.Roots()[0].ID
	loc, _ := fhir.NewResource(&models.Location{Id: ptr("NEW.D"), Name: ptr("New district"),
		PartOf: &models.Reference{Reference: ptr("Location/" + region)}})
	if _, _, err := client.Update(ctx, loc); err != nil {
		t.Fatal(err)
	}
	if p, _ := load(); p.Len() != first.Len() {
		t.Errorf("the cache changed within its TTL")
	}
	now = now.Add(2 * time.Hour)
	if p, n := load(); p.Len() != first.Len()+1 || n == 0 {
		t.Errorf("after the TTL: %d places with %d requests, want %d re-read", p.Len(), n, first.Len()+1)
	}
	srv.ResetRequests()
	if err := reg.Refresh(ctx); err != nil || srv.RequestCount() == 0 {
		t.Errorf("Refresh: %v after %d requests", err, srv.RequestCount())
	}
	if bad := ihris.WithCacheTTL(-time.Second); bad != nil {
		if _, err := ihris.NewRegistry(client, bad); err == nil {
			t.Error("a negative TTL was accepted")
		}
	}
}

func TestWorker(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 30, Regions: 2, Districts: 4, Facilities: 8})
	reg := newRegistry(t, srv)
	ctx := context.Background()
	w, err := reg.Worker(ctx, "P000003")
	if err != nil || w.ID != "P000003" || w.DisplayName() == "" {
		t.Fatalf("Worker = %+v, %v", w, err)
	}
	if _, err := reg.Worker(ctx, "P999999"); !errors.Is(err, fhir.ErrNotFound) {
		t.Errorf("missing worker: %v, want ErrNotFound", err)
	}
}

// locationSearch matches a read of the location tree (not the count of
// Locations written since, which every stream makes first).
func locationSearch(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Location") && !r.URL.Query().Has("_summary")
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

// TestReferenceReadIsSharedAndWaitersKeepTheirContexts: while the location
// tree is being read, a caller whose context ends leaves at once, and one
// that waits gets the same read; the server is asked once.
func TestReferenceReadIsSharedAndWaitersKeepTheirContexts(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 30, Regions: 2, Districts: 4, Facilities: 8})
	release := make(chan struct{})
	arrived := make(chan struct{}, 4)
	srv.InjectFault(fhirtest.Fault{Hold: release, Match: func(r *http.Request) bool {
		if locationSearch(r) {
			arrived <- struct{}{}
			return true
		}
		return false
	}})
	reg := newRegistry(t, srv)
	type result struct {
		places *ihris.Places
		err    error
	}
	first, third := make(chan result, 1), make(chan result, 1)
	go func() {
		p, err := reg.Places(t.Context())
		first <- result{p, err}
	}()
	waitFor(t, arrived, "the read of the tree to reach the server")

	ctx, cancel := context.WithCancel(t.Context())
	left := make(chan error, 1)
	go func() {
		_, err := reg.Terminology(ctx)
		left <- err
	}()
	go func() {
		p, err := reg.Places(t.Context())
		third <- result{p, err}
	}()
	cancel()
	select {
	case err := <-left:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("a caller whose context ended: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a caller whose context ended still waits for another caller's read")
	}
	close(release)
	a, c := waitFor(t, first, "the first caller"), waitFor(t, third, "the third caller")
	if a.err != nil || c.err != nil || a.places != c.places || a.places.Len() == 0 {
		t.Errorf("first %v, third %v: want one shared tree", a, c)
	}
	reads := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(strings.Split(r.URL, "?")[0], "/Location") && !strings.Contains(r.URL, "_summary") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("the tree was read %d times, want once", reads)
	}
}

// TestReferenceReadStopsWhenEveryWaiterLeaves: a read nobody waits for is
// abandoned, and the next caller reads afresh.
func TestReferenceReadStopsWhenEveryWaiterLeaves(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 30, Regions: 2, Districts: 4, Facilities: 8})
	release := make(chan struct{})
	defer close(release)
	arrived := make(chan struct{}, 4)
	srv.InjectFault(fhirtest.Fault{Hold: release, Match: func(r *http.Request) bool {
		if locationSearch(r) {
			arrived <- struct{}{}
			return true
		}
		return false
	}})
	reg := newRegistry(t, srv)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := reg.Places(ctx)
		done <- err
	}()
	waitFor(t, arrived, "the read of the tree to reach the server")
	cancel()
	if err := waitFor(t, done, "the caller to leave"); !errors.Is(err, context.Canceled) {
		t.Fatalf("caller: %v, want context.Canceled", err)
	}
	// The server sees the request given up (and logs it) once the read
	// is stopped.
	for deadline := time.Now().Add(10 * time.Second); !slices.ContainsFunc(srv.Requests(), func(r fhirtest.Request) bool {
		return r.Status == 0
	}); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned read goes on")
		}
	}
	if p, err := reg.Places(t.Context()); err != nil || p.Len() == 0 {
		t.Errorf("the next caller: %v, %v", p, err)
	}
}

// TestFailedReloadIsAnError: when the tree must be read again (its TTL is
// over) and the read fails, callers get the error, not the stale copy in
// silence; once the server answers again, so does the registry.
func TestFailedReloadIsAnError(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 30, Regions: 2, Districts: 4, Facilities: 8})
	var failing atomic.Bool
	srv.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, Times: 1 << 20, Match: func(r *http.Request) bool {
		return failing.Load() && locationSearch(r)
	}})
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()), fhir.WithRetry(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client, ihris.WithCacheTTL(time.Hour), ihris.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	first, err := reg.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	_, err = reg.Places(ctx)
	var oo *fhir.OperationOutcomeError
	if !errors.As(err, &oo) || oo.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("reload through a 503: %v, want the 503", err)
	}
	for _, err := range reg.All(ctx) {
		if err == nil {
			t.Error("a stream read workers with the stale tree")
		}
		break
	}
	if err := reg.Refresh(ctx); err == nil {
		t.Error("Refresh through a 503 succeeded")
	}
	failing.Store(false)
	again, err := reg.Places(ctx)
	if err != nil || again == first || again.Len() != first.Len() {
		t.Errorf("after the server recovered: %v (a new read: %v)", err, again != first)
	}
}
