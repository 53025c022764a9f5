//! CSV: cells and lines (RFC 4180, guarded against formula injection) and
//! the streamed `entries.csv` export.
//!
//! The export reads one officer's latest revisions a chunk at a time
//! (keyset on `(occurred_at, arrival)`), and reads the next chunk while the
//! current one is written: the read runs on SQLite's thread, the writing on
//! blocking threads (big chunks split over the cores), so both cores work
//! and the async workers never block. At most two chunks are held at once,
//! so memory does not grow with the export.
use axum::body::Bytes;
use beatbook_core::record::Cell;
use beatbook_core::time::date_text;
use beatbook_core::{Change, EntryId, RecordKind, Revision};
use chrono::DateTime;
use futures_util::stream::{self, Stream, StreamExt};
use std::fmt::Write as _;
use tokio::task::JoinHandle;

use crate::db::review::{JoinedRows, RowRef};
use crate::db::{Database, DbError};
use crate::zone::ForceZone;

/// Rows read per query while streaming an export. Measured on a year of 75
/// officers (220,000 rows): as fast as 5,000 (a month of one officer is
/// some 250 rows, a year 3,000), and the server's memory peaked 20 MB
/// lower; this bounds what an export holds, whatever its length.
const EXPORT_CHUNK: u32 = 1000;
/// Below this many rows (about a millisecond of writing), a chunk is
/// written on one thread: starting another would not pay.
const PARALLEL_WRITE_MIN: usize = 500;
/// Most threads one chunk is written on.
const MAX_WRITE_THREADS: usize = 4;

/// The columns of `entries.csv`, in order ([`push_entry_line`] writes them):
/// the revision's own ([`REVISION_COLUMNS`]) and those its record's fields
/// fill, as each field's declaration in `beatbook_core::record` says
/// (`csv "column"`; a column two kinds fill, such as `offence`, is one
/// column). The four times (`occurred_at`, `captured_at`, `received_at`,
/// `ended_at`) are local to the force's zone, RFC 3339 with their offset
/// (`2025-06-01T00:30:00.000000+01:00`: the hour that happens twice in
/// October is told apart by its offset), and so is
/// `ij_reparation_started_at`; dates are `YYYY-MM-DD`. `time_zone` names
/// the zone. The columns after it came later (issue #11, item 7), added at
/// the end so every earlier column keeps its place; with them the return
/// can be rebuilt from the file:
/// - `shift_id`, `patrol_id`: the entry IDs of the shift and the patrol
///   the entry was made in (on a shift's or a patrol's own row, its own
///   ID, so the rows of one shift or patrol share it);
/// - `shift_review`: the latest review state of that shift (`approved`,
///   `has_issues`, `rejected`, `pending` if never reviewed);
/// - the typed fields the return reads: the stop's ethnicities
///   (`self_defined_ethnicity`, `officer_perceived_ethnicity`, codes) and
///   the referral's dates, start time and result (`ij_*`; with its
///   effective follow-up laid over it, as the return reads it:
///   `crate::http::follow_ups`);
/// - `hotspot_id`: on a patrol's row, the force's hotspot it was in
///   (`core::force::Hotspot`), empty for another location (issue #11,
///   item 3).
pub const ENTRY_COLUMNS: [&str; 37] = [
    "entry_id",
    "reference",
    "revision_id",
    "revisions",
    "officer_id",
    "kind",
    "occurred_at",
    "captured_at",
    "received_at",
    "ended_at",
    "summary",
    "area",
    "role",
    "power",
    "object",
    "outcome",
    "outcome_linked_to_object",
    "offence",
    "asb_power",
    "persons",
    "seized",
    "ij_hours_ordered",
    "ij_hours_completed",
    "correction_reason",
    "notes",
    "time_zone",
    "shift_id",
    "patrol_id",
    "shift_review",
    "self_defined_ethnicity",
    "officer_perceived_ethnicity",
    "ij_referral_date",
    "ij_reparation_started",
    "ij_reparation_started_at",
    "ij_completed_on",
    "ij_result",
    "hotspot_id",
];

/// The columns of [`ENTRY_COLUMNS`] that come from the revision and the
/// row rather than from a field of the record.
pub const REVISION_COLUMNS: [&str; 16] = [
    "entry_id",
    "reference",
    "revision_id",
    "revisions",
    "officer_id",
    "kind",
    "occurred_at",
    "captured_at",
    "received_at",
    "summary",
    "correction_reason",
    "notes",
    "time_zone",
    "shift_id",
    "patrol_id",
    "shift_review",
];

