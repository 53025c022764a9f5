-- Immediate Justice follow-ups (issue #11, item 7; core::ij): how a
-- reparation went, recorded by anyone in the referral's team beside the
-- referral's entry, which stays the referring officer's own. Append-only:
-- a follow-up is never updated or deleted (the triggers below refuse it);
-- a later one says what changed. Times are RFC 3339 UTC text with
-- microseconds, like 0001.
CREATE TABLE ij_follow_ups (
    -- Made by the client (core::FollowUpId): a resend names it again.
    follow_up_id TEXT PRIMARY KEY,
    -- Insertion order, 1, 2, ...: what a submitted return has seen
    -- (submitted_returns.last_follow_up), like revisions.arrival.
    arrival      INTEGER NOT NULL UNIQUE,
    -- The referral's entry ID (an ij_referral in `revisions`).
    entry_id     TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    -- The local day it ended, YYYY-MM-DD (from the body), for the return's
    -- completions of a period.
    completed_on TEXT,
    -- The follow-up's JSON as the server took it (core::ij::IjFollowUp).
    body         TEXT NOT NULL,
    -- What it sets of the referral, as a JSON merge patch of a stored
    -- revision (core::ij::FOLLOW_UP_FIELDS; null takes a field away):
    -- the return and entries.csv read a referral with its effective
    -- follow-up laid over it (db::review::EFFECTIVE_BODY).
    patch        TEXT NOT NULL
) WITHOUT ROWID;

-- A referral's follow-ups, latest first.
CREATE INDEX ij_follow_ups_entry ON ij_follow_ups (entry_id, recorded_at);

CREATE TRIGGER ij_follow_ups_no_update BEFORE UPDATE ON ij_follow_ups
BEGIN
    SELECT RAISE(ABORT, 'ij_follow_ups is append-only');
END;

CREATE TRIGGER ij_follow_ups_no_delete BEFORE DELETE ON ij_follow_ups
BEGIN
    SELECT RAISE(ABORT, 'ij_follow_ups is append-only');
END;

-- The highest ij_follow_ups.arrival a submission had seen: a follow-up
-- after it is a change since. Returns submitted before this migration had
-- seen none (there were none).
ALTER TABLE submitted_returns ADD COLUMN last_follow_up INTEGER NOT NULL DEFAULT 0;
