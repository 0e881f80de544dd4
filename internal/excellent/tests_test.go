package excellent

import (
	"testing"
	"time"
)

// testEnv is an environment like a workspace in a zone at UTC-5 (so that
// dates and times are visibly zoned), with a small context.
func testEnv(dateFormat string) *Env {
	tz := time.FixedZone("UTC-5", -5*3600)
	result := func(name, value, category string) *Object {
		return NewObjectWithDefault(value, map[string]Value{
			"name": name, "value": value, "category": category, "input": value,
			"values": Array{value}, "categories": Array{category},
		})
	}
	return &Env{
		Now:        time.Date(2018, 4, 11, 13, 24, 30, 123456000, tz),
		Timezone:   tz,
		DateFormat: dateFormat,
		TimeFormat: "tt:mm",
		Country:    "RW",
		Context: NewObject(map[string]Value{
			"contact": NewObjectWithDefault("Ryan Lewis", map[string]Value{
				"name":       "Ryan Lewis",
				"first_name": "Ryan",
				"language":   "eng",
				"groups": Array{
					NewObject(map[string]Value{"uuid": "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d", "name": "Testers"}),
					NewObject(map[string]Value{"uuid": "4f1f98fc-27a7-4a69-bbdb-24744ba739a9", "name": "Males"}),
				},
			}),
			"fields": NewObjectWithDefault("Age: 23", map[string]Value{"age": NumberFromInt(23), "district": "Gasabo", "unset": nil}),
			"results": NewObject(map[string]Value{
				"webhook": result("webhook", "200", "Success"),
				"age":     result("Age", "23", "Adult"),
			}),
			"input":   NewObjectWithDefault("Hi there", map[string]Value{"text": "Hi there"}),
			"webhook": Unsupported{What: "@webhook"},
		}),
	}
}

