package target

import (
	"context"
	"fmt"
	"os"

	"github.com/mhero-go/mhero/store"
)

// owner is the package's name in the store: its tables are target_…, its
// cursors and locks target/….
const owner = "target"

// migrations are the package's tables, documented in the package
// documentation (section "The store"). Append only.
var migrations = []store.Migration{{
	Name: "contacts, groups, members, journal, attributes",
	SQL: `
CREATE TABLE target_contact (
	workspace   TEXT NOT NULL,
	uuid        TEXT NOT NULL,
	ihris_id    TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT '',
	urns        TEXT NOT NULL DEFAULT '',
	other_urns  TEXT NOT NULL DEFAULT '',
	group_uuids TEXT NOT NULL DEFAULT '',
	language    TEXT NOT NULL DEFAULT '',
	fingerprint TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (workspace, uuid)
);
CREATE INDEX target_contact_ihris_idx ON target_contact (workspace, ihris_id);
CREATE TABLE target_group (
	workspace        TEXT NOT NULL,
	name             TEXT NOT NULL,
	group_uuid       TEXT NOT NULL DEFAULT '',
	definition_hash  TEXT NOT NULL DEFAULT '',
	ihris_checkpoint TEXT NOT NULL DEFAULT '',
	last_sync        TIMESTAMPTZ,
	PRIMARY KEY (workspace, name)
);
CREATE TABLE target_member (
	workspace    TEXT NOT NULL,
	group_uuid   TEXT NOT NULL,
	contact_uuid TEXT NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('adding', 'member', 'removing')),
	PRIMARY KEY (workspace, group_uuid, contact_uuid)
);
CREATE TABLE target_journal (
	workspace TEXT NOT NULL,
	target    TEXT NOT NULL,
	seq       BIGINT NOT NULL,
	ihris_id  TEXT NOT NULL,
	payload   TEXT NOT NULL,
	done      BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (workspace, target, seq)
);
CREATE TABLE target_attribute (
	workspace         TEXT NOT NULL,
	contact_uuid      TEXT NOT NULL,
	valid_from        TIMESTAMPTZ NOT NULL,
	valid_to          TIMESTAMPTZ,
	ihris_id          TEXT NOT NULL,
	urn               TEXT NOT NULL DEFAULT '',
	name              TEXT NOT NULL DEFAULT '',
	gender            TEXT NOT NULL DEFAULT '',
	facility_id       TEXT NOT NULL DEFAULT '',
	facility          TEXT NOT NULL DEFAULT '',
	district_id       TEXT NOT NULL DEFAULT '',
	district          TEXT NOT NULL DEFAULT '',
	region_id         TEXT NOT NULL DEFAULT '',
	region            TEXT NOT NULL DEFAULT '',
	cadre             TEXT NOT NULL DEFAULT '',
	cadre_name        TEXT NOT NULL DEFAULT '',
	job               TEXT NOT NULL DEFAULT '',
	job_name          TEXT NOT NULL DEFAULT '',
	employment_status TEXT NOT NULL DEFAULT '',
	places            TEXT NOT NULL DEFAULT '',
	fingerprint       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (workspace, contact_uuid, valid_from)
);
CREATE INDEX target_attribute_urn_idx ON target_attribute (workspace, urn);
CREATE INDEX target_attribute_ihris_idx ON target_attribute (workspace, ihris_id);`,
}}

// migrate brings the package's tables in db up to date.
func migrate(ctx context.Context, db *store.DB) error {
	if err := db.Migrate(ctx, owner, migrations); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return nil
}

// lockName is the name of a workspace's sync lock.
func lockName(workspace string) string { return owner + "/sync/" + workspace }

// cursorName is the name of one of a workspace's RapidPro change
// checkpoints ("modified", "deleted").
func cursorName(workspace, feed string) string {
	return owner + "/contacts-" + feed + "/" + workspace
}

// defaultHolder names this process in the workspace lock; the store adds
// the host and process id.
func defaultHolder() string {
	if u := os.Getenv("USER"); u != "" {
		return "target sync by " + u
	}
	return "target sync"
}
