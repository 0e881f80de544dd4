package report

// A document is a report's content, independent of its format: the HTML
// and Markdown writers render the same document, so the two versions of a
// report always say the same thing.
type document struct {
	// Kind is the report's name in the SOP ("Use Case Overview Report"),
	// Title what it is about.
	Kind, Title string
	// Facts are the label–value pairs under the title (workflow, period,
	// data as of, ...).
	Facts []fact
	// Headline are the big numbers at the top.
	Headline []stat
	// Findings are the plain statements a reader must not miss: flags and
	// significant changes.
	Findings []finding
	Sections []*section
	// Notes explain how to read the numbers, at the end.
	Notes []string
}

type fact struct{ Label, Value string }

type stat struct {
	Label, Value, Detail string
}

type finding struct {
	Text string
	// Alert marks a problem to act on (a misunderstood question, a low
	// district, a fall); others are information.
	Alert bool
}

type section struct {
	ID, Title string
	Blocks    []block
}

// block is one of para, bullets, heading, *table, *figure.
type block any

type (
	para    string
	bullets []string
	heading string
	// alert is a paragraph that flags a problem.
	alert string
	// keep holds blocks that belong together on one page (a question's
	// heading, text, chart and table).
	keep []block
)

// figure is a chart: inline SVG in HTML; in Markdown its caption only
// (the table beside it holds the numbers).
type figure struct {
	SVG     string
	Caption string
}

func (s *section) add(b ...block) { s.Blocks = append(s.Blocks, b...) }

func (d *document) section(id, title string) *section {
	s := &section{ID: id, Title: title}
	d.Sections = append(d.Sections, s)
	return s
}
