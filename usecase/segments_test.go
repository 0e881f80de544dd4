package usecase_test

import (
	"strings"
	"testing"

	"github.com/mhero-go/mhero/usecase"
)

func TestSegment(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		text  string
		enc   usecase.Encoding
		units int
		parts int
	}{
		{"empty", "", usecase.GSM7, 0, 0},
		{"160 GSM characters fit one SMS", strings.Repeat("a", 160), usecase.GSM7, 160, 1},
		{"161 need two parts of 153", strings.Repeat("a", 161), usecase.GSM7, 161, 2},
		{"306 fill two parts", strings.Repeat("a", 306), usecase.GSM7, 306, 2},
		{"307 need three", strings.Repeat("a", 307), usecase.GSM7, 307, 3},
		{"extension characters take two septets", strings.Repeat("€", 80), usecase.GSM7, 160, 1},
		{"81 euros overflow one SMS", strings.Repeat("€", 81), usecase.GSM7, 162, 2},
		// 152 septets then an escaped character: the pair is not split,
		// so the first part holds 152 and the rest starts the second.
		{"an escape pair never straddles two parts", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), usecase.GSM7, 306, 3},
		{"ô is outside the GSM alphabet: UCS-2", "Merci, à bientôt é è ù", usecase.UCS2, 22, 1},
		{"à è é ù are GSM-7", "à è é ù ì ò", usecase.GSM7, 11, 1},
		{"70 UCS-2 characters fit one SMS", strings.Repeat("ê", 70), usecase.UCS2, 70, 1},
		{"71 need two parts of 67", strings.Repeat("ê", 71), usecase.UCS2, 71, 2},
		{"134 fill two parts", strings.Repeat("ê", 134), usecase.UCS2, 134, 2},
		{"an emoji takes two code units", strings.Repeat("a", 69) + "😀", usecase.UCS2, 71, 2},
		// 66 units then a surrogate pair: not split.
		{"a surrogate pair never straddles two parts", strings.Repeat("ê", 66) + "😀" + strings.Repeat("ê", 66), usecase.UCS2, 134, 3},
		{"Amharic", "ሰላም እንዴት ነህ", usecase.UCS2, 11, 1},
	} {
		got := usecase.Segment(tt.text)
		if got.Encoding != tt.enc || got.Units != tt.units || got.Parts != tt.parts {
			t.Errorf("%s: Segment = %+v, want %s %d units %d parts", tt.name, got, tt.enc, tt.units, tt.parts)
		}
	}
}

func FuzzSegment(f *testing.F) {
	for _, s := range []string{"", "hello", strings.Repeat("€", 90), "ê😀", strings.Repeat("a", 153) + "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg := usecase.Segment(s)
		if s == "" {
			if seg.Parts != 0 {
				t.Fatalf("empty text: %d parts", seg.Parts)
			}
			return
		}
		per := 153
		single := 160
		if seg.Encoding == usecase.UCS2 {
			per, single = 67, 70
		}
		switch {
		case seg.Units <= single && seg.Parts != 1:
			t.Fatalf("%d units in %d parts", seg.Units, seg.Parts)
		case seg.Units > single && (seg.Parts < (seg.Units+per-1)/per || seg.Parts > seg.Units/(per-1)+1):
			t.Fatalf("%d units in %d parts of %d", seg.Units, seg.Parts, per)
		}
	})
}
