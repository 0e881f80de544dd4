package goflowcheck_test

// otherChoiceWorkflow has choices named Other and "Other (specify)",
// each followed by a question asked only after it, and a default category
// renamed No Match where a choice takes the name Other.
const otherChoiceWorkflow = "../../workflow/testdata/other_choice.yaml"

// otherConversations check, against goflow, that a chosen Other and a
// reply that fits no choice take different categories and paths.
var otherConversations = []conversation{
	{"other/chosen-then-which", otherChoiceWorkflow, "", fatu, steps(reply("yes"), reply("3"), reply("stolen"), reply("other"), reply("a neighbour"))},
	{"other/no-match-after-retry", otherChoiceWorkflow, "", fatu, steps(reply("yes"), reply("?"), reply("??"), reply("1"))},
	{"other/word-other-in-a-sentence", otherChoiceWorkflow, "", fatu, steps(reply("YES"), reply("some other thing"), reply("flood"), reply("NGO"))},
	{"other/french", otherChoiceWorkflow, "", aminata, steps(reply("oui"), reply("Autre"), reply("volé"), reply("autre"), reply("un voisin"))},
	{"other/french-no-match", otherChoiceWorkflow, "", aminata, steps(reply("oui"), reply("je ne sais pas"), reply("non plus"), reply("2"))},
	{"other/unknown-supplier", otherChoiceWorkflow, "", fatu, steps(reply("no"), reply("the church"), reply("St Joseph mission"))},
}
