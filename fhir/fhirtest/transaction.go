package fhirtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// An op is one entry of a transaction or batch Bundle.
type op struct {
	idx         int
	method      string
	typ, id     string
	vals        url.Values // conditional criteria or search parameters
	res         map[string]any
	fullURL     string
	ifNoneExist string
	ifMatch     string
	out         result
	skip        bool // conditional create that found its match
}

// methodOrder is the order FHIR processes transaction entries in.
var methodOrder = map[string]int{"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3}

// transaction processes a transaction or batch Bundle POSTed to the base.
// A transaction is all or nothing: every entry is checked before any is
// applied, and a failing entry fails the whole Bundle.
func (s *Server) transaction(body []byte) result {
	m, err := decodeResource(body, "Bundle")
	if err != nil {
		return errResult(err)
	}
	kind, _ := m["type"].(string)
	if kind != "transaction" && kind != "batch" {
		return outcome(http.StatusBadRequest, "invalid", "a Bundle POSTed to the base must be a transaction or batch, not "+strconv.Quote(kind))
	}
	entries, _ := m["entry"].([]any)
	ops := make([]*op, 0, len(entries))
	for i, e := range entries {
		o, err := s.parseEntry(i, e)
		if err != nil {
			if kind == "transaction" {
				return errResult(badf("entry %d: %v", i, err))
			}
			o = &op{idx: i, out: errResult(err)}
			o.skip = true
		}
		ops = append(ops, o)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kind == "batch" {
		for _, o := range ops {
			if !o.skip {
				o.out = s.apply(o)
			}
		}
		return s.bundleResponse("batch-response", ops)
	}
	if err := s.prepare(ops); err != nil {
		return errResult(err)
	}
	order := slices.Clone(ops)
	slices.SortStableFunc(order, func(a, b *op) int { return methodOrder[a.method] - methodOrder[b.method] })
	for _, o := range order {
		if !o.skip {
			o.out = s.apply(o)
		}
		if o.out.status >= 400 {
			// prepare makes this unreachable short of a bug; report it
			// rather than claim success.
			return outcome(http.StatusInternalServerError, "exception",
				fmt.Sprintf("entry %d failed after others were applied: %s", o.idx, o.out.body))
		}
	}
	return s.bundleResponse("transaction-response", ops)
}

func (s *Server) parseEntry(i int, e any) (*op, error) {
	em, _ := e.(map[string]any)
	req, _ := em["request"].(map[string]any)
	if req == nil {
		return nil, badf("no request")
	}
	o := &op{idx: i}
	o.method, _ = req["method"].(string)
	o.fullURL, _ = em["fullUrl"].(string)
	o.ifNoneExist, _ = req["ifNoneExist"].(string)
	o.ifMatch, _ = req["ifMatch"].(string)
	raw, _ := req["url"].(string)
	raw = strings.TrimPrefix(raw, s.base()+"/")
	u, err := url.Parse(raw)
	if err != nil {
		return nil, badf("invalid request.url %q", raw)
	}
	o.vals = u.Query()
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	o.typ = parts[0]
	if !knownType(o.typ) {
		return nil, badf("invalid request.url %q", raw)
	}
	if len(parts) > 1 {
		o.id = parts[1]
	}
	if len(parts) > 2 {
		return nil, badf("unsupported request.url %q", raw)
	}
	switch o.method {
	case "POST", "PUT":
		rm, _ := em["resource"].(map[string]any)
		if rm == nil {
			return nil, badf("%s without a resource", o.method)
		}
		if rt, _ := rm["resourceType"].(string); rt != o.typ {
			return nil, badf("resourceType %q does not match request.url %q", rt, raw)
		}
		o.res = rm
		if o.method == "PUT" && o.id != "" {
			if !idRE.MatchString(o.id) {
				return nil, badf("invalid id %q", o.id)
			}
			if bid, ok := rm["id"].(string); ok && bid != o.id {
				return nil, badf("the resource id %q does not match request.url %q", bid, raw)
			}
		}
	case "DELETE", "GET":
	default:
		return nil, badf("unsupported request.method %q", o.method)
	}
	return o, nil
}

// prepare checks every transaction entry against the current state,
// assigns ids to created resources and rewrites urn:uuid references.
func (s *Server) prepare(ops []*op) error {
	ids := map[string]string{}   // fullUrl (urn:uuid:…) → Type/id
	touched := map[string]bool{} // Type/id written by an entry
	for _, o := range ops {
		switch o.method {
		case "POST":
			if o.ifNoneExist != "" {
				found, err := s.conditionalMatches(o.typ, o.ifNoneExist)
				if err != nil {
					return err
				}
				switch len(found) {
				case 0:
				case 1:
					o.id, o.skip = found[0].res.id, true
					o.out = versionResult(http.StatusOK, found[0], s.versionURL(found[0]))
				default:
					return &fhirError{http.StatusPreconditionFailed, "duplicate", fmt.Sprintf("entry %d: If-None-Exist matched %d resources", o.idx, len(found))}
				}
			}
			if o.id == "" {
				o.id = s.newResourceID(o.typ)
			}
		case "PUT":
			if o.id == "" {
				found, err := s.conditionalSearch(o.typ, o.vals)
				if err != nil {
					return err
				}
				switch len(found) {
				case 0:
					o.id, _ = o.res["id"].(string)
					if o.id == "" {
						o.id = s.newResourceID(o.typ)
					}
				case 1:
					o.id = found[0].res.id
				default:
					return &fhirError{http.StatusPreconditionFailed, "duplicate", fmt.Sprintf("entry %d: conditional update matched %d resources", o.idx, len(found))}
				}
			}
			if err := s.checkIfMatch(o.typ, o.id, o.ifMatch); err != nil {
				return err
			}
		case "DELETE":
			if o.id == "" {
				return badf("entry %d: conditional delete is not supported in a transaction", o.idx)
			}
		}
		if o.method != "GET" && !o.skip {
			key := o.typ + "/" + o.id
			if touched[key] {
				return badf("entry %d: %s appears more than once in the transaction", o.idx, key)
			}
			touched[key] = true
		}
		if strings.HasPrefix(o.fullURL, "urn:uuid:") && o.id != "" {
			ids[o.fullURL] = o.typ + "/" + o.id
		}
	}
	if len(ids) > 0 {
		for _, o := range ops {
			if o.res != nil {
				rewriteRefs(o.res, ids)
			}
		}
	}
	return nil
}

// rewriteRefs replaces references to urn:uuid fullUrls with the ids the
// transaction assigned.
func rewriteRefs(v any, ids map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "reference" {
				if id, ok := ids[s]; ok {
					x[k] = id
				}
				continue
			}
			rewriteRefs(c, ids)
		}
	case []any:
		for _, c := range x {
			rewriteRefs(c, ids)
		}
	}
}

