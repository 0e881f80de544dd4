package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/usecase"
)

// The steps of mhero usecase, one function each. Each parses what is left
// of its arguments, opens the store and the servers (c.open) and prints
// its result: as text for people, or as JSON with --json.

func ucNew(c *ucCmd, pos []string) int {
	if len(pos) != 1 {
		fmt.Fprintf(c.e.stderr, "mhero %s: give one Request Form file\n", c.name())
		c.usage()
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	form, ps, err := readForm(pos[0], c.now())
	if err != nil {
		if len(ps) == 0 {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid
		}
		return c.fail(ps)
	}
	for _, p := range ps.Warnings() {
		fmt.Fprintln(c.e.stderr, p)
	}
	rec, err := c.m.Create(c.ctx, *form, c.actor())
	if err != nil {
		return c.fail(err)
	}
	if *c.asJSON {
		return c.e.printJSON(c.name(), rec)
	}
	fmt.Fprintf(c.e.stdout, "%s recorded: %q from %s (%s)\n", rec.ID, rec.Title, rec.Unit, rec.State.Label())
	if rec.Late {
		fmt.Fprintln(c.e.stdout, "  flagged: filed less than a week before the send date")
	}
	next(c, rec)
	return exitOK
}

// next prints the SOP's next step for the use case.
func next(c *ucCmd, rec *usecase.Record) {
	if n := nextStep(rec); n != "" {
		fmt.Fprintf(c.e.stdout, "Next: %s\n", n)
	}
}

// nextStep says what the Data Manager does next with a use case.
func nextStep(rec *usecase.Record) string {
	id := rec.ID
	switch rec.State {
	case usecase.StateRequested:
		return "review it with the Requestor, then mhero usecase review " + id + " --phone YOUR_PHONE"
	case usecase.StateReviewed, usecase.StateInDevelopment:
		return "mhero usecase test " + id + " --sim"
	case usecase.StateSimulated:
		return "mhero usecase test " + id + " --phone dm"
	case usecase.StateTestedDM:
		return "mhero usecase notify " + id
	case usecase.StateNotified:
		return "mhero usecase test " + id + " --phone requestor"
	case usecase.StateTestedReq:
		return "mhero usecase feedback " + id + " --accept \"WHAT THE REQUESTOR SAID\" (or without --accept: the changes asked)"
	case usecase.StateAccepted:
		return "mhero usecase request-approval " + id
	case usecase.StateApprovalRequested:
		return "mhero usecase approve " + id + " (reads the approver's reply)"
	case usecase.StateApproved:
		return "mhero usecase activate " + id + " --wait"
	case usecase.StateActive:
		return "mhero usecase monitor " + id
	case usecase.StateMonitoring:
		if len(rec.Reports) > 0 {
			return "mhero usecase send-report " + id + " --where \"WHERE THE REQUESTOR FINDS IT\" (or monitor and report again)"
		}
		return "mhero usecase report " + id + " (or monitor again, for fresher numbers)"
	}
	return ""
}

func ucShow(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, err := c.m.Get(c.ctx, id)
	if err != nil {
		return c.fail(err)
	}
	v, err := c.m.Version(c.ctx, rec.ID, 0)
	if err != nil {
		return c.fail(err)
	}
	tests, err := c.m.Tests(c.ctx, rec.ID)
	if err != nil {
		return c.fail(err)
	}
	aps, err := c.m.Approvals(c.ctx, rec.ID)
	if err != nil {
		return c.fail(err)
	}
	if *c.asJSON {
		return c.e.printJSON(c.name(), struct {
			Record    *usecase.Record     `json:"record"`
			Version   *usecase.Version    `json:"version"`
			Tests     []usecase.Test      `json:"tests"`
			Approvals []*usecase.Approval `json:"approvals"`
			Next      string              `json:"next,omitempty"`
		}{rec, v, tests, aps, nextStep(rec)})
	}
	printRecord(c.e.stdout, rec, v, tests, aps)
	next(c, rec)
	return exitOK
}

func ucList(c *ucCmd, pos []string) int {
	if len(pos) > 0 {
		fmt.Fprintf(c.e.stderr, "mhero %s: unexpected argument %q\n", c.name(), pos[0])
		c.usage()
		return exitUsage
	}
	f := usecase.Filter{Open: *c.flags.open}
	if s := *c.flags.state; s != "" {
		st, ok := parseState(s)
		if !ok {
			fmt.Fprintf(c.e.stderr, "mhero %s: unknown state %q (%s)\n", c.name(), s, stateNames())
			return exitUsage
		}
		f.States = []usecase.State{st}
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	var recs []*usecase.Record
	for rec, err := range c.m.List(c.ctx, f) {
		if err != nil {
			return c.fail(err)
		}
		recs = append(recs, rec)
	}
	if *c.asJSON {
		if recs == nil {
			recs = []*usecase.Record{}
		}
		return c.e.printJSON(c.name(), recs)
	}
	if len(recs) == 0 {
		fmt.Fprintln(c.e.stdout, "No use cases. Record one with mhero usecase new FORM.yaml.")
		return exitOK
	}
	fmt.Fprintf(c.e.stdout, "%-8s %-34s %-7s %-15s %s\n", "ID", "STATE", "VERSION", "UPDATED", "TITLE")
	for _, rec := range recs {
		title := rec.Title
		if rec.Late {
			title += " (filed late)"
		}
		fmt.Fprintf(c.e.stdout, "%-8s %-34s %-7d %-15s %s\n", rec.ID, rec.State.Label(), rec.Version, rec.UpdatedAt.In(caseZone(rec)).Format(dateLayout), title)
	}
	return exitOK
}

func ucReview(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if strings.TrimSpace(*c.flags.phone) == "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: give your test phone (--phone, or MHERO_PHONE)\n", c.name())
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, err := c.m.Review(c.ctx, id, usecase.ReviewInput{
		DataManager: usecase.Person{Name: c.actor(), Title: "Data Manager", Phone: *c.flags.phone},
		Notes:       *c.flags.notes})
	if err != nil {
		return c.fail(err)
	}
	return c.done(rec, nil, fmt.Sprintf("%s reviewed by %s, the Data Manager (test phone %s)", rec.ID, rec.DataManager.Name, rapidpro.MaskURN(rec.DataManager.URN)))
}

// done prints a step's result: the record (and extra, under "result")
// as JSON, or the line and the next step.
func (c *ucCmd) done(rec *usecase.Record, extra any, line string) int {
	if *c.asJSON {
		if extra == nil {
			return c.e.printJSON(c.name(), rec)
		}
		return c.e.printJSON(c.name(), struct {
			Record *usecase.Record `json:"record"`
			Result any             `json:"result"`
		}{rec, extra})
	}
	fmt.Fprintln(c.e.stdout, line)
	next(c, rec)
	return exitOK
}

// runStep runs a step that takes just the use case ID and calls the Manager
// once: it opens what the step works with, makes the call and prints the
// record and its result as JSON, or the result with print and the next
// step.
func runStep[T any](c *ucCmd, pos []string, call func(id string) (*usecase.Record, T, error), print func(w io.Writer, rec *usecase.Record, x T)) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, x, err := call(id)
	if err != nil {
		return c.fail(err)
	}
	c.bar.done()
	if *c.asJSON {
		return c.done(rec, x, "")
	}
	print(c.e.stdout, rec, x)
	next(c, rec)
	return exitOK
}

