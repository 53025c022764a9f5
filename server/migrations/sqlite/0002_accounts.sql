-- Accounts, teams, device sessions and the security event log (issue #4).
-- Times are RFC 3339 UTC text with microseconds, like 0001.

CREATE TABLE teams (
    team_id    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,
    -- Collar or warrant number: the officer_id every revision carries. Signing
    -- in ignores case (phone keyboards capitalise); revisions carry it as stored.
    officer_id    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
    -- Argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash), own random salt.
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    password_set_at TEXT NOT NULL
);

-- An officer's teams (member of); a supervisor's teams (supervises).
CREATE TABLE user_teams (
    user_id INTEGER NOT NULL REFERENCES users (user_id),
    team_id INTEGER NOT NULL REFERENCES teams (team_id),
    PRIMARY KEY (user_id, team_id)
);

CREATE INDEX user_teams_team ON user_teams (team_id, user_id);

-- One row per sign-in on a device. Only the SHA-256 of the token is kept.
CREATE TABLE sessions (
    session_id   INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (user_id),
    device_id    TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Absolute end of the session, whatever the activity.
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    -- signed_out | device_revoked | user_disabled | password_reset | replaced
    revoked_reason TEXT
);

CREATE INDEX sessions_user_device ON sessions (user_id, device_id);

-- Sign-ins, failures, sign-outs, revocations, account changes and refusals:
-- who, when, from where. Never a token or a password.
CREATE TABLE security_events (
    event_id   INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    -- The account concerned (for a failed sign-in: the officer ID as typed).
    officer_id TEXT,
    -- Who acted, when not the account itself (`cli` for the admin command line).
    actor      TEXT,
    client_ip  TEXT,
    device_id  TEXT,
    detail     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX security_events_officer ON security_events (officer_id, at);
