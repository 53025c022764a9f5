-- Submitted programme returns (issue #11, item 6): the figures of a period
-- frozen when a supervisor submitted them, with who, when and a SHA-256 of
-- their content. Append-only: submitting again adds the next revision;
-- none is ever updated or deleted. Times are RFC 3339 UTC text with
-- microseconds, like 0001.
CREATE TABLE submitted_returns (
    return_id     INTEGER PRIMARY KEY,
    -- The teams the return covers: a JSON array of names, sorted.
    teams         TEXT NOT NULL,
    -- The period's local days, YYYY-MM-DD, inclusive.
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    -- 1, 2, ... per (teams, period_from, period_to).
    revision      INTEGER NOT NULL CHECK (revision >= 1),
    submitted_by  TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,
    -- The figures' JSON (beatbook_core::returns::canonical_figures), and
    -- its SHA-256 in lowercase hex.
    figures       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    -- What the server held when the figures were read: the highest
    -- revisions.arrival and reviews.review_id. Anything after them is a
    -- change since the submission (a primary key range, never a scan).
    last_arrival  INTEGER NOT NULL,
    last_review   INTEGER NOT NULL,
    UNIQUE (teams, period_from, period_to, revision)
);
