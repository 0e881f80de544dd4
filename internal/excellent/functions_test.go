package excellent

import (
	"strings"
	"testing"
)

func TestFunctions(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		// text
		`upper("hello")`:                                 "HELLO",
		`lower("HeLLo")`:                                 "hello",
		`title("hello wORLD o'neil")`:                    "Hello World O'Neil",
		`trim("  hi  ")`:                                 "hi",
		`trim("**hi**", "*")`:                            "hi",
		`trim_left("  hi  ")`:                            "hi  ",
		`trim_right("  hi  ")`:                           "  hi",
		`word("bee cat dog", 0)`:                         "bee",
		`word("bee.cat,dog", 1)`:                         "cat",
		`word("bee.cat,dog", -1)`:                        "dog",
		`word("bee.*cat,dog", 1, ".*=|")`:                "cat,dog",
		`word_count("bee cat dog")`:                      "3",
		`word_count("O'Grady is here")`:                  "3",
		`word_slice("bee cat dog", 1)`:                   "cat dog",
		`word_slice("bee cat dog", 0, 2)`:                "bee cat",
		`remove_first_word("foo bar baz")`:               "bar baz",
		`field("a,b,c", 1, ",")`:                         "b",
		`field("a  b   c", 2, " ")`:                      "c",
		`text_slice("hello", 1, 3)`:                      "el",
		`text_slice("hello", -3)`:                        "llo",
		`text_length("ábc")`:                             "3",
		`text_compare("abc", "abd")`:                     "-1",
		`repeat("*", 3)`:                                 "***",
		`replace("foo bar foo", "foo", "zap")`:           "zap bar zap",
		`replace("foo bar foo", "foo", "zap", 1)`:        "zap bar foo",
		`url_encode("two & words")`:                      "two%20%26%20words",
		`clean("😃 Hello \nwo\tr\rld")`:                   "😃 Hello world",
		`text(3.50)`:                                     "3.5",
		`char(65) & code("Ab")`:                          "A65",
		`split("a,b;;c", ",;")`:                          "[a, b, c]",
		`split("the fox, jumps")`:                        "[the, fox, jumps]",
		`regex_match("sda34dfddg67", "\d+")`:             "34",
		`regex_match("Bob Smith", "(\w+) (\w+)", 2)`:     "Smith",
		`html_decode("Red &amp; Blue&nbsp;now")`:         "Red & Blue now",
		`percent(0.555)`:                                 "56%",
		`reverse(array(1, 2, 3))`:                        "[3, 2, 1]",
		`concat(array("a"), array("b", "c"))`:            "[a, b, c]",
		`datetime_add("2017-01-15 10:30", 5, "D")`:       "2017-01-20T10:30:00.000000-05:00",
		`datetime_add("2017-01-31", 1, "M")`:             "2017-03-03T00:00:00.000000-05:00",
		`datetime_add("2017-01-15T10:30:00Z", -90, "m")`: "2017-01-15T09:00:00.000000Z",
		`epoch("2017-06-12T16:56:59.000000Z")`:           "1497286619",
		// logic
		`if(true, "yes", "no")`:            "yes",
		`if(0, "yes", "no")`:               "no",
		`if("false", "yes", "no")`:         "no",
		`and(true, "x", 1)`:                "true",
		`and(true, "")`:                    "false",
		`or(false, "", 1)`:                 "true",
		`default(fields.unset, "none")`:    "none",
		`default(fields.district, "none")`: "Gasabo",
		`default(fields.nope, "none")`:     "none",
		`is_error(fields.nope)`:            "true",
		`boolean("no")`:                    "true",
		`count(contact.groups)`:            "2",
		`join(array("a", 1, true), "|")`:   "a|1|true",
		`contains(array("a", "b"), "b")`:   "true",
		`sum(array(1, "2.5", 3))`:          "6.5",
		`array(1, "x")`:                    "[1, x]",
		`array(1, "x")[1]`:                 "x",
		`contact.groups[0].name`:           "Testers",
		`contact.groups[-1].name`:          "Males",
		`contact["NAME"]`:                  "Ryan Lewis",
		`contact.missing`:                  "",
		`is_error(contact.missing)`:        "true",
		`is_error(contact["missing"])`:     "false",
		// numbers
		`round(12.141)`:                   "12",
		`round(12.5)`:                     "13",
		`round(-12.5)`:                    "-13",
		`round(12.141, 2)`:                "12.14",
		`round(12345, -2)`:                "12300",
		`round_up(12.141)`:                "13",
		`round_up(12, 2)`:                 "12",
		`round_down(12.9)`:                "12",
		`abs(-5)`:                         "5",
		`max(1, "7", 3)`:                  "7",
		`min(1, -7, 3)`:                   "-7",
		`mean(1, 2, 4)`:                   "2.3333333333333333",
		`mod(5, 2)`:                       "1",
		`mod(-5, 2)`:                      "-1",
		`format_number(1234.5670)`:        "1,234.567",
		`format_number(1234.5678, 2)`:     "1,234.57",
		`format_number(1234.5, 0, false)`: "1235",
		`number("  12.50 ")`:              "12.5",
		// operators
		`1 + 2 * 3`:                       "7",
		`(1 + 2) * 3`:                     "9",
		`2 ^ 3 ^ 2`:                       "64",
		`-2 ^ 2`:                          "4",
		`7 / 2`:                           "3.5",
		`1 / 3`:                           "0.3333333333333333",
		`2 / 3`:                           "0.6666666666666667",
		`10 - 2 - 3`:                      "5",
		`fields.age + 1`:                  "24",
		`"a" & "b" & 1`:                   "ab1",
		`1 & 2 = 2`:                       "1true",
		`1 = "1"`:                         "true",
		`"a" != "A"`:                      "true",
		`3 >= 3`:                          "true",
		`2 < 10`:                          "true",
		`"2" < "10"`:                      "true",
		`results.age.value > 18`:          "true",
		`TRUE`:                            "true",
		`Null`:                            "",
		`"say \"hi\""`:                    `say "hi"`,
		`"a\w+"`:                          `a\w+`,
		`upper(contact.first_name) & "!"`: "RYAN!",
	}
	for expr, want := range tests {
		e := testEnv("YYYY-MM-DD")
		v := e.EvaluateExpression(expr)
		got := Render(v)
		if IsError(v) {
			got = ""
		}
		if got != want {
			t.Errorf("@(%s) = %q (%s), want %q", expr, got, Render(v), want)
		}
	}
}

func TestExpressionErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		`1 / 0`, `"x" + 1`, `upper()`, `word("a b", 5)`, `fields.nope`, `contact.name.first`,
		`nofunc(1)`, `contact()`, `1 +`, `(1`, `"open`, `a.`, `1 2`, `$`, `repeat("x", -1)`,
		`array(1)[5]`, `round(1, "x")`,
	} {
		if v := testEnv("YYYY-MM-DD").EvaluateExpression(expr); !IsError(v) {
			t.Errorf("@(%s) = %q, want an error", expr, Render(v))
		}
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`Hi @contact.name!`:                         "Hi Ryan Lewis!",
		`Hi @contact.first_name.`:                   "Hi Ryan.",
		`Hi @CONTACT.First_Name`:                    "Hi Ryan",
		`@fields.district/@contact.fields.district`: "Gasabo/",
		`You said @input.text (@input)`:             "You said Hi there (Hi there)",
		`@results.age / @results.age.category`:      "23 / Adult",
		`email me@example.com or @@handle`:          "email me@example.com or @handle",
		`price @ 5 and @`:                           "price @ 5 and @",
		`@(upper(contact.first_name)) and @(1 + 1)`: "RYAN and 2",
		`broken @(1 +) stays out`:                   "broken  stays out",
		`unclosed @(upper("x"`:                      `unclosed @(upper("x"`,
		`paren in text @(upper("a)b"))`:             "paren in text A)B",
		`missing @results.nope here`:                "missing  here",
		`@fields.unset|`:                            "|",
		`Age: @fields`:                              "Age: Age: 23",
		`@contact.name.`:                            "Ryan Lewis.",
		`@(format_number(fields.age * 1000))`:       "23,000",
	}
	for tpl, want := range tests {
		got, _ := testEnv("YYYY-MM-DD").EvaluateTemplate(tpl)
		if got != want {
			t.Errorf("%q gave %q, want %q", tpl, got, want)
		}
	}
}

