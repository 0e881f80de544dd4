package fhirtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A snapshot is the complete result list of one search or history request,
// kept so that its pages can be served later through _getpages links, as
// HAPI's search cache does. Like HAPI, a search's pages serve the
// resources in the snapshot's order but as they are when the page is
// served (the current version; nothing for one deleted since); a history
// serves the versions it listed.
type snapshot struct {
	id      string
	created time.Time
	uses    int
	history bool
	q       *query
	entries []*version
}

// pageCache holds snapshots, evicting the oldest beyond a total number of
// entries so that a long test run stays within bounded memory.
type pageCache struct {
	mu    sync.Mutex
	m     map[string]*snapshot
	order []string
	size  int
}

// maxCachedEntries bounds the result entries held across all snapshots
// (8 bytes each); an evicted search answers 410 Gone like an expired one.
const maxCachedEntries = 4 << 20

func newPageCache() *pageCache { return &pageCache{m: map[string]*snapshot{}} }

func (c *pageCache) add(sn *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[sn.id] = sn
	c.order = append(c.order, sn.id)
	c.size += len(sn.entries)
	for c.size > maxCachedEntries && len(c.order) > 1 {
		old := c.order[0]
		c.order = c.order[1:]
		if o := c.m[old]; o != nil {
			c.size -= len(o.entries)
			delete(c.m, old)
		}
	}
}

// clear forgets every snapshot.
func (c *pageCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.order, c.size = nil, 0
}

// use returns the snapshot for one more page fetch, or why it is gone.
func (c *pageCache) use(id string, now time.Time, ttl time.Duration, maxUses int) (*snapshot, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sn := c.m[id]
	switch {
	case sn == nil:
		return nil, "does not exist and may have expired"
	case ttl > 0 && now.Sub(sn.created) > ttl:
		return nil, "has expired"
	case maxUses > 0 && sn.uses >= maxUses:
		return nil, "has expired (page link used too many times)"
	}
	sn.uses++
	return sn, ""
}

func newID() string { return strings.ToLower(rand.Text()) }

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// result is a response the handlers build, written by the HTTP layer or
// embedded in a batch response.
type result struct {
	status   int
	body     []byte
	etag     string
	lastMod  time.Time
	location string
}

func (s *Server) pageURL(id string, offset, count int, history bool) string {
	kind := "searchset"
	if history {
		kind = "history"
	}
	return s.base() + "?_getpages=" + id + "&_getpagesoffset=" + strconv.Itoa(offset) +
		"&_count=" + strconv.Itoa(count) + "&_bundletype=" + kind
}

// respondList answers the first page of a search or history result,
// caching the whole result for the next links when there is more than one
// page.
func (s *Server) respondList(q *query, entries []*version, self string, history bool) result {
	sn := &snapshot{id: newID(), created: s.now(), history: history, q: q, entries: entries}
	if len(entries) > q.count && q.count > 0 && !q.summaryOnly {
		s.pages.add(sn)
	}
	return s.renderPage(sn, 0, q.count, self)
}

// getPage serves GET [base]?_getpages=id&_getpagesoffset=n&_count=c.
func (s *Server) getPage(vals url.Values, self string) result {
	id := vals.Get("_getpages")
	offset, count := 0, 0 // absent: the first page, the search's own _count
	var err1, err2 error
	if v := vals.Get("_getpagesoffset"); v != "" {
		offset, err1 = strconv.Atoi(v)
	}
	if v := vals.Get("_count"); v != "" {
		count, err2 = strconv.Atoi(v)
	}
	if err1 != nil || err2 != nil || offset < 0 || count < 0 {
		return outcome(http.StatusBadRequest, "invalid", "invalid _getpagesoffset or _count")
	}
	sn, why := s.pages.use(id, s.now(), s.cfg.pageTTL, s.cfg.pageUses)
	if sn == nil {
		return outcome(s.cfg.expiredStatus, "not-found", "Search ID \""+id+"\" "+why)
	}
	if count == 0 {
		count = sn.q.count
	}
	return s.renderPage(sn, offset, min(count, s.maxPageSize), self)
}

func (s *Server) renderPage(sn *snapshot, offset, count int, self string) result {
	q := sn.q
	end := min(offset+count, len(sn.entries))
	var slot []*version // this page's share of the snapshot
	if offset < end && !q.summaryOnly {
		slot = sn.entries[offset:end]
	}
	page := slot
	if !sn.history {
		// HAPI keeps the matching ids and loads each page's resources when
		// it is served: the current version, none for one deleted since.
		page = make([]*version, 0, len(slot))
		for _, v := range slot {
			if cur := v.res.current(); !cur.deleted {
				page = append(page, cur)
			}
		}
	}
	var b bytes.Buffer
	kind := "searchset"
	if sn.history {
		kind = "history"
	}
	b.WriteString(`{"resourceType":"Bundle","id":"` + newID() + `","meta":{"lastUpdated":"` +
		s.now().Format(timeFormat) + `"},"type":"` + kind + `"`)
	if q.total || sn.history {
		b.WriteString(`,"total":` + strconv.Itoa(len(sn.entries)))
	}
	b.WriteString(`,"link":[`)
	writeLink(&b, "self", self)
	if end < len(sn.entries) && len(slot) > 0 {
		b.WriteByte(',')
		writeLink(&b, "next", s.pageURL(sn.id, end, count, sn.history))
	}
	if offset > 0 && len(slot) > 0 {
		b.WriteByte(',')
		writeLink(&b, "previous", s.pageURL(sn.id, max(0, offset-count), count, sn.history))
	}
	b.WriteString(`]`)
	if len(page) > 0 {
		b.WriteString(`,"entry":[`)
		for i, v := range page {
			if i > 0 {
				b.WriteByte(',')
			}
			if sn.history {
				s.writeHistoryEntry(&b, v)
			} else {
				s.writeEntry(&b, v, subset(v.raw, q.elements), "match")
			}
		}
		if !sn.history {
			for _, v := range s.includesFor(q, page) {
				b.WriteByte(',')
				s.writeEntry(&b, v, v.raw, "include")
			}
		}
		b.WriteString(`]`)
	}
	b.WriteString(`}`)
	return result{status: http.StatusOK, body: b.Bytes()}
}

