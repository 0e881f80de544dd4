package workflow

// SMS lengths: a message in the GSM 03.38 alphabet fits 160 characters in
// one SMS (153 per part when split); anything else is sent as UCS-2, 70
// characters (67 per part).
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsmBasic and gsmExtended are the GSM 03.38 basic alphabet and the
// characters of its extension table, which take two septets each.
const (
	gsmBasic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// SMSParts returns how many SMS text takes, and whether it needs UCS-2
// because of a character outside the GSM alphabet.
func SMSParts(text string) (parts int, ucs2 bool) {
	septets, chars := 0, 0
	for _, r := range text {
		chars++
		switch {
		case containsRune(gsmBasic, r):
			septets++
		case containsRune(gsmExtended, r):
			septets += 2
		default:
			ucs2 = true
		}
	}
	if ucs2 {
		// UCS-2 counts UTF-16 code units; characters beyond the BMP take two.
		units := 0
		for _, r := range text {
			units++
			if r > 0xFFFF {
				units++
			}
		}
		return countParts(units, ucs2Single, ucs2Part), true
	}
	return countParts(septets, gsmSingle, gsmPart), false
}

func countParts(n, single, part int) int {
	if n <= single {
		return 1
	}
	return (n + part - 1) / part
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
