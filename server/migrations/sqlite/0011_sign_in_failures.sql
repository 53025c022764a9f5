-- Failed sign-ins counted in the database (issue 12, item 3): every server
-- instance on this database, and one restarted on it, sees the same
-- lockouts and slow-downs. The rules are server::auth::limit's; the
-- reserve step (check and count) is one BEGIN IMMEDIATE transaction, so two
-- instances cannot both let the same attempt through.
-- Times are RFC 3339 UTC text with microseconds, like 0001.

-- One row per sign-in attempt let through to a password check and not
-- taken back: counted when reserved, before the check; deleted again if
-- it was never checked (busy) or if it succeeded (a success is no failure).
CREATE TABLE sign_in_failures (
    id          INTEGER PRIMARY KEY,
    -- auth::limit::account_key of the officer ID as typed.
    account     TEXT NOT NULL,
    -- The client address's limit key (IPv6: its /64); '' when unknown.
    address     TEXT NOT NULL,
    at          TEXT NOT NULL,
    -- Still counted for the (account, address) pair and for the account's
    -- slow-down: a success clears both, while the address keeps counting
    -- the failures (its limit counts failures over every officer ID).
    for_pair    INTEGER NOT NULL DEFAULT 1 CHECK (for_pair IN (0, 1)),
    for_account INTEGER NOT NULL DEFAULT 1 CHECK (for_account IN (0, 1))
);

-- The pair's failures, and (by its prefix) the account's.
CREATE INDEX sign_in_failures_pair ON sign_in_failures (account, address, at);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
-- Pruning: rows older than the longest window are deleted.
CREATE INDEX sign_in_failures_at ON sign_in_failures (at);

-- The account slow-down's next turn, while it is in the future (a turn in
-- the past holds nobody up: such rows are pruned).
CREATE TABLE sign_in_turns (
    account   TEXT PRIMARY KEY,
    next_turn TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX sign_in_turns_next ON sign_in_turns (next_turn);
