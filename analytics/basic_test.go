package analytics

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/mhero-go/mhero/internal/store"
	"github.com/mhero-go/mhero/sandbox"
)

func TestRefreshAndAnalyze(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wd := newWorld(t, worldConfig{districts: 3, perDistrict: 20, mix: sandbox.Mix{sandbox.Responsive: 0.6, sandbox.OutOfCoverage: 0.2, sandbox.Silent: 0.1, sandbox.DropsOut: 0.05, sandbox.Confused: 0.05}})
		wd.send(t, 4*24*time.Hour)
		m := wd.monitor(t, db)
		res, err := m.Refresh(ctx, wd.rp)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(res, "", "  ")
		t.Logf("%s", b)
		a, err := m.Analyze(ctx, wd.flow.UUID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = json.MarshalIndent(a, "", "  ")
		t.Logf("%s", b)
	})
}
