package goflowcheck_test

import "github.com/mhero-go/mhero/internal/goflowcheck"

var (
	kofi  = goflowcheck.Contact{Name: "Kofi Mensah", Language: "por"}
	neema = goflowcheck.Contact{Name: "Neema Mwangi", Language: "swa"}
)

// workflowConversations are scripted conversations with the example
// workflows (examples/workflows/*.yaml, by file name), compiled by
// workflow.Compile.
var workflowConversations = []conversation{
	{"malaria-stock/in-stock", "malaria-stock.yaml", "", fatu, steps(reply("yes"), reply("6"), reply("Yes"), reply("120"))},
	{"malaria-stock/not-delivered", "malaria-stock.yaml", "", fatu, steps(reply("no"), reply("1"), reply("y"), reply("40 kits"))},
	{"malaria-stock/expired-no-rdt", "malaria-stock.yaml", "", fatu, steps(reply("No."), reply("they EXPIRED last month"), reply("no"))},
	{"malaria-stock/act-timeout", "malaria-stock.yaml", "", fatu, steps(timeout(), reply("yes"), reply("300"))},
	{"malaria-stock/retries-then-other", "malaria-stock.yaml", "", fatu, steps(reply("maybe"), reply("not sure"), reply("?"), reply("no"))},
	{"malaria-stock/french", "malaria-stock.yaml", "", aminata, steps(reply("oui"), reply("4"), reply("non"))},
	{"malaria-stock/french-reason", "malaria-stock.yaml", "", aminata, steps(reply("Non"), reply("livraison"), reply("oui"), reply("15"))},
	{"malaria-stock/portuguese", "malaria-stock.yaml", "", kofi, steps(reply("sim"), reply("60"), reply("8"), reply("nao"))},
	{"malaria-stock/number-retry-other", "malaria-stock.yaml", "", fatu, steps(reply("yes"), reply("many"), reply("lots"), reply("no"))},
	{"malaria-stock/waiting", "malaria-stock.yaml", "", fatu, steps(reply("yes"))},
	{"malaria-stock/reason-retry-rdt-timeout", "malaria-stock.yaml", "", fatu, steps(reply("no"), reply("stolen"), reply("3"), timeout())},

	{"idsr/all-quiet", "idsr-weekly.yaml", "", fatu, steps(reply("12"), reply("0"), reply("0"), reply("0"))},
	{"idsr/cholera-samples", "idsr-weekly.yaml", "", fatu, steps(reply("30"), reply("2"), reply("1"), reply("0"), reply("0"), reply("yes"))},
	{"idsr/afp-no-samples", "idsr-weekly.yaml", "", fatu, steps(reply("5"), reply("1"), reply("0"), reply("3"), reply("1"), reply("NO"))},
	{"idsr/french", "idsr-weekly.yaml", "", aminata, steps(reply("10"), reply("0"), reply("2"), reply("0"), reply("oui"))},
	{"idsr/retries", "idsr-weekly.yaml", "", fatu, steps(reply("ten"), reply("10"), reply("600"), reply("2"), reply("-1"), reply("0"), reply("0"), reply("0"), reply("yes"))},
	{"idsr/timeouts", "idsr-weekly.yaml", "", fatu, steps(timeout(), timeout(), timeout(), timeout())},
	{"idsr/out-of-range-other", "idsr-weekly.yaml", "", fatu, steps(reply("2001"), reply("2500"), reply("3000"), reply("1"), reply("0"), reply("0"))},
	{"idsr/decimal", "idsr-weekly.yaml", "", fatu, steps(reply("3.5"), reply("0"), reply("0"), reply("0"))},

	{"training/nurse", "training-needs.yaml", "", fatu, steps(reply("1"), reply("yes"), reply("2"), reply("1"))},
	{"training/lab", "training-needs.yaml", "", fatu, steps(reply("Lab"), reply("no"), reply("GeneXpert"), reply("3"), reply("Refresher on slide reading"))},
	{"training/chw", "training-needs.yaml", "", fatu, steps(reply("5"), reply("no"), reply("mentorship please"), reply("no"))},
	{"training/swahili", "training-needs.yaml", "", neema, steps(reply("muuguzi"), reply("ndiyo"), reply("4"), reply("2"))},
	{"training/unknown-cadre", "training-needs.yaml", "", fatu, steps(reply("doctor"), reply("doctor"), reply("doctor"), reply("yes"), reply("online"))},
	{"training/format-timeout", "training-needs.yaml", "", fatu, steps(reply("clinical officer"), reply("yes"), reply("ipc"), timeout())},
	{"training/midwife-phrase", "training-needs.yaml", "", fatu, steps(reply("I am a midwife"), reply("n"), reply("emergency obstetric care"), reply("class"), reply("classroom"), reply("More mentors"))},

	{"outbreak/available", "outbreak-staff.yaml", "", fatu, steps(reply("yes"), reply("15-03-2026"), reply("14"), reply("yes"), reply("0886123456"))},
	{"outbreak/family", "outbreak-staff.yaml", "", fatu, steps(reply("no"), reply("2"))},
	{"outbreak/french-short", "outbreak-staff.yaml", "", aminata, steps(reply("oui"), reply("20/03/2026"), reply("5"), reply("non"))},
	{"outbreak/no-response", "outbreak-staff.yaml", "", fatu, steps(timeout())},
	{"outbreak/retries", "outbreak-staff.yaml", "", fatu, steps(reply("YES!"), reply("tomorrow"), reply("next week"), reply("42"), reply("Yes"), reply("NO"))},
	{"outbreak/international-phone", "outbreak-staff.yaml", "", fatu, steps(reply("y"), reply("1-4-2026"), reply("50"), reply("30"), reply("no"), reply("+231 77 123 4567"))},
	{"outbreak/french-reason", "outbreak-staff.yaml", "", aminata, steps(reply("NON"), reply("je suis malade"))},
}
