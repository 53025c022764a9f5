//! SQLite: review.
use super::{Accounts, Readers};
use crate::db::review::*;
use crate::db::{DbError, StoredRow};
use beatbook_core::review::{ConflictRow, ReviewRow};
use sqlx::{AssertSqlSafe, Row};

/// Whether `r` is its entry's latest revision (highest seq). An entry
/// listed in `entries_moved` (a correction changed its occurred_at) is
/// looked up by entry in `UNIQUE (entry_id, seq)`. Any other entry has one
/// officer and one occurred_at in all its revisions, so a later revision
/// sits beside `r` in `revisions_officer_time`: found there, on the pages a
/// read by officer and time is going through anyway, instead of a page of
/// the by-entry index a disk read away (that look-up was most of the time
/// of a month's return). `INDEXED BY`, as the planner would otherwise pick
/// the by-entry index for that look-up too. See migration 0004.
const LATEST: &str =
    "CASE WHEN EXISTS (SELECT 1 FROM entries_moved m WHERE m.entry_id = r.entry_id) \
     THEN r.seq = (SELECT MAX(x.seq) FROM revisions x WHERE x.entry_id = r.entry_id) \
     ELSE NOT EXISTS (SELECT 1 FROM revisions x INDEXED BY revisions_officer_time \
       WHERE x.officer_id = r.officer_id AND x.occurred_at = r.occurred_at \
         AND x.entry_id = r.entry_id AND x.seq > r.seq) END";

/// A latest revision `r`'s body as the return and `entries.csv` read it:
/// an Immediate Justice referral with its effective follow-up laid over it
/// (migration 0012), the latest follow-up recorded after the referral's
/// follow-up fields last changed: when the first revision of the run,
/// ending at `r`, that holds them as `r` does was made. So an officer's
/// correction that sets the hours or the result says how things stand
/// again, and one that only mends the name (the phone knows nothing of a
/// teammate's follow-up and repeats the old hours) leaves the follow-up
/// standing. A follow-up's time is the server's; a revision's is the
/// phone's `captured_at` set right by the offset from the server's clock
/// the phone knew (`clock_offset_ms`), and never later than the server
/// received it: a phone two hours fast must not make a correction it made
/// before a teammate's follow-up look like the later word. Compared as
/// Julian days (`julianday` reads the stored `…Z` text), to a few
/// microseconds. Any other body as stored: the `CASE` keeps the look-ups
/// to referrals, a few among thousands of rows.
const EFFECTIVE_BODY: &str = "CASE WHEN r.kind = 'ij_referral' THEN COALESCE(json_patch(r.body, \
       (SELECT f.patch FROM ij_follow_ups f WHERE f.entry_id = r.entry_id \
          AND julianday(f.recorded_at) > (SELECT MIN(julianday(y.captured_at) \
              + COALESCE(y.body ->> '$.clock_offset_ms', 0) / 86400000.0, \
              julianday(y.received_at)) FROM revisions y \
            WHERE y.entry_id = r.entry_id AND y.seq = 1 + COALESCE((SELECT MAX(x.seq) \
              FROM revisions x WHERE x.entry_id = r.entry_id AND x.seq < r.seq \
                AND (x.body -> '$.record.ij_referral.reparation_started' \
                       IS NOT r.body -> '$.record.ij_referral.reparation_started' \
                  OR x.body -> '$.record.ij_referral.reparation_started_at' \
                       IS NOT r.body -> '$.record.ij_referral.reparation_started_at' \
                  OR x.body -> '$.record.ij_referral.hours_completed' \
                       IS NOT r.body -> '$.record.ij_referral.hours_completed' \
                  OR x.body -> '$.record.ij_referral.result' \
                       IS NOT r.body -> '$.record.ij_referral.result' \
                  OR x.body -> '$.record.ij_referral.completed_on' \
                       IS NOT r.body -> '$.record.ij_referral.completed_on' \
                  OR x.body -> '$.record.ij_referral.outcome' \
                       IS NOT r.body -> '$.record.ij_referral.outcome')), 0)) \
          ORDER BY f.recorded_at DESC, f.arrival DESC LIMIT 1)), \
       r.body) ELSE r.body END";

