package workflow

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mhero-go/mhero/workflow/flow"
)

// Spec versions Compile can write. 13.0.0 (the default) is read by every
// RapidPro that knows spec 13 and migrated forward by newer ones.
const (
	SpecVersion130 = "13.0.0"
	SpecVersion132 = "13.2.0"
)

// defaultExpireMinutes is RapidPro's own default run expiry, 7 days.
const defaultExpireMinutes = 7 * 24 * 60

// CompileOption changes how Compile writes a workflow.
type CompileOption func(*compileConfig) error

type compileConfig struct {
	specVersion string
	site        string
}

// WithSpecVersion sets the flow spec_version: SpecVersion130 (the default),
// "13.1.0" or SpecVersion132.
func WithSpecVersion(v string) CompileOption {
	return func(c *compileConfig) error {
		switch v {
		case SpecVersion130, "13.1.0", SpecVersion132:
			c.specVersion = v
			return nil
		}
		return fmt.Errorf("workflow: unsupported spec version %q (use %s or %s)", v, SpecVersion130, SpecVersion132)
	}
}

// WithSite sets the informative "site" of the export, e.g. the RapidPro
// server it is meant for.
func WithSite(url string) CompileOption {
	return func(c *compileConfig) error {
		c.site = url
		return nil
	}
}

// Compile validates w and turns it into a RapidPro export holding one
// messaging flow, the contact fields it uses and its keyword trigger. The
// same workflow always gives the same export, UUIDs included. A workflow
// with errors gives its Diagnostics.
func Compile(w *Workflow, opts ...CompileOption) (*flow.Export, error) {
	cfg := compileConfig{specVersion: SpecVersion130}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := w.Validate().Err(); err != nil {
		return nil, err
	}
	c := &compiler{
		w:      w,
		ui:     map[string]flow.UINode{},
		loc:    flow.Localization{},
		fields: map[string]string{},
	}
	c.compile()

	f := flow.Flow{
		UUID:               c.uuid("flow"),
		Name:               w.Name,
		SpecVersion:        cfg.specVersion,
		Language:           w.Language,
		Type:               flow.TypeMessaging,
		Revision:           1,
		ExpireAfterMinutes: defaultExpireMinutes,
		Localization:       c.loc,
		Nodes:              c.nodes,
		UI:                 &flow.UI{Nodes: c.ui, Stickies: map[string]json.RawMessage{}},
	}
	if w.ExpireAfter > 0 {
		f.ExpireAfterMinutes = int(w.ExpireAfter.Minutes())
	}
	export := &flow.Export{
		Version:   flow.Version{Text: flow.CurrentExportVersion},
		Site:      cfg.site,
		Flows:     []flow.Flow{f},
		Campaigns: []json.RawMessage{},
		Triggers:  []flow.Trigger{},
		Fields:    c.exportFields(),
		Groups:    []flow.Group{},
	}
	slices.Sort(c.groups)
	for _, name := range c.groups {
		export.Groups = append(export.Groups, flow.Group{UUID: GroupUUID(name), Name: name})
	}
	if w.Keyword != "" {
		export.Triggers = append(export.Triggers, flow.Trigger{
			TriggerType:   "K",
			Keywords:      []string{strings.ToLower(w.Keyword)},
			MatchType:     "F",
			Flow:          &flow.Ref{UUID: f.UUID, Name: f.Name},
			Groups:        []flow.Ref{},
			ExcludeGroups: []flow.Ref{},
			Channel:       json.RawMessage("null"),
		})
	}
	return export, nil
}

// WriteExport writes an export as indented JSON; the same export always
// gives the same bytes.
func WriteExport(wr io.Writer, e *flow.Export) error {
	data, err := flow.MarshalExport(e)
	if err != nil {
		return err
	}
	_, err = wr.Write(data)
	return err
}

// UUID derives a version 4 (random-looking) UUID from the workflow key and
// a path naming a part of the compiled flow: the SHA-1 of both, with the
// version and variant bits set. Equal inputs give equal UUIDs, so a
// recompiled flow keeps its identity in RapidPro.
func UUID(key, path string) string {
	sum := sha1.Sum([]byte("mhero-workflow\x00" + key + "\x00" + path))
	sum[6] = sum[6]&0x0f | 0x40 // version 4
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], sum[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], sum[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], sum[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], sum[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], sum[10:16])
	return string(b[:])
}

