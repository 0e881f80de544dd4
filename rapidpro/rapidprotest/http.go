package rapidprotest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// reply is what an endpoint handler produces: a status and a JSON body
// (nil body means no body, as for 204).
type reply struct {
	status int
	body   any
}

func okReply(body any) reply      { return reply{http.StatusOK, body} }
func createdReply(body any) reply { return reply{http.StatusCreated, body} }
func noContentReply() reply       { return reply{status: http.StatusNoContent} }

// detail is the {"detail": msg} error body DRF uses for non-field errors.
func detail(status int, msg string) reply {
	return reply{status, map[string]string{"detail": msg}}
}

func notFound() reply { return detail(http.StatusNotFound, "Not found.") }

type handlerFunc func(s *Server, r *http.Request) reply

// endpoint describes one /api/v2/<name>.json resource.
type endpoint struct {
	scope string
	get   handlerFunc
	post  handlerFunc
	del   handlerFunc
}

// routes is built once per server from the handler methods; it is never
// mutated after New, so it is not package state in disguise.
func routes() map[string]endpoint {
	return map[string]endpoint{
		"archives":             {scope: ScopeV2, get: (*Server).listArchives},
		"boundaries":           {scope: ScopeV2, get: (*Server).listBoundaries},
		"broadcasts":           {scope: ScopeV2, get: (*Server).listBroadcasts, post: (*Server).createBroadcast},
		"campaigns":            {scope: ScopeV2, get: (*Server).listCampaigns, post: (*Server).writeCampaign},
		"campaign_events":      {scope: ScopeV2, get: (*Server).listCampaignEvents, post: (*Server).writeCampaignEvent, del: (*Server).deleteCampaignEvent},
		"channels":             {scope: ScopeV2, get: (*Server).listChannels},
		"channel_events":       {scope: ScopeV2, get: (*Server).listChannelEvents},
		"contacts":             {scope: ScopeContacts, get: (*Server).listContacts, post: (*Server).writeContact, del: (*Server).deleteContact},
		"contact_actions":      {scope: ScopeV2, post: (*Server).contactActions},
		"definitions":          {scope: ScopeV2, get: (*Server).getDefinitions},
		"fields":               {scope: ScopeV2, get: (*Server).listFields, post: (*Server).writeField},
		"flow_starts":          {scope: ScopeV2, get: (*Server).listFlowStarts, post: (*Server).createFlowStart},
		"flows":                {scope: ScopeV2, get: (*Server).listFlows},
		"globals":              {scope: ScopeV2, get: (*Server).listGlobals, post: (*Server).writeGlobal},
		"groups":               {scope: ScopeV2, get: (*Server).listGroups, post: (*Server).writeGroup, del: (*Server).deleteGroup},
		"labels":               {scope: ScopeV2, get: (*Server).listLabels, post: (*Server).writeLabel, del: (*Server).deleteLabel},
		"messages":             {scope: ScopeMessages, get: (*Server).listMessages, post: (*Server).sendMessage},
		"message_actions":      {scope: ScopeV2, post: (*Server).messageActions},
		"org":                  {scope: ScopeV2, get: (*Server).getWorkspace},
		"workspace":            {scope: ScopeV2, get: (*Server).getWorkspace},
		"resthooks":            {scope: ScopeV2, get: (*Server).listResthooks},
		"resthook_events":      {scope: ScopeV2, get: (*Server).listResthookEvents},
		"resthook_subscribers": {scope: ScopeV2, get: (*Server).listResthookSubscribers, post: (*Server).createResthookSubscriber, del: (*Server).deleteResthookSubscriber},
		"runs":                 {scope: ScopeRuns, get: (*Server).listRuns},
		"tickets":              {scope: ScopeV2, get: (*Server).listTickets},
		"ticket_actions":       {scope: ScopeV2, post: (*Server).ticketActions},
		"media":                {scope: ScopeV2, post: (*Server).uploadMedia},
		"topics":               {scope: ScopeV2, get: (*Server).listTopics, post: (*Server).writeTopic},
		"users":                {scope: ScopeV2, get: (*Server).listUsers},
	}
}

