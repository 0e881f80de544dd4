package goflowcheck

import (
	"time"

	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/excellent"
	"github.com/nyaruka/goflow/excellent/types"
)

// EvaluateTemplate renders a template with goflow's expression engine
// alone, in the fixed environment of every conversation (Timezone,
// DateFormat) with an empty context, for a session in language (an ISO
// 639-3 code) and country (an ISO 3166 code, or ""): they pick the names
// format_date and format_datetime write. The error is goflow's text for
// the expressions that failed.
func EvaluateTemplate(template, language, country string) (string, error) {
	tz, err := time.LoadLocation(Timezone)
	if err != nil {
		return "", err
	}
	b := envs.NewBuilder().
		WithDateFormat(envs.DateFormatDayMonthYear).
		WithTimeFormat(envs.TimeFormatHourMinute).
		WithTimezone(tz).
		WithDefaultCountry(i18n.Country(country))
	if language != "" {
		b = b.WithAllowedLanguages(i18n.Language(language))
	}
	return excellent.EvaluateTemplate(b.Build(), types.NewXObject(map[string]types.XValue{}), template, nil)
}
