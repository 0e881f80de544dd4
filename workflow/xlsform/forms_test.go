package xlsform

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// form is an XLSForm workbook written for the tests, sheet by sheet, each
// sheet's header first. testdata/NAME.xlsx holds each, written with
// excelize by TestTestdataWorkbooks -update.
type form struct {
	name                      string
	survey, choices, settings [][]string
	extraSheets               map[string][][]string
}

// xlsx writes f as an .xlsx workbook.
func (f form) xlsx() ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheets := []struct {
		name string
		rows [][]string
	}{{"survey", f.survey}, {"choices", f.choices}, {"settings", f.settings}}
	for name, rows := range f.extraSheets {
		sheets = append(sheets, struct {
			name string
			rows [][]string
		}{name, rows})
	}
	first := true
	for _, s := range sheets {
		if s.rows == nil {
			continue
		}
		if first {
			if err := x.SetSheetName("Sheet1", s.name); err != nil {
				return nil, err
			}
			first = false
		} else if _, err := x.NewSheet(s.name); err != nil {
			return nil, err
		}
		for i, r := range s.rows {
			cells := make([]any, len(r))
			for j, v := range r {
				cells[j] = v
			}
			cell, err := excelize.CoordinatesToCellName(1, i+1)
			if err != nil {
				return nil, err
			}
			if err := x.SetSheetRow(s.name, cell, &cells); err != nil {
				return nil, fmt.Errorf("%s row %d: %w", s.name, i+1, err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var yesNoList = [][]string{
	{"yn", "yes", "Yes"},
	{"yn", "no", "No"},
}

func choices(lists ...[][]string) [][]string {
	out := [][]string{{"list_name", "name", "label"}}
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// testForms are the ten workbooks of testdata: what Data Managers and M&E
// officers send, and one full of mistakes.
var testForms = []form{
	{
		name: "stock_check",
		survey: [][]string{
			{"type", "name", "label", "hint", "relevant", "constraint", "constraint_message", "required"},
			{"start", "start"},
			{"note", "intro", "Hello, the Ministry of Health needs 1 minute of your time."},
			{"select_one yn", "act_in_stock", "Do you have ACTs in stock?", "", "", "", "Please reply YES or NO", "yes"},
			{"integer", "weeks_left", "How many weeks of ACT stock remain?", "Count full weeks only", "${act_in_stock} = 'yes'", ". >= 0 and . <= 52", "Reply with a number from 0 to 52", "yes"},
			{"select_one stockout_reason", "reason", "Why are you out of stock?", "", "${act_in_stock} = 'no'", "", "", "yes"},
			{"text", "reason_other", "Which other reason?", "", "selected(${reason}, 'other')"},
			{"integer", "rdt_kits", "How many RDT kits do you have?", "", "", ". >= 0", "Reply with a number"},
			{"note", "thanks", "Thank you. The district pharmacist will follow up."},
			{"end", "end"},
		},
		choices: choices(yesNoList, [][]string{
			{"stockout_reason", "not_delivered", "Not delivered"},
			{"stockout_reason", "expired", "Expired"},
			{"stockout_reason", "stolen", "Stolen or lost"},
			{"stockout_reason", "other", "Other (specify)"},
		}),
		settings: [][]string{{"form_title", "form_id", "version"}, {"Malaria stock check", "malaria_stock_check", "2026031001"}},
	},
	{
		name: "case_count",
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint", "constraint_message"},
			{"note", "hello", "Weekly disease report. Reply with digits only."},
			{"integer", "malaria_cases", "Malaria: confirmed cases this week?", "", ". >= 0 and . <= 2000", "Reply with digits from 0 to 2000"},
			{"integer", "cholera_cases", "Cholera: suspected cases this week?", "", ". >= 0", "Reply with digits"},
			{"integer", "cholera_deaths", "How many of them died?", "${cholera_cases} > 0", ". >= 0", "Reply with digits"},
			{"select_one yn", "samples_sent", "Were stool samples sent to the lab?", "${cholera_cases} > 0"},
			{"integer", "measles_cases", "Measles: suspected cases this week?", "", ". >= 0", "Reply with digits"},
			{"select_one yn", "nil_report", "Is this a nil report (no case at all)?", "${malaria_cases} = 0 and ${cholera_cases} = 0 and ${measles_cases} = 0"},
			{"note", "done", "Thank you. Your report was received."},
		},
		choices:  choices(yesNoList),
		settings: [][]string{{"form_title", "form_id"}, {"IDSR weekly case count", "idsr_weekly_count"}},
	},
	{
		name: "census",
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint", "constraint_message"},
			{"select_one cadre", "cadre", "What is your cadre?"},
			{"begin group", "clinical", "Clinical staff", "${cadre} = 'nurse' or ${cadre} = 'midwife' or ${cadre} = 'clinical_officer'"},
			{"integer", "years_service", "How many years have you worked as a health worker?", "", ". >= 0 and . <= 50", "Reply with a number of years"},
			{"select_one yn", "licensed", "Is your professional license current?"},
			{"date", "license_expiry", "When does your license expire? (DD-MM-YYYY)", "${licensed} = 'yes'"},
			{"end group"},
			{"begin group", "chw", "", "${cadre} = 'chw'"},
			{"integer", "households", "How many households do you serve?", "", ". >= 1 and . < 1000", "Reply with a number from 1 to 999"},
			{"select_one yn", "stipend", "Do you receive a stipend?"},
			{"end group"},
			{"select_one yn", "full_time", "Do you work full time?", "not(${cadre} = 'chw')"},
			{"text", "other_job", "What other work do you do?", "${full_time} = 'no' and ${cadre} != 'chw'"},
			{"integer", "age", "How old are you?", "", ". >= 18 and . <= 75", "Reply with your age in years"},
			{"select_one yn", "retire_soon", "Do you plan to retire in the next 2 years?", "${age} >= 55"},
			{"text", "phone_alt", "Another number where the MOH can reach you? Reply NO if none"},
		},
		choices: choices(yesNoList, [][]string{
			{"cadre", "nurse", "Nurse"},
			{"cadre", "midwife", "Midwife"},
			{"cadre", "clinical_officer", "Clinical officer"},
			{"cadre", "chw", "Community health worker"},
			{"cadre", "other", "Other"},
		}),
		settings: [][]string{{"form_title", "form_id"}, {"Health worker census", "hw_census"}},
	},
	{
		name: "two_languages",
		survey: [][]string{
			{"type", "name", "label::English (en)", "label::French (fr)", "hint::English (en)", "hint::French (fr)", "relevant", "constraint", "constraint_message::English (en)", "constraint_message::French (fr)"},
			{"note", "hello", "Hello, this is the weekly vaccine stock check.", "Bonjour, voici le suivi hebdomadaire des vaccins."},
			{"select_one yesno", "fridge_ok", "Is the vaccine fridge working?", "Le réfrigérateur à vaccins fonctionne-t-il ?"},
			{"select_one vaccine", "short_vaccine", "Which vaccine is lowest?", "Quel vaccin est le plus bas ?"},
			{"integer", "doses_left", "How many doses of it are left?", "Combien de doses en reste-t-il ?", "Count vials times doses per vial", "Comptez flacons fois doses par flacon", "", ". >= 0 and . <= 10000", "Reply with a number", "Répondez par un nombre"},
			{"select_one yesno", "temp_alarm", "Did the temperature alarm ring this week?", "L'alarme de température a-t-elle sonné cette semaine ?", "", "", "${fridge_ok} = 'yes'"},
			{"note", "bye", "Thank you.", "Merci."},
		},
		choices: [][]string{
			{"list_name", "name", "label::English (en)", "label::French (fr)"},
			{"yesno", "yes", "Yes", "Oui"},
			{"yesno", "no", "No", "Non"},
			{"vaccine", "bcg", "BCG", "BCG"},
			{"vaccine", "penta", "Pentavalent", "Pentavalent"},
			{"vaccine", "measles", "Measles", "Rougeole"},
			{"vaccine", "polio", "Polio", "Polio"},
			{"vaccine", "other", "Other", "Autre"},
		},
		settings: [][]string{{"form_title", "form_id", "default_language"}, {"Vaccine stock (EN/FR)", "vaccine_stock_bilingual", "English (en)"}},
	},
	{
		// One mistake per row (or header), each to be reported once, at
		// its cell: testdata/mistakes.golden.
		name: "mistakes",
		survey: [][]string{
			{"type", "name", "label", "label::Klingon", "relevant", "constraint", "calculation", "default"},
			{"select_one cadre", "cadre", "What is your cadre?", "nuqneH"},
			{"integr", "patients", "How many patients today?"},
			{"select_one reasonz", "reason", "Why?"},
			{"select_multiple symptoms", "symptoms", "Which symptoms?"},
			{"calculate", "total", "", "", "", "", "${patients} * 2"},
			{"text", "comment", "Any comment?", "", "", "", "", "none"},
			{"text", "early", "Before the rest?", "", "${late} = 'yes'"},
			{"select_one yn", "late", "Asked later?"},
			{"text", "count", "How many symptoms?", "", "count-selected(${symptoms}) > 1"},
			{"decimal", "temperature", "Temperature?", "", "", ". > 35"},
			{"text", "code", "Facility code?", "", "", "string-length(.) = 5"},
			{"text", "comment", "Another comment?"},
			{"begin repeat", "children", "Children"},
			{"text", "child_name", "Child's name?"},
			{"end repeat"},
			{"text", "doctor_note", "Note for the doctor?", "", "${cadre} = 'docter'"},
			{"end group"},
			{"select_one sites", "site", "Where?"},
		},
		choices: choices(yesNoList, [][]string{
			{"cadre", "nurse", "Nurse"},
			{"cadre", "doctor", "Doctor"},
			{"reasons", "late", "Late"},
			{"sites", "", "Clinic"},
			{"sites", "home", ""},
			{"sites", "school", "School"},
		}),
		settings: [][]string{{"form_title", "form_id", "default_language"}, {"Form with mistakes", "mistakes", "Englsh"}},
	},
	{
		name: "immunization_session",
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint", "constraint_message", "parameters"},
			{"select_one yn", "session_held", "Was the outreach session held today?"},
			{"select_one no_session_reason or_other", "no_session_reason", "Why not?", "${session_held} = 'no'"},
			{"range", "children_vaccinated", "How many children were vaccinated?", "${session_held} = 'yes'", "", "Reply with a number from 0 to 500", "start=0 end=500 step=1"},
			{"integer", "penta3", "How many of them received Penta 3?", "${session_held} = 'yes'", ". >= 0 and . <= 500", "Reply with a number from 0 to 500"},
			{"select_one yn", "aefi", "Any adverse event after immunization?", "${session_held} = 'yes'"},
			{"text", "aefi_details", "Describe the adverse event briefly", "${aefi} = 'yes'"},
			{"date", "next_session", "Date of the next session? (DD-MM-YYYY)"},
		},
		choices: choices(yesNoList, [][]string{
			{"no_session_reason", "no_vaccines", "No vaccines"},
			{"no_session_reason", "no_transport", "No transport"},
			{"no_session_reason", "weather", "Bad weather"},
		}),
		settings: [][]string{{"form_title", "form_id"}, {"Outreach immunization session", "epi_outreach"}},
	},
	{
		name: "maternal_death_alert",
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint", "constraint_message"},
			{"note", "intro", "Maternal death notification. Please reply to each question."},
			{"select_one yn", "death_occurred", "Did a maternal death occur in your area in the last 7 days?"},
			{"integer", "deaths", "How many?", "${death_occurred} = 'yes'", ". >= 1 and . <= 20", "Reply with a number from 1 to 20"},
			{"select_one place", "place", "Where did the most recent one happen?", "${death_occurred} = 'yes'"},
			{"date", "date_of_death", "On what date? (DD-MM-YYYY)", "${death_occurred} = 'yes'"},
			{"text", "facility_name", "Name of the facility?", "${place} = 'facility'"},
			{"select_one yn", "referred", "Was she referred from another facility?", "${place} = 'facility'"},
			{"text", "place_other", "Where was it?", "${place} = 'other'"},
			{"note", "thanks", "Thank you. The district MPDSR committee will contact you within 24 hours."},
		},
		choices: choices(yesNoList, [][]string{
			{"place", "home", "Home"},
			{"place", "facility", "Health facility"},
			{"place", "transit", "On the way to a facility"},
			{"place", "other", "Other"},
		}),
		settings: [][]string{{"form_title", "form_id"}, {"Maternal death notification", "mpdsr_notification"}},
	},
	{
		name: "chw_supervision",
		survey: [][]string{
			{"type", "name", "label", "relevant", "constraint", "constraint_message", "appearance"},
			{"begin group", "visit", "Supervision visit", "", "", "", "field-list"},
			{"note", "s1", "Section 1: the supervision visit."},
			{"select_one yn", "visited", "Did your supervisor visit you this month?"},
			{"integer", "visit_minutes", "How long did the visit last, in minutes?", "${visited} = 'yes'", ". >= 5 and . <= 480", "Reply with minutes, from 5 to 480"},
			{"end group"},
			{"begin group", "supplies", "Supplies", "${visited} = 'yes'", "", "", "field-list"},
			{"note", "s2", "Section 2: your supplies."},
			{"select_one yn", "has_rdts", "Do you have malaria RDTs?"},
			{"select_one yn", "has_acts", "Do you have ACTs?"},
			{"select_one yn", "has_ors", "Do you have ORS and zinc?"},
			{"end group"},
			{"integer", "households_visited", "How many households did you visit this month?", "", ". >= 0 and . <= 300", "Reply with a number from 0 to 300"},
			{"select_one feedback", "feedback", "How useful was the supervision?", "${visited} = 'yes'"},
			{"text", "needs", "What support do you need most?"},
		},
		choices: choices(yesNoList, [][]string{
			{"feedback", "1", "Very useful"},
			{"feedback", "2", "Somewhat useful"},
			{"feedback", "3", "Not useful"},
		}),
		settings: [][]string{{"form_title", "form_id"}, {"CHW supervision checklist", "chw_supervision"}},
	},
	{
		name: "hiv_test_stock",
		survey: [][]string{
			{"type", "name", "label::Português (pt)", "label::English (en)", "relevant", "constraint", "constraint_message::Português (pt)", "constraint_message::English (en)"},
			{"select_one simnao", "tem_testes", "Tem testes rápidos de HIV em stock?", "Do you have HIV rapid tests in stock?"},
			{"integer", "semanas", "Para quantas semanas?", "For how many weeks?", "${tem_testes} = 'sim'", ". >= 0 and . <= 26", "Responda com um número de 0 a 26", "Reply with a number from 0 to 26"},
			{"select_one motivo", "motivo", "Porquê?", "Why?", "${tem_testes} = 'nao'"},
			{"note", "obrigado", "Obrigado.", "Thank you."},
		},
		choices: [][]string{
			{"list_name", "name", "label::Português (pt)", "label::English (en)"},
			{"simnao", "sim", "Sim", "Yes"},
			{"simnao", "nao", "Não", "No"},
			{"motivo", "nao_entregue", "Não entregue", "Not delivered"},
			{"motivo", "expirado", "Expirado", "Expired"},
			{"motivo", "outro", "Outro", "Other"},
		},
		settings: [][]string{{"form_title", "form_id", "default_language"}, {"Stock de testes de HIV", "hiv_test_stock", "Português (pt)"}},
	},
	{
		name: "cholera_readiness",
		survey: [][]string{
			{"type", "name", "label", "hint", "required", "appearance", "relevant", "constraint", "constraint_message"},
			{"start", "start"},
			{"end", "end"},
			{"today", "today"},
			{"deviceid", "deviceid"},
			{"select_one yn", "ctc_ready", "Is a cholera treatment corner set up?", "", "yes", "minimal"},
			{"integer", "ors_packets", "How many ORS packets are in stock?", "Count sachets, not boxes", "yes", "", "", ". >= 0", "Reply with digits"},
			{"integer", "iv_bags", "How many bags of Ringer's lactate?", "", "yes", "", "", ". >= 0", "Reply with digits"},
			{"text", "gaps", "What is missing most?", "e.g. chlorine, buckets, staff"},
			{"select_one yn", "trained", "Has staff been trained on cholera case management?"},
			{"text", "trained_who", "Who was trained?", "", "", "", "${trained} = 'yes' and ${gaps} != ''"},
			{"note", "thanks", "Thank you. The county health team will review your answers."},
		},
		choices:  choices(yesNoList),
		settings: [][]string{{"form_title", "form_id"}, {"Cholera preparedness", "cholera_readiness"}},
	},
}