func ucTest(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	f := c.flags
	n := 0
	for _, set := range []bool{*f.sim, *f.phone != "", *f.transcript} {
		if set {
			n++
		}
	}
	if n != 1 {
		fmt.Fprintf(c.e.stderr, "mhero %s: say which test: --sim, --phone dm, --phone requestor, or --transcript\n", c.name())
		c.usage()
		return exitUsage
	}
	who := usecase.TestPhone(strings.ToLower(*f.phone))
	if *f.phone != "" && who != usecase.PhoneDataManager && who != usecase.PhoneRequestor {
		fmt.Fprintf(c.e.stderr, "mhero %s: --phone %q: the test phones are dm (the Data Manager's) and requestor\n", c.name(), *f.phone)
		return exitUsage
	}
	if *f.sim {
		// The simulator needs no server.
		c.sub = &ucSub{name: c.sub.name, synopsis: c.sub.synopsis, doc: c.sub.doc, access: noServer}
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	switch {
	case *f.sim:
		rec, test, err := c.m.Simulate(c.ctx, id, c.actor(), nil)
		if err != nil {
			return c.fail(err)
		}
		if *c.asJSON {
			return c.done(rec, test, "")
		}
		for _, t := range test.Transcripts {
			fmt.Fprint(c.e.stdout, t)
		}
		cov := test.Coverage
		fmt.Fprintf(c.e.stdout, "\nVersion %d tested in the simulator: %d conversations; coverage: %s\n", test.Version, len(test.Transcripts), cov)
		if un := cov.Untried(); len(un) > 0 {
			fmt.Fprintf(c.e.stdout, "Never tried (%d): try them on the test phones:\n", len(un))
			for _, b := range un {
				fmt.Fprintf(c.e.stdout, "  %s\n", b)
			}
		}
		next(c, rec)
		return exitOK
	case *f.transcript:
		tests, err := c.m.Tests(c.ctx, id)
		if err != nil {
			return c.fail(err)
		}
		var last *usecase.Test
		for i := range tests {
			if tests[i].FlowStart != "" {
				last = &tests[i]
			}
		}
		if last == nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: no phone test yet (mhero usecase test ID --phone dm)\n", c.name())
			return exitInvalid
		}
		tr, err := c.m.LiveTranscript(c.ctx, id, last.ID)
		if err != nil {
			return c.fail(err)
		}
		if *c.asJSON {
			return c.e.printJSON(c.name(), tr)
		}
		fmt.Fprintf(c.e.stdout, "Test %d of version %d on %s (%s), %s:\n", last.ID, last.Version, phoneName(last.Kind), rapidpro.MaskURN(last.URN), last.At)
		fmt.Fprint(c.e.stdout, tr)
		return exitOK
	}
	rec, test, err := c.m.TestOnPhone(c.ctx, id, c.actor(), who)
	if err != nil {
		return c.fail(err)
	}
	return c.done(rec, test, fmt.Sprintf("Version %d started on %s (%s) only: flow start %s.\nRead the conversation back with mhero usecase test %s --transcript.",
		test.Version, phoneName(test.Kind), rapidpro.MaskURN(test.URN), test.FlowStart, rec.ID))
}