// Layout of the editor view, in pixels: the main path runs down column 0,
// retries and follow-ups sit to its right on the row of their question.
const (
	columnWidth = 300
	rowGap      = 40
	gridSize    = 20
)

type compiler struct {
	w      *Workflow
	nodes  []flow.Node
	ui     map[string]flow.UINode
	loc    flow.Localization
	fields map[string]string // key → field type
	groups []string          // names of the groups contacts are added to

	top int // where the next node of the main column goes
	// side holds the nodes of the current question placed to the right of
	// the main column, and sideTop their row.
	side    int
	sideTop int
	sideBot int
}

func (c *compiler) uuid(path string) string { return UUID(c.w.Key, path) }

func (c *compiler) compile() {
	w := c.w
	if !w.Intro.IsZero() {
		c.sendNode("intro", c.questionEntry(0), w.Intro)
	}
	for i := range w.Questions {
		c.question(i)
	}
	if !w.Closing.IsZero() {
		c.sendNode("closing", "", w.Closing)
	}
	for _, m := range w.messages() {
		for _, key := range referencedFields(m.text) {
			if _, ok := c.fields[key]; !ok {
				c.fields[key] = flow.FieldText
			}
		}
	}
}

// questionEntry returns the UUID of the first node of question i, or of
// what follows the last question.
func (c *compiler) questionEntry(i int) string {
	if i >= len(c.w.Questions) {
		if c.w.Closing.IsZero() {
			return ""
		}
		return c.uuid("closing/node")
	}
	q := &c.w.Questions[i]
	if q.When != "" {
		return c.uuid(qpath(q, "when/0/node"))
	}
	return c.uuid(qpath(q, "ask/node"))
}

// qpath names a part of question q. Paths use the result name rather than
// the position, so adding or moving a question keeps the others' UUIDs.
func qpath(q *Question, part string) string { return "q/" + strings.ToLower(q.Result) + "/" + part }

// place records a node's editor position: in the main column, or (side)
// to the right on the current question's row.
func (c *compiler) place(nodeUUID, uiType string, config json.RawMessage, height int, side bool) {
	var pos flow.Position
	if side {
		c.side++
		pos = flow.Position{Left: float64(c.side * columnWidth), Top: float64(c.sideTop)}
		c.sideBot = max(c.sideBot, c.sideTop+height)
	} else {
		pos = flow.Position{Left: 0, Top: float64(c.top)}
		c.top = snap(c.top + height + rowGap)
	}
	c.ui[nodeUUID] = flow.UINode{Position: pos, Type: uiType, Config: config}
}

// startRow begins a row of side nodes level with the main column's cursor.
func (c *compiler) startRow() {
	c.side, c.sideTop, c.sideBot = 0, c.top, c.top
}

// endRow moves the main column's cursor below the row's side nodes.
func (c *compiler) endRow() {
	if c.side > 0 {
		c.top = max(c.top, snap(c.sideBot+rowGap))
	}
}

func snap(v int) int { return (v + gridSize - 1) / gridSize * gridSize }

// textHeight estimates the height of an action showing text in the editor.
func textHeight(s string) int {
	lines := 1 + utf8.RuneCountInString(s)/30 + strings.Count(s, "\n")
	return 40 + 20*lines
}

// sendMsg makes a send_msg action for t, with its translations.
func (c *compiler) sendMsg(path string, t Text) flow.Action {
	a := &flow.SendMsg{UUID: c.uuid(path), Text: t.Base}
	for _, lang := range c.w.Translations {
		if s, ok := t.Translations[lang]; ok {
			c.localize(lang, a.UUID, "text", s)
		}
	}
	return a
}

func (c *compiler) localize(lang, uuid, property string, values ...string) {
	if c.loc[lang] == nil {
		c.loc[lang] = map[string]map[string][]string{}
	}
	if c.loc[lang][uuid] == nil {
		c.loc[lang][uuid] = map[string][]string{}
	}
	c.loc[lang][uuid][property] = values
}

