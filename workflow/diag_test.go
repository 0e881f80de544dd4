package workflow

import "testing"

func TestPosString(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pos  Pos
		want string
	}{
		{Pos{File: "a.yaml", Line: 3, Column: 7}, "a.yaml:3:7"},
		{Pos{Line: 3, Column: 7}, "3:7"},
		{Pos{File: "a.yaml"}, "a.yaml"},
		{Pos{}, ""},
		{Pos{File: "form.xlsx", Sheet: "survey", Line: 7, Column: 3}, "form.xlsx:survey!C7 (row 7, column 3)"},
		{Pos{File: "form.xlsx", Sheet: "choices", Line: 12}, "form.xlsx:choices!12:12 (row 12)"},
		{Pos{File: "form.xlsx", Sheet: "settings"}, "form.xlsx:settings"},
		{Pos{Sheet: "survey", Line: 1, Column: 28}, "survey!AB1 (row 1, column 28)"},
	} {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.pos, got, tt.want)
		}
	}
}

func TestColumnName(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "", 1: "A", 26: "Z", 27: "AA", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 16384: "XFD"} {
		if got := ColumnName(n); got != want {
			t.Errorf("ColumnName(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDiagnosticsSortBySheet(t *testing.T) {
	t.Parallel()
	ds := Diagnostics{
		{Pos: Pos{Sheet: "settings", Line: 2, Column: 1}, Message: "d"},
		{Pos: Pos{Sheet: "choices", Line: 3, Column: 2}, Message: "c"},
		{Pos: Pos{Sheet: "survey", Line: 9, Column: 1}, Message: "b"},
		{Pos: Pos{Sheet: "survey", Line: 2, Column: 5}, Message: "a"},
		{Pos: Pos{Sheet: "notes", Line: 1, Column: 1}, Message: "e"},
	}
	ds.Sort()
	got := ""
	for _, d := range ds {
		got += d.Message
	}
	if got != "abcde" {
		t.Errorf("sorted %q, want survey, choices, settings, then others: abcde", got)
	}
}
