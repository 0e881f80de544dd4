// Package decompile turns RapidPro flows back into workflows: a flow of
// an export (spec 11 to 13, as RapidPro's engine reads it) becomes the
// workflow.Workflow that asks the same questions, as far as the flow fits
// the workflow format.
//
// [Decompile] reads the flow as a workflow is made: questions (a wait
// for a reply and its router), their type from the router's tests (text,
// number with its bounds, date, phone, yes_no, choice with its match
// words in each language, any), retries (the loop from a wait's Other
// back to it, or a chain of waits), timeouts, the message after each
// answer, the groups joined and the contact field saved, a choice that
// ends the flow, the introduction and closing messages, translations,
// the keyword trigger and the run expiry. Skip logic is read from the
// flow's splits on earlier results, or from where each answer leads: a
// question asked after some answers only gets the when that says so.
//
// What the workflow cannot express is listed in [Result.Problems], node
// by node, with the editor's label: an action the format has no word for
// (a webhook, a subflow), a test it has no type for, a category named
// otherwise, translated words only some contacts match. Nothing is
// guessed silently: the workflow is compiled and every way of answering
// its questions is compared with the flow's, at the level of categories
// and number ranges, so any difference in the messages sent, the results
// saved, the fields and groups, or where the conversation goes, is a
// problem at the node where it starts.
//
// Some differences are by design of the workflow format, and reported as
// such: a choice's words are matched for every contact whatever their
// language (a flow may match "oui" for French contacts only); the words
// of one choice are tested by one case (two cases save different
// answers for a reply with words of both); a question is asked by one
// message and answered in fixed categories (Has Text, Has Number, ...);
// actions other than messages, a saved answer and groups joined after an
// answer have no place in a workflow. Warnings change nothing a contact
// sees: a result name with spaces is written as its key (Result 1 as
// result_1, the same @results.result_1), a language code that is not one
// becomes eng, a message translated into some languages only gets its
// base text in the others (what RapidPro sends there).
//
// Flows of spec 11 and 12 are read as goflow reads them, as spec 13;
// 13.2's migration of a language that is not a 3-letter code to "und" is
// applied. Older (legacy) definitions are refused with [ErrLegacy]:
// RapidPro migrates them on import, and exports them again at spec 13.
//
// The workflow key is not in an export: a compiled workflow's UUIDs
// derive from it. [Decompile] finds it again when it is made of words of
// the flow's name (as the examples' keys are), and otherwise makes one
// from the name; [Options].Key sets it.
//
// Nothing here touches the network.
package decompile