// sendNode adds an action node sending texts in order, then going to dest
// (the run ends when dest is empty). Its UUIDs derive from path.
func (c *compiler) sendNode(path, dest string, texts ...Text) string {
	node := flow.Node{UUID: c.uuid(path + "/node")}
	height := 40
	for i, t := range texts {
		node.Actions = append(node.Actions, c.sendMsg(fmt.Sprintf("%s/msg/%d", path, i), t))
		height += textHeight(t.Base)
	}
	node.Exits = []flow.Exit{{UUID: c.uuid(path + "/exit"), DestinationUUID: dest}}
	c.nodes = append(c.nodes, node)
	c.place(node.UUID, "execute_actions", nil, height, false)
	return node.UUID
}

func (c *compiler) question(i int) {
	q := &c.w.Questions[i]
	next := c.questionEntry(i + 1)
	askUUID := c.uuid(qpath(q, "ask/node"))
	if q.When != "" {
		cnd, _ := parseWhen(q.When) // validated
		c.cond(q, cnd, 0, askUUID, next)
	}

	// Each retry waits anew, on a wait of its own, so that the last one's
	// Other can leave; unlimited retries loop back to the one wait.
	unlimited := q.MaxRetries == UnlimitedRetries && !q.Retry.IsZero()
	attempts := 1
	if !q.Retry.IsZero() && !unlimited {
		attempts += max(q.MaxRetries, 1)
	}
	c.sendNode(qpath(q, "ask"), c.uuid(qpath(q, "wait/0/node")), q.Ask)
	c.startRow()
	for a := range attempts {
		retry := a+1 < attempts || unlimited
		other := ""
		if retry {
			other = c.uuid(qpath(q, fmt.Sprintf("retry/%d/node", a+1)))
		}
		c.wait(q, a, next, other)
		if retry {
			path := qpath(q, fmt.Sprintf("retry/%d", a+1))
			again := c.uuid(qpath(q, fmt.Sprintf("wait/%d/node", a+1)))
			if unlimited {
				again = c.uuid(qpath(q, "wait/0/node"))
			}
			node := flow.Node{
				UUID:    c.uuid(path + "/node"),
				Actions: []flow.Action{c.sendMsg(path+"/msg/0", q.Retry)},
				Exits:   []flow.Exit{{UUID: c.uuid(path + "/exit"), DestinationUUID: again}},
			}
			c.nodes = append(c.nodes, node)
			c.place(node.UUID, "execute_actions", nil, 40+textHeight(q.Retry.Base), true)
		}
	}
	c.after(q, next)
	c.endRow()
}

// answerRule is one case of a question's wait router.
type answerRule struct {
	test     string
	args     []string
	category string
	// localized arguments by language
	loc map[string][]string
}

// rules returns the cases testing a reply to q, in order.
func (c *compiler) rules(q *Question) []answerRule {
	switch q.Type {
	case TypeText:
		return []answerRule{{test: "has_text", category: CategoryHasText}}
	case TypeDate:
		return []answerRule{{test: "has_date", category: CategoryHasDate}}
	case TypePhone:
		return []answerRule{{test: "has_phone", category: CategoryHasPhone}}
	case TypeNumber:
		r := answerRule{test: "has_number", category: CategoryHasNumber}
		switch {
		case q.Min != nil && q.Max != nil:
			r.test, r.args = "has_number_between", []string{formatNumber(*q.Min), formatNumber(*q.Max)}
		case q.Min != nil:
			r.test, r.args = "has_number_gte", []string{formatNumber(*q.Min)}
		case q.Max != nil:
			r.test, r.args = "has_number_lte", []string{formatNumber(*q.Max)}
		}
		return []answerRule{r}
	case TypeYesNo:
		return c.yesNoRules()
	case TypeChoice:
		return c.choiceRules(q)
	}
	return nil
}

