package goflowcheck_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/goflowcheck"
	"github.com/mhero-go/mhero/workflow/sim"
)

// Probes check the simulator against goflow one feature at a time, on
// flows built for the purpose: a case test with its arguments against a
// reply, or a message template rendered for a contact with fields.

// caseProbe is a one-question flow whose router has a single case.
type caseProbe struct {
	test  string
	args  []string
	input string
}

var caseProbes = []caseProbe{
	{"has_any_word", []string{"yes y yeah"}, "Yeah, sure"},
	{"has_any_word", []string{"yes y yeah"}, "yesterday"},
	{"has_any_word", []string{"oui"}, "OUI!"},
	{"has_all_words", []string{"malaria test"}, "the TEST for Malaria"},
	{"has_all_words", []string{"malaria test"}, "malaria"},
	{"has_phrase", []string{"not delivered"}, "They were NOT delivered yet"},
	{"has_phrase", []string{"not delivered"}, "delivered not"},
	{"has_phrase", []string{""}, "anything"},
	{"has_only_phrase", []string{"not delivered"}, " Not, delivered. "},
	{"has_only_phrase", []string{"not delivered"}, "not delivered today"},
	{"has_beginning", []string{"CU"}, "cu001"},
	{"has_beginning", []string{"CU"}, " CU001"},
	{"has_text", nil, "  hello "},
	{"has_text", nil, "   "},
	{"has_only_text", []string{"Yes"}, "yes"},
	{"has_only_text", []string{"Yes"}, "Yes"},
	{"has_number", nil, "I have 12 kits"},
	{"has_number", nil, "twelve"},
	{"has_number", nil, "1,500"},
	{"has_number", nil, "3.75"},
	{"has_number", nil, "-4"},
	{"has_number", nil, "12kits"},
	{"has_number", nil, "1.234,5"},
	{"has_number_between", []string{"0", "52"}, "52"},
	{"has_number_between", []string{"0", "52"}, "53"},
	{"has_number_between", []string{"1", "5"}, "4.5 stars"},
	{"has_number_lt", []string{"10"}, "9.99"},
	{"has_number_lt", []string{"10"}, "10"},
	{"has_number_lte", []string{"10"}, "10"},
	{"has_number_gt", []string{"0"}, "0"},
	{"has_number_gt", []string{"0"}, "0.1"},
	{"has_number_gte", []string{"18"}, "age 18"},
	{"has_number_eq", []string{"3"}, "3.0"},
	{"has_number_eq", []string{"3"}, "three"},
	{"has_date", nil, "15-03-2026"},
	{"has_date", nil, "15/3/26"},
	{"has_date", nil, "2026-03-15"},
	{"has_date", nil, "3 March 2026"},
	{"has_date", nil, "tomorrow"},
	{"has_date", nil, "31-02-2026"},
	{"has_date_lt", []string{"01-04-2026"}, "31-03-2026"},
	{"has_date_lt", []string{"01-04-2026"}, "01-04-2026"},
	{"has_date_gt", []string{"@(today())"}, "06-01-2026"},
	{"has_date_eq", []string{"15-03-2026"}, "on 15.03.2026"},
	{"has_phone", nil, "0886123456"},
	{"has_phone", nil, "+231 77 123 4567"},
	{"has_phone", nil, "call 0770000001 please"},
	{"has_phone", nil, "12345"},
	{"has_phone", []string{"SL"}, "076 123456"},
	{"has_pattern", []string{`^CU(\d+)$`}, "cu042"},
	{"has_pattern", []string{`(\d{3})-(\d{4})`}, "call 555-1234"},
	{"has_pattern", []string{`^\d+$`}, "12a"},
	{"has_email", nil, "write to fatu@moh.gov.lr"},
	{"has_time", nil, "at 10:30"},
}

// templateProbe is a message template sent after one reply, for a contact
// with fields.
type templateProbe struct {
	template string
	reply    string
}

