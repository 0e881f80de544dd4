package xlsform

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// conversation is a health worker answering a compiled workbook by SMS.
type conversation struct {
	name     string
	language string
	replies  []string
	results  map[string]string // result key → "value (category)"
	// messages, when set, are every message sent; otherwise only their
	// number is checked.
	messages []string
	sent     int
}

var (
	simNow  = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)
	simDate = func(d string) string { return d + "T09:00:00.000000Z" }
)

// workbookConversations play every valid test workbook through the
// simulator (internal/goflowcheck plays them through goflow too).
var workbookConversations = map[string][]conversation{
	"stock_check": {
		{name: "in stock", replies: []string{"yes", "6", "40"}, sent: 5,
			results: map[string]string{"act_in_stock": "yes (Yes)", "weeks_left": "6 (Has Number)", "rdt_kits": "40 (Has Number)"}},
		{name: "other reason, then which", replies: []string{"no", "4", "thieves took them", "0"},
			results: map[string]string{"act_in_stock": "no (No)", "reason": "4 (Other (specify))", "reason_other": "thieves took them (Has Text)", "rdt_kits": "0 (Has Number)"},
			messages: []string{"Hello, the Ministry of Health needs 1 minute of your time.", "Do you have ACTs in stock? (YES/NO)",
				"Why are you out of stock?\n1 Not delivered\n2 Expired\n3 Stolen or lost\n4 Other (specify)", "Which other reason?",
				"How many RDT kits do you have?", "Thank you. The district pharmacist will follow up."}},
		{name: "a retry, then expired", replies: []string{"maybe", "n", "they expired", "5"}, sent: 6,
			results: map[string]string{"act_in_stock": "n (No)", "reason": "expired (Expired)", "rdt_kits": "5 (Has Number)"}},
		{name: "out of range twice", replies: []string{"yes", "60", "lots", "3"}, sent: 6,
			results: map[string]string{"act_in_stock": "yes (Yes)", "weeks_left": "lots (Other)", "rdt_kits": "3 (Has Number)"}},
	},
	"case_count": {
		{name: "malaria only", replies: []string{"12", "0", "0"}, sent: 5,
			results: map[string]string{"malaria_cases": "12 (Has Number)", "cholera_cases": "0 (Has Number)", "measles_cases": "0 (Has Number)"}},
		{name: "cholera with deaths", replies: []string{"0", "3", "1", "yes", "0"}, sent: 7,
			results: map[string]string{"malaria_cases": "0 (Has Number)", "cholera_cases": "3 (Has Number)", "cholera_deaths": "1 (Has Number)",
				"samples_sent": "yes (Yes)", "measles_cases": "0 (Has Number)"}},
		{name: "nil report", replies: []string{"0", "0", "0", "yes"}, sent: 6,
			results: map[string]string{"malaria_cases": "0 (Has Number)", "cholera_cases": "0 (Has Number)", "measles_cases": "0 (Has Number)", "nil_report": "yes (Yes)"}},
	},
	"census": {
		{name: "nurse", replies: []string{"1", "12", "yes", "31-12-2027", "yes", "45", "none"}, sent: 7,
			results: map[string]string{"cadre": "1 (Nurse)", "years_service": "12 (Has Number)", "licensed": "yes (Yes)", "license_expiry": simDate("2027-12-31") + " (Has Date)",
				"full_time": "yes (Yes)", "age": "45 (Has Number)", "phone_alt": "none (Has Text)"}},
		{name: "community health worker near retirement", replies: []string{"chw", "150", "no", "58", "yes", "0770123456"}, sent: 6,
			results: map[string]string{"cadre": "chw (Community health worker)", "households": "150 (Has Number)", "stipend": "no (No)", "age": "58 (Has Number)",
				"retire_soon": "yes (Yes)", "phone_alt": "0770123456 (Has Text)"}},
		{name: "other cadre, part time", replies: []string{"5", "no", "farming", "30", "no"}, sent: 5,
			results: map[string]string{"cadre": "5 (Other)", "full_time": "no (No)", "other_job": "farming (Has Text)", "age": "30 (Has Number)", "phone_alt": "no (Has Text)"}},
		{name: "a cadre not listed is no match", replies: []string{"surgeon", "yes", "40", "NO"}, sent: 4,
			results: map[string]string{"cadre": "surgeon (No Match)", "full_time": "yes (Yes)", "age": "40 (Has Number)", "phone_alt": "NO (Has Text)"}},
	},
	"two_languages": {
		{name: "in French", language: "fra", replies: []string{"oui", "3", "250", "non"},
			results: map[string]string{"fridge_ok": "oui (Yes)", "short_vaccine": "3 (Measles)", "doses_left": "250 (Has Number)", "temp_alarm": "non (No)"},
			messages: []string{"Bonjour, voici le suivi hebdomadaire des vaccins.", "Le réfrigérateur à vaccins fonctionne-t-il ? (OUI/NON)",
				"Quel vaccin est le plus bas ?\n1 BCG\n2 Pentavalent\n3 Rougeole\n4 Polio\n5 Autre", "Combien de doses en reste-t-il ?\nComptez flacons fois doses par flacon",
				"L'alarme de température a-t-elle sonné cette semaine ? (OUI/NON)", "Merci."}},
		{name: "in English, a French word", replies: []string{"no", "rougeole", "12"}, sent: 5,
			results: map[string]string{"fridge_ok": "no (No)", "short_vaccine": "rougeole (Measles)", "doses_left": "12 (Has Number)"}},
	},
	"immunization_session": {
		{name: "not held, another reason", replies: []string{"no", "4", "road flooded", "15-01-2026"}, sent: 4,
			results: map[string]string{"session_held": "no (No)", "no_session_reason": "4 (Other)", "no_session_reason_other": "road flooded (Has Text)",
				"next_session": simDate("2026-01-15") + " (Has Date)"}},
		{name: "held", replies: []string{"yes", "120", "118", "no", "20-01-2026"}, sent: 5,
			results: map[string]string{"session_held": "yes (Yes)", "children_vaccinated": "120 (Has Number)", "penta3": "118 (Has Number)", "aefi": "no (No)",
				"next_session": simDate("2026-01-20") + " (Has Date)"}},
		{name: "out of the range, an adverse event", replies: []string{"yes", "600", "55", "50", "yes", "fever in two children", "22-01-2026"}, sent: 7,
			results: map[string]string{"session_held": "yes (Yes)", "children_vaccinated": "55 (Has Number)", "penta3": "50 (Has Number)", "aefi": "yes (Yes)",
				"aefi_details": "fever in two children (Has Text)", "next_session": simDate("2026-01-22") + " (Has Date)"}},
	},
	"maternal_death_alert": {
		{name: "a death in a facility", replies: []string{"yes", "1", "2", "03-01-2026", "Redemption Hospital", "no"}, sent: 8,
			results: map[string]string{"death_occurred": "yes (Yes)", "deaths": "1 (Has Number)", "place": "2 (Health facility)", "date_of_death": simDate("2026-01-03") + " (Has Date)",
				"facility_name": "Redemption Hospital (Has Text)", "referred": "no (No)"}},
		{name: "none", replies: []string{"no"}, sent: 3, results: map[string]string{"death_occurred": "no (No)"}},
		{name: "somewhere else", replies: []string{"yes", "2", "4", "01-01-2026", "in the market"}, sent: 7,
			results: map[string]string{"death_occurred": "yes (Yes)", "deaths": "2 (Has Number)", "place": "4 (Other)", "date_of_death": simDate("2026-01-01") + " (Has Date)",
				"place_other": "in the market (Has Text)"}},
	},
	"chw_supervision": {
		{name: "visited", replies: []string{"yes", "90", "yes", "no", "yes", "45", "1", "more RDTs"},
			results: map[string]string{"visited": "yes (Yes)", "visit_minutes": "90 (Has Number)", "has_rdts": "yes (Yes)", "has_acts": "no (No)", "has_ors": "yes (Yes)",
				"households_visited": "45 (Has Number)", "feedback": "1 (Very useful)", "needs": "more RDTs (Has Text)"},
			messages: []string{"Section 1: the supervision visit.", "Did your supervisor visit you this month? (YES/NO)", "How long did the visit last, in minutes?",
				"Section 2: your supplies.\nDo you have malaria RDTs? (YES/NO)", "Do you have ACTs? (YES/NO)", "Do you have ORS and zinc? (YES/NO)",
				"How many households did you visit this month?", "How useful was the supervision?\n1 Very useful\n2 Somewhat useful\n3 Not useful", "What support do you need most?"}},
		{name: "no visit", replies: []string{"no", "30", "drugs"}, sent: 4,
			results: map[string]string{"visited": "no (No)", "households_visited": "30 (Has Number)", "needs": "drugs (Has Text)"}},
	},
	"hiv_test_stock": {
		{name: "em stock", language: "por", replies: []string{"sim", "8"},
			results:  map[string]string{"tem_testes": "sim (Yes)", "semanas": "8 (Has Number)"},
			messages: []string{"Tem testes rápidos de HIV em stock? (SIM/NÃO)", "Para quantas semanas?", "Obrigado."}},
		{name: "não entregue", language: "por", replies: []string{"não", "1"}, sent: 3,
			results: map[string]string{"tem_testes": "não (No)", "motivo": "1 (Não entregue)"}},
		{name: "in English", language: "eng", replies: []string{"no", "expired"},
			results:  map[string]string{"tem_testes": "no (No)", "motivo": "expired (Expirado)"},
			messages: []string{"Do you have HIV rapid tests in stock? (YES/NO)", "Why?\n1 Not delivered\n2 Expired\n3 Other", "Thank you."}},
	},
	"cholera_readiness": {
		{name: "ready, trained", replies: []string{"yes", "200", "15", "chlorine", "yes", "two nurses"}, sent: 7,
			results: map[string]string{"ctc_ready": "yes (Yes)", "ors_packets": "200 (Has Number)", "iv_bags": "15 (Has Number)", "gaps": "chlorine (Has Text)",
				"trained": "yes (Yes)", "trained_who": "two nurses (Has Text)"}},
		{name: "not ready", replies: []string{"no", "0", "0", "everything", "no"}, sent: 6,
			results: map[string]string{"ctc_ready": "no (No)", "ors_packets": "0 (Has Number)", "iv_bags": "0 (Has Number)", "gaps": "everything (Has Text)", "trained": "no (No)"}},
	},
}