func writeLink(b *bytes.Buffer, rel, u string) {
	b.WriteString(`{"relation":"` + rel + `","url":`)
	writeString(b, u)
	b.WriteByte('}')
}

func writeString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s)
	b.Write(j)
}

func (s *Server) fullURL(v *version) string { return s.base() + "/" + v.res.typ + "/" + v.res.id }

func (s *Server) writeEntry(b *bytes.Buffer, v *version, raw []byte, mode string) {
	b.WriteString(`{"fullUrl":`)
	writeString(b, s.fullURL(v))
	b.WriteString(`,"resource":`)
	b.Write(raw)
	b.WriteString(`,"search":{"mode":"` + mode + `"}}`)
}

func (s *Server) writeHistoryEntry(b *bytes.Buffer, v *version) {
	b.WriteString(`{"fullUrl":`)
	writeString(b, s.fullURL(v))
	if !v.deleted {
		b.WriteString(`,"resource":`)
		b.Write(v.raw)
	}
	reqURL, status := v.res.typ+"/"+v.res.id, "200 OK"
	switch v.method {
	case "POST":
		reqURL, status = v.res.typ, "201 Created"
	case "DELETE":
		status = "204 No Content"
	default:
		if v.n == 1 {
			status = "201 Created"
		}
	}
	b.WriteString(`,"request":{"method":"` + v.method + `","url":`)
	writeString(b, reqURL)
	b.WriteString(`},"response":{"status":"` + status + `","etag":`)
	writeString(b, `W/"`+v.vid+`"`)
	b.WriteString(`,"lastModified":"` + v.updated.Format(timeFormat) + `"}}`)
}

// subsettedTag marks a resource reduced by _elements, as HAPI does.
var subsettedTag = map[string]any{
	"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
	"code":   "SUBSETTED", "display": "Resource encoded in summary mode",
}

// subset keeps only the named top-level elements (plus resourceType, id
// and meta) of raw.
func subset(raw []byte, elements []string) []byte {
	if len(elements) == 0 {
		return raw
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return raw
	}
	out := map[string]any{}
	for k, v := range m {
		if k == "resourceType" || k == "id" || k == "meta" || slices.Contains(elements, k) {
			out[k] = v
		}
	}
	meta, _ := out["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	tags, _ := meta["tag"].([]any)
	meta["tag"] = append(tags, subsettedTag)
	out["meta"] = meta
	b, err := json.Marshal(out)
	if err != nil {
		return raw
	}
	return b
}

// includesFor resolves _include and _revinclude (with :iterate) for one
// page of matches, returning live resources not already on the page, at
// most cfg.maxIncludes of them (the rest are dropped, as HAPI does).
func (s *Server) includesFor(q *query, page []*version) []*version {
	if len(q.includes) == 0 && len(q.revincludes) == 0 {
		return nil
	}
	seen := make(map[*resource]bool, len(page))
	for _, v := range page {
		seen[v.res] = true
	}
	var out []*version
	frontier := page
	for round := 0; round < 8 && len(frontier) > 0; round++ {
		var next []*version
		add := func(v *version) {
			if v != nil && !v.deleted && !seen[v.res] && len(out) < s.cfg.maxIncludes {
				seen[v.res] = true
				out = append(out, v)
				next = append(next, v)
			}
		}
		for _, inc := range q.includes {
			if round > 0 && !inc.iterate {
				continue
			}
			for _, v := range frontier {
				if inc.src != "*" && v.res.typ != inc.src {
					continue
				}
				for _, rf := range v.refs {
					if inc.param != "*" && inc.param != rf.param {
						continue
					}
					typ, id, ok := strings.Cut(rf.target, "/")
					if ok && (inc.target == "" || inc.target == typ) {
						add(s.store.live(typ, id))
					}
				}
			}
		}
		for _, inc := range q.revincludes {
			if round > 0 && !inc.iterate {
				continue
			}
			for _, v := range frontier {
				target := v.res.typ + "/" + v.res.id
				for _, r := range s.store.referrers(inc.src, inc.param, target) {
					if len(r.versions) > 1 && !slices.Contains(r.current().refs, ref{inc.param, target}) {
						continue // a stale index entry: the reference was edited away
					}
					add(r.current())
				}
			}
		}
		frontier = next
	}
	return out
}