// yesNoRules match the yes and no words of the base language (English's
// when it has none). A contact whose language is a translation with words
// of its own sees, through the localized arguments, that language's words
// first and then the base language's: people often answer in the language
// the workflow was written in. Words of the other translations are not
// matched, since a word of one language may mean something else in
// another.
func (c *compiler) yesNoRules() []answerRule {
	base := c.w.Language
	if _, ok := yesNoWords[base]; !ok {
		base = "eng"
	}
	wordsOf := func(no bool, langs ...string) []string {
		var ws []string
		for _, lang := range langs {
			e := yesNoWords[lang]
			list := e.yes
			if no {
				list = e.no
			}
			for _, wd := range list {
				if !slices.Contains(ws, wd) {
					ws = append(ws, wd)
				}
			}
		}
		return []string{strings.Join(ws, " ")}
	}
	yes := answerRule{test: "has_any_word", category: CategoryYes, args: wordsOf(false, base), loc: map[string][]string{}}
	no := answerRule{test: "has_any_word", category: CategoryNo, args: wordsOf(true, base), loc: map[string][]string{}}
	for _, lang := range c.w.Translations {
		if _, ok := yesNoWords[lang]; ok && lang != base {
			yes.loc[lang] = wordsOf(false, lang, base)
			no.loc[lang] = wordsOf(true, lang, base)
		}
	}
	return []answerRule{yes, no}
}

// choiceRules give each choice one has_any_word case for its single words
// and one has_phrase case per phrase; every language's entries are
// matched for everyone.
func (c *compiler) choiceRules(q *Question) []answerRule {
	var rules []answerRule
	for _, ch := range q.Choices {
		var single, phrases []string
		add := func(entries []string) {
			for _, e := range entries {
				ws := words(e)
				switch {
				case len(ws) == 1 && !slices.Contains(single, ws[0]):
					single = append(single, ws[0])
				case len(ws) > 1 && !slices.Contains(phrases, strings.Join(ws, " ")):
					phrases = append(phrases, strings.Join(ws, " "))
				}
			}
		}
		add(ch.Match)
		for _, lang := range c.w.Languages() {
			add(ch.MatchIn[lang])
		}
		if len(single) > 0 {
			r := answerRule{test: "has_any_word", args: []string{strings.Join(single, " ")}, category: ch.Category.Base, loc: map[string][]string{}}
			for _, lang := range c.w.Translations {
				if len(ch.MatchIn[lang]) == 0 {
					continue
				}
				// The translation's own words first, then the shared ones.
				var own []string
				for _, e := range slices.Concat(ch.MatchIn[lang], ch.Match, ch.MatchIn[c.w.Language]) {
					if ws := words(e); len(ws) == 1 && !slices.Contains(own, ws[0]) {
						own = append(own, ws[0])
					}
				}
				r.loc[lang] = []string{strings.Join(own, " ")}
			}
			rules = append(rules, r)
		}
		for _, p := range phrases {
			rules = append(rules, answerRule{test: "has_phrase", args: []string{p}, category: ch.Category.Base})
		}
	}
	return rules
}

// wait adds the node waiting for the a-th reply to q. Its default category
// (Other) goes to retry when set, and otherwise follows the Other path.
func (c *compiler) wait(q *Question, a int, next, retry string) {
	path := qpath(q, fmt.Sprintf("wait/%d", a))
	node := flow.Node{UUID: c.uuid(path + "/node")}
	r := &flow.Router{
		Type:       flow.RouterSwitch,
		Operand:    "@input.text",
		Wait:       &flow.Wait{Type: flow.WaitMsg},
		ResultName: q.Result,
	}
	cats := q.Categories()
	catUUID := map[string]string{}
	for _, name := range cats {
		cu := c.uuid(path + "/category/" + categoryKey(name))
		exit := c.uuid(path + "/exit/" + categoryKey(name))
		catUUID[name] = cu
		r.Categories = append(r.Categories, flow.Category{UUID: cu, Name: name, ExitUUID: exit})
		dest := c.afterUUID(q, name, next)
		if name == q.DefaultCategory() && retry != "" {
			dest = retry
		}
		node.Exits = append(node.Exits, flow.Exit{UUID: exit, DestinationUUID: dest})
	}
	r.DefaultCategoryUUID = catUUID[q.DefaultCategory()]
	if q.Timeout > 0 {
		r.Wait.Timeout = &flow.Timeout{Seconds: int(q.Timeout.Seconds()), CategoryUUID: catUUID[CategoryNoResponse]}
	}
	rules := c.rules(q)
	if len(rules) == 0 {
		r.Cases = []flow.Case{} // an any question: RapidPro's editor expects the list
	}
	for k, rule := range rules {
		cu := c.uuid(fmt.Sprintf("%s/case/%d", path, k))
		args := rule.args
		if args == nil {
			args = []string{}
		}
		r.Cases = append(r.Cases, flow.Case{UUID: cu, Type: rule.test, Arguments: args, CategoryUUID: catUUID[rule.category]})
		for _, lang := range c.w.Translations {
			if l, ok := rule.loc[lang]; ok {
				c.localize(lang, cu, "arguments", l...)
			}
		}
	}
	for _, lang := range c.w.Translations {
		for _, cat := range r.Categories {
			if name := c.categoryName(q, cat.Name, lang); name != "" {
				c.localize(lang, cat.UUID, "name", name)
			}
		}
	}
	node.Router = r
	c.nodes = append(c.nodes, node)
	config := json.RawMessage(`{"cases":{}}`)
	height := 80 + 40*((len(cats)+2)/3)
	c.place(node.UUID, "wait_for_response", config, height, a > 0)
}

