// Package ihristest is an in-process iHRIS: the FHIR R4 server of package
// fhir/fhirtest (HAPI's search, paging, expiring links, history,
// transactions, auth and faults) with the custom search parameters iHRIS
// installs, plus a deterministic generator of a national health workforce
// to fill it.
//
// The iHRIS parameters are job, employmentstatus (and employment-status),
// positionstatus, phonenumber, employeeNumber and related-location, and
// emNutt's rpflowstarts, isflowstart and isbroadcast (see [SearchParams]).
// Two conveniences go beyond HAPI and a portable client should not need
// them: partof:below through a chain (PractitionerRole?location.partof:below=
// Location/<region>) and phone numbers that also match on digits alone.
//
// It is seeded from the real iHRIS demo bundles (WithSeedDir) and/or from a
// generated workforce (WithWorkforce), whose Truth tells tests what a
// correct client must find: counts per district, region, cadre and job,
// and which phone numbers are missing, invalid or shared. Server.Churn then
// changes the registry (new phones, departures, deletions, hires) and
// reports what an incremental sync must find. Everything else (a clock,
// page sizes and expiry, credentials, faults, the request log) is the
// fhirtest server's: pass its options with WithServerOptions.
//
// A typical test:
//
//	srv := ihristest.NewServer(
//		ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 2000}),
//		ihristest.WithServerOptions(fhirtest.WithPageExpiry(time.Minute, 3)))
//	defer srv.Close()
//	// point the client at srv.URL() and check it against srv.Truth()
package ihristest
