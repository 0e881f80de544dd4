package report

import (
	"context"
	"fmt"
	"iter"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/ihris"
)

// WrittenBack counts what WriteBack did.
type WrittenBack struct {
	// Created and Updated count the QuestionnaireResponses stored anew
	// and those already there (an earlier write-back), brought up to date.
	Created, Updated int
	// Skipped counts the runs of contacts that no target sync linked to a
	// health worker: iHRIS has no Practitioner to link them to.
	Skipped int
}

// WriteBack records each run of a workflow in iHRIS as one FHIR
// QuestionnaireResponse linked to the health worker's Practitioner,
// through the iHRIS write-back (ihris.Registry.RecordRun): the write is
// conditional on the run's UUID, so a retried or repeated write-back
// updates a record and never duplicates it. Each answer is an item whose
// linkId is the result key, with the question's text.
func WriteBack(ctx context.Context, reg *ihris.Registry, flow analytics.Flow, runs iter.Seq2[analytics.Run, error]) (WrittenBack, error) {
	var done WrittenBack
	texts := map[string]string{}
	for _, q := range flow.Questions {
		texts[q.Key] = q.Text
		if texts[q.Key] == "" {
			texts[q.Key] = q.Name
		}
	}
	for run, err := range runs {
		if err != nil {
			return done, fmt.Errorf("report: listing the runs: %w", err)
		}
		if run.Worker.ID == "" {
			done.Skipped++
			continue
		}
		r := ihris.Run{UUID: run.UUID, FlowUUID: flow.UUID, Worker: run.Worker.ID, ExitType: run.ExitType, StartedOn: run.CreatedOn, ExitedOn: run.ExitedOn}
		for _, a := range run.Answers {
			if a.AnsweredOn.IsZero() && a.Value == "" {
				continue
			}
			v := a.Value
			if a.Category != "" && a.Category != a.Value && a.Category != "All Responses" {
				v = a.Category
			}
			r.Answers = append(r.Answers, ihris.Answer{Key: a.Key, Question: texts[a.Key], Value: v})
		}
		rec, err := reg.RecordRun(ctx, r)
		if err != nil {
			return done, fmt.Errorf("report: writing run %s back to iHRIS: %w", run.UUID, err)
		}
		if rec.Created {
			done.Created++
		} else {
			done.Updated++
		}
	}
	return done, nil
}
