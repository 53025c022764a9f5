-- Revisions the server accepted: immutable, one row each, never updated.
-- `arrival` is the insertion order (the paging cursor of GET /api/v1/revisions)
-- and keeps the table's own B-tree append-only; `revision_id` is the identity.
-- Times are RFC 3339 UTC text with microseconds, so text order is time order.
CREATE TABLE revisions (
    arrival     INTEGER PRIMARY KEY,
    revision_id TEXT NOT NULL UNIQUE,
    entry_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    shift_id    TEXT,
    device_id   TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- Canonical JSON of the revision (beatbook_core::sync::canonical_bytes).
    body        TEXT NOT NULL,
    UNIQUE (entry_id, seq)
);

CREATE INDEX revisions_officer_time ON revisions (officer_id, occurred_at);

-- Changes that collided with what the server holds. Kept apart, never merged
-- into `revisions` and never overwriting anything; a supervisor resolves them.
CREATE TABLE conflicts (
    conflict_id INTEGER PRIMARY KEY,
    revision_id TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    officer_id  TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    -- same_id_different_content | sequence_taken | kind_mismatch
    reason      TEXT NOT NULL,
    captured_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body        TEXT NOT NULL
);

CREATE INDEX conflicts_revision ON conflicts (revision_id);
CREATE INDEX conflicts_entry ON conflicts (entry_id);
