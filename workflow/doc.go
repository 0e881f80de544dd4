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
//	    type: yes_no                  # text | number | yes_no | choice | date | phone
//	    retry: "Please reply YES or NO"
//	    max_retries: 2                # then the Other path (1 when only retry is set)
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
// Every answer has a category: Yes/No for yes_no, the choice's category,
// "Has Text", "Has Number", "Has Date" or "Has Phone" for the others, and
// "Other" (no test matched, after the retries) and "No Response" (timeout)
// for all. Matching ignores case and punctuation; a yes_no question knows
// the usual short forms in English and in the workflow's languages.
//
// A when expression compares earlier results: their category with ==, !=,
// in [...] and not in [...] (names are matched ignoring case, spaces and
// underscores: no_response is "No Response"), and the number answered to a
// number question with <, <=, >, >=, == and !=; comparisons are joined with
// and/or, and may be grouped with parentheses:
//
//	when: (weeks_left < 4 or reason in [expired, "Not delivered"]) and act_in_stock != no_response
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
