package report

import (
	"fmt"
	"iter"
	"time"

	"github.com/mhero-go/mhero/analytics"
)

// The sample is an analysis built by hand, as the analytics would give it
// for a malaria stock workflow sent twice to 400 nurses of three districts:
// one district answers far less, one question is misunderstood, and the
// response rate rose between the sends.

var sampleStart = time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)

func counts(contacted, delivered, responded, answeredAll, completed, interrupted, expired, active, stopped, training int) analytics.Counts {
	c := analytics.Counts{Contacted: contacted, Delivered: delivered, Failed: contacted - delivered, Responded: responded, AnsweredAll: answeredAll,
		Completed: completed, Interrupted: interrupted, Expired: expired, Active: active, Stopped: stopped, NeedsTraining: training}
	c.NoAnswer = delivered - responded
	return c
}

func sampleAnalysis() *analytics.Analysis {
	send1 := analytics.Group{Key: "8d2c4a6e-0000-4000-8000-000000000001", Label: "Send of 2 Mar 2026 08:00", Start: sampleStart,
		Counts: counts(200, 162, 104, 80, 150, 2, 48, 0, 14, 6)}
	send2 := analytics.Group{Key: "8d2c4a6e-0000-4000-8000-000000000002", Label: "Send of 9 Mar 2026 08:00", Start: sampleStart.AddDate(0, 0, 7),
		Counts: counts(200, 158, 128, 101, 160, 1, 35, 4, 15, 7)}
	total := counts(400, 320, 232, 181, 310, 3, 83, 4, 29, 13)
	districts := analytics.Breakdown{Dimension: analytics.ByDistrict, Groups: []analytics.Group{
		{Key: "loc-bong", Label: "Bong", Counts: counts(140, 113, 92, 74, 110, 1, 29, 0, 9, 4)},
		{Key: "loc-lofa", Label: "Lofa", Counts: counts(130, 100, 38, 27, 96, 1, 31, 2, 11, 5)},
		{Key: "loc-nimba", Label: "Nimba", Counts: counts(126, 104, 100, 78, 101, 1, 22, 2, 9, 4)},
		{Key: "", Label: "(unknown)", Counts: counts(4, 3, 2, 2, 3, 0, 1, 0, 0, 0)},
	}}
	cadres := analytics.Breakdown{Dimension: analytics.ByCadre, Groups: []analytics.Group{
		{Key: "nurse", Label: "Nurse", Counts: counts(300, 240, 176, 138, 232, 2, 63, 3, 22, 10)},
		{Key: "midwife", Label: "Midwife", Counts: counts(100, 80, 56, 43, 78, 1, 20, 1, 7, 3)},
	}}
	q := func(pos int, key, name, text string, cats []string, dist []int, asked, replied, answered, other, noResp, reAsked int, median time.Duration) analytics.Question {
		qq := analytics.Question{Key: key, Name: name, Text: text, Position: pos, Wait: true, Categories: cats,
			Asked: asked, Replied: replied, Answered: answered, Other: other, NoResponse: noResp, ReAsked: reAsked, ReAsks: reAsked,
			MedianAnswerTime: median, Timed: replied, Misfit: analytics.Rate{N: other + reAsked/2, Of: replied}}
		for i, c := range cats {
			qq.Distribution = append(qq.Distribution, analytics.CategoryCount{Category: c, Count: dist[i]})
		}
		return qq
	}
	q1 := q(1, "in_stock", "In stock", "Do you have malaria RDTs in stock today? Reply YES or NO.",
		[]string{"Yes", "No", "Other", "No Response"}, []int{150, 70, 4, 96}, 320, 224, 220, 4, 96, 6, 14*time.Minute)
	q2 := q(2, "weeks_left", "Weeks left", "How many weeks will your stock last? Reply with a number.",
		[]string{"0 to 4", "5 or more", "Other", "No Response"}, []int{120, 28, 42, 13}, 203, 190, 148, 42, 13, 51, 22*time.Minute)
	q2.Misunderstood = &analytics.Finding{Test: analytics.TwoProportion(analytics.Rate{N: 67, Of: 190}, analytics.Rate{N: 10, Of: 410}, 0.05/3),
		Statement: "Question 2 (Weeks left) seems misunderstood: 35% of the replies (67 of 190) fit no answer, against 2% (10 of 410) for the other questions (p < 0.0001): the question may be misunderstood."}
	q3 := q(3, "stockout_days", "Stock-out days", "On how many days last month did you have no RDTs? Reply with a number.",
		[]string{"None", "1 to 7", "More than 7", "Other", "No Response"}, []int{90, 60, 25, 2, 10}, 187, 177, 175, 2, 10, 3, 9*time.Minute)
	q4 := analytics.Question{Key: "stock_status", Name: "Stock status", Position: 4, Categories: []string{"Low", "OK"},
		Distribution: []analytics.CategoryCount{{Category: "Low", Count: 120}, {Category: "OK", Count: 28}}, Asked: 148}
	low := analytics.GroupFinding{Dimension: analytics.ByDistrict, Key: "loc-lofa", Label: "Lofa",
		Finding: analytics.Finding{Test: analytics.TwoProportion(analytics.Rate{N: 38, Of: 130}, analytics.Rate{N: 194, Of: 270}, 0.05/3),
			Statement: "District Lofa answers far less than the other districts: 29% of Lofa's health workers responded (38 of 130), against 72% (194 of 270) elsewhere (p < 0.0001)."}}
	trend := analytics.Change{Metric: analytics.MetricResponse, From: send1, To: send2, Before: send1.ResponseRate(), After: send2.ResponseRate(),
		Test:      analytics.TwoProportion(send2.ResponseRate(), send1.ResponseRate(), 0.05/3),
		Statement: "The response rate rose from 52% (104 of 200) to 64% (128 of 200); a change this large happens by chance about once in 70 times (p = 0.015): it is a real change."}
	trend2 := analytics.Change{Metric: analytics.MetricDelivery, From: send1, To: send2, Before: send1.DeliveryRate(), After: send2.DeliveryRate(),
		Test:      analytics.TwoProportion(send2.DeliveryRate(), send1.DeliveryRate(), 0.05/3),
		Statement: "The delivery rate went from 81% (162 of 200) to 79% (158 of 200): a change this small happens by chance 61% of the time, so it may not be real."}
	a := &analytics.Analysis{
		Flow: analytics.Flow{UUID: "5d4f7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6", Name: "Malaria commodity stock", Questions: []analytics.Question{q1, q2, q3, q4},
			TrackedOn: sampleStart.Add(-time.Hour), RefreshedOn: sampleStart.AddDate(0, 0, 10)},
		AsOf:   sampleStart.AddDate(0, 0, 10),
		Counts: total,
		Breakdowns: []analytics.Breakdown{
			{Dimension: analytics.BySend, Groups: []analytics.Group{send1, send2}},
			districts, cadres,
		},
		Questions: []analytics.Question{q1, q2, q3, q4},
		Funnel: []analytics.FunnelStep{
			{Key: "in_stock", Name: "In stock", Position: 1, Asked: 320, Replied: 224, Answered: 220, StoppedHere: 0},
			{Key: "weeks_left", Name: "Weeks left", Position: 2, Asked: 203, Replied: 190, Answered: 148, StoppedHere: 17},
			{Key: "stockout_days", Name: "Stock-out days", Position: 3, Asked: 187, Replied: 177, Answered: 175, StoppedHere: 12},
		},
		Trends:        []analytics.Change{trend, trend2},
		Misunderstood: []analytics.Question{q2},
		Low:           []analytics.GroupFinding{low},
		NonResponders: []analytics.ReasonCount{{Reason: analytics.ReasonOutOfCoverage, Count: 80}, {Reason: analytics.ReasonNoAnswer, Count: 88},
			{Reason: analytics.ReasonNeedsTraining, Count: 13}, {Reason: analytics.ReasonStopped, Count: 29}},
	}
	return a
}

