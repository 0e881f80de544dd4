package rapidprotest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BasicEngine is the built-in Engine: a small interpreter for the common
// subset of goflow (spec 13/14) definitions, enough for surveys.
//
// It follows exits from the first node; runs send_msg (with the contact's
// localization and quick replies) and set_run_result actions; stops at a
// router with a "msg" wait (RunWaiting, with the wait's timeout); and on
// resume picks the category from the router's cases, saving the router's
// result_name. Supported case tests: has_text, has_any_word,
// has_all_words, has_phrase, has_only_phrase, has_only_text, has_beginning,
// has_pattern, has_number, has_number_eq/lt/lte/gt/gte, has_number_between,
// has_category, has_group, has_email and has_phone; any other test does not
// match. Templates substitute @contact.name, @contact.first_name,
// @contact.uuid, @contact.language, @contact.fields.x (and @fields.x),
// @trigger.params.x, @results.x[.value|.category], @input and @input.text;
// other expressions are left as written. Other actions (webhooks, group and
// field changes, subflows) are skipped, and a subflow's run counts as
// completed. A node without a destination completes the run.
type BasicEngine struct{}

type basicFlow struct {
	Nodes        []basicNode                                      `json:"nodes"`
	Localization map[string]map[string]map[string]json.RawMessage `json:"localization"`
}

type basicNode struct {
	UUID    string        `json:"uuid"`
	Actions []basicAction `json:"actions"`
	Router  *basicRouter  `json:"router"`
	Exits   []struct {
		UUID            string `json:"uuid"`
		DestinationUUID string `json:"destination_uuid"`
	} `json:"exits"`
}

type basicAction struct {
	UUID         string   `json:"uuid"`
	Type         string   `json:"type"`
	Text         string   `json:"text"`
	QuickReplies []string `json:"quick_replies"`
	Name         string   `json:"name"`
	Value        string   `json:"value"`
	Category     string   `json:"category"`
}

type basicRouter struct {
	Type       string `json:"type"`
	Operand    string `json:"operand"`
	ResultName string `json:"result_name"`
	Wait       *struct {
		Type    string `json:"type"`
		Timeout *struct {
			Seconds      int    `json:"seconds"`
			CategoryUUID string `json:"category_uuid"`
		} `json:"timeout"`
	} `json:"wait"`
	Categories []struct {
		UUID     string `json:"uuid"`
		Name     string `json:"name"`
		ExitUUID string `json:"exit_uuid"`
	} `json:"categories"`
	Cases []struct {
		Type         string   `json:"type"`
		Arguments    []string `json:"arguments"`
		CategoryUUID string   `json:"category_uuid"`
	} `json:"cases"`
	DefaultCategoryUUID string `json:"default_category_uuid"`
}

// basicState is the BasicEngine's state of a waiting run.
type basicState struct {
	Node    string                 `json:"node"`
	Params  json.RawMessage        `json:"params,omitempty"`
	Results map[string]basicResult `json:"results,omitempty"`
}

type basicResult struct {
	Value    string `json:"value"`
	Category string `json:"category"`
}

// maxSteps stops a definition that loops without waiting.
const maxSteps = 500

// Start implements Engine.
func (BasicEngine) Start(ctx context.Context, in StartInput) (Outcome, error) {
	f, err := parseBasic(in.Flow)
	if err != nil {
		return Outcome{}, err
	}
	if len(f.Nodes) == 0 {
		return Outcome{Status: RunCompleted}, nil
	}
	r := &basicRun{flow: f, contact: in.Contact, state: basicState{Params: in.Params, Results: map[string]basicResult{}}, now: in.Now}
	return r.run(f.Nodes[0].UUID, nil), nil
}

// Resume implements Engine.
func (BasicEngine) Resume(ctx context.Context, in ResumeInput) (Outcome, error) {
	f, err := parseBasic(in.Flow)
	if err != nil {
		return Outcome{}, err
	}
	r := &basicRun{flow: f, contact: in.Contact, now: in.Now}
	if err := json.Unmarshal(in.State, &r.state); err != nil {
		return Outcome{}, fmt.Errorf("rapidprotest: basic engine state: %w", err)
	}
	if r.state.Results == nil {
		r.state.Results = map[string]basicResult{}
	}
	ev := in.Event
	return r.run(r.state.Node, &ev), nil
}

