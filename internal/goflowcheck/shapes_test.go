package goflowcheck_test

// handBuiltWorkflow has the shapes of flows drawn in RapidPro's editor:
// questions retried without limit and a question of type any.
const handBuiltWorkflow = "../../workflow/testdata/hand_built.yaml"

// shapeConversations check, against goflow, that a question retried
// without limit loops on its one wait, and that an any question takes
// every reply, even an empty one.
var shapeConversations = []conversation{
	{"shapes/retried-until-each-fits", handBuiltWorkflow, "", fatu, steps(reply(" "), reply("E-204"), reply("abc"), reply("12000"), reply("0"), reply("42"), reply("7"), reply("nine"), reply("2"))},
	{"shapes/any-reply", handBuiltWorkflow, "", fatu, steps(reply("E1"), reply("42"), reply("other"), reply("cleaner"))},
	{"shapes/any-empty-reply", handBuiltWorkflow, "", fatu, steps(reply("E1"), reply("42"), reply("3"), reply(""))},
	{"shapes/no-response", handBuiltWorkflow, "", fatu, steps(reply("E1"), timeout())},
	{"shapes/french", handBuiltWorkflow, "", aminata, steps(reply("E1"), reply("douze"), reply("12"), reply("autre"), reply("agent"))},
	{"shapes/still-waiting", handBuiltWorkflow, "", fatu, steps(reply("E1"), reply("x"), reply("y"), reply("z"))},
}
