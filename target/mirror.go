package target

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// known is what the mirror keeps of one RapidPro contact: enough to decide
// whether a worker's contact needs a write and whom a number belongs to,
// and no more, so memory stays at a fingerprint's worth per contact. Lists
// are space-joined strings, as the store keeps them (a slice costs a
// header per element), and the values many contacts share — status,
// language, group list — are interned by the mirror.
type known struct {
	uuid     string
	ihrisID  string
	status   string
	urns     list // tel URNs
	other    list // URNs of other schemes, kept on writes
	groups   list // group UUIDs
	language string
	fp       fingerprint
	deleted  bool
}

func (k *known) inGroup(uuid string) bool { return k.groups.has(uuid) }

// same reports whether two readings of a contact hold the same: whether
// saving the second over the first in the store would change nothing.
func (k *known) same(o *known) bool {
	return k.uuid == o.uuid && k.ihrisID == o.ihrisID && k.status == o.status && k.urns == o.urns && k.other == o.other &&
		k.groups == o.groups && k.language == o.language && k.fp == o.fp && k.deleted == o.deleted
}

// knownFrom reads a contact as RapidPro returned it.
func knownFrom(c *rapidpro.Contact) *known {
	k := &known{uuid: c.UUID, status: c.Status, language: c.Language}
	var urns, other, groups []string
	for _, u := range c.URNs {
		if strings.HasPrefix(u, "tel:") {
			if p, err := rapidpro.ParseURN(u); err == nil {
				u = p.Identity()
			}
			urns = append(urns, u)
		} else {
			other = append(other, u)
		}
	}
	for _, g := range c.Groups {
		groups = append(groups, g.UUID)
	}
	k.urns, k.other, k.groups = listOf(urns), listOf(other), listOf(groups)
	var fields [8]string
	for i, f := range SyncedFields() {
		if v, ok := c.Fields[f.Key]; ok {
			fields[i] = v.String()
		}
	}
	k.ihrisID = fields[0]
	name := c.Name
	k.fp = fingerprintOf(name, urns, fields)
	if c.Status == "" {
		k.deleted = true
	}
	return k
}

// list is a set of tokens without spaces (URNs, group UUIDs) joined by
// single spaces.
type list string

func listOf(s []string) list { return list(strings.Join(s, " ")) }

func (l list) all() iter.Seq[string] { return strings.FieldsSeq(string(l)) }

func (l list) slice() []string { return strings.Fields(string(l)) }

func (l list) first() string {
	f, _, _ := strings.Cut(string(l), " ")
	return f
}

func (l list) len() int {
	if l == "" {
		return 0
	}
	return strings.Count(string(l), " ") + 1
}

func (l list) has(s string) bool {
	for t := range l.all() {
		if t == s {
			return true
		}
	}
	return false
}

// with returns the list with s added at its end, if missing.
func (l list) with(s string) list {
	switch {
	case l.has(s):
		return l
	case l == "":
		return list(s)
	}
	return l + " " + list(s)
}

// without returns the list without s.
func (l list) without(s string) list {
	if !l.has(s) {
		return l
	}
	return listOf(slices.DeleteFunc(l.slice(), func(t string) bool { return t == s }))
}

// mirror is the workspace's contacts as last seen, indexed.
type mirror struct {
	byUUID  map[string]*known
	byIHRIS map[string]*known
	byURN   map[string]*known
	// interned are the values many contacts share (status, language,
	// group list).
	interned map[string]string
	// modified and deleted are the change checkpoints the mirror is
	// current to.
	modified, deleted rapidpro.Checkpoint
}

func newMirror() *mirror {
	return &mirror{byUUID: map[string]*known{}, byIHRIS: map[string]*known{}, byURN: map[string]*known{}, interned: map[string]string{}}
}

func (m *mirror) intern(s string) string {
	if v, ok := m.interned[s]; ok {
		return v
	}
	m.interned[s] = s
	return s
}

// setGroups replaces a contact's group list.
func (m *mirror) setGroups(k *known, groups list) { k.groups = list(m.intern(string(groups))) }