var templateProbes = []templateProbe{
	{"Hi @contact.name (@contact.first_name), you are in @fields.district", "25"},
	{"@contact.fields.district / @fields.age / @contact.language", "25"},
	{"You said @input.text, result @results.answer, category @results.answer.category", "I have 25"},
	{"@results.answer.value|@results.answer.input", "  25  kits "},
	{"@(upper(contact.name)) @(lower(fields.district)) @(title(\"hello world\"))", "1"},
	{"@(results.answer.value + 1) @(results.answer.value * 2) @(results.answer.value / 4)", "10"},
	{"@(if(results.answer.value > 5, \"many\", \"few\")) @(default(fields.missing, \"none\"))", "7"},
	{"@(default(fields.nothing_here, \"unknown\"))", "7"},
	{"@(word(input.text, 0)) @(word(input.text, 1)) @(word_count(input.text))", "forty two kits"},
	{"@(remove_first_word(input.text)) @(text_length(input.text))", "STOCK 42 boxes"},
	{"@(format_number(1234.5678)) @(format_number(1234.5678, 1)) @(round(3.14159, 2))", "x"},
	{"@(round_up(2.1)) @(round_down(2.9)) @(abs(-3)) @(max(1, 5, 3)) @(min(4, 2)) @(mean(1, 2)) @(mod(7, 3))", "x"},
	{"@(format_date(today())) @(weekday(today()))", "x"},
	{"@(format_date(today(), \"DD/MM/YYYY\")) @(format_datetime(now(), \"YYYY-MM-DD tt:mm\"))", "x"},
	{"@(format_date(results.answer.value))", "15-03-2026"},
	{"@(contains(input.text, \"kit\")) @(replace(input.text, \"kits\", \"boxes\"))", "40 kits"},
	{"@(join(array(\"a\", \"b\"), \", \")) @(count(array(1, 2, 3)))", "x"},
	{"@(trim(\"  padded  \"))|@(clean(\"tab\there\"))|@(repeat(\"ab\", 3))", "x"},
	{"@(url_encode(\"a b&c\")) @(text_slice(\"hello\", 1, 3)) @(word_slice(\"a b c d\", 1, 3))", "x"},
	{"@(and(true, false)) @(or(true, false)) @(is_error(fields.age)) @(text_compare(\"a\", \"b\"))", "x"},
	{"@(fields.age + 1) @(fields.age > 30) @(number(\"12\") + 1)", "x"},
	{"@(field(\"a,b,c\", 1, \",\"))|@(sum(array(1, 2)))", "x"},
	{"email me@example.com or @@home, 50% @ noon", "x"},
	{"@(1 / 0) then @(unknown_fn(1))", "x"},
	{"@results.nothing and @(results.answer.category = \"Number\")", "5"},
	{"@(date(\"2026-03-15\")) @(datetime(\"2026-03-15T10:00:00Z\"))", "x"},
	{"@(format_urn(contact.urn)) @(left(input.text, 2))", "hello"},
	{"@(char(65))@(code(\"A\")) @(split(\"a,b,,c\", \",\")) @(reverse(\"abc\")) @(concat(array(1), array(2)))", "x"},
	{"@(regex_match(input.text, \"(\\d+)-(\\d+)\", 2)) @(html_decode(\"&lt;b&gt; &amp;\")) @(percent(0.256))", "12-34"},
	{"@(datetime_add(\"2026-01-31T10:00:00Z\", 1, \"M\")) @(datetime_add(now(), -2, \"D\"))", "x"},
	{"@(epoch(\"2026-01-05T09:00:00Z\")) @(datetime_diff(\"2026-01-01\", \"2026-03-01\", \"D\")) @(week_number(\"2026-03-15\"))", "x"},
	{"@(date_from_parts(2026, 2, 29)) @(date_from_parts(2026, 3, 15))", "x"},
	{"@(format_date(results.answer.created_on, \"DD MMM YYYY\")) @(format_datetime(results.answer.created_on, \"tt:mm\", \"Africa/Nairobi\"))", "3"},
	{"@(upper(\"x\"))@(legacy_add(1, 2))", "x"},
	{"@(results.answer.value >= 5 && results.answer.value < 10) @(\"a\" & 1 & true)", "7"},
	{"@(number(\"1,5\")) @(number(\"1 000\")) @(round(2.5)) @(round(-2.5)) @(round_up(1.000001))", "x"},
	{"@(text_length(\"héllo wörld\")) @(upper(\"straße\")) @(title(\"o'brien mc-donald\"))", "x"},
	{"@(format_number(0.1 + 0.2, 10)) @(1000000 * 1000000) @(2 ^ 10) @(10 / 3)", "x"},
	{"@(count(contact.groups)) @(contact.created_on) @(format_location(\"Rwanda > Kigali\"))", "x"},
}

