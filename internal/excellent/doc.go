// Package excellent is Excellent, the expression language of RapidPro
// flows: templates such as "Hi @contact.first_name" and
// "@(format_number(results.stock.value * 12))", "@@" for a literal "@".
//
// It follows goflow (github.com/nyaruka/goflow v0.197.7, the engine
// RapidPro runs): its scanner and grammar, its types (text, decimal
// numbers, dates, datetimes, objects with a default value, arrays, error
// values), its functions and the case tests of switch routers, and its
// wording of errors, so that an expression evaluates here as it does
// there. The code is our own: goflow is AGPL and is only used by the
// differential tests of internal/goflowcheck.
//
// Two kinds of users share one parser:
//
//   - the simulator (workflow/sim) evaluates templates against a run's
//     context with an [Env]: [Env.EvaluateTemplate] and, for a router's
//     operand, [Env.EvaluateTemplateValue]; case tests are found with
//     [LookupFunction];
//   - authoring tools (the workflow compiler and validator) call
//     [AnalyzeTemplate] to list the fields and results a message uses and
//     to report, with the offset of each, syntax errors, "@(" never
//     closed, unknown names and functions given the wrong number of
//     arguments, before any flow runs.
//
// Built-in functions are plain Go functions of typed arguments (text,
// numbers, dates...), registered with wrappers that state their arity and
// convert their arguments in order, after goflow's excellent/functions.
// Functions goflow has and this package does not implement (rand, json,
// foreach...) are known but unsupported: a template using them is valid,
// and evaluating one records it in [Env.Unsupported].
//
// Offsets are counted in runes from the start of the template.
package excellent
