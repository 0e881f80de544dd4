package report

import (
	"time"
)

// Options apply to every report.
type Options struct {
	// UseCase, when set, names the use case the report is for, as its
	// Request Form does; reports are titled after the workflow otherwise.
	UseCase *UseCase
	// ShowPhones shows contacts' phone numbers in full. By default every
	// report masks them ("+231*******56"), so that a report forwarded by
	// e-mail does not spread health workers' numbers.
	ShowPhones bool
	// Location is the time zone dates are shown in (default UTC).
	Location *time.Location
	// Generated is when the report says it was made (default now).
	Generated time.Time
	// Chromium is the browser that prints the PDF versions: a path, or ""
	// to look for one as chromium.Find does (MHERO_CHROMIUM, then
	// chromium, chromium-browser, google-chrome on PATH). NoPDF skips the
	// PDF.
	Chromium string
	NoPDF    bool
}

// UseCase is what a report says of the use case it answers (the Use Case
// Request Form's fields). Any field may be empty.
type UseCase struct {
	// ID is the use case's identifier in the module's register.
	ID    string
	Title string
	// Unit is the requesting unit; Purpose why the questions are asked.
	Unit    string
	Purpose string
	// Requestor, Approver and DataManager are names as the reports show
	// them.
	Requestor   string
	Approver    string
	DataManager string
}

func (o *Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o *Options) in(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(o.loc())
}

func (o *Options) generated() time.Time {
	if o.Generated.IsZero() {
		return time.Now().In(o.loc())
	}
	return o.Generated.In(o.loc())
}

// useCaseFacts are the facts of the use case, for a report's header.
func (o *Options) useCaseFacts() []fact {
	u := o.UseCase
	if u == nil {
		return nil
	}
	var fs []fact
	add := func(label, v string) {
		if v != "" {
			fs = append(fs, fact{label, v})
		}
	}
	add("Use case", u.ID)
	add("Requesting unit", u.Unit)
	add("Purpose", u.Purpose)
	add("Requestor", u.Requestor)
	add("Approved by", u.Approver)
	add("Data Manager", u.DataManager)
	return fs
}