/// Where a chunk starts: an officer (index) and the keyset after which to read.
#[derive(Debug, Clone)]
struct Position {
    officer: usize,
    after: Option<(String, i64)>,
}

/// A read running ahead; stopped if the export is dropped (the client went away).
struct ReadAhead(JoinHandle<Result<JoinedRows, DbError>>);

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An officer whose entries are exported, and when they count at some
/// times only, their stays ([`Members::stays_json`]).
///
/// [`Members::stays_json`]: crate::reports::members::Members::stays_json
pub type Officer = (String, Option<String>);

/// Officers of a read, each with their stays, for [`entry_rows`].
pub fn officers_of(members: &crate::reports::members::Members) -> Vec<Officer> {
    members
        .officers()
        .into_iter()
        .map(|o| {
            let stays = members.stays_json(&o);
            (o, stays)
        })
        .collect()
}

struct Export {
    db: Database,
    officers: Vec<Officer>,
    kind: Option<&'static str>,
    start: String,
    end: String,
    /// The zone the times are written in.
    zone: ForceZone,
    /// Rows per read.
    chunk: u32,
    /// The chunk being read and where it starts; `None` when all is read.
    ahead: Option<(Position, ReadAhead)>,
}

impl Export {
    fn read(&self, at: Position) -> Option<(Position, ReadAhead)> {
        let (officer, stays) = self.officers.get(at.officer)?.clone();
        let (db, kind, chunk) = (self.db.clone(), self.kind, self.chunk);
        let (start, end, after) = (self.start.clone(), self.end.clone(), at.after.clone());
        let task = tokio::spawn(async move {
            let after = after.as_ref().map(|(t, a)| (t.as_str(), *a));
            db.export_chunk(&officer, kind, &start, &end, after, chunk, stays.as_deref())
                .await
        });
        Some((at, ReadAhead(task)))
    }

    /// Where the chunk after `rows` (read from `at`) starts.
    fn next(&self, at: &Position, rows: &JoinedRows) -> Result<Position, DbError> {
        Ok(match rows.last()? {
            Some(last) if rows.len() >= self.chunk as usize => Position {
                officer: at.officer,
                after: Some((last.occurred_at.to_owned(), last.arrival)),
            },
            _ => Position {
                officer: at.officer + 1,
                after: None,
            },
        })
    }

