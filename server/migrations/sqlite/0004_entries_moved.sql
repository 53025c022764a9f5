-- Entries whose revisions do not all share one occurred_at and officer: a
-- correction moved the entry in time (issue #5, speed). Kept up by the
-- insert that adds such a revision (db::WriteTx::insert_revisions, in the
-- same transaction), never emptied: an entry once moved stays listed.
--
-- Why: "the latest revision of an entry" is asked for every revision a
-- return or an export reads. For an entry not listed here all revisions
-- share officer and occurred_at, so they sit side by side in
-- revisions_officer_time and a later one is found there, on pages the read
-- is already going through; only listed entries need the look-up in
-- UNIQUE (entry_id, seq), whose pages are spread over the whole file (a
-- disk read each). An index by (officer_id, entry_id, seq) did the same but
-- cost pushes 13% (one more B-tree per revision); this table costs them
-- nothing measurable (few corrections move an entry).
CREATE TABLE entries_moved (
    entry_id TEXT PRIMARY KEY
) WITHOUT ROWID;

INSERT INTO entries_moved (entry_id)
    SELECT entry_id FROM revisions GROUP BY entry_id
    HAVING COUNT(DISTINCT occurred_at) > 1 OR COUNT(DISTINCT officer_id) > 1;