func TestTemplateValue(t *testing.T) {
	t.Parallel()
	e := testEnv("YYYY-MM-DD")
	if v, _ := e.EvaluateTemplateValue(" @fields.age "); !isNumber(v, "23") {
		t.Errorf("a lone identifier should keep its type, got %T", v)
	}
	if v, _ := e.EvaluateTemplateValue("@contact.groups"); len(v.(Array)) != 2 {
		t.Errorf("@contact.groups should be an array, got %T", v)
	}
	if v, errText := e.EvaluateTemplateValue("age @fields.age"); v != "age 23" || errText != "" {
		t.Errorf("a mixed template should be text, got %v (%q)", v, errText)
	}
	if v, errText := e.EvaluateTemplateValue("@fields.nope"); !IsError(v) || errText != "" {
		t.Errorf("a lone failing identifier should be an error value, got %v (%q)", v, errText)
	}
	if v, errText := e.EvaluateTemplateValue("x @fields.nope"); v != "x " || errText == "" {
		t.Errorf("a failing mixed template should report it, got %v, %q", v, errText)
	}
}

// TestTemplateErrorText checks goflow's wording: one "error evaluating"
// per failing expression, identifiers as @x and expressions as @(x),
// joined with ", ".
func TestTemplateErrorText(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"Hi @contact.name":                        "",
		"x @fields.nope":                          "error evaluating @fields.nope: object has no property 'nope'",
		"@(upper(fields.nope)) and @results.nope": "error evaluating @(upper(fields.nope)): error calling upper(...): object has no property 'nope', error evaluating @results.nope: object has no property 'nope'",
	}
	for tpl, want := range tests {
		if _, got := testEnv("YYYY-MM-DD").EvaluateTemplate(tpl); got != want {
			t.Errorf("%q: error text\n got %q\nwant %q", tpl, got, want)
		}
	}
}

func TestUnsupportedIsReported(t *testing.T) {
	t.Parallel()
	for _, tpl := range []string{`@webhook.status`, `@(tz_offset(now()))`, `@(foreach(array(1), (x) => x))`} {
		e := testEnv("YYYY-MM-DD")
		e.EvaluateTemplate(tpl)
		if e.Unsupported() == "" {
			t.Errorf("%s: expected to be reported as unsupported", tpl)
		}
	}
	e := testEnv("YYYY-MM-DD")
	e.EvaluateTemplate(`@(upper("fine")) @nofunc`)
	if e.Unsupported() != "" {
		t.Errorf("unexpected unsupported report %q", e.Unsupported())
	}
}

func isNumber(v Value, want string) bool {
	n, ok := v.(Number)
	return ok && n.String() == want
}

func FuzzEvaluateTemplate(f *testing.F) {
	for _, seed := range []string{
		`Hi @contact.name, @(upper(results.age.category & "x"))`,
		`@(if(fields.age > 5, round(1/3, 2), word("a b", -1)))`,
		`@(has_number_between(input, "1", 10).match) @@ @`,
		`@((((1))) ^ -2 [0] . x) @("unterminated`,
		`@(format_date(today(), "EEEE DD MMMM YYYY")) @(has_date("1/2/3 4pm"))`,
		`@(array(1,2)[-3]) @(mod(1, 0)) @(repeat("ab", 99999))`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tpl string) {
		if len(tpl) > 2000 {
			return
		}
		e := testEnv("DD-MM-YYYY")
		out, _ := e.EvaluateTemplate(tpl)
		if strings.Count(out, "") > 20*len(tpl)+10000 {
			t.Fatalf("output of %q is unreasonably long", tpl)
		}
	})
}