func parseBasic(def json.RawMessage) (*basicFlow, error) {
	var f basicFlow
	if err := json.Unmarshal(def, &f); err != nil {
		return nil, fmt.Errorf("rapidprotest: basic engine: flow definition: %w", err)
	}
	return &f, nil
}

type basicRun struct {
	flow    *basicFlow
	contact Contact
	state   basicState
	now     time.Time
	input   string
	out     Outcome
}

func (b *basicRun) node(uuid string) *basicNode {
	for i := range b.flow.Nodes {
		if b.flow.Nodes[i].UUID == uuid {
			return &b.flow.Nodes[i]
		}
	}
	return nil
}

// run executes from node uuid; resume is the event for a run waiting there.
func (b *basicRun) run(uuid string, resume *Event) Outcome {
	for step := 0; step < maxSteps; step++ {
		n := b.node(uuid)
		if n == nil {
			if resume != nil { // the definition changed under a waiting run
				b.out.Status = RunFailed
				return b.out
			}
			b.out.Status = RunCompleted
			return b.out
		}
		if resume == nil {
			b.out.Path = append(b.out.Path, PathStep{Node: n.UUID})
			for _, a := range n.Actions {
				b.act(a)
			}
		}
		rt := n.Router
		if rt == nil {
			if len(n.Exits) == 0 || n.Exits[0].DestinationUUID == "" {
				b.out.Status = RunCompleted
				return b.out
			}
			uuid = n.Exits[0].DestinationUUID
			continue
		}
		waits := rt.Wait != nil && rt.Wait.Type == "msg"
		if waits && resume == nil {
			b.state.Node = n.UUID
			st, _ := json.Marshal(b.state)
			b.out.State, b.out.Status = st, RunWaiting
			if rt.Wait.Timeout != nil && rt.Wait.Timeout.Seconds > 0 {
				b.out.Timeout = time.Duration(rt.Wait.Timeout.Seconds) * time.Second
			}
			return b.out
		}
		var category, operand string
		switch {
		case resume != nil && resume.Kind == EventTimeout && rt.Wait != nil && rt.Wait.Timeout != nil:
			category = rt.Wait.Timeout.CategoryUUID
		case waits:
			b.input = resume.Text
			operand = resume.Text
			category = b.pick(rt, operand)
		default:
			operand = b.expand(rt.Operand)
			category = b.pick(rt, operand)
		}
		resume = nil
		next := ""
		for _, c := range rt.Categories {
			if c.UUID != category {
				continue
			}
			if rt.ResultName != "" {
				key := snakeKey(rt.ResultName)
				b.state.Results[key] = basicResult{operand, c.Name}
				b.out.Results = append(b.out.Results, Result{Key: key, Name: rt.ResultName, Value: operand, Category: c.Name, Node: n.UUID})
			}
			for _, e := range n.Exits {
				if e.UUID == c.ExitUUID {
					next = e.DestinationUUID
				}
			}
		}
		if next == "" {
			b.out.Status = RunCompleted
			return b.out
		}
		uuid = next
	}
	b.out.Status = RunFailed
	return b.out
}

// act runs the actions the basic engine understands.
func (b *basicRun) act(a basicAction) {
	switch a.Type {
	case "send_msg":
		text, qrs := a.Text, a.QuickReplies
		if loc := b.flow.Localization[b.contact.Language][a.UUID]; loc != nil {
			var t []string
			if json.Unmarshal(loc["text"], &t) == nil && len(t) > 0 {
				text = t[0]
			}
			var q []string
			if json.Unmarshal(loc["quick_replies"], &q) == nil && len(q) > 0 {
				qrs = q
			}
		}
		b.out.Messages = append(b.out.Messages, OutgoingMessage{Text: b.expand(text), QuickReplies: slices.Clone(qrs)})
	case "set_run_result":
		key := snakeKey(a.Name)
		v := b.expand(a.Value)
		b.state.Results[key] = basicResult{v, a.Category}
		b.out.Results = append(b.out.Results, Result{Key: key, Name: a.Name, Value: v, Category: a.Category})
	}
}

var exprRE = regexp.MustCompile(`@(contact\.(?:name|first_name|uuid|language|fields\.\w+)|fields\.\w+|trigger\.params\.\w+|results\.\w+(?:\.value|\.category)?|input(?:\.text)?|child\.run\.status)`)

