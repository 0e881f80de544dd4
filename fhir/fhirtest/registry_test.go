package fhirtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// A sample describes a small health-workforce registry made by
// seedRegistry, for tests to check searches against.
type sample struct {
	Workers, Inactive   int
	Roles, CurrentRoles int
	// Places counts Locations by level: country, region, district,
	// facility.
	Places map[string]int
	// CurrentByJob counts current roles by job code.
	CurrentByJob map[string]int
	// Newest is the newest meta.lastUpdated; NewestWorker that of the
	// newest Practitioner.
	Newest, NewestWorker time.Time
}

// Systems and codes of the sample registry.
const (
	sampleJobSystem   = "http://example.org/fhir/CodeSystem/job"
	sampleLevelSystem = "http://example.org/fhir/CodeSystem/level"
	sampleIDSystem    = "http://example.org/fhir/employee-number"
)

var (
	sampleFamilies = []string{"Kollie", "Flomo", "Weah", "Sirleaf", "Doe", "Kamara", "Massaquoi"}
	sampleGiven    = []string{"Musu", "Ann", "Comfort", "James", "Prince", "Fatu"}
	sampleJobs     = []string{"nurse", "nurse", "midwife", "doctor", "nurse", "lab"}
)

// seedRegistry fills s with a country (C), 2 regions, 4 districts and 8
// facilities (each with its Organization; the first of each district
// refers to it by a bare string, as the iHRIS demo data does), workers
// P0001... with names, an employee number, a phone (but every 7th), every
// 10th inactive, and their roles at the facilities, every 5th worker with
// a past role too. Times are a minute apart, in groups of three that tie.
func seedRegistry(s *Server, workers int) *sample {
	sm := &sample{Places: map[string]int{}, CurrentByJob: map[string]int{}}
	t0 := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	n := 0
	at := func() string {
		ts := t0.Add(time.Duration(n/3) * time.Minute)
		n++
		if ts.After(sm.Newest) {
			sm.Newest = ts
		}
		return ts.Format(timeFormat)
	}
	seed := func(m map[string]any) {
		m["meta"] = map[string]any{"versionId": "1", "lastUpdated": at()}
		b, err := json.Marshal(m)
		if err != nil {
			panic(err)
		}
		if err := s.Seed(b); err != nil {
			panic(err)
		}
	}
	level := func(code string) []any {
		return []any{map[string]any{"coding": []any{map[string]any{"system": sampleLevelSystem, "code": code}}}}
	}
	seed(map[string]any{"resourceType": "Location", "id": "C", "name": "Country", "status": "active", "type": level("country")})
	sm.Places["country"]++
	var facilities []string
	for r := 1; r <= 2; r++ {
		rid := fmt.Sprintf("C.R%d", r)
		seed(map[string]any{"resourceType": "Location", "id": rid, "name": "Region " + rid, "status": "active",
			"type": level("region"), "partOf": map[string]any{"reference": "Location/C"}})
		sm.Places["region"]++
		for d := 1; d <= 2; d++ {
			did := fmt.Sprintf("%s.D%d", rid, d)
			seed(map[string]any{"resourceType": "Location", "id": did, "name": "District " + did, "status": "active",
				"type": level("district"), "partOf": map[string]any{"reference": "Location/" + rid}})
			sm.Places["district"]++
			for f := 1; f <= 2; f++ {
				fid := fmt.Sprintf("%s.F%d", did, f)
				seed(map[string]any{"resourceType": "Organization", "id": fid, "name": "Clinic " + fid, "active": true})
				var org any = map[string]any{"reference": "Organization/" + fid}
				if f == 1 {
					org = "Organization/" + fid
				}
				seed(map[string]any{"resourceType": "Location", "id": fid, "name": "Clinic " + fid, "status": "active",
					"type": level("facility"), "partOf": map[string]any{"reference": "Location/" + did}, "managingOrganization": org})
				sm.Places["facility"]++
				facilities = append(facilities, fid)
			}
		}
	}
	for i := 1; i <= workers; i++ {
		id := fmt.Sprintf("P%04d", i)
		active := i%10 != 0
		p := map[string]any{
			"resourceType": "Practitioner", "id": id, "active": active,
			"name": []any{map[string]any{"family": sampleFamilies[i%len(sampleFamilies)],
				"given": []any{sampleGiven[i%len(sampleGiven)]},
				"text":  sampleGiven[i%len(sampleGiven)] + " " + sampleFamilies[i%len(sampleFamilies)]}},
			"gender":     []string{"female", "male"}[i%2],
			"birthDate":  fmt.Sprintf("19%02d-0%d-1%d", 60+i%40, 1+i%9, i%10),
			"identifier": []any{map[string]any{"system": sampleIDSystem, "value": fmt.Sprintf("EMP-%04d", i)}},
		}
		if i%7 != 0 {
			p["telecom"] = []any{map[string]any{"system": "phone", "value": fmt.Sprintf("0770 %03d %03d", i/1000, i%1000), "use": "mobile"}}
		}
		seed(p)
		sm.NewestWorker, _ = time.Parse(time.RFC3339Nano, p["meta"].(map[string]any)["lastUpdated"].(string))
		sm.Workers++
		if !active {
			sm.Inactive++
		}
		role := func(k int, current bool) {
			job := sampleJobs[(i+k)%len(sampleJobs)]
			r := map[string]any{
				"resourceType": "PractitionerRole", "id": fmt.Sprintf("R%04d-%d", i, k), "active": current,
				"practitioner": map[string]any{"reference": "Practitioner/" + id},
				"location":     []any{map[string]any{"reference": "Location/" + facilities[(i+k)%len(facilities)]}},
				"code":         []any{map[string]any{"coding": []any{map[string]any{"system": sampleJobSystem, "code": job}}}},
				"period":       map[string]any{"start": "2020-01-01"},
			}
			if !current {
				r["period"] = map[string]any{"start": "2015-01-01", "end": "2019-12-31"}
			}
			seed(r)
			sm.Roles++
			if current {
				sm.CurrentRoles++
				sm.CurrentByJob[job]++
			}
		}
		role(1, active)
		if i%5 == 0 {
			role(2, false)
		}
	}
	return sm
}
