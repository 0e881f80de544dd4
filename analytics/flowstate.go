package analytics

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Default category names of RapidPro's editor and of compiled workflows,
// used for a result whose router the definition does not show.
const (
	defaultOther   = "Other"
	defaultTimeout = "No Response"
)

// question is a tracked flow's result as stored in analytics_question.
// Runs' facts refer to it by idx and to its categories by their index in
// categories, so both lists are only ever appended to.
type question struct {
	idx      int
	key      string
	name     string
	text     string
	position int
	wait     bool
	// categories are every category seen, in the order first seen (the
	// indexes facts use); shown the current definition's, in its order.
	categories []string
	shown      []string
	nodes      []string
	// other and timeout name the categories of replies that fit no case
	// and of waits that timed out.
	other, timeout string
	// answer is the kind of reply the router's tests take.
	answer answerType

	catIdx     map[string]int
	otherIdx   int // -1 when not among categories
	timeoutIdx int
	dirty      bool
}

// category returns the index of a category name, adding it when new.
func (q *question) category(name string) int {
	if i, ok := q.catIdx[name]; ok {
		return i
	}
	q.categories = append(q.categories, name)
	i := len(q.categories) - 1
	q.catIdx[name] = i
	q.setSpecial()
	q.dirty = true
	return i
}

func (q *question) setSpecial() {
	q.otherIdx, q.timeoutIdx = -1, -1
	if i, ok := q.catIdx[q.other]; ok {
		q.otherIdx = i
	}
	if i, ok := q.catIdx[q.timeout]; ok {
		q.timeoutIdx = i
	}
}

func (q *question) index() {
	q.catIdx = make(map[string]int, len(q.categories))
	for i, c := range q.categories {
		if _, dup := q.catIdx[c]; !dup {
			q.catIdx[c] = i
		}
	}
	q.setSpecial()
}

// flowState is what the ingest and the analyses know of a tracked flow:
// its questions and the nodes its runs' paths are stored against.
type flowState struct {
	id        int64
	workspace string
	uuid      string
	name      string

	questions []*question // by idx
	byKey     map[string]*question
	nodeIdx   map[string]int // node UUID → idx in analytics_node
	nodes     []string
	newNodes  int     // nodes[len(nodes)-newNodes:] are not stored yet
	nodeQ     [][]int // node idx → the questions it saves
}

// notTrackedError reports a flow the Monitor does not track.
type notTrackedError struct{ flow string }

func (e *notTrackedError) Error() string {
	return fmt.Sprintf("analytics: flow %s is not tracked (Monitor.Track it first)", e.flow)
}

// ErrNotTracked matches the error of a method given a flow that was never
// tracked.
var ErrNotTracked = errors.New("analytics: flow not tracked")

func (e *notTrackedError) Is(target error) bool { return target == ErrNotTracked }

