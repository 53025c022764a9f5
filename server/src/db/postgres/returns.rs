//! PostgreSQL: returns.
use super::{Accounts, Readers};
use crate::db::returns::*;
use crate::db::{corrupt, DbError};
use sqlx::Row;

/// A BIGINT column (a revision number, a seq) as the u32 the callers use.
fn unsigned(column: &'static str, n: i64) -> Result<u32, DbError> {
    u32::try_from(n).map_err(|_| corrupt(column, &n.to_string()))
}

impl Accounts {
    /// Stores a submission as the period's next revision, in one statement
    /// (so two at once cannot take the same number: the UNIQUE constraint
    /// refuses the second); returns its revision number.
    pub async fn insert_submitted_return(&self, r: &NewReturn<'_>) -> Result<u32, DbError> {
        let revision: i64 = sqlx::query_scalar(
            "INSERT INTO submitted_returns (teams, period_from, period_to, revision, \
               submitted_by, submitted_at, figures, sha256, last_arrival, last_review, \
               last_follow_up) \
             SELECT $1, $2, $3, COALESCE(MAX(revision), 0) + 1, $4, $5, $6, $7, $8, $9, $10 \
             FROM submitted_returns WHERE teams = $1 AND period_from = $2 AND period_to = $3 \
             RETURNING revision",
        )
        .bind(r.teams)
        .bind(r.from)
        .bind(r.to)
        .bind(r.submitted_by)
        .bind(r.submitted_at)
        .bind(r.figures)
        .bind(r.sha256)
        .bind(r.last_arrival)
        .bind(r.last_review)
        .bind(r.last_follow_up)
        .fetch_one(&self.pool)
        .await?;
        unsigned("revision", revision)
    }
}

