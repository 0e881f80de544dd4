package fhirtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// searchType serves the search interaction (GET [type]?… and POST
// [type]/_search). Like the other interactions here it builds a result for
// the HTTP layer or for a batch entry.
func (s *Server) searchType(typ string, vals url.Values, self string, lenient bool) result {
	if lenient {
		vals = s.knownParams(typ, vals)
	}
	q, err := s.parseQuery(typ, vals)
	if err != nil {
		return errResult(err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.respondList(q, s.search(q), self, false)
}

func (s *Server) read(typ, id, vid string) result {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readLocked(typ, id, vid)
}

// readLocked reads the current version of typ/id, or version vid when it
// is not empty. Callers hold s.mu.
func (s *Server) readLocked(typ, id, vid string) result {
	r := s.store.get(typ, id)
	if r == nil {
		return outcome(http.StatusNotFound, "not-found", "Resource "+typ+"/"+id+" is not known")
	}
	v := r.current()
	if vid != "" {
		if v = r.version(vid); v == nil {
			return outcome(http.StatusNotFound, "not-found", "Version "+strconv.Quote(vid)+" of "+typ+"/"+id+" is not known")
		}
	}
	if v.deleted {
		return outcome(http.StatusGone, "deleted", "Resource "+typ+"/"+id+" was deleted")
	}
	return versionResult(http.StatusOK, v, "")
}

func versionResult(status int, v *version, location string) result {
	return result{status: status, body: v.raw, etag: `W/"` + v.vid + `"`, lastMod: v.updated, location: location}
}

// history serves the system, type and instance _history interactions,
// newest first, with _since and paging.
func (s *Server) history(typ, id string, vals url.Values, self string) result {
	q := &query{typ: typ, count: s.pageSize}
	var since *dateCond
	for k, vs := range vals {
		for _, v := range vs {
			switch k {
			case "_count":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return outcome(http.StatusBadRequest, "invalid", "invalid _count")
				}
				q.count = min(n, s.maxPageSize)
			case "_since":
				lo, _, err := parseInstantRange(v)
				if err != nil {
					return errResult(err)
				}
				since = &dateCond{prefix: "ge", lo: lo}
			case "_format", "_pretty":
			default:
				return outcome(http.StatusBadRequest, "invalid", "unsupported _history parameter "+strconv.Quote(k))
			}
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var src []*version
	switch {
	case id != "":
		r := s.store.get(typ, id)
		if r == nil {
			return outcome(http.StatusNotFound, "not-found", "Resource "+typ+"/"+id+" is not known")
		}
		src = r.versions
	default:
		src = s.store.log
	}
	var out []*version
	for i := len(src) - 1; i >= 0; i-- {
		v := src[i]
		if (typ == "" || v.res.typ == typ) && (since == nil || since.match(v.updated)) {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b *version) int { return b.updated.Compare(a.updated) })
	return s.respondList(q, out, self, true)
}

// decodeResource parses a request body as a resource of typ (when typ is
// not empty), keeping numbers exactly as written.
func decodeResource(body []byte, typ string) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil {
		return nil, badf("the body is not a JSON resource")
	}
	rt, _ := m["resourceType"].(string)
	if typ != "" && rt != typ {
		return nil, badf("resourceType %q does not match the URL's %s", rt, typ)
	}
	if !knownType(rt) {
		return nil, badf("unknown resourceType %q", rt)
	}
	return m, nil
}

func (s *Server) create(typ string, body []byte, ifNoneExist string) result {
	m, err := decodeResource(body, typ)
	if err != nil {
		return errResult(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ifNoneExist != "" {
		found, err := s.conditionalMatches(typ, ifNoneExist)
		if err != nil {
			return errResult(err)
		}
		switch len(found) {
		case 0:
		case 1:
			return versionResult(http.StatusOK, found[0], s.versionURL(found[0]))
		default:
			return outcome(http.StatusPreconditionFailed, "duplicate", "If-None-Exist matched "+strconv.Itoa(len(found))+" resources")
		}
	}
	v, err := s.write(typ, s.newResourceID(typ), "POST", m)
	if err != nil {
		return errResult(err)
	}
	return versionResult(http.StatusCreated, v, s.versionURL(v))
}

func (s *Server) versionURL(v *version) string {
	return s.base() + "/" + v.res.typ + "/" + v.res.id + "/_history/" + v.vid
}

// conditionalMatches runs the search in a conditional interaction's
// criteria ("identifier=x|y"). Callers hold s.mu.
func (s *Server) conditionalMatches(typ, criteria string) ([]*version, error) {
	vals, err := url.ParseQuery(strings.TrimPrefix(criteria, typ+"?"))
	if err != nil {
		return nil, badf("invalid conditional criteria: %v", err)
	}
	return s.conditionalSearch(typ, vals)
}

func (s *Server) conditionalSearch(typ string, vals url.Values) ([]*version, error) {
	if len(vals) == 0 {
		return nil, badf("a conditional interaction needs search criteria")
	}
	q, err := s.parseQuery(typ, vals)
	if err != nil {
		return nil, err
	}
	return s.search(q), nil
}

func (s *Server) newResourceID(typ string) string {
	for {
		s.store.seq++
		id := strconv.FormatUint(s.store.seq, 10)
		if s.store.get(typ, id) == nil {
			return id
		}
	}
}

func (s *Server) update(typ, id string, body []byte, ifMatch string) result {
	if !idRE.MatchString(id) {
		return outcome(http.StatusBadRequest, "invalid", "invalid id "+strconv.Quote(id))
	}
	m, err := decodeResource(body, typ)
	if err != nil {
		return errResult(err)
	}
	if bid, ok := m["id"].(string); ok && bid != id {
		return outcome(http.StatusBadRequest, "invalid", "the body's id "+strconv.Quote(bid)+" does not match the URL's "+strconv.Quote(id))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkIfMatch(typ, id, ifMatch); err != nil {
		return errResult(err)
	}
	return s.putLocked(typ, id, m)
}

func (s *Server) putLocked(typ, id string, m map[string]any) result {
	existed := s.store.live(typ, id) != nil
	v, err := s.write(typ, id, "PUT", m)
	if err != nil {
		return errResult(err)
	}
	status := http.StatusCreated
	if existed {
		status = http.StatusOK
	}
	return versionResult(status, v, s.versionURL(v))
}

func (s *Server) checkIfMatch(typ, id, ifMatch string) error {
	if ifMatch == "" {
		return nil
	}
	want := strings.Trim(strings.TrimPrefix(ifMatch, "W/"), `"`)
	cur := s.store.live(typ, id)
	if cur == nil || cur.vid != want {
		return &fhirError{http.StatusPreconditionFailed, "conflict", "If-Match " + ifMatch + " does not match the current version"}
	}
	return nil
}

func (s *Server) conditionalUpdate(typ string, vals url.Values, body []byte) result {
	m, err := decodeResource(body, typ)
	if err != nil {
		return errResult(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found, err := s.conditionalSearch(typ, vals)
	if err != nil {
		return errResult(err)
	}
	switch len(found) {
	case 0:
		id, _ := m["id"].(string)
		if id == "" {
			id = s.newResourceID(typ)
		}
		return s.putLocked(typ, id, m)
	case 1:
		if bid, ok := m["id"].(string); ok && bid != found[0].res.id {
			return outcome(http.StatusBadRequest, "invalid", "the body's id does not match the resource found")
		}
		return s.putLocked(typ, found[0].res.id, m)
	}
	return outcome(http.StatusPreconditionFailed, "duplicate", "conditional update matched "+strconv.Itoa(len(found))+" resources")
}

func (s *Server) delete(typ, id string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(typ, id)
}

func (s *Server) deleteLocked(typ, id string) result {
	if s.store.get(typ, id) == nil {
		return outcome(http.StatusNotFound, "not-found", "Resource "+typ+"/"+id+" is not known")
	}
	if _, ok := s.remove(typ, id); !ok {
		return outcome(http.StatusOK, "informational", "Resource "+typ+"/"+id+" was already deleted")
	}
	return outcome(http.StatusOK, "informational", "Successfully deleted "+typ+"/"+id)
}

func (s *Server) conditionalDelete(typ string, vals url.Values) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	found, err := s.conditionalSearch(typ, vals)
	if err != nil {
		return errResult(err)
	}
	for _, v := range found {
		s.remove(typ, v.res.id)
	}
	return outcome(http.StatusOK, "informational", "Deleted "+strconv.Itoa(len(found))+" resources")
}

// write stores a new version of typ/id from a decoded body. Callers hold
// s.mu for writing.
func (s *Server) write(typ, id, method string, m map[string]any) (*version, error) {
	return s.writeAt(typ, id, method, m, s.now())
}

// writeAt is write at a given time. Callers hold s.mu for writing.
func (s *Server) writeAt(typ, id, method string, m map[string]any, at time.Time) (*version, error) {
	vid := s.nextVersionID(typ, id)
	raw, err := stamp(m, typ, id, vid, at)
	if err != nil {
		return nil, err
	}
	return s.store.put(typ, id, vid, method, at, raw, s.params.indexRefs(typ, m, s.base())), nil
}

// nextVersionID returns the meta.versionId of the next version of typ/id.
func (s *Server) nextVersionID(typ, id string) string {
	n := 1
	if r := s.store.get(typ, id); r != nil {
		n = len(r.versions) + 1
	}
	return s.cfg.versionID(typ, id, n)
}

// remove deletes typ/id now, as a new version of its history. Callers hold
// s.mu for writing.
func (s *Server) remove(typ, id string) (*version, bool) {
	return s.store.remove(typ, id, s.now(), func(n int) string { return s.cfg.versionID(typ, id, n) })
}