// categoryName returns the translation of a category's name into lang, or "".
func (c *compiler) categoryName(q *Question, name, lang string) string {
	switch q.Type {
	case TypeYesNo:
		if e, ok := yesNoWords[lang]; ok {
			switch name {
			case CategoryYes:
				return e.yesCat
			case CategoryNo:
				return e.noCat
			}
		}
	case TypeChoice:
		for _, ch := range q.Choices {
			if ch.Category.Base == name {
				return ch.Category.Translations[lang]
			}
		}
	}
	return ""
}

// afterUUID returns where the run goes after q is answered in category: its
// follow-up node, the shared node saving the answer, or next.
func (c *compiler) afterUUID(q *Question, category, next string) string {
	if c.hasAfterNode(q, category) {
		return c.uuid(qpath(q, "after/"+categoryKey(category)+"/node"))
	}
	if q.SaveToField != "" && q.isAnswer(category) {
		return c.uuid(qpath(q, "save/node"))
	}
	return next
}

func (c *compiler) hasAfterNode(q *Question, category string) bool {
	return c.response(q, category) != nil || !c.choiceClosing(q, category).IsZero() || len(c.groupsFor(q, category)) > 0
}

// groupsFor returns the groups an answer in category adds the contact to.
func (c *compiler) groupsFor(q *Question, category string) []string {
	var names []string
	for _, g := range q.Groups {
		if cat, _ := findCategory(q.Categories(), g.Category); cat == category && !slices.Contains(names, g.Group) {
			names = append(names, g.Group)
		}
	}
	return names
}

// GroupUUID is the UUID given to a contact group in exports: derived from
// its name alone, so every workflow refers to a group the same way.
func GroupUUID(name string) string { return UUID("", "group/"+name) }

func (c *compiler) response(q *Question, category string) *Response {
	for i := range q.Responses {
		if cat, _ := findCategory(q.Categories(), q.Responses[i].Category); cat == category {
			return &q.Responses[i]
		}
	}
	return nil
}

func (c *compiler) choiceClosing(q *Question, category string) Text {
	if q.Type == TypeChoice {
		for _, ch := range q.Choices {
			if ch.Category.Base == category {
				return ch.Closing
			}
		}
	}
	return Text{}
}