func phoneName(k usecase.TestKind) string {
	switch k {
	case usecase.TestDataManager:
		return "the Data Manager's phone"
	case usecase.TestRequestorPhone:
		return "the Requestor's phone"
	}
	return "the simulator"
}

func ucNotify(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, err := c.m.Notify(c.ctx, id, c.actor())
	if err != nil {
		return c.fail(err)
	}
	return c.done(rec, nil, fmt.Sprintf("%s: the Requestor %s is told, in one SMS, that a test is coming", rec.ID, rec.Form.Requestor))
}

func ucFeedback(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, true)
	if !ok {
		return exitUsage
	}
	text := strings.Join(pos[1:], " ")
	if strings.TrimSpace(text) == "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: give the Requestor's words after the ID\n", c.name())
		c.usage()
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, err := c.m.Feedback(c.ctx, id, usecase.FeedbackInput{By: c.actor(), Text: text, Accept: *c.flags.accept})
	if err != nil {
		return c.fail(err)
	}
	line := fmt.Sprintf("%s: version %d accepted by the Requestor", rec.ID, rec.Version)
	if !*c.flags.accept {
		line = fmt.Sprintf("%s: changes asked by the Requestor; back in development (edit it, then test again)", rec.ID)
	}
	return c.done(rec, nil, line)
}

func ucEdit(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	f := c.flags
	if strings.TrimSpace(*f.reason) == "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: say why it changes (--reason)\n", c.name())
		return exitUsage
	}
	if *f.workflowFile == "" && *f.targetFile == "" && *f.sendDate == "" && *f.sendTime == "" && !*f.atOnce {
		fmt.Fprintf(c.e.stderr, "mhero %s: nothing to change: give --workflow, --target, --send-date, --send-time or --at-once\n", c.name())
		return exitUsage
	}
	in := usecase.EditInput{By: c.actor(), Reason: *f.reason}
	if *f.workflowFile != "" {
		data, err := readFile(*f.workflowFile)
		if err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid
		}
		in.WorkflowFile, in.Workflow = filepath.Clean(*f.workflowFile), data
	}
	if *f.targetFile != "" {
		g, err := target.ParseGroupFile(*f.targetFile)
		if err != nil {
			fmt.Fprintln(c.e.stderr, err)
			return exitInvalid
		}
		in.Target = g
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	if *f.sendDate != "" || *f.sendTime != "" || *f.atOnce {
		v, err := c.m.Version(c.ctx, id, 0)
		if err != nil {
			return c.fail(err)
		}
		send := v.Send
		if *f.sendDate != "" {
			send.Date = *f.sendDate
		}
		if *f.sendTime != "" {
			send.Time = *f.sendTime
		}
		if *f.atOnce {
			send.AtOnce = true
		}
		if _, err := send.SendWindow(); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid
		}
		in.Send = &send
	}
	rec, changes, err := c.m.Edit(c.ctx, id, in)
	if err != nil {
		return c.fail(err)
	}
	if *c.asJSON {
		return c.done(rec, changes, "")
	}
	fmt.Fprintf(c.e.stdout, "%s: version %d; the tests start again, and an approval of an earlier version is void\n", rec.ID, rec.Version)
	for _, ch := range changes {
		fmt.Fprintf(c.e.stdout, "  %s\n", ch)
	}
	next(c, rec)
	return exitOK
}

