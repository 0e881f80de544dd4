package usecase_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/store/storetest"
	"github.com/xuri/excelize/v2"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.DSN(t, "sqlite"))
	a := e.create(t, formYAML(e.district))
	e.toAccepted(t, a.ID)
	e.approve(t, a.ID)
	late := e.create(t, strings.Replace(formYAML(e.district), "filed: 2026-03-02", "filed: 2026-03-08", 1))
	if _, err := e.m.Cancel(ctx, late.ID, dm.Name, "merged into "+a.ID); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := e.m.WriteRegister(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Use cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want a header and 2 use cases", len(rows))
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, rows[0])
		return -1
	}
	get := func(r int, name string) string {
		if c := col(name); c < len(rows[r]) {
			return rows[r][c]
		}
		return ""
	}
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "ID", a.ID}, {1, "State", "approved"}, {1, "Approved by", "Dr. Musu Kollie"}, {1, "Evidence", "sms"},
		{1, "Filed late (< 1 week)", ""}, {2, "State", "cancelled"}, {2, "Filed late (< 1 week)", "late"},
		{2, "Cancelled because", "merged into " + a.ID},
	} {
		if got := get(c.row, c.col); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	if get(1, "Target size (health workers)") == "" || get(1, "SMS, expected path") == "" {
		t.Errorf("approved use case without target size or cost: %v", rows[1])
	}
	about, err := x.GetRows("Audit log")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.m.Verify(ctx)
	if about[4][1] != v.Head || about[3][1] != "intact" {
		t.Errorf("audit sheet %v, want head %s", about, v.Head)
	}
}
