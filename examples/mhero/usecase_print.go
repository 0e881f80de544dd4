package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/usecase"
)

// printRecord prints a use case as mhero usecase show does.
func printRecord(w io.Writer, rec *usecase.Record, v *usecase.Version, tests []usecase.Test, aps []*usecase.Approval) {
	f := rec.Form
	loc := caseZone(rec)
	fmt.Fprintf(w, "%s  %s\n", rec.ID, rec.Title)
	step := fmt.Sprintf("step %d of %d", rec.State.Step(), len(usecase.States())-1)
	if rec.State == usecase.StateCancelled {
		step = "because " + rec.Reason
	}
	fmt.Fprintf(w, "  state        %s (%s)\n", rec.State.Label(), step)
	fmt.Fprintf(w, "  unit         %s; Director %s\n", f.Unit.Name, f.Unit.Director)
	fmt.Fprintf(w, "  requestor    %s\n", f.Requestor)
	fmt.Fprintf(w, "  approver     %s\n", f.ApproverOrDirector())
	if !rec.DataManager.IsZero() {
		fmt.Fprintf(w, "  data manager %s\n", rec.DataManager)
	}
	fmt.Fprintf(w, "  purpose      %s\n", strings.Join(strings.Fields(f.Purpose), " "))
	filed := f.Filed.Format(dateLayout)
	if rec.Late {
		filed += " (flagged: less than a week before the send date)"
	}
	fmt.Fprintf(w, "  filed        %s\n", filed)
	fmt.Fprintf(w, "  version      %d, %s by %s: %s (binding %s)\n", v.N, showTime(v.CreatedAt, loc), v.CreatedBy, v.Reason, v.BindingHash[:12])
	fmt.Fprintf(w, "  workflow     %s\n", v.WorkflowFile)
	fmt.Fprintf(w, "  target       %s\n", v.Target)
	fmt.Fprintf(w, "  send         %s\n", v.Binding.Window)
	for _, fu := range f.FollowUp {
		fmt.Fprintf(w, "  follow-up    %s\n", fu)
	}
	if rec.Cost != nil {
		fmt.Fprintf(w, "  cost         %d to %d SMS for %d health workers\n", rec.Cost.ExpectedTotal, rec.Cost.LongestTotal, rec.Cost.Recipients)
	}
	if rec.StartUUID != "" {
		fmt.Fprintf(w, "  started      %s, flow start %s, %d health workers\n", showTime(rec.StartedAt, loc), rec.StartUUID, rec.Recipients)
	}
	if m := rec.Monitoring; m != nil {
		fmt.Fprintf(w, "  monitoring   as of %s: %s\n", showTime(m.AsOf, loc), m.Summary())
	}
	printReports(w, rec.Reports)
	for _, t := range tests {
		line := fmt.Sprintf("  test         #%d v%d %s, %s by %s", t.ID, t.Version, phoneName(t.Kind), showStamp(t.At, loc), t.Actor)
		if t.URN != "" {
			line += " (" + rapidpro.MaskURN(t.URN) + ")"
		}
		if t.Coverage != nil {
			line += "; coverage " + t.Coverage.String()
		}
		fmt.Fprintln(w, line)
	}
	for _, a := range aps {
		line := fmt.Sprintf("  approval     #%d v%d %s, asked %s of %s", a.ID, a.Version, a.Status, showTime(a.RequestedAt, loc), a.Approver.Name)
		if a.Evidence != nil {
			line += "; evidence " + a.Evidence.Kind
		}
		if len(a.Refused) > 0 {
			line += fmt.Sprintf("; %d %s refused", len(a.Refused), plural(len(a.Refused), "reply", "replies"))
		}
		if a.Reason != "" {
			line += "; " + a.Reason
		}
		fmt.Fprintln(w, line)
	}
}

// printReports summarises a use case's report files in one line: the
// reports are many files (workbooks, CSVs, PDFs), listed by mhero usecase
// report when written.
func printReports(w io.Writer, reports []usecase.Report) {
	switch len(reports) {
	case 0:
		return
	case 1:
		r := reports[0]
		fmt.Fprintf(w, "  reports      %s %s (SHA-256 %s)\n", r.Kind, r.Path, r.SHA256[:12])
		return
	}
	dir := filepath.Dir(reports[0].Path)
	var kinds []string
	count := map[string]int{}
	for _, r := range reports {
		for !within(r.Path, dir) && dir != filepath.Dir(dir) {
			dir = filepath.Dir(dir)
		}
		if count[r.Kind] == 0 {
			kinds = append(kinds, r.Kind)
		}
		count[r.Kind]++
	}
	for i, k := range kinds {
		kinds[i] = fmt.Sprintf("%s %d", k, count[k])
	}
	fmt.Fprintf(w, "  reports      %d files in %s (%s)\n", len(reports), dir, strings.Join(kinds, ", "))
}

