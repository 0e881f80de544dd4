// Package fhirtest is an in-process FHIR R4 server for testing FHIR
// clients: it behaves like HAPI FHIR, the server behind iHRIS and many
// national registries, where a client can get it wrong (paging, expired
// page links, history, conditional writes, versions) and can be made to
// fail the way real servers fail.
//
// It keeps every resource as raw JSON with its whole history, and serves:
//   - read, vread, create (with If-None-Exist), update (with If-Match),
//     conditional update, delete and conditional delete;
//   - transaction Bundles (all or nothing, urn:uuid references resolved)
//     and batch Bundles (each entry on its own);
//   - _history of the system, a type or an instance, with _since and _count;
//   - searches by GET or POST [type]/_search with _id, _count,
//     _lastUpdated, _sort (_lastUpdated and _id), _include and _revinclude
//     (with :iterate), _elements, _total, _summary=count, chained parameters
//     (practitioner.active), reverse chains (_has), :missing, :not, :exact,
//     :contains, :below (also on partof, through a chain) and type
//     modifiers, on the R4 parameters of the resources a health-workforce
//     registry holds (Practitioner, PractitionerRole, Location,
//     Organization, Patient, Person, terminology, CommunicationRequest,
//     Communication, QuestionnaireResponse, Basic, Group), plus any
//     parameter added with [WithSearchParams];
//   - the CapabilityStatement (/metadata), built from what it really does.
//
// Unknown search parameters are a 400 OperationOutcome, as on HAPI, unless
// the request says "Prefer: handling=lenient"; every error is an
// OperationOutcome.
//
// Paging follows HAPI's search cache: the list of matches (and its order)
// is fixed at the first request and its pages are served through opaque
// _getpages links on the base, each page serving its resources as they are
// when it is fetched and leaving out those deleted since (so a page can be
// short). Links can be made to expire after a time or a number of uses
// ([WithPageExpiry]), at once ([Server.ExpirePages]), with the status a
// given server answers ([WithExpiredPageStatus]). [WithUnstableSort] gives
// ties a new order on each search, as a database does, and
// [WithVersionIDs] makes version ids UUIDs (or anything): two things a
// client must not rely on.
//
// Faults ([Server.InjectFault]) answer chosen requests with 429 and
// Retry-After or 5xx, after doing the work or not, or drop the connection;
// Basic and Bearer authentication ([WithBasicAuth], [WithBearerToken],
// [Server.SetBearerToken]) and the request log ([Server.Requests]) show how
// a client behaves.
//
// A test sets the scene with [Server.Load], [Server.LoadDir] or
// [WithSeedDir] (resources and transaction Bundles), [Server.Seed] (fast,
// for generated data), [Server.Delete], and a settable clock
// ([WithClock]); [Server.Resource] and [Server.Search] read what a client
// wrote. None of these goes through faults, authentication or the log.
//
// Package ihris/ihristest builds an iHRIS on it: iHRIS's custom search
// parameters and a generated national health workforce.
package fhirtest
