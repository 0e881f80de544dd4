package usecase

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// RegisterRow is one use case as the Planning, Implementation and
// Monitoring Tool lists it.
type RegisterRow struct {
	Record *Record
	// The dates of the SOP's steps (zero until reached).
	Filed, Reviewed, Approved, Activated, Reported time.Time
	// SendAt is the requested send time.
	SendAt time.Time
	// Approver is who approved (the last approval given), and Evidence
	// how ("SMS", "scan").
	Approver string
	Evidence string
}

// Register returns the rows of the Planning, Implementation and
// Monitoring Tool: every use case with the dates of its steps.
func (m *Manager) Register(ctx context.Context) ([]RegisterRow, error) {
	var rows []RegisterRow
	index := map[string]int{}
	for rec, err := range m.List(ctx, Filter{}) {
		if err != nil {
			return nil, err
		}
		r := RegisterRow{Record: rec, Filed: rec.Form.Filed}
		r.SendAt, _ = rec.Form.Send.At()
		index[rec.ID] = len(rows)
		rows = append(rows, r)
	}
	for e, err := range m.Audit(ctx, "") {
		if err != nil {
			return nil, err
		}
		i, ok := index[e.Case]
		if !ok || !e.Transition() {
			continue
		}
		r := &rows[i]
		switch e.To {
		case StateReviewed:
			r.Reviewed = e.At
		case StateApproved:
			r.Approved = e.At
		case StateActive:
			r.Activated = e.At
		case StateReported:
			r.Reported = e.At
		}
	}
	for i := range rows {
		aps, err := m.Approvals(ctx, rows[i].Record.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range aps {
			if a.Evidence != nil {
				rows[i].Approver = a.Approver.Name
				rows[i].Evidence = a.Evidence.Kind
				if a.Status != ApprovalApproved {
					rows[i].Evidence += " (" + string(a.Status) + ")"
				}
			}
		}
	}
	return rows, nil
}

// registerColumns are the register's columns: title and width.
var registerColumns = []struct {
	title string
	width float64
}{
	{"ID", 10}, {"Title", 34}, {"Requesting unit", 28}, {"Requestor", 22}, {"Director / approver", 22},
	{"Data Manager", 20}, {"Filed", 12}, {"Send date requested", 17}, {"Filed late (< 1 week)", 11},
	{"State", 24}, {"Step", 7}, {"Version", 8}, {"Reviewed", 12}, {"Approved", 12}, {"Approved by", 20},
	{"Evidence", 10}, {"Activated", 16}, {"Target size (health workers)", 12}, {"SMS, expected path", 12},
	{"SMS, longest path", 12}, {"Contacted", 10}, {"Responded", 10}, {"Response rate", 10},
	{"Failed (out of coverage)", 11}, {"Reported", 12}, {"Cancelled because", 28}, {"Last change", 16},
}

// WriteRegister writes the Use Case Planning, Implementation and
// Monitoring Tool: an Excel workbook listing every use case with its
// dates, people, state, target size, cost and response rate (as of its
// last monitoring), and a sheet with the audit log's size and head hash,
// the value a later `audit --verify` must still find.
func (m *Manager) WriteRegister(ctx context.Context, w io.Writer) error {
	rows, err := m.Register(ctx)
	if err != nil {
		return err
	}
	verify, err := m.Verify(ctx)
	if err != nil {
		return err
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Use cases"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	head, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Border: []excelize.Border{{Type: "bottom", Color: "8EA9C1", Style: 1}}})
	if err != nil {
		return err
	}
	date, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	stamp, err := x.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return err
	}
	pct, err := x.NewStyle(&excelize.Style{NumFmt: 9})
	if err != nil {
		return err
	}
	integer, err := x.NewStyle(&excelize.Style{NumFmt: 3})
	if err != nil {
		return err
	}
	flag, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "B03A2E"}})
	if err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	for i, c := range registerColumns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	header := make([]any, len(registerColumns))
	for i, c := range registerColumns {
		header[i] = excelize.Cell{Value: c.title, StyleID: head}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 45}); err != nil {
		return err
	}
	day := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return excelize.Cell{Value: t.UTC(), StyleID: date}
	}
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return excelize.Cell{Value: t.UTC(), StyleID: stamp}
	}
	num := func(n int, show bool) any {
		if !show {
			return nil
		}
		return excelize.Cell{Value: n, StyleID: integer}
	}
	for i, r := range rows {
		rec := r.Record
		late := any("")
		if rec.Late {
			late = excelize.Cell{Value: "late", StyleID: flag}
		}
		approver := r.Approver
		if approver == "" {
			approver = rec.Form.ApproverOrDirector().Name
		}
		var expected, longest int
		if rec.Cost != nil {
			expected, longest = rec.Cost.ExpectedTotal, rec.Cost.LongestTotal
		}
		var contacted, responded, failed any
		var rate any
		if mon := rec.Monitoring; mon != nil {
			c := mon.Counts
			contacted, responded, failed = num(c.Contacted, true), num(c.Responded, true), num(c.Failed, true)
			if c.Contacted > 0 {
				rate = excelize.Cell{Value: c.ResponseRate().Value(), StyleID: pct}
			}
		}
		step := any(nil)
		if n := rec.State.Step(); n > 0 {
			step = fmt.Sprintf("%d of %d", n, len(states)-1)
		}
		row := []any{rec.ID, rec.Title, rec.Unit, rec.Form.Requestor.Name, approver, rec.DataManager.Name,
			day(r.Filed), at(r.SendAt), late, rec.State.Label(), step, rec.Version, day(r.Reviewed), day(r.Approved),
			r.Approver, r.Evidence, at(r.Activated), num(rec.Recipients, rec.Recipients > 0), num(expected, rec.Cost != nil),
			num(longest, rec.Cost != nil), contacted, responded, rate, failed, day(r.Reported), rec.Reason, at(rec.UpdatedAt)}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(registerColumns), len(rows)+1)
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "UseCases", StyleName: "TableStyleLight9"}); err != nil && len(rows) > 0 {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	const about = "Audit log"
	if _, err := x.NewSheet(about); err != nil {
		return err
	}
	status := "intact"
	if !verify.OK() {
		status = fmt.Sprintf("BROKEN: %d findings (run mhero usecase audit --verify)", len(verify.Findings))
	}
	for i, kv := range [][2]any{
		{"Written", m.clock().Format(time.RFC3339)},
		{"Use cases", len(rows)},
		{"Audit entries", verify.Entries},
		{"Audit log", status},
		{"Head hash", verify.Head},
		{"", "Keep the head hash: a later `mhero usecase audit --verify` must find it at or before the log's end."},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow(about, cell, &[]any{kv[0], kv[1]}); err != nil {
			return err
		}
	}
	if err := x.SetColWidth(about, "A", "A", 16); err != nil {
		return err
	}
	if err := x.SetColWidth(about, "B", "B", 70); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}
