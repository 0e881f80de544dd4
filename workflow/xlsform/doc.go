// Package xlsform reads XLSForm workbooks (.xlsx), the spreadsheets M&E
// officers write surveys in for ODK, Kobo or SurveyCTO, as mHero
// workflows: [Parse] gives the same [workflow.Workflow] a YAML file would,
// validated the same way, which compiles to a RapidPro flow and runs in
// the simulator, and which workflow.MarshalYAML writes as YAML to review
// and keep in git.
//
// Everything that cannot be asked by SMS is reported rather than dropped,
// all at once, as [workflow.Diagnostics] placed at their cells: a
// diagnostic reads "form.xlsx:survey!C7 (row 7, column 3): relevant: ...",
// named by the column's header. The workflow returned keeps those places,
// so that its own warnings (a question longer than one SMS) point at the
// cell too.
//
// # What is read
//
// The survey sheet, one row per question: its type, name, label, hint,
// relevant, constraint and constraint_message columns, each text column
// also per language (label::French (fr)). The choices sheet (list_name,
// name, label) and the settings sheet (form_title, form_id,
// default_language). Sheets are found by name in any case; the first
// non-blank row of a sheet is its header.
//
//	survey type          workflow question
//	text                 text
//	integer, decimal     number; constraint ". >= 0 and . <= 52" gives min and max
//	range                number between the start and end of its parameters
//	date                 date
//	select_one LIST      yes_no when LIST is a yes and a no, choice otherwise
//	select_one L or_other  choice with Other, and NAME_other ("Specify other.") after it
//	note                 a message: see Notes
//	begin/end group      flattened: its relevant applies to every row in it
//
// Names become result names (visit-date gives visit_date); form_title and
// form_id give the workflow's name and key (by default, as in pyxform, the
// title is the id and the id the file's name). A question's hint follows
// its label on a new line, and its constraint_message is the retry sent
// after a reply that does not fit.
//
// Choices. Each choice's label is its category (its name, in words, when
// the label is longer than the 36 characters of a RapidPro category), and
// a reply picks it by its number in the list, its name or its label, in
// any of the form's languages. A list whose names are all numbers is
// picked by those numbers. Since an SMS shows no list to pick from, the
// choices are added under the label, numbered ("1 Not delivered"), unless
// the label shows them already; a yes/no question gets "(YES/NO)" in each
// language. A choice may be labelled Other, in any of the form's
// languages (see the workflow package: the question's default category
// is then No Match); or_other on a list that has one already is an error.
//
// Relevant. The expressions SMS skip logic can follow become the
// question's when: a select_one compared with one of its choices' names
// (whose category it becomes), a number question compared with numbers
// (=, !=, <, <=, >, >=), any question compared with the empty text (not
// answered, answered), joined by and, or, not() and parentheses:
//
//	${reason} = 'other'                        reason == "Other (specify)"
//	selected(${cadre}, 'nurse') or ${age} > 50  cadre == Nurse or age > 50
//	${gaps} != '' and not(${cases} < 5)        gaps == Has Text and (cases >= 5 or cases != Has Number)
//
// Negations are pushed onto the comparisons, and XPath's rule that a
// comparison with a missing number is false is kept: not(${cases} < 5)
// holds when cases was not answered with a number. Anything else
// (arithmetic, other functions, comparing two answers, a later question)
// is an error at the relevant's cell saying what is not supported and
// where.
//
// Languages. A column's language is written "French (fr)" (an ISO 639-1
// or 639-3 code, which RapidPro needs as ISO 639-3: fra), or by a common
// name alone (English, Kiswahili, Português). The base language is
// settings.default_language, else English when some columns have no
// language (label), else the first label column's. Every other language
// of the survey's labels is a translation; a text left empty in every
// translation is sent to everyone in the base language (a warning), one
// translated in some languages only is an error.
//
// Notes. Notes before the first question are the introduction and notes
// after the last the closing message, sent to everyone: they cannot have
// a relevant. A note between questions is sent with the question after
// it, on the line above, so only when that question is asked (a warning
// says so when the question's relevant is narrower than the note's).
//
// # What is not
//
// Question types an SMS cannot ask (select_multiple, calculate, geopoint,
// image, time...) and begin repeat are errors at their type cell; a
// repeat's rows are left out. Cells with content in columns SMS cannot
// follow (calculation, default, choice_filter, repeat_count, read_only,
// media) are errors at the cell; columns of no consequence by SMS
// (required, appearance, guidance_hint) are ignored, and unknown columns
// are ignored with a warning at their header. Metadata rows (start, end,
// today, deviceid...) are ignored: RapidPro records a run's times and
// contact itself. A whole number is not enforced by RapidPro's number
// tests: an integer question accepts 2.5 within its bounds.
//
// Nothing here touches the network, and the workbook is read in memory
// (at most 64 MB uncompressed).
package xlsform

//go:generate go test -run ^TestTestdataWorkbooks$ -update .
