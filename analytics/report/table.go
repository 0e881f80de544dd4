package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/mhero-go/mhero/analytics"
)

// A table is one view of the data, shown the same way everywhere: as an
// HTML table, a Markdown table, a CSV file and a sheet of the Monitoring
// Tool. Building each view once and rendering it four times is what keeps
// the numbers of the HTML, the workbook and the CSV the same.
type table struct {
	// ID names the view: the HTML table's id ("t-" + ID), the CSV file
	// (ID + ".csv").
	ID string
	// Sheet is the Monitoring Tool's sheet name (31 characters at most).
	Sheet   string
	Title   string
	Caption string
	Cols    []col
	Rows    [][]cell
	// Total is an optional last row, set apart.
	Total []cell
	// Chart, when set, is drawn by the Monitoring Tool as a native chart
	// of these columns.
	Chart *sheetChart
}

// kind is how a column's values are shown.
type kind int

const (
	kText    kind = iota
	kInt          // a count
	kPercent      // a proportion, shown in percent
	kNumber       // another number, shown as its text says
)

type col struct {
	Head string
	Kind kind
}

// cell is one value: its text as shown, and for numbers the value itself
// (a proportion for percent columns); Empty cells have no value.
type cell struct {
	Text  string
	Num   float64
	Empty bool
	// Flag marks a value that stands out (a low district, a misunderstood
	// question): bold in HTML and Markdown.
	Flag bool
}

func txt(s string) cell { return cell{Text: s} }

func num(n int) cell { return cell{Text: count(n), Num: float64(n)} }

func rate(r analytics.Rate) cell {
	if r.Of <= 0 {
		return cell{Text: "–", Empty: true}
	}
	return cell{Text: percent(r.Value()), Num: r.Value()}
}

// share is n of total as a percent cell.
func share(n, total int) cell { return rate(analytics.Rate{N: n, Of: total}) }

func empty() cell { return cell{Text: "–", Empty: true} }

func flagged(c cell, on bool) cell {
	c.Flag = on
	return c
}

// sheetChart describes a native Excel chart over a table's columns.
type sheetChart struct {
	// Type is an excelize chart type: bar (horizontal), col, line.
	Type  chartType
	Title string
	// Label is the column of the category labels; Values the columns
	// plotted, one series each.
	Label  int
	Values []int
	// Percent says the values are proportions (axis in percent).
	Percent bool
}

type chartType int

const (
	chartBar chartType = iota
	chartStackedBar
	chartLine
)

// writeCSV writes t as CSV: a header row, then the rows and the total.
// Counts are plain integers and proportions percentages with one decimal
// (72.2), so that a spreadsheet reads them as numbers.
func (t *table) writeCSV(w io.Writer) error {
	c := newCSVTable(w, t)
	for _, r := range t.Rows {
		c.row(r)
	}
	if t.Total != nil {
		c.row(t.Total)
	}
	return c.close()
}

// csvTable writes a table's rows as they come.
type csvTable struct {
	cw  *csv.Writer
	t   *table
	rec []string
	err error
}

func newCSVTable(w io.Writer, t *table) *csvTable {
	c := &csvTable{cw: csv.NewWriter(w), t: t, rec: make([]string, len(t.Cols))}
	for i, col := range t.Cols {
		c.rec[i] = col.Head
		if col.Kind == kPercent {
			c.rec[i] += " (%)"
		}
	}
	c.err = c.cw.Write(c.rec)
	return c
}

func (c *csvTable) row(r []cell) {
	if c.err != nil {
		return
	}
	for i, v := range r {
		c.rec[i] = csvValue(c.t.Cols[i].Kind, v)
	}
	c.err = c.cw.Write(c.rec)
}

func (c *csvTable) close() error {
	c.cw.Flush()
	if c.err != nil {
		return c.err
	}
	return c.cw.Error()
}

func csvValue(k kind, c cell) string {
	switch {
	case c.Empty:
		return ""
	case k == kInt:
		return strconv.FormatInt(int64(c.Num), 10)
	case k == kPercent:
		return strconv.FormatFloat(100*c.Num, 'f', 1, 64)
	}
	return c.Text
}
