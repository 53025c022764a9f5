-- Beatbook on PostgreSQL: the schema SQLite reaches through its migrations
-- 0001..0012 (server/migrations/sqlite, where each table's reasons are
-- told), written at once in PostgreSQL's own terms. Later changes get their
-- own numbered file here, beside the SQLite one.
--
-- Differences from the SQLite schema, all for PostgreSQL's sake:
--   * identity columns in place of INTEGER PRIMARY KEY rowids;
--   * times stay RFC 3339 UTC text with microseconds (fixed width), as on
--     SQLite, so one format crosses the boundary; every such column and
--     every ID compared for order is COLLATE "C" (byte order), so a
--     database made with another locale sorts them the same;
--   * bytea for hashes, boolean for flags;
--   * officer IDs are unique ignoring case through an index on lower();
--   * revisions.doc is the body as jsonb (generated from the exact text,
--     which stays in `body` for identity and the hash chain): what the
--     review queries read fields of.
--
-- Several server instances write at once here. What SQLite got from its
-- single writer is the database's work: unique constraints and
-- ON CONFLICT, and transaction-level advisory locks (db::postgres::locks)
-- where a sequence must be serialised: revisions.arrival and
-- ij_follow_ups.arrival are assigned and committed in one order, so a
-- paging cursor never skips a row that commits late.

CREATE TABLE revisions (
    arrival     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision_id TEXT COLLATE "C" NOT NULL UNIQUE,
    entry_id    TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    officer_id  TEXT COLLATE "C" NOT NULL,
    shift_id    TEXT COLLATE "C",
    device_id   TEXT COLLATE "C" NOT NULL,
    occurred_at TEXT COLLATE "C" NOT NULL,
    captured_at TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    doc         JSONB GENERATED ALWAYS AS (body::jsonb) STORED,
    hash        BYTEA,
    prev        BYTEA,
    UNIQUE (entry_id, seq)
);

CREATE INDEX revisions_officer_time ON revisions (officer_id, occurred_at);
CREATE INDEX revisions_shifts ON revisions (officer_id, occurred_at) WHERE kind = 'shift';
CREATE INDEX revisions_shift ON revisions (shift_id) WHERE shift_id IS NOT NULL;
CREATE INDEX revisions_ij_referrals ON revisions (officer_id, occurred_at)
    WHERE kind = 'ij_referral';
CREATE INDEX revisions_device ON revisions (device_id, arrival);

CREATE TABLE conflicts (
    conflict_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision_id TEXT COLLATE "C" NOT NULL,
    entry_id    TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    officer_id  TEXT COLLATE "C" NOT NULL,
    device_id   TEXT COLLATE "C" NOT NULL,
    reason      TEXT NOT NULL,
    captured_at TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL
);

CREATE INDEX conflicts_revision ON conflicts (revision_id);
CREATE INDEX conflicts_entry ON conflicts (entry_id);
CREATE INDEX conflicts_officer ON conflicts (officer_id);

CREATE TABLE entries_moved (
    entry_id TEXT COLLATE "C" PRIMARY KEY
);

CREATE TABLE chain_open (
    device_id TEXT COLLATE "C" NOT NULL,
    hash      BYTEA NOT NULL,
    node      TEXT COLLATE "C",
    linked    BOOLEAN NOT NULL DEFAULT FALSE,
    next      TEXT COLLATE "C",
    fork      TEXT COLLATE "C",
    PRIMARY KEY (device_id, hash)
);

