package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fixtures"
)

func TestAnalysisMarkdown(t *testing.T) {
	t.Parallel()
	r := &Analysis{Analysis: sampleAnalysis(), CrossTabs: sampleCrossTabs(), Options: sampleOptions}
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "analysis.md", buf.Bytes())
	for _, want := range []string{"In stock by district", "In stock by cadre", "Weeks left by district", "Response by facility"} {
		if want == "Response by facility" {
			continue // the sample has no facility breakdown
		}
		if !strings.Contains(buf.String(), want) {
			t.Errorf("the Analysis Report lacks %q", want)
		}
	}
}

func TestMonthlyMarkdown(t *testing.T) {
	t.Parallel()
	r := &Monthly{Month: sampleMonth(), Options: sampleOptions}
	var buf bytes.Buffer
	if err := r.WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "monthly.md", buf.Bytes())
}

func TestAnalysisAndMonthlyInChromium(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := sampleOptions
	o.NoPDF = true
	af, err := (&Analysis{Analysis: sampleAnalysis(), CrossTabs: sampleCrossTabs(), Options: o}).WriteFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := (&Monthly{Month: sampleMonth(), Options: o}).WriteFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(mf.Paths[0]) != "monthly-2026-03.html" {
		t.Errorf("monthly report at %s", mf.Paths[0])
	}
	openInChromium(t, af.Paths[0], "analysis")
	openInChromium(t, mf.Paths[0], "monthly")
}

// TestPhonesMasked: no report shows a full phone number unless asked.
func TestPhonesMasked(t *testing.T) {
	t.Parallel()
	full := "+231770012345"
	var csv bytes.Buffer
	mt := &MonitoringTool{Analysis: sampleAnalysis(), NonResponders: sampleNonResponders(), Options: sampleOptions}
	dir := t.TempDir()
	paths, err := mt.WriteCSV(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		csv.Write(mustRead(t, p))
	}
	var book bytes.Buffer
	if err := mt.WriteXLSX(&book); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(csv.String(), full) || !strings.Contains(csv.String(), "+231*******45") {
		t.Errorf("CSV files show %s, or no masked number", full)
	}
	mt.ShowPhones = true
	paths, _ = mt.WriteCSV(t.TempDir())
	csv.Reset()
	for _, p := range paths {
		csv.Write(mustRead(t, p))
	}
	if !strings.Contains(csv.String(), full) {
		t.Errorf("ShowPhones: the CSV files do not show %s", full)
	}
}

// TestFlowResultsPackage writes a package and checks it has the shape of
// the FLOIP fixture: the descriptor's properties, a resource whose schema
// declares the fields every row has, and questions typed as the
// specification lists.
func TestFlowResultsPackage(t *testing.T) {
	t.Parallel()
	a := sampleAnalysis()
	r := &FlowResults{Flow: a.Flow, Runs: sampleRuns(), Options: sampleOptions}
	files, err := r.WriteFiles(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "floip/datapackage.json", mustRead(t, files.Paths[0]))
	golden(t, "floip/responses.json", mustRead(t, files.Paths[1]))

	var pkg map[string]any
	if err := json.Unmarshal(mustRead(t, files.Paths[0]), &pkg); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	if err := json.Unmarshal(mustRead(t, files.Paths[1]), &rows); err != nil {
		t.Fatal(err)
	}
	checkFLOIPShape(t, "ours", pkg, rows)
	if res := pkg["resources"].([]any)[0].(map[string]any); res["path"] != filepath.Base(files.Paths[1]) {
		t.Errorf("resource path %v, want %s", res["path"], filepath.Base(files.Paths[1]))
	}
	if len(rows) != 5 { // 4 answers of the first run, the Other of the third; No Response has none
		t.Errorf("%d rows, want 5", len(rows))
	}
	// The fixture passes the same checks, so they check the shape it has.
	dir := fixtures.Dir(t, "fixtures", "ihris", "mhero-flows")
	var fpkg map[string]any
	var frows [][]any
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "floip-frPackage.json")), &fpkg); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "floip-flowresults.json")), &frows); err != nil {
		t.Fatal(err)
	}
	checkFLOIPShape(t, "fixture", fpkg, frows)
	ours := pkg["resources"].([]any)[0].(map[string]any)["schema"].(map[string]any)["fields"].([]any)
	theirs := fpkg["resources"].([]any)[0].(map[string]any)["schema"].(map[string]any)["fields"].([]any)
	// The fixture adds a session_id column to the six of the specification.
	var theirNames []string
	for _, f := range theirs {
		if n := f.(map[string]any)["name"]; n != "session_id" {
			theirNames = append(theirNames, n.(string))
		}
	}
	var ourNames []string
	for _, f := range ours {
		ourNames = append(ourNames, f.(map[string]any)["name"].(string))
	}
	if strings.Join(ourNames, ",") != strings.Join(theirNames, ",") {
		t.Errorf("fields %v, the fixture's (without session_id) %v", ourNames, theirNames)
	}
}

