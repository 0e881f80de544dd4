// Package ihristest is an in-process iHRIS: a FHIR R4 server that behaves
// like the HAPI FHIR server behind iHRIS 5, plus a deterministic generator
// of a national health workforce to fill it.
//
// The server keeps every resource as raw JSON (with its history) and
// implements what iHRIS and mHero rely on: read, vread, create (with
// If-None-Exist), update, delete, transaction and batch Bundles, _history
// with _since, the capability statement, and searches with _id, _count,
// _lastUpdated, _sort, _include/_revinclude (with :iterate), _elements,
// _total, _summary=count, chained parameters (practitioner.active,
// location.partof:below), reverse chains (_has) and HAPI-style paging
// through opaque _getpages links that can be made to expire (410 Gone).
// Unknown search parameters are a 400 OperationOutcome, as on HAPI, unless
// the request says "Prefer: handling=lenient". The iHRIS custom parameters
// (job, employmentstatus, phonenumber, employeeNumber, related-location...)
// are built in. Pages follow HAPI's search cache: the list of matches
// (and its order) is fixed at the first request, but each page serves its
// resources as they are when it is fetched, leaving out any deleted since,
// so a page can be short; _include/_revinclude are resolved then too. Auth (Basic or Bearer), a request log and injected faults (5xx,
// 429 with Retry-After) let tests check how a client behaves.
//
// Two conveniences go beyond HAPI and a portable client should not need
// them: partof:below through a chain (PractitionerRole?location.partof:below=
// Location/<region>) and phone tokens that also match on digits alone.
//
// It is seeded from the real iHRIS demo bundles (WithSeedDir) and/or from a
// generated workforce (WithWorkforce), whose Truth tells tests what a
// correct client must find: counts per district, region, cadre and job,
// and which phone numbers are missing, invalid or shared. Server.Churn then
// changes the registry (new phones, departures, deletions, hires) and
// reports what an incremental sync must find.
//
// A typical test:
//
//	srv := ihristest.NewServer(
//		ihristest.WithWorkforce(ihristest.Workforce{Seed: 1, Workers: 2000}),
//		ihristest.WithPageExpiry(time.Minute, 3))
//	defer srv.Close()
//	// point the client at srv.URL() and check it against srv.Truth()
package ihristest
