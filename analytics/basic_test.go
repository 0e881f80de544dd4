package analytics

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"

	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// The numbers of an analysis agree with one another: every breakdown adds
// up to the totals, exit types and reasons partition the runs, the
// questions' counts add up, and the analysis survives JSON.
func TestAnalysisAddsUp(t *testing.T) {
	t.Parallel()
	wd := newWorld(t, worldConfig{districts: 3, perDistrict: 40, seed: 2,
		mix: sandbox.Mix{sandbox.Responsive: 0.5, sandbox.OutOfCoverage: 0.2, sandbox.Silent: 0.1, sandbox.DropsOut: 0.1, sandbox.Confused: 0.1}})
	wd.send(t, 4*24*time.Hour)
	second := wd.sb.Now()
	wd.send(t, 6*time.Hour) // a second send, still under way
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
		c := a.Counts
		if c.Contacted != 240 {
			t.Fatalf("contacted %d, want 240", c.Contacted)
		}
		if c.Completed+c.Interrupted+c.Expired+c.Errored+c.Active != c.Contacted {
			t.Errorf("exit types do not add up: %+v", c)
		}
		if c.Active == 0 || c.Interrupted != 0 {
			t.Errorf("the second send should be under way, nothing interrupted: %+v", c)
		}
		if c.Delivered+c.Failed > c.Contacted || c.Failed == 0 {
			t.Errorf("delivery: %+v", c)
		}
		if c.Responded+c.Failed+c.NoAnswer != c.Contacted {
			t.Errorf("responded %d + failed %d + no answer %d != %d", c.Responded, c.Failed, c.NoAnswer, c.Contacted)
		}
		for _, b := range a.Breakdowns {
			var sum Counts
			for _, g := range b.Groups {
				sum = addCounts(sum, g.Counts)
			}
			if sum != c {
				t.Errorf("%s breakdown adds up to %+v, not %+v", b.Dimension, sum, c)
			}
		}
		if b, _ := a.Breakdown(BySend); len(b.Groups) != 2 {
			t.Errorf("%d sends", len(b.Groups))
		}
		for _, q := range a.Questions {
			n := 0
			for _, d := range q.Distribution {
				n += d.Count
			}
			if q.Answered+q.Other+q.NoResponse+q.Waiting != q.Asked || n > q.Asked {
				t.Errorf("question %s: distribution %d, waiting %d, asked %d, answered %d, other %d, no response %d",
					q.Key, n, q.Waiting, q.Asked, q.Answered, q.Other, q.NoResponse)
			}
			if q.Replied > q.Asked || q.Answered > q.Replied || q.Misfit.Of != q.Replied {
				t.Errorf("question %s: asked %d, replied %d, answered %d, misfit %v", q.Key, q.Asked, q.Replied, q.Answered, q.Misfit)
			}
		}
		for _, ct := range a.CrossTabs {
			q, _ := a.Question(ct.Question)
			asked := 0
			for _, row := range ct.Rows {
				asked += row.Asked
				n := 0
				for _, v := range row.Counts {
					n += v
				}
				if n > row.Asked {
					t.Errorf("cross-tab %s by %s, %s: %d answers of %d asked", ct.Question, ct.Dimension, row.Label, n, row.Asked)
				}
			}
			if asked != q.Asked {
				t.Errorf("cross-tab %s by %s: %d asked, the question %d", ct.Question, ct.Dimension, asked, q.Asked)
			}
		}
		byRegion, err := m.CrossTabs(ctx, wd.flow.UUID, Filter{}, ByRegion)
		if err != nil || len(byRegion) != len(a.Questions) || len(byRegion[0].Rows) != 2 {
			t.Errorf("cross-tabs by region: %d, %v", len(byRegion), err)
		}
		// Filters: the second send alone, by time or by send.
		sends, _ := a.Breakdown(BySend)
		for _, f := range []Filter{{Since: second}, {Sends: []string{sends.Groups[1].Key}}} {
			b, err := m.Analyze(ctx, wd.flow.UUID, f)
			if err != nil {
				t.Fatal(err)
			}
			if b.Counts != sends.Groups[1].Counts {
				t.Errorf("filter %+v: %+v, want the second send's %+v", f, b.Counts, sends.Groups[1].Counts)
			}
		}
		if b, _ := m.Analyze(ctx, wd.flow.UUID, Filter{Until: second}); b.Counts != sends.Groups[0].Counts {
			t.Errorf("runs until the second send: %+v, want the first send's %+v", b.Counts, sends.Groups[0].Counts)
		}
		listed := map[Reason]int{}
		for nr, err := range m.NonResponders(ctx, wd.flow.UUID, Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			listed[nr.Reason]++
		}
		for _, rc := range a.NonResponders {
			if listed[rc.Reason] != rc.Count {
				t.Errorf("%s: %d listed, %d counted", rc.Reason, listed[rc.Reason], rc.Count)
			}
		}
		runs := 0
		for _, err := range m.Runs(ctx, wd.flow.UUID, Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			runs++
		}
		if runs != c.Contacted {
			t.Errorf("%d runs listed, %d counted", runs, c.Contacted)
		}
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back Analysis
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back.Counts, a.Counts) || len(back.Breakdowns) != len(a.Breakdowns) || len(back.CrossTabs) != len(a.CrossTabs) {
			t.Error("the analysis does not survive JSON")
		}
	})
}