func ucRequestApproval(c *ucCmd, pos []string) int {
	return runStep(c, pos, func(id string) (*usecase.Record, *usecase.ApprovalRequest, error) {
		return c.m.RequestApproval(c.ctx, id, c.actor())
	}, func(w io.Writer, rec *usecase.Record, req *usecase.ApprovalRequest) {
		printApprovalRequest(w, req, caseZone(rec))
	})
}

func ucApprove(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	var scan []byte
	if *c.flags.scan != "" {
		var err error
		if scan, err = os.ReadFile(*c.flags.scan); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid
		}
		// A scan needs no server.
		c.sub = &ucSub{name: c.sub.name, synopsis: c.sub.synopsis, doc: c.sub.doc, access: noServer}
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	if scan != nil {
		rec, err := c.m.ApproveWithScan(c.ctx, id, usecase.ScanInput{By: c.actor(), File: filepath.Base(*c.flags.scan), Data: scan})
		if err != nil {
			return c.fail(err)
		}
		return c.done(rec, nil, fmt.Sprintf("%s: version %d approved; evidence: the scan %s", rec.ID, rec.Version, filepath.Base(*c.flags.scan)))
	}
	before := 0
	if aps, err := c.m.Approvals(c.ctx, id); err == nil && len(aps) > 0 {
		before = len(aps[len(aps)-1].Refused)
	}
	rec, a, err := c.m.CheckApproval(c.ctx, id, c.actor())
	if err != nil {
		return c.fail(err)
	}
	var refused []usecase.Refusal
	if len(a.Refused) > before {
		refused = a.Refused[before:]
	}
	status := exitOK
	switch {
	case a.Status == usecase.ApprovalPending && len(refused) > 0:
		status = exitInvalid
	case a.Status == usecase.ApprovalPending:
		status = exitPending
	case a.Status != usecase.ApprovalApproved:
		status = exitInvalid
	}
	if *c.asJSON {
		if st := c.done(rec, a, ""); st != exitOK {
			return st
		}
		return status
	}
	if a.Status == usecase.ApprovalApproved {
		ev := a.Evidence
		fmt.Fprintf(c.e.stdout, "%s: version %d approved by %s; evidence: SMS %q from their registered phone %s at %s\n",
			rec.ID, a.Version, a.Approver.Name, ev.Text, rapidpro.MaskURN(ev.URN), showTime(ev.ReceivedAt, caseZone(rec)))
		next(c, rec)
		return exitOK
	}
	w := c.e.stderr
	for _, r := range refused {
		fmt.Fprintf(w, "mhero %s: refused a reply from %s at %s: %s\n", c.name(), r.URN, showTime(r.ReceivedAt, caseZone(rec)), r.Why)
	}
	switch a.Status {
	case usecase.ApprovalRejected:
		fmt.Fprintf(w, "mhero %s: %s rejected version %d: %s\nThe use case is back in development: edit it, test it again, and request the approval again.\n",
			c.name(), a.Approver.Name, a.Version, cmpOr(a.Reason, "no reason given"))
	case usecase.ApprovalExpired:
		fmt.Fprintf(w, "mhero %s: the approval request expired on %s without a valid reply: mhero usecase request-approval %s again\n",
			c.name(), showTime(a.ExpiresAt, caseZone(rec)), rec.ID)
	case usecase.ApprovalPending:
		what := "not yet: no reply"
		if len(refused) > 0 {
			what = "still no valid reply"
		}
		fmt.Fprintf(w, "mhero %s: %s from %s on their registered phone %s since %s; the code expires %s\n",
			c.name(), what, a.Approver.Name, rapidpro.MaskURN(a.Approver.URN), showTime(a.RequestedAt, caseZone(rec)), showTime(a.ExpiresAt, caseZone(rec)))
	}
	return status
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func ucActivate(c *ucCmd, pos []string) int {
	return runStep(c, pos, func(id string) (*usecase.Record, *usecase.Activation, error) {
		return c.m.Activate(c.ctx, id, usecase.ActivateInput{By: c.actor(), Wait: *c.flags.wait, FullSync: *c.flags.fullSync})
	}, printActivation)
}

func printActivation(w io.Writer, rec *usecase.Record, act *usecase.Activation) {
	s := act.Sync
	fmt.Fprintf(w, "%s activated: flow started once for group %q, %d health workers (flow start %s, %s)\n",
		rec.ID, s.Group, s.Reachable, act.Start.UUID, showTime(act.Start.CreatedOn.Time, caseZone(rec)))
	if act.Resumed {
		fmt.Fprintln(w, "  the start made by an interrupted activation was found, not made again")
	}
	fmt.Fprintf(w, "  approval %d of version %d (binding %s), evidence: %s\n", act.Approval.ID, act.Approval.Version, act.Approval.Binding[:12], act.Approval.Evidence.Kind)
	fmt.Fprintf(w, "  target sync: %d contacts created, %d updated, %d unchanged; group %d added, %d removed; %d not reachable\n",
		s.Created, s.Updated, s.Unchanged, s.Added, s.Removed, len(s.Skipped))
}

func ucMonitor(c *ucCmd, pos []string) int {
	return runStep(c, pos, func(id string) (*usecase.Record, *usecase.Monitoring, error) {
		return c.m.Monitor(c.ctx, id, c.actor())
	}, printMonitoring)
}

func printMonitoring(w io.Writer, rec *usecase.Record, mon *usecase.Monitoring) {
	a := mon.Analysis
	fmt.Fprintf(w, "%s as of %s: %s\n", rec.ID, showTime(a.AsOf, caseZone(rec)), rec.Monitoring.Summary())
	for _, q := range a.Questions {
		if !q.Wait {
			continue
		}
		var parts []string
		for _, d := range q.Distribution {
			if d.Count > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", d.Category, d.Count))
			}
		}
		if q.Waiting > 0 {
			parts = append(parts, fmt.Sprintf("still waiting %d", q.Waiting))
		}
		fmt.Fprintf(w, "  %-22s asked %d, answered %s: %s\n", q.Key, q.Asked, q.AnswerRate(), strings.Join(parts, ", "))
	}
	for _, r := range a.NonResponders {
		if r.Count > 0 {
			fmt.Fprintf(w, "  not responding, %s: %d\n", r.Reason.Label(), r.Count)
		}
	}
	for _, q := range a.Misunderstood {
		fmt.Fprintf(w, "  %s may be misunderstood: %s of the replies fit no category\n", q.Key, q.Misfit)
	}
}