// after adds the nodes that follow an answer to q: per category, the
// saved field, the groups joined, the follow-up response and the choice's
// closing; and the
// shared node saving answers that have none of those.
func (c *compiler) after(q *Question, next string) {
	shared := false
	for _, cat := range q.Categories() {
		if !c.hasAfterNode(q, cat) {
			shared = shared || (q.SaveToField != "" && q.isAnswer(cat))
			continue
		}
		path := qpath(q, "after/"+categoryKey(cat))
		node := flow.Node{UUID: c.uuid(path + "/node")}
		height := 40
		if q.SaveToField != "" && q.isAnswer(cat) {
			node.Actions = append(node.Actions, c.saveField(q, path+"/save"))
			height += 60
		}
		if names := c.groupsFor(q, cat); len(names) > 0 {
			add := &flow.AddContactGroups{UUID: c.uuid(path + "/groups")}
			for _, name := range names {
				add.Groups = append(add.Groups, flow.GroupRef{UUID: GroupUUID(name), Name: name})
				if !slices.Contains(c.groups, name) {
					c.groups = append(c.groups, name)
				}
			}
			node.Actions = append(node.Actions, add)
			height += 40 + 20*len(names)
		}
		dest := next
		if r := c.response(q, cat); r != nil {
			node.Actions = append(node.Actions, c.sendMsg(path+"/response", r.Text))
			height += textHeight(r.Text.Base)
		}
		if closing := c.choiceClosing(q, cat); !closing.IsZero() {
			node.Actions = append(node.Actions, c.sendMsg(path+"/closing", closing))
			height += textHeight(closing.Base)
			dest = ""
		}
		node.Exits = []flow.Exit{{UUID: c.uuid(path + "/exit"), DestinationUUID: dest}}
		c.nodes = append(c.nodes, node)
		c.place(node.UUID, "execute_actions", nil, height, true)
	}
	if shared {
		path := qpath(q, "save")
		node := flow.Node{
			UUID:    c.uuid(path + "/node"),
			Actions: []flow.Action{c.saveField(q, path+"/action")},
			Exits:   []flow.Exit{{UUID: c.uuid(path + "/exit"), DestinationUUID: next}},
		}
		c.nodes = append(c.nodes, node)
		c.place(node.UUID, "execute_actions", nil, 100, true)
	}
}

func (c *compiler) saveField(q *Question, path string) flow.Action {
	typ := fieldType(q.Type)
	if _, ok := c.fields[q.SaveToField]; !ok {
		c.fields[q.SaveToField] = typ
	}
	return &flow.SetContactField{
		UUID:  c.uuid(path),
		Field: flow.FieldRef{Key: q.SaveToField, Name: fieldName(q.SaveToField)},
		Value: "@results." + strings.ToLower(q.Result),
	}
}

