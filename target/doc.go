// Package target turns a Target Group — the health workers a unit wants to
// reach, selected in iHRIS — into RapidPro contacts and a RapidPro group,
// exactly and cheaply. It is the one place where the ihris and rapidpro
// packages meet.
//
// A [Group] is plain data (Go or YAML, see [ParseGroup]): a name, the
// [ihris.Criteria], the country for reading local numbers, the phone
// selection policy, and workers or numbers added or excluded by hand. A
// [Syncer] then answers three questions:
//
//   - [Syncer.Preview]: whom does the target reach? Counts by place (every
//     level of the country's tree) and cadre, and every selected worker who
//     cannot be reached with the reason: no phone, invalid number, number
//     shared with another worker (named, the number masked), inactive, no
//     current role matching, not in iHRIS, stopped or blocked in RapidPro.
//   - [Syncer.Plan]: what would a sync write, and what would it cost? Creates,
//     updates, unchanged contacts, group membership changes, the API calls
//     of each throttle scope and the time they take at the workspace's rate
//     (3,600 an hour per scope by default, see [WithRate]), with the cheaper
//     path of a first send (a flow started for 100 URNs a call creates the
//     missing contacts) and the query of an equivalent smart group.
//   - [Syncer.Sync]: make it so, resumably, under a workspace lock.
//
// # What a sync writes
//
// One contact per reachable health worker, keyed by the iHRIS id in the
// contact field ihris_id, with tel URNs in E.164, the worker's name, the
// language of the first of the worker's languages in iHRIS
// (Practitioner.communication: ISO 639-1, 639-2, 639-3 codes or BCP 47 tags)
// as the ISO 639-3 code RapidPro takes — left as it is when iHRIS gives
// none — and the fields cadre, job, facility, district, region,
// employment_status and ihris_status (see [SyncedFields]; created when
// missing). The fields hold
// one role per worker: the first current role meeting the criteria, else
// the current role that started last. The target becomes a manual group,
// created when missing, whose membership is diffed and changed 100
// contacts a request; a target naming an existing smart group is used as it
// is, with no membership call. Contacts the module did not add are never
// removed from a group, and stopped or blocked contacts are never written,
// added or reactivated. With [WithWriteBack] each contact's UUID is
// written back to its Practitioner (identifier system
// [ihris.ContactUUIDSystem]).
//
// # Shared numbers, and what the check does not see
//
// Nobody can tell which of two workers with one number would answer, so
// neither is messaged: both are reported unreachable (ReasonSharedPhone,
// naming the other, the number masked). Numbers are compared in E.164, so
// "0886 123 456" and "+231 886 123 456" are one number. The check sees:
//
//   - the numbers of the workers the run evaluates and finds otherwise
//     reachable: those the target selects (and those leaving its group). A
//     worker skipped for another reason (inactive, no current role, no valid
//     number, excluded) is not compared, so a number shared with such a
//     worker is not reported;
//   - the numbers of every contact of the workspace (the mirror). A number
//     on the contact of a worker outside the target — one another target
//     synced, carrying its ihris_id — makes this target's worker
//     unreachable (ReasonSharedPhone); the other worker's contact is left
//     as it is. A number on a contact that did not come from iHRIS (no
//     ihris_id) makes the worker unreachable (ReasonTaken), except when it
//     is the worker's first number and the worker has no contact yet: that
//     contact is then adopted as the worker's (a first send by flow start
//     creates such contacts), which a contact made by hand for the number
//     is too.
//
// It does not see the numbers of health workers outside the target who
// have no contact in RapidPro (the registry is read whole in a full sync,
// but only the target's workers are compared). And an incremental sync evaluates
// only the workers that changed: a worker who takes the number of an
// unchanged worker of the same target is reported (the number is on the
// other's contact), but the unchanged worker stays reachable, and in the
// group, until a full reconcile ([Syncer.Sync] with full) reports both.
//
// # Zero writes when nothing changed
//
// The package keeps a mirror of the workspace's contacts in the store —
// for each contact its UUID, ihris_id, status, URNs, groups and a
// fingerprint of the synced part — and brings it up to date at the start of
// every preview, plan and sync from RapidPro's own change feed (contacts
// modified or deleted since the mirror was last current, 250 a request).
// A worker whose desired contact has the fingerprint RapidPro holds costs
// no write. Comparing with RapidPro's state, rather than with a record of
// what was last written, is what makes the sync exact: a contact edited or
// stopped in RapidPro's UI, deleted, or created by a flow start is seen;
// and reading only the changes keeps it cheap: a no-op sync of 50,000
// workers reads the iHRIS changes and a page of RapidPro changes, and
// writes nothing. Among RapidPro's changes are the contacts the last sync
// wrote, a page per 250 writes: they cannot be skipped, as another's edit
// made between two of the sync's writes is only seen by reading them, but
// they are recognised as what the mirror holds and cost nothing more.
//
// Syncs are incremental: they follow iHRIS's changes since the checkpoint
// of the last sync of the same definition ([ihris.Registry.ChangesSince]),
// plus the workers whose contacts someone changed in RapidPro. The first
// sync, a changed definition ([Group.Hash]) or a request for a full
// reconcile reads every worker.
//
// # Resumable
//
// A sync killed at any point (the process, not only its context) and run
// again ends in the same state as an uninterrupted one: the mirror is read
// back from RapidPro before anything is written, so writes that landed are
// recognised and not repeated; contacts are created by upsert on their
// number, never twice; the contacts about to join a group are recorded
// before the request, so those added just before a kill are still known as
// the module's; and the iHRIS checkpoint moves only after every write it
// covers. The writes a sync plans are spooled in a journal rather than
// held: what a sync keeps per worker and per contact is ids, numbers and
// fingerprints, a few hundred bytes each.
//
// Two syncs of one workspace cannot interleave: they share the store's
// lock "target/sync/<workspace UUID>" ([store.DB.Lock]). The second fails
// with an error that errors.As finds a [*store.LockedError] in, naming the
// first (holder, host, process id, start time), or waits for it with
// [WithLockWait]. A holder killed on the same machine is recognised at once,
// one on another machine when its lease lapses (30 seconds); every
// transaction a sync commits checks that the lock is still its own.
//
// # The store
//
// The caller opens one [store.DB] ([store.Open]: an SQLite file, or
// PostgreSQL when several Data Managers or processes share it) and hands it
// to [New] and [NewAttributeStore], which apply the package's migrations
// (owner "target"). Every row is keyed by the RapidPro workspace UUID, so one
// database serves several workspaces. The tables:
//
//	target_contact    the mirror: every contact of the workspace as last
//	                  read from or written to RapidPro. Key (workspace,
//	                  uuid); the ihris_id field, status, tel URNs, other
//	                  URNs, group UUIDs, language and a fingerprint
//	                  (SHA-256, first 16 bytes) of the name, tel URNs and
//	                  synced fields. Written by syncs: a page at a time as
//	                  RapidPro is read, and after each write.
//	target_group      one row per target: key (workspace, name); its
//	                  RapidPro group, the hash of the definition last
//	                  synced, the iHRIS checkpoint, and when the last sync
//	                  ended. The checkpoint moves in the transaction that
//	                  ends a sync, after every write it covers.
//	target_member     the contacts this module put in a target's group. Key
//	                  (workspace, group_uuid, contact_uuid); state adding,
//	                  member or removing, written before the request, so a
//	                  sync killed in between still knows whom it added.
//	                  Nobody else is ever removed.
//	target_journal    the writes a sync planned, in order: key (workspace,
//	                  target, seq); the worker, the desired contact and
//	                  attributes as JSON, and whether it was made. A sync
//	                  killed midway leaves them for the next, which counts
//	                  them ([Summary.Resumed]).
//	target_attribute  the health-worker attributes of each contact, valid
//	                  from valid_from to valid_to (NULL while valid). Key
//	                  (workspace, contact_uuid, valid_from); see
//	                  [Attributes].
//
// Two store cursors per workspace, "target/contacts-modified/<workspace>"
// and "target/contacts-deleted/<workspace>", hold the RapidPro change
// checkpoints the mirror is current to; they are saved in the transaction
// that saves the contacts they cover.
//
// # Attributes for analytics
//
// Each sync records, per contact, the worker's attributes at that time
// (iHRIS id, URN, name, gender, facility, district, region and the whole
// place chain, cadre, job, employment status), valid until a later sync
// finds them changed. [AttributeStore.At] returns those valid when a flow
// was sent, so a contact field edited later in RapidPro, or a transfer,
// does not move a past answer.
package target