// ServeHTTP implements http.Handler: authentication, the workspace header,
// injected faults, throttling, then the endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, isJSON := endpointName(r.URL.Path)
	ep, known := s.routes[name]
	if !known {
		s.finish(w, r, name, "", detail(http.StatusNotFound, "Not found."))
		return
	}
	if !isJSON {
		// Without .json RapidPro renders its browsable HTML docs.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, "<html><body><h1>%s</h1><p>Append .json to the URL to use the API.</p></body></html>", name)
		s.log.add(r, name, http.StatusOK, "")
		return
	}
	if msg, ok := s.authenticate(r); !ok {
		s.finish(w, r, name, "", detail(http.StatusForbidden, msg))
		return
	}
	w.Header().Set("X-Temba-Workspace", s.cfg.workspace.UUID)

	f := s.faults.match(r.Method, name)
	if f != nil {
		s.cfg.logger.Debug("rapidprotest: injecting fault", "kind", f.Kind.String(), "method", r.Method, "endpoint", name)
	}
	if f != nil && f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.log.add(r, name, 0, f.Kind.String())
			return
		}
	}
	if f != nil && f.Kind == FaultStatus {
		status := f.Status
		if status == 0 {
			status = http.StatusInternalServerError
		}
		switch {
		case status == http.StatusInternalServerError:
			writeServerError(w)
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			writeJSON(w, status, map[string]string{"detail": "Request was throttled. Expected available in 1 second."})
		case status >= 500:
			// Proxies in front of RapidPro answer 502-504 in plain text.
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(http.StatusText(status)))
		default:
			writeJSON(w, status, map[string]string{"detail": http.StatusText(status)})
		}
		s.log.add(r, name, status, f.Kind.String())
		return
	}

	if wait, limited := s.throttle.allow(ep.scope, time.Now()); limited {
		secs := int((wait + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		unit := "seconds"
		if secs == 1 {
			unit = "second"
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		s.finish(w, r, name, "", detail(http.StatusTooManyRequests,
			fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit)))
		return
	}

	var h handlerFunc
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h = ep.get
	case http.MethodPost:
		h = ep.post
	case http.MethodDelete:
		h = ep.del
	}
	if h == nil {
		s.finish(w, r, name, "", detail(http.StatusMethodNotAllowed, fmt.Sprintf("Method \"%s\" not allowed.", r.Method)))
		return
	}
	rep := h(s, r)
	kind := ""
	if f != nil {
		kind = f.Kind.String()
	}
	switch {
	case f != nil && f.Kind == FaultDropAfterCommit:
		s.log.add(r, name, rep.status, kind)
		dropConnection(w)
	case f != nil && f.Kind == FaultTruncate:
		s.log.add(r, name, rep.status, kind)
		writeTruncated(w, rep)
	default:
		s.finish(w, r, name, kind, rep)
	}
}

// finish writes a reply and records it in the request log.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, name, fault string, rep reply) {
	s.log.add(r, name, rep.status, fault)
	if rep.body == nil {
		w.WriteHeader(rep.status)
		return
	}
	writeJSON(w, rep.status, rep.body)
}

// dropConnection closes the connection without writing any response, as a
// proxy timeout or a crash after the database commit would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot hijack; abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// encodeBody returns the JSON of a reply body.
func encodeBody(body any) ([]byte, error) {
	if raw, ok := body.(rawBody); ok {
		return raw, nil
	}
	return json.Marshal(body)
}

// writeTruncated announces the full Content-Length, writes half the body
// and closes the connection.
func writeTruncated(w http.ResponseWriter, rep reply) {
	var b []byte
	if rep.body != nil {
		b, _ = encodeBody(rep.body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+16))
	w.WriteHeader(rep.status)
	_, _ = w.Write(b[:len(b)/2])
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// endpointName extracts "contacts" from "/api/v2/contacts.json", reporting
// whether the .json suffix was present.
func endpointName(path string) (string, bool) {
	rest, found := strings.CutPrefix(path, "/api/v2/")
	if !found {
		return "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	name, isJSON := strings.CutSuffix(rest, ".json")
	return name, isJSON
}

// authenticate accepts "Authorization: Token <t>" and Basic email:token.
func (s *Server) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if tok, found := strings.CutPrefix(h, "Token "); found {
		return "Invalid token", s.validToken(strings.TrimSpace(tok))
	}
	if enc, found := strings.CutPrefix(h, "Basic "); found {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err == nil {
			if _, tok, ok := strings.Cut(string(raw), ":"); ok && s.validToken(tok) {
				return "", true
			}
		}
		return "Invalid token or email", false
	}
	return "Authentication credentials were not provided.", false
}

func (s *Server) validToken(tok string) bool {
	for _, t := range s.cfg.tokens {
		if tok == t {
			return true
		}
	}
	return false
}

// maxBody caps request bodies; RapidPro's are small JSON documents.
const maxBody = 4 << 20

// readObject decodes a JSON object body, or returns the DRF 400 for a body
// that is not a single object.
func readObject(r *http.Request) (map[string]json.RawMessage, *reply) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		rep := detail(http.StatusBadRequest, "Could not read the request body.")
		return nil, &rep
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		if len(bytes.TrimSpace(b)) > 0 && !json.Valid(b) {
			rep := detail(http.StatusBadRequest, "JSON parse error - "+jsonErrorText(err))
			return nil, &rep
		}
		rep := reply{http.StatusBadRequest, map[string][]string{"non_field_errors": {"Request body should be a single JSON object"}}}
		return nil, &rep
	}
	return m, nil
}

func jsonErrorText(err error) string {
	if err == nil {
		return "invalid JSON"
	}
	return err.Error()
}
