package analytics

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// The whole path: iHRIS workers synced to RapidPro by target, which
// records their attributes; a send; analytics placing each run by what
// target recorded, and finding the district set to answer less.
func TestTargetDirectory(t *testing.T) {
	t.Parallel()
	low := "" // the district name set to answer less, once known
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 300, Regions: 2, Districts: 4, Facilities: 12, Seed: 5},
		Mix: sandbox.Mix{sandbox.Responsive: 0.8, sandbox.OutOfCoverage: 0.2}, Seed: 5,
		MixFor: func(fields map[string]string) sandbox.Mix {
			if fields["district"] == low {
				return sandbox.Mix{sandbox.Responsive: 0.2, sandbox.Silent: 0.6, sandbox.OutOfCoverage: 0.2}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	ctx := context.Background()
	fc, err := fhir.NewClient(sb.IHRIS.URL())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(fc)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing(), rapidpro.WithWorkspace(sb.RapidPro.WorkspaceUUID()))
	if err != nil {
		t.Fatal(err)
	}
	targetDB := storetest.Open(t, filepath.Join(t.TempDir(), "target.db"))
	syncer, err := target.New(ctx, reg, rp, targetDB, target.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := syncer.Sync(ctx, target.Group{Name: "Everyone", Country: "LR"}, false)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := target.NewAttributeStore(ctx, targetDB, sb.RapidPro.WorkspaceUUID())
	if err != nil {
		t.Fatal(err)
	}
	byDistrict := map[string]int{}
	for a, err := range attrs.All(ctx, sb.Now()) {
		if err != nil {
			t.Fatal(err)
		}
		byDistrict[a.DistrictID]++
		if low == "" && a.District != "" {
			low = a.District
		}
	}

	w, err := workflow.Parse("survey.yaml", []byte(surveyYAML))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := flow.MarshalExport(exp)
	if _, err := sb.RapidPro.ImportFlows(data); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: exp.Flows[0].UUID, Groups: []string{sum.GroupUUID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Settle(ctx, 4*24*time.Hour); err != nil {
		t.Fatal(err)
	}

	eachDB(t, func(t *testing.T, db *store.DB) {
		m, err := New(ctx, db, sb.RapidPro.WorkspaceUUID(), WithDirectory(TargetDirectory(attrs)), WithClock(sb.Now))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Track(ctx, &exp.Flows[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Refresh(ctx, rp); err != nil {
			t.Fatal(err)
		}
		a, err := m.Analyze(ctx, exp.Flows[0].UUID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// The refresh is dated by the sandbox's simulated clock.
		if d := sb.Now().Sub(a.AsOf); d < 0 || d > time.Hour {
			t.Errorf("analysis as of %s, the sandbox's time is %s", a.AsOf, sb.Now())
		}
		if a.Counts.Contacted != sum.Reachable {
			t.Errorf("%d runs for %d reachable workers", a.Counts.Contacted, sum.Reachable)
		}
		d, _ := a.Breakdown(ByDistrict)
		for _, g := range d.Groups {
			if g.Contacted != byDistrict[g.Key] {
				t.Errorf("district %s (%s): %d runs, %d contacts recorded there", g.Key, g.Label, g.Contacted, byDistrict[g.Key])
			}
		}
		var flagged []string
		for _, g := range a.Low {
			if g.Dimension == ByDistrict {
				flagged = append(flagged, g.Label)
			}
		}
		if !slices.Equal(flagged, []string{low}) {
			t.Errorf("low districts %v, want [%s]", flagged, low)
		}
		for nr, err := range m.NonResponders(ctx, exp.Flows[0].UUID, Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if nr.Worker.ID == "" {
				t.Errorf("non-responder %s has no worker: %+v", nr.Contact, nr.Worker)
			}
		}
	})
}
