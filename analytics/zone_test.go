package analytics

import (
	"context"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// nairobi starts a RapidPro whose workspace is in Nairobi (UTC+3, unlike
// the sandbox's Monrovia, which is UTC) with the test workflow imported.
func nairobi(t *testing.T) (*rapidprotest.Server, *rapidpro.Client, *flow.Flow) {
	t.Helper()
	srv, err := rapidprotest.New(rapidprotest.WithWorkspace(rapidprotest.Workspace{Timezone: "Africa/Nairobi"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	w, err := workflow.Parse("survey.yaml", []byte(surveyYAML))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ImportFlows(data); err != nil {
		t.Fatal(err)
	}
	rp, err := rapidpro.NewClient(srv.URL(), srv.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	return srv, rp, &exp.Flows[0]
}

// The workspace's zone is recorded when a Monitor tracks or refreshes
// with a client, and read back offline by another Monitor on the store.
func TestWorkspaceZoneRecorded(t *testing.T) {
	t.Parallel()
	srv, rp, f := nairobi(t)
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		m, err := New(ctx, db, srv.WorkspaceUUID())
		if err != nil {
			t.Fatal(err)
		}
		if loc, err := m.Location(ctx); err != nil || loc != time.UTC {
			t.Fatalf("before any request: %v, %v; want UTC", loc, err)
		}
		if err := m.TrackRapidPro(ctx, rp, f.UUID); err != nil {
			t.Fatal(err)
		}
		// Another process, offline, on the same store.
		offline, err := New(ctx, db, srv.WorkspaceUUID())
		if err != nil {
			t.Fatal(err)
		}
		loc, err := offline.Location(ctx)
		if err != nil || loc.String() != "Africa/Nairobi" {
			t.Fatalf("after tracking: %v, %v; want Africa/Nairobi", loc, err)
		}
		// The zone was read once: a refresh of the same Monitor does not
		// ask again, a new Monitor's first refresh does.
		r, err := m.Refresh(ctx, rp)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := offline.Refresh(ctx, rp)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Calls["v2"] != r.Calls["v2"]+1 {
			t.Errorf("v2 requests: %d by a Monitor that knew the zone, %d by a new one; want one more", r.Calls["v2"], r2.Calls["v2"])
		}
		// Workspaces of another zone do not share it.
		other, err := New(ctx, db, "another-workspace")
		if err != nil {
			t.Fatal(err)
		}
		if loc, err := other.Location(ctx); err != nil || loc != time.UTC {
			t.Errorf("another workspace: %v, %v; want UTC", loc, err)
		}
	})
}

// A Refresh records the zone too.
func TestWorkspaceZoneRecordedByRefresh(t *testing.T) {
	t.Parallel()
	srv, rp, f := nairobi(t)
	ctx := context.Background()
	eachDB(t, func(t *testing.T, db *store.DB) {
		m, err := New(ctx, db, srv.WorkspaceUUID())
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Track(ctx, f); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Refresh(ctx, rp); err != nil {
			t.Fatal(err)
		}
		if loc, err := m.Location(ctx); err != nil || loc.String() != "Africa/Nairobi" {
			t.Errorf("after a refresh: %v, %v; want Africa/Nairobi", loc, err)
		}
	})
}
