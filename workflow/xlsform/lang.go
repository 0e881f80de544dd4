package xlsform

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/language"
)

// languageNames are the languages an XLSForm may name without a code
// (label::English), by their English and their own names: those of the
// countries mHero serves, and the world's large ones. Any other language
// is named with its code, as XLSForm recommends: label::Krio (kri).
var languageNames = map[string]string{
	"english": "eng", "french": "fra", "français": "fra", "francais": "fra",
	"portuguese": "por", "português": "por", "portugues": "por", "spanish": "spa", "español": "spa", "espanol": "spa",
	"swahili": "swa", "kiswahili": "swa", "arabic": "ara", "العربية": "ara", "amharic": "amh", "አማርኛ": "amh",
	"hausa": "hau", "yoruba": "yor", "igbo": "ibo", "kinyarwanda": "kin", "ikinyarwanda": "kin", "kirundi": "run",
	"luganda": "lug", "chichewa": "nya", "nyanja": "nya", "lingala": "lin", "shona": "sna", "zulu": "zul", "isizulu": "zul",
	"xhosa": "xho", "isixhosa": "xho", "somali": "som", "malagasy": "mlg", "tigrinya": "tir", "oromo": "orm",
	"afaan oromoo": "orm", "wolof": "wol", "fula": "ful", "fulfulde": "ful", "bambara": "bam", "twi": "twi", "akan": "aka",
	"ewe": "ewe", "krio": "kri", "sesotho": "sot", "sotho": "sot", "setswana": "tsn", "tswana": "tsn", "tsonga": "tso",
	"afrikaans": "afr", "tetum": "tet", "german": "deu", "deutsch": "deu", "italian": "ita", "italiano": "ita",
	"dutch": "nld", "nederlands": "nld", "hindi": "hin", "हिन्दी": "hin", "bengali": "ben", "bangla": "ben",
	"urdu": "urd", "nepali": "nep", "burmese": "mya", "khmer": "khm", "lao": "lao", "vietnamese": "vie", "thai": "tha",
	"indonesian": "ind", "bahasa indonesia": "ind", "malay": "msa", "tagalog": "tgl", "filipino": "fil",
	"chinese": "zho", "russian": "rus", "ukrainian": "ukr", "turkish": "tur", "persian": "fas", "farsi": "fas",
	"dari": "prs", "pashto": "pus", "haitian creole": "hat", "kreyòl": "hat", "creole": "hat",
}

// languageCode matches "Name (code)" in a column header or a setting.
var languageCode = regexp.MustCompile(`^(.*?)\s*\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\s*\)$`)

// parseLanguage reads a language as XLSForm writes it: "French (fr)",
// "English (en-GB)", "fra", "fr" or "French", and returns its ISO 639-3
// code (which RapidPro needs), or an error saying how to write it.
func parseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	name, code := s, ""
	if m := languageCode.FindStringSubmatch(s); m != nil {
		name, code = m[1], m[2]
	} else if len(s) <= 3 || strings.ContainsAny(s, "-_") && !strings.Contains(s, " ") {
		code = s // a bare code: fr, fra, en-GB
	}
	if code != "" {
		tag, err := language.Parse(code)
		if err == nil {
			base, conf := tag.Base()
			if iso := base.ISO3(); conf == language.Exact && len(iso) == 3 {
				return iso, nil
			}
		}
		if name == s {
			return "", fmt.Errorf("unknown language code %q: use an ISO 639 code, as in label::French (fr)", code)
		}
		return "", fmt.Errorf("unknown language code %q in %q: use an ISO 639 code, as in label::French (fr)", code, s)
	}
	if iso, ok := languageNames[strings.ToLower(name)]; ok {
		return iso, nil
	}
	return "", fmt.Errorf("unknown language %q: add its ISO 639 code in parentheses, as in %s (xyz)", s, s)
}
