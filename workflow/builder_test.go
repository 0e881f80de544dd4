package workflow

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fr3 is a text in English, French and Swahili.
func fr3(eng, fra, swa string) Text { return T(eng).In("fra", fra).In("swa", swa) }

func TestBuilderMatchesYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		build *Builder
	}{
		{"testdata/malaria_stock.yaml", New("Malaria stock check", "malaria-stock").
			Language("eng").
			Translations("fra").
			Keyword("STOCK").
			ExpireAfter(24*time.Hour).
			Intro(T("Hello @contact.name, the Ministry of Health needs 1 minute of your time.")).
			Question(
				YesNo("act_in_stock", T("Do you have ACTs in stock? Reply YES or NO")).
					Retry(T("Please reply YES or NO"), 2).
					Timeout(12*time.Hour),
				Number("weeks_left", T("How many weeks of stock remain?")).
					Between(0, 52).
					When("act_in_stock == yes"),
				OneOf("reason", T("Why? 1 Not delivered 2 Expired 3 Other"),
					Option("Not delivered", "1", "not delivered", "delivery"),
					Option("Expired", "2", "expired"),
					Option("Other reason", "3"),
				).When("act_in_stock == no").SaveTo("stock_reason"),
			).
			Closing(T("Thank you. The MOH will follow up."))},
		{"testdata/clinic_survey.yaml", New("Clinic readiness survey", "clinic-readiness").
			Language("eng").
			Translations("fra", "swa").
			Keyword("READY").
			ExpireAfter(48*time.Hour).
			Intro(fr3("Hello @contact.name of @fields.facility, 4 questions from the MOH.",
				"Bonjour @contact.name de @fields.facility, 4 questions du MS.",
				"Habari @contact.name wa @fields.facility, maswali 4 kutoka Wizara.")).
			Question(
				YesNo("open_today", fr3("Is the clinic open today? YES or NO", "Le centre est-il ouvert ? OUI ou NON", "Kliniki iko wazi leo? NDIYO au HAPANA")).
					Retry(fr3("Please reply YES or NO", "Répondez OUI ou NON", "Jibu NDIYO au HAPANA"), 1).
					Timeout(6*time.Hour).
					Respond("No Response", fr3("We will call you.", "Nous vous appellerons.", "Tutakupigia simu.")).
					AddToGroup("No", "Closed facilities"),
				Number("staff_present", fr3("How many staff are present?", "Combien d'agents sont présents ?", "Wafanyakazi wangapi wapo?")).
					Min(0).
					When("open_today == yes").
					SaveTo("staff_present"),
				OneOf("closed_reason", fr3("Why is it closed? 1 Strike 2 Flood 3 Other", "Pourquoi fermé ? 1 Grève 2 Inondation 3 Autre", "Kwa nini imefungwa? 1 Mgomo 2 Mafuriko 3 Nyingine"),
					Option("Strike", "1", "strike").Named("fra", "Grève").Named("swa", "Mgomo"),
					Choice{Category: fr3("Flood", "Inondation", "Mafuriko")}.
						MatchingIn("eng", "2", "flood", "heavy rain").
						MatchingIn("fra", "inondation").
						MatchingIn("swa", "mafuriko").
						EndingWith(fr3("Stay safe. The district will send help.", "Restez prudents. Le district enverra de l'aide.", "Kaeni salama. Wilaya itatuma msaada.")),
					Option("Other reason", "3", "other", "autre", "nyingine"),
				).When("open_today != yes and open_today not in [no_response]").
					AddToGroup("Flood", "Flooded facilities").
					AddToGroup("Flood", "Emergency watch"),
				Date("next_supply", fr3("When is the next supply visit?", "Quand est la prochaine livraison ?", "Ugavi ujao ni lini?")).
					When(`(staff_present < 3 or staff_present >= 20) or closed_reason in [strike, "Other reason"]`),
				Phone("contact_phone", fr3("Which number can the district call?", "Quel numéro le district peut-il appeler ?", "Namba gani wilaya ipige?")).
					When("staff_present < 3"),
				FreeText("comments", fr3("Any comment?", "Un commentaire ?", "Maoni yoyote?")).
					SaveTo("clinic_comments"),
			).
			Closing(fr3("Thank you.", "Merci.", "Asante."))},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			parsed, err := ParseFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			built, err := tt.build.Build()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(parsed, built, ignoreSource); diff != "" {
				t.Errorf("built workflow differs from %s (-yaml +built):\n%s", tt.file, diff)
			}
			var a, b bytes.Buffer
			for _, c := range []struct {
				w   *Workflow
				buf *bytes.Buffer
			}{{parsed, &a}, {built, &b}} {
				e, err := Compile(c.w)
				if err != nil {
					t.Fatal(err)
				}
				if err := WriteExport(c.buf, e); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the built workflow compiles to different bytes than the YAML one")
			}
		})
	}
}

func TestBuilderValidatesLikeParse(t *testing.T) {
	t.Parallel()
	_, err := New("Stock", "stock").
		Language("eng").
		Keyword("two words").
		Question(
			YesNo("a", T("Anything?")),
			Number("b", T("How many?")).Between(10, 1).When("a == maybe"),
			OneOf("c", T("Which?")),
			Number("d", T("How much?")).Max(math.Inf(1)),
		).Build()
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Build() error = %v, want Diagnostics", err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Field)
		if d.Pos.IsValid() {
			t.Errorf("a built workflow's diagnostic has a position: %v", d)
		}
	}
	want := []string{"keyword", "questions[1].min", "questions[1].when", "questions[2].choices", "questions[3].max"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostic fields (-want +got):\n%s\n%v", diff, err)
	}
}

func TestBuilderIsReusable(t *testing.T) {
	t.Parallel()
	b := New("Stock", "stock").Language("eng").Question(FreeText("a", T("Anything?")))
	w1, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	w1.Questions[0].Ask.Base = "changed"
	w2, err := b.Question(FreeText("b", T("More?"))).Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(w1.Questions) != 1 || len(w2.Questions) != 2 || w2.Questions[0].Ask.Base != "Anything?" {
		t.Errorf("built workflows share state: %+v / %+v", w1.Questions, w2.Questions)
	}
}