func ucReport(c *ucCmd, pos []string) int {
	f := c.flags
	var dir string
	return runStep(c, pos, func(id string) (*usecase.Record, *usecase.Reports, error) {
		rec, err := c.m.Get(c.ctx, id)
		if err != nil {
			return nil, nil, err
		}
		dir = cmpOr(*f.dir, rec.ID+"-reports")
		return c.m.Report(c.ctx, id, usecase.ReportInput{By: c.actor(), Dir: dir, ShowPhones: *f.showPhones,
			NoPDF: *f.noPDF, Chromium: *f.chromium})
	}, func(w io.Writer, rec *usecase.Record, reps *usecase.Reports) {
		printReportFiles(w, rec, reps, dir)
	})
}

func printReportFiles(w io.Writer, rec *usecase.Record, reps *usecase.Reports, dir string) {
	fmt.Fprintf(w, "%s: %d report files written in %s, each one's SHA-256 recorded\n", rec.ID, len(reps.Files), dir)
	csvs := 0
	for _, r := range reps.Files {
		// The Monitoring Tool's tables are also written one CSV file
		// each: they are counted, not listed.
		if strings.HasSuffix(r.Path, ".csv") {
			csvs++
			continue
		}
		fmt.Fprintf(w, "  %-10s %s\n", r.Kind, r.Path)
	}
	if csvs > 0 {
		fmt.Fprintf(w, "  and the Monitoring Tool's tables as %d CSV files\n", csvs)
	}
	if reps.PDFSkipped != "" {
		fmt.Fprintf(w, "  no PDF: %s\n", reps.PDFSkipped)
	}
}