// put adds or replaces a contact, returning the one it replaced.
func (m *mirror) put(k *known) *known {
	old := m.byUUID[k.uuid]
	if old != nil {
		m.drop(old)
	}
	if k.deleted {
		return old
	}
	k.status, k.language = m.intern(k.status), m.intern(k.language)
	m.setGroups(k, k.groups)
	m.byUUID[k.uuid] = k
	if k.ihrisID != "" {
		if cur, ok := m.byIHRIS[k.ihrisID]; !ok || cur.uuid > k.uuid {
			m.byIHRIS[k.ihrisID] = k
		}
	}
	for u := range k.urns.all() {
		m.byURN[u] = k
	}
	return old
}

func (m *mirror) drop(k *known) {
	delete(m.byUUID, k.uuid)
	if m.byIHRIS[k.ihrisID] == k {
		// Another contact carrying the same iHRIS id (made by hand) is
		// found again when the mirror is next loaded.
		delete(m.byIHRIS, k.ihrisID)
	}
	for u := range k.urns.all() {
		if m.byURN[u] == k {
			delete(m.byURN, u)
		}
	}
}

// loadMirror reads the workspace's mirror from the store.
func loadMirror(ctx context.Context, db *store.DB, ws string) (*mirror, error) {
	m := newMirror()
	rows, err := db.Query(ctx, `SELECT uuid, ihris_id, status, urns, other_urns, group_uuids, language, fingerprint FROM target_contact WHERE workspace = $1`, ws)
	if err != nil {
		return nil, fmt.Errorf("target: reading the contact mirror: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k known
		var fp string
		if err := rows.Scan(&k.uuid, &k.ihrisID, &k.status, &k.urns, &k.other, &k.groups, &k.language, &fp); err != nil {
			return nil, err
		}
		k.fp = parseFingerprint(fp)
		m.put(&k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for feed, cp := range map[string]*rapidpro.Checkpoint{"modified": &m.modified, "deleted": &m.deleted} {
		v, ok, err := store.Cursor(ctx, db, cursorName(ws, feed))
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(v), cp); err != nil {
			return nil, fmt.Errorf("target: stored checkpoint %s: %w", cursorName(ws, feed), err)
		}
	}
	return m, nil
}

// saveContacts writes contacts of the mirror (deleting the deleted ones).
func saveContacts(ctx context.Context, tx *store.Tx, ws string, ks []*known) error {
	b, err := tx.Batch(store.Insert{
		Table:    "target_contact",
		Columns:  []string{"workspace", "uuid", "ihris_id", "status", "urns", "other_urns", "group_uuids", "language", "fingerprint"},
		Conflict: []string{"workspace", "uuid"},
		Update:   []string{"ihris_id", "status", "urns", "other_urns", "group_uuids", "language", "fingerprint"},
	})
	if err != nil {
		return err
	}
	for _, k := range ks {
		if k.deleted {
			// In order: a contact written and then deleted is deleted.
			if err := b.Flush(ctx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM target_contact WHERE workspace = $1 AND uuid = $2`, ws, k.uuid); err != nil {
				return err
			}
			continue
		}
		if err := b.Add(ctx, ws, k.uuid, k.ihrisID, k.status, string(k.urns), string(k.other), string(k.groups), k.language, k.fp.String()); err != nil {
			return err
		}
	}
	return b.Flush(ctx)
}

// saveCursor records one of the mirror's change checkpoints.
func saveCursor(ctx context.Context, tx *store.Tx, ws, feed string, cp rapidpro.Checkpoint) error {
	v, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	return store.SetCursor(ctx, tx, cursorName(ws, feed), string(v))
}

// seen reports whether a checkpoint already covers an object.
func seen(cp rapidpro.Checkpoint, c *rapidpro.Contact) bool {
	if cp.After.IsZero() {
		return false
	}
	t := c.ModifiedOn.Time
	return t.Before(cp.After) || (t.Equal(cp.After) && slices.Contains(cp.Seen, c.UUID))
}