// fieldName turns a field key into the name RapidPro shows: stock_reason
// becomes "Stock Reason".
func fieldName(key string) string {
	parts := strings.Split(key, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// cond adds the split nodes deciding whether q is asked: the comparisons
// of e from left to right (leaf k of the expression), each going on to the
// next comparison, to yes (ask) or to no (skip), as and/or require. It
// returns the number of comparisons added.
func (c *compiler) cond(q *Question, e cond, k int, yes, no string) int {
	switch e := e.(type) {
	case andCond:
		n := c.cond(q, e.left, k, c.uuid(qpath(q, fmt.Sprintf("when/%d/node", k+len(leaves(e.left))))), no)
		return n + c.cond(q, e.right, k+n, yes, no)
	case orCond:
		n := c.cond(q, e.left, k, yes, c.uuid(qpath(q, fmt.Sprintf("when/%d/node", k+len(leaves(e.left))))))
		return n + c.cond(q, e.right, k+n, yes, no)
	case cmpCond:
		c.compare(q, e, k, yes, no)
		return 1
	}
	return 0
}

// compare adds the split nodes for one comparison. Category values are
// one has_category case on the earlier result; number values are tested
// on its value only when it is a number answer (see numberOperand). A
// comparison with both gets two splits: categories first, then numbers.
func (c *compiler) compare(q *Question, e cmpCond, k int, yes, no string) {
	var target *Question // validated: an earlier question, named in any case
	for i := range c.w.Questions {
		if strings.EqualFold(c.w.Questions[i].Result, e.result) {
			target = &c.w.Questions[i]
			break
		}
	}
	var catNames []string
	var numbers []flow.Case
	var numLabel []string
	switch e.op {
	case "<", "<=", ">", ">=":
		test := map[string]string{"<": "has_number_lt", "<=": "has_number_lte", ">": "has_number_gt", ">=": "has_number_gte"}[e.op]
		numbers = append(numbers, flow.Case{Type: test, Arguments: []string{numberArg(e.values[0].text)}})
		numLabel = append(numLabel, e.op+" "+numberArg(e.values[0].text))
	default:
		for _, v := range e.values {
			if name, ok := findCategory(target.Categories(), v.text); ok {
				catNames = append(catNames, name)
				continue
			}
			numbers = append(numbers, flow.Case{Type: "has_number_eq", Arguments: []string{numberArg(v.text)}})
			numLabel = append(numLabel, "= "+numberArg(v.text))
		}
	}
	matchDest, otherDest := yes, no
	if e.op == "!=" || e.op == "not in" {
		matchDest, otherDest = no, yes
	}
	key := strings.ToLower(target.Result)
	path := qpath(q, fmt.Sprintf("when/%d", k))
	if len(catNames) > 0 {
		numberSplit := otherDest
		if len(numbers) > 0 {
			numberSplit = c.uuid(path + "/number/node")
		}
		config, _ := json.Marshal(map[string]any{
			"operand": map[string]string{"id": key, "type": "result", "name": target.Result},
			"cases":   map[string]any{},
		})
		cases := []flow.Case{{Type: "has_category", Arguments: catNames}}
		c.split(path, "@results."+key, cases, strings.Join(catNames, ", "), matchDest, numberSplit, "split_by_run_result", config)
		path += "/number"
	}
	if len(numbers) > 0 {
		c.split(path, numberOperand(target), numbers, strings.Join(numLabel, ", "), matchDest, otherDest,
			"split_by_expression", json.RawMessage(`{"cases":{}}`))
	}
}

// numberOperand is the value of an earlier number question's answer, or ""
// when it has none: after No Response the result's value is the timeout's
// timestamp, and after Other the reply that did not fit (out of range,
// say), in both of which a number test would find a number.
func numberOperand(target *Question) string {
	key := strings.ToLower(target.Result)
	var answered []string
	for _, cat := range target.Categories() {
		if target.isAnswer(cat) {
			// goflow reads an Excellent string with strconv.Unquote.
			answered = append(answered, fmt.Sprintf("results.%s.category = %q", key, cat))
		}
	}
	test := strings.Join(answered, ", ")
	if len(answered) > 1 {
		test = "or(" + test + ")"
	}
	return fmt.Sprintf(`@(if(%s, results.%s.value, ""))`, test, key)
}

// split adds a switch node on operand whose cases all lead to one category
// (named label, or "Match" when that is too long) going to matchDest, and
// whose default (Other, or No Match when label is Other) goes to
// otherDest. Its UUIDs derive from path.
func (c *compiler) split(path, operand string, cases []flow.Case, label, matchDest, otherDest, uiType string, config json.RawMessage) {
	matchCat, otherCat := c.uuid(path+"/category/match"), c.uuid(path+"/category/other")
	matchExit, otherExit := c.uuid(path+"/exit/match"), c.uuid(path+"/exit/other")
	for i := range cases {
		cases[i].UUID = c.uuid(fmt.Sprintf("%s/case/%d", path, i))
		cases[i].CategoryUUID = matchCat
	}
	if utf8.RuneCountInString(label) > 36 {
		label = "Match"
	}
	// when: reason == Other tests a category named Other: the split's own
	// default then takes the other name, as a question's does.
	otherName := CategoryOther
	if categoryKey(label) == categoryKey(CategoryOther) {
		otherName = CategoryNoMatch
	}
	node := flow.Node{
		UUID: c.uuid(path + "/node"),
		Router: &flow.Router{
			Type:    flow.RouterSwitch,
			Operand: operand,
			Cases:   cases,
			Categories: []flow.Category{
				{UUID: matchCat, Name: label, ExitUUID: matchExit},
				{UUID: otherCat, Name: otherName, ExitUUID: otherExit},
			},
			DefaultCategoryUUID: otherCat,
		},
		Exits: []flow.Exit{{UUID: matchExit, DestinationUUID: matchDest}, {UUID: otherExit, DestinationUUID: otherDest}},
	}
	c.nodes = append(c.nodes, node)
	c.place(node.UUID, uiType, config, 120, false)
}

// numberArg writes a number of a when expression the way RapidPro's editor
// does: without a needless ".0".
func numberArg(s string) string {
	var f float64
	if _, err := fmt.Sscan(s, &f); err == nil && !math.IsInf(f, 0) {
		return formatNumber(f)
	}
	return s
}

func (c *compiler) exportFields() []flow.Field {
	out := []flow.Field{}
	for _, key := range sortedKeys(c.fields) {
		out = append(out, flow.Field{Key: key, Name: fieldName(key), Type: c.fields[key]})
	}
	return out
}
