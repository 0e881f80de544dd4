// Package ihris reads the national health workforce registry, iHRIS 5, as a
// list of health workers ready for messaging, and writes mHero activity back
// to it.
//
// iHRIS keeps everything as FHIR R4 resources: a health worker is a
// Practitioner, each job held at a facility is a PractitionerRole, facilities
// and administrative areas are Locations linked upwards by partOf, and the
// cadre of a job (doctor, nurse, ...) is a property of the job concept in the
// ihris-job CodeSystem rather than a field on the worker. This package joins
// those into one [HealthWorker] per Practitioner: names, phones, identifiers
// and the worker's roles, each with its job, cadre, employment status and the
// facility → district → region → country chain of [Place]s at whatever depth
// the country uses.
//
// A [Registry] reads through a [fhir.Client]. It streams the whole registry
// with a number of requests proportional to pages (PractitionerRole is pulled
// in with _revinclude), answers [Criteria] queries (facility, any admin area
// as a whole subtree, cadre, job, employment status, active), reports changes
// and deletions since a [Checkpoint], and caches the location tree and the job
// terminology. Real iHRIS data is messy: reading is lenient, and every problem
// becomes a [Warning] on the worker it concerns, never a lost worker.
//
// Write-back follows mHero v2: a CommunicationRequest per send (flow start or
// broadcast), a Communication per message and a QuestionnaireResponse per
// finished run, each linked to the Practitioner and written with a
// conditional update on an identifier derived from the RapidPro UUID, so a
// retry never duplicates and recording again brings the record up to date.
package ihris