// expand substitutes the expressions documented on BasicEngine.
func (b *basicRun) expand(s string) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		path := strings.Split(m[1:], ".")
		switch path[0] {
		case "contact":
			switch path[1] {
			case "name":
				return b.contact.Name
			case "first_name":
				first, _, _ := strings.Cut(b.contact.Name, " ")
				return first
			case "uuid":
				return b.contact.UUID
			case "language":
				return b.contact.Language
			}
			return b.contact.Fields[path[2]]
		case "fields":
			return b.contact.Fields[path[1]]
		case "trigger":
			var params map[string]any
			_ = json.Unmarshal(b.state.Params, &params)
			if v, ok := params[path[2]]; ok && v != nil {
				return fmt.Sprint(v)
			}
			return ""
		case "results":
			r := b.state.Results[path[1]]
			if len(path) == 3 && path[2] == "category" {
				return r.Category
			}
			return r.Value
		case "input":
			return b.input
		case "child":
			return "completed"
		}
		return m
	})
}

// pick returns the category UUID the router's cases choose for operand.
func (b *basicRun) pick(rt *basicRouter, operand string) string {
	for _, c := range rt.Cases {
		args := make([]string, len(c.Arguments))
		for i, a := range c.Arguments {
			args[i] = b.expand(a)
		}
		if b.test(c.Type, operand, args, rt.Operand) {
			return c.CategoryUUID
		}
	}
	return rt.DefaultCategoryUUID
}

var (
	wordRE   = regexp.MustCompile(`[\pL\pN]+`)
	numberRE = regexp.MustCompile(`-?\d+(?:[.,]\d+)?`)
	emailRE  = regexp.MustCompile(`[^@\s]+@[^@\s]+\.[^@\s]+`)
	phoneRE  = regexp.MustCompile(`\+?\d[\d\s\-()]{6,}\d`)
)

func words(s string) []string { return wordRE.FindAllString(strings.ToLower(s), -1) }

func firstNumber(s string) (float64, bool) {
	m := numberRE.FindString(s)
	if m == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(strings.Replace(m, ",", ".", 1), 64)
	return n, err == nil
}

func (b *basicRun) test(typ, in string, args []string, operandExpr string) bool {
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	num := func(i int) float64 { n, _ := strconv.ParseFloat(strings.TrimSpace(arg(i)), 64); return n }
	switch typ {
	case "has_text":
		return strings.TrimSpace(in) != ""
	case "has_any_word":
		have := words(in)
		for _, w := range words(arg(0)) {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	case "has_all_words":
		have, want := words(in), words(arg(0))
		for _, w := range want {
			if !slices.Contains(have, w) {
				return false
			}
		}
		return len(want) > 0
	case "has_phrase":
		return strings.Contains(" "+strings.Join(words(in), " ")+" ", " "+strings.Join(words(arg(0)), " ")+" ")
	case "has_only_phrase":
		return strings.Join(words(in), " ") == strings.Join(words(arg(0)), " ")
	case "has_only_text":
		return strings.TrimSpace(in) == strings.TrimSpace(arg(0))
	case "has_beginning":
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(in)), strings.ToLower(arg(0)))
	case "has_pattern":
		re, err := regexp.Compile("(?i)" + arg(0))
		return err == nil && re.MatchString(in)
	case "has_number":
		_, ok := firstNumber(in)
		return ok
	case "has_number_eq", "has_number_lt", "has_number_lte", "has_number_gt", "has_number_gte", "has_number_between":
		n, ok := firstNumber(in)
		if !ok {
			return false
		}
		switch typ {
		case "has_number_eq":
			return n == num(0)
		case "has_number_lt":
			return n < num(0)
		case "has_number_lte":
			return n <= num(0)
		case "has_number_gt":
			return n > num(0)
		case "has_number_gte":
			return n >= num(0)
		}
		return n >= num(0) && n <= num(1)
	case "has_category":
		key := strings.TrimPrefix(strings.TrimPrefix(operandExpr, "@"), "results.")
		key, _, _ = strings.Cut(key, ".")
		cat := b.state.Results[key].Category
		return slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, cat) })
	case "has_group":
		return slices.ContainsFunc(b.contact.Groups, func(g GroupRef) bool { return g.UUID == arg(0) })
	case "has_email":
		return emailRE.MatchString(in)
	case "has_phone":
		return phoneRE.MatchString(in)
	}
	return false
}
