package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hapi is an in-memory FHIR server that behaves like HAPI where the client
// cares: searchset Bundles with _getpages next links that can expire (410
// with an OperationOutcome), _count, _lastUpdated, _sort=_lastUpdated (ties
// in a different order on every search, as a database gives them),
// _include/_revinclude of PractitionerRole:practitioner, _history with
// _since, conditional create and update, If-Match, batch and transaction,
// OperationOutcome errors and 429s.
type hapi struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	res       map[string]*stored // "Type/id"
	history   []version          // every write, oldest first
	pages     map[string][]entry // _getpages id -> all entries of the search
	hist      map[string][]any   // _getpages id -> all entries of a history
	searches  int
	clock     time.Time
	requests  []string // "METHOD path?query"
	authorize func(*http.Request) bool
	// tooMany answers this many next requests with 429 Retry-After: 0.
	tooMany int
	// unavailable answers this many next requests with 503, after doing
	// them: the client cannot know whether a write happened.
	unavailable int
	// expiredStatus is the status for an unknown _getpages id (410 by default).
	expiredStatus int
}

type stored struct {
	typ, id string
	version int
	updated time.Time
	body    map[string]any
	deleted bool
}

type version struct {
	typ, id string
	version int
	updated time.Time
	body    map[string]any // nil for a deletion
}

type entry struct {
	res  *stored
	mode string
}

const basePath = "/fhir/"

func newHAPI(t testing.TB) *hapi {
	h := &hapi{t: t, res: map[string]*stored{}, pages: map[string][]entry{}, hist: map[string][]any{},
		clock: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	mux := http.NewServeMux()
	mux.HandleFunc(basePath, h.serve)
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hapi) URL() string { return h.srv.URL + "/fhir" }

// put stores a resource (JSON) as written at time at.
func (h *hapi) put(resource string, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var body map[string]any
	dec := json.NewDecoder(strings.NewReader(resource))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		h.t.Fatal(err)
	}
	h.write(body["resourceType"].(string), body["id"].(string), body, at)
}

// write stores body as a new version; h.mu is held.
func (h *hapi) write(typ, id string, body map[string]any, at time.Time) *stored {
	key := typ + "/" + id
	s := h.res[key]
	if s == nil {
		s = &stored{typ: typ, id: id}
		h.res[key] = s
	}
	s.version++
	s.updated, s.deleted = at, false
	body["id"] = id
	body["meta"] = map[string]any{"versionId": strconv.Itoa(s.version),
		"lastUpdated": at.Format("2006-01-02T15:04:05.000-07:00")}
	s.body = body
	h.history = append(h.history, version{typ, id, s.version, at, body})
	return s
}

func (h *hapi) tick() time.Time {
	h.clock = h.clock.Add(time.Second)
	return h.clock
}

// expirePages forgets every page link, as HAPI does after a while.
func (h *hapi) expirePages() {
	h.mu.Lock()
	clear(h.pages)
	clear(h.hist)
	h.mu.Unlock()
}

func (h *hapi) log() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

func outcome(w http.ResponseWriter, status int, code, diagnostics string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{"severity": "error", "code": code, "diagnostics": diagnostics}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (h *hapi) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests = append(h.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, basePath)+"?"+r.URL.RawQuery)
	if h.authorize != nil && !h.authorize(r) {
		outcome(w, http.StatusUnauthorized, "login", "HAPI-0333: authentication required")
		return
	}
	if h.tooMany > 0 {
		h.tooMany--
		w.Header().Set("Retry-After", "0")
		outcome(w, http.StatusTooManyRequests, "throttled", "slow down")
		return
	}
	if h.unavailable > 0 {
		h.unavailable--
		rec := httptest.NewRecorder()
		h.route(rec, r)
		outcome(w, http.StatusServiceUnavailable, "transient", "HAPI-0000: gateway timeout")
		return
	}
	h.route(w, r)
}