    /// The next chunk's CSV text; `None` at the end.
    async fn next_text(&mut self) -> Option<Result<String, ExportError>> {
        loop {
            let (at, mut reading) = self.ahead.take()?;
            let rows = match (&mut reading.0).await {
                Ok(Ok(rows)) => rows,
                Ok(Err(e)) => return Some(Err(ExportError::Db(e))),
                Err(e) => return Some(Err(ExportError::Task(e.to_string()))),
            };
            match self.next(&at, &rows) {
                Ok(next) => self.ahead = self.read(next),
                Err(e) => return Some(Err(ExportError::Db(e))),
            }
            if rows.is_empty() {
                continue;
            }
            let zone = self.zone;
            let written = tokio::task::spawn_blocking(move || write_chunk(&rows, zone)).await;
            return Some(match written {
                Ok(text) => text,
                Err(e) => Err(ExportError::Task(e.to_string())),
            });
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("unreadable stored revision: {0}")]
    Body(#[from] serde_json::Error),
    #[error("unreadable stored time: {0}")]
    Time(String),
    #[error("export task: {0}")]
    Task(String),
}

/// The CSV of entries, as a stream of chunks: the header, then each
/// officer's latest revisions in `[start, end)` (of one kind, if given), in
/// (occurred_at, arrival) order. A failure part way ends the stream with an
/// error (the client sees a broken download, never a short file that looks
/// whole).
pub fn entry_rows(
    db: Database,
    officers: Vec<Officer>,
    kind: Option<&'static str>,
    start: String,
    end: String,
    zone: ForceZone,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    entry_rows_in_chunks(db, officers, kind, start, end, zone, EXPORT_CHUNK)
}

/// [`entry_rows`], reading `chunk` rows at a time.
pub(crate) fn entry_rows_in_chunks(
    db: Database,
    officers: Vec<Officer>,
    kind: Option<&'static str>,
    start: String,
    end: String,
    zone: ForceZone,
    chunk: u32,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let mut export = Export {
        db,
        officers,
        kind,
        start,
        end,
        zone,
        chunk: chunk.max(1),
        ahead: None,
    };
    export.ahead = export.read(Position {
        officer: 0,
        after: None,
    });
    let header = stream::once(async { Ok(Bytes::from(csv_line(&ENTRY_COLUMNS))) });
    let body = stream::unfold(Some(export), |state| async move {
        let mut export = state?;
        match export.next_text().await? {
            Ok(text) => Some((Ok(Bytes::from(text)), Some(export))),
            Err(e) => {
                tracing::error!(error = %e, "export failed part way");
                Some((Err(std::io::Error::other("export failed")), None))
            }
        }
    });
    // Fused: a compression layer polls once more after the end, which
    // `unfold` does not allow (it panics).
    header.chain(body).fuse().boxed()
}

/// A chunk's CSV lines, in order; big chunks are split over the cores.
fn write_chunk(rows: &JoinedRows, zone: ForceZone) -> Result<String, ExportError> {
    let write_all = |rows: &[RowRef<'_>]| -> Result<String, ExportError> {
        let mut out = String::with_capacity(rows.len() * 400);
        for row in rows {
            push_entry_line(&mut out, row, zone)?;
        }
        Ok(out)
    };
    let rows = rows.rows()?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WRITE_THREADS);
    if threads < 2 || rows.len() < PARALLEL_WRITE_MIN {
        return write_all(&rows);
    }
    let size = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let mut parts = rows.chunks(size);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts.map(|p| s.spawn(move || write_all(p))).collect();
        let mut out = write_all(first)?;
        for handle in others {
            match handle.join() {
                Ok(text) => out.push_str(&text?),
                // A panic while writing is a bug: pass it on as it was.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(out)
    })
}

/// Writes cells of one line, commas between them.
struct Cells<'o> {
    out: &'o mut String,
    first: bool,
}

impl Cells<'_> {
    fn text(&mut self, text: &str) {
        self.comma();
        push_cell(self.out, text);
    }

    /// A number: digits only, so never quoted or guarded.
    fn number(&mut self, n: Option<u32>) {
        self.comma();
        if let Some(n) = n {
            // Writing to a String cannot fail.
            let _ = write!(self.out, "{n}");
        }
    }

    /// A record field's cell; a time is written local to `zone`.
    fn cell(&mut self, cell: Cell<'_>, zone: ForceZone) {
        match cell {
            Cell::Text(text) => self.text(text),
            Cell::Number(n) => self.number(n),
            Cell::Time(t) => self.text(t.map(|t| zone.local_text(t)).as_deref().unwrap_or("")),
            Cell::Date(d) => self.text(d.map(date_text).as_deref().unwrap_or("")),
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }
}

/// Appends one `entries.csv` line (the columns of [`ENTRY_COLUMNS`]) for a
/// stored latest revision, its times local to `zone`.
fn push_entry_line(out: &mut String, row: &RowRef<'_>, zone: ForceZone) -> Result<(), ExportError> {
    let rev: Revision = serde_json::from_str(row.body)?;
    // The record's cells by column; a column its kind does not fill stays
    // empty.
    let mut cells = [Cell::Text(""); ENTRY_COLUMNS.len()];
    rev.record.csv_cells(|column, cell| {
        if let Some(i) = ENTRY_COLUMNS.iter().position(|c| *c == column) {
            cells[i] = cell;
        }
    });
    let received_at = DateTime::parse_from_rfc3339(row.received_at)
        .map_err(|_| ExportError::Time(row.received_at.to_owned()))?
        .to_utc();
    let correction_reason = match &rev.change {
        Change::Corrected { reason } => reason.as_str(),
        _ => "",
    };
    // A shift's or a patrol's own row names itself (see ENTRY_COLUMNS).
    let own = |kind: RecordKind, of: Option<EntryId>| {
        if rev.kind() == kind {
            Some(rev.entry_id)
        } else {
            of
        }
    };
    let id_text = |id: Option<EntryId>| id.map(|i| i.to_string()).unwrap_or_default();
    let shift_id = id_text(own(RecordKind::Shift, rev.shift_id));
    let patrol_id = id_text(own(RecordKind::Patrol, rev.patrol_id));
    let mut c = Cells { out, first: true };
    for (column, cell) in ENTRY_COLUMNS.iter().zip(cells) {
        // The arms are REVISION_COLUMNS (a test holds them together).
        match *column {
            "entry_id" => c.text(row.entry_id),
            "reference" => c.text(&rev.entry_id.reference()),
            "revision_id" => c.text(row.revision_id),
            "revisions" => c.number(Some(row.seq)),
            "officer_id" => c.text(row.officer_id),
            "kind" => c.text(row.kind),
            "occurred_at" => c.text(&zone.local_text(rev.occurred_at)),
            "captured_at" => c.text(&zone.local_text(rev.captured_at)),
            "received_at" => c.text(&zone.local_text(received_at)),
            "summary" => c.text(&rev.record.summary()),
            "correction_reason" => c.text(correction_reason),
            "notes" => c.text(&rev.notes),
            "time_zone" => c.text(zone.name()),
            "shift_id" => c.text(&shift_id),
            "patrol_id" => c.text(&patrol_id),
            "shift_review" => c.text(row.shift_review),
            _ => c.cell(cell, zone),
        }
    }
    out.push_str("\r\n");
    Ok(())
}

