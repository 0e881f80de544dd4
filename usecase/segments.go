package usecase

import "unicode/utf16"

// Encoding is how an SMS carries its text.
type Encoding string

const (
	// GSM7 is the GSM 03.38 default alphabet, 7 bits a character: 160
	// characters in one SMS, 153 a part when concatenated. Characters of
	// its extension table (^ { } \ [ ~ ] | € and form feed) take two.
	GSM7 Encoding = "GSM-7"
	// UCS2 is used as soon as one character is outside the GSM alphabet
	// (most accented letters but a few, any non-Latin script, emoji): 70
	// UTF-16 code units in one SMS, 67 a part; a character beyond the BMP
	// (an emoji) takes two units.
	UCS2 Encoding = "UCS-2"
)

// SMS capacities: a concatenated message gives 7 bytes of each part to
// the header (UDH) that joins them.
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsmBasic and gsmExtended are the GSM 03.38 basic alphabet and the
// characters of its extension table, sent as an escape and the character.
const (
	gsmBasic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

var gsmWidth = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtended {
		m[r] = 2
	}
	return m
}()

// Segments is what one message costs: its encoding, its length in the
// encoding's units (septets or UTF-16 code units) and the SMS parts it is
// sent as.
type Segments struct {
	Encoding Encoding `json:"encoding"`
	Units    int      `json:"units"`
	Parts    int      `json:"parts"`
}

// Segment works out how text travels as SMS. It applies the
// concatenation rules exactly: a part holds 153 septets (67 code units)
// once a message needs more than one, and an escaped GSM character or a
// UTF-16 surrogate pair is never split across two parts, so a part may
// hold one unit less. An empty text costs nothing.
func Segment(text string) Segments {
	if text == "" {
		return Segments{Encoding: GSM7}
	}
	widths := make([]int, 0, len(text))
	enc := GSM7
	for _, r := range text {
		w, ok := gsmWidth[r]
		if !ok {
			enc = UCS2
			break
		}
		widths = append(widths, w)
	}
	single, part := gsmSingle, gsmPart
	if enc == UCS2 {
		widths = widths[:0]
		for _, r := range text {
			widths = append(widths, utf16.RuneLen(r))
		}
		single, part = ucs2Single, ucs2Part
	}
	units := 0
	for _, w := range widths {
		units += w
	}
	s := Segments{Encoding: enc, Units: units, Parts: 1}
	if units <= single {
		return s
	}
	// Fill parts in order: a character that would straddle two parts
	// starts the next one.
	used := 0
	for _, w := range widths {
		if used+w > part {
			s.Parts++
			used = 0
		}
		used += w
	}
	return s
}
