package goflowcheck_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// TestDateNamesAgreeWithGoflow renders every day and month name, and the
// words for AM and PM, in each language the simulator writes dates in and
// in countries with and without a locale of their own, with goflow's
// engine and with internal/excellent, and requires the same text.
func TestDateNamesAgreeWithGoflow(t *testing.T) {
	t.Parallel()
	languages := []string{"", "eng", "afr", "aka", "amh", "ara", "deu", "fra", "ful", "hau", "hin", "ibo", "ita", "kin",
		"lin", "lug", "mlg", "nbl", "nld", "nso", "orm", "por", "som", "sot", "spa", "ssw", "swa", "swh", "tir",
		"tsn", "tso", "ven", "wol", "xho", "yor", "zul", "nya", "sna"}
	countries := []string{"", "LR", "RW", "CD", "SN", "KE", "NG", "FR", "BE", "CA", "AT", "IT", "ET", "ER", "DJ", "SO",
		"CR", "PE", "VE", "MA", "DZ", "TN", "EG", "SA", "AE", "IQ"}
	// In a country without a locale of its own, goflow's pick among the
	// regional names of Arabic, French, German, Somali, Spanish and
	// Tigrinya changes from one run to the next (it matches against a
	// map's keys): only the countries that have one are compared.
	regional := map[string][]string{
		"ara": {"", "MA", "DZ", "TN", "EG", "SA", "AE", "IQ"},
		"deu": {"", "AT", "BE", "IT"},
		"fra": {"", "FR", "BE", "CA"},
		"som": {"", "KE", "ET", "DJ", "SO"},
		"spa": {"", "CR", "PE", "VE"},
		"tir": {"", "ET", "ER"},
	}
	// goflow matches swh (Swahili) to English names in a country with an
	// English locale, which the simulator does not follow.
	englishRegions := []string{"NG", "CA"}
	var b strings.Builder
	for month := range 12 {
		day := time.Date(2026, time.Month(month+1), 1+month%7, 8+12*(month%2), 30, 0, 0, time.UTC)
		fmt.Fprintf(&b, "@(format_datetime(%q, \"EEEE EEE D MMMM MMM YYYY h:mm aa AA\")) | ", day.Format(time.RFC3339))
	}
	template := b.String() + `@(format_date("2026-12-25", "EEEE D MMMM"))`
	tz, err := time.LoadLocation(goflowcheck.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, lang := range languages {
		for _, country := range countries {
			if only, ok := regional[lang]; ok && !slices.Contains(only, country) {
				continue
			}
			if lang == "swh" && slices.Contains(englishRegions, country) {
				continue
			}
			want, err := goflowcheck.EvaluateTemplate(template, lang, country)
			if err != nil {
				t.Fatalf("goflow: %v", err)
			}
			env := &excellent.Env{Timezone: tz, DateFormat: goflowcheck.DateFormat, Language: lang, Country: country}
			got, errText := env.EvaluateTemplate(template)
			if errText != "" {
				t.Fatalf("simulator: %s", errText)
			}
			compared++
			if got != want {
				t.Errorf("%s in %q: goflow %.60s, simulator %.60s", lang, country, want, got)
			}
		}
	}
	t.Logf("%d language and country pairs agree", compared)
}
