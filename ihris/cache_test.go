package ihris_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

func TestReferenceCacheTTLAndRefresh(t *testing.T) {
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
