package fhirtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// A resource is one logical FHIR resource with every version it has had.
// Resources are kept as the raw JSON the server would return, so that a
// 200,000-worker registry costs little more than its JSON size.
type resource struct {
	typ, id  string
	seq      uint64 // creation order: the default search order
	versions []*version
}

func (r *resource) current() *version { return r.versions[len(r.versions)-1] }

// A version is one entry of a resource's history.
type version struct {
	res     *resource
	n       int    // 1 for the first version, 2 for the next...
	vid     string // meta.versionId: strconv.Itoa(n) unless WithVersionIDs
	updated time.Time
	method  string // POST, PUT or DELETE, for history bundles
	deleted bool
	raw     []byte // complete JSON with meta; nil when deleted
	// refs are the version's references through reference search
	// parameters, kept so that includes need not decode the JSON.
	refs []ref
}

// ref names one indexed reference from a resource: the search parameter
// that holds it and the "Type/id" it points to.
type ref struct{ param, target string }

// store holds every resource by type and id plus the global history log and
// a reverse index of references (for _revinclude, partof:below and fast
// reference searches). Callers hold Server.mu.
type store struct {
	types map[string]*typeStore
	log   []*version // every version in write order
	seq   uint64
	// refs maps "SourceType:param|Target/id" to the resources that held
	// that reference at some point. Entries may be stale after an update;
	// every use re-checks the current version.
	refs map[string][]*resource
}

type typeStore struct {
	byID  map[string]*resource
	order []*resource // creation order, deleted ones included
}

func newStore() *store {
	return &store{types: map[string]*typeStore{}, refs: map[string][]*resource{}}
}

func (s *store) typ(name string) *typeStore {
	t := s.types[name]
	if t == nil {
		t = &typeStore{byID: map[string]*resource{}}
		s.types[name] = t
	}
	return t
}

func (s *store) get(typ, id string) *resource {
	if t := s.types[typ]; t != nil {
		return t.byID[id]
	}
	return nil
}

// current returns the live version of typ/id, or nil when it is absent or
// deleted.
func (s *store) live(typ, id string) *version {
	r := s.get(typ, id)
	if r == nil || r.current().deleted {
		return nil
	}
	return r.current()
}

var (
	typeRE = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	idRE   = regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`)
)

// knownType reports whether name is an R4 resource type (from samply's
// generated list), as HAPI only serves those.
func knownType(name string) bool {
	var rt fhir.ResourceType
	return typeRE.MatchString(name) && rt.UnmarshalJSON([]byte(`"`+name+`"`)) == nil
}

// put stores a new version of typ/id whose JSON body is already complete
// (resourceType, id and meta set by the caller) and indexes its references.
func (s *store) put(typ, id, vid, method string, updated time.Time, raw []byte, refs []ref) *version {
	t := s.typ(typ)
	r := t.byID[id]
	if r == nil {
		s.seq++
		r = &resource{typ: typ, id: id, seq: s.seq}
		t.byID[id] = r
		t.order = append(t.order, r)
	}
	v := &version{res: r, n: len(r.versions) + 1, vid: vid, updated: updated, method: method, raw: raw, refs: refs}
	r.versions = append(r.versions, v)
	s.log = append(s.log, v)
	for _, rf := range refs {
		k := typ + ":" + rf.param + "|" + rf.target
		l := s.refs[k]
		if n := len(l); n == 0 || l[n-1] != r {
			s.refs[k] = append(l, r)
		}
	}
	return v
}

// remove appends a deletion version. It reports false when there is nothing
// live to delete.
func (s *store) remove(typ, id string, at time.Time, vid func(n int) string) (*version, bool) {
	r := s.get(typ, id)
	if r == nil || r.current().deleted {
		return nil, false
	}
	n := len(r.versions) + 1
	v := &version{res: r, n: n, vid: vid(n), updated: at, method: "DELETE", deleted: true}
	r.versions = append(r.versions, v)
	s.log = append(s.log, v)
	return v, true
}

// referrers returns the live resources of srcType whose param currently
// references target ("Type/id").
func (s *store) referrers(srcType, param, target string) []*resource {
	l := s.refs[srcType+":"+param+"|"+target]
	if len(l) == 0 {
		return nil
	}
	out := make([]*resource, 0, len(l))
	seen := make(map[*resource]bool, len(l))
	for _, r := range l {
		if seen[r] || r.current().deleted {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *resource) int { return cmpUint(a.seq, b.seq) })
	return out
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// timeFormat is how meta.lastUpdated is written (millisecond precision, as
// HAPI does).
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// stamp sets resourceType, id and meta (versionId, lastUpdated) on a decoded
// resource and encodes it.
func stamp(m map[string]any, typ, id string, vid string, at time.Time) ([]byte, error) {
	m["resourceType"] = typ
	m["id"] = id
	meta, _ := m["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["versionId"] = vid
	meta["lastUpdated"] = at.UTC().Format(timeFormat)
	m["meta"] = meta
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding %s/%s: %w", typ, id, err)
	}
	return b, nil
}

// version returns the version of r whose meta.versionId is vid.
func (r *resource) version(vid string) *version {
	for _, v := range r.versions {
		if v.vid == vid {
			return v
		}
	}
	return nil
}
