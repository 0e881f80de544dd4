package target

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// known is what the mirror keeps of one RapidPro contact: enough to decide
// whether a worker's contact needs a write and whom a number belongs to,
// and no more, so memory stays at a fingerprint's worth per contact.
type known struct {
	uuid     string
	ihrisID  string
	status   string
	urns     []string // tel URNs
	other    []string // URNs of other schemes, kept on writes
	groups   []string // group UUIDs
	language string
	fp       fingerprint
	deleted  bool
}

func (k *known) inGroup(uuid string) bool { return slices.Contains(k.groups, uuid) }

// knownFrom reads a contact as RapidPro returned it.
func knownFrom(c *rapidpro.Contact) *known {
	k := &known{uuid: c.UUID, status: c.Status, language: c.Language}
	for _, u := range c.URNs {
		if strings.HasPrefix(u, "tel:") {
			if p, err := rapidpro.ParseURN(u); err == nil {
				u = p.Identity()
			}
			k.urns = append(k.urns, u)
		} else {
			k.other = append(k.other, u)
		}
	}
	for _, g := range c.Groups {
		k.groups = append(k.groups, g.UUID)
	}
	var fields [8]string
	for i, f := range SyncedFields() {
		if v, ok := c.Fields[f.Key]; ok {
			fields[i] = v.String()
		}
	}
	k.ihrisID = fields[0]
	name := c.Name
	k.fp = fingerprintOf(name, k.urns, fields)
	if c.Status == "" {
		k.deleted = true
	}
	return k
}

// mirror is the workspace's contacts as last seen, indexed.
type mirror struct {
	byUUID  map[string]*known
	byIHRIS map[string]*known
	byURN   map[string]*known
	// modified and deleted are the change checkpoints the mirror is
	// current to.
	modified, deleted rapidpro.Checkpoint
}

func newMirror() *mirror {
	return &mirror{byUUID: map[string]*known{}, byIHRIS: map[string]*known{}, byURN: map[string]*known{}}
}

// put adds or replaces a contact, returning the one it replaced.
func (m *mirror) put(k *known) *known {
	old := m.byUUID[k.uuid]
	if old != nil {
		m.drop(old)
	}
	if k.deleted {
		return old
	}
	m.byUUID[k.uuid] = k
	if k.ihrisID != "" {
		if cur, ok := m.byIHRIS[k.ihrisID]; !ok || cur.uuid > k.uuid {
			m.byIHRIS[k.ihrisID] = k
		}
	}
	for _, u := range k.urns {
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
	for _, u := range k.urns {
		if m.byURN[u] == k {
			delete(m.byURN, u)
		}
	}
}

func joinList(s []string) string { return strings.Join(s, " ") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
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
		var urns, other, groups, fp string
		if err := rows.Scan(&k.uuid, &k.ihrisID, &k.status, &urns, &other, &groups, &k.language, &fp); err != nil {
			return nil, err
		}
		k.urns, k.other, k.groups, k.fp = splitList(urns), splitList(other), splitList(groups), parseFingerprint(fp)
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
		if err := b.Add(ctx, ws, k.uuid, k.ihrisID, k.status, joinList(k.urns), joinList(k.other), joinList(k.groups), k.language, k.fp.String()); err != nil {
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
