package workflow_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// conversation is a scripted exchange with a compiled workflow: replies
// ("/timeout" lets the question time out), and what goflow v0.197.7 did
// with the same export and steps (recorded with internal/goflowcheck in
// the same environment: Africa/Monrovia, DD-MM-YYYY, LR, 2026-01-05 09:00 UTC).
type conversation struct {
	name     string
	language string
	steps    []string
	messages []string
	results  map[string]string // key → "value (category)"
	status   sim.Status
	groups   []string // the contact's groups at the end, when checked
}

const (
	malariaIntro = "Hello Ann, the Ministry of Health needs 1 minute of your time."
	malariaAsk   = "Do you have ACTs in stock? Reply YES or NO"
	malariaRetry = "Please reply YES or NO"
	malariaWhy   = "Why? 1 Not delivered 2 Expired 3 Other"
	malariaThank = "Thank you. The MOH will follow up."
	clinicHello  = "Hello Ann of Redemption, 4 questions from the MOH."
	clinicOpen   = "Is the clinic open today? YES or NO"
	clinicStaff  = "How many staff are present?"
	clinicWhy    = "Why is it closed? 1 Strike 2 Flood 3 Other"
	clinicSupply = "When is the next supply visit?"
	clinicPhone  = "Which number can the district call?"
	clinicAny    = "Any comment?"
	clinicThanks = "Thank you."
	timedOut     = "2026-01-05T09:00:00.000000Z"

	swaHello = "Habari Ann wa Redemption, maswali 4 kutoka Wizara."
	swaOpen  = "Kliniki iko wazi leo? NDIYO au HAPANA"
	swaStaff = "Wafanyakazi wangapi wapo?"
	swaAny   = "Maoni yoyote?"

	stockOutAsk      = "Did you run out of ACTs this month? YES or NO"
	stockOutWhy      = "Why? 1 Not delivered 2 Expired 3 Other"
	stockOutSupplier = "Who supplies you? 1 District store 2 NGO 3 Other (specify)"

	choleraCases    = "Cholera: how many suspected cases this week? Reply with digits only"
	choleraDeaths   = "How many of them died?"
	choleraVillages = "Which villages were the deaths in?"
	choleraNil      = "Is this a nil report (no case at all)? YES or NO"
	choleraThanks   = "Thank you."
)

