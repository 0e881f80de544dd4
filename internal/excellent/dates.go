package excellent

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
)

// dateFunctions work on dates and datetimes.
var dateFunctions = map[string]builtin{
	"now":             noArgs(fnNow),
	"today":           noArgs(fnToday),
	"weekday":         oneDate(fnWeekday),
	"week_number":     oneDate(fnWeekNumber),
	"epoch":           oneDateTime(fnEpoch),
	"datetime_add":    threeArgs(fnDateTimeAdd),
	"datetime_diff":   threeArgs(fnDateTimeDiff),
	"date_from_parts": threeIntegers(fnDateFromParts),
	"format_date":     variadic(1, 2, fnFormatDate),
	"format_datetime": variadic(1, 3, fnFormatDateTime),
}

// fnNow returns the current datetime in the environment's zone.
func fnNow(e *Env) Value { return e.Now.In(e.tz()) }

// fnToday returns the current date in the environment's zone.
func fnToday(e *Env) Value { return DateOf(e.Now.In(e.tz())) }

// fnWeekday returns the day of the week, 0 for Sunday.
func fnWeekday(_ *Env, d Date) Value { return NumberFromInt(int64(d.time(time.UTC).Weekday())) }

// fnWeekNumber returns the week of the year, weeks starting on Sunday.
func fnWeekNumber(_ *Env, d Date) Value {
	t := d.time(time.UTC)
	return NumberFromInt(int64((t.YearDay()-1-int(t.Weekday())+7)/7 + 1))
}

// fnEpoch returns the seconds since 1970-01-01 UTC.
func fnEpoch(_ *Env, t time.Time) Value {
	return Number{new(big.Rat).SetInt64(t.UnixNano())}.div(NumberFromInt(1e9))
}

// fnDateTimeAdd adds a whole number of units (s, m, h, D, W, M, Y) to a
// datetime: datetime_add(datetime, count, unit).
func fnDateTimeAdd(e *Env, datetime, count, unit Value) Value {
	t, err := e.toDateTime(datetime)
	if err != nil {
		return *err
	}
	n, err := toInteger(count)
	if err != nil {
		return *err
	}
	u, err := toText(unit)
	if err != nil {
		return *err
	}
	switch u {
	case "s":
		return t.Add(time.Duration(n) * time.Second)
	case "m":
		return t.Add(time.Duration(n) * time.Minute)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	case "D":
		return t.AddDate(0, 0, n)
	case "W":
		return t.AddDate(0, 0, n*7)
	case "M":
		return t.AddDate(0, n, 0)
	case "Y":
		return t.AddDate(n, 0, 0)
	}
	return Errorf("unknown unit: %s, must be one of s, m, h, D, W, M, Y", u)
}

// fnDateTimeDiff counts whole units (s, m, h, D, W, M, Y) from the first
// datetime to the second; days, months and years by calendar.
func fnDateTimeDiff(e *Env, from, to, unit Value) Value {
	t1, err := e.toDateTime(from)
	if err != nil {
		return *err
	}
	t2, err := e.toDateTime(to)
	if err != nil {
		return *err
	}
	u, err := toText(unit)
	if err != nil {
		return *err
	}
	days := func() int {
		d1 := time.Date(t2.Year(), t2.Month(), t2.Day(), 0, 0, 0, 0, time.UTC)
		d2 := time.Date(t1.Year(), t1.Month(), t1.Day(), 0, 0, 0, 0, time.UTC)
		return int(d1.Sub(d2) / (24 * time.Hour))
	}
	d := t2.Sub(t1)
	switch u {
	case "s":
		return NumberFromInt(int64(d / time.Second))
	case "m":
		return NumberFromInt(int64(d / time.Minute))
	case "h":
		return NumberFromInt(int64(d / time.Hour))
	case "D":
		return NumberFromInt(int64(days()))
	case "W":
		return NumberFromInt(int64(days() / 7))
	case "M":
		return NumberFromInt(int64(int(t2.Month()-t1.Month()) + (t2.Year()-t1.Year())*12))
	case "Y":
		return NumberFromInt(int64(t2.Year() - t1.Year()))
	}
	return Errorf("unknown unit: %s, must be one of s, m, h, D, W, M, Y", u)
}

// fnDateFromParts returns the date of a year, month and day; an impossible
// day rolls over, as goflow's dates do.
func fnDateFromParts(_ *Env, year, month, day int) Value {
	if month < 1 || month > 12 {
		return Errorf("invalid value for month, must be 1-12")
	}
	return DateOf(time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC))
}

// fnFormatDate formats a date with a layout, the environment's date format
// by default: format_date(date[, layout]).
func fnFormatDate(e *Env, args []Value) Value {
	d, err := e.toDate(args[0])
	if err != nil {
		return *err
	}
	layout := e.dateFormat()
	if len(args) == 2 {
		s, err := toText(args[1])
		if err != nil {
			return *err
		}
		layout = s
	}
	out, ferr := formatLayout(d.time(time.UTC), layout, false, e.dateNames())
	if ferr != nil {
		return Error{ferr.Error()}
	}
	return out
}