func (h *hapi) route(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(strings.TrimPrefix(r.URL.Path, basePath), "/")
	segs := strings.Split(path, "/")
	if path == "" {
		segs = nil
	}
	q := r.URL.Query()
	switch {
	case len(segs) == 0 && r.Method == http.MethodGet && q.Has("_getpages"):
		h.getPages(w, q)
	case len(segs) == 0 && r.Method == http.MethodPost:
		h.bundle(w, r)
	case len(segs) == 1 && segs[0] == "metadata":
		writeJSON(w, 200, map[string]any{"resourceType": "CapabilityStatement", "status": "active",
			"date": "2024-05-01", "kind": "instance", "fhirVersion": "4.0.1", "format": []string{"json"}})
	case len(segs) == 1 && r.Method == http.MethodGet:
		h.search(w, segs[0], q)
	case len(segs) == 2 && segs[1] == "_search" && r.Method == http.MethodPost:
		r.ParseForm()
		h.search(w, segs[0], r.PostForm)
	case len(segs) == 1 && r.Method == http.MethodPost:
		h.create(w, r, segs[0])
	case len(segs) == 1 && r.Method == http.MethodPut:
		h.conditionalUpdate(w, r, segs[0], q)
	case len(segs) == 2 && segs[1] == "_history":
		h.historyOf(w, segs[0], "", q)
	case len(segs) == 3 && segs[2] == "_history":
		h.historyOf(w, segs[0], segs[1], q)
	case len(segs) == 2 && r.Method == http.MethodGet:
		h.read(w, segs[0], segs[1])
	case len(segs) == 4 && segs[2] == "_history" && r.Method == http.MethodGet:
		h.vread(w, segs[0], segs[1], segs[3])
	case len(segs) == 2 && r.Method == http.MethodPut:
		h.update(w, r, segs[0], segs[1])
	case len(segs) == 2 && r.Method == http.MethodDelete:
		if s := h.res[segs[0]+"/"+segs[1]]; s != nil && !s.deleted {
			s.deleted = true
			s.version++
			h.history = append(h.history, version{s.typ, s.id, s.version, h.tick(), nil})
		}
		outcome(w, 200, "informational", "deleted")
	default:
		outcome(w, http.StatusBadRequest, "not-supported", "HAPI-0302: unknown request "+r.Method+" "+path)
	}
}

func (h *hapi) resource(w http.ResponseWriter, status int, s *stored) {
	w.Header().Set("ETag", fmt.Sprintf(`W/"%d"`, s.version))
	w.Header().Set("Location", fmt.Sprintf("%s/%s/%s/_history/%d", h.URL(), s.typ, s.id, s.version))
	writeJSON(w, status, s.body)
}

func (h *hapi) read(w http.ResponseWriter, typ, id string) {
	s := h.res[typ+"/"+id]
	switch {
	case s == nil:
		outcome(w, http.StatusNotFound, "processing", "HAPI-2001: Resource "+typ+"/"+id+" is not known")
	case s.deleted:
		outcome(w, http.StatusGone, "processing", "HAPI-2244: Resource was deleted")
	default:
		h.resource(w, 200, s)
	}
}

func (h *hapi) vread(w http.ResponseWriter, typ, id, vid string) {
	for _, v := range h.history {
		if v.typ == typ && v.id == id && strconv.Itoa(v.version) == vid && v.body != nil {
			writeJSON(w, 200, v.body)
			return
		}
	}
	outcome(w, http.StatusNotFound, "processing", "HAPI-0979: version "+vid+" is not known")
}

func decodeBody(r io.Reader) (map[string]any, error) {
	var body map[string]any
	dec := json.NewDecoder(r)
	dec.UseNumber()
	err := dec.Decode(&body)
	return body, err
}

func (h *hapi) create(w http.ResponseWriter, r *http.Request, typ string) {
	if cond := r.Header.Get("If-None-Exist"); cond != "" {
		q, _ := url.ParseQuery(cond)
		switch m := h.match(typ, q); len(m) {
		case 0:
		case 1:
			h.resource(w, http.StatusOK, m[0])
			return
		default:
			outcome(w, http.StatusPreconditionFailed, "duplicate", "HAPI-0958: multiple matches")
			return
		}
	}
	body, err := decodeBody(r.Body)
	if err != nil || body["resourceType"] != typ {
		outcome(w, http.StatusBadRequest, "invalid", "HAPI-0450: failed to parse request body")
		return
	}
	h.resource(w, http.StatusCreated, h.write(typ, fmt.Sprintf("%d", 1000+len(h.res)), body, h.tick()))
}

func (h *hapi) update(w http.ResponseWriter, r *http.Request, typ, id string) {
	s := h.res[typ+"/"+id]
	if im := r.Header.Get("If-Match"); im != "" && (s == nil || im != fmt.Sprintf(`W/"%d"`, s.version)) {
		outcome(w, http.StatusPreconditionFailed, "conflict", "HAPI-0989: version conflict")
		return
	}
	body, err := decodeBody(r.Body)
	if err != nil || body["resourceType"] != typ || body["id"] != id {
		outcome(w, http.StatusBadRequest, "invalid", "HAPI-0420: body does not match the URL")
		return
	}
	status := http.StatusOK
	if s == nil {
		status = http.StatusCreated
	}
	h.resource(w, status, h.write(typ, id, body, h.tick()))
}

