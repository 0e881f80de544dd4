package workflow

import (
	"slices"
	"sort"
)

// isLanguage reports whether code is a known three-letter (ISO 639-3)
// language code.
func isLanguage(code string) bool {
	if len(code) != 3 {
		return false
	}
	n := len(iso639Codes) / 3
	i := sort.Search(n, func(i int) bool { return iso639Codes[3*i:3*i+3] >= code })
	return i < n && iso639Codes[3*i:3*i+3] == code
}

// yesNoWords holds, per language, the usual ways of answering yes and no
// by SMS, and the translated names of the Yes and No categories. Only words
// that mean nothing else in a short reply are listed: no "ok" or "sure"
// (a reply "not sure" would be Yes), no Swahili "la" (also "of"), and
// single letters only where they are the usual short answer (y and n in
// English, s and n in Spanish and Portuguese). A contact's reply is
// matched against the words of their own language and of the workflow's
// base language (see compiler.yesNoRules), so words of two listed
// languages never meet unless one is the base.
var yesNoWords = map[string]struct {
	yes, no       []string
	yesCat, noCat string
}{
	"eng": {[]string{"yes", "y", "yeah", "yep", "yea"}, []string{"no", "n", "nope", "nah"}, "Yes", "No"},
	"fra": {[]string{"oui", "ouais"}, []string{"non"}, "Oui", "Non"},
	"spa": {[]string{"sí", "si", "s"}, []string{"no", "n"}, "Sí", "No"},
	"por": {[]string{"sim", "s"}, []string{"não", "nao", "n"}, "Sim", "Não"},
	"swa": {[]string{"ndiyo", "ndio"}, []string{"hapana"}, "Ndiyo", "Hapana"},
	"swh": {[]string{"ndiyo", "ndio"}, []string{"hapana"}, "Ndiyo", "Hapana"},
	"kin": {[]string{"yego"}, []string{"oya"}, "Yego", "Oya"},
	"lug": {[]string{"yee"}, []string{"nedda"}, "Yee", "Nedda"},
	"nya": {[]string{"inde"}, []string{"ayi", "iyayi"}, "Inde", "Ayi"},
	"lin": {[]string{"iyo", "ee"}, []string{"te"}, "Iyo", "Te"},
	"sna": {[]string{"hongu", "ehe"}, []string{"kwete", "aiwa"}, "Hongu", "Kwete"},
	"zul": {[]string{"yebo"}, []string{"cha", "qha"}, "Yebo", "Cha"},
	"xho": {[]string{"ewe"}, []string{"hayi"}, "Ewe", "Hayi"},
	"som": {[]string{"haa", "haah"}, []string{"maya"}, "Haa", "Maya"},
	"mlg": {[]string{"eny"}, []string{"tsia"}, "Eny", "Tsia"},
	"hau": {[]string{"eh"}, []string{"aa"}, "Eh", "A'a"},
	"yor": {[]string{"bẹẹni", "beeni"}, []string{"rara", "rárá"}, "Bẹẹni", "Rárá"},
	"ibo": {[]string{"ee", "eh"}, []string{"mba"}, "Ee", "Mba"},
	"amh": {[]string{"አዎ", "awo"}, []string{"አይ"}, "አዎ", "አይ"},
	"ara": {[]string{"نعم"}, []string{"لا"}, "نعم", "لا"},
	"deu": {[]string{"ja"}, []string{"nein"}, "Ja", "Nein"},
	"ita": {[]string{"sì", "si"}, []string{"no"}, "Sì", "No"},
	"nld": {[]string{"ja"}, []string{"nee"}, "Ja", "Nee"},
	"hin": {[]string{"haan", "han", "हाँ"}, []string{"nahin", "nahi", "नहीं"}, "हाँ", "नहीं"},
}

// YesNoWords returns the words a yes_no question's reply is matched with,
// as Yes and as No, in lang (an ISO 639-3 code; see the package doc), and
// whether lang has words of its own: for another language, English's are
// returned. Readers of other formats use them to recognise a yes/no
// question.
func YesNoWords(lang string) (yes, no []string, ok bool) {
	e, ok := yesNoWords[lang]
	if !ok {
		e = yesNoWords["eng"]
	}
	return slices.Clone(e.yes), slices.Clone(e.no), ok
}
