package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/mhero-go/mhero/analytics"
)

// TestFlowResultsNumeric: a number question is a numeric question of the
// package, with its range, and its responses are numbers; a reply that is
// no number has a null response and keeps the reply in the metadata.
func TestFlowResultsNumeric(t *testing.T) {
	t.Parallel()
	lo, hi := 0.0, 200.0
	staff := analytics.Question{Key: "staff_present", Name: "Staff present", Text: "How many staff are present today?", Position: 1, Wait: true,
		Categories: []string{"Has Number", "Other", "No Response"}, Type: "number", Min: &lo, Max: &hi}
	weeks := analytics.Question{Key: "weeks_left", Name: "Weeks left", Position: 2, Wait: true,
		Categories: []string{"0 to 4", "5 or more", "Other", "No Response"}, Type: "number"}
	f := analytics.Flow{UUID: "5d4f7e2a-1b3c-4d5e-8f90-a1b2c3d4e5f6", Name: "Staffing", Questions: []analytics.Question{staff, weeks}, TrackedOn: sampleStart}
	at := sampleStart
	runs := []analytics.Run{
		{UUID: "r1", Contact: "c1", Answers: []analytics.Answer{
			{Key: "staff_present", Category: "Has Number", Value: "4", AskedOn: at, AnsweredOn: at.Add(time.Minute), Asks: 1},
			{Key: "weeks_left", Category: "0 to 4", Value: "3.5", AskedOn: at, AnsweredOn: at.Add(2 * time.Minute), Asks: 1}}},
		{UUID: "r2", Contact: "c2", Answers: []analytics.Answer{
			{Key: "staff_present", Category: "Other", Value: "lots", AskedOn: at, AnsweredOn: at.Add(time.Minute), Asks: 2}}},
	}
	r := &FlowResults{Flow: f, Options: sampleOptions, Runs: func(yield func(analytics.Run, error) bool) {
		for _, run := range runs {
			if !yield(run, nil) {
				return
			}
		}
	}}
	var desc bytes.Buffer
	if err := r.WriteDescriptor(&desc, "rows.json"); err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Resources []struct {
			Schema struct {
				Questions map[string]struct {
					Type        string         `json:"type"`
					TypeOptions map[string]any `json:"type_options"`
				} `json:"questions"`
			} `json:"schema"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(desc.Bytes(), &pkg); err != nil {
		t.Fatal(err)
	}
	qs := pkg.Resources[0].Schema.Questions
	if q := qs["staff_present"]; q.Type != "numeric" || len(q.TypeOptions["range"].([]any)) != 2 || q.TypeOptions["range"].([]any)[1] != 200.0 {
		t.Errorf("staff_present %+v, want numeric with range [0, 200]", q)
	}
	if q := qs["weeks_left"]; q.Type != "numeric" || q.TypeOptions["range"] != nil {
		t.Errorf("weeks_left %+v, want numeric without a range", q)
	}
	var rows bytes.Buffer
	if n, err := r.WriteResponses(&rows); err != nil || n != 3 {
		t.Fatalf("%d rows, %v", n, err)
	}
	var got [][]any
	dec := json.NewDecoder(&rows)
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		response any
		meta     string
	}{
		{json.Number("4"), `{}`},
		{json.Number("3.5"), `{"category":"0 to 4"}`},
		{nil, `{"asks":2,"category":"Other","reply":"lots"}`},
	}
	for i, w := range want {
		meta, _ := json.Marshal(got[i][5])
		if got[i][4] != w.response || string(meta) != w.meta {
			t.Errorf("row %d: response %#v, metadata %s; want %#v, %s", i, got[i][4], meta, w.response, w.meta)
		}
	}
}
