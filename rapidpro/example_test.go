package rapidpro_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// exampleServer starts an in-process RapidPro with a stepping clock, so
// that the examples' output is the same on every run. A program would use
// the address and token of a real server instead.
func exampleServer() *rapidprotest.Server {
	clock := rapidprotest.NewManualClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), time.Second)
	return rapidprotest.NewServer(rapidprotest.WithSeed(42), rapidprotest.WithClock(clock))
}

// List the members of a group; pages are fetched as the loop needs them.
func ExampleContactsService_List() {
	srv := exampleServer()
	defer srv.Close()
	srv.AddGroup("Nurses", "")
	srv.AddContact(rapidprotest.ContactSpec{Name: "Ama Kollie", URNs: []string{"tel:+231770000001"}, Groups: []string{"Nurses"}})
	srv.AddContact(rapidprotest.ContactSpec{Name: "Musu Kamara", URNs: []string{"tel:+231770000002"}, Groups: []string{"Nurses"}})
	srv.AddContact(rapidprotest.ContactSpec{Name: "Jallah Flomo", URNs: []string{"tel:+231770000003"}})

	ctx := context.Background()
	client, err := rapidpro.NewClient(srv.URL(), srv.Token())
	if err != nil {
		fmt.Println(err)
		return
	}
	for contact, err := range client.Contacts.List(ctx, &rapidpro.ContactListParams{Group: "Nurses", Reverse: true}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(contact.Name, contact.URNs[0])
	}
	// Output:
	// Ama Kollie tel:+231770000001
	// Musu Kamara tel:+231770000002
}

// Read one page, keep its cursor, and continue later from it, here in a new
// client as after a restart.
func ExampleRunsService_ListPage() {
	srv := exampleServer()
	defer srv.Close()
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 600})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	client, _ := rapidpro.NewClient(srv.URL(), srv.Token())
	page, err := client.Runs.ListPage(ctx, &rapidpro.RunListParams{Flow: flow})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("first page:", len(page.Results), "runs")
	saved := page.Next // store it (a file, a database) and stop

	restarted, _ := rapidpro.NewClient(srv.URL(), srv.Token())
	more := 0
	for _, err := range restarted.Runs.List(ctx, &rapidpro.RunListParams{Cursor: saved}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		more++
	}
	fmt.Println("resumed:", more, "more runs")
	// Output:
	// first page: 250 runs
	// resumed: 350 more runs
}

// Start a flow for every member of a group. The start is made exactly once
// even if the connection drops after the server has recorded it.
func ExampleFlowStartsService_Create() {
	srv := exampleServer()
	defer srv.Close()
	flows, err := srv.ImportFlows([]byte(trainingExport))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.AddGroup("Nurses", "")
	srv.AddContact(rapidprotest.ContactSpec{Name: "Ama Kollie", URNs: []string{"tel:+231770000001"}, Groups: []string{"Nurses"}})
	srv.AddContact(rapidprotest.ContactSpec{Name: "Musu Kamara", URNs: []string{"tel:+231770000002"}, Groups: []string{"Nurses"}})
	// The first attempt is recorded by the server, then its answer is lost.
	srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: "flow_starts", Times: 1})

	ctx := context.Background()
	client, _ := rapidpro.NewClient(srv.URL(), srv.Token(), rapidpro.WithReconcileWait(0))
	start, err := client.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{
		Flow:   flows[0],
		Groups: []string{"Nurses"},
		Params: map[string]any{"topic": "infection prevention"},
	})
	var unknown *rapidpro.OutcomeUnknownError
	switch {
	case errors.As(err, &unknown):
		fmt.Println("check later for the start marked", unknown.Mark)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	fmt.Println("started:", start.Flow.Name, "for", start.Groups[0].Name)

	completed := 0
	for run, err := range client.Runs.List(ctx, &rapidpro.RunListParams{Flow: flows[0]}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if run.ExitType == "completed" {
			completed++
		}
	}
	fmt.Println("flow starts on the server:", srv.Counts().FlowStarts)
	fmt.Println("completed runs:", completed)
	// Output:
	// started: Training reminder for Nurses
	// flow starts on the server: 1
	// completed runs: 2
}

// Sync runs incrementally: each pass reads only what changed since the
// checkpoint, which a program stores between passes.
func ExampleRunsService_Changes() {
	srv := exampleServer()
	defer srv.Close()
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 300})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	client, _ := rapidpro.NewClient(srv.URL(), srv.Token())

	var cp rapidpro.Checkpoint // loaded from storage; zero the first time
	sync := func() int {
		n := 0
		for run, err := range client.Runs.Changes(ctx, &rapidpro.RunListParams{Flow: flow}, cp) {
			if err != nil {
				fmt.Println(err)
				break
			}
			// ... store the run, then move the checkpoint past it.
			cp.Observe(run.ModifiedOn.Time, run.UUID)
			n++
		}
		return n
	}
	fmt.Println("first pass:", sync())
	fmt.Println("nothing new:", sync())
	srv.SeedRuns(rapidprotest.RunSeed{Count: 5, FlowUUID: flow, Start: srv.Now().Add(time.Minute)})
	fmt.Println("next pass:", sync())
	// Output:
	// first pass: 300
	// nothing new: 0
	// next pass: 5
}

// Build a tel: URN in E.164 from a number as a health worker registry
// stores it.
func ExamplePhoneURN() {
	urn, err := rapidpro.PhoneURN("0770 123 456", "LR")
	fmt.Println(urn, err)
	_, err = rapidpro.PhoneURN("0770 12", "LR")
	fmt.Println(err)
	// Output:
	// tel:+231770123456 <nil>
	// rapidpro: invalid phone number "0770 12": too short for LR
}

// Show which contact a message went to without printing a health worker's
// full number.
func ExampleMaskPhone() {
	fmt.Println(rapidpro.MaskPhone("tel:+231770123456"))
	fmt.Println(rapidpro.MaskPhone("+231 770 123 456"))
	// Output:
	// tel:+231*******56
	// +231*******56
}

// Show a contact's address in a report or a program's output: the scheme
// goes and only a few digits stay, whatever the channel.
func ExampleMaskURN() {
	fmt.Println(rapidpro.MaskURN("tel:+231770123456"))
	fmt.Println(rapidpro.MaskURN("whatsapp:231770123456"))
	// Output:
	// +231*******56
	// 231*******56
}

// trainingExport is a one-message flow in RapidPro's export format.
const trainingExport = `{
  "version": "13",
  "site": "https://app.rapidpro.io",
  "flows": [{
    "uuid": "8d0c8b9a-2f4e-4c39-9b8e-3f8b2a6f1c01",
    "name": "Training reminder",
    "spec_version": "13.1.0",
    "language": "eng",
    "type": "messaging",
    "expire_after_minutes": 60,
    "localization": {},
    "nodes": [{
      "uuid": "5b7c2d4e-6f81-4a92-8b3c-d4e5f6a7b801",
      "actions": [{"uuid": "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b01", "type": "send_msg",
                   "text": "Hello @contact.first_name, training on @trigger.params.topic is on Monday."}],
      "exits": [{"uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01"}]
    }]
  }]
}`