func TestCaseTests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr    string
		matched bool
		match   string
	}{
		{`has_any_word("The Quick Brown Fox", "fox quick")`, true, "Quick Fox"},
		{`has_any_word("The Quick Brown Fox", "red fox")`, true, "Fox"},
		{`has_any_word("Yes!!!", "yes yep y")`, true, "Yes"},
		{`has_any_word("yesterday", "yes")`, false, ""},
		{`has_any_word("Turbo-King please", "Turbo King")`, true, "Turbo King"},
		{`has_any_word("", "yes")`, false, ""},
		{`has_all_words("the quick brown FOX", "the fox")`, true, "the FOX"},
		{`has_all_words("the quick brown fox", "red fox")`, false, ""},
		{`has_phrase("the quick brown fox", "brown fox")`, true, "brown fox"},
		{`has_phrase("the Quick Brown fox", "quick fox")`, false, ""},
		{`has_phrase("the Quick Brown fox", "")`, true, ""},
		{`has_only_phrase("Quick Brown", "quick brown")`, true, "Quick Brown"},
		{`has_only_phrase("  Quick,   Brown! ", "quick brown")`, true, "Quick Brown"},
		{`has_only_phrase("The Quick Brown Fox", "quick brown")`, false, ""},
		{`has_only_phrase("", "")`, true, ""},
		{`has_beginning("The Quick Brown", "the quick")`, true, "The Quick"},
		{`has_beginning("The Quick Brown", "the   quick")`, false, ""},
		{`has_beginning("The Quick Brown", "quick brown")`, false, ""},
		{`has_text("quick brown")`, true, "quick brown"},
		{`has_text(" \n")`, false, ""},
		{`has_text(123)`, true, "123"},
		{`has_text(fields.unset)`, false, ""},
		{`has_value("x ")`, true, "x"},
		{`has_only_text("foo", "foo")`, true, "foo"},
		{`has_only_text("foo", "FOO")`, false, ""},
		{`has_only_text(results.webhook.category, "Success")`, true, "Success"},
		{`has_pattern("Buy cheese please", "buy (\w+)")`, true, "Buy cheese"},
		{`has_pattern("Sell cheese please", "buy (\w+)")`, false, ""},
		{`has_number("the number is 42")`, true, "42"},
		{`has_number("العدد ٤٢")`, true, "42"},
		{`has_number("about 1,000.50 boxes")`, true, "1000.5"},
		{`has_number("007")`, true, "7"},
		{`has_number("-12 degrees")`, true, "-12"},
		{`has_number("the number is forty two")`, false, ""},
		{`has_number_between("the number is 42", 40, 44)`, true, "42"},
		{`has_number_between("the number is 42", 50, 60)`, false, ""},
		{`has_number_between("5 or 45", 40, 50)`, true, "45"},
		{`has_number_lt("the number is 42", 44)`, true, "42"},
		{`has_number_lt("the number is 42", 42)`, false, ""},
		{`has_number_lte("the number is 42", 42)`, true, "42"},
		{`has_number_eq("3.0", 3)`, true, "3"},
		{`has_number_eq("the number is 42", 40)`, false, ""},
		{`has_number_gte("the number is 42", 45)`, false, ""},
		{`has_number_gt("the number is 42", 40)`, true, "42"},
		{`has_number_gt("the number is 42", 42)`, false, ""},
		{`has_date("the date is 2017-01-15")`, true, "2017-01-15T13:24:30.123456-05:00"},
		{`has_date("there is no date here, just a year 2017")`, false, ""},
		{`has_date_lt("the date is 2017-01-15", "2017-06-01")`, true, "2017-01-15T13:24:30.123456-05:00"},
		{`has_date_eq("the date is 2017-01-15 15:00", "2017-01-15")`, true, "2017-01-15T15:00:00.000000-05:00"},
		{`has_date_gt("the date is 2017-01-15", "2017-03-15")`, false, ""},
		{`has_date_lt("2018-04-10", today())`, true, "2018-04-10T13:24:30.123456-05:00"},
		{`has_time("the time is 10:30")`, true, "10:30:00.000000"},
		{`has_time("the time is 10 PM")`, true, "22:00:00.000000"},
		{`has_email("my email is <foo@bar2.com>")`, true, "foo@bar2.com"},
		{`has_phone("my number is +12067799294 thanks")`, true, "+12067799294"},
		{`has_phone("my number is 2067799294", "US")`, true, "+12067799294"},
		{`has_phone("call 0788 123 123")`, true, "+250788123123"},
		{`has_phone("my number is none of your business", "US")`, false, ""},
		{`has_group(contact.groups, "b7cf0d83-f1c9-411c-96fd-c511a4cfa86d")`, true, "{name: Testers, uuid: b7cf0d83-f1c9-411c-96fd-c511a4cfa86d}"},
		{`has_group(array(), "97fe7029-3a15-4005-b0c7-277b884fc1d5")`, false, ""},
		{`has_category(results.webhook, "Success", "Failure")`, true, "Success"},
		{`has_category(results.webhook, "Failure")`, false, ""},
		{`has_error(fields.nope)`, true, "object has no property 'nope'"},
		{`has_error("hello")`, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e := testEnv("YYYY-MM-DD")
			v := e.EvaluateExpression(tt.expr)
			res, ok := v.(*Object)
			if !ok {
				t.Fatalf("got %s (%T), want a test result", Render(v), v)
			}
			match, _ := res.Get("match")
			if Truthy(res) != tt.matched || Render(match) != tt.match {
				t.Errorf("got %v with match %q, want %v with match %q", Truthy(res), Render(match), tt.matched, tt.match)
			}
		})
	}
}

func TestCaseTestErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		`has_number_between("the number is 42", "foo", 60)`,
		`has_number_lt("the number is not there", "foo")`,
		`has_date_lt("2017-01-15", "not date")`,
		`has_pattern("x", "(")`,
		`has_any_word("just one argument")`,
		`has_category("not a result", "Success")`,
	} {
		if v := testEnv("YYYY-MM-DD").EvaluateExpression(expr); !IsError(v) {
			t.Errorf("%s = %s, want an error", expr, Render(v))
		}
	}
}