// apply performs one entry; callers hold s.mu for writing.
func (s *Server) apply(o *op) result {
	switch o.method {
	case "POST":
		if o.ifNoneExist != "" && o.id == "" {
			found, err := s.conditionalMatches(o.typ, o.ifNoneExist)
			if err != nil {
				return errResult(err)
			}
			if len(found) == 1 {
				return versionResult(http.StatusOK, found[0], s.versionURL(found[0]))
			} else if len(found) > 1 {
				return outcome(http.StatusPreconditionFailed, "duplicate", "If-None-Exist matched "+strconv.Itoa(len(found))+" resources")
			}
		}
		id := o.id
		if id == "" {
			id = s.newResourceID(o.typ)
		}
		v, err := s.write(o.typ, id, "POST", o.res)
		if err != nil {
			return errResult(err)
		}
		return versionResult(http.StatusCreated, v, s.versionURL(v))
	case "PUT":
		if o.id == "" {
			found, err := s.conditionalSearch(o.typ, o.vals)
			if err != nil {
				return errResult(err)
			}
			switch len(found) {
			case 0:
				o.id, _ = o.res["id"].(string)
				if o.id == "" {
					o.id = s.newResourceID(o.typ)
				}
			case 1:
				o.id = found[0].res.id
			default:
				return outcome(http.StatusPreconditionFailed, "duplicate", "conditional update matched several resources")
			}
		}
		if err := s.checkIfMatch(o.typ, o.id, o.ifMatch); err != nil {
			return errResult(err)
		}
		return s.putLocked(o.typ, o.id, o.res)
	case "DELETE":
		if o.id == "" {
			found, err := s.conditionalSearch(o.typ, o.vals)
			if err != nil {
				return errResult(err)
			}
			for _, v := range found {
				s.remove(o.typ, v.res.id)
			}
			return result{status: http.StatusNoContent}
		}
		if s.store.get(o.typ, o.id) == nil {
			return outcome(http.StatusNotFound, "not-found", "Resource "+o.typ+"/"+o.id+" is not known")
		}
		s.remove(o.typ, o.id)
		return result{status: http.StatusNoContent}
	case "GET":
		if o.id != "" {
			return s.readLocked(o.typ, o.id, "")
		}
		q, err := s.parseQuery(o.typ, o.vals)
		if err != nil {
			return errResult(err)
		}
		self := s.base() + "/" + o.typ
		if len(o.vals) > 0 {
			self += "?" + o.vals.Encode()
		}
		return s.respondList(q, s.search(q), self, false)
	}
	return notAllowed(o.method)
}

func (s *Server) bundleResponse(kind string, ops []*op) result {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","id":"` + newID() + `","type":"` + kind + `","entry":[`)
	for i, o := range ops {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{`)
		if o.method == "GET" && o.out.status < 400 && len(o.out.body) > 0 {
			b.WriteString(`"resource":`)
			b.Write(o.out.body)
			b.WriteByte(',')
		}
		b.WriteString(`"response":{"status":`)
		writeString(&b, strconv.Itoa(o.out.status)+" "+http.StatusText(o.out.status))
		if o.out.location != "" {
			b.WriteString(`,"location":`)
			writeString(&b, strings.TrimPrefix(o.out.location, s.base()+"/"))
		}
		if o.out.etag != "" {
			b.WriteString(`,"etag":`)
			writeString(&b, o.out.etag)
		}
		if !o.out.lastMod.IsZero() {
			b.WriteString(`,"lastModified":"` + o.out.lastMod.Format(timeFormat) + `"`)
		}
		if o.out.status >= 400 && json.Valid(o.out.body) {
			b.WriteString(`,"outcome":`)
			b.Write(o.out.body)
		}
		b.WriteString(`}}`)
	}
	b.WriteString(`]}`)
	return result{status: http.StatusOK, body: b.Bytes()}
}
