-- The device chain (issue 9, item 9; ARCHITECTURE.md "Device chain"): every
-- revision names, in `prev`, the SHA-256 of the canonical bytes of the one
-- its device saved before it. One row per hash a device's revisions hold
-- or name, kept up by the insert that stores a revision
-- (db::WriteTx::insert_revisions, in the same transaction); the device is
-- the session's (revisions.device_id: a push naming another device than
-- its session's is refused before anything is read).
--
--   hash  SHA-256 of a revision's canonical bytes (revisions.body), 32 bytes.
--   node  revision_id of the stored revision with that hash; NULL while it
--         is only named: a gap, until it arrives (revisions come out of
--         order across pushes, so a gap may close later).
--   linked 1 when that revision names a predecessor itself (an app that
--         keeps the chain), 0 for a first save or an older app.
--   next  revision_id of the first stored revision naming this hash.
--   fork  revision_id of a second one naming it: two saves claim the same
--         predecessor, so a revision was rewritten or removed on the phone.
--
-- Breaks are the rows with node NULL or fork set; the ends of the chain
-- (next NULL, linked) tell where a gap began. `chain_open` holds just
-- those rows, a few per device, so a shift view reads its devices' breaks
-- with one index probe each. Rows are never deleted. Revisions stored
-- before this migration have no row: no app named them (SQLite has no
-- SHA-256 to fill them in, and nothing needs them).
CREATE TABLE chain (
    device_id TEXT NOT NULL,
    hash      BLOB NOT NULL,
    node      TEXT,
    linked    INTEGER NOT NULL DEFAULT 0,
    next      TEXT,
    fork      TEXT,
    PRIMARY KEY (device_id, hash)
) WITHOUT ROWID;

CREATE INDEX chain_open ON chain (device_id)
    WHERE node IS NULL OR fork IS NOT NULL OR (next IS NULL AND linked = 1);
