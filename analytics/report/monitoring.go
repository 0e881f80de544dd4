package report

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/mhero-go/mhero/analytics"
)

// MonitoringTool is the SOP's Monitoring Tool: an Excel workbook with one
// sheet per view of the data (the summary, the funnel, each breakdown, the
// questions and their answers, trends, flags, cross-tabulations and the
// list of non-responders to follow up), with native Excel charts, and the
// same tables as CSV files.
type MonitoringTool struct {
	Analysis *analytics.Analysis
	// CrossTabs are the questions' answers by district and cadre (or any
	// dimension), for the Cross-tabs sheet; optional.
	CrossTabs []analytics.CrossTab
	// NonResponders lists the non-responders for the follow-up sheet;
	// optional. It is read once per file written, as it comes: the list
	// can be long.
	NonResponders iter.Seq2[analytics.NonResponder, error]
	Options
}

// tables are the workbook's views, in sheet order, but the non-responder
// list (streamed) and its district summary (counted while streaming).
func (r *MonitoringTool) tables() []*table {
	a := r.Analysis
	ts := []*table{summaryTable(a.Counts), funnelTable(a)}
	for _, d := range analytics.Dimensions() {
		if b, ok := a.Breakdown(d); ok && len(b.Groups) > 0 {
			ts = append(ts, breakdownTable(a, b, nil))
		}
	}
	ts = append(ts, questionsTable(a), answersTable(a), trendsTable(a), flagsTable(a), reasonsTable(a.NonResponders, a.Counts.Contacted))
	return ts
}

// nonResponderList is the header of the follow-up list.
var nonResponderCols = []col{{"Name", kText}, {"Phone", kText}, {"iHRIS id", kText}, {"District", kText}, {"Facility", kText}, {"Cadre", kText},
	{"Send", kText}, {"Likely reason", kText}, {"Stopped at", kText}, {"Explanation", kText}, {"Messages failed", kInt}, {"Started", kText}, {"Run status", kText}}

func (r *MonitoringTool) nonResponderRow(n analytics.NonResponder, sends map[string]string) []cell {
	stopped := ""
	if n.StoppedAt != "" {
		stopped = n.StoppedAt
		if n.StoppedAtPosition > 0 {
			stopped = fmt.Sprintf("%d. %s", n.StoppedAtPosition, n.StoppedAt)
		}
	}
	send := sends[n.Send]
	if send == "" {
		send = n.Send
	}
	status := n.ExitType
	if status == "" {
		status = "active"
	}
	name := n.Name
	if name == "" {
		name = n.Worker.Name
	}
	return []cell{txt(name), txt(r.showURN(n.URN)), txt(n.Worker.ID), txt(n.Worker.District), txt(n.Worker.Facility), txt(cadreName(n.Worker)),
		txt(send), txt(capitalize(n.Reason.Label())), txt(stopped), txt(n.Explanation()), num(n.FailedMessages), txt(stamp(r.in(n.StartedOn))), txt(status)}
}

func cadreName(w analytics.Worker) string {
	if w.CadreName != "" {
		return w.CadreName
	}
	return w.Cadre
}

func sendLabels(a *analytics.Analysis) map[string]string {
	m := map[string]string{}
	if b, ok := a.Breakdown(analytics.BySend); ok {
		for _, g := range b.Groups {
			m[g.Key] = g.Label
		}
	}
	return m
}

// WriteXLSX writes the workbook.
func (r *MonitoringTool) WriteXLSX(w io.Writer) error {
	a := r.Analysis
	if a == nil {
		return errNoAnalysis
	}
	x := excelize.NewFile()
	defer x.Close()
	st, err := newStyles(x)
	if err != nil {
		return err
	}
	about := "About"
	if err := x.SetSheetName("Sheet1", about); err != nil {
		return err
	}
	if err := r.writeAbout(x, st, about); err != nil {
		return err
	}
	for _, t := range r.tables() {
		if err := writeSheet(x, st, t); err != nil {
			return fmt.Errorf("report: sheet %s: %w", t.Sheet, err)
		}
	}
	if len(r.CrossTabs) > 0 {
		if err := writeCrossTabs(x, st, a, r.CrossTabs); err != nil {
			return err
		}
	}
	if r.NonResponders != nil {
		byDistrict, err := r.streamNonResponders(x, st)
		if err != nil {
			return err
		}
		if err := writeSheet(x, st, byDistrict); err != nil {
			return err
		}
		// The summary reads better before the long list.
		if err := x.MoveSheet(byDistrict.Sheet, "Non-responders"); err != nil {
			return err
		}
	}
	x.SetActiveSheet(0)
	_, err = x.WriteTo(w)
	return err
}

