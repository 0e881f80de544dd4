package analytics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
)

// A worker who moves district between two sends counts in the old
// district for the first and the new one for the second; a contact field
// edited later in RapidPro, or a directory rewritten later, moves neither.
func TestWorkersAsAtSendTime(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wd := newWorld(t, worldConfig{districts: 2, perDistrict: 20, mix: sandbox.Mix{sandbox.Responsive: 1}})
		first := wd.send(t, 2*24*time.Hour)
		moved := wd.workers[:5] // from D1
		for _, hw := range moved {
			w := hw.Worker
			w.DistrictID, w.District, w.ValidFrom = "D2", "District 2", wd.sb.Now()
			wd.dir.set(hw.contact, w)
			if _, err := wd.rp.Contacts.Update(ctx, hw.contact, &rapidpro.ContactRequest{Fields: map[string]*string{"district": ptr("D2")}}); err != nil {
				t.Fatal(err)
			}
		}
		second := wd.send(t, 2*24*time.Hour)
		m := wd.monitor(t, db)
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			for send, want := range map[string]map[string]int{first: {"D1": 20, "D2": 20}, second: {"D1": 15, "D2": 25}} {
				a, err := m.Analyze(ctx, wd.flow.UUID, Filter{Sends: []string{send}})
				if err != nil {
					t.Fatal(err)
				}
				b, _ := a.Breakdown(ByDistrict)
				got := map[string]int{}
				for _, g := range b.Groups {
					got[g.Key] = g.Contacted
				}
				if got["D1"] != want["D1"] || got["D2"] != want["D2"] || len(got) != 2 {
					t.Errorf("%s, send %s: by district %v, want %v", when, send, got, want)
				}
			}
		}
		check("after the refresh")
		// Later, everyone is recorded in D2 with no history at all, and
		// RapidPro's fields say so: what was stored does not move.
		for _, hw := range wd.workers {
			w := hw.Worker
			w.DistrictID, w.District = "D2", "District 2"
			wd.dir.mu.Lock()
			wd.dir.workers[hw.contact] = []Worker{w}
			wd.dir.mu.Unlock()
		}
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		check("after the directory changed")
	})
}

func ptr[T any](v T) *T { return &v }

// Trends compare consecutive sends and say when a change is real.
func TestTrends(t *testing.T) {
	t.Parallel()
	wd := newWorld(t, worldConfig{districts: 2, perDistrict: 60, mix: sandbox.Mix{sandbox.Responsive: 0.8, sandbox.OutOfCoverage: 0.2}, seed: 11})
	wd.send(t, 2*24*time.Hour)
	// Before the second send, half of those who answered stop answering.
	for i, hw := range wd.workers {
		if wd.sb.Engine.Persona(hw.urn).Kind == sandbox.Responsive && i%2 == 0 {
			wd.sb.Engine.SetPersona(hw.urn, sandbox.Persona{Kind: sandbox.Silent})
		}
	}
	wd.send(t, 2*24*time.Hour)
	wd.send(t, 2*24*time.Hour)
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := wd.monitor(t, db)
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		a, err := m.Analyze(ctx, wd.flow.UUID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var response []Change
		for _, c := range a.Trends {
			if c.Metric == MetricResponse {
				response = append(response, c)
				t.Log(c.Statement)
			}
		}
		if len(response) != 2 {
			t.Fatalf("%d response-rate changes for 3 sends, want 2", len(response))
		}
		if c := response[0]; !c.Test.Significant || c.Test.Diff >= 0 || !strings.Contains(c.Statement, "fell from") || !strings.Contains(c.Statement, "it is a real change") {
			t.Errorf("the drop is not reported as real: %+v", c)
		}
		if c := response[1]; c.Test.Significant || !strings.Contains(c.Statement, "not a significant change") && !strings.Contains(c.Statement, "in both") {
			t.Errorf("no change reported as one: %+v", c)
		}
		weeks, _ := a.Breakdown(ByWeek)
		if len(weeks.Groups) < 1 || weeks.Groups[0].Key != "2026-W10" {
			t.Errorf("weeks: %+v", weeks.Groups)
		}
	})
}

// The monthly report holds each workflow's sends made that month.
func TestMonth(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wd := newWorld(t, worldConfig{districts: 2, perDistrict: 15, mix: sandbox.Mix{sandbox.Responsive: 0.7, sandbox.Silent: 0.3}})
		wd.send(t, 30*24*time.Hour) // 2 March, then a month passes
		april := wd.send(t, 2*24*time.Hour)
		m := wd.monitor(t, db)
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		for month, want := range map[time.Month]int{time.February: 0, time.March: 1, time.April: 1} {
			mo, err := m.Month(ctx, 2026, month)
			if err != nil {
				t.Fatal(err)
			}
			sends := 0
			for _, w := range mo.Workflows {
				sends += len(w.Sends)
				if month == time.April && w.Sends[0].Key != april {
					t.Errorf("April's send is %s, want %s", w.Sends[0].Key, april)
				}
			}
			if sends != want || want > 0 && mo.Totals.Contacted != 30 {
				t.Errorf("%s: %d sends, %d contacted; want %d sends of 30", month, sends, mo.Totals.Contacted, want)
			}
		}
	})
}