// sampleNonResponders lists non-responders matching the sample's reasons
// (in part: enough for the summaries).
func sampleNonResponders() iter.Seq2[analytics.NonResponder, error] {
	districts := []analytics.Worker{
		{ID: "p-1", DistrictID: "loc-bong", District: "Bong", Facility: "Phebe Hospital", FacilityID: "f-1", Cadre: "nurse", CadreName: "Nurse"},
		{ID: "p-2", DistrictID: "loc-lofa", District: "Lofa", Facility: "Tellewoyan Hospital", FacilityID: "f-2", Cadre: "midwife", CadreName: "Midwife"},
		{ID: "p-3", DistrictID: "loc-nimba", District: "Nimba", Facility: "Ganta Clinic", FacilityID: "f-3", Cadre: "nurse", CadreName: "Nurse"},
		{},
	}
	reasons := []analytics.Reason{analytics.ReasonOutOfCoverage, analytics.ReasonNoAnswer, analytics.ReasonNeedsTraining, analytics.ReasonStopped}
	return func(yield func(analytics.NonResponder, error) bool) {
		for i := range 24 {
			w := districts[i%len(districts)]
			if w.ID != "" {
				w.ID = fmt.Sprintf("%s-%d", w.ID, i)
				w.Name = fmt.Sprintf("Worker %d", i)
			}
			n := analytics.NonResponder{Run: fmt.Sprintf("run-%03d", i), Send: "8d2c4a6e-0000-4000-8000-000000000001", Contact: fmt.Sprintf("contact-%03d", i),
				URN: fmt.Sprintf("tel:+2317700%05d", 12345+i), Name: w.Name, Worker: w, Reason: reasons[(i/3)%len(reasons)],
				Messages: 3, StartedOn: sampleStart.Add(time.Duration(i) * time.Minute)}
			switch n.Reason {
			case analytics.ReasonOutOfCoverage:
				n.FailedMessages = 3
			case analytics.ReasonStopped:
				n.StoppedAt, n.StoppedAtPosition, n.StoppedAtText, n.Answered = "weeks_left", 2, "How many weeks will your stock last?", 1
			case analytics.ReasonNeedsTraining:
				n.Misfits, n.Answered, n.ExitType = 2, 1, "completed"
			}
			if n.ExitType == "" {
				n.ExitType = "expired"
			}
			if !yield(n, nil) {
				return
			}
		}
	}
}