func TestWorkbooksSimulate(t *testing.T) {
	t.Parallel()
	monrovia, err := time.LoadLocation("Africa/Monrovia")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range validForms() {
		convs := workbookConversations[name]
		if len(convs) == 0 {
			t.Errorf("%s: no conversation", name)
			continue
		}
		export, err := flow.ParseExport(compile(t, parseTestdata(t, name)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range convs {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				s, err := sim.New(export,
					sim.WithContact(sim.Contact{Name: "Ann", URN: "tel:+231770000001", Language: c.language}),
					sim.WithClock(func() time.Time { return simNow }),
					sim.WithEnvironment(sim.Environment{Timezone: monrovia, DateFormat: "DD-MM-YYYY", DefaultCountry: "LR"}))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Start(); err != nil {
					t.Fatal(err)
				}
				for _, r := range c.replies {
					if err := s.Resume(r); err != nil {
						t.Fatalf("reply %q: %v", r, err)
					}
				}
				out := s.Outcome()
				if out.Status != sim.StatusCompleted {
					t.Errorf("status %s, want completed", out.Status)
				}
				results := map[string]string{}
				for key, r := range out.Results {
					results[key] = r.Value + " (" + r.Category + ")"
				}
				if d := cmp.Diff(c.results, results); d != "" {
					t.Errorf("results (-want +got):\n%s", d)
				}
				var msgs []string
				for _, m := range out.Messages {
					msgs = append(msgs, m.Text)
				}
				if c.messages != nil {
					if d := cmp.Diff(c.messages, msgs); d != "" {
						t.Errorf("messages (-want +got):\n%s", d)
					}
				} else if len(msgs) != c.sent {
					t.Errorf("%d messages sent, want %d:\n%s", len(msgs), c.sent, strings.Join(msgs, "\n---\n"))
				}
			})
		}
	}
}