// fnFormatDateTime formats a datetime with a layout (the environment's
// date and time formats by default) in a zone (the environment's by
// default): format_datetime(datetime[, layout[, zone]]).
func fnFormatDateTime(e *Env, args []Value) Value {
	t, err := e.toDateTime(args[0])
	if err != nil {
		return *err
	}
	layout := e.dateFormat() + " " + e.timeFormat()
	if len(args) >= 2 {
		s, err := toText(args[1])
		if err != nil {
			return *err
		}
		layout = s
	}
	loc := e.tz()
	if len(args) == 3 {
		name, err := toText(args[2])
		if err != nil {
			return *err
		}
		l, lerr := time.LoadLocation(name)
		if lerr != nil {
			return Errorf("unknown time zone %s", name)
		}
		loc = l
	}
	out, ferr := formatLayout(t.In(loc), layout, true, e.dateNames())
	if ferr != nil {
		return Error{ferr.Error()}
	}
	return out
}

// ---- conversions ----

// toDate converts a value to a date as goflow's ToXDate does.
func (e *Env) toDate(v Value) (Date, *Error) {
	switch t := v.(type) {
	case Error:
		return Date{}, &t
	case Date:
		return t, nil
	case time.Time:
		return DateOf(t.In(e.tz())), nil
	case string:
		if d, _, ok := e.parseDate(t); ok {
			return d, nil
		}
	case *Object:
		if t.hasDefault {
			return e.toDate(t.def)
		}
	}
	err := Errorf("unable to convert %s to a date", describe(v))
	return Date{}, &err
}

// toDateTime converts a value to a datetime as goflow's ToXDateTime does.
func (e *Env) toDateTime(v Value) (time.Time, *Error) {
	switch t := v.(type) {
	case Error:
		return time.Time{}, &t
	case time.Time:
		return t, nil
	case Date:
		return t.time(e.tz()), nil
	case string:
		if dt, ok := e.parseDateTime(t, false); ok {
			return dt, nil
		}
	case *Object:
		if t.hasDefault {
			return e.toDateTime(t.def)
		}
	}
	err := Errorf("unable to convert %s to a datetime", describe(v))
	return time.Time{}, &err
}

// ParseDateTime reads a datetime from text as goflow does for a datetime
// field: ISO 8601, or a date in the environment's order with an optional
// time of day (midnight without one).
func (e *Env) ParseDateTime(s string) (time.Time, bool) { return e.parseDateTime(s, false) }

var (
	dateDMY     = regexp.MustCompile(`\b([0-9]{1,2})[-.\\/_ ]([0-9]{1,2})[-.\\/_ ]([0-9]{4}|[0-9]{2})\b`)
	dateYMD     = regexp.MustCompile(`\b([0-9]{4}|[0-9]{2})[-.\\/_ ]([0-9]{1,2})[-.\\/_ ]([0-9]{1,2})\b`)
	timePattern = regexp.MustCompile(`\b(\d{1,2})(?:(?:\:)?(\d{2})(?:\:(\d{2})(?:\.(\d+))?)?)?\W*([aApP][mM])?\b`)
)

// parseDateTime reads a datetime from text as goflow's DateTimeFromString
// does; fillTime takes the time of day from now when the text has none.
func (e *Env) parseDateTime(s string, fillTime bool) (time.Time, bool) {
	s = strings.Trim(s, " \n\r\t")
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.ParseInLocation(layout, s, e.tz()); err == nil {
			return t, true
		}
	}
	d, rest, ok := e.parseDate(s)
	if !ok {
		return time.Time{}, false
	}
	tod, hasTime := parseTimeOfDay(rest)
	if !hasTime && fillTime {
		now := e.Now.In(e.tz())
		tod = TimeOfDay{now.Hour(), now.Minute(), now.Second(), now.Nanosecond()}
	}
	return time.Date(d.year, time.Month(d.month), d.day, tod.hour, tod.minute, tod.second, tod.nanos, e.tz()), true
}

// parseDate finds a date in text in the environment's date order, and
// returns the text after it.
func (e *Env) parseDate(s string) (Date, string, bool) {
	s = strings.Trim(s, " \n\r\t")
	if len(s) >= 10 {
		if t, err := time.ParseInLocation("2006-01-02", s[:10], e.tz()); err == nil {
			return DateOf(t), s[10:], true
		}
	}
	pattern, d, m, y := dateYMD, 3, 2, 1
	switch e.dateFormat() {
	case "DD-MM-YYYY":
		pattern, d, m, y = dateDMY, 1, 2, 3
	case "MM-DD-YYYY":
		pattern, d, m, y = dateDMY, 2, 1, 3
	}
	currentYear := e.Now.Year()
	for _, match := range pattern.FindAllStringSubmatchIndex(s, -1) {
		group := func(i int) string { return s[match[2*i]:match[2*i+1]] }
		day, month := atoi(group(d)), atoi(group(m))
		if day == 0 || day > 31 || month == 0 || month > 12 {
			continue
		}
		year := atoi(group(y))
		if len(group(y)) == 2 {
			if year > currentYear%1000 {
				year += 1900
			} else {
				year += 2000
			}
		}
		// normalise impossible days (31 April) the way time.Date does
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return DateOf(t), s[match[1]:], true
	}
	return Date{}, s, false
}

