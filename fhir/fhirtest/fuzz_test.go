package fhirtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

func fuzzServer(tb testing.TB) *Server {
	s := NewServer(WithSearchParams(SearchParam{Resource: "Practitioner", Name: "phone-digits", Type: TokenParam,
		Values: func(m map[string]any) []any { return Path(m, "telecom", "value") },
		Match:  func(v string, elems []any) bool { return len(elems) > 0 && v != "" }}))
	tb.Cleanup(s.Close)
	seedRegistry(s, 40)
	return s
}

// FuzzSearchQuery: any query answers 200 with a valid Bundle or 400 with an
// OperationOutcome, never a panic or a 500.
func FuzzSearchQuery(f *testing.F) {
	for _, seed := range []string{
		"name=kol&_count=3", "_lastUpdated=ge2025-06-01T10:00:00+00:00&_sort=-_lastUpdated",
		"practitioner.active=true", "location.partof:below=Location/C", "_include=PractitionerRole:*",
		"role=http://example.org/fhir/CodeSystem/job|nurse,|lab", "_id=P0001,P0002",
		"phone=0770%20123%20456", "_revinclude:iterate=Location:partof&_elements=name", "_total=accurate&_count=0",
		"partof:missing=true", "active:not=true", "name:exact=Musu%20Kollie", "_lastUpdated=eq2025-13",
		"identifier=|x", "_summary=count", "_include=Practitioner:nope", "location.nope=1", "phone-digits:not=1", "phone-digits:exact=1",
		"_has:PractitionerRole:practitioner:location.partof:below=Location/C", "date=ge2020&date=lt2030-06", "_has:PractitionerRole:practitioner:_has:x=1",
	} {
		f.Add(uint8(0), seed)
		f.Add(uint8(1), seed)
	}
	s := fuzzServer(f)
	types := []string{"Practitioner", "PractitionerRole", "Location", "CodeSystem", "Basic"}
	f.Fuzz(func(t *testing.T, typ uint8, raw string) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		res := s.searchType(types[int(typ)%len(types)], vals, s.URL(), typ%2 == 0)
		switch res.status {
		case http.StatusOK, http.StatusBadRequest:
		default:
			t.Fatalf("%q: status %d %s", raw, res.status, res.body)
		}
		if !json.Valid(res.body) {
			t.Fatalf("%q: invalid JSON %s", raw, res.body)
		}
	})
}

// FuzzTransaction: any body POSTed to the base is answered without a panic
// or a 500, and a transaction that fails changes nothing.
func FuzzTransaction(f *testing.F) {
	for _, seed := range []string{
		`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Practitioner","id":"A"},"request":{"method":"PUT","url":"Practitioner/A"}}]}`,
		`{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Practitioner?name=a"}},{"request":{"method":"DELETE","url":"Practitioner/P0001"}}]}`,
		`{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Basic"},"request":{"method":"POST","url":"Basic","ifNoneExist":"code=x"}}]}`,
		`{"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"Practitioner"},"request":{"method":"PUT","url":"Practitioner?identifier=x|1","ifMatch":"W/\"3\""}}]}`,
		`{"resourceType":"Bundle","type":"searchset"}`, `[]`, `{"resourceType":"Bundle","type":"transaction","entry":[1]}`,
	} {
		f.Add([]byte(seed))
	}
	s := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		before := len(s.store.log)
		res := s.transaction(body)
		if res.status >= 500 {
			t.Fatalf("status %d %s", res.status, res.body)
		}
		if res.status >= 400 && len(s.store.log) != before {
			t.Fatalf("a failed Bundle (%d) changed the store", res.status)
		}
	})
}
