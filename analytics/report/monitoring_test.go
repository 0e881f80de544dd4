package report

import (
	"archive/zip"
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
)

// htmlTables reads every table of an HTML report, by id (without "t-"):
// header row first, then the rows as shown.
func htmlTables(t *testing.T, doc []byte) map[string][][]string {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string][][]string{}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	var walk func(n *html.Node, rows *[][]string)
	walk = func(n *html.Node, rows *[][]string) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "table":
				for _, a := range n.Attr {
					if a.Key == "id" {
						var rs [][]string
						for c := n.FirstChild; c != nil; c = c.NextSibling {
							walk(c, &rs)
						}
						tables[strings.TrimPrefix(a.Val, "t-")] = rs
						return
					}
				}
			case "tr":
				var row []string
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
						row = append(row, text(c))
					}
				}
				*rows = append(*rows, row)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, rows)
		}
	}
	var none [][]string
	walk(root, &none)
	return tables
}

// TestWorkbookMatchesHTML opens the Monitoring Tool with excelize and
// checks that every table the Overview's HTML shows holds the same
// numbers on its sheet: counts exactly, percentages to the rounding shown.
func TestWorkbookMatchesHTML(t *testing.T) {
	t.Parallel()
	a := sampleAnalysis()
	var page bytes.Buffer
	ov := &Overview{Analysis: a, NonResponders: sampleNonResponders(), Options: sampleOptions}
	if err := ov.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	shown := htmlTables(t, page.Bytes())
	var book bytes.Buffer
	mt := &MonitoringTool{Analysis: a, NonResponders: sampleNonResponders(), Options: sampleOptions}
	if err := mt.WriteXLSX(&book); err != nil {
		t.Fatal(err)
	}
	data := book.Bytes()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := map[string]string{} // table id -> sheet
	for _, tb := range mt.tables() {
		sheets[tb.ID] = tb.Sheet
	}
	sheets["non-responders-by-district"] = "Non-response by district"
	compared := 0
	for id, rows := range shown {
		sheet, ok := sheets[id]
		if !ok {
			continue
		}
		raw, err := x.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("sheet %s of table %s: %v", sheet, id, err)
		}
		if len(raw) < headerRow || len(raw)-headerRow+1 != len(rows) {
			t.Errorf("%s: %d rows in HTML, %d on sheet %s", id, len(rows), len(raw)-headerRow+1, sheet)
			continue
		}
		for i, hrow := range rows {
			xrow := raw[headerRow-1+i]
			for j, h := range hrow {
				v := ""
				if j < len(xrow) {
					v = xrow[j]
				}
				if !sameValue(h, v) {
					t.Errorf("%s row %d column %d: HTML %q, sheet %s %q", id, i, j+1, h, sheet, v)
				}
			}
			compared++
		}
	}
	if compared < 30 {
		t.Errorf("compared %d rows only: the tables were not found in both", compared)
	}
	for _, want := range []string{"funnel", "by-district", "questions", "reasons", "non-responders-by-district", "summary", "trends"} {
		if _, ok := shown[want]; !ok {
			t.Errorf("the HTML has no table %s", want)
		}
	}
	t.Logf("compared %d rows of %d tables", compared, len(shown))

	// The views with a chart have a native one.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	charts := 0
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			charts++
		}
	}
	if want := 5; charts != want { // funnel, sends, districts, cadres, questions
		t.Errorf("%d charts in the workbook, want %d", charts, want)
	}
}

// sameValue compares a value as the HTML shows it with the workbook's raw
// value: text equal, counts equal, percentages within the rounding shown.
func sameValue(shown, raw string) bool {
	if shown == raw || (shown == "–" && raw == "") {
		return true
	}
	if p, ok := strings.CutSuffix(shown, "%"); ok {
		want, err1 := strconv.ParseFloat(p, 64)
		got, err2 := strconv.ParseFloat(raw, 64)
		tol := 0.5
		if strings.Contains(p, ".") {
			tol = 0.05
		}
		return err1 == nil && err2 == nil && abs(100*got-want) <= tol+1e-9
	}
	m, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return false
	}
	if p, ok := strings.CutPrefix(shown, "<"); ok { // a p-value below what is shown
		n, err := strconv.ParseFloat(p, 64)
		return err == nil && m < n
	}
	s := strings.ReplaceAll(shown, ",", "")
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return false
	}
	// Within half a unit of the last digit shown.
	tol := 0.5
	if _, frac, ok := strings.Cut(s, "."); ok {
		tol = 0.5 * math.Pow(10, -float64(len(frac)))
	}
	return abs(n-m) <= tol+1e-12
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestMonitoringCSV compares the CSV files with golden ones.
func TestMonitoringCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mt := &MonitoringTool{Analysis: sampleAnalysis(), NonResponders: sampleNonResponders(), Options: sampleOptions}
	mt.CrossTabs = sampleCrossTabs()
	files, err := mt.WriteFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range files.Paths[1:] {
		names = append(names, filepath.Base(p))
		golden(t, filepath.Join("monitoring-csv", filepath.Base(p)), mustRead(t, p))
	}
	if fi, err := os.Stat(files.Paths[0]); err != nil || fi.Size() == 0 {
		t.Errorf("workbook %s: %v", files.Paths[0], err)
	} else {
		t.Logf("%s: %d bytes; CSV files %s", filepath.Base(files.Paths[0]), fi.Size(), strings.Join(names, ", "))
	}
}
