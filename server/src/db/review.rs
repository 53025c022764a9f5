//! Supervisor review, the programme return, exports and the DPA 2018 s62
//! access log: their SQL.
//!
//! "Latest revision" is [`LATEST`]. Reviews and access log rows are
//! written through the small accounts pool (rare, small writes), never the
//! revision writer.
use beatbook_core::review::{ConflictRow, ReviewRow};
use std::collections::BTreeSet;

use super::{Accounts, Database, DbError, StoredRow};

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
    /// The officers who count at some times only, as
    /// [`Members::restricted_json`](crate::reports::members::Members::restricted_json):
    /// their shifts are listed when they started inside one of the stays.
    pub restricted: Option<&'a str>,
}

/// What the return reads: the stored JSON of the latest revisions in a
/// window, and entry IDs (see each query).
#[derive(Debug, Clone, Default)]
pub struct WindowRows {
    /// Per officer, their bodies joined by [`BODY_SEPARATOR`].
    pub(crate) joined: Vec<String>,
    /// The officer of each of `joined`.
    pub(crate) officers: Vec<String>,
    pub ids: BTreeSet<String>,
}

/// Joins bodies in one text: the record separator, a control character,
/// which JSON text never holds raw (inside strings it must be escaped,
/// outside them only spaces, tabs and line breaks may appear).
const BODY_SEPARATOR: char = ROW_SEPARATOR;

impl WindowRows {
    /// One more revision, of `officer`.
    pub fn push(&mut self, officer: String, body: String) {
        self.joined.push(body);
        self.officers.push(officer);
    }

    /// Adds another read's rows after these.
    pub fn extend(&mut self, other: WindowRows) {
        self.joined.extend(other.joined);
        self.officers.extend(other.officers);
        self.ids.extend(other.ids);
    }

    /// Each revision's stored JSON.
    pub fn bodies(&self) -> Vec<&str> {
        self.joined
            .iter()
            .flat_map(|j| j.split(BODY_SEPARATOR))
            .collect()
    }

    /// The officer of each of [`Self::bodies`], in the same order.
    pub fn owners(&self) -> Vec<&str> {
        self.joined
            .iter()
            .zip(&self.officers)
            .flat_map(|(j, o)| j.split(BODY_SEPARATOR).map(move |_| o.as_str()))
            .collect()
    }
}

/// A shift (its latest revision) with its latest review state.
#[derive(Debug, Clone)]
pub struct ShiftHead {
    pub row: StoredRow,
    pub review: Option<String>,
    pub review_comment: Option<String>,
}

/// Stored revisions read as one text: the columns of [`StoredRow`] joined
/// by [`FIELD_SEPARATOR`], the rows by [`ROW_SEPARATOR`]. Both are control
/// characters, which none of the columns can hold: IDs, codes, numbers and
/// fixed-format times, then the body, JSON text (which never holds one raw).
#[derive(Debug, Clone, Default)]
pub struct JoinedRows {
    pub(crate) text: Option<String>,
    pub(crate) count: usize,
}

const FIELD_SEPARATOR: char = '\u{1f}';
const ROW_SEPARATOR: char = '\u{1e}';

impl JoinedRows {
    /// How many rows.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The rows, in order, borrowed.
    pub fn rows(&self) -> Result<Vec<RowRef<'_>>, DbError> {
        match &self.text {
            Some(text) => text.split(ROW_SEPARATOR).map(RowRef::parse).collect(),
            None => Ok(Vec::new()),
        }
    }

    /// The last row, without reading the others.
    pub fn last(&self) -> Result<Option<RowRef<'_>>, DbError> {
        let Some(text) = &self.text else {
            return Ok(None);
        };
        let start = text
            .rfind(ROW_SEPARATOR)
            .map_or(0, |i| i + ROW_SEPARATOR.len_utf8());
        text.get(start..).map(RowRef::parse).transpose()
    }
}

/// A stored revision borrowed from [`JoinedRows`]: the fields of [`StoredRow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef<'a> {
    pub arrival: i64,
    pub revision_id: &'a str,
    pub entry_id: &'a str,
    pub seq: u32,
    pub kind: &'a str,
    pub officer_id: &'a str,
    pub occurred_at: &'a str,
    pub captured_at: &'a str,
    pub received_at: &'a str,
    /// The latest review state of the entry's shift (of a shift, its
    /// own), `pending` if never reviewed; empty when not read.
    pub shift_review: &'a str,
    pub body: &'a str,
}

impl<'a> RowRef<'a> {
    fn parse(text: &'a str) -> Result<Self, DbError> {
        let mut fields = text.splitn(11, FIELD_SEPARATOR);
        let mut field =
            |column: &'static str| fields.next().ok_or_else(|| super::corrupt(column, text));
        fn number<N: std::str::FromStr>(column: &'static str, value: &str) -> Result<N, DbError> {
            value.parse().map_err(|_| super::corrupt(column, value))
        }
        Ok(Self {
            arrival: number("arrival", field("arrival")?)?,
            revision_id: field("revision_id")?,
            entry_id: field("entry_id")?,
            seq: number("seq", field("seq")?)?,
            kind: field("kind")?,
            officer_id: field("officer_id")?,
            occurred_at: field("occurred_at")?,
            captured_at: field("captured_at")?,
            received_at: field("received_at")?,
            shift_review: field("shift_review")?,
            body: field("body")?,
        })
    }
}