/// One CSV cell (RFC 4180 quoting), guarded against formula injection: a
/// cell starting with `=`, `+`, `-`, `@` (or a tab or carriage return) gets
/// a leading `'` so a spreadsheet shows it as text.
pub fn csv_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    push_cell(&mut out, text);
    out
}

/// Appends one CSV cell to `out` (see [`csv_cell`]).
pub fn push_cell(out: &mut String, text: &str) {
    let guard = matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let quote = text.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        for c in text.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// One CSV line, CRLF-terminated.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_cell(&mut line, cell.as_ref());
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// core's golden revisions (every field of every kind, then each kind
    /// empty), as stored rows.
    const GOLDEN_REVISIONS: &str =
        include_str!("../../../core/tests/fixtures/golden-revisions.jsonl");
    /// `entries.csv` of those rows, as written before records were declared
    /// once (`core::record`): the columns and cells must not change.
    const GOLDEN_CSV: &str = include_str!("../../tests/fixtures/golden-entries.csv");

    fn golden_csv() -> String {
        let mut out = csv_line(&ENTRY_COLUMNS);
        for (i, body) in GOLDEN_REVISIONS.lines().enumerate() {
            let rev: Revision = serde_json::from_str(body).unwrap();
            let (revision_id, entry_id) = (rev.id.to_string(), rev.entry_id.to_string());
            let row = RowRef {
                arrival: i as i64,
                revision_id: &revision_id,
                entry_id: &entry_id,
                seq: rev.seq,
                kind: rev.kind().code(),
                officer_id: &rev.officer_id,
                occurred_at: "unused",
                captured_at: "unused",
                // Winter, so the local time differs from the summer ones.
                received_at: "2024-12-01T08:00:00.000000Z",
                // The note's shift rejected, every other one never reviewed.
                shift_review: if rev.kind() == beatbook_core::RecordKind::Note {
                    "rejected"
                } else {
                    "pending"
                },
                body,
            };
            push_entry_line(&mut out, &row, ForceZone::default()).unwrap();
        }
        out
    }

    /// Every column is the revision's or some record field's, once; every
    /// column a record field names is one.
    #[test]
    fn every_column_is_filled_by_one_thing() {
        use beatbook_core::RecordKind;
        let mut filled: Vec<&str> = REVISION_COLUMNS.to_vec();
        for kind in RecordKind::ALL {
            for column in kind.fields().iter().filter_map(|f| f.csv) {
                assert!(ENTRY_COLUMNS.contains(&column), "{kind:?}: {column}");
                assert!(!REVISION_COLUMNS.contains(&column), "{kind:?}: {column}");
                if !filled.contains(&column) {
                    filled.push(column);
                }
            }
        }
        let mut columns = ENTRY_COLUMNS.to_vec();
        columns.sort_unstable();
        filled.sort_unstable();
        assert_eq!(columns, filled);
    }

    #[test]
    fn entries_csv_is_what_it_was() {
        assert_eq!(golden_csv(), GOLDEN_CSV);
    }

    #[test]
    fn csv_quotes_and_guards() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_line(&["a", "b,c"]), "a,\"b,c\"\r\n");
    }
}