func parseTimeOfDay(s string) (TimeOfDay, bool) {
	for _, m := range timePattern.FindAllStringSubmatch(s, -1) {
		hour, minute, second := atoi(m[1]), atoi(m[2]), atoi(m[3])
		ampm := strings.ToLower(m[5])
		if hour < 12 && ampm == "pm" {
			hour += 12
		} else if hour == 12 && ampm == "am" {
			hour -= 12
		}
		nanos := 0
		if f := m[4]; f != "" {
			if len(f) > 9 {
				f = f[:9]
			}
			nanos = atoi(f)
			for range 9 - len(f) {
				nanos *= 10
			}
		}
		if hour == 24 && minute == 0 && second == 0 && nanos == 0 {
			hour = 0
		}
		if hour > 24 || minute > 60 || second > 60 {
			continue
		}
		return TimeOfDay{hour, minute, second, nanos}, true
	}
	return TimeOfDay{}, false
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e8 {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// ---- layouts ----

// layoutSequences maps goflow's layout sequences to Go layouts.
var layoutSequences = map[string]struct {
	goLayout string
	timeOnly bool
}{
	"YY": {"06", false}, "YYYY": {"2006", false}, "M": {"1", false}, "MM": {"01", false},
	"MMM": {"Jan", false}, "MMMM": {"January", false}, "D": {"2", false}, "DD": {"02", false},
	"EEE": {"Mon", false}, "EEEE": {"Monday", false},
	"fffffffff": {"000000000", true}, "ffffff": {"000000", true}, "fff": {"000", true},
	"h": {"3", true}, "hh": {"03", true}, "t": {"15", true}, "tt": {"15", true},
	"m": {"4", true}, "mm": {"04", true}, "s": {"5", true}, "ss": {"05", true},
	"aa": {"pm", true}, "AA": {"PM", true}, "Z": {"Z07:00", true}, "ZZZ": {"-07:00", true},
}

const layoutIgnored = " :/.,T-_"

// CheckTimeFormat reports whether layout is a goflow time layout, such as
// "tt:mm" or "h:mm aa".
func CheckTimeFormat(layout string) error {
	_, err := formatLayout(time.Time{}, layout, true, nil)
	return err
}

// formatLayout formats t with a goflow layout such as "DD-MM-YYYY tt:mm",
// writing names of days and months and AM/PM from names (English when nil).
func formatLayout(t time.Time, layout string, withTime bool, names *dateNames) (string, error) {
	rs := []rune(layout)
	var b strings.Builder
	for i := 0; i < len(rs); {
		r := rs[i]
		ignored := strings.ContainsRune(layoutIgnored, r)
		n := 1
		for i+n < len(rs) && ((ignored && strings.ContainsRune(layoutIgnored, rs[i+n])) || (!ignored && rs[i+n] == r)) {
			n++
		}
		seq := string(rs[i : i+n])
		i += n
		if ignored {
			b.WriteString(seq)
			continue
		}
		ls, ok := layoutSequences[seq]
		if !ok || (ls.timeOnly && !withTime) {
			kind := "date"
			if withTime {
				kind = "datetime"
			}
			return "", fmt.Errorf("'%s' is not valid in a %s formatting layout", seq, kind)
		}
		if names != nil {
			if name, ok := names.name(t, seq); ok {
				b.WriteString(name)
				continue
			}
		}
		switch ls.goLayout {
		case "15":
			out := t.Format("15")
			if seq == "t" {
				out = strings.TrimLeft(out, "0")
			}
			b.WriteString(out)
		case "000000000", "000000", "000":
			b.WriteString(t.Format("." + ls.goLayout)[1:])
		default:
			b.WriteString(t.Format(ls.goLayout))
		}
	}
	return b.String(), nil
}

// name writes a sequence of a layout that is a name: a day, a month, or
// the word for before or after noon (in upper or lower case, as asked).
func (n *dateNames) name(t time.Time, seq string) (string, bool) {
	half := 0
	if t.Hour() >= 12 {
		half = 1
	}
	switch seq {
	case "EEE":
		return n.shortDays[t.Weekday()], true
	case "EEEE":
		return n.days[t.Weekday()], true
	case "MMM":
		return n.shortMonths[t.Month()-1], true
	case "MMMM":
		return n.months[t.Month()-1], true
	case "aa":
		return strings.ToLower(n.amPM[half]), true
	case "AA":
		return strings.ToUpper(n.amPM[half]), true
	}
	return "", false
}