func checkFLOIPShape(t *testing.T, who string, pkg map[string]any, rows [][]any) {
	t.Helper()
	for _, k := range []string{"profile", "flow_results_specification_version", "created", "modified", "id", "name", "title", "resources"} {
		if _, ok := pkg[k]; !ok {
			t.Errorf("%s: descriptor lacks %s", who, k)
		}
	}
	if pkg["profile"] != "flow-results-package" {
		t.Errorf("%s: profile %v", who, pkg["profile"])
	}
	for _, k := range []string{"created", "modified"} {
		s, _ := pkg[k].(string)
		if _, err := time.Parse(time.RFC3339, strings.Replace(s, " ", "T", 1)); err != nil {
			t.Errorf("%s: %s %q: %v", who, k, s, err)
		}
	}
	res, _ := pkg["resources"].([]any)
	if len(res) != 1 {
		t.Fatalf("%s: %d resources, want exactly one", who, len(res))
	}
	schema := res[0].(map[string]any)["schema"].(map[string]any)
	fields := schema["fields"].([]any)
	col := map[string]int{}
	for i, f := range fields {
		col[f.(map[string]any)["name"].(string)] = i
	}
	questions := schema["questions"].(map[string]any)
	types := "select_one multiple_choice_one select_many multiple_choice_many numeric open text image video audio geo_point date time datetime"
	for id, q := range questions {
		q := q.(map[string]any)
		typ, _ := q["type"].(string)
		if !strings.Contains(" "+types+" ", " "+typ+" ") {
			t.Errorf("%s: question %s has type %q", who, id, typ)
		}
		if _, ok := q["type_options"].(map[string]any); !ok {
			t.Errorf("%s: question %s has no type_options object", who, id)
		}
		if typ == "select_one" {
			if cs, _ := q["type_options"].(map[string]any)["choices"].([]any); len(cs) == 0 {
				t.Errorf("%s: select_one question %s has no choices", who, id)
			}
		}
	}
	seen := map[string]bool{}
	for i, r := range rows {
		if len(r) != len(fields) {
			t.Fatalf("%s: row %d has %d columns, the schema %d", who, i, len(r), len(fields))
		}
		ts, _ := r[col["timestamp"]].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || strings.HasSuffix(ts, "Z") {
			t.Errorf("%s: row %d timestamp %q: want RFC 3339 with an offset (%v)", who, i, ts, err)
		}
		id, _ := r[col["row_id"]].(string)
		if id == "" || seen[id] {
			t.Errorf("%s: row %d id %q empty or repeated", who, i, id)
		}
		seen[id] = true
		qid, _ := r[col["question_id"]].(string)
		q, ok := questions[qid].(map[string]any)
		if !ok {
			t.Errorf("%s: row %d answers unknown question %q", who, i, qid)
			continue
		}
		// A response may be null (the fixture has some: no answer given).
		if q["type"] == "select_one" && r[col["response"]] != nil {
			cs := q["type_options"].(map[string]any)["choices"].([]any)
			found := false
			for _, c := range cs {
				found = found || c == r[col["response"]]
			}
			if !found {
				t.Errorf("%s: row %d response %v is not a choice of %s", who, i, r[col["response"]], qid)
			}
		}
		if m := r[col["response_metadata"]]; m != nil {
			if _, ok := m.(map[string]any); !ok {
				t.Errorf("%s: row %d metadata %v is not an object", who, i, m)
			}
		}
	}
}

func TestWriteBack(t *testing.T) {
	t.Parallel()
	srv, err := ihristest.Start(ihristest.WithWorkforce(ihristest.Workforce{Workers: 5, Regions: 1, Districts: 1, Facilities: 1}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := sampleAnalysis()
	got, err := WriteBack(ctx, reg, a.Flow, sampleRuns())
	if err != nil {
		t.Fatal(err)
	}
	if got != (WrittenBack{Created: 2, Skipped: 1}) {
		t.Errorf("first write-back: %+v, want 2 created and the unknown worker's run skipped", got)
	}
	again, err := WriteBack(ctx, reg, a.Flow, sampleRuns())
	if err != nil {
		t.Fatal(err)
	}
	if again != (WrittenBack{Updated: 2, Skipped: 1}) {
		t.Errorf("second write-back: %+v, want the 2 records updated, none duplicated", again)
	}
	var n int
	for res, err := range client.Search(ctx, "QuestionnaireResponse", nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		raw := string(res.Raw())
		if strings.Contains(raw, "a1f0c7de-0001") && !(strings.Contains(raw, `"valueString":"0 to 4"`) && strings.Contains(raw, `Practitioner/P000001`)) {
			t.Errorf("stored run: %s", raw)
		}
	}
	if n != 2 {
		t.Errorf("%d QuestionnaireResponses in iHRIS, want 2", n)
	}
}

// TestFindingsSummarizeSmallGroups: a low district's facilities do not
// bury the finding; they are counted in one line.
func TestFindingsSummarizeSmallGroups(t *testing.T) {
	t.Parallel()
	a := sampleAnalysis()
	for i := range 7 {
		a.Low = append(a.Low, analytics.GroupFinding{Dimension: analytics.ByFacility, Key: fmt.Sprint(i), Label: fmt.Sprintf("Clinic %d", i), Finding: analytics.Finding{Statement: "low"}})
	}
	var texts []string
	for _, f := range findings(a) {
		texts = append(texts, f.Text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "7 facilities also answer far less than the rest: Clinic 0, Clinic 1, Clinic 2, Clinic 3, Clinic 4, and 2 more") || strings.Contains(all, "\nlow") {
		t.Errorf("findings:\n%s", all)
	}
	if !strings.Contains(all, "District Lofa answers far less") {
		t.Errorf("the district's finding is gone:\n%s", all)
	}
}

// TestPDFSkippedWithoutChromium: without a browser the HTML and Markdown
// are written and the PDF is skipped with a sentence saying why.
func TestPDFSkippedWithoutChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("MHERO_CHROMIUM", "")
	o := sampleOptions
	o.NoPDF = false
	f, err := (&Overview{Analysis: sampleAnalysis(), Options: o}).WriteFiles(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Paths) != 2 || !strings.HasPrefix(f.PDFSkipped, "PDF skipped: Chromium not found") {
		t.Errorf("files %v, skipped %q", f.Paths, f.PDFSkipped)
	}
}
