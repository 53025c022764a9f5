//! Supervisor review, the programme return, exports and the DPA 2018 s62
//! access log: their SQL.
//!
//! "Latest revision" is always `seq = (SELECT MAX(seq) ...)` on the entry,
//! answered by the `UNIQUE (entry_id, seq)` index. Reviews and access log
//! rows are written through the small accounts pool (rare, small writes),
//! never the revision writer.
use beatbook_core::review::{ConflictRow, ReviewRow};
use sqlx::{AssertSqlSafe, Row};

use super::{Accounts, Database, DbError, StoredRow};

const LATEST: &str = "r.seq = (SELECT MAX(x.seq) FROM revisions x WHERE x.entry_id = r.entry_id)";
const STORED_COLUMNS: &str = "r.arrival, r.revision_id, r.entry_id, r.seq, r.kind, r.officer_id, \
     r.occurred_at, r.captured_at, r.received_at, r.body";

fn stored(row: &sqlx::sqlite::SqliteRow) -> Result<StoredRow, DbError> {
    Ok(StoredRow {
        arrival: row.try_get(0)?,
        revision_id: row.try_get(1)?,
        entry_id: row.try_get(2)?,
        seq: row.try_get(3)?,
        kind: row.try_get(4)?,
        officer_id: row.try_get(5)?,
        occurred_at: row.try_get(6)?,
        captured_at: row.try_get(7)?,
        received_at: row.try_get(8)?,
        body: row.try_get(9)?,
    })
}

/// A review decision to record.
#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    pub shift_id: &'a str,
    pub state: &'a str,
    pub comment: &'a str,
    pub reviewer: &'a str,
    pub at: &'a str,
}

/// One consultation or disclosure to log (s62).
#[derive(Debug, Clone, Copy)]
pub struct NewAccess<'a> {
    pub at: &'a str,
    pub officer_id: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub detail: &'a str,
    pub reason: Option<&'a str>,
}

/// A logged access.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessRow {
    pub at: String,
    pub officer_id: String,
    pub role: String,
    pub action: String,
    pub detail: String,
    pub reason: Option<String>,
}

/// What the shift list asks for. Times are stored-format text bounds.
#[derive(Debug, Clone)]
pub struct ShiftFilter<'a> {
    pub officers: &'a [String],
    pub from: &'a str,
    pub to: &'a str,
    pub kind: Option<&'a str>,
    pub area: Option<&'a str>,
    /// `pending` (never reviewed) or a review state.
    pub review: Option<&'a str>,
    pub newest_first: bool,
    /// Keyset: (occurred_at, entry_id) of the last row of the previous page.
    pub after: Option<(&'a str, &'a str)>,
    pub limit: u32,
}

/// A shift (its latest revision) with its latest review state.
#[derive(Debug, Clone)]
pub struct ShiftHead {
    pub row: StoredRow,
    pub review: Option<String>,
    pub review_comment: Option<String>,
}

