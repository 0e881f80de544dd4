package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/workflow/flow"
)

// route picks the exit of node n for run r: the first exit without a
// router, else the router's category (saving its result when named).
// timeout routes a wait's timeout instead of the current input.
func (s *Sim) route(r *run, n *flow.Node, timeout bool) (string, error) {
	rt := n.Router
	if rt == nil {
		if len(n.Exits) == 0 {
			return "", nil
		}
		return n.Exits[0].UUID, nil
	}
	var categoryUUID, match, operand string
	switch {
	case timeout:
		categoryUUID = rt.Wait.Timeout.CategoryUUID
		match = s.now().UTC().Format(excellent.DateTimeLayout)
	case rt.Type == flow.RouterRandom:
		if len(rt.Categories) == 0 {
			return "", s.unsupported(r, n, "a random router without categories")
		}
		x := s.random()
		i := min(int(math.Floor(x*float64(len(rt.Categories)))), len(rt.Categories)-1)
		categoryUUID, match, operand = rt.Categories[i].UUID, strconv.Itoa(i), strconv.FormatFloat(x, 'f', -1, 64)
	case rt.Type == flow.RouterSwitch:
		var err error
		categoryUUID, match, operand, err = s.switchCategory(r, n)
		if err != nil {
			return "", err
		}
	default:
		return "", s.unsupported(r, n, fmt.Sprintf("the router type %q", rt.Type))
	}
	if categoryUUID == "" {
		s.failRun(r, fmt.Sprintf("router on node[uuid=%s] failed to pick a category", n.UUID))
		return "", nil
	}
	category := rt.Category(categoryUUID)
	if category == nil {
		return "", fmt.Errorf("sim: node %s: category %s is not a valid category", n.UUID, categoryUUID)
	}
	if rt.ResultName != "" {
		localized, _ := s.localize(r.flow, category.UUID, "name", []string{""})
		s.saveResult(r, n, rt.ResultName, match, category.Name, localized[0], operand)
	}
	return category.ExitUUID, nil
}

// switchCategory evaluates a switch router's operand and tests its cases in
// order; without a match it takes the default category with the operand as
// the value. What fails on the way goes to the run's errors, not the
// session's events (see [Outcome.RunErrors]).
func (s *Sim) switchCategory(r *run, n *flow.Node) (categoryUUID, match, operandText string, err error) {
	rt := n.Router
	e := s.newEnv(r, n)
	// As in goflow, a lone expression that fails is an error value handed
	// to the tests (each then fails, and the default category logs it);
	// only a mixed template that fails is logged at once.
	operand, errText := e.EvaluateTemplateValue(rt.Operand)
	if what := e.Unsupported(); what != "" {
		return "", "", "", s.unsupported(r, n, what)
	}
	if errText != "" {
		s.logRunError(n, errText)
	}
	operandErr, isErr := operand.(excellent.Error)
	if !isErr {
		operandText = excellent.Render(operand)
	}
	for _, c := range rt.Cases {
		test := excellent.LookupFunction(c.Type)
		if test == nil || !test.IsCaseTest() {
			return "", "", "", s.unsupported(r, n, fmt.Sprintf("the case test %q", c.Type))
		}
		args := []excellent.Value{operand}
		localized, _ := s.localize(r.flow, c.UUID, "arguments", c.Arguments)
		if len(localized) != len(c.Arguments) {
			localized = c.Arguments
		}
		for _, a := range localized {
			arg, errText := e.EvaluateTemplateValue(a)
			if errText != "" {
				s.logRunError(n, errText)
			}
			args = append(args, arg)
		}
		result := test.Call(e, args)
		if what := e.Unsupported(); what != "" {
			return "", "", "", s.unsupported(r, n, what)
		}
		switch res := result.(type) {
		case excellent.Error:
			s.logRunError(n, fmt.Sprintf("error calling test %s(...): %s", strings.ToLower(c.Type), res.Error()))
		case *excellent.Object:
			if !excellent.Truthy(res) {
				continue
			}
			m, _ := res.Get("match")
			return c.CategoryUUID, excellent.Render(m), operandText, nil
		}
	}
	if rt.DefaultCategoryUUID != "" {
		if isErr {
			s.logRunError(n, operandErr.Error())
		}
		return rt.DefaultCategoryUUID, operandText, operandText, nil
	}
	return "", "", operandText, nil
}