func TestCompiledWorkflowsRunInTheSimulator(t *testing.T) {
	t.Parallel()
	tests := map[string][]conversation{
		"testdata/malaria_stock.yaml": {
			{name: "yes then a number", steps: []string{"yes", "12"},
				messages: []string{malariaIntro, malariaAsk, "How many weeks of stock remain?", malariaThank},
				results:  map[string]string{"act_in_stock": "yes (Yes)", "weeks_left": "12 (Has Number)"}, status: sim.StatusCompleted},
			{name: "a retry, French no, a phrase", language: "fra", steps: []string{"maybe", "Non", "it was not delivered"},
				messages: []string{malariaIntro, malariaAsk, malariaRetry, malariaWhy, malariaThank},
				results:  map[string]string{"act_in_stock": "Non (No)", "reason": "not delivered (Not delivered)"}, status: sim.StatusCompleted},
			{name: "no response", steps: []string{"/timeout"},
				messages: []string{malariaIntro, malariaAsk, malariaThank},
				results:  map[string]string{"act_in_stock": timedOut + " (No Response)"}, status: sim.StatusCompleted},
			{name: "retries run out", steps: []string{"x", "x", "x"},
				messages: []string{malariaIntro, malariaAsk, malariaRetry, malariaRetry, malariaThank},
				results:  map[string]string{"act_in_stock": "x (Other)"}, status: sim.StatusCompleted},
			{name: "no then a number choice", steps: []string{"no", "2"},
				messages: []string{malariaIntro, malariaAsk, malariaWhy, malariaThank},
				results:  map[string]string{"act_in_stock": "no (No)", "reason": "2 (Expired)"}, status: sim.StatusCompleted},
			{name: "French words are no answer in English", steps: []string{"maybe", "Non", "it was not delivered"},
				messages: []string{malariaIntro, malariaAsk, malariaRetry, malariaRetry, malariaThank},
				results:  map[string]string{"act_in_stock": "it was not delivered (Other)"}, status: sim.StatusCompleted},
			{name: "ok is no answer, English yes is one in French", language: "fra", steps: []string{"ok", "yes"},
				messages: []string{malariaIntro, malariaAsk, malariaRetry, "How many weeks of stock remain?"},
				results:  map[string]string{"act_in_stock": "yes (Yes)"}, status: sim.StatusWaiting},
		},
		"testdata/clinic_survey.yaml": {
			{name: "open with few staff", steps: []string{"yes", "2", "tomorrow 12-01-2026", "0770123456", "fine"},
				messages: []string{clinicHello, clinicOpen, clinicStaff, clinicSupply, clinicPhone, clinicAny, clinicThanks},
				results: map[string]string{"open_today": "yes (Yes)", "staff_present": "2 (Has Number)", "next_supply": "2026-01-12T09:00:00.000000Z (Has Date)",
					"contact_phone": "+231770123456 (Has Phone)", "comments": "fine (Has Text)"}, status: sim.StatusCompleted},
			{name: "Swahili yes, many staff", language: "swa", steps: []string{"ndiyo", "25", "15-01-2026", "ok"},
				messages: []string{swaHello, swaOpen, swaStaff, "Ugavi ujao ni lini?", swaAny, "Asante."},
				results: map[string]string{"open_today": "ndiyo (Yes)", "staff_present": "25 (Has Number)", "next_supply": "2026-01-15T09:00:00.000000Z (Has Date)",
					"comments": "ok (Has Text)"}, status: sim.StatusCompleted},
			{name: "enough staff skips the supply question", language: "swa", steps: []string{"ndiyo", "10", "ok"},
				messages: []string{swaHello, swaOpen, swaStaff, swaAny, "Asante."},
				results:  map[string]string{"open_today": "ndiyo (Yes)", "staff_present": "10 (Has Number)", "comments": "ok (Has Text)"}, status: sim.StatusCompleted},
			{name: "a flood ends the survey", steps: []string{"no", "2"},
				messages: []string{clinicHello, clinicOpen, clinicWhy, "Stay safe. The district will send help."},
				results:  map[string]string{"open_today": "no (No)", "closed_reason": "2 (Flood)"}, status: sim.StatusCompleted,
				groups: []string{"Closed facilities", "Flooded facilities", "Emergency watch"}},
			{name: "a phrase picks Flood", language: "swa", steps: []string{"hapana", "heavy rain today"},
				messages: []string{swaHello, swaOpen, "Kwa nini imefungwa? 1 Mgomo 2 Mafuriko 3 Nyingine", "Kaeni salama. Wilaya itatuma msaada."},
				results:  map[string]string{"open_today": "hapana (No)", "closed_reason": "heavy rain (Flood)"}, status: sim.StatusCompleted},
			{name: "a strike asks for the supply date", steps: []string{"no", "strike", "20-01-2026", "none"},
				messages: []string{clinicHello, clinicOpen, clinicWhy, clinicSupply, clinicAny, clinicThanks},
				results: map[string]string{"open_today": "no (No)", "closed_reason": "strike (Strike)", "next_supply": "2026-01-20T09:00:00.000000Z (Has Date)",
					"comments": "none (Has Text)"}, status: sim.StatusCompleted},
			{name: "no response gets a follow-up", steps: []string{"/timeout", "x"},
				messages: []string{clinicHello, clinicOpen, "We will call you.", clinicAny, clinicThanks},
				results:  map[string]string{"open_today": timedOut + " (No Response)", "comments": "x (Has Text)"}, status: sim.StatusCompleted},
			{name: "Other after the retry still waits for the reason", steps: []string{"?", "??", "no comment"},
				messages: []string{clinicHello, clinicOpen, "Please reply YES or NO", clinicWhy, clinicAny},
				results:  map[string]string{"open_today": "?? (Other)", "closed_reason": "no comment (Other)"}, status: sim.StatusWaiting},
			{name: "in French", language: "fra", steps: []string{"non", "Inondation"},
				messages: []string{"Bonjour Ann de Redemption, 4 questions du MS.", "Le centre est-il ouvert ? OUI ou NON", "Pourquoi fermé ? 1 Grève 2 Inondation 3 Autre", "Restez prudents. Le district enverra de l'aide."},
				results:  map[string]string{"open_today": "non (No)", "closed_reason": "Inondation (Flood)"}, status: sim.StatusCompleted},
			{name: "Swahili la (also of) is no answer", language: "swa", steps: []string{"la dawa", "ndiyo"},
				messages: []string{swaHello, swaOpen, "Jibu NDIYO au HAPANA", swaStaff},
				results:  map[string]string{"open_today": "ndiyo (Yes)"}, status: sim.StatusWaiting},
			{name: "a negative staff count is no number for the when", steps: []string{"yes", "-5", "fine"},
				messages: []string{clinicHello, clinicOpen, clinicStaff, clinicAny, clinicThanks},
				results:  map[string]string{"open_today": "yes (Yes)", "staff_present": "-5 (Other)", "comments": "fine (Has Text)"}, status: sim.StatusCompleted},
		},
		"testdata/other_choice.yaml": {
			{name: "Other then which, Other (specify) then which", steps: []string{"yes", "3", "stolen", "other", "a neighbour"},
				messages: []string{stockOutAsk, stockOutWhy, "Which other reason?", stockOutSupplier, "Which supplier?", "Thank you."},
				results: map[string]string{"stock_out": "yes (Yes)", "reason": "3 (Other)", "reason_other": "stolen (Has Text)",
					"supplier": "other (Other (specify))", "supplier_other": "a neighbour (Has Text)"}, status: sim.StatusCompleted},
			{name: "no match after the retry is not Other", steps: []string{"yes", "?", "??", "1"},
				messages: []string{stockOutAsk, stockOutWhy, "Please reply 1, 2 or 3", "We could not read your reply. The district will call you.", stockOutSupplier, "Thank you."},
				results:  map[string]string{"stock_out": "yes (Yes)", "reason": "?? (No Match)", "supplier": "1 (District store)"}, status: sim.StatusCompleted},
			{name: "in French", language: "fra", steps: []string{"oui", "Autre", "volé", "autre", "un voisin"},
				messages: []string{"Avez-vous manqué d'ACT ce mois-ci ? OUI ou NON", "Pourquoi ? 1 Non livré 2 Périmé 3 Autre", "Quelle autre raison ?",
					"Qui vous approvisionne ? 1 Dépôt du district 2 ONG 3 Autre (préciser)", "Quel fournisseur ?", "Merci."},
				results: map[string]string{"stock_out": "oui (Yes)", "reason": "Autre (Other)", "reason_other": "volé (Has Text)",
					"supplier": "autre (Other (specify))", "supplier_other": "un voisin (Has Text)"}, status: sim.StatusCompleted},
			{name: "an unknown supplier is asked which too", steps: []string{"no", "the church", "St Joseph mission"},
				messages: []string{stockOutAsk, stockOutSupplier, "Which supplier?", "Thank you."},
				results: map[string]string{"stock_out": "no (No)", "supplier": "the church (Other)",
					"supplier_other": "St Joseph mission (Has Text)"}, status: sim.StatusCompleted},
		},
		"testdata/cholera_count.yaml": {
			{name: "cases and deaths", steps: []string{"5", "2", "Kpelle"},
				messages: []string{choleraCases, choleraDeaths, choleraVillages, choleraThanks},
				results:  map[string]string{"cases": "5 (Has Number)", "deaths": "2 (Has Number)", "villages": "Kpelle (Has Text)"}, status: sim.StatusCompleted},
			{name: "deaths out of range skip the villages", steps: []string{"5", "600"},
				messages: []string{choleraCases, choleraDeaths, choleraThanks},
				results:  map[string]string{"cases": "5 (Has Number)", "deaths": "600 (Other)"}, status: sim.StatusCompleted},
			{name: "zero is a nil report", steps: []string{"0", "yes"},
				messages: []string{choleraCases, choleraNil, choleraThanks},
				results:  map[string]string{"cases": "0 (Has Number)", "nil_report": "yes (Yes)"}, status: sim.StatusCompleted},
			{name: "no response is no number of cases", steps: []string{"/timeout", "no"},
				messages: []string{choleraCases, choleraNil, choleraThanks},
				results:  map[string]string{"cases": timedOut + " (No Response)", "nil_report": "no (No)"}, status: sim.StatusCompleted},
			{name: "out of range cases are no number", steps: []string{"3000"},
				messages: []string{choleraCases, choleraThanks},
				results:  map[string]string{"cases": "3000 (Other)"}, status: sim.StatusCompleted},
		},
	}
	monrovia, err := time.LoadLocation("Africa/Monrovia")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)
	for file, convs := range tests {
		w, err := workflow.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		compiled, err := workflow.Compile(w)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := workflow.WriteExport(&buf, compiled); err != nil {
			t.Fatal(err)
		}
		// Run what RapidPro would import: the JSON, read back.
		export, err := flow.ParseExport(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range convs {
			t.Run(file+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				s, err := sim.New(export,
					sim.WithContact(sim.Contact{Name: "Ann", URN: "tel:+231770000001", Language: c.language,
						Fields: map[string]string{"facility": "Redemption"}}),
					sim.WithClock(func() time.Time { return now }),
					sim.WithEnvironment(sim.Environment{Timezone: monrovia, DateFormat: "DD-MM-YYYY", DefaultCountry: "LR"}))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Start(); err != nil {
					t.Fatal(err)
				}
				for _, step := range c.steps {
					if step == "/timeout" {
						err = s.Timeout()
					} else {
						err = s.Resume(step)
					}
					if err != nil {
						t.Fatalf("step %q: %v", step, err)
					}
				}
				out := s.Outcome()
				var got []string
				for _, m := range out.Messages {
					got = append(got, m.Text)
				}
				if diff := cmp.Diff(c.messages, got); diff != "" {
					t.Errorf("messages (-goflow +sim):\n%s", diff)
				}
				results := map[string]string{}
				for key, r := range out.Results {
					results[key] = r.Value + " (" + r.Category + ")"
				}
				if diff := cmp.Diff(c.results, results); diff != "" {
					t.Errorf("results (-goflow +sim):\n%s", diff)
				}
				if c.groups != nil {
					var groups []string
					for _, g := range out.Contact.Groups {
						groups = append(groups, g.Name)
						if g.UUID != workflow.GroupUUID(g.Name) {
							t.Errorf("group %q has UUID %s, want %s", g.Name, g.UUID, workflow.GroupUUID(g.Name))
						}
					}
					if diff := cmp.Diff(c.groups, groups); diff != "" {
						t.Errorf("contact groups (-want +sim):\n%s", diff)
					}
				}
				if out.Status != c.status {
					t.Errorf("status %s, want %s (failure: %s)", out.Status, c.status, strings.TrimSpace(out.Failure))
				}
			})
		}
	}
}
