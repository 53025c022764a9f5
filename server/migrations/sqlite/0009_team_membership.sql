-- Team membership with its history (issue #11, item 4): who was in which
-- team from when until when, so a shift counts for the team its officer
-- belonged to when it started, and a move leaves past months as they were.
-- Leaving a team closes the row (`left_at`); it is never deleted. Times
-- are RFC 3339 UTC text with microseconds, like 0001, so they compare as
-- text with `revisions.occurred_at`.
CREATE TABLE team_membership (
    membership_id INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (user_id),
    team_id   INTEGER NOT NULL REFERENCES teams (team_id),
    -- From this instant (inclusive). An account's first teams, and every
    -- row migrated from 0002, start at the far past: before it there are
    -- no entries of theirs to place, and an entry typed in with an earlier
    -- time still finds its team.
    joined_at TEXT NOT NULL,
    -- Until this instant (exclusive); NULL while they are still a member.
    left_at   TEXT,
    CHECK (left_at IS NULL OR left_at > joined_at)
);

-- At most one open membership of a user in a team.
CREATE UNIQUE INDEX team_membership_open ON team_membership (user_id, team_id)
    WHERE left_at IS NULL;
-- A team's members over time (returns, the shift list, review scope).
CREATE INDEX team_membership_team ON team_membership (team_id, user_id);
CREATE INDEX team_membership_user ON team_membership (user_id, team_id);

INSERT INTO team_membership (user_id, team_id, joined_at, left_at)
    SELECT user_id, team_id, '0000-01-01T00:00:00.000000Z', NULL FROM user_teams;

-- 0002's table becomes the current memberships, read through a view, so
-- what asks "who is in the team now" (sign-in's teams, `user list`, `team
-- list`) reads one source with the history.
DROP INDEX user_teams_team;
DROP TABLE user_teams;
CREATE VIEW user_teams AS
    SELECT user_id, team_id FROM team_membership WHERE left_at IS NULL;
