package target_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

// exampleSyncer starts an in-process iHRIS with 300 generated health
// workers and an empty RapidPro workspace, and returns a Syncer between
// them keeping its state in a new SQLite file.
func exampleSyncer() (*target.Syncer, *rapidpro.Client, *store.DB, func()) {
	ihrisSrv := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 7, Workers: 300}))
	rpSrv := rapidprotest.NewServer(rapidprotest.WithRateLimits(0, 0), rapidprotest.WithSeed(7),
		rapidprotest.WithWorkspace(rapidprotest.Workspace{UUID: "6a1f7c1e-1f4e-4a55-9a4e-3c6a2b1d0e9f", Country: "LR"}))
	dir, err := os.MkdirTemp("", "target-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "mhero.db"))
	if err != nil {
		log.Fatal(err)
	}
	fc, err := fhir.NewClient(ihrisSrv.URL())
	if err != nil {
		log.Fatal(err)
	}
	reg, err := ihris.NewRegistry(fc)
	if err != nil {
		log.Fatal(err)
	}
	// In process there is no rate limit to respect; against a real server
	// leave the client's pacing on.
	rp, err := rapidpro.NewClient(rpSrv.URL(), rpSrv.Token(), rapidpro.WithoutPacing())
	if err != nil {
		log.Fatal(err)
	}
	s, err := target.New(context.Background(), reg, rp, db)
	if err != nil {
		log.Fatal(err)
	}
	return s, rp, db, func() {
		db.Close()
		os.RemoveAll(dir)
		rpSrv.Close()
		ihrisSrv.Close()
	}
}

func ExampleParseGroup() {
	g, err := target.ParseGroup("nurses.yaml", []byte(`
name: Nurses and midwives
country: LR
criteria:
  cadres: [nurse, midwife]
exclude:
  workers: [P000012]
`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g)

	_, err = target.ParseGroup("typo.yaml", []byte("name: Nurses\ncountry: LR\ncriteria:\n  cadre: [nurse]\n"))
	fmt.Println(err)
	// Output:
	// Nurses and midwives: active workers; cadres midwife, nurse; minus 1 workers and 0 numbers
	// typo.yaml:4:3: criteria.cadre: unknown field "cadre" (did you mean "cadres"?)
}

func ExampleSyncer_Preview() {
	s, _, _, stop := exampleSyncer()
	defer stop()
	p, err := s.Preview(context.Background(), target.Group{Name: "Nurses", Country: "LR",
		Criteria: ihris.Criteria{Cadres: []string{"nurse"}}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d nurses selected, %d reachable\n", p.Selected, p.Reachable)
	reasons := map[target.Reason]int{}
	for _, sk := range p.Unreachable {
		reasons[sk.Reason]++
	}
	fmt.Println("unreachable:", reasons)
	// Output:
	// 158 nurses selected, 150 reachable
	// unreachable: map[invalid number:2 no phone:6]
}

func ExampleSyncer_Plan() {
	s, _, _, stop := exampleSyncer()
	defer stop()
	plan, err := s.Plan(context.Background(), target.Group{Name: "Everyone", Country: "LR"}, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d contacts to create, %d to add to group %q\n", plan.Creates, plan.Adds, plan.Group)
	fmt.Printf("API calls: %d contacts, %d v2; %v at %d/hour per scope\n",
		plan.Calls[target.ScopeContacts], plan.Calls[target.ScopeV2], plan.Duration.Round(time.Second), plan.RatePerHour)
	fmt.Printf("starting the flow for their numbers instead: %d calls, %v\n",
		plan.FlowStart.Calls[target.ScopeV2], plan.FlowStart.Duration.Round(time.Second))
	fmt.Println("equivalent smart group:", plan.SmartQuery)
	// Output:
	// 253 contacts to create, 253 to add to group "Everyone"
	// API calls: 255 contacts, 15 v2; 4m15s at 3600/hour per scope
	// starting the flow for their numbers instead: 3 calls, 3s
	// equivalent smart group: ihris_status = "active"
}

func ExampleSyncer_Sync() {
	s, _, _, stop := exampleSyncer()
	defer stop()
	ctx := context.Background()
	g := target.Group{Name: "Everyone", Country: "LR"}
	sum, err := s.Sync(ctx, g, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("created %d contacts, added %d to %q, skipped %d\n", sum.Created, sum.Added, sum.Group, len(sum.Skipped))
	again, err := s.Sync(ctx, g, false)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("again: created %d, updated %d, added %d\n", again.Created, again.Updated, again.Added)
	// Output:
	// created 253 contacts, added 253 to "Everyone", skipped 38
	// again: created 0, updated 0, added 0
}

func ExampleAttributeStore_At() {
	s, rp, db, stop := exampleSyncer()
	defer stop()
	ctx := context.Background()
	if _, err := s.Sync(ctx, target.Group{Name: "Everyone", Country: "LR"}, false); err != nil {
		log.Fatal(err)
	}
	sentAt := time.Now()
	attrs, err := target.NewAttributeStore(ctx, db, rp.WorkspaceUUID())
	if err != nil {
		log.Fatal(err)
	}
	// Analytics places each answer by the attributes valid when it was
	// sent: by contact UUID (At), URN (AtURN) or worker (OfWorker).
	_, err = attrs.AtURN(ctx, "tel:+231889999999", sentAt)
	fmt.Println(err)
	n, placed := 0, 0
	for a, err := range attrs.All(ctx, sentAt) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		if a.District != "" && a.Region != "" && a.CadreName != "" {
			placed++
		}
	}
	fmt.Printf("%d contacts, %d with district, region and cadre\n", n, placed)
	// Output:
	// target: no attributes recorded for the contact
	// 253 contacts, 218 with district, region and cadre
}