impl Accounts {
    pub async fn insert_review(&self, r: &NewReview<'_>) -> Result<i64, DbError> {
        let done = sqlx::query(
            "INSERT INTO reviews (shift_id, state, comment, reviewer, at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(r.shift_id)
        .bind(r.state)
        .bind(r.comment)
        .bind(r.reviewer)
        .bind(r.at)
        .execute(&self.pool)
        .await?;
        Ok(done.last_insert_rowid())
    }

    pub async fn log_access(&self, a: &NewAccess<'_>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO access_log (at, officer_id, role, action, detail, reason) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(a.at)
        .bind(a.officer_id)
        .bind(a.role)
        .bind(a.action)
        .bind(a.detail)
        .bind(a.reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` access log rows, newest first.
    pub async fn access_log(&self, limit: u32) -> Result<Vec<AccessRow>, DbError> {
        let rows = sqlx::query(
            "SELECT at, officer_id, role, action, detail, reason FROM access_log \
             ORDER BY access_id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AccessRow {
                    at: r.try_get(0)?,
                    officer_id: r.try_get(1)?,
                    role: r.try_get(2)?,
                    action: r.try_get(3)?,
                    detail: r.try_get(4)?,
                    reason: r.try_get(5)?,
                })
            })
            .collect()
    }
}

impl Database {
    /// The officer who recorded a shift, if the shift exists.
    pub async fn shift_owner(&self, shift_id: &str) -> Result<Option<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT officer_id FROM revisions WHERE entry_id = ? AND kind = 'shift' LIMIT 1",
        )
        .bind(shift_id)
        .fetch_optional(&self.readers)
        .await?)
    }

    /// Officers (role `officer`) of a team, if `user_id` belongs to
    /// (supervises) it; `None` when they do not.
    pub async fn team_officers_for(
        &self,
        user_id: i64,
        team: &str,
    ) -> Result<Option<Vec<String>>, DbError> {
        let member: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM user_teams ut JOIN teams t ON t.team_id = ut.team_id \
             WHERE ut.user_id = ? AND t.name = ?)",
        )
        .bind(user_id)
        .bind(team)
        .fetch_one(&self.readers)
        .await?;
        if !member {
            return Ok(None);
        }
        Ok(Some(
            sqlx::query_scalar(
                "SELECT u.officer_id FROM user_teams ut JOIN teams t ON t.team_id = ut.team_id \
                 JOIN users u ON u.user_id = ut.user_id \
                 WHERE t.name = ? AND u.role = 'officer' ORDER BY u.officer_id",
            )
            .bind(team)
            .fetch_all(&self.readers)
            .await?,
        ))
    }

    /// Each officer's team names (for the shift list), as (officer, team).
    pub async fn teams_of(&self, officers: &[String]) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT u.officer_id, t.name FROM users u JOIN user_teams ut ON ut.user_id = u.user_id \
             JOIN teams t ON t.team_id = ut.team_id \
             WHERE u.officer_id IN (SELECT value FROM json_each(?)) ORDER BY t.name",
        )
        .bind(serde_json::to_string(officers)?)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A page of shifts (latest revisions), newest or oldest first.
    pub async fn list_shifts(&self, f: &ShiftFilter<'_>) -> Result<Vec<ShiftHead>, DbError> {
        if f.officers.is_empty() {
            return Ok(Vec::new());
        }
        let (cmp, order) = if f.newest_first {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        // Only fixed fragments go into the text; every value is bound.
        let sql = format!(
            "SELECT {STORED_COLUMNS}, \
               (SELECT v.state FROM reviews v WHERE v.shift_id = r.entry_id \
                ORDER BY v.review_id DESC LIMIT 1), \
               (SELECT v.comment FROM reviews v WHERE v.shift_id = r.entry_id \
                ORDER BY v.review_id DESC LIMIT 1) \
             FROM revisions r \
             WHERE r.kind = 'shift' AND r.officer_id IN (SELECT value FROM json_each(?1)) \
               AND r.occurred_at >= ?2 AND r.occurred_at < ?3 AND {LATEST} \
               AND (?4 IS NULL OR EXISTS (SELECT 1 FROM revisions c \
                    WHERE c.shift_id = r.entry_id AND c.kind = ?4)) \
               AND (?5 IS NULL OR EXISTS (SELECT 1 FROM revisions c \
                    WHERE c.shift_id = r.entry_id AND c.kind = 'patrol' \
                      AND json_extract(c.body, '$.record.patrol.area') = ?5)) \
               AND (?6 IS NULL OR COALESCE((SELECT v.state FROM reviews v \
                    WHERE v.shift_id = r.entry_id ORDER BY v.review_id DESC LIMIT 1), \
                    'pending') = ?6) \
               AND (?7 IS NULL OR (r.occurred_at, r.entry_id) {cmp} (?7, ?8)) \
             ORDER BY r.occurred_at {order}, r.entry_id {order} LIMIT ?9"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(serde_json::to_string(f.officers)?)
            .bind(f.from)
            .bind(f.to)
            .bind(f.kind)
            .bind(f.area)
            .bind(f.review)
            .bind(f.after.map(|a| a.0))
            .bind(f.after.map(|a| a.1))
            .bind(f.limit)
            .fetch_all(&self.readers)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ShiftHead {
                    row: stored(r)?,
                    review: r.try_get(10)?,
                    review_comment: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// Latest revisions of every entry belonging to these shifts.
    pub async fn latest_of_shifts(&self, shift_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        if shift_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.shift_id IN (SELECT value FROM json_each(?)) AND {LATEST}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(serde_json::to_string(shift_ids)?)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(stored).collect()
    }

    /// Latest revisions of these entries.
    pub async fn latest_of_entries(&self, entry_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        if entry_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.entry_id IN (SELECT value FROM json_each(?)) AND {LATEST}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(serde_json::to_string(entry_ids)?)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(stored).collect()
    }

    /// Every revision of a shift and of its entries, in time then sequence order.
    pub async fn shift_revisions(&self, shift_id: &str) -> Result<Vec<StoredRow>, DbError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r WHERE r.entry_id = ?1 \
             UNION ALL SELECT {STORED_COLUMNS} FROM revisions r WHERE r.shift_id = ?1 \
             ORDER BY 7, 3, 4"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(shift_id)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(stored).collect()
    }

    /// Conflicts kept for a shift or its entries.
    pub async fn shift_conflicts(&self, shift_id: &str) -> Result<Vec<ConflictRow>, DbError> {
        let rows = sqlx::query(
            "SELECT revision_id, entry_id, seq, kind, reason, captured_at, received_at \
             FROM conflicts WHERE entry_id = ?1 OR entry_id IN \
               (SELECT entry_id FROM revisions WHERE shift_id = ?1) ORDER BY conflict_id",
        )
        .bind(shift_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConflictRow {
                    revision_id: r.try_get(0)?,
                    entry_id: r.try_get(1)?,
                    seq: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    reason: r.try_get(4)?,
                    captured_at: r.try_get(5)?,
                    received_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// A shift's review decisions, oldest first.
    pub async fn review_history(&self, shift_id: &str) -> Result<Vec<ReviewRow>, DbError> {
        let rows = sqlx::query(
            "SELECT review_id, shift_id, state, comment, reviewer, at FROM reviews \
             WHERE shift_id = ? ORDER BY review_id",
        )
        .bind(shift_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewRow {
                    review_id: r.try_get(0)?,
                    shift_id: r.try_get(1)?,
                    state: r.try_get(2)?,
                    comment: r.try_get(3)?,
                    reviewer: r.try_get(4)?,
                    at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Of these shifts, those whose latest review is `rejected`.
    pub async fn rejected_among(&self, shift_ids: &[String]) -> Result<Vec<String>, DbError> {
        if shift_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT v.shift_id FROM reviews v \
             WHERE v.shift_id IN (SELECT value FROM json_each(?)) AND v.state = 'rejected' \
               AND v.review_id = (SELECT MAX(w.review_id) FROM reviews w WHERE w.shift_id = v.shift_id)",
        )
        .bind(serde_json::to_string(shift_ids)?)
        .fetch_all(&self.readers)
        .await?)
    }

    /// Latest revisions of these kinds by these officers that occurred in
    /// `[from, to)`: one pass over the officers' (officer_id, occurred_at) range.
    pub async fn latest_in_window(
        &self,
        kinds: &[&str],
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<String>, DbError> {
        if officers.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        // The body alone: it holds everything the return needs.
        let sql = format!(
            "SELECT r.body FROM revisions r \
             WHERE r.officer_id IN (SELECT value FROM json_each(?)) \
               AND r.occurred_at >= ? AND r.occurred_at < ? \
               AND r.kind IN (SELECT value FROM json_each(?)) AND {LATEST}"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(serde_json::to_string(officers)?)
            .bind(from)
            .bind(to)
            .bind(serde_json::to_string(kinds)?)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// One officer's latest revisions in `[from, to)` (of one kind, if
    /// given), in (occurred_at, arrival) order after the keyset `after`, at
    /// most `limit`: the export reads a chunk at a time.
    pub async fn export_chunk(
        &self,
        officer: &str,
        kind: Option<&str>,
        from: &str,
        to: &str,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<StoredRow>, DbError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.officer_id = ?1 AND (?2 IS NULL OR r.kind = ?2) \
               AND r.occurred_at >= ?3 AND r.occurred_at < ?4 \
               AND (r.occurred_at, r.arrival) > (COALESCE(?5, ''), COALESCE(?6, 0)) \
               AND {LATEST} \
             ORDER BY r.occurred_at, r.arrival LIMIT ?7"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(officer)
            .bind(kind)
            .bind(from)
            .bind(to)
            .bind(after.map(|a| a.0))
            .bind(after.map(|a| a.1))
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(stored).collect()
    }
}