func TestDayFirstDates(t *testing.T) {
	t.Parallel()
	e := testEnv("DD-MM-YYYY")
	for expr, want := range map[string]string{
		`has_date("the date is 15/01/2017").match`:                    "2017-01-15T13:24:30.123456-05:00",
		`has_date_eq("15.01.17 at 9am", "2017-01-15").match`:          "2017-01-15T09:00:00.000000-05:00",
		`has_date_gt("the date is 15/01/2017", "2017-01-01")`:         "true",
		`format_date("1979-07-18T15:00:00.000000Z")`:                  "18-07-1979",
		`format_datetime("1979-07-18T15:00:00.000000Z")`:              "18-07-1979 10:00",
		`format_date(date("10/05/2010"), "EEEE D MMMM YYYY")`:         "Monday 10 May 2010",
		`format_datetime("2010-05-10T19:50:00Z", "h:mm AA", "UTC")`:   "7:50 PM",
		`datetime("10/05/2010")`:                                      "2010-05-10T00:00:00.000000-05:00",
		`weekday("2018-04-11")`:                                       "3",
		`today()`:                                                     "2018-04-11",
		`now()`:                                                       "2018-04-11T13:24:30.123456-05:00",
		`format_date("31/04/2018")`:                                   "01-05-2018",
		`has_date("it is 2/3 of the year")`:                           "false",
		`has_time("at 25:00")`:                                        "false",
		`format_date("1979-07-18", "YYYY-MM-DD tt:mm")`:               "",
		`is_error(format_date("1979-07-18", "YYYY-MM-DD tt:mm"))`:     "true",
		`format_datetime("1979-07-18T15:00:00Z", "YY-M-D t:m:s fff")`: "79-7-18 10:0:0 000",
	} {
		if got := Render(e.EvaluateExpression(expr)); got != want && !(want == "" && IsError(e.EvaluateExpression(expr))) {
			t.Errorf("%s = %q, want %q", expr, got, want)
		}
	}
}

// TestDateNamesByLanguage checks that days, months and AM/PM are written
// in the session's language, with the regional names of its country.
func TestDateNamesByLanguage(t *testing.T) {
	t.Parallel()
	const tpl = `@(format_datetime("2026-04-01T15:04:00Z", "EEEE EEE D MMMM MMM YYYY h:mm aa AA", "UTC"))`
	tests := []struct{ language, country, want string }{
		{"", "", "Wednesday Wed 1 April Apr 2026 3:04 pm PM"},
		{"eng", "LR", "Wednesday Wed 1 April Apr 2026 3:04 pm PM"},
		{"fra", "", "mercredi mer. 1 avril avril 2026 3:04 pm PM"},
		{"fra", "CD", "mercredi mer 1 avril avr 2026 3:04 pm PM"},
		{"fra", "fr", "mercredi mer. 1 avril avril 2026 3:04 pm PM"},
		{"por", "MZ", "quarta qua 1 abril abr 2026 3:04 pm PM"},
		{"swa", "TZ", "Jumatano J5 1 Aprili Apr 2026 3:04 alasiri ALASIRI"},
		{"spa", "", "miércoles mié 1 abril abr 2026 3:04 pm PM"},
		{"nya", "MW", "Wednesday Wed 1 April Apr 2026 3:04 pm PM"}, // no names of its own: English
	}
	for _, tt := range tests {
		e := &Env{Language: tt.language, Country: tt.country}
		if got, errText := e.EvaluateTemplate(tpl); got != tt.want || errText != "" {
			t.Errorf("%s in %q: %q (%s), want %q", tt.language, tt.country, got, errText, tt.want)
		}
	}
}

func TestArrayOfAnError(t *testing.T) {
	t.Parallel()
	v := testEnv("YYYY-MM-DD").EvaluateExpression(`join(array(1, fields.nope), ",")`)
	if want := "error calling join(...): error calling array(...): object has no property 'nope'"; Render(v) != want {
		t.Errorf("got %q, want %q", Render(v), want)
	}
}