// loadFlow reads a tracked flow's state.
func loadFlow(ctx context.Context, q store.Querier, workspace, uuid string) (*flowState, error) {
	fs := &flowState{workspace: workspace, uuid: uuid, byKey: map[string]*question{}, nodeIdx: map[string]int{}}
	err := q.QueryRow(ctx, `SELECT id, name FROM analytics_flow WHERE workspace = $1 AND uuid = $2`, workspace, uuid).Scan(&fs.id, &fs.name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &notTrackedError{uuid}
	}
	if err != nil {
		return nil, fmt.Errorf("analytics: reading flow %s: %w", uuid, err)
	}
	rows, err := q.Query(ctx, `SELECT idx, result_key, name, text, position, wait, categories, shown, nodes, other, timeout,
		answer_type, answer_min, answer_max
		FROM analytics_question WHERE flow_id = $1 ORDER BY idx`, fs.id)
	if err != nil {
		return nil, fmt.Errorf("analytics: reading the questions of flow %s: %w", uuid, err)
	}
	defer rows.Close()
	for rows.Next() {
		qu := &question{}
		var cats, shown, nodes string
		var lo, hi sql.NullFloat64
		if err := rows.Scan(&qu.idx, &qu.key, &qu.name, &qu.text, &qu.position, &qu.wait, &cats, &shown, &nodes, &qu.other, &qu.timeout,
			&qu.answer.Type, &lo, &hi); err != nil {
			return nil, err
		}
		if lo.Valid {
			qu.answer.Min = &lo.Float64
		}
		if hi.Valid {
			qu.answer.Max = &hi.Float64
		}
		for _, x := range []struct {
			s   string
			dst *[]string
		}{{cats, &qu.categories}, {shown, &qu.shown}, {nodes, &qu.nodes}} {
			if err := json.Unmarshal([]byte(x.s), x.dst); err != nil {
				return nil, fmt.Errorf("analytics: question %s of flow %s: %w", qu.key, uuid, err)
			}
		}
		qu.index()
		if qu.idx != len(fs.questions) {
			return nil, fmt.Errorf("analytics: questions of flow %s are not numbered from 0", uuid)
		}
		fs.questions = append(fs.questions, qu)
		fs.byKey[qu.key] = qu
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	nrows, err := q.Query(ctx, `SELECT idx, uuid FROM analytics_node WHERE flow_id = $1 ORDER BY idx`, fs.id)
	if err != nil {
		return nil, fmt.Errorf("analytics: reading the nodes of flow %s: %w", uuid, err)
	}
	defer nrows.Close()
	for nrows.Next() {
		var idx int
		var node string
		if err := nrows.Scan(&idx, &node); err != nil {
			return nil, err
		}
		if idx != len(fs.nodes) {
			return nil, fmt.Errorf("analytics: nodes of flow %s are not numbered from 0", uuid)
		}
		fs.nodes = append(fs.nodes, node)
		fs.nodeIdx[node] = idx
	}
	if err := nrows.Err(); err != nil {
		return nil, err
	}
	fs.indexNodes()
	return fs, nil
}

// indexNodes maps each node to the questions it saves.
func (fs *flowState) indexNodes() {
	fs.nodeQ = make([][]int, len(fs.nodes))
	for _, qu := range fs.questions {
		for _, n := range qu.nodes {
			i := fs.node(n)
			if !slices.Contains(fs.nodeQ[i], qu.idx) {
				fs.nodeQ[i] = append(fs.nodeQ[i], qu.idx)
			}
		}
	}
}

// node returns a node's idx, adding it when new.
func (fs *flowState) node(uuid string) int {
	if i, ok := fs.nodeIdx[uuid]; ok {
		return i
	}
	fs.nodes = append(fs.nodes, uuid)
	i := len(fs.nodes) - 1
	fs.nodeIdx[uuid] = i
	fs.nodeQ = append(fs.nodeQ, nil)
	fs.newNodes++
	return i
}

// question returns the question of a result key, adding one (a result the
// definition did not show, such as one of a newer revision) when new.
func (fs *flowState) question(key, name string) *question {
	if qu, ok := fs.byKey[key]; ok {
		return qu
	}
	if name == "" {
		name = key
	}
	qu := &question{idx: len(fs.questions), key: key, name: name, position: fs.maxPosition() + 1,
		categories: []string{}, shown: []string{}, nodes: []string{}, other: defaultOther, timeout: defaultTimeout, dirty: true}
	qu.index()
	fs.questions = append(fs.questions, qu)
	fs.byKey[key] = qu
	return qu
}

func (fs *flowState) maxPosition() int {
	m := 0
	for _, qu := range fs.questions {
		m = max(m, qu.position)
	}
	return m
}

// save writes the questions and nodes that changed, in tx.
func (fs *flowState) save(ctx context.Context, tx *store.Tx) error {
	for _, qu := range fs.questions {
		if !qu.dirty {
			continue
		}
		cats, _ := json.Marshal(qu.categories)
		shown, _ := json.Marshal(qu.shown)
		nodes, _ := json.Marshal(qu.nodes)
		_, err := tx.Exec(ctx, `
INSERT INTO analytics_question (flow_id, idx, result_key, name, text, position, wait, categories, shown, nodes, other, timeout,
	answer_type, answer_min, answer_max)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (flow_id, idx) DO UPDATE SET name = excluded.name, text = excluded.text, position = excluded.position,
	wait = excluded.wait, categories = excluded.categories, shown = excluded.shown, nodes = excluded.nodes,
	other = excluded.other, timeout = excluded.timeout,
	answer_type = excluded.answer_type, answer_min = excluded.answer_min, answer_max = excluded.answer_max`,
			fs.id, qu.idx, qu.key, qu.name, qu.text, qu.position, qu.wait, string(cats), string(shown), string(nodes), qu.other, qu.timeout,
			qu.answer.Type, nullFloat(qu.answer.Min), nullFloat(qu.answer.Max))
		if err != nil {
			return fmt.Errorf("analytics: saving question %s: %w", qu.key, err)
		}
	}
	for i := len(fs.nodes) - fs.newNodes; i < len(fs.nodes); i++ {
		if _, err := tx.Exec(ctx, `INSERT INTO analytics_node (flow_id, idx, uuid) VALUES ($1, $2, $3)`, fs.id, i, fs.nodes[i]); err != nil {
			return fmt.Errorf("analytics: saving a node: %w", err)
		}
	}
	return nil
}

// define brings the questions up to the flow definition f: their names,
// texts, order, categories, nodes and special categories. Questions the
// definition no longer has keep their rows (runs refer to them) and move
// after the others.
func (fs *flowState) define(f *flow.Flow) {
	results := f.Results()
	special := specialCategories(f)
	answers := answerTypes(f)
	seen := map[string]bool{}
	for i, r := range results {
		qu := fs.question(r.Key, r.Name)
		seen[r.Key] = true
		qu.name, qu.text, qu.position, qu.wait = r.Name, r.Question, i+1, r.Wait
		qu.shown = slices.Clone(r.Categories)
		for _, c := range r.Categories {
			qu.category(c)
		}
		qu.nodes = slices.Clone(r.NodeUUIDs)
		if s, ok := special[r.Key]; ok {
			qu.other, qu.timeout = s[0], s[1]
		}
		qu.answer = answers[r.Key]
		qu.setSpecial()
		qu.dirty = true
	}
	next := len(results)
	for _, qu := range fs.questions {
		if !seen[qu.key] {
			next++
			qu.position = next
			qu.dirty = true
		}
	}
	for _, qu := range fs.questions {
		for _, n := range qu.nodes {
			fs.node(n)
		}
	}
	fs.indexNodes()
}

// specialCategories returns, by result key, the names of the category of
// replies that fit no case and of the timeout category, as the routers
// that save the result define them.
func specialCategories(f *flow.Flow) map[string][2]string {
	out := map[string][2]string{}
	for i := range f.Nodes {
		r := f.Nodes[i].Router
		if r == nil || r.ResultName == "" {
			continue
		}
		key := flow.Snakify(r.ResultName)
		s, ok := out[key]
		if !ok {
			s = [2]string{defaultOther, defaultTimeout}
		}
		if c := r.Category(r.DefaultCategoryUUID); c != nil {
			s[0] = c.Name
		}
		if r.Wait != nil && r.Wait.Timeout != nil {
			if c := r.Category(r.Wait.Timeout.CategoryUUID); c != nil {
				s[1] = c.Name
			}
		}
		out[key] = s
	}
	return out
}

// answerType is the kind of reply a question takes (see Question.Type).
type answerType struct {
	Type     string
	Min, Max *float64
}

// caseKinds are the reply types of the router tests that take one kind of
// reply; other tests (words, phrases, regular expressions, categories)
// make choices.
var caseKinds = map[string]string{
	"has_number": "number", "has_number_between": "number", "has_number_lt": "number", "has_number_lte": "number",
	"has_number_eq": "number", "has_number_gt": "number", "has_number_gte": "number",
	"has_date": "date", "has_date_lt": "date", "has_date_eq": "date", "has_date_gt": "date",
	"has_phone": "phone", "has_text": "text",
}

// answerTypes returns, by result key, the kind of reply the routers that
// save the result test for: a kind when every case of every such router
// tests for it, with a number's bounds when they are literal and the
// same everywhere.
func answerTypes(f *flow.Flow) map[string]answerType {
	out := map[string]answerType{}
	mixed := map[string]bool{}
	for i := range f.Nodes {
		r := f.Nodes[i].Router
		if r == nil || r.ResultName == "" {
			continue
		}
		key := flow.Snakify(r.ResultName)
		if mixed[key] {
			continue
		}
		a, seen := out[key]
		kind, lo, hi := "", (*float64)(nil), (*float64)(nil)
		for j, c := range r.Cases {
			k := caseKinds[c.Type]
			if k == "" || (j > 0 && k != kind) {
				kind = ""
				break
			}
			kind = k
			if k == "number" && len(r.Cases) == 1 {
				lo, hi = numberBounds(c)
			}
		}
		if kind == "" || (seen && kind != a.Type) {
			mixed[key] = true
			delete(out, key)
			continue
		}
		if seen && (!sameBound(a.Min, lo) || !sameBound(a.Max, hi)) {
			lo, hi = nil, nil
		}
		out[key] = answerType{Type: kind, Min: lo, Max: hi}
	}
	return out
}

// numberBounds returns the literal bounds of a number test.
func numberBounds(c flow.Case) (lo, hi *float64) {
	arg := func(i int) *float64 {
		if i >= len(c.Arguments) {
			return nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(c.Arguments[i]), 64)
		if err != nil {
			return nil
		}
		return &v
	}
	switch c.Type {
	case "has_number_between":
		return arg(0), arg(1)
	case "has_number_gte":
		return arg(0), nil
	case "has_number_lte":
		return nil, arg(0)
	}
	return nil, nil
}

func sameBound(a, b *float64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func nullFloat(v *float64) sql.NullFloat64 {
	if v == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *v, Valid: true}
}
