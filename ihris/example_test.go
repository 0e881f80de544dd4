package ihris_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// The nurses of one district, with the number to message each of them.
func ExampleRegistry_Find() {
	srv := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 42, Workers: 400, Regions: 2, Districts: 4, Facilities: 12}))
	defer srv.Close()
	client, err := fhir.NewClient(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	places, err := reg.Places(ctx)
	if err != nil {
		log.Fatal(err)
	}
	district := places.Children(places.Children(places.Roots()[0].ID)[0].ID)[0]
	fmt.Printf("Nurses of %s (%s):\n", district.Name, district.LevelName)

	criteria := ihris.Criteria{Places: []string{district.ID}, Cadres: []string{"nurse"}}
	n := 0
	for w, err := range reg.Find(ctx, criteria) {
		if err != nil {
			log.Fatal(err)
		}
		if n++; n > 3 {
			continue
		}
		phone := "no phone"
		if p := w.SelectPhones(ihris.PhoneSelection{}); len(p) > 0 {
			phone = p[0].Use + " " + p[0].Value
		}
		i := slices.IndexFunc(w.CurrentRoles(), func(r ihris.Role) bool { return r.Cadre.Code == "nurse" })
		role := w.CurrentRoles()[i]
		facility, _ := role.Facility()
		fmt.Printf("  %s, %s at %s: %s\n", w.DisplayName(), role.Job.Display, facility.Name, phone)
	}
	fmt.Printf("%d nurses\n", n)
	// Output:
	// Nurses of Botu (District):
	//   Lansana Wesseh, Nurse at Lahkpa Health Center: mobile 0779 259 262
	//   Ruth Kiazolu, Nurse at Botu Health Center: mobile 0774 567 903
	//   Famatta Nyenpan, Nurse at Lahkpa Health Center: mobile 0770 864 199
	// 68 nurses
}

// Following the registry: every worker once, then only what changed.
func ExampleRegistry_ChangesSince() {
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	srv := ihristest.NewServer(ihristest.WithServerOptions(fhirtest.WithClock(func() time.Time { return now })),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 42, Workers: 200, Regions: 2, Districts: 4, Facilities: 12}))
	defer srv.Close()
	client, err := fhir.NewClient(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	feed := reg.ChangesSince(ihris.Checkpoint{})
	n := 0
	for _, err := range feed.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	stored, _ := feed.Checkpoint().MarshalText() // keep it with the sync job
	fmt.Printf("first sync: %d workers, checkpoint %s\n", n, stored)

	// Someone updates a worker's record in iHRIS.
	res, _, err := client.Read(ctx, "Practitioner", "P000007")
	if err != nil {
		log.Fatal(err)
	}
	p, _ := fhir.As[models.Practitioner](res)
	p.Telecom = append(p.Telecom, models.ContactPoint{System: ptr(models.ContactPointSystemPhone), Use: ptr(models.ContactPointUseMobile), Value: ptr("0886 555 123")})
	if _, _, err := client.Update(ctx, res); err != nil {
		log.Fatal(err)
	}

	var since ihris.Checkpoint
	if err := since.UnmarshalText(stored); err != nil {
		log.Fatal(err)
	}
	feed = reg.ChangesSince(since)
	for ch, err := range feed.All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		var mobiles []string
		for _, p := range ch.Worker.SelectPhones(ihris.PhoneSelection{Uses: []string{"mobile"}, All: true}) {
			mobiles = append(mobiles, p.Value)
		}
		fmt.Printf("changed: %s %s, mobiles %q\n", ch.ID, ch.Worker.DisplayName(), mobiles)
	}
	fmt.Println("next checkpoint:", feed.Checkpoint())
	// Output:
	// first sync: 200 workers, checkpoint 2026-01-01T00:00:00Z Practitioner/P000200 PractitionerRole/PR000200-1
	// changed: P000007 Janet Freeman, mobiles ["0774 814 814" "0886 555 123"]
	// next checkpoint: 2026-11-02T09:00:00Z Practitioner/P000007
}

// Criteria are stored as JSON; the canonical form gives equal selections
// equal text.
func ExampleCriteria_Canonical() {
	c := ihris.Criteria{Cadres: []string{"nurse", "doctor", "nurse"}, Places: []string{"TF.CC"}}
	data, err := json.Marshal(c.Canonical())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(data))
	fmt.Println(c)
	// Output:
	// {"places":["TF.CC"],"cadres":["doctor","nurse"],"status":"active"}
	// active workers; places TF.CC; cadres doctor, nurse
}
