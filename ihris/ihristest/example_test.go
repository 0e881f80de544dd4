package ihristest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris/ihristest"
)

// A test starts an iHRIS with a generated workforce and asks it what a
// client would: here, the current roles in one district (at the facilities
// whose partOf is the district), with their workers.
func ExampleNewServer() {
	s := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 1000}))
	defer s.Close()

	resp, err := s.Client().Get(s.URL() + "/PractitionerRole?location.partof=Location/LR.BM.D01&active=true" +
		"&_include=PractitionerRole:practitioner&_total=accurate")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var b struct {
		Total int
		Entry []struct {
			Search struct{ Mode string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		fmt.Println(err)
		return
	}
	modes := map[string]int{}
	for _, e := range b.Entry {
		modes[e.Search.Mode]++
	}
	fmt.Println(resp.StatusCode, b.Total, modes["match"] == min(b.Total, 20), modes["include"] > 0)
	// Output: 200 7 true true
}

// The generator's ground truth says what a correct client must find.
func ExampleWorkforce_Generate() {
	resources := 0
	truth, err := ihristest.Workforce{Seed: 1}.Generate(func(ihristest.Resource) error {
		resources++
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("workers:", truth.Workers, "active:", truth.ActiveWorkers)
	fmt.Println("places:", truth.Places["region"], "regions,", truth.Places["district"], "districts,", truth.Places["facility"], "facilities")
	fmt.Println("nurses with a current role:", truth.ByCadre["nurse"])
	fmt.Println("without phone:", len(truth.NoPhone), "invalid:", len(truth.InvalidPhones), "shared numbers:", len(truth.SharedPhones))
	fmt.Println("resources:", resources)
	// Output:
	// workers: 5000 active: 4744
	// places: 15 regions, 90 districts, 800 facilities
	// nurses with a current role: 2507
	// without phone: 315 invalid: 141 shared numbers: 93
	// resources: 11916
}

// Churn changes the registry after a checkpoint; a client syncing
// incrementally must then find exactly the report's workers.
func ExampleServer_Churn() {
	month := func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) } // a month after the data
	s := ihristest.NewServer(ihristest.WithServerOptions(fhirtest.WithClock(month)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 500}))
	defer s.Close()
	checkpoint := s.Truth().Newest // the newest meta.lastUpdated a client has seen

	rep, err := s.Churn(ihristest.Churn{Seed: 1, NewPhone: 5, Deactivated: 2, Deleted: 1, Hired: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := s.Client().Get(s.URL() + "/Practitioner?_summary=count&_lastUpdated=gt" +
		url.QueryEscape(checkpoint.Format(time.RFC3339Nano)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var b struct{ Total int }
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("changed:", b.Total, "=", len(rep.NewPhone)+len(rep.Deactivated)+len(rep.Hired))
	fmt.Println("deleted:", rep.Deleted)
	// Output:
	// changed: 10 = 10
	// deleted: [P000223]
}