const probeFlowUUID = "9a6f3c2e-1b7d-4e8a-9c0f-2d4b6a8e0c13"

// probeExport builds an export with one flow: a question whose router has
// the given cases (JSON), then a message with the given template, and the
// contact fields district (text), age (number) and joined (datetime).
func probeExport(cases, template string) []byte {
	tpl, _ := json.Marshal(template)
	return []byte(`{"version": "13", "fields": [
	  {"key": "district", "name": "District", "type": "text"},
	  {"key": "age", "name": "Age", "type": "number"},
	  {"key": "joined", "name": "Joined", "type": "datetime"},
	  {"key": "missing", "name": "Missing", "type": "text"}],
	"flows": [{"uuid": "` + probeFlowUUID + `", "name": "Probe", "spec_version": "13.0.0",
	  "language": "eng", "type": "messaging", "nodes": [
	  {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a40",
	   "actions": [{"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a41", "type": "send_msg", "text": "Question?"}],
	   "exits": [{"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a42", "destination_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a50"}]},
	  {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a50",
	   "router": {"type": "switch", "operand": "@input.text", "result_name": "Answer", "wait": {"type": "msg"},
	     "cases": [` + cases + `],
	     "categories": [
	       {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a51", "name": "Match", "exit_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a53"},
	       {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a52", "name": "Other", "exit_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a54"}],
	     "default_category_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a52"},
	   "exits": [
	     {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a53", "destination_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a60"},
	     {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a54", "destination_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a60"}]},
	  {"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a60",
	   "actions": [{"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a61", "type": "send_msg", "text": ` + string(tpl) + `}],
	   "exits": [{"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a62"}]}]}]}`)
}

func caseJSON(test string, args []string) string {
	a, _ := json.Marshal(args)
	if args == nil {
		a = []byte("[]")
	}
	return `{"uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a70", "type": "` + test + `", "arguments": ` + string(a) +
		`, "category_uuid": "0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a51"}`
}

var probeContact = goflowcheck.Contact{
	Name:     "Fatu Kamara",
	Language: "eng",
	Fields:   map[string]string{"district": "Bong", "age": "34", "joined": "2024-06-01T09:00:00Z"},
}

// TestSimulatorProbes compares the simulator with goflow on every case test
// and on many template expressions, each in its own one-question flow. A
// feature the simulator refuses must be refused with an UnsupportedError;
// every other probe must give goflow's messages, result and errors.
func TestSimulatorProbes(t *testing.T) {
	type probe struct {
		name   string
		export []byte
		reply  string
	}
	var probes []probe
	for _, p := range caseProbes {
		probes = append(probes, probe{
			name:   fmt.Sprintf("%s%q/%q", p.test, p.args, p.input),
			export: probeExport(caseJSON(p.test, p.args), "@results.answer|@results.answer.category"),
			reply:  p.input,
		})
	}
	for i, p := range templateProbes {
		probes = append(probes, probe{
			name:   fmt.Sprintf("template%02d", i),
			export: probeExport(caseJSON("has_number", nil), p.template),
			reply:  p.reply,
		})
	}
	agreed, refused := 0, 0
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			c := conversation{name: p.name, contact: probeContact, steps: steps(reply(p.reply))}
			want, err := goflowcheck.Run(p.export, "", c.contact, c.steps)
			if err != nil {
				t.Fatalf("goflow: %v", err)
			}
			got, err := runSim(p.export, c)
			var u *sim.UnsupportedError
			if errors.As(err, &u) {
				refused++
				t.Logf("simulator refuses %s (goflow renders %q)", u.Feature, strings.Join(want.Messages[1:], " | "))
				return
			}
			if err != nil {
				t.Fatalf("simulator: %v", err)
			}
			if d := diffTranscripts(want, got); d != "" {
				t.Errorf("simulator differs from goflow (-goflow +simulator):\n%s", d)
				return
			}
			agreed++
		})
	}
	t.Logf("%d of %d probes agree, %d refused by the simulator", agreed, len(probes), refused)
}
