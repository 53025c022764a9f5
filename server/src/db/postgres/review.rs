//! PostgreSQL: review.
use super::{Accounts, Readers};
use crate::db::review::*;
use crate::db::{corrupt, DbError, StoredRow};
use beatbook_core::review::{ConflictRow, ReviewRow};
use sqlx::{AssertSqlSafe, Row};

/// Whether `r` is its entry's latest revision (highest seq): a probe of
/// `UNIQUE (entry_id, seq)`. SQLite reads `revisions_officer_time` instead
/// for entries not in `entries_moved` (its pages are the ones a read by
/// officer and time goes through); here that index holds neither column,
/// so the same look-up would fetch heap rows: the by-entry probe is cheaper.
const LATEST: &str =
    "NOT EXISTS (SELECT 1 FROM revisions x WHERE x.entry_id = r.entry_id AND x.seq > r.seq)";

/// The effective follow-up's merge patch (jsonb) of a referral `r`, or
/// NULL: SQLite's `EFFECTIVE_BODY` (see there for why), with times compared
/// as `timestamptz` where SQLite compares Julian days. Field by field
/// `IS DISTINCT FROM` on jsonb, as SQLite's `->` text `IS NOT` (a missing
/// key is NULL, a JSON null is not).
macro_rules! follow_up_patch {
    () => {
        "(SELECT f.patch::jsonb FROM ij_follow_ups f WHERE f.entry_id = r.entry_id \
           AND f.recorded_at::timestamptz > (SELECT LEAST(y.captured_at::timestamptz \
               + COALESCE((y.doc ->> 'clock_offset_ms')::bigint, 0) * interval '1 millisecond', \
               y.received_at::timestamptz) FROM revisions y \
             WHERE y.entry_id = r.entry_id AND y.seq = 1 + COALESCE((SELECT MAX(x.seq) \
               FROM revisions x WHERE x.entry_id = r.entry_id AND x.seq < r.seq \
                 AND (x.doc -> 'record' -> 'ij_referral' -> 'reparation_started' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'reparation_started' \
                   OR x.doc -> 'record' -> 'ij_referral' -> 'reparation_started_at' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'reparation_started_at' \
                   OR x.doc -> 'record' -> 'ij_referral' -> 'hours_completed' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'hours_completed' \
                   OR x.doc -> 'record' -> 'ij_referral' -> 'result' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'result' \
                   OR x.doc -> 'record' -> 'ij_referral' -> 'completed_on' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'completed_on' \
                   OR x.doc -> 'record' -> 'ij_referral' -> 'outcome' \
                        IS DISTINCT FROM r.doc -> 'record' -> 'ij_referral' -> 'outcome')), 0)) \
           ORDER BY f.recorded_at DESC, f.arrival DESC LIMIT 1)"
    };
}

/// A latest revision `r`'s body as the return and `entries.csv` read it: a
/// referral with its effective follow-up laid over it (`jsonb_merge_patch`
/// of the migration, RFC 7396 as SQLite's `json_patch`), any other body as
/// stored. A patched body is jsonb's text (its key order and spacing, the
/// same JSON value); the callers parse it.
const EFFECTIVE_BODY: &str = concat!(
    "CASE WHEN r.kind = 'ij_referral' THEN COALESCE(jsonb_merge_patch(r.doc, ",
    follow_up_patch!(),
    ")::text, r.body) ELSE r.body END"
);

const STORED_COLUMNS: &str = "r.arrival, r.revision_id, r.entry_id, r.seq, r.kind, r.officer_id, \
     r.occurred_at, r.captured_at, r.received_at, r.body";