impl Readers {
    /// The highest revision arrival, review ID and follow-up arrival
    /// stored: what a return computed now has seen at most.
    pub async fn high_water(&self) -> Result<(i64, i64, i64), DbError> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(arrival), 0) FROM revisions), \
                    (SELECT COALESCE(MAX(review_id), 0) FROM reviews), \
                    (SELECT COALESCE(MAX(arrival), 0) FROM ij_follow_ups)",
        )
        .fetch_one(&self.readers)
        .await?;
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
    }

    /// A submission of the period: revision `revision`, or the latest.
    /// One look-up in the table's UNIQUE index.
    pub async fn submitted_return(
        &self,
        teams: &str,
        from: &str,
        to: &str,
        revision: Option<u32>,
    ) -> Result<Option<StoredReturn>, DbError> {
        let row = sqlx::query(
            "SELECT revision, \
               (SELECT MAX(o.revision) FROM submitted_returns o \
                WHERE o.teams = s.teams AND o.period_from = s.period_from \
                  AND o.period_to = s.period_to), \
               submitted_by, submitted_at, figures, sha256, last_arrival, last_review, \
               last_follow_up \
             FROM submitted_returns s \
             WHERE teams = $1 AND period_from = $2 AND period_to = $3 \
               AND ($4::bigint IS NULL OR revision = $4) \
             ORDER BY revision DESC LIMIT 1",
        )
        .bind(teams)
        .bind(from)
        .bind(to)
        .bind(revision.map(i64::from))
        .fetch_optional(&self.readers)
        .await?;
        row.map(|r| {
            Ok(StoredReturn {
                revision: unsigned("revision", r.try_get(0)?)?,
                revisions: unsigned("revision", r.try_get(1)?)?,
                submitted_by: r.try_get(2)?,
                submitted_at: r.try_get(3)?,
                figures: r.try_get(4)?,
                sha256: r.try_get(5)?,
                last_arrival: r.try_get(6)?,
                last_review: r.try_get(7)?,
                last_follow_up: r.try_get(8)?,
            })
        })
        .transpose()
    }

    /// Revisions of these officers that arrived after `after` (an
    /// arrival) and fall in the window, or belong to an entry a correction
    /// moved that had a revision in it (moved out of the period since).
    /// A range of the primary key: what arrived since is little (the
    /// planner sees how little from `after`).
    pub async fn arrived_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ArrivedRow>, DbError> {
        let rows = sqlx::query(
            "SELECT r.entry_id, r.seq, r.kind, r.officer_id, r.occurred_at, r.received_at, \
               COALESCE(r.doc -> 'change' ->> 'type', ''), \
               COALESCE(r.doc -> 'change' ->> 'reason', '') \
             FROM revisions r \
             WHERE r.arrival > $1 AND r.officer_id = ANY($2) \
               AND ((r.occurred_at >= CASE WHEN r.kind IN ('shift', 'patrol') THEN $3 ELSE $4 END \
                     AND r.occurred_at < $5) \
                 OR (EXISTS (SELECT 1 FROM entries_moved m WHERE m.entry_id = r.entry_id) \
                     AND EXISTS (SELECT 1 FROM revisions o WHERE o.entry_id = r.entry_id \
                       AND o.occurred_at >= $4 AND o.occurred_at < $5))) \
             ORDER BY r.arrival",
        )
        .bind(after)
        .bind(officers)
        .bind(w.lookback)
        .bind(w.from)
        .bind(w.to)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ArrivedRow {
                    entry_id: r.try_get(0)?,
                    seq: unsigned("seq", r.try_get(1)?)?,
                    kind: r.try_get(2)?,
                    officer_id: r.try_get(3)?,
                    occurred_at: r.try_get(4)?,
                    received_at: r.try_get(5)?,
                    change: r.try_get(6)?,
                    reason: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Reviews after `after` (a review ID) of these officers' shifts that
    /// started in the window or hold an entry of the period.
    pub async fn reviewed_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
    ) -> Result<Vec<ReviewedRow>, DbError> {
        let rows = sqlx::query(
            "SELECT v.shift_id, v.state, v.comment, v.at, s.officer_id, s.occurred_at \
             FROM reviews v JOIN revisions s ON s.entry_id = v.shift_id AND s.seq = 1 \
             WHERE v.review_id > $1 AND s.officer_id = ANY($2) \
               AND ((s.occurred_at >= $3 AND s.occurred_at < $5) \
                 OR EXISTS (SELECT 1 FROM revisions c WHERE c.shift_id = v.shift_id \
                   AND c.occurred_at >= $4 AND c.occurred_at < $5)) \
             ORDER BY v.review_id",
        )
        .bind(after)
        .bind(officers)
        .bind(w.lookback)
        .bind(w.from)
        .bind(w.to)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewedRow {
                    shift_id: r.try_get(0)?,
                    state: r.try_get(1)?,
                    comment: r.try_get(2)?,
                    at: r.try_get(3)?,
                    officer_id: r.try_get(4)?,
                    occurred_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Follow-ups recorded after `after` (an arrival) of these officers'
    /// referrals (by their latest revision) that either occurred in the
    /// period or were, by this follow-up, by an earlier one or by the
    /// referral itself, completed on one of its days (`first_day` to
    /// `last_day`, YYYY-MM-DD): what may have moved a count or a
    /// completion of the period. A range of the UNIQUE arrival index:
    /// what arrived since is little.
    pub async fn followed_up_since(
        &self,
        after: i64,
        officers: &[String],
        w: ChangeWindow<'_>,
        first_day: &str,
        last_day: &str,
    ) -> Result<Vec<FollowedUpRow>, DbError> {
        // The referral's day compared as bytes, as the stored days are.
        let rows = sqlx::query(
            "SELECT f.entry_id, r.officer_id, r.occurred_at, f.recorded_by, f.recorded_at, \
               COALESCE(f.body::jsonb ->> 'result', ''), COALESCE(f.body::jsonb ->> 'reason', '') \
             FROM ij_follow_ups f \
             JOIN revisions r ON r.entry_id = f.entry_id \
               AND r.seq = (SELECT MAX(x.seq) FROM revisions x WHERE x.entry_id = f.entry_id) \
             WHERE f.arrival > $1 AND r.officer_id = ANY($2) \
               AND ((r.occurred_at >= $3 AND r.occurred_at < $4) \
                 OR (r.doc -> 'record' -> 'ij_referral' ->> 'completed_on') COLLATE \"C\" \
                      BETWEEN $5 AND $6 \
                 OR EXISTS (SELECT 1 FROM ij_follow_ups e WHERE e.entry_id = f.entry_id \
                   AND e.arrival <= f.arrival AND e.completed_on BETWEEN $5 AND $6)) \
             ORDER BY f.arrival",
        )
        .bind(after)
        .bind(officers)
        .bind(w.from)
        .bind(w.to)
        .bind(first_day)
        .bind(last_day)
        .fetch_all(&self.readers)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FollowedUpRow {
                    entry_id: r.try_get(0)?,
                    officer_id: r.try_get(1)?,
                    occurred_at: r.try_get(2)?,
                    recorded_by: r.try_get(3)?,
                    recorded_at: r.try_get(4)?,
                    result: r.try_get(5)?,
                    reason: r.try_get(6)?,
                })
            })
            .collect()
    }
}
