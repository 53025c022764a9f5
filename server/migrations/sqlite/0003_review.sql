-- Supervisor review of shifts, and the DPA 2018 s62 access log (issue #5).
-- Times are RFC 3339 UTC text with microseconds, like 0001.

-- The shift list: shifts by officer and start (partial: shifts are ~5% of
-- revisions, so this costs pushes little). The return and the exports use
-- revisions_officer_time (0001) and filter the kind.
CREATE INDEX revisions_shifts ON revisions (officer_id, occurred_at) WHERE kind = 'shift';
-- A shift's entries (detail, counts, kind and area filters). A push's
-- revisions share one or two shift IDs, so inserts touch few pages.
CREATE INDEX revisions_shift ON revisions (shift_id) WHERE shift_id IS NOT NULL;

-- Review decisions on shifts: append-only history, never updated; the latest
-- (highest review_id) of a shift is its state. Approving never alters entries.
CREATE TABLE reviews (
    review_id   INTEGER PRIMARY KEY,
    -- The shift's entry ID.
    shift_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('approved', 'has_issues', 'rejected')),
    comment     TEXT NOT NULL DEFAULT '',
    -- The reviewing supervisor's officer ID.
    reviewer    TEXT NOT NULL,
    at          TEXT NOT NULL
);

CREATE INDEX reviews_shift ON reviews (shift_id, review_id);

-- DPA 2018 Part 3 s62: consultation (views) and disclosure (exports) of
-- shift logs and returns: who, when, what, and for disclosure the reason.
CREATE TABLE access_log (
    access_id  INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    role       TEXT NOT NULL,
    -- shift_list | shift_view | return_view | export_return | export_entries | review
    action     TEXT NOT NULL,
    -- The route and the ids / filters, as JSON.
    detail     TEXT NOT NULL,
    -- Exports: the justification given (required).
    reason     TEXT
);

CREATE INDEX access_log_officer ON access_log (officer_id, at);