var sampleOptions = Options{
	UseCase:   &UseCase{ID: "UC-2026-014", Title: "Malaria RDT stock in Bong, Lofa and Nimba", Unit: "National Malaria Control Programme", Purpose: "Find facilities about to run out of malaria rapid diagnostic tests.", Requestor: "Dr. Comfort Kollie", Approver: "Dr. Moses Flomo", DataManager: "Janet Doe"},
	Generated: time.Date(2026, time.March, 12, 9, 30, 0, 0, time.UTC),
	NoPDF:     true,
}

func sampleCrossTabs() []analytics.CrossTab {
	return []analytics.CrossTab{
		{Question: "in_stock", Dimension: analytics.ByDistrict, Categories: []string{"Yes", "No", "Other", "No Response"}, Rows: []analytics.CrossTabRow{
			{Key: "loc-bong", Label: "Bong", Asked: 113, Counts: []int{60, 25, 1, 27}},
			{Key: "loc-lofa", Label: "Lofa", Asked: 100, Counts: []int{20, 16, 2, 62}},
			{Key: "loc-nimba", Label: "Nimba", Asked: 104, Counts: []int{69, 28, 1, 6}},
			{Key: "", Label: "(unknown)", Asked: 3, Counts: []int{1, 1, 0, 1}},
		}},
		{Question: "in_stock", Dimension: analytics.ByCadre, Categories: []string{"Yes", "No", "Other", "No Response"}, Rows: []analytics.CrossTabRow{
			{Key: "nurse", Label: "Nurse", Asked: 240, Counts: []int{112, 53, 3, 72}},
			{Key: "midwife", Label: "Midwife", Asked: 80, Counts: []int{38, 17, 1, 24}},
		}},
		{Question: "weeks_left", Dimension: analytics.ByDistrict, Categories: []string{"0 to 4", "5 or more", "Other", "No Response"}, Rows: []analytics.CrossTabRow{
			{Key: "loc-bong", Label: "Bong", Asked: 85, Counts: []int{50, 12, 18, 5}},
			{Key: "loc-lofa", Label: "Lofa", Asked: 36, Counts: []int{20, 4, 8, 4}},
			{Key: "loc-nimba", Label: "Nimba", Asked: 82, Counts: []int{50, 12, 16, 4}},
		}},
	}
}

