package usecase_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/usecase"
)

// TestAuditTamperDetected changes, deletes and forges audit entries and
// states behind the package's back: each is found.
func TestAuditTamperDetected(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		for _, tt := range []struct {
			name   string
			tamper string
			want   string
		}{
			{"a changed reason", `UPDATE usecase_audit SET reason = 'reviewed by nobody' WHERE seq = 2`,
				"entry #2 (UC-0001): changed after it was written"},
			{"a changed actor whose hash is recomputed elsewhere", `UPDATE usecase_audit SET actor = 'Dr. Kollie', hash = 'f00d' || substr(hash, 5) WHERE seq = 2`,
				"entry #3 (UC-0001): does not follow the entry before it"},
			{"a deleted entry", `DELETE FROM usecase_audit WHERE seq = 3`,
				"entry #4 (UC-0001): entries #3 to #3 are missing (deleted)"},
			{"the last entry deleted", `DELETE FROM usecase_audit WHERE seq = (SELECT MAX(seq) FROM usecase_audit)`,
				"the use case's last entry was"},
			{"a state set outside the SOP", `UPDATE usecase_case SET state = 'approved'`,
				"the use case is approved but its log leaves it simulated: its state was changed outside the SOP"},
		} {
			t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
				e := newEnv(t, freshDSN(t, dsn))
				rec := e.create(t, formYAML(e.district))
				if _, err := e.m.Review(ctx, rec.ID, usecase.ReviewInput{DataManager: dm}); err != nil {
					t.Fatal(err)
				}
				if _, _, err := e.m.Simulate(ctx, rec.ID, dm.Name, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := e.m.Cancel(ctx, rec.ID, dm.Name, "the unit withdrew it"); err != nil {
					t.Fatal(err)
				}
				if v, err := e.m.Verify(ctx); err != nil || !v.OK() || v.Entries != 5 {
					t.Fatalf("before tampering: %d entries, %v, %v", v.Entries, v.Findings, err)
				}
				// Undo the cancellation's state for the state test.
				if strings.Contains(tt.name, "state") {
					if _, err := e.db.Exec(ctx, `DELETE FROM usecase_audit WHERE seq = 5`); err != nil {
						t.Fatal(err)
					}
					if _, err := e.db.Exec(ctx, `UPDATE usecase_case SET audit_head = (SELECT hash FROM usecase_audit WHERE seq = 4)`); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := e.db.Exec(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
				v, err := e.m.Verify(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var found []string
				for _, f := range v.Findings {
					found = append(found, f.String())
				}
				if !strings.Contains(strings.Join(found, "\n"), tt.want) {
					t.Errorf("findings:\n%s\nwant one containing %q", strings.Join(found, "\n"), tt.want)
				}
			})
		}
	})
}