func (r *MonitoringTool) writeAbout(x *excelize.File, st *styles, sheet string) error {
	a := r.Analysis
	rows := [][2]string{{"Monitoring Tool", title(&r.Options, a.Flow.Name)}}
	for _, f := range append(r.useCaseFacts(), flowFacts(&r.Options, a)...) {
		rows = append(rows, [2]string{f.Label, f.Value})
	}
	rows = append(rows, [2]string{"Generated", stamp(r.generated())}, [2]string{"Phone numbers", map[bool]string{true: "shown in full", false: "masked"}[r.ShowPhones]}, [2]string{"", ""})
	for i, n := range notes() {
		rows = append(rows, [2]string{fmt.Sprintf("Note %d", i+1), n})
	}
	for i, row := range rows {
		if err := x.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &[]any{row[0], row[1]}); err != nil {
			return err
		}
	}
	x.SetCellStyle(sheet, "A1", "B1", st.title)
	x.SetColWidth(sheet, "A", "A", 18)
	x.SetColWidth(sheet, "B", "B", 100)
	return nil
}

// styles are the workbook's cell styles.
type styles struct {
	title, caption, head, text, int, pct, pctFine, num, bold, boldInt, boldPct, boldPctFine, flag int
}

func newStyles(x *excelize.File) (*styles, error) {
	var s styles
	var err error
	mk := func(dst *int, st *excelize.Style) {
		if err == nil {
			*dst, err = x.NewStyle(st)
		}
	}
	fine := "0.0%"
	mk(&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 13, Color: "1F4E79"}})
	mk(&s.caption, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "5B6673"}})
	mk(&s.head, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F3F6F9"}},
		Border: []excelize.Border{{Type: "bottom", Color: "C9D1DA", Style: 1}}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	mk(&s.text, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	mk(&s.int, &excelize.Style{NumFmt: 3})
	mk(&s.pct, &excelize.Style{NumFmt: 9})
	mk(&s.pctFine, &excelize.Style{CustomNumFmt: &fine})
	mk(&s.num, &excelize.Style{})
	mk(&s.bold, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Color: "1D2733", Style: 1}}})
	mk(&s.boldInt, &excelize.Style{NumFmt: 3, Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Color: "1D2733", Style: 1}}})
	mk(&s.boldPct, &excelize.Style{NumFmt: 9, Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Color: "1D2733", Style: 1}}})
	mk(&s.boldPctFine, &excelize.Style{CustomNumFmt: &fine, Font: &excelize.Font{Bold: true}, Border: []excelize.Border{{Type: "top", Color: "1D2733", Style: 1}}})
	mk(&s.flag, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "B03A2E"}})
	return &s, err
}

// headerRow is the row of a sheet's column headings: the title is in row
// 1, the caption in row 2.
const headerRow = 4

// value is a cell's content for excelize: numbers as numbers.
func (s *styles) value(k kind, c cell, total bool) excelize.Cell {
	if c.Empty {
		return excelize.Cell{}
	}
	switch k {
	case kInt:
		return excelize.Cell{Value: int64(c.Num), StyleID: pick(total, s.boldInt, s.int)}
	case kPercent:
		if fine(c.Num) {
			return excelize.Cell{Value: c.Num, StyleID: pick(total, s.boldPctFine, s.pctFine)}
		}
		return excelize.Cell{Value: c.Num, StyleID: pick(total, s.boldPct, s.pct)}
	case kNumber:
		return excelize.Cell{Value: c.Num, StyleID: pick(total, s.bold, s.num)}
	}
	if c.Flag {
		return excelize.Cell{Value: c.Text, StyleID: s.flag}
	}
	return excelize.Cell{Value: c.Text, StyleID: pick(total, s.bold, s.text)}
}

func pick(total bool, a, b int) int {
	if total {
		return a
	}
	return b
}

