-- The device chain, kept small (issue 9, item 9; ARCHITECTURE.md "Device
-- chain"). Migration 0005 kept a row for every hash a device's revisions
-- hold or name: two upserts per stored revision into a table keyed by a
-- random hash, which halved ingest (every batch dirtied a page per row).
-- Now each revision carries its own hash and the hash it names, written
-- with it (append-only, like the rest of the row), and `chain_open` keeps
-- only what is unresolved, a few rows per device:
--
--   the linked end of a chain  node set, linked = 1, next NULL
--   a gap                      node NULL: named by `next`, never arrived
--   a fork                     fork set: `next` and `fork` both name it
--
-- A batch reads its hashes' rows, links them in memory
-- (server::chain::apply) and writes back only the rows that stay open.
-- A hash named but in neither the table nor the batch is looked up in
-- `revisions` (revisions_device, newest first): stored and already named
-- means a fork; absent, a gap.
--
--   revisions.hash  SHA-256 of the revision's canonical bytes (its body).
--   revisions.prev  the hash it names (Revision::prev), NULL for none.
-- Both NULL for revisions stored before 0005 (no app named them).
ALTER TABLE revisions ADD COLUMN hash BLOB;
ALTER TABLE revisions ADD COLUMN prev BLOB;

-- What 0005 stored, moved over: each stored revision's hash, and the link
-- it made (as a chain row's first or second naming revision).
UPDATE revisions SET hash = c.hash FROM chain c
 WHERE c.node = revisions.revision_id;
UPDATE revisions SET prev = c.hash FROM chain c
 WHERE c.next = revisions.revision_id;
UPDATE revisions SET prev = c.hash FROM chain c
 WHERE c.fork = revisions.revision_id;

CREATE TABLE chain_open_rows (
    device_id TEXT NOT NULL,
    hash      BLOB NOT NULL,
    node      TEXT,
    linked    INTEGER NOT NULL DEFAULT 0,
    next      TEXT,
    fork      TEXT,
    PRIMARY KEY (device_id, hash)
) WITHOUT ROWID;

INSERT INTO chain_open_rows (device_id, hash, node, linked, next, fork)
SELECT device_id, hash, node, linked, next, fork FROM chain
 WHERE node IS NULL OR fork IS NOT NULL OR (next IS NULL AND linked = 1);

DROP TABLE chain;
ALTER TABLE chain_open_rows RENAME TO chain_open;

-- For the rare lookups above: a device's revisions, newest first. Keyed
-- by device and arrival, so a batch appends to each device's end of it;
-- an index on the hash itself would put every row on a random page, and
-- cost as much as the table 0005 kept.
CREATE INDEX revisions_device ON revisions (device_id);
