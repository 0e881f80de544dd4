package report

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/analytics"
)

// FLOIPVersion is the Flow Results specification the packages follow.
const FLOIPVersion = "1.0.0-rc1"

// FlowResults writes a workflow's results as a FLOIP Flow Results package,
// the open format mHero v2 used to move results into FHIR and other
// systems: a Data Package descriptor (datapackage.json) naming one
// resource, whose rows (one per answer) are in a separate JSON file.
//
// Each flow result is a question, keyed by its result key: numeric when
// its router tests for a number (a workflow's number question; the
// response is the number, with the range of the test when it has one),
// select_one with the categories as choices when it has categories of its
// own (the response is the category, the reply in the response metadata),
// open when every reply is kept as it is (the response is the reply). A
// reply to a numeric question that is no number has a null response, the
// reply and its category in the metadata. A question's No Response is not
// a response and has no row. The contact id is the RapidPro contact UUID,
// never the phone number.
type FlowResults struct {
	Flow analytics.Flow
	// Runs are the workflow's runs (analytics.Monitor.Runs), read once, as
	// they come: the rows are written as they are read.
	Runs iter.Seq2[analytics.Run, error]
	// ID is the package's id, a v4 UUID; by default one derived from the
	// flow's UUID, so that the packages of one workflow are versions of
	// one package (a newer version may only add questions, as the flow's
	// results only grow).
	ID string
	// Created is when the package was first created (default: when the
	// workflow was first tracked); Modified this version (default: the
	// Generated time). Language is the ISO 639-3 language of the labels.
	Created, Modified time.Time
	Language          string
	Options
}

// The descriptor, as the specification lays it out.
type (
	floipPackage struct {
		Profile  string          `json:"profile"`
		Name     string          `json:"name"`
		Title    string          `json:"title"`
		Version  string          `json:"flow_results_specification_version"`
		Created  string          `json:"created"`
		Modified string          `json:"modified"`
		ID       string          `json:"id"`
		Res      []floipResource `json:"resources"`
	}
	floipResource struct {
		Profile   string      `json:"profile"`
		Name      string      `json:"name"`
		Path      string      `json:"path"`
		MediaType string      `json:"mediatype"`
		Encoding  string      `json:"encoding"`
		Schema    floipSchema `json:"schema"`
	}
	floipSchema struct {
		Language  string                   `json:"language,omitempty"`
		Fields    []floipField             `json:"fields"`
		Questions map[string]floipQuestion `json:"questions"`
	}
	floipField struct {
		Name  string `json:"name"`
		Title string `json:"title"`
		Type  string `json:"type"`
	}
	floipQuestion struct {
		Type        string         `json:"type"`
		Label       string         `json:"label"`
		TypeOptions map[string]any `json:"type_options"`
	}
)

// floipFields are the six columns of every Flow Results package.
var floipFields = []floipField{
	{"timestamp", "Timestamp", "datetime"},
	{"row_id", "Row ID", "string"},
	{"contact_id", "Contact ID", "string"},
	{"question_id", "Question ID", "string"},
	{"response", "Response", "any"},
	{"response_metadata", "Response Metadata", "object"},
}

// floipTime is RFC 3339 with the offset as +00:00, never Z, as the
// specification asks.
const floipTime = "2006-01-02T15:04:05.999999-07:00"

// choiceQuestion reports whether a question's categories are choices: it
// has a category besides Other, No Response and a catch-all.
func choices(q analytics.Question) []string {
	var cs []string
	for _, c := range q.Categories {
		if c == "No Response" {
			continue
		}
		cs = append(cs, c)
	}
	own := 0
	for _, c := range cs {
		if c != "Other" && c != "All Responses" {
			own++
		}
	}
	if own == 0 {
		return nil
	}
	return cs
}