impl<'a> From<&'a StoredRow> for RowRef<'a> {
    fn from(row: &'a StoredRow) -> Self {
        Self {
            arrival: row.arrival,
            revision_id: &row.revision_id,
            entry_id: &row.entry_id,
            seq: row.seq,
            kind: &row.kind,
            officer_id: &row.officer_id,
            occurred_at: &row.occurred_at,
            captured_at: &row.captured_at,
            received_at: &row.received_at,
            shift_review: "",
            body: &row.body,
        }
    }
}

impl Accounts {
    pub async fn insert_review(&self, r: &NewReview<'_>) -> Result<i64, DbError> {
        on_backend!(&self.0, store => store.insert_review(r).await)
    }

    pub async fn log_access(&self, a: &NewAccess<'_>) -> Result<(), DbError> {
        on_backend!(&self.0, store => store.log_access(a).await)
    }

    /// The newest `limit` access log rows, newest first.
    pub async fn access_log(&self, limit: u32) -> Result<Vec<AccessRow>, DbError> {
        on_backend!(&self.0, store => store.access_log(limit).await)
    }
}

impl Database {
    /// The officer who recorded a shift and when it started (its latest
    /// revision's start: a correction may move it), if the shift exists.
    pub async fn shift_head(&self, shift_id: &str) -> Result<Option<(String, String)>, DbError> {
        on_backend!(&self.0, store => store.shift_head(shift_id).await)
    }

    /// Each officer's team names (for the shift list), as (officer, team).
    pub async fn teams_of(&self, officers: &[String]) -> Result<Vec<(String, String)>, DbError> {
        on_backend!(&self.0, store => store.teams_of(officers).await)
    }

    /// A page of shifts (latest revisions), newest or oldest first.
    pub async fn list_shifts(&self, f: &ShiftFilter<'_>) -> Result<Vec<ShiftHead>, DbError> {
        on_backend!(&self.0, store => store.list_shifts(f).await)
    }

    /// Latest revisions of every entry belonging to these shifts.
    pub async fn latest_of_shifts(&self, shift_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        on_backend!(&self.0, store => store.latest_of_shifts(shift_ids).await)
    }

    /// Latest revisions of these entries.
    pub async fn latest_of_entries(&self, entry_ids: &[String]) -> Result<Vec<StoredRow>, DbError> {
        on_backend!(&self.0, store => store.latest_of_entries(entry_ids).await)
    }

    /// Every revision of a shift and of its entries, in time then sequence order.
    pub async fn shift_revisions(&self, shift_id: &str) -> Result<Vec<StoredRow>, DbError> {
        on_backend!(&self.0, store => store.shift_revisions(shift_id).await)
    }

    /// Conflicts kept for a shift or its entries.
    pub async fn shift_conflicts(&self, shift_id: &str) -> Result<Vec<ConflictRow>, DbError> {
        on_backend!(&self.0, store => store.shift_conflicts(shift_id).await)
    }

    /// A shift's review decisions, oldest first.
    pub async fn review_history(&self, shift_id: &str) -> Result<Vec<ReviewRow>, DbError> {
        on_backend!(&self.0, store => store.review_history(shift_id).await)
    }

    /// Of these shifts, those whose latest review is `rejected`.
    pub async fn rejected_among(&self, shift_ids: &[String]) -> Result<Vec<String>, DbError> {
        on_backend!(&self.0, store => store.rejected_among(shift_ids).await)
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
        on_backend!(&self.0, store => store.latest_in_window(kinds, officers, from, to).await)
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
        on_backend!(&self.0, store => store.ij_completed_between(officers, first_day, last_day, before).await)
    }

    /// Latest revisions of these officers' shifts that started in `[from,
    /// to)`: their bodies and their entry IDs (from `revisions_shifts`).
    pub async fn shifts_in_window(
        &self,
        officers: &[String],
        from: &str,
        to: &str,
    ) -> Result<WindowRows, DbError> {
        on_backend!(&self.0, store => store.shifts_in_window(officers, from, to).await)
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
        on_backend!(&self.0, store => store.export_chunk(officer, kind, from, to, after, limit, stays).await)
    }
}

#[cfg(test)]
impl Database {
    /// The SQLite readers, for the reference implementations the unit
    /// tests compare the indexed reads with (`reports::review::same_as_before`).
    pub(crate) fn sqlite_readers(&self) -> &super::sqlite::Readers {
        match &self.0 {
            super::Backend::Sqlite(readers) => readers,
            super::Backend::Postgres(_) => panic!("the reference reads are SQLite's"),
        }
    }
}