func sampleMonth() *analytics.Month {
	a := sampleAnalysis()
	sends, _ := a.Breakdown(analytics.BySend)
	idsr := analytics.Flow{UUID: "0b6d1c2e-9f8a-4b7c-8d6e-5f4a3b2c1d0e", Name: "IDSR weekly report"}
	idsrSend := analytics.Group{Key: "s-idsr-1", Label: "Send of 16 Mar 2026 07:00", Start: sampleStart.AddDate(0, 0, 14), Counts: counts(250, 230, 190, 170, 228, 0, 22, 0, 10, 3)}
	totals := a.Counts
	for _, c := range []analytics.Counts{idsrSend.Counts} {
		totals.Contacted += c.Contacted
		totals.Delivered += c.Delivered
		totals.Failed += c.Failed
		totals.Responded += c.Responded
		totals.AnsweredAll += c.AnsweredAll
		totals.Completed += c.Completed
		totals.Expired += c.Expired
		totals.NoAnswer += c.NoAnswer
		totals.Stopped += c.Stopped
		totals.NeedsTraining += c.NeedsTraining
	}
	return &analytics.Month{
		Start: time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC),
		Totals: totals,
		Workflows: []analytics.MonthWorkflow{
			{Flow: a.Flow, Sends: sends.Groups, Counts: a.Counts, Misunderstood: a.Misunderstood, Low: a.Low, NonResponders: a.NonResponders},
			{Flow: idsr, Sends: []analytics.Group{idsrSend}, Counts: idsrSend.Counts, NonResponders: []analytics.ReasonCount{
				{Reason: analytics.ReasonOutOfCoverage, Count: 20}, {Reason: analytics.ReasonNoAnswer, Count: 40}, {Reason: analytics.ReasonNeedsTraining, Count: 3}, {Reason: analytics.ReasonStopped, Count: 10}}},
		},
	}
}

// sampleRuns are a few runs of the sample workflow.
func sampleRuns() iter.Seq2[analytics.Run, error] {
	return func(yield func(analytics.Run, error) bool) {
		at := sampleStart
		runs := []analytics.Run{
			{UUID: "a1f0c7de-0001-4c1e-9d1a-000000000001", Contact: "c-0001", URN: "tel:+231770000001", Worker: analytics.Worker{ID: "P000001", District: "Bong"}, Responded: true, ExitType: "completed",
				CreatedOn: at, ExitedOn: at.Add(30 * time.Minute), Answers: []analytics.Answer{
					{Key: "in_stock", Category: "Yes", Value: "yes", AskedOn: at, AnsweredOn: at.Add(5 * time.Minute), Asks: 1},
					{Key: "weeks_left", Category: "0 to 4", Value: "3", AskedOn: at.Add(5 * time.Minute), AnsweredOn: at.Add(12 * time.Minute), Asks: 2},
					{Key: "stockout_days", Category: "None", Value: "0", AskedOn: at.Add(12 * time.Minute), AnsweredOn: at.Add(20 * time.Minute), Asks: 1},
					{Key: "stock_status", Category: "Low", Value: "3", AnsweredOn: at.Add(20 * time.Minute)},
				}},
			{UUID: "a1f0c7de-0002-4c1e-9d1a-000000000002", Contact: "c-0002", URN: "tel:+231770000002", Worker: analytics.Worker{ID: "P000002", District: "Lofa"}, ExitType: "expired",
				CreatedOn: at, ExitedOn: at.AddDate(0, 0, 3), Answers: []analytics.Answer{
					{Key: "in_stock", Category: "No Response", Value: "2026-03-03T08:00:00Z", AskedOn: at, AnsweredOn: at.AddDate(0, 0, 1), Asks: 1},
				}},
			{UUID: "a1f0c7de-0003-4c1e-9d1a-000000000003", Contact: "c-0003", URN: "tel:+231770000003", Responded: true, ExitType: "",
				CreatedOn: at, Answers: []analytics.Answer{
					{Key: "in_stock", Category: "Other", Value: "we have some", AskedOn: at, AnsweredOn: at.Add(time.Hour), Asks: 3},
				}},
		}
		for _, r := range runs {
			if !yield(r, nil) {
				return
			}
		}
	}
}
