package fhirtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const fhirJSON = "application/fhir+json;charset=utf-8"

// maxBody bounds request bodies (a transaction of a few thousand entries).
const maxBody = 64 << 20

func (s *Server) route(w http.ResponseWriter, r *http.Request, p string) {
	var parts []string
	if p != "" {
		parts = strings.Split(p, "/")
	}
	if len(parts) > 0 && parts[0] != "metadata" && parts[0] != "_history" && !knownType(parts[0]) {
		writeResult(w, outcome(http.StatusNotFound, "not-found", "unknown resource type "+strconv.Quote(parts[0])))
		return
	}
	var body []byte
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil || len(b) > maxBody {
			writeResult(w, outcome(http.StatusRequestEntityTooLarge, "too-costly", "request body too large or unreadable"))
			return
		}
		body = b
	}
	q := r.URL.Query()
	self := s.selfURL(r.URL)
	var res result
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet && q.Has("_getpages"):
		s.mu.RLock()
		res = s.getPage(q, self)
		s.mu.RUnlock()
	case len(parts) == 0 && r.Method == http.MethodPost:
		res = s.transaction(body)
	case len(parts) == 1 && parts[0] == "metadata" && r.Method == http.MethodGet:
		res = s.capabilities()
	case len(parts) == 1 && parts[0] == "_history" && r.Method == http.MethodGet:
		res = s.history("", "", q, self)
	case len(parts) == 1:
		switch r.Method {
		case http.MethodGet:
			res = s.searchType(parts[0], q, self, lenient(r))
		case http.MethodPost:
			res = s.create(parts[0], body, r.Header.Get("If-None-Exist"))
		case http.MethodPut:
			res = s.conditionalUpdate(parts[0], q, body)
		case http.MethodDelete:
			res = s.conditionalDelete(parts[0], q)
		default:
			res = notAllowed(r.Method)
		}
	case len(parts) == 2 && parts[1] == "_search" && r.Method == http.MethodPost:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			res = outcome(http.StatusBadRequest, "invalid", "invalid form body: "+err.Error())
			break
		}
		for k, vs := range q {
			form[k] = append(form[k], vs...)
		}
		res = s.searchType(parts[0], form, s.base()+"/"+parts[0]+"?"+form.Encode(), lenient(r))
	case len(parts) == 2 && parts[1] == "_history" && r.Method == http.MethodGet:
		res = s.history(parts[0], "", q, self)
	case len(parts) == 2:
		switch r.Method {
		case http.MethodGet:
			res = s.read(parts[0], parts[1], "")
		case http.MethodPut:
			res = s.update(parts[0], parts[1], body, r.Header.Get("If-Match"))
		case http.MethodDelete:
			res = s.delete(parts[0], parts[1])
		default:
			res = notAllowed(r.Method)
		}
	case len(parts) == 3 && parts[2] == "_history" && r.Method == http.MethodGet:
		res = s.history(parts[0], parts[1], q, self)
	case len(parts) == 4 && parts[2] == "_history" && r.Method == http.MethodGet:
		res = s.read(parts[0], parts[1], parts[3])
	default:
		res = notAllowed(r.Method)
	}
	if pref := r.Header.Get("Prefer"); strings.Contains(pref, "return=minimal") && res.status < 300 &&
		(r.Method == http.MethodPost || r.Method == http.MethodPut) && len(parts) > 0 {
		res.body = nil
	}
	writeResult(w, res)
}

// selfURL rebuilds the request URL on the server's base for Bundle links.
func (s *Server) selfURL(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, s.cfg.basePath)
	out := s.base() + p
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

func writeResult(w http.ResponseWriter, res result) {
	h := w.Header()
	if res.etag != "" {
		h.Set("ETag", res.etag)
	}
	if !res.lastMod.IsZero() {
		h.Set("Last-Modified", res.lastMod.UTC().Format(http.TimeFormat))
	}
	if res.location != "" {
		h.Set("Location", res.location)
		h.Set("Content-Location", res.location)
	}
	if len(res.body) > 0 {
		h.Set("Content-Type", fhirJSON)
	}
	w.WriteHeader(res.status)
	w.Write(res.body)
}

// An OperationOutcome issue, as HAPI reports errors.
func outcome(status int, code, diagnostics string) result {
	b, _ := json.Marshal(map[string]any{
		"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{
			"severity": severity(status), "code": code, "diagnostics": diagnostics,
		}},
	})
	return result{status: status, body: b}
}

func severity(status int) string {
	if status < 400 {
		return "information"
	}
	return "error"
}

func writeOutcome(w http.ResponseWriter, status int, code, diagnostics string) {
	writeResult(w, outcome(status, code, diagnostics))
}

func notAllowed(method string) result {
	return outcome(http.StatusMethodNotAllowed, "not-supported", "method "+method+" is not supported here")
}

func errResult(err error) result {
	if br, ok := err.(*badRequest); ok {
		return outcome(http.StatusBadRequest, "invalid", br.msg)
	}
	if fe, ok := err.(*fhirError); ok {
		return outcome(fe.status, fe.code, fe.msg)
	}
	return outcome(http.StatusInternalServerError, "exception", err.Error())
}

// fhirError is a failed interaction with its HTTP status and issue code.
type fhirError struct {
	status    int
	code, msg string
}

func (e *fhirError) Error() string { return e.msg }

// lenient reports whether the client sent "Prefer: handling=lenient",
// asking HAPI to ignore search parameters it does not know.
func lenient(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Prefer"), "handling=lenient")
}
