package rapidprotest

import (
	"encoding/json"
	"time"
)

// store holds the workspace data. Every method expects the server lock to
// be held (read or write as appropriate).
type store struct {
	gen   *ids
	clock Clock

	contacts       *index[*contact]
	contactsByUUID map[string]*contact
	contactsByURN  map[string]*contact

	groups       *index[*group]
	groupsByUUID map[string]*group

	fields      *index[*field]
	fieldsByKey map[string]*field

	flows       *index[*flow]
	flowsByUUID map[string]*flow

	starts       *index[*flowStart]
	startsByUUID map[string]*flowStart

	runs       *index[*run]
	runsByUUID map[string]*run
	waiting    map[*contact]*run // the contact's run waiting for a reply

	messages       *index[*message]
	messagesByID   map[int64]*message
	messagesByUUID map[string]*message

	broadcasts *index[*broadcast]
	labels     *index[*label]
	campaigns  *index[*campaign]
	events     *index[*campaignEvent]
	channels   *index[*channel]
	globals    *index[*global]
	archives   *index[*archive]
	boundaries *index[*boundary]
	users      *index[*user]
	topics     *index[*topic]
	tickets    *index[*ticket]
	resthooks  *index[*resthook]
	rhEvents   *index[*resthookEvent]
	rhSubs     *index[*resthookSubscriber]
	chEvents   *index[*channelEvent]

	replies []scheduledReply // ReceiveAfter messages not yet delivered

	defaultChannel *channel
	counts         Counts
}

// Counts reports how many objects of each kind the server has created
// through the API and the seeding helpers.
type Counts struct {
	Contacts   int
	Groups     int
	FlowStarts int
	Runs       int
	Messages   int
	Broadcasts int
}

func newStore(seed uint64, clk Clock) *store {
	return &store{
		gen:            newIDs(seed),
		clock:          clk,
		contacts:       newIndex(func(c *contact) sortKey { return keyOf(c.modified, c.id) }),
		contactsByUUID: map[string]*contact{},
		contactsByURN:  map[string]*contact{},
		groups:         newIndex(func(g *group) sortKey { return keyOf(g.created, g.id) }),
		groupsByUUID:   map[string]*group{},
		fields:         newIndex(func(f *field) sortKey { return keyOf(f.created, f.id) }),
		fieldsByKey:    map[string]*field{},
		flows:          newIndex(func(f *flow) sortKey { return keyOf(f.created, f.id) }),
		flowsByUUID:    map[string]*flow{},
		starts:         newIndex(func(f *flowStart) sortKey { return keyOf(f.modified, f.id) }),
		startsByUUID:   map[string]*flowStart{},
		runs:           newIndex(func(r *run) sortKey { return keyOf(r.modified, r.id) }),
		runsByUUID:     map[string]*run{},
		waiting:        map[*contact]*run{},
		messages:       newIndex(func(m *message) sortKey { return keyOf(m.created, m.id) }),
		messagesByID:   map[int64]*message{},
		messagesByUUID: map[string]*message{},
		broadcasts:     newIndex(func(b *broadcast) sortKey { return keyOf(b.created, b.id) }),
		labels:         newIndex(func(l *label) sortKey { return keyOf(l.created, l.id) }),
		campaigns:      newIndex(func(c *campaign) sortKey { return keyOf(c.created, c.id) }),
		events:         newIndex(func(e *campaignEvent) sortKey { return keyOf(e.created, e.id) }),
		channels:       newIndex(func(c *channel) sortKey { return keyOf(c.created, c.id) }),
		globals:        newIndex(func(g *global) sortKey { return keyOf(g.modified, g.id) }),
		archives:       newIndex(func(a *archive) sortKey { return keyOf(a.startDate, a.id) }),
		boundaries:     newIndex(func(b *boundary) sortKey { return sortKey{0, b.id} }),
		users:          newIndex(func(u *user) sortKey { return keyOf(u.created, u.id) }),
		topics:         newIndex(func(t *topic) sortKey { return keyOf(t.created, t.id) }),
		tickets:        newIndex(func(t *ticket) sortKey { return keyOf(t.modified, t.id) }),
		resthooks:      newIndex(func(r *resthook) sortKey { return keyOf(r.modified, r.id) }),
		rhEvents:       newIndex(func(e *resthookEvent) sortKey { return keyOf(e.created, e.id) }),
		rhSubs:         newIndex(func(s *resthookSubscriber) sortKey { return keyOf(s.created, s.id) }),
		chEvents:       newIndex(func(e *channelEvent) sortKey { return keyOf(e.created, e.id) }),
	}
}

// peekNow returns the clock's time without stepping a ManualClock.
func (st *store) peekNow() time.Time {
	if mc, ok := st.clock.(*ManualClock); ok {
		return mc.peek().UTC().Truncate(time.Microsecond)
	}
	return st.now()
}

// now returns the clock's time at the API's microsecond precision.
func (st *store) now() time.Time { return st.clock.Now().UTC().Truncate(time.Microsecond) }

// seedDefaults creates what every RapidPro workspace has: a channel to send
// through, an administrator and the default ticket topic.
func (st *store) seedDefaults() {
	now := st.now()
	ch := &channel{id: st.gen.id(), uuid: st.gen.uuid(), name: "Sandbox SMS", address: "+231770000000",
		typ: "vonage", country: "LR", created: now, lastSeen: now}
	st.channels.insert(ch)
	st.defaultChannel = ch
	st.users.insert(&user{id: st.gen.id(), uuid: st.gen.uuid(), email: "admin@mhero.example",
		firstName: "Sandbox", lastName: "Admin", role: "administrator", created: now})
	st.topics.insert(&topic{id: st.gen.id(), uuid: st.gen.uuid(), name: "General", system: true, created: now})
}

