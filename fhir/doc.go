// Package fhir is a FHIR R4 REST client built for the messy data of real
// health-workforce registries such as iHRIS 5 on a HAPI server.
//
// Resources are kept twice: as the JSON the server sent and as a typed decode
// into the models of github.com/samply/golang-fhir-models (imported here as
// models). See [Resource].
//
// # Lenient reading
//
// A strict decoder drops a whole health worker for one malformed element
// (a Location.managingOrganization written as a bare string, a valueInteger
// written as "2", a code the models do not know). This package never does:
// the decoder repairs the element when the intent is clear (coercing a
// string to a number, wrapping a string in a Reference) or leaves it out of
// the typed model otherwise, and reports each change as a [Warning] naming
// the resource and the element path. The JSON as received is kept untouched.
//
// # Read-modify-write
//
// samply's models ignore elements they do not know (contained resources,
// primitive extensions such as _birthDate, elements from newer versions).
// [Client.Update] therefore does not send the model as is: it applies the
// changes made to the model since it was read onto the JSON as received
// (a three-way merge, see [Resource.MarshalJSON]), so everything the models
// cannot represent survives the round trip.
//
// # Searching
//
// [Client.Search] and [Client.Pages] are lazy iterators that follow the
// Bundle's next link; a page holds the matches and what _include and
// _revinclude brought (see [Page.Resolve]). HAPI forgets its page links
// after a while; a search sorted by _lastUpdated (see [SearchParams.Sort])
// then carries on from the last _lastUpdated seen, without losing or
// repeating a resource. The same bookkeeping gives a [Cursor] to carry on
// later, in another process (see [SearchParams.After]).
//
// # Retries
//
// Reads, PUTs, DELETEs, searches (even POSTed), conditional creates and
// batches made only of those are retried on 429, 5xx and network errors.
// A plain create, or a batch holding one, is sent again only when it
// certainly did not reach the server: creating a resource twice is worse
// than reporting an error.
//
// # Errors
//
// A non-2xx answer carrying an OperationOutcome becomes an
// [*OperationOutcomeError]; any other answer a [*StatusError]. Both match
// the sentinels [ErrNotFound], [ErrGone], [ErrUnauthorized] and friends with
// errors.Is. Credentials never appear in errors or logs.
package fhir
