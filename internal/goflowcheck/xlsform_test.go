package goflowcheck_test

import (
	"path/filepath"

	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// xlsformTestdata holds the XLSForm reader's test workbooks.
const xlsformTestdata = "../../workflow/xlsform/testdata"

func workbook(name string) string { return filepath.Join(xlsformTestdata, name+".xlsx") }

// grace reads English, which the Portuguese workbook is translated to.
var grace = goflowcheck.Contact{Name: "Grace Banda", Language: "eng"}

// xlsformConversations play workflows read from XLSForm workbooks: skip
// logic translated from relevant, notes sent with questions, choices
// listed in the ask, choices named Other, yes/no lists in two languages.
var xlsformConversations = []conversation{
	{"xlsform/stock-in-stock", workbook("stock_check"), "", fatu, steps(reply("yes"), reply("6"), reply("40"))},
	{"xlsform/stock-other-reason", workbook("stock_check"), "", fatu, steps(reply("no"), reply("4"), reply("thieves took them"), reply("0"))},
	{"xlsform/stock-retries", workbook("stock_check"), "", fatu, steps(reply("maybe"), reply("n"), reply("they expired"), reply("5"))},
	{"xlsform/stock-out-of-range", workbook("stock_check"), "", fatu, steps(reply("yes"), reply("60"), reply("lots"), reply("3"))},
	{"xlsform/cases-cholera", workbook("case_count"), "", fatu, steps(reply("0"), reply("3"), reply("1"), reply("yes"), reply("0"))},
	{"xlsform/cases-nil-report", workbook("case_count"), "", fatu, steps(reply("0"), reply("0"), reply("0"), reply("yes"))},
	{"xlsform/census-nurse", workbook("census"), "", fatu, steps(reply("1"), reply("12"), reply("yes"), reply("31-12-2027"), reply("yes"), reply("45"), reply("none"))},
	{"xlsform/census-chw", workbook("census"), "", fatu, steps(reply("chw"), reply("150"), reply("no"), reply("58"), reply("yes"), reply("0770123456"))},
	{"xlsform/census-other-cadre", workbook("census"), "", fatu, steps(reply("5"), reply("no"), reply("farming"), reply("30"), reply("no"))},
	{"xlsform/census-no-match", workbook("census"), "", fatu, steps(reply("surgeon"), reply("yes"), reply("40"), reply("NO"))},
	{"xlsform/vaccines-french", workbook("two_languages"), "", aminata, steps(reply("oui"), reply("3"), reply("250"), reply("non"))},
	{"xlsform/vaccines-english", workbook("two_languages"), "", fatu, steps(reply("no"), reply("rougeole"), reply("12"))},
	{"xlsform/epi-other-reason", workbook("immunization_session"), "", fatu, steps(reply("no"), reply("4"), reply("road flooded"), reply("15-01-2026"))},
	{"xlsform/epi-range-retry", workbook("immunization_session"), "", fatu, steps(reply("yes"), reply("600"), reply("55"), reply("50"), reply("yes"), reply("fever"), reply("22-01-2026"))},
	{"xlsform/mpdsr-facility", workbook("maternal_death_alert"), "", fatu, steps(reply("yes"), reply("1"), reply("2"), reply("03-01-2026"), reply("Redemption Hospital"), reply("no"))},
	{"xlsform/mpdsr-other-place", workbook("maternal_death_alert"), "", fatu, steps(reply("yes"), reply("2"), reply("4"), reply("01-01-2026"), reply("in the market"))},
	{"xlsform/supervision-visited", workbook("chw_supervision"), "", fatu, steps(reply("yes"), reply("90"), reply("yes"), reply("no"), reply("yes"), reply("45"), reply("1"), reply("more RDTs"))},
	{"xlsform/supervision-no-visit", workbook("chw_supervision"), "", fatu, steps(reply("no"), reply("30"), reply("drugs"))},
	{"xlsform/hiv-portuguese", workbook("hiv_test_stock"), "", kofi, steps(reply("não"), reply("1"))},
	{"xlsform/hiv-portuguese-stock", workbook("hiv_test_stock"), "", kofi, steps(reply("SIM"), reply("8"))},
	{"xlsform/hiv-english", workbook("hiv_test_stock"), "", grace, steps(reply("no"), reply("expired"))},
	{"xlsform/hiv-english-other", workbook("hiv_test_stock"), "", grace, steps(reply("no"), reply("other"))},
	{"xlsform/hiv-english-no-match", workbook("hiv_test_stock"), "", grace, steps(reply("no"), reply("the truck broke down"))},
	{"xlsform/cholera-trained", workbook("cholera_readiness"), "", fatu, steps(reply("yes"), reply("200"), reply("15"), reply("chlorine"), reply("yes"), reply("two nurses"))},
	{"xlsform/cholera-not-ready", workbook("cholera_readiness"), "", fatu, steps(reply("no"), reply("0"), reply("0"), reply("everything"), reply("no"))},
}