func (h *hapi) conditionalUpdate(w http.ResponseWriter, r *http.Request, typ string, q url.Values) {
	m := h.match(typ, q)
	if len(m) > 1 {
		outcome(w, http.StatusPreconditionFailed, "duplicate", "HAPI-0988: multiple matches")
		return
	}
	body, err := decodeBody(r.Body)
	if err != nil {
		outcome(w, http.StatusBadRequest, "invalid", "bad body")
		return
	}
	id, status := fmt.Sprintf("%d", 1000+len(h.res)), http.StatusCreated
	if len(m) == 1 {
		id, status = m[0].id, http.StatusOK
	}
	h.resource(w, status, h.write(typ, id, body, h.tick()))
}

// match returns the live resources of typ matching q, in id order. It
// knows _id, _lastUpdated (with prefixes, ANDed), identifier (value or
// system|value), active and practitioner; anything else is refused.
func (h *hapi) match(typ string, q url.Values) []*stored {
	var out []*stored
next:
	for _, s := range h.res {
		if s.typ != typ || s.deleted {
			continue
		}
		for k, vs := range q {
			if strings.HasPrefix(k, "_") && k != "_id" && k != "_lastUpdated" {
				continue // result parameters
			}
			for _, v := range vs {
				if !matches(s, k, v) {
					continue next
				}
			}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *stored) int { return strings.Compare(a.id, b.id) })
	return out
}

func matches(s *stored, param, value string) bool {
	switch param {
	case "_id":
		return slices.Contains(strings.Split(value, ","), s.id)
	case "_lastUpdated":
		prefix, ts := value[:2], value[2:]
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			panic("bad _lastUpdated " + value)
		}
		switch prefix {
		case "ge":
			return !s.updated.Before(t)
		case "gt":
			return s.updated.After(t)
		case "le":
			return !s.updated.After(t)
		case "lt":
			return s.updated.Before(t)
		}
	case "active":
		return fmt.Sprint(s.body["active"]) == value
	case "identifier":
		ids, _ := s.body["identifier"].([]any)
		for _, x := range ids {
			id, _ := x.(map[string]any)
			if id["value"] == value || fmt.Sprintf("%v|%v", id["system"], id["value"]) == value {
				return true
			}
		}
		return false
	case "practitioner":
		ref, _ := s.body["practitioner"].(map[string]any)
		return ref["reference"] == value
	}
	panic("unknown search parameter " + param)
}

func (h *hapi) search(w http.ResponseWriter, typ string, q url.Values) {
	m := h.match(typ, q)
	h.searches++
	if q.Get("_sort") == "_lastUpdated" {
		// A database returns ties in no particular order: shuffle them
		// differently on every search.
		rng := rand.New(rand.NewPCG(uint64(h.searches), 7))
		rng.Shuffle(len(m), func(i, j int) { m[i], m[j] = m[j], m[i] })
		slices.SortStableFunc(m, func(a, b *stored) int { return a.updated.Compare(b.updated) })
	}
	var entries []entry
	for _, s := range m {
		entries = append(entries, entry{s, "match"})
		for _, inc := range q["_include"] {
			if inc == "PractitionerRole:practitioner" {
				ref, _ := s.body["practitioner"].(map[string]any)
				if p := h.res[fmt.Sprint(ref["reference"])]; p != nil && !p.deleted {
					entries = append(entries, entry{p, "include"})
				}
			}
		}
		for _, inc := range q["_revinclude"] {
			if inc == "PractitionerRole:practitioner" {
				for _, role := range h.match("PractitionerRole", url.Values{"practitioner": {typ + "/" + s.id}}) {
					entries = append(entries, entry{role, "include"})
				}
			}
		}
	}
	id := fmt.Sprintf("search-%d", h.searches)
	h.pages[id] = entries
	count, _ := strconv.Atoi(q.Get("_count"))
	if count <= 0 {
		count = 20
	}
	h.page(w, id, 0, count, len(m))
}

// page answers one page of a stored search; a page holds count matches
// and what they include.
func (h *hapi) page(w http.ResponseWriter, id string, offset, count, total int) {
	all := h.pages[id]
	var out []any
	matches, i := 0, offset
	for ; i < len(all); i++ {
		if all[i].mode == "match" {
			if matches == count {
				break
			}
			matches++
		}
		out = append(out, map[string]any{"fullUrl": h.URL() + "/" + all[i].res.typ + "/" + all[i].res.id,
			"resource": all[i].res.body, "search": map[string]any{"mode": all[i].mode}})
	}
	b := map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": out}
	if total >= 0 {
		b["total"] = total
	}
	if i < len(all) {
		// HAPI links to itself by the address it believes it has.
		b["link"] = []any{map[string]any{"relation": "next", "url": fmt.Sprintf(
			"%s?_getpages=%s&_getpagesoffset=%d&_count=%d&_bundletype=searchset", h.URL(), id, i, count)}}
	}
	writeJSON(w, 200, b)
}