const STORED_COLUMNS: &str = "r.arrival, r.revision_id, r.entry_id, r.seq, r.kind, r.officer_id, \
     r.occurred_at, r.captured_at, r.received_at, r.body";

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

impl Readers {
    /// The officer who recorded a shift and when it started (its latest
    /// revision's start: a correction may move it), if the shift exists.
    pub async fn shift_head(&self, shift_id: &str) -> Result<Option<(String, String)>, DbError> {
        Ok(sqlx::query_as(
            "SELECT officer_id, occurred_at FROM revisions WHERE entry_id = ? AND kind = 'shift' \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(shift_id)
        .fetch_optional(&self.readers)
        .await?)
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
               AND (?10 IS NULL \
                 OR NOT EXISTS (SELECT 1 FROM json_each(?10) m WHERE m.value ->> 0 = r.officer_id) \
                 OR EXISTS (SELECT 1 FROM json_each(?10) m WHERE m.value ->> 0 = r.officer_id \
                      AND r.occurred_at >= m.value ->> 1 AND r.occurred_at < m.value ->> 2)) \
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
            .bind(f.restricted)
            .fetch_all(&self.readers)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ShiftHead {
                    row: super::stored_row(r)?,
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
        rows.iter().map(super::stored_row).collect()
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
        rows.iter().map(super::stored_row).collect()
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
        rows.iter().map(super::stored_row).collect()
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
    /// `[from, to)`: their bodies, and the shifts they belong to.
    pub async fn latest_in_window(
        &self,
        kinds: &[&str],
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<WindowRows, DbError> {
        if kinds.is_empty() {
            return Ok(WindowRows::default());
        }
        // The shift ID column saves reading the bodies to find the shifts.
        let sql = format!(
            "SELECT group_concat({EFFECTIVE_BODY}, char(30)), group_concat(DISTINCT r.shift_id), \
               r.officer_id \
             FROM revisions r \
             WHERE r.officer_id IN (SELECT value FROM json_each(?1)) \
               AND r.occurred_at >= ?2 AND r.occurred_at < ?3 \
               AND r.kind IN (SELECT value FROM json_each(?4)) AND {LATEST} \
             GROUP BY r.officer_id"
        );
        let kinds = serde_json::to_string(kinds)?;
        self.window(&sql, officers, from, to, Some(&kinds)).await
    }

    /// Latest revisions of these officers' Immediate Justice referrals
    /// that occurred before `before` and were completed on a day from
    /// `first_day` to `last_day` (YYYY-MM-DD), by their effective
    /// follow-up if they have one ([`EFFECTIVE_BODY`]): the return counts
    /// a completion in its own period, however long after the referral.
    /// Few rows, through the partial index of migration 0010.
    pub async fn ij_completed_between(
        &self,
        officers: &[String],
        first_day: &str,
        last_day: &str,
        before: &str,
    ) -> Result<WindowRows, DbError> {
        // `kind = 'ij_referral'` written out, so the partial index applies.
        let sql = format!(
            "SELECT group_concat(r.body, char(30)), group_concat(DISTINCT r.shift_id), r.officer_id \
             FROM (SELECT r.officer_id, r.shift_id, {EFFECTIVE_BODY} AS body \
               FROM revisions r INDEXED BY revisions_ij_referrals \
               WHERE r.officer_id IN (SELECT value FROM json_each(?1)) \
                 AND r.occurred_at < ?4 AND r.kind = 'ij_referral' AND {LATEST}) r \
             WHERE r.body ->> '$.record.ij_referral.completed_on' BETWEEN ?2 AND ?3 \
             GROUP BY r.officer_id"
        );
        self.window(&sql, officers, first_day, last_day, Some(before))
            .await
    }

    /// Latest revisions of these officers' shifts that started in `[from,
    /// to)`: their bodies and their entry IDs (from `revisions_shifts`).
    pub async fn shifts_in_window(
        &self,
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<WindowRows, DbError> {
        // `kind = 'shift'` written out, so the partial index applies.
        let sql = format!(
            "SELECT group_concat(r.body, char(30)), group_concat(r.entry_id), r.officer_id \
             FROM revisions r \
             WHERE r.officer_id IN (SELECT value FROM json_each(?1)) \
               AND r.occurred_at >= ?2 AND r.occurred_at < ?3 \
               AND r.kind = 'shift' AND {LATEST} \
             GROUP BY r.officer_id"
        );
        self.window(&sql, officers, from, to, None).await
    }

    /// Runs a window query (officers, from, to and, if given, a fourth
    /// value (the kinds, a time) bound as ?1 to ?4): one pass over the officers' (officer_id, occurred_at)
    /// range, one row per officer (GROUP BY follows the index order, so it
    /// needs no sort). A month of a team is some 20,000 revisions: sqlx
    /// hands each row from SQLite's thread to the task on its own, so the
    /// bodies come joined (see [`WindowRows`]). One query, not halves on
    /// two connections at once: SQLite's allocator takes one lock for all
    /// connections of the process, and two halves at once took longer than
    /// the whole.
    async fn window(
        &self,
        sql: &str,
        officers: &[String],
        from: &str,
        to: &str,
        fourth: Option<&str>,
    ) -> Result<WindowRows, DbError> {
        let mut out = WindowRows::default();
        if officers.is_empty() {
            return Ok(out);
        }
        // Only fixed fragments go into the text; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()))
            .bind(serde_json::to_string(officers)?)
            .bind(from)
            .bind(to);
        if let Some(fourth) = fourth {
            query = query.bind(fourth);
        }
        let rows = query.fetch_all(&self.readers).await?;
        for row in rows {
            if let Some(ids) = row.try_get::<Option<&str>, _>(1)? {
                out.ids.extend(ids.split(',').map(str::to_owned));
            }
            out.joined.push(row.try_get(0)?);
            out.officers.push(row.try_get(2)?);
        }
        Ok(out)
    }

    /// One officer's latest revisions in `[from, to)` (of one kind, if
    /// given), in (occurred_at, arrival) order after the keyset `after`, at
    /// most `limit`: the export reads a chunk at a time. Joined into one
    /// text (see [`JoinedRows`]): sqlx hands each row from SQLite's thread
    /// to the task on its own, and copies every column of it twice, which
    /// cost more than reading the row. `stays`, when the officer counts
    /// at some times only ([`Members::stays_json`]), keeps the entries of
    /// shifts that started inside one (an entry outside a shift, or of a
    /// shift not stored, by its own time).
    ///
    /// [`Members::stays_json`]: crate::reports::members::Members::stays_json
    #[allow(clippy::too_many_arguments)]
    pub async fn export_chunk(
        &self,
        officer: &str,
        kind: Option<&str>,
        from: &str,
        to: &str,
        after: Option<(&str, i64)>,
        limit: u32,
        stays: Option<&str>,
    ) -> Result<JoinedRows, DbError> {
        let anchor = "CASE WHEN r.kind = 'shift' OR r.shift_id IS NULL THEN r.occurred_at \
             ELSE COALESCE((SELECT s.occurred_at FROM revisions s WHERE s.entry_id = r.shift_id \
               ORDER BY s.seq DESC LIMIT 1), r.occurred_at) END";
        // The latest review state of the row's shift (a shift's own):
        // `pending` when never reviewed. Never NULL: concat_ws would drop
        // it, and the fields after it would move.
        let review = "COALESCE((SELECT v.state FROM reviews v \
               WHERE v.shift_id = CASE WHEN r.kind = 'shift' THEN r.entry_id ELSE r.shift_id END \
               ORDER BY v.review_id DESC LIMIT 1), \
             CASE WHEN r.kind = 'shift' OR r.shift_id IS NOT NULL THEN 'pending' ELSE '' END)";
        // The columns of StoredRow and the review, the body last.
        let sql = format!(
            "SELECT group_concat(concat_ws(char(31), r.arrival, r.revision_id, r.entry_id, \
                 r.seq, r.kind, r.officer_id, r.occurred_at, r.captured_at, r.received_at, \
                 {review}, {EFFECTIVE_BODY}), char(30) ORDER BY r.occurred_at, r.arrival), \
               count(*) \
             FROM (SELECT * FROM revisions r \
               WHERE r.officer_id = ?1 AND (?2 IS NULL OR r.kind = ?2) \
                 AND r.occurred_at >= ?3 AND r.occurred_at < ?4 \
                 AND (r.occurred_at, r.arrival) > (COALESCE(?5, ''), COALESCE(?6, 0)) \
                 AND {LATEST} \
                 AND (?8 IS NULL OR EXISTS (SELECT 1 FROM json_each(?8) m \
                   WHERE ({anchor}) >= m.value ->> 0 AND ({anchor}) < m.value ->> 1)) \
               ORDER BY r.occurred_at, r.arrival LIMIT ?7) r"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(officer)
            .bind(kind)
            .bind(from)
            .bind(to)
            .bind(after.map(|a| a.0))
            .bind(after.map(|a| a.1))
            .bind(limit)
            .bind(stays)
            .fetch_one(&self.readers)
            .await?;
        let count: i64 = row.try_get(1)?;
        Ok(JoinedRows {
            text: row.try_get(0)?,
            count: usize::try_from(count).unwrap_or(0),
        })
    }
}

/// The reads as they were before `entries_moved` and joined rows (one row
/// per revision, "latest" always looked up in `UNIQUE (entry_id, seq)`), to
/// check the faster reads give the same.
#[cfg(test)]
impl Readers {
    const LATEST_BY_ENTRY: &'static str =
        "r.seq = (SELECT MAX(x.seq) FROM revisions x WHERE x.entry_id = r.entry_id)";

    pub async fn reference_latest_in_window(
        &self,
        kinds: &[&str],
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<Vec<String>, DbError> {
        let sql = format!(
            "SELECT r.body FROM revisions r \
             WHERE r.officer_id IN (SELECT value FROM json_each(?)) \
               AND r.occurred_at >= ? AND r.occurred_at < ? \
               AND r.kind IN (SELECT value FROM json_each(?)) AND {}",
            Self::LATEST_BY_ENTRY
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

    pub async fn reference_latest_of_entries(
        &self,
        entry_ids: &[String],
    ) -> Result<Vec<StoredRow>, DbError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.entry_id IN (SELECT value FROM json_each(?)) AND {}",
            Self::LATEST_BY_ENTRY
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(serde_json::to_string(entry_ids)?)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(super::stored_row).collect()
    }

    /// One officer's latest revisions in `[from, to)`, all at once.
    pub async fn reference_export(
        &self,
        officer: &str,
        kind: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<StoredRow>, DbError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.officer_id = ?1 AND (?2 IS NULL OR r.kind = ?2) \
               AND r.occurred_at >= ?3 AND r.occurred_at < ?4 AND {} \
             ORDER BY r.occurred_at, r.arrival",
            Self::LATEST_BY_ENTRY
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(officer)
            .bind(kind)
            .bind(from)
            .bind(to)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(super::stored_row).collect()
    }
}

#[cfg(test)]
mod effective_body_tests {
    use super::EFFECTIVE_BODY;
    use beatbook_core::ij::FOLLOW_UP_FIELDS;

    /// The SQL spells out the follow-up's fields: each one core lists is
    /// compared (on both sides), so a field added there cannot be missed.
    #[test]
    fn every_follow_up_field_decides_when_the_fields_last_changed() {
        for field in FOLLOW_UP_FIELDS {
            let path = format!("'$.record.ij_referral.{field}'");
            assert_eq!(EFFECTIVE_BODY.matches(&path).count(), 2, "{field}");
        }
    }
}