impl Accounts {
    pub async fn insert_review(&self, r: &NewReview<'_>) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO reviews (shift_id, state, comment, reviewer, at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING review_id",
        )
        .bind(r.shift_id)
        .bind(r.state)
        .bind(r.comment)
        .bind(r.reviewer)
        .bind(r.at)
        .fetch_one(&self.pool)
        .await?)
    }

    pub async fn log_access(&self, a: &NewAccess<'_>) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO access_log (at, officer_id, role, action, detail, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
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
             ORDER BY access_id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
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
            "SELECT officer_id, occurred_at FROM revisions \
             WHERE entry_id = $1 AND kind = 'shift' ORDER BY seq DESC LIMIT 1",
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
             WHERE u.officer_id = ANY($1) ORDER BY t.name, u.officer_id",
        )
        .bind(officers)
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
        // The keyset's time also as a plain bound, which the index takes
        // (the row comparison alone it cannot, entry_id not being in it).
        let (cmp, order, bound) = if f.newest_first {
            ("<", "DESC", "r.occurred_at <= COALESCE($7, $3)")
        } else {
            (">", "ASC", "r.occurred_at >= COALESCE($7, $2)")
        };
        // Each officer's page from `revisions_shifts` (`kind = 'shift'`
        // written out, so the partial index applies), then the best of
        // those: at most officers x limit rows read, not all their shifts.
        // Only fixed fragments go into the text; every value is bound.
        let sql = format!(
            "SELECT r.* FROM unnest($1::text[]) o (officer_id) CROSS JOIN LATERAL ( \
               SELECT {STORED_COLUMNS}, v.state, v.comment \
               FROM revisions r \
               LEFT JOIN LATERAL (SELECT v.state, v.comment FROM reviews v \
                 WHERE v.shift_id = r.entry_id ORDER BY v.review_id DESC LIMIT 1) v ON TRUE \
               WHERE r.kind = 'shift' AND r.officer_id = o.officer_id \
                 AND r.occurred_at >= $2 AND r.occurred_at < $3 AND {bound} AND {LATEST} \
                 AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM revisions c \
                      WHERE c.shift_id = r.entry_id AND c.kind = $4)) \
                 AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM revisions c \
                      WHERE c.shift_id = r.entry_id AND c.kind = 'patrol' \
                        AND c.doc -> 'record' -> 'patrol' ->> 'area' = $5)) \
                 AND ($6::text IS NULL OR COALESCE(v.state, 'pending') = $6) \
                 AND ($7::text IS NULL OR (r.occurred_at, r.entry_id) {cmp} ($7, $8::text)) \
                 AND ($10::jsonb IS NULL \
                   OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements($10::jsonb) m \
                        WHERE m ->> 0 = r.officer_id) \
                   OR EXISTS (SELECT 1 FROM jsonb_array_elements($10::jsonb) m \
                        WHERE m ->> 0 = r.officer_id \
                          AND r.occurred_at >= m ->> 1 AND r.occurred_at < m ->> 2)) \
               ORDER BY r.occurred_at {order}, r.entry_id {order} LIMIT $9) r \
             ORDER BY r.occurred_at {order}, r.entry_id {order} LIMIT $9"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(f.officers)
            .bind(f.from)
            .bind(f.to)
            .bind(f.kind)
            .bind(f.area)
            .bind(f.review)
            .bind(f.after.map(|a| a.0))
            .bind(f.after.map(|a| a.1))
            .bind(i64::from(f.limit))
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
        // In the order SQLite's look-ups in its shift index give.
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r \
             WHERE r.shift_id = ANY($1) AND {LATEST} ORDER BY r.shift_id, r.arrival"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(shift_ids)
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
             WHERE r.entry_id = ANY($1) AND {LATEST} ORDER BY r.entry_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(entry_ids)
            .fetch_all(&self.readers)
            .await?;
        rows.iter().map(super::stored_row).collect()
    }

    /// Every revision of a shift and of its entries, in time then sequence order.
    pub async fn shift_revisions(&self, shift_id: &str) -> Result<Vec<StoredRow>, DbError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM revisions r WHERE r.entry_id = $1 \
             UNION ALL SELECT {STORED_COLUMNS} FROM revisions r WHERE r.shift_id = $1 \
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
             FROM conflicts WHERE entry_id = $1 OR entry_id IN \
               (SELECT entry_id FROM revisions WHERE shift_id = $1) ORDER BY conflict_id",
        )
        .bind(shift_id)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get(2)?;
                Ok(ConflictRow {
                    revision_id: r.try_get(0)?,
                    entry_id: r.try_get(1)?,
                    seq: u32::try_from(seq).map_err(|_| corrupt("seq", &seq.to_string()))?,
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
             WHERE shift_id = $1 ORDER BY review_id",
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
             WHERE v.shift_id = ANY($1) AND v.state = 'rejected' \
               AND v.review_id = (SELECT MAX(w.review_id) FROM reviews w \
                 WHERE w.shift_id = v.shift_id) \
             ORDER BY v.shift_id",
        )
        .bind(shift_ids)
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
            "SELECT string_agg({EFFECTIVE_BODY}, chr(30) ORDER BY r.occurred_at, r.arrival), \
               string_agg(DISTINCT r.shift_id, ','), r.officer_id \
             FROM revisions r \
             WHERE r.officer_id = ANY($1) AND r.occurred_at >= $2 AND r.occurred_at < $3 \
               AND r.kind = ANY($4) AND {LATEST} \
             GROUP BY r.officer_id ORDER BY r.officer_id"
        );
        self.window(&sql, officers, from, to, Some(Fourth::Kinds(kinds)))
            .await
    }

    /// Latest revisions of these officers' Immediate Justice referrals
    /// that occurred before `before` and were completed on a day from
    /// `first_day` to `last_day` (YYYY-MM-DD), by their effective
    /// follow-up if they have one: the return counts a completion in its
    /// own period, however long after the referral. Few rows, through
    /// `revisions_ij_referrals`.
    pub async fn ij_completed_between(
        &self,
        officers: &[String],
        first_day: &str,
        last_day: &str,
        before: &str,
    ) -> Result<WindowRows, DbError> {
        // `kind = 'ij_referral'` written out, so the partial index applies.
        // The day compared as bytes, as the stored days are.
        let sql = format!(
            "SELECT string_agg(COALESCE(r.patched::text, r.body), chr(30) \
                 ORDER BY r.occurred_at, r.arrival), \
               string_agg(DISTINCT r.shift_id, ','), r.officer_id \
             FROM (SELECT r.officer_id, r.shift_id, r.occurred_at, r.arrival, r.body, r.doc, \
                 jsonb_merge_patch(r.doc, {patch}) AS patched \
               FROM revisions r \
               WHERE r.officer_id = ANY($1) AND r.occurred_at < $4 \
                 AND r.kind = 'ij_referral' AND {LATEST}) r \
             WHERE (COALESCE(r.patched, r.doc) -> 'record' -> 'ij_referral' ->> 'completed_on') \
                 COLLATE \"C\" BETWEEN $2 AND $3 \
             GROUP BY r.officer_id ORDER BY r.officer_id",
            patch = follow_up_patch!(),
        );
        self.window(
            &sql,
            officers,
            first_day,
            last_day,
            Some(Fourth::Text(before)),
        )
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
            "SELECT string_agg(r.body, chr(30) ORDER BY r.occurred_at, r.arrival), \
               string_agg(r.entry_id, ',' ORDER BY r.occurred_at, r.arrival), r.officer_id \
             FROM revisions r \
             WHERE r.officer_id = ANY($1) AND r.occurred_at >= $2 AND r.occurred_at < $3 \
               AND r.kind = 'shift' AND {LATEST} \
             GROUP BY r.officer_id ORDER BY r.officer_id"
        );
        self.window(&sql, officers, from, to, None).await
    }

    /// Runs a window query (officers, from, to and, if given, a fourth
    /// value bound as $1 to $4): one row per officer, their bodies joined
    /// (see [`WindowRows`]), in officer order, each officer's in
    /// (occurred_at, arrival) order, as SQLite's pass over its index gives.
    async fn window(
        &self,
        sql: &str,
        officers: &[String],
        from: &str,
        to: &str,
        fourth: Option<Fourth<'_>>,
    ) -> Result<WindowRows, DbError> {
        let mut out = WindowRows::default();
        if officers.is_empty() {
            return Ok(out);
        }
        // Only fixed fragments go into the text; every value is bound.
        let mut query = sqlx::query(AssertSqlSafe(sql.to_owned()))
            .bind(officers)
            .bind(from)
            .bind(to);
        query = match fourth {
            Some(Fourth::Kinds(kinds)) => query.bind(kinds),
            Some(Fourth::Text(text)) => query.bind(text),
            None => query,
        };
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
    /// most `limit`, joined into one text (see [`JoinedRows`]). `stays`,
    /// when the officer counts at some times only, keeps the entries of
    /// shifts that started inside one (an entry outside a shift, or of a
    /// shift not stored, by its own time).
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
        // The columns of StoredRow and the review, the body last. The
        // keyset's time also as a plain bound, which the index takes.
        let sql = format!(
            "SELECT string_agg(concat_ws(chr(31), r.arrival, r.revision_id, r.entry_id, \
                 r.seq, r.kind, r.officer_id, r.occurred_at, r.captured_at, r.received_at, \
                 {review}, {EFFECTIVE_BODY}), chr(30) ORDER BY r.occurred_at, r.arrival), \
               count(*) \
             FROM (SELECT * FROM revisions r \
               WHERE r.officer_id = $1 AND ($2::text IS NULL OR r.kind = $2) \
                 AND r.occurred_at >= $3 AND r.occurred_at < $4 \
                 AND r.occurred_at >= COALESCE($5, $3) \
                 AND (r.occurred_at, r.arrival) > (COALESCE($5, ''), COALESCE($6, 0)) \
                 AND {LATEST} \
                 AND ($8::jsonb IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements($8::jsonb) m \
                   WHERE ({anchor}) >= m ->> 0 AND ({anchor}) < m ->> 1)) \
               ORDER BY r.occurred_at, r.arrival LIMIT $7) r"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(officer)
            .bind(kind)
            .bind(from)
            .bind(to)
            .bind(after.map(|a| a.0))
            .bind(after.map(|a| a.1))
            .bind(i64::from(limit))
            .bind(stays)
            .fetch_one(&self.readers)
            .await?;
        let count: i64 = row.try_get(1)?;
        Ok(JoinedRows {
            text: row.try_get(0)?,
            count: usize::try_from(count).map_err(|_| corrupt("count", &count.to_string()))?,
        })
    }
}

/// The fourth value of a window query.
#[derive(Clone, Copy)]
enum Fourth<'a> {
    Kinds(&'a [&'a str]),
    Text(&'a str),
}

#[cfg(test)]
mod effective_body_tests {
    use super::EFFECTIVE_BODY;
    use beatbook_core::ij::FOLLOW_UP_FIELDS;

    /// Each follow-up field core lists is compared (on both sides), so a
    /// field added there cannot be missed.
    #[test]
    fn every_follow_up_field_decides_when_the_fields_last_changed() {
        for field in FOLLOW_UP_FIELDS {
            let path = format!("-> 'record' -> 'ij_referral' -> '{field}'");
            assert_eq!(EFFECTIVE_BODY.matches(&path).count(), 2, "{field}");
        }
    }
}
