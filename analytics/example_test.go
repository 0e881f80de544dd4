package analytics_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// exampleWorld sends a one-question survey to 120 simulated health
// workers of two districts in the sandbox and lets two days pass; one
// district answers far less. It returns the RapidPro client, the flow,
// who each contact is, the sandbox's clock, and a cleanup.
func exampleWorld() (*rapidpro.Client, *flow.Flow, analytics.Directory, func() time.Time, func()) {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 10, Regions: 1, Districts: 1, Facilities: 1},
		Mix: sandbox.Mix{sandbox.Responsive: 0.75, sandbox.OutOfCoverage: 0.15, sandbox.Silent: 0.10}, Seed: 1,
		MixFor: func(fields map[string]string) sandbox.Mix {
			if fields["district"] == "Gbarpolu" {
				return sandbox.Mix{sandbox.Responsive: 0.25, sandbox.OutOfCoverage: 0.15, sandbox.Silent: 0.60}
			}
			return nil
		}})
	if err != nil {
		log.Fatal(err)
	}
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
	exp, err := workflow.Compile(w)
	if err != nil {
		log.Fatal(err)
	}
	data, _ := flow.MarshalExport(exp)
	if _, err := sb.RapidPro.ImportFlows(data); err != nil {
		log.Fatal(err)
	}
	if err := sb.RapidPro.AddField("district", "District", "text"); err != nil {
		log.Fatal(err)
	}
	group, _ := sb.RapidPro.AddGroup("In-charges", "")
	workers := map[string]analytics.Worker{}
	for i := range 120 {
		district := []string{"Bong", "Gbarpolu"}[i%2]
		uuid, err := sb.RapidPro.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprintf("Worker %d", i),
			URNs: []string{fmt.Sprintf("tel:+23177%07d", i)}, Groups: []string{group}, Fields: map[string]string{"district": district}})
		if err != nil {
			log.Fatal(err)
		}
		workers[uuid] = analytics.Worker{ID: fmt.Sprintf("P%04d", i), DistrictID: district, District: district}
	}
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing(), rapidpro.WithWorkspace(sb.RapidPro.WorkspaceUUID()))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: exp.Flows[0].UUID, Groups: []string{group}}); err != nil {
		log.Fatal(err)
	}
	if _, err := sb.Settle(ctx, 48*time.Hour); err != nil {
		log.Fatal(err)
	}
	// An integration that keeps its own record of who each contact is;
	// with target, analytics.TargetDirectory reads what the sync recorded.
	dir := analytics.DirectoryFunc(func(_ context.Context, contact string, _ time.Time) (analytics.Worker, error) {
		if w, ok := workers[contact]; ok {
			return w, nil
		}
		return analytics.Worker{}, analytics.ErrUnknownContact
	})
	// The sandbox's time is simulated: the Monitor must read the same clock,
	// or it would date its refreshes days away from the runs it fetched.
	return rp, &exp.Flows[0], dir, sb.Now, sb.Close
}

// openStore opens a new state database in a temporary directory.
func openStore() (*store.DB, func()) {
	dir, err := os.MkdirTemp("", "analytics-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "mhero.db"))
	if err != nil {
		log.Fatal(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

// Monitoring a sent workflow: refresh the store from RapidPro, then
// analyse it. The analysis says who answered, by district, and flags the
// district that answers far less.
func Example() {
	ctx := context.Background()
	rp, f, dir, now, stop := exampleWorld()
	defer stop()
	db, closeDB := openStore()
	defer closeDB()

	m, err := analytics.New(ctx, db, rp.WorkspaceUUID(), analytics.WithDirectory(dir), analytics.WithClock(now))
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Track(ctx, f); err != nil {
		log.Fatal(err)
	}
	refreshed, err := m.Refresh(ctx, rp)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fetched %d runs\n", refreshed.Flows[0].Runs)

	a, err := m.Analyze(ctx, f.UUID, analytics.Filter{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("responded:", a.Counts.ResponseRate())
	fmt.Println("out of coverage:", a.Counts.FailureRate())
	districts, _ := a.Breakdown(analytics.ByDistrict)
	for _, g := range districts.Groups {
		fmt.Printf("  %s: %s\n", g.Label, g.ResponseRate())
	}
	for _, low := range a.Low {
		fmt.Printf("flagged %s %s: z = %.1f, significant %v\n", low.Dimension, low.Label, low.Test.Z, low.Test.Significant)
	}
	for _, rc := range a.NonResponders {
		fmt.Printf("%s: %d\n", rc.Reason.Label(), rc.Count)
	}
	// Output:
	// fetched 120 runs
	// responded: 56 of 120 (47%)
	// out of coverage: 15 of 120 (13%)
	//   Bong: 41 of 60 (68%)
	//   Gbarpolu: 15 of 60 (25%)
	// flagged district Gbarpolu: z = -4.8, significant true
	// out of coverage: 15
	// never answered: 49
	// may need training: 0
	// stopped answering: 0
}

// The non-responders, each with the likely reason: the list the
// Leadership Team acts on.
func ExampleMonitor_NonResponders() {
	ctx := context.Background()
	rp, f, dir, now, stop := exampleWorld()
	defer stop()
	db, closeDB := openStore()
	defer closeDB()
	m, err := analytics.New(ctx, db, rp.WorkspaceUUID(), analytics.WithDirectory(dir), analytics.WithClock(now))
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Track(ctx, f); err != nil {
		log.Fatal(err)
	}
	if _, err := m.Refresh(ctx, rp); err != nil {
		log.Fatal(err)
	}
	n := 0
	for nr, err := range m.NonResponders(ctx, f.UUID, analytics.Filter{}) {
		if err != nil {
			log.Fatal(err)
		}
		if n++; n <= 3 {
			fmt.Printf("%s (%s, %s): %s\n", nr.Worker.ID, nr.Worker.District, nr.Reason.Label(), nr.Explanation())
		}
	}
	fmt.Println(n, "non-responders")
	// Output:
	// P0003 (Gbarpolu, out of coverage): 1 message failed: the phone is likely out of network coverage, off, or the number no longer in use.
	// P0005 (Gbarpolu, never answered): The messages reached the network but the worker never replied.
	// P0006 (Bong, never answered): The messages reached the network but the worker never replied.
	// 64 non-responders
}

// Comparing two response rates, as trends and flags do.
func ExampleTwoProportion() {
	before := analytics.Rate{N: 65, Of: 90}
	after := analytics.Rate{N: 46, Of: 90}
	t := analytics.TwoProportion(after, before, 0.05)
	fmt.Printf("%s against %s: z = %.2f, p = %.4f, significant: %v\n", after, before, t.Z, t.P, t.Significant)
	// Output:
	// 46 of 90 (51%) against 65 of 90 (72%): z = -2.91, p = 0.0036, significant: true
}