// writeSheet writes a table on a new sheet, with its chart.
func writeSheet(x *excelize.File, st *styles, t *table) error {
	sheet := t.Sheet
	if _, err := x.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	widths := colWidths(t)
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{Value: t.Title, StyleID: st.title}}); err != nil {
		return err
	}
	if t.Caption != "" {
		if err := sw.SetRow("A2", []any{excelize.Cell{Value: t.Caption, StyleID: st.caption}}); err != nil {
			return err
		}
	}
	head := make([]any, len(t.Cols))
	for i, c := range t.Cols {
		head[i] = excelize.Cell{Value: c.Head, StyleID: st.head}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", headerRow), head); err != nil {
		return err
	}
	row := headerRow + 1
	put := func(cells []cell, total bool) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = st.value(t.Cols[i].Kind, c, total)
		}
		err := sw.SetRow(fmt.Sprintf("A%d", row), vals)
		row++
		return err
	}
	for _, r := range t.Rows {
		if err := put(r, false); err != nil {
			return err
		}
	}
	if t.Total != nil {
		if err := put(t.Total, true); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if t.Chart != nil && len(t.Rows) > 0 {
		return addChart(x, t, len(widths))
	}
	return nil
}

// colWidths sizes the columns to their content, within limits.
func colWidths(t *table) []float64 {
	w := make([]float64, len(t.Cols))
	for i, c := range t.Cols {
		w[i] = float64(min(utf8.RuneCountInString(c.Head), 18)) + 2
	}
	for _, r := range append(t.Rows, t.Total) {
		for i, c := range r {
			w[i] = max(w[i], float64(utf8.RuneCountInString(c.Text))+2)
		}
	}
	for i := range w {
		w[i] = min(max(w[i], 8), 60)
	}
	return w
}

// addChart draws a table's native chart to the right of its columns.
func addChart(x *excelize.File, t *table, ncols int) error {
	c := t.Chart
	first, last := headerRow+1, headerRow+len(t.Rows)
	ref := func(col int, from, to int) string {
		name, _ := excelize.ColumnNumberToName(col + 1)
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", t.Sheet, name, from, name, to)
	}
	var series []excelize.ChartSeries
	for _, v := range c.Values {
		name, _ := excelize.ColumnNumberToName(v + 1)
		series = append(series, excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$%d", t.Sheet, name, headerRow), Categories: ref(c.Label, first, last), Values: ref(v, first, last)})
	}
	ch := &excelize.Chart{Series: series, Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}},
		Legend: excelize.ChartLegend{Position: "bottom"}, Dimension: excelize.ChartDimension{Width: 640, Height: uint(max(300, 60+22*len(t.Rows)*len(c.Values)))}}
	switch c.Type {
	case chartBar:
		ch.Type = excelize.Bar
		// Bars read top to bottom in the table's order.
		ch.XAxis.ReverseOrder = true
	case chartStackedBar:
		ch.Type = excelize.BarStacked
		ch.XAxis.ReverseOrder = true
		ov := 100
		ch.Overlap = &ov
	case chartLine:
		ch.Type = excelize.Line
	}
	if c.Percent {
		ch.YAxis.NumFmt = excelize.ChartNumFmt{CustomNumFmt: "0%"}
		lo, hi := 0.0, 1.0
		ch.YAxis.Minimum, ch.YAxis.Maximum = &lo, &hi
	}
	ch.YAxis.MajorGridLines = true
	anchor, _ := excelize.ColumnNumberToName(ncols + 2)
	return x.AddChart(t.Sheet, fmt.Sprintf("%s%d", anchor, headerRow), ch)
}

// writeCrossTabs writes every cross-tabulation on one sheet, one under the
// other.
func writeCrossTabs(x *excelize.File, st *styles, a *analytics.Analysis, cts []analytics.CrossTab) error {
	sheet := "Cross-tabs"
	if _, err := x.NewSheet(sheet); err != nil {
		return err
	}
	row := 1
	width := map[int]float64{}
	for _, ct := range cts {
		t := crossTabTable(a, ct)
		if err := x.SetCellValue(sheet, fmt.Sprintf("A%d", row), t.Title); err != nil {
			return err
		}
		x.SetCellStyle(sheet, fmt.Sprintf("A%d", row), fmt.Sprintf("A%d", row), st.title)
		row++
		head := make([]any, len(t.Cols))
		for i, c := range t.Cols {
			head[i] = c.Head
		}
		x.SetSheetRow(sheet, fmt.Sprintf("A%d", row), &head)
		end, _ := excelize.ColumnNumberToName(len(t.Cols))
		x.SetCellStyle(sheet, fmt.Sprintf("A%d", row), fmt.Sprintf("%s%d", end, row), st.head)
		row++
		for i, r := range append(t.Rows, t.Total) {
			total := i == len(t.Rows)
			for j, c := range r {
				v := st.value(t.Cols[j].Kind, c, total)
				name, _ := excelize.CoordinatesToCellName(j+1, row)
				if !c.Empty {
					x.SetCellValue(sheet, name, v.Value)
					x.SetCellStyle(sheet, name, name, v.StyleID)
				}
			}
			row++
		}
		for i, w := range colWidths(t) {
			width[i] = max(width[i], min(w, 24))
		}
		row++
	}
	for i, w := range width {
		name, _ := excelize.ColumnNumberToName(i + 1)
		x.SetColWidth(sheet, name, name, w)
	}
	return nil
}