CREATE TABLE teams (
    team_id    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE users (
    user_id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    officer_id    TEXT COLLATE "C" NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT COLLATE "C" NOT NULL,
    password_set_at TEXT COLLATE "C" NOT NULL
);

-- Signing in ignores case (SQLite: COLLATE NOCASE, which folds ASCII only,
-- as lower() does for the ASCII collar numbers are made of).
CREATE UNIQUE INDEX users_officer_id ON users (lower(officer_id));

CREATE TABLE team_membership (
    membership_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users (user_id),
    team_id   BIGINT NOT NULL REFERENCES teams (team_id),
    joined_at TEXT COLLATE "C" NOT NULL,
    left_at   TEXT COLLATE "C",
    CHECK (left_at IS NULL OR left_at > joined_at)
);

CREATE UNIQUE INDEX team_membership_open ON team_membership (user_id, team_id)
    WHERE left_at IS NULL;
CREATE INDEX team_membership_team ON team_membership (team_id, user_id);
CREATE INDEX team_membership_user ON team_membership (user_id, team_id);

CREATE VIEW user_teams AS
    SELECT user_id, team_id FROM team_membership WHERE left_at IS NULL;

CREATE TABLE sessions (
    session_id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (user_id),
    device_id    TEXT COLLATE "C" NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL,
    expires_at   TEXT COLLATE "C" NOT NULL,
    revoked_at   TEXT COLLATE "C",
    revoked_reason TEXT
);

CREATE INDEX sessions_user_device ON sessions (user_id, device_id);

CREATE TABLE security_events (
    event_id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT COLLATE "C" NOT NULL,
    kind       TEXT NOT NULL,
    officer_id TEXT COLLATE "C",
    actor      TEXT,
    client_ip  TEXT,
    device_id  TEXT,
    detail     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX security_events_officer ON security_events (officer_id, at);

CREATE TABLE reviews (
    review_id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shift_id    TEXT COLLATE "C" NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('approved', 'has_issues', 'rejected')),
    comment     TEXT NOT NULL DEFAULT '',
    reviewer    TEXT COLLATE "C" NOT NULL,
    at          TEXT COLLATE "C" NOT NULL
);

CREATE INDEX reviews_shift ON reviews (shift_id, review_id);

CREATE TABLE access_log (
    access_id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         TEXT COLLATE "C" NOT NULL,
    officer_id TEXT COLLATE "C" NOT NULL,
    role       TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    reason     TEXT
);

CREATE INDEX access_log_officer ON access_log (officer_id, at);

CREATE TABLE force_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE submitted_returns (
    return_id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    teams         TEXT COLLATE "C" NOT NULL,
    period_from   TEXT COLLATE "C" NOT NULL,
    period_to     TEXT COLLATE "C" NOT NULL,
    revision      BIGINT NOT NULL CHECK (revision >= 1),
    submitted_by  TEXT NOT NULL,
    submitted_at  TEXT COLLATE "C" NOT NULL,
    figures       TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    last_arrival  BIGINT NOT NULL,
    last_review   BIGINT NOT NULL,
    last_follow_up BIGINT NOT NULL DEFAULT 0,
    UNIQUE (teams, period_from, period_to, revision)
);

CREATE TABLE sign_in_failures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account     TEXT COLLATE "C" NOT NULL,
    address     TEXT COLLATE "C" NOT NULL,
    at          TEXT COLLATE "C" NOT NULL,
    for_pair    BOOLEAN NOT NULL DEFAULT TRUE,
    for_account BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE INDEX sign_in_failures_pair ON sign_in_failures (account, address, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);

CREATE TABLE sign_in_turns (
    account   TEXT COLLATE "C" PRIMARY KEY,
    next_turn TEXT COLLATE "C" NOT NULL
);

CREATE INDEX sign_in_turns_next ON sign_in_turns (next_turn);

CREATE TABLE ij_follow_ups (
    follow_up_id TEXT COLLATE "C" PRIMARY KEY,
    arrival      BIGINT NOT NULL UNIQUE,
    entry_id     TEXT COLLATE "C" NOT NULL,
    recorded_by  TEXT COLLATE "C" NOT NULL,
    recorded_at  TEXT COLLATE "C" NOT NULL,
    completed_on TEXT COLLATE "C",
    body         TEXT NOT NULL,
    patch        TEXT NOT NULL
);

CREATE INDEX ij_follow_ups_entry ON ij_follow_ups (entry_id, recorded_at);

CREATE FUNCTION ij_follow_ups_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ij_follow_ups is append-only';
END;
$$;

CREATE TRIGGER ij_follow_ups_no_update BEFORE UPDATE ON ij_follow_ups
    FOR EACH ROW EXECUTE FUNCTION ij_follow_ups_append_only();
CREATE TRIGGER ij_follow_ups_no_delete BEFORE DELETE ON ij_follow_ups
    FOR EACH ROW EXECUTE FUNCTION ij_follow_ups_append_only();

-- RFC 7396 JSON merge patch, as SQLite's json_patch (which the SQLite reads
-- use): objects merge key by key, recursively; a null in the patch takes
-- the key away; anything else replaces. The review reads lay an Immediate
-- Justice follow-up's patch (ij_follow_ups.patch, nested under
-- record.ij_referral) over a referral this way. A NULL patch gives NULL.
CREATE FUNCTION jsonb_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    k text;
    v jsonb;
BEGIN
    IF patch IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(patch) <> 'object' THEN
        RETURN patch;
    END IF;
    IF target IS NULL OR jsonb_typeof(target) <> 'object' THEN
        target := '{}';
    END IF;
    FOR k, v IN SELECT key, value FROM jsonb_each(patch) LOOP
        IF jsonb_typeof(v) = 'null' THEN
            target := target - k;
        ELSE
            target := target || jsonb_build_object(k, jsonb_merge_patch(target -> k, v));
        END IF;
    END LOOP;
    RETURN target;
END;
$$;
