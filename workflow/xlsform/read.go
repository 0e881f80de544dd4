package xlsform

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/mhero-go/mhero/workflow"
)

// Limits on what is read: an XLSForm for SMS has tens of rows, and a
// workbook from anywhere must not exhaust memory or fill the disk.
const (
	// maxUnzipped bounds the workbook's uncompressed size. Worksheets are
	// read in memory up to it (excelize would spill larger ones to
	// temporary files, which a pure package does not write).
	maxUnzipped = 64 << 20
	maxRows     = 5000 // rows of a sheet
	maxColumns  = 200  // columns of a row
)

// sheet is a worksheet read as text: its header row and the rows below.
type sheet struct {
	name      string // as the workbook spells it
	headerRow int    // the row of the header (1-based); 0 when the sheet is empty
	header    []string
	rows      []row
}

// row is a row of data under the header.
type row struct {
	num   int // 1-based row number
	cells []string
}

// get returns the trimmed text of column col (0-based), or "".
func (r row) get(col int) string {
	if col < 0 || col >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[col])
}

// blank reports whether every cell of the row is empty.
func (r row) blank() bool {
	for _, c := range r.cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// workbook is the sheets of an XLSForm that matter, found by name in any
// case (Survey, SURVEY).
type workbook struct {
	file                      string
	survey, choices, settings *sheet
}

// readWorkbook reads the survey, choices and settings sheets of an .xlsx
// file. A file that is not a workbook, or has no survey, is one error.
func readWorkbook(file string, data []byte) (wb *workbook, err error) {
	fail := func(format string, args ...any) error {
		return workflow.Diagnostics{{Pos: workflow.Pos{File: file}, Message: fmt.Sprintf(format, args...)}}
	}
	// excelize trusts the files it reads more than a reader of files from
	// anywhere can: a malformed archive must be a diagnostic, not a crash
	// of the program reading it.
	defer func() {
		if r := recover(); r != nil {
			wb, err = nil, fail("not a readable .xlsx workbook (%v)", r)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    maxUnzipped,
		UnzipXMLSizeLimit: maxUnzipped,
	})
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return nil, fail("not an .xlsx workbook: an old .xls file or a password-protected one? Save it as .xlsx (Excel Workbook) without a password")
		}
		return nil, fail("not a readable .xlsx workbook: %v", err)
	}
	defer f.Close()
	wb = &workbook{file: file}
	var diags workflow.Diagnostics
	for _, name := range f.GetSheetList() {
		var dst **sheet
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "survey":
			dst = &wb.survey
		case "choices":
			dst = &wb.choices
		case "settings":
			dst = &wb.settings
		default:
			continue // external_choices, notes for the authors...
		}
		if *dst != nil {
			diags = append(diags, workflow.Diagnostic{Pos: workflow.Pos{File: file, Sheet: name},
				Message: fmt.Sprintf("a second %s sheet (the first is %q): keep one", strings.ToLower(name), (*dst).name)})
			continue
		}
		s, err := readSheet(f, name)
		if err != nil {
			diags = append(diags, workflow.Diagnostic{Pos: workflow.Pos{File: file, Sheet: name}, Message: err.Error()})
			continue
		}
		*dst = s
	}
	if wb.survey == nil && len(diags) == 0 {
		return nil, fail("no survey sheet: an XLSForm has a sheet named survey (one row per question), and choices and settings sheets")
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return wb, nil
}

// readSheet reads a worksheet; its header is its first non-blank row.
func readSheet(f *excelize.File, name string) (*sheet, error) {
	rows, err := f.Rows(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read the sheet: %v", err)
	}
	defer rows.Close()
	s := &sheet{name: name}
	n := 0
	for rows.Next() {
		n++
		if n > maxRows {
			return nil, fmt.Errorf("more than %d rows: this is not a form to send by SMS", maxRows)
		}
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("cannot read row %d: %v", n, err)
		}
		if len(cells) > maxColumns {
			return nil, fmt.Errorf("row %d has more than %d columns", n, maxColumns)
		}
		r := row{num: n, cells: cells}
		if s.headerRow == 0 {
			if !r.blank() {
				s.headerRow, s.header = n, cells
			}
			continue
		}
		s.rows = append(s.rows, r)
	}
	if err := rows.Error(); err != nil {
		return nil, fmt.Errorf("cannot read the sheet: %v", err)
	}
	return s, nil
}

// pos is the position of a cell of s: row num, column col (0-based).
func (wb *workbook) pos(s *sheet, num, col int) workflow.Pos {
	p := workflow.Pos{File: wb.file, Sheet: s.name, Line: num}
	if col >= 0 {
		p.Column = col + 1
	}
	return p
}
