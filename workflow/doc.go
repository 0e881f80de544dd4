// Package workflow is the mHero workflow DSL: a short YAML file (or a Go
// builder) describing the questions a Data Manager wants to ask health
// workers by SMS, its validation with precise positioned messages, and its
// compiler to a RapidPro flow export that RapidPro imports and its engine
// (goflow) runs.
//
// A workflow is read with [Parse] or [ParseFile], or built with [New]; both
// give the same [Workflow] and validate it the same way, reporting every
// problem at once as [Diagnostics] (file:line:column, field path, message,
// error or warning). [Compile] turns it into a [flow.Export], and
// [WriteExport] writes that as JSON. Compiling is deterministic: every UUID
// is derived from the workflow key and the part of the flow it names (see
// [UUID]), so a recompiled export re-imports as an update of the same flow.
// [MarshalYAML] (or [WriteYAML]) writes any workflow, built in Go or read
// from another format, back as the YAML below, to be reviewed and kept in
// git; it reads back as the same workflow.
//
// # The YAML format
//
//	workflow: Malaria stock check     # the flow's name
//	key: malaria-stock                # stable id: same key, same UUIDs
//	language: eng                     # ISO 639-3 base language
//	translations: [fra]               # any text may then be {eng: ..., fra: ...}
//	keyword: STOCK                    # optional keyword trigger
//	expire_after: 24h                 # optional run expiry (w, d, h, m, s)
//	intro: "Hello @contact.name, ..." # optional first message
//	questions:
//	  - result: act_in_stock          # result name (letters, digits, _)
//	    ask: "Do you have ACTs in stock? Reply YES or NO"
//	    type: yes_no                  # text | number | yes_no | choice | date | phone | any
//	    retry: "Please reply YES or NO"
//	    max_retries: 2                # then the Other path (1 when only retry is set; or unlimited)
//	    timeout: 12h                  # no reply: the No Response path
//	    responses:                    # follow-up message per category
//	      No: "The district pharmacist will contact you."
//	    add_to_group:                 # contact groups joined per category
//	      No: Stock-out facilities    # (a name or a list of names)
//	  - result: reason
//	    ask: "Why? 1 Not delivered 2 Expired"
//	    type: choice
//	    choices:
//	      - category: {eng: Not delivered, fra: Non livré}
//	        match: ["1", "not delivered"]  # one word: anywhere; several: a phrase
//	      - category: Expired
//	        match: {eng: ["2", "expired"], fra: ["périmé"]}
//	        closing: "Thank you, that is all."  # this answer ends the workflow
//	    when: act_in_stock == no      # skip logic on earlier results
//	    save_to_field: stock_reason   # also set a contact field
//	closing: "Thank you."             # optional last message
//
// Messages are RapidPro templates: @contact.name, @fields.district,
// @results.weeks_left and expressions such as
// @(format_number(results.stock.value * 12)) are filled in for each
// contact ("@@" writes an "@"). They are read by the same parser the
// simulator evaluates them with: validation reports, at their line and
// column, expressions that do not parse or are never closed, unknown
// functions and names, wrong numbers of arguments and field keys RapidPro
// refuses, and warns about results read before their question is asked
// (they would be empty); the compiled export declares every contact field
// a message reads.
//
// Every answer has a category: Yes/No for yes_no, the choice's category,
// "Has Text", "Has Number", "Has Date" or "Has Phone" for the others, and
// "Other" (no test matched, after the retries) and "No Response" (timeout)
// for all. Matching ignores case and punctuation.
//
// Two shapes come from flows drawn in RapidPro's editor, and read back
// from its exports. A question with max_retries: unlimited sends its
// retry after every reply that does not fit, until one does (or it times
// out, or the run expires): its answer is never Other. A question of type
// any takes every reply, even one with no text, as a wait without rules
// does in the editor: its one category is "All Responses", it has no
// Other and nothing to retry. type: text is the better choice for a new
// workflow, as an empty reply is then asked again.
//
// A choice may itself be named Other, as surveys often end their lists
// ("3 Other", then a question asking which), in the base language or in a
// translation (Outro, translated Other). It is an answer like the
// others: it saves to the field, is never retried, and when and
// responses name it Other. The default category of that question, the
// reply that fits no choice after the retries, is then named "No Match"
// ([Question.DefaultCategory]), in the export as in when, responses and
// add_to_group: a router never has two categories of one name, and the
// analyses still tell the health worker who chose Other from the one who
// was not understood. Each translation is held to the same rule: no two
// categories of a question are translated alike, nor as No Response. A
// choice named "Other (specify)" keeps its name
// beside the usual Other; in a when, its parentheses need quotes:
//
//	when: supplier == "Other (specify)"    # the question asking which
//
// A yes_no reply is Yes or No when it contains one of these words as a
// word of its own (a reply with both is Yes). A contact matches the words of the
// workflow's base language (English's when it has none here) and, when
// their language is one of the translations, that language's words too;
// the other translations' words are not matched, as a word of one
// language may mean something else in another (Swahili "la" is also
// "of"). Only unambiguous words are listed: "ok" and "sure" are not
// answers ("not sure" would otherwise be Yes), and single letters are
// kept only where they are the usual short answer. A negation around a
// word is not understood: "no idea" is No, so ask for YES or NO.
//
//	amh  yes: አዎ, awo; no: አይ
//	ara  yes: نعم; no: لا
//	deu  yes: ja; no: nein
//	eng  yes: yes, y, yeah, yep, yea; no: no, n, nope, nah
//	fra  yes: oui, ouais; no: non
//	hau  yes: eh; no: aa
//	hin  yes: haan, han, हाँ; no: nahin, nahi, नहीं
//	ibo  yes: ee, eh; no: mba
//	ita  yes: sì, si; no: no
//	kin  yes: yego; no: oya
//	lin  yes: iyo, ee; no: te
//	lug  yes: yee; no: nedda
//	mlg  yes: eny; no: tsia
//	nld  yes: ja; no: nee
//	nya  yes: inde; no: ayi, iyayi
//	por  yes: sim, s; no: não, nao, n
//	sna  yes: hongu, ehe; no: kwete, aiwa
//	som  yes: haa, haah; no: maya
//	spa  yes: sí, si, s; no: no, n
//	swa  yes: ndiyo, ndio; no: hapana
//	swh  yes: ndiyo, ndio; no: hapana
//	xho  yes: ewe; no: hayi
//	yor  yes: bẹẹni, beeni; no: rara, rárá
//	zul  yes: yebo; no: cha, qha
//
// A when expression compares earlier results: their category with ==, !=,
// in [...] and not in [...] (names are matched ignoring case, spaces and
// underscores: no_response is "No Response"), and the number answered to a
// number question with <, <=, >, >=, == and !=; comparisons are joined with
// and/or, and may be grouped with parentheses:
//
//	when: (weeks_left < 4 or reason in [expired, Not delivered]) and act_in_stock != no_response
//
// A category name of several words is written as it is: commas and
// brackets end the names of a list (reason in [Not delivered, Longer
// ago]), and "and", "or" or a parenthesis end the name after == or !=
// (reason == Not delivered and ...). Quotes are needed only for a name
// with a comma or a bracket in a list, or with the word "and" or "or"
// after an operator: reason == "Cough and fever".
//
// A comparison of numbers holds only for a number answer ("Has Number"):
// after No Response, after Other (a reply out of range, say) or when the
// question was skipped, weeks_left < 4 and weeks_left == 0 are false and
// weeks_left != 0 is true. Numbers and categories may be mixed, as in
// weeks_left in [0, no_response].
//
// Number answers follow RapidPro: the first number in the reply is taken
// and a dot is a decimal point, so "1.200" (a thousands separator in much
// of Africa and Europe) is 1.2 and "1 200" is 1; only "1,200" is 1200. Ask
// for digits only ("Reply with digits only, e.g. 1200") when counts may
// reach the thousands.
//
// Nothing in this package touches the network.
package workflow