// A new revision of the flow that changes what an answer means (here the
// timeout categories renamed, so that the stored "No Response" values are
// no longer timeouts) has the stored runs judged again, so that the stored
// outcomes agree with the analysis.
func TestTrackAgainJudgesAgain(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		wd := newWorld(t, worldConfig{districts: 2, perDistrict: 30, seed: 6,
			mix: sandbox.Mix{sandbox.Responsive: 0.4, sandbox.DropsOut: 0.6}})
		wd.send(t, 4*24*time.Hour)
		m := wd.monitor(t, db)
		if _, err := m.Refresh(ctx, wd.rp); err != nil {
			t.Fatal(err)
		}
		reasons := func() (counted, listed map[Reason]int) {
			a, err := m.Analyze(ctx, wd.flow.UUID, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			counted, listed = map[Reason]int{}, map[Reason]int{}
			for _, rc := range a.NonResponders {
				if rc.Count > 0 {
					counted[rc.Reason] = rc.Count
				}
			}
			for nr, err := range m.NonResponders(ctx, wd.flow.UUID, Filter{}) {
				if err != nil {
					t.Fatal(err)
				}
				listed[nr.Reason]++
			}
			return counted, listed
		}
		before, _ := reasons()
		data, err := flow.MarshalFlow(wd.flow)
		if err != nil {
			t.Fatal(err)
		}
		revised, err := flow.ParseFlow(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range revised.Nodes {
			if r := revised.Nodes[i].Router; r != nil && r.Wait != nil && r.Wait.Timeout != nil {
				r.Category(r.Wait.Timeout.CategoryUUID).Name = "Silence"
			}
		}
		if err := m.Track(ctx, revised); err != nil {
			t.Fatal(err)
		}
		counted, listed := reasons()
		if !maps.Equal(counted, listed) {
			t.Errorf("after the revision, counted %v but listed %v", counted, listed)
		}
		if maps.Equal(before, counted) {
			t.Errorf("the revision changed nothing: %v", counted)
		}
	})
}

// TestQuestionTypes: the kind of reply each question takes comes from the
// tests of its router, number bounds included, and survives a reload.
func TestQuestionTypes(t *testing.T) {
	t.Parallel()
	w, err := workflow.Parse("survey.yaml", []byte(surveyYAML))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := New(ctx, db, "ws-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Track(ctx, &exp.Flows[0]); err != nil {
			t.Fatal(err)
		}
		f, err := m.Flow(ctx, exp.Flows[0].UUID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, q := range f.Questions {
			got[q.Key] = q.Type
			if q.Type == "number" {
				if q.Min == nil || q.Max == nil || *q.Min != 0 || *q.Max != 200 {
					t.Errorf("%s bounds %v, %v, want 0 and 200", q.Key, q.Min, q.Max)
				}
			} else if q.Min != nil || q.Max != nil {
				t.Errorf("%s (%q) has bounds", q.Key, q.Type)
			}
		}
		want := map[string]string{"open_today": "", "staff_present": "number", "main_need": "", "power": ""}
		if !maps.Equal(got, want) {
			t.Errorf("types %v, want %v", got, want)
		}
	})
}

// TestWorkspaces lists the workspaces whose flows a store tracks: none in
// a new store, then each once.
func TestWorkspaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.Open(t, storetest.DSN(t, store.SQLite))
	if ws, err := Workspaces(ctx, db); err != nil || len(ws) != 0 {
		t.Fatalf("new store: %v, %v", ws, err)
	}
	for i, w := range []string{"ws-b", "ws-a", "ws-b"} {
		m, err := New(ctx, db, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Track(ctx, &flow.Flow{UUID: fmt.Sprintf("flow-%d", i), Name: "F"}); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := Workspaces(ctx, db)
	if err != nil || !reflect.DeepEqual(ws, []string{"ws-a", "ws-b"}) {
		t.Errorf("workspaces %v, %v; want [ws-a ws-b]", ws, err)
	}
}