func (h *hapi) getPages(w http.ResponseWriter, q url.Values) {
	id := q.Get("_getpages")
	offset, _ := strconv.Atoi(q.Get("_getpagesoffset"))
	count, _ := strconv.Atoi(q.Get("_count"))
	if _, ok := h.hist[id]; ok {
		h.historyPage(w, id, offset, count)
		return
	}
	if _, ok := h.pages[id]; !ok {
		status := h.expiredStatus
		if status == 0 {
			status = http.StatusGone
		}
		outcome(w, status, "processing", `HAPI-0417: Search ID "`+id+`" does not exist and may have expired`)
		return
	}
	h.page(w, id, offset, count, -1)
}

func (h *hapi) historyOf(w http.ResponseWriter, typ, id string, q url.Values) {
	var since time.Time
	if s := q.Get("_since"); s != "" {
		since, _ = time.Parse(time.RFC3339Nano, s)
	}
	var out []any
	for i := len(h.history) - 1; i >= 0; i-- {
		v := h.history[i]
		if v.typ != typ || (id != "" && v.id != id) || v.updated.Before(since) {
			continue
		}
		e := map[string]any{"fullUrl": h.URL() + "/" + v.typ + "/" + v.id}
		if v.body == nil {
			e["request"] = map[string]any{"method": "DELETE", "url": v.typ + "/" + v.id}
			e["response"] = map[string]any{"status": "204 No Content"}
		} else {
			e["resource"] = v.body
			e["request"] = map[string]any{"method": "PUT", "url": v.typ + "/" + v.id}
			e["response"] = map[string]any{"status": "200 OK", "etag": fmt.Sprintf(`W/"%d"`, v.version)}
		}
		out = append(out, e)
	}
	pid := fmt.Sprintf("history-%d", len(h.hist))
	h.hist[pid] = out
	count, _ := strconv.Atoi(q.Get("_count"))
	if count <= 0 {
		count = 20
	}
	h.historyPage(w, pid, 0, count)
}

func (h *hapi) historyPage(w http.ResponseWriter, id string, offset, count int) {
	all := h.hist[id]
	end := min(offset+count, len(all))
	b := map[string]any{"resourceType": "Bundle", "type": "history", "entry": all[offset:end]}
	if end < len(all) {
		b["link"] = []any{map[string]any{"relation": "next", "url": fmt.Sprintf(
			"%s?_getpages=%s&_getpagesoffset=%d&_count=%d&_bundletype=history", h.URL(), id, end, count)}}
	}
	writeJSON(w, 200, b)
}

func (h *hapi) bundle(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Type  string `json:"type"`
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
			Request  struct {
				Method, URL, IfNoneExist, IfMatch string
			} `json:"request"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		outcome(w, 400, "invalid", "bad bundle")
		return
	}
	var out []any
	for _, e := range in.Entry {
		rec := httptest.NewRecorder()
		sub := httptest.NewRequest(e.Request.Method, basePath+e.Request.URL, bytes.NewReader(e.Resource))
		if e.Request.IfNoneExist != "" {
			sub.Header.Set("If-None-Exist", e.Request.IfNoneExist)
		}
		if e.Request.IfMatch != "" {
			sub.Header.Set("If-Match", e.Request.IfMatch)
		}
		h.mu.Unlock()
		h.serve(rec, sub)
		h.mu.Lock()
		h.requests = h.requests[:len(h.requests)-1]
		resp := map[string]any{"status": fmt.Sprintf("%d %s", rec.Code, http.StatusText(rec.Code))}
		ent := map[string]any{"response": resp}
		body, _ := decodeBody(rec.Body)
		if rec.Code >= 300 {
			resp["outcome"] = body
		} else if body != nil && body["resourceType"] != "OperationOutcome" {
			ent["resource"] = body
			resp["location"] = rec.Header().Get("Location")
			resp["etag"] = rec.Header().Get("ETag")
		}
		if in.Type == "transaction" && rec.Code >= 300 {
			outcome(w, rec.Code, "processing", "transaction failed: "+e.Request.Method+" "+e.Request.URL)
			return
		}
		out = append(out, ent)
	}
	writeJSON(w, 200, map[string]any{"resourceType": "Bundle", "type": in.Type + "-response", "entry": out})
}