func (r *FlowResults) id() string {
	if r.ID != "" {
		return r.ID
	}
	h := sha256.Sum256([]byte("mhero floip package " + r.Flow.UUID))
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (r *FlowResults) name() string {
	n := strings.ReplaceAll(slug(r.Flow.Name), "-", "_")
	return n
}

// WriteDescriptor writes datapackage.json, whose resource names the rows
// file at path (relative to the descriptor).
func (r *FlowResults) WriteDescriptor(w io.Writer, path string) error {
	created := r.Created
	if created.IsZero() {
		created = r.Flow.TrackedOn
	}
	modified := r.Modified
	if modified.IsZero() {
		modified = r.generated()
	}
	if created.IsZero() || created.After(modified) {
		created = modified
	}
	qs := map[string]floipQuestion{}
	for _, q := range r.Flow.Questions {
		label := q.Text
		if label == "" {
			label = q.Name
		}
		if q.Type == "number" {
			opts := map[string]any{}
			if q.Min != nil && q.Max != nil {
				opts["range"] = []float64{*q.Min, *q.Max}
			}
			qs[q.Key] = floipQuestion{Type: "numeric", Label: label, TypeOptions: opts}
		} else if cs := choices(q); cs != nil {
			qs[q.Key] = floipQuestion{Type: "select_one", Label: label, TypeOptions: map[string]any{"choices": cs}}
		} else {
			qs[q.Key] = floipQuestion{Type: "open", Label: label, TypeOptions: map[string]any{}}
		}
	}
	p := floipPackage{Profile: "flow-results-package", Name: r.name(), Title: r.Flow.Name, Version: FLOIPVersion,
		Created: created.In(r.loc()).Format(floipTime), Modified: modified.In(r.loc()).Format(floipTime), ID: r.id(),
		Res: []floipResource{{Profile: "data-resource", Name: r.name() + "_responses", Path: path, MediaType: "application/json", Encoding: "utf-8",
			Schema: floipSchema{Language: r.Language, Fields: floipFields, Questions: qs}}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// WriteResponses writes the rows: a JSON array of 6-element arrays, one per
// answer, in the order of the runs and of their answers. It returns the
// number of rows.
func (r *FlowResults) WriteResponses(w io.Writer) (int, error) {
	if r.Runs == nil {
		return 0, fmt.Errorf("report: no runs for the Flow Results package")
	}
	qs := map[string]analytics.Question{}
	for _, q := range r.Flow.Questions {
		qs[q.Key] = q
	}
	if _, err := io.WriteString(w, "["); err != nil {
		return 0, err
	}
	rows := 0
	for run, err := range r.Runs {
		if err != nil {
			return rows, fmt.Errorf("report: listing the runs: %w", err)
		}
		for _, a := range run.Answers {
			q, known := qs[a.Key]
			if a.AnsweredOn.IsZero() || a.Category == "No Response" || (a.Category == "" && a.Value == "") {
				continue
			}
			var response any = a.Value
			meta := map[string]any{}
			if known && q.Type == "number" {
				response = nil
				if v, ok := floipNumber(a.Value); ok {
					response = v
				} else {
					meta["reply"] = a.Value
				}
				if a.Category != "" && (response == nil || !singleCategory(q)) {
					meta["category"] = a.Category
				}
			} else if known && choices(q) != nil && a.Category != "" {
				response = a.Category
				if a.Value != a.Category {
					meta["reply"] = a.Value
				}
			} else {
				meta["type"] = "text"
				meta["type_options"] = map[string]any{}
			}
			if a.Asks > 1 {
				meta["asks"] = a.Asks
			}
			row := []any{a.AnsweredOn.In(r.loc()).Format(floipTime), run.UUID + "/" + a.Key, run.Contact, a.Key, response, meta}
			b, err := json.Marshal(row)
			if err != nil {
				return rows, err
			}
			sep := ",\n"
			if rows == 0 {
				sep = "\n"
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return rows, err
			}
			if _, err := w.Write(b); err != nil {
				return rows, err
			}
			rows++
		}
	}
	_, err := io.WriteString(w, "\n]\n")
	return rows, err
}

// WriteFiles writes the package into dir/NAME-floip/: datapackage.json and
// NAME-responses.json.
func (r *FlowResults) WriteFiles(ctx context.Context, dir string) (*Files, error) {
	pdir := filepath.Join(dir, baseName(&r.Options, r.Flow.Name)+"-floip")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return nil, err
	}
	rows := baseName(&r.Options, r.Flow.Name) + "-responses.json"
	rp := filepath.Join(pdir, rows)
	if err := writeFile(rp, func(w io.Writer) error { _, err := r.WriteResponses(w); return err }); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", rp, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dp := filepath.Join(pdir, "datapackage.json")
	if err := writeFile(dp, func(w io.Writer) error { return r.WriteDescriptor(w, rows) }); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", dp, err)
	}
	return &Files{Paths: []string{dp, rp}}, nil
}

// floipNumber returns a number reply as a JSON number, as the numeric type
// asks ("007" is 7); ok is false for a reply that is no finite number.
func floipNumber(s string) (n json.Number, ok bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return "", false
	}
	return json.Number(strconv.FormatFloat(v, 'f', -1, 64)), true
}

// singleCategory reports whether a question has one category of its own
// (besides Other and No Response): a number question's "Has Number",
// which says nothing the number does not.
func singleCategory(q analytics.Question) bool {
	own := 0
	for _, c := range q.Categories {
		if c != "Other" && c != "No Response" && c != "All Responses" {
			own++
		}
	}
	return own <= 1
}
