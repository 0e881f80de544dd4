package excellent

import "strings"

// dateNames are the names format_date and format_datetime write in one
// language: days from Sunday, months from January, and the words for
// before and after noon.
type dateNames struct {
	days, shortDays     [7]string
	months, shortMonths [12]string
	amPM                [2]string
}

// languageDates says which names of dateNameSets a language uses: without
// a country (blank), in a country with no locale of the language
// (other), and in the regions where they differ from other.
type languageDates struct {
	blank, other int
	regions      map[string]int
}

// dateNames returns the names for the environment's language and country,
// or nil for English (and languages without names here), which Go's own
// layouts write.
func (e *Env) dateNames() *dateNames {
	l, ok := languageDateNames[strings.ToLower(e.Language)]
	if !ok {
		return nil
	}
	country := strings.ToUpper(e.Country)
	if i, ok := l.regions[country]; ok {
		return &dateNameSets[i]
	}
	if country == "" {
		return &dateNameSets[l.blank]
	}
	return &dateNameSets[l.other]
}