// ref is the {uuid, name} reference object used throughout the API.
type ref struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type note struct {
	text    string
	created time.Time
}

type contact struct {
	id       int64
	uuid     string
	name     *string
	status   string // active, blocked, stopped, archived
	language *string
	urns     []string
	groups   []*group // manual memberships
	fields   map[string]string
	notes    []note
	created  time.Time
	modified time.Time
	lastSeen time.Time
	deleted  bool
}

func (c *contact) displayName() string {
	if c.name == nil {
		return ""
	}
	return *c.name
}

func (c *contact) ref() ref { return ref{c.uuid, c.displayName()} }

func (c *contact) inGroup(g *group) bool {
	for _, m := range c.groups {
		if m == g {
			return true
		}
	}
	return false
}

type group struct {
	id      int64
	uuid    string
	name    string
	query   string // non-empty for smart groups
	parsed  *query
	system  bool
	created time.Time
}

func (g *group) smart() bool { return g.query != "" }

func (g *group) ref() ref { return ref{g.uuid, g.name} }

type field struct {
	id          int64
	key         string
	name        string
	typ         string // text, number, datetime, state, district, ward
	featured    bool
	priority    int
	agentAccess string
	created     time.Time
}

type flowResult struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Categories []string `json:"categories"`
	NodeUUIDs  []string `json:"node_uuids"`
}

type flow struct {
	id         int64
	uuid       string
	name       string
	typ        string // message, voice, background, survey
	archived   bool
	expires    int // minutes
	definition json.RawMessage
	results    []flowResult
	labels     []ref
	created    time.Time
	modified   time.Time
	runCounts  map[string]int // active, waiting, completed, interrupted, expired, failed
}

func (f *flow) ref() ref { return ref{f.uuid, f.name} }

type flowStart struct {
	id            int64
	uuid          string
	flow          *flow
	status        string
	groups        []ref
	contacts      []ref
	params        json.RawMessage
	restart       bool
	excludeActive bool
	pending       *recipients // set until ProcessStarts runs an async start
	total         int
	started       int
	created       time.Time
	modified      time.Time
}

type pathStep struct {
	node string
	time time.Time
}

type runValue struct {
	key      string
	name     string
	value    string
	category string
	node     string
	time     time.Time
}

type run struct {
	id        int64
	uuid      string
	flow      *flow
	contact   *contact
	start     *flowStart
	responded bool
	path      []pathStep
	values    []runValue
	created   time.Time
	modified  time.Time
	exited    time.Time
	exitType  string // "" while active or waiting
	state     json.RawMessage
	timeoutAt time.Time
	expiresAt time.Time
}

type quickReply struct {
	Type  string `json:"type,omitempty"`
	Text  string `json:"text"`
	Extra string `json:"extra,omitempty"`
}

type attachment struct {
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

type message struct {
	id           int64
	uuid         string
	contact      *contact
	urn          string
	channel      *channel
	direction    string // in, out
	status       string
	visibility   string // visible, archived, deleted
	text         string
	attachments  []attachment
	quickReplies []quickReply
	labels       []*label
	flow         *flow
	broadcast    int64
	created      time.Time
	sent         time.Time
	modified     time.Time
}

type broadcast struct {
	id           int64
	uuid         string
	status       string
	urns         []string
	contacts     []ref
	groups       []ref
	text         map[string]string
	attachments  map[string][]string
	quickReplies map[string][]quickReply
	baseLanguage string
	total        int
	created      time.Time
}

type label struct {
	id      int64
	uuid    string
	name    string
	created time.Time
}

type campaign struct {
	id       int64
	uuid     string
	name     string
	archived bool
	group    *group
	created  time.Time
}

type campaignEvent struct {
	id           int64
	uuid         string
	campaign     *campaign
	relativeTo   *field
	offset       int
	unit         string
	deliveryHour int
	flow         *flow
	message      map[string]string
	created      time.Time
}

type channel struct {
	id       int64
	uuid     string
	name     string
	address  string
	typ      string
	country  string
	device   *Device
	lastSeen time.Time
	created  time.Time
}

type channelEvent struct {
	id       int64
	typ      string
	contact  *contact
	channel  *channel
	extra    map[string]any
	occurred time.Time
	created  time.Time
}

type global struct {
	id       int64
	key      string
	name     string
	value    string
	modified time.Time
}

type archive struct {
	id          int64
	typ         string // message, run
	startDate   time.Time
	period      string // daily, monthly
	recordCount int
	size        int
	hash        string
	downloadURL string
}

type boundary struct {
	id       int64
	osmID    string
	name     string
	parent   *boundary
	level    int
	aliases  []string
	geometry json.RawMessage
}

type user struct {
	id        int64
	uuid      string
	email     string
	firstName string
	lastName  string
	role      string
	created   time.Time
}

type topic struct {
	id      int64
	uuid    string
	name    string
	system  bool
	created time.Time
}

type ticket struct {
	id       int64
	uuid     string
	contact  *contact
	status   string
	topic    *topic
	assignee *user
	openedIn *flow
	opened   time.Time
	modified time.Time
	closed   time.Time
}

type resthook struct {
	id       int64
	slug     string
	created  time.Time
	modified time.Time
}

type resthookEvent struct {
	id       int64
	resthook string
	data     json.RawMessage
	created  time.Time
}

type resthookSubscriber struct {
	id        int64
	resthook  string
	targetURL string
	created   time.Time
}
