package sandbox_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// An integration sends a survey through the RapidPro API and reads the
// answers back, as it would against a Ministry's workspace; the sandbox
// plays the health workers, here one who answers and one who never does,
// and lets a day pass in a fraction of a second.
func Example() {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 50, Regions: 1, Districts: 2, Facilities: 4}, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	// The workflow, compiled and imported as through Settings → Import.
	w, err := workflow.Parse("stock.yaml", []byte(`workflow: Stock check
key: stock-check
language: eng
questions:
  - result: act_in_stock
    ask: "Do you have ACTs in stock today? Reply YES or NO"
    type: yes_no
    timeout: 12h
`))
	if err != nil {
		log.Fatal(err)
	}
	export, err := workflow.Compile(w)
	if err != nil {
		log.Fatal(err)
	}
	data, err := flow.MarshalExport(export)
	if err != nil {
		log.Fatal(err)
	}
	flows, err := sb.RapidPro.ImportFlows(data)
	if err != nil {
		log.Fatal(err)
	}

	// Two contacts in a group, with the behaviour the test needs.
	group, err := sb.RapidPro.AddGroup("In-charges", "")
	if err != nil {
		log.Fatal(err)
	}
	people := []struct {
		name, urn string
		persona   sandbox.Persona
	}{
		{"Fatu Kamara", "tel:+231770000001", sandbox.Persona{Kind: sandbox.Responsive, Answers: map[string]string{"act_in_stock": "no"}}},
		{"Musa Dolo", "tel:+231770000002", sandbox.Persona{Kind: sandbox.Silent}},
	}
	for _, p := range people {
		sb.Engine.SetPersona(p.urn, p.persona)
		if _, err := sb.RapidPro.AddContact(rapidprotest.ContactSpec{Name: p.name, URNs: []string{p.urn}, Groups: []string{group}}); err != nil {
			log.Fatal(err)
		}
	}

	// From here on, only the RapidPro API: what the integration does.
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: flows[0], Groups: []string{group}}); err != nil {
		log.Fatal(err)
	}
	if _, err := sb.Settle(ctx, 24*time.Hour); err != nil {
		log.Fatal(err)
	}
	var lines []string
	for r, err := range rp.Runs.List(ctx, &rapidpro.RunListParams{Flow: flows[0]}) {
		if err != nil {
			log.Fatal(err)
		}
		v := r.Values["act_in_stock"]
		lines = append(lines, fmt.Sprintf("%s: %s, responded %v, act_in_stock %s", r.Contact.Name, r.ExitType, r.Responded, v.Category))
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// Fatu Kamara: completed, responded true, act_in_stock No
	// Musa Dolo: completed, responded false, act_in_stock No Response
}