// streamNonResponders writes the follow-up list as it reads it, and
// returns the summary by district counted on the way.
func (r *MonitoringTool) streamNonResponders(x *excelize.File, st *styles) (*table, error) {
	sheet := "Non-responders"
	if _, err := x.NewSheet(sheet); err != nil {
		return nil, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, w := range []float64{22, 16, 14, 14, 22, 14, 24, 18, 18, 60, 10, 20, 11} {
		sw.SetColWidth(i+1, i+1, w)
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"})
	sw.SetRow("A1", []any{excelize.Cell{Value: "Non-responders to follow up", StyleID: st.title}})
	sw.SetRow("A2", []any{excelize.Cell{Value: "One row per health worker a send reached who did not take part as asked, with the likely reason.", StyleID: st.caption}})
	head := make([]any, len(nonResponderCols))
	for i, c := range nonResponderCols {
		head[i] = excelize.Cell{Value: c.Head, StyleID: st.head}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", headerRow), head); err != nil {
		return nil, err
	}
	sends := sendLabels(r.Analysis)
	row := headerRow + 1
	var byDistrict districtCounter
	const maxRows = 1_048_576 // Excel's limit
	for n, err := range r.NonResponders {
		if err != nil {
			return nil, fmt.Errorf("report: listing the non-responders: %w", err)
		}
		byDistrict.add(n)
		if row > maxRows {
			continue
		}
		cells := r.nonResponderRow(n, sends)
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = st.value(nonResponderCols[i].Kind, c, false)
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", row), vals); err != nil {
			return nil, err
		}
		row++
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	return byDistrict.table(), nil
}

// WriteCSV writes the workbook's tables as CSV files in dir, one per view
// (summary.csv, funnel.csv, by-district.csv, ..., non-responders.csv), and
// returns their paths.
func (r *MonitoringTool) WriteCSV(dir string) ([]string, error) {
	a := r.Analysis
	if a == nil {
		return nil, errNoAnalysis
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ts := r.tables()
	for _, ct := range r.CrossTabs {
		ts = append(ts, crossTabTable(a, ct))
	}
	var paths []string
	for _, t := range ts {
		p := filepath.Join(dir, t.ID+".csv")
		if err := writeFile(p, func(w io.Writer) error { return t.writeCSV(w) }); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	if r.NonResponders != nil {
		var byDistrict districtCounter
		p := filepath.Join(dir, "non-responders.csv")
		err := writeFile(p, func(w io.Writer) error {
			// One row at a time: the list can be long.
			t := &table{Cols: nonResponderCols}
			cw := newCSVTable(w, t)
			sends := sendLabels(a)
			for n, err := range r.NonResponders {
				if err != nil {
					return fmt.Errorf("report: listing the non-responders: %w", err)
				}
				byDistrict.add(n)
				cw.row(r.nonResponderRow(n, sends))
			}
			return cw.close()
		})
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
		summary := byDistrict.table()
		p = filepath.Join(dir, summary.ID+".csv")
		if err := writeFile(p, func(w io.Writer) error { return summary.writeCSV(w) }); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// WriteFiles writes NAME-monitoring.xlsx and the CSV files in
// NAME-monitoring-csv/ under dir, and returns their paths.
func (r *MonitoringTool) WriteFiles(ctx context.Context, dir string) (*Files, error) {
	if r.Analysis == nil {
		return nil, errNoAnalysis
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base := baseName(&r.Options, r.Analysis.Flow.Name) + "-monitoring"
	xp := filepath.Join(dir, base+".xlsx")
	if err := writeFile(xp, func(w io.Writer) error { return r.WriteXLSX(w) }); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", xp, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	csvs, err := r.WriteCSV(filepath.Join(dir, base+"-csv"))
	if err != nil {
		return nil, err
	}
	return &Files{Paths: append([]string{xp}, csvs...)}, nil
}
