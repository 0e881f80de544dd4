package workflow

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// fortyQuestions builds a 40-question workflow in English with French and
// Swahili translations, mixing every question type, retries, timeouts and
// skip logic.
func fortyQuestions(tb testing.TB) *Workflow {
	tb.Helper()
	tr := func(s string) Text { return T(s).In("fra", "fr: "+s).In("swa", "sw: "+s) }
	b := New("Forty questions", "forty").Language("eng").Translations("fra", "swa").
		Keyword("FORTY").ExpireAfter(72 * time.Hour).
		Intro(tr("Hello @contact.name, 40 questions from the MOH.")).
		Closing(tr("Thank you."))
	for i := range 40 {
		result := fmt.Sprintf("q%02d", i)
		ask := tr(fmt.Sprintf("Question %d?", i))
		var q *QuestionBuilder
		switch i % 5 {
		case 0:
			q = YesNo(result, ask).Retry(tr("Please reply YES or NO"), 2).Timeout(12 * time.Hour)
		case 1:
			q = Number(result, ask).Between(0, 100).Retry(tr("Send a number from 0 to 100"), 1).When(fmt.Sprintf("q%02d == yes", i-1))
		case 2:
			q = OneOf(result, ask,
				Option("Alpha", "1", "alpha").Named("fra", "Alpha").Named("swa", "Alfa"),
				Option("Beta", "2", "beta", "second one").Named("fra", "Bêta").Named("swa", "Beta"),
				Option("Gamma", "3", "gamma").Named("fra", "Gamma").Named("swa", "Gama").EndingWith(tr("Goodbye.")),
				Option("Delta", "4", "delta").Named("fra", "Delta").Named("swa", "Delta"),
			).Retry(tr("Reply 1, 2, 3 or 4"), 1).SaveTo(fmt.Sprintf("field_%02d", i)).
				When(fmt.Sprintf("q%02d > 10 or q%02d in [no, no_response]", i-1, i-2))
		case 3:
			q = FreeText(result, ask).Respond("Has Text", tr("Noted."))
		case 4:
			q = Date(result, ask).When(fmt.Sprintf("q%02d != gamma and q%02d <= 50", i-2, i-3))
		}
		b.Question(q)
	}
	w, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// BenchmarkCompile measures compiling a 40-question workflow with two
// translations into a RapidPro export, and writing it as JSON.
func BenchmarkCompile(b *testing.B) {
	w := fortyQuestions(b)
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Compile(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile+json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, err := Compile(w)
			if err != nil {
				b.Fatal(err)
			}
			if err := WriteExport(io.Discard, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestFortyQuestionsCompile(t *testing.T) {
	t.Parallel()
	e, err := Compile(fortyQuestions(t))
	if err != nil {
		t.Fatal(err)
	}
	checkExport(t, e)
}
