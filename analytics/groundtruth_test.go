package analytics

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
)

// The behaviour the ground-truth tests set: 20% of the health workers out
// of coverage, 10% who never answer, one district where most never answer,
// and a question half the workers misunderstand at first.
var (
	truthMix    = sandbox.Mix{sandbox.Responsive: 0.60, sandbox.OutOfCoverage: 0.20, sandbox.Silent: 0.10, sandbox.Confused: 0.05, sandbox.DropsOut: 0.05}
	lowMix      = sandbox.Mix{sandbox.Responsive: 0.15, sandbox.OutOfCoverage: 0.20, sandbox.Silent: 0.55, sandbox.Confused: 0.05, sandbox.DropsOut: 0.05}
	lowDistrict = "D3"
	confusing   = "staff_present"
	confusedBy  = 0.5
)

func truthWorld(t testing.TB, districts, perDistrict int) *world {
	return newWorld(t, worldConfig{districts: districts, perDistrict: perDistrict, mix: truthMix, seed: 7,
		mixFor: func(fields map[string]string) sandbox.Mix {
			if fields["district"] == lowDistrict {
				return lowMix
			}
			return nil
		},
		misunderstood: map[string]float64{confusing: confusedBy}})
}

// within checks that an observed rate is the expected probability within
// sampling error: four binomial standard errors (a chance of about 1 in
// 15,000 of failing on a correct analysis).
func within(t *testing.T, what string, got Rate, p float64) {
	t.Helper()
	se := math.Sqrt(p * (1 - p) / float64(got.Of))
	if d := math.Abs(got.Value() - p); d > 4*se {
		t.Errorf("%s = %s, want %.3f ± %.3f (4 standard errors)", what, got, p, 4*se)
	} else {
		t.Logf("%s = %s, expected %.3f ± %.3f", what, got, p, 4*se)
	}
}

// truthReason is the reason a persona should be listed with, and the
// question it stops at.
func truthReason(p sandbox.Persona, misunderstands bool) (Reason, int) {
	switch p.Kind {
	case sandbox.OutOfCoverage:
		return ReasonOutOfCoverage, 0
	case sandbox.Silent:
		return ReasonNoAnswer, 0
	case sandbox.Confused:
		return ReasonNeedsTraining, 0
	case sandbox.DropsOut:
		// Each reply counts, the first one to a misunderstood question
		// too: a worker answering two stops at it when they misunderstand
		// it (their second reply did not fit, and they did not reply to
		// the retry).
		if p.Answered == 2 && misunderstands {
			return ReasonStopped, 2
		}
		return ReasonStopped, p.Answered + 1
	}
	return "", 0
}

func TestGroundTruth(t *testing.T) {
	t.Parallel()
	const districts, perDistrict = 5, 240
	wd := truthWorld(t, districts, perDistrict)
	wd.send(t, 4*24*time.Hour)
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
		n := districts * perDistrict
		if a.Counts.Contacted != n {
			t.Fatalf("contacted %d, want %d", a.Counts.Contacted, n)
		}

		// Rates recovered within sampling error of the behaviour set.
		within(t, "out of coverage", a.Counts.FailureRate(), 0.20)
		districtsB, _ := a.Breakdown(ByDistrict)
		var others Counts
		for _, g := range districtsB.Groups {
			if g.Key == lowDistrict {
				within(t, "response rate in the low district", g.ResponseRate(), lowMix[sandbox.Responsive]+lowMix[sandbox.Confused]+lowMix[sandbox.DropsOut])
				continue
			}
			others = addCounts(others, g.Counts)
		}
		within(t, "never answered, elsewhere", Rate{others.NoAnswer, others.Contacted}, 0.10)
		within(t, "response rate elsewhere", others.ResponseRate(), 0.70)
		// Of the workers who replied to the confusing question, the
		// confused ones always misfit and half of the others at first.
		var replied, expect float64
		for d := range districts {
			mix := truthMix
			if d == 2 {
				mix = lowMix
			}
			answering := mix[sandbox.Responsive] + mix[sandbox.DropsOut]/2 // drop-outs who answer two
			replied += answering + mix[sandbox.Confused]
			expect += mix[sandbox.Confused] + confusedBy*answering
		}
		q, _ := a.Question(confusing)
		within(t, "misfit replies to the confusing question", q.Misfit, expect/replied)

		// Flags: that question, that district, nothing else.
		var flaggedQ []string
		for _, q := range a.Misunderstood {
			flaggedQ = append(flaggedQ, q.Key)
			t.Log(q.Misunderstood.Statement)
		}
		if !slices.Equal(flaggedQ, []string{confusing}) {
			t.Errorf("misunderstood questions %v, want [%s]", flaggedQ, confusing)
		}
		var low []string
		for _, g := range a.Low {
			if g.Dimension == ByDistrict {
				low = append(low, g.Key)
				t.Log(g.Statement)
			}
		}
		if !slices.Equal(low, []string{lowDistrict}) {
			t.Errorf("low districts %v, want [%s]", low, lowDistrict)
		}

		// Each non-responder with the right reason, and nobody else.
		listed := map[string]NonResponder{}
		for nr, err := range m.NonResponders(ctx, wd.flow.UUID, Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			listed[nr.URN] = nr
		}
		counts := map[Reason]int{}
		for _, hw := range wd.workers {
			p := wd.sb.Engine.Persona(hw.urn)
			want, stop := truthReason(p, wd.sb.Engine.Misunderstands(hw.urn, confusing))
			got, ok := listed[hw.urn]
			switch {
			case want == "" && ok:
				t.Errorf("%s (%s) listed as %s: %s", hw.urn, p.Kind, got.Reason, got.Explanation())
			case want != "" && !ok:
				t.Errorf("%s (%s) not listed, want %s", hw.urn, p.Kind, want)
			case want != "" && got.Reason != want:
				t.Errorf("%s (%s) listed as %s, want %s", hw.urn, p.Kind, got.Reason, want)
			case want == ReasonStopped && got.StoppedAtPosition != stop:
				t.Errorf("%s (%s, answers %d) stopped at question %d, want %d", hw.urn, p.Kind, p.Answered, got.StoppedAtPosition, stop)
			}
			if ok && got.Worker.ID != hw.ID {
				t.Errorf("%s listed as worker %q, want %q", hw.urn, got.Worker.ID, hw.ID)
			}
			counts[want]++
		}
		for _, rc := range a.NonResponders {
			if rc.Count != counts[rc.Reason] {
				t.Errorf("%s: %d non-responders counted, %d in truth", rc.Reason, rc.Count, counts[rc.Reason])
			}
		}
	})
}
