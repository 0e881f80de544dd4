package ihris_test

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
)

// streamUnderChurn streams every worker, churning the registry after the
// first pages, and checks that each worker who was there throughout and
// not deleted comes, and comes once unless repeats are allowed for the
// workers changed meanwhile (then the last time in their new version).
func streamUnderChurn(t *testing.T, stream func(*ihris.Registry) iter.Seq2[ihris.HealthWorker, error], repeatChanged bool, opts ...ihristest.Option) {
	clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	expiring := len(opts) > 0 // the only option callers pass
	opts = append(opts, ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 9, Workers: 400, Regions: 2, Districts: 4, Facilities: 12}))
	srv, err := ihristest.Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := newRegistry(t, srv, ihris.WithPageSize(40))
	var before []string
	for w, err := range reg.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, w.ID)
	}
	var rep *ihristest.ChurnReport
	got := map[string]int{}
	last := map[string]ihris.HealthWorker{}
	for w, err := range stream(reg) {
		if err != nil {
			t.Fatal(err)
		}
		got[w.ID]++
		last[w.ID] = w
		if rep == nil && len(got) == 50 {
			clock.Advance(time.Minute)
			if rep, err = srv.Churn(ihristest.Churn{Seed: 1, NewPhone: 120, Deactivated: 30, Deleted: 10, Hired: 5}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for id, n := range got {
		changed := slices.Contains(rep.NewPhone, id) || slices.Contains(rep.Deactivated, id)
		if n > 1 && !(repeatChanged && changed && n == 2) {
			t.Errorf("%s streamed %d times", id, n)
		}
		if n > 1 && slices.Contains(rep.Deactivated, id) && last[id].Active {
			t.Errorf("%s came again, but last in its version from before the change", id)
		}
	}
	if expiring && !slices.ContainsFunc(srv.Requests(), func(r fhirtest.Request) bool { return r.Status == 410 }) {
		t.Error("no page link expired: the test proves nothing")
	}
	for _, w := range before {
		if got[w] == 0 && !slices.Contains(rep.Deleted, w) {
			t.Errorf("%s was in the registry throughout, yet not streamed", w)
		}
	}
}

// TestAllUnderChurn: page links that do not expire serve the search as it
// was when it began (HAPI's search cache): nobody lost, nobody twice.
func TestAllUnderChurn(t *testing.T) { streamUnderChurn(t, all, false) }

// TestAllUnderChurnWithExpiringPageLinks: when every page link expires, the
// search starts again from the last lastUpdated streamed; a worker changed
// after being streamed then comes a second time, in the new version, but
// nobody is lost.
func TestAllUnderChurnWithExpiringPageLinks(t *testing.T) {
	t.Parallel()
	streamUnderChurn(t, all, true, ihristest.WithServerOptions(fhirtest.WithPageExpiry(time.Nanosecond, 0)))
}

// TestFindUnderChurnWithExpiringPageLinks: Find, unlike All, never
// repeats a worker.
func TestFindUnderChurnWithExpiringPageLinks(t *testing.T) {
	t.Parallel()
	streamUnderChurn(t, func(reg *ihris.Registry) iter.Seq2[ihris.HealthWorker, error] {
		return reg.Find(context.Background(), ihris.Criteria{Status: ihris.StatusAny})
	}, false, ihristest.WithServerOptions(fhirtest.WithPageExpiry(time.Nanosecond, 0)))
}

func all(reg *ihris.Registry) iter.Seq2[ihris.HealthWorker, error] {
	return reg.All(context.Background())
}