func ucSendReport(c *ucCmd, pos []string) int {
	return runStep(c, pos, func(id string) (*usecase.Record, *usecase.Delivery, error) {
		return c.m.SendReport(c.ctx, id, usecase.SendInput{By: c.actor(), Where: *c.flags.where})
	}, func(w io.Writer, rec *usecase.Record, d *usecase.Delivery) {
		fmt.Fprintf(w, "%s reported and closed: the Requestor %s was told in one SMS:\n  %s\n", rec.ID, d.To, d.Text)
	})
}

func ucCancel(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if strings.TrimSpace(*c.flags.reason) == "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: a cancellation needs a reason (--reason)\n", c.name())
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	rec, err := c.m.Cancel(c.ctx, id, c.actor(), *c.flags.reason)
	if err != nil {
		return c.fail(err)
	}
	return c.done(rec, nil, fmt.Sprintf("%s cancelled: %s", rec.ID, rec.Reason))
}

func ucAudit(c *ucCmd, pos []string) int {
	if len(pos) > 1 {
		fmt.Fprintf(c.e.stderr, "mhero %s: unexpected argument %q\n", c.name(), pos[1])
		c.usage()
		return exitUsage
	}
	if *c.flags.verify && len(pos) > 0 {
		fmt.Fprintf(c.e.stderr, "mhero %s: --verify checks the whole log; give no ID\n", c.name())
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	if *c.flags.verify {
		v, err := c.m.Verify(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		status := exitOK
		if !v.OK() {
			status = exitInvalid
		}
		if *c.asJSON {
			if v.Findings == nil {
				v.Findings = []usecase.Finding{}
			}
			if st := c.e.printJSON(c.name(), v); st != exitOK {
				return st
			}
			return status
		}
		if v.OK() {
			head := v.Head
			if len(head) > 16 {
				head = head[:16]
			}
			fmt.Fprintf(c.e.stdout, "Audit log intact: %d entries, chained; head %s\n", v.Entries, head)
			return exitOK
		}
		fmt.Fprintf(c.e.stderr, "mhero %s: the audit log is broken: %d %s in %d entries\n", c.name(), len(v.Findings), plural(len(v.Findings), "finding", "findings"), v.Entries)
		for _, f := range v.Findings {
			fmt.Fprintf(c.e.stderr, "  %s\n", f)
		}
		return exitInvalid
	}
	id := ""
	if len(pos) == 1 {
		id = pos[0]
		if _, err := c.m.Get(c.ctx, id); err != nil {
			return c.fail(err)
		}
	}
	var entries []usecase.Entry
	for en, err := range c.m.Audit(c.ctx, id) {
		if err != nil {
			return c.fail(err)
		}
		entries = append(entries, en)
	}
	if *c.asJSON {
		if entries == nil {
			entries = []usecase.Entry{}
		}
		return c.e.printJSON(c.name(), entries)
	}
	for _, en := range entries {
		fmt.Fprintln(c.e.stdout, en)
	}
	return exitOK
}

func ucRegister(c *ucCmd, pos []string) int {
	if len(pos) > 0 {
		fmt.Fprintf(c.e.stderr, "mhero %s: unexpected argument %q (the file is -o FILE)\n", c.name(), pos[0])
		c.usage()
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	var buf bytes.Buffer
	if err := c.m.WriteRegister(c.ctx, &buf); err != nil {
		return c.fail(err)
	}
	if err := os.WriteFile(*c.flags.out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
		return exitInvalid
	}
	fmt.Fprintf(c.e.stdout, "Wrote %s\n", *c.flags.out)
	return exitOK
}

func ucExport(c *ucCmd, pos []string) int {
	id, ok := c.id(pos, false)
	if !ok {
		return exitUsage
	}
	if st, ok := c.open(); !ok {
		return st
	}
	defer c.close()
	v, err := c.m.Version(c.ctx, id, *c.flags.version)
	if err != nil {
		return c.fail(err)
	}
	if *c.flags.out == "" {
		_, err = c.e.stdout.Write(v.Export)
	} else {
		err = os.WriteFile(*c.flags.out, v.Export, 0o644)
	}
	if err != nil {
		fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
		return exitInvalid
	}
	if *c.flags.out != "" {
		fmt.Fprintf(c.e.stderr, "Wrote the export of %s version %d to %s: import it in RapidPro under Settings > Import.\n", v.Case, v.N, *c.flags.out)
	}
	return exitOK
}

// now is the clock of the step: the sandbox's when there is one.
func (c *ucCmd) now() time.Time {
	if c.sb != nil {
		return c.sb.now()
	}
	return time.Now()
}