// within reports whether path is in dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// printApprovalRequest prints what the approver is asked to approve.
func printApprovalRequest(w io.Writer, r *usecase.ApprovalRequest, loc *time.Location) {
	fmt.Fprintf(w, "Approval requested of %s for %s version %d: %q\n", r.Approver, r.Case, r.Version, r.Title)
	fmt.Fprintf(w, "  unit %s; requested by %s; developed by %s\n", r.Unit, r.Requestor, r.DataManager)
	if r.Late {
		fmt.Fprintln(w, "  flagged: the request was filed less than a week before the send date")
	}
	fmt.Fprintf(w, "  purpose: %s\n", strings.Join(strings.Fields(r.Purpose), " "))
	for _, fu := range r.FollowUp {
		fmt.Fprintf(w, "  follow-up: %s\n", fu)
	}
	fmt.Fprintf(w, "\nWorkflow %q (%s), %d questions:\n", r.Workflow, strings.Join(r.Languages, ", "), len(r.Questions))
	for i, q := range r.Questions {
		fmt.Fprintf(w, "  %d. %s [%s]: %s\n", i+1, q.Key, q.Type, oneLineText(q.Ask))
		for _, lang := range slices.Sorted(maps.Keys(q.Translations)) {
			fmt.Fprintf(w, "     %s: %s\n", lang, oneLineText(q.Translations[lang]))
		}
		if len(q.Categories) > 0 {
			fmt.Fprintf(w, "     answers: %s\n", strings.Join(q.Categories, ", "))
		}
		if q.When != "" {
			fmt.Fprintf(w, "     asked when: %s\n", q.When)
		}
	}
	fmt.Fprintf(w, "\nTarget: %s\n", r.Target)
	fmt.Fprintf(w, "  %d health workers reached; %d selected cannot be reached\n", r.Recipients, r.Unreachable)
	for _, level := range []string{"region", "district"} {
		if m := r.ByPlace[level]; len(m) > 0 {
			fmt.Fprintf(w, "  by %s: %s\n", level, tally(m, 8))
		}
	}
	if len(r.ByCadre) > 0 {
		fmt.Fprintf(w, "  by cadre: %s\n", tally(r.ByCadre, 8))
	}
	c := r.Cost
	fmt.Fprintf(w, "\nCost: %s\n", c)
	for _, l := range c.Languages {
		fmt.Fprintf(w, "  %s: expected path %d SMS parts (%d messages, %d UCS-2), longest %d (%d messages, %d UCS-2) a health worker\n",
			l.Language, l.Expected.Segments, l.Expected.Messages, l.Expected.UCS2, l.Longest.Segments, l.Longest.Messages, l.Longest.UCS2)
	}
	fmt.Fprintf(w, "Send: %s\n", r.Window)
	if r.Previous > 0 {
		fmt.Fprintf(w, "\nChanged since version %d, approved before:\n", r.Previous)
		for _, ch := range r.Changes {
			fmt.Fprintf(w, "  %s\n", ch)
		}
	}
	if len(r.Tests) > 0 {
		fmt.Fprintln(w, "\nTests of this version:")
		for _, t := range r.Tests {
			fmt.Fprintf(w, "  %s\n", t)
		}
	}
	fmt.Fprintf(w, "\nThe approval is bound to %s: any change of a question, a translation, the target or the send window voids it.\n", r.BindingHash)
	fmt.Fprintf(w, "SMS sent to %s (the code is shown only there):\n  %s\n", rapidpro.MaskURN(r.Approver.URN), r.SMS)
	fmt.Fprintf(w, "The code expires %s.\n", showTime(r.ExpiresAt, loc))
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

// caseZone is the time zone a use case's times are shown in: the one its
// Request Form asks the workflow to be sent in (UTC when it names none).
func caseZone(rec *usecase.Record) *time.Location {
	if rec == nil || rec.Form.Send.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(rec.Form.Send.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
