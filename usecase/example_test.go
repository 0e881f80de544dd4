package usecase_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/usecase"
	"github.com/mhero-go/mhero/workflow"
)

// A Request Form filed four days before its send date is recorded, and
// flagged.
func ExampleParseForm() {
	form := `title: Malaria commodity stock check
unit:
  name: National Malaria Control Program
  director: {name: Dr. Musu Kollie, phone: "0886 000 001"}
purpose: Find the facilities that will run out of ACTs before the rains.
requestor: {name: Joseph Flomo, phone: "0776 000 002"}
target:
  name: Nurses of Grand Kru
  country: LR
  criteria: {places: [LR.GK], cadres: [nurse]}
workflow: malaria-stock
send: {date: 2026-03-09, time: "08:00"}
filed: 2026-03-05
`
	open := func(name string) ([]byte, error) { _, data, _ := workflows.Lookup(name); return data, nil }
	f, problems, err := usecase.ParseForm("request.yaml", []byte(form), time.Now(), open)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Title, "for", f.Target.Name, "approved by", f.ApproverOrDirector().Name)
	for _, p := range problems {
		fmt.Println(p)
	}
	// Output:
	// Malaria commodity stock check for Nurses of Grand Kru approved by Dr. Musu Kollie
	// request.yaml:12:14: send.date: warning: filed 4 days before the send date; the SOP asks for at least a week
}

// What a workflow costs before it is sent: SMS parts per health worker
// on the expected and the longest path, times the recipients.
func ExampleEstimateCost() {
	w, _ := workflows.Parse("malaria-stock")
	exp, _ := workflow.Compile(w)
	c, err := usecase.EstimateCost(exp, 90)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c)
	fmt.Println(usecase.Segment("Avez-vous des CTA en stock ? Répondez OUI ou NON"))
	// Output:
	// 540 SMS (expected path, 6 a health worker) to 1080 SMS (longest path, 12 a health worker) for 90 health workers
	// {GSM-7 48 1}
}

// A use case on the sandbox, from its Request Form to the Director's
// approval by SMS and its activation at the approved time.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "usecase-example")
	defer os.RemoveAll(dir)

	// The sandbox: iHRIS, RapidPro, simulated health workers, and a
	// Director who answers approval requests from their phone.
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 300, Seed: 2}, Seed: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	sb.AddDirector(sandbox.Director{URN: "tel:+231886000001"})
	for _, urn := range []string{"tel:+231776000002", "tel:+231777000003"} {
		sb.Engine.SetPersona(urn, sandbox.Persona{Kind: sandbox.Responsive})
	}
	rp, _ := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	fc, _ := fhir.NewClient(sb.IHRIS.URL())
	reg, _ := ihris.NewRegistry(fc)
	db, err := store.Open(ctx, filepath.Join(dir, "mhero.db"))
	if err != nil {
		log.Fatal(err)
	}
	syncer, err := target.New(ctx, reg, rp, db, target.WithClock(sb.Now))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := usecase.New(ctx, db, usecase.WithRapidPro(rp), usecase.WithRegistry(reg), usecase.WithSyncer(syncer),
		usecase.WithClock(sb.Now),
		// RapidPro's API cannot import flows; the sandbox can.
		usecase.WithImporter(func(_ context.Context, export []byte) error { _, err := sb.RapidPro.ImportFlows(export); return err }),
		// Waiting for the approved send time lets simulated time pass.
		usecase.WithSleep(func(ctx context.Context, d time.Duration) error { _, err := sb.Settle(ctx, d); return err }))
	if err != nil {
		log.Fatal(err)
	}

	district := largest(sb.IHRIS.Truth().ByDistrict)
	form, _, err := usecase.ParseForm("request.yaml", []byte(formYAML(district)), sb.Now(), openExample)
	if err != nil {
		log.Fatal(err)
	}
	rec, err := m.Create(ctx, *form, "Aminata Sesay")
	if err != nil {
		log.Fatal(err)
	}
	id := rec.ID
	dataManager := usecase.Person{Name: "Aminata Sesay", Phone: "0777 000 003"}
	steps := []func() (*usecase.Record, error){
		func() (*usecase.Record, error) {
			return m.Review(ctx, id, usecase.ReviewInput{DataManager: dataManager})
		},
		func() (*usecase.Record, error) { r, _, err := m.Simulate(ctx, id, "Aminata Sesay", nil); return r, err },
		func() (*usecase.Record, error) {
			r, _, err := m.TestOnPhone(ctx, id, "Aminata Sesay", usecase.PhoneDataManager)
			return r, err
		},
		func() (*usecase.Record, error) { return m.Notify(ctx, id, "Aminata Sesay") },
		func() (*usecase.Record, error) {
			r, _, err := m.TestOnPhone(ctx, id, "Aminata Sesay", usecase.PhoneRequestor)
			return r, err
		},
		func() (*usecase.Record, error) {
			return m.Feedback(ctx, id, usecase.FeedbackInput{By: "Joseph Flomo", Text: "Clear. Send it.", Accept: true})
		},
		func() (*usecase.Record, error) {
			r, _, err := m.RequestApproval(ctx, id, "Aminata Sesay")
			return r, err
		},
		func() (*usecase.Record, error) {
			sb.Settle(ctx, time.Hour) // the Director replies from their phone
			r, _, err := m.CheckApproval(ctx, id, "Aminata Sesay")
			return r, err
		},
		func() (*usecase.Record, error) {
			r, _, err := m.Activate(ctx, id, usecase.ActivateInput{By: "Aminata Sesay", Wait: true})
			return r, err
		},
	}
	fmt.Println(rec.ID, rec.State)
	for _, step := range steps {
		rec, err := step()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(rec.ID, rec.State)
	}
	v, _ := m.Verify(ctx)
	fmt.Println("audit entries:", v.Entries, "intact:", v.OK())
	// Output:
	// UC-0001 requested
	// UC-0001 reviewed
	// UC-0001 simulated
	// UC-0001 tested_dm
	// UC-0001 notified
	// UC-0001 tested_requestor
	// UC-0001 accepted
	// UC-0001 approval_requested
	// UC-0001 approved
	// UC-0001 active
	// audit entries: 12 intact: true
}
