//! `beatbook-tools bench-ceiling`: the fastest this machine can store the
//! same rows with the same schema and durability, inserting batches in
//! transactions with nothing else going on: no HTTP, no JSON decoding, no
//! validation, no duplicate checks. The server's rate divided by this shows
//! what the rest costs.
//!
//! On SQLite (WAL, synchronous=FULL) each batch goes through the server's
//! own insert. On PostgreSQL the ceiling is what one client with no server
//! code gets: one `INSERT ... SELECT FROM UNNEST(...) ON CONFLICT DO
//! NOTHING` per transaction, on the server's schema (the same columns,
//! indexes and generated `doc`), with the chain hash computed beforehand.
use chrono::Utc;
use std::time::Instant;

use beatbook_server::db::{self, DbError, NewRevision};
use sqlx::Connection;

use crate::cli::CeilingArgs;
use crate::sample::Device;

/// Revisions per simulated device in the generated rows.
const PER_DEVICE: usize = 250;

#[derive(Debug, Clone, Copy)]
pub struct CeilingReport {
    pub rows: usize,
    pub batch: usize,
    pub seconds: f64,
}

impl CeilingReport {
    pub fn rate(&self) -> f64 {
        self.rows as f64 / self.seconds.max(f64::EPSILON)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CeilingError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("encoding sample rows: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("--rows and --batch must be at least 1")]
    Empty,
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] sqlx::Error),
}

pub async fn run(args: &CeilingArgs) -> Result<CeilingReport, CeilingError> {
    if args.rows == 0 || args.batch == 0 {
        return Err(CeilingError::Empty);
    }
    let mut writer = db::create_fresh(&args.db).await?;
    let now = Utc::now();
    let mut revisions = Vec::with_capacity(args.rows);
    let mut device = 0u64;
    while revisions.len() < args.rows {
        let n = PER_DEVICE.min(args.rows - revisions.len());
        let officer = format!("ceiling-{device}");
        revisions.extend(Device::new(device, &officer, now).chained().revisions(n));
        device += 1;
    }
    // Encoded before the clock starts: only the inserts are timed.
    let bodies = revisions
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()?;
    let moves = db::moves_entries(&revisions);
    let rows: Vec<NewRevision<'_>> = revisions
        .iter()
        .zip(&bodies)
        .zip(moves)
        .map(|((rev, body), moves_entry)| NewRevision {
            rev,
            body,
            device_id: "ceiling-device",
            received_at: now,
            moves_entry,
        })
        .collect();

    let seconds = if db::Target::parse(&args.db)?.is_postgres() {
        writer.close().await?;
        bare_postgres(&args.db, &rows, args.batch).await?
    } else {
        let start = Instant::now();
        for batch in rows.chunks(args.batch) {
            let mut tx = writer.begin().await?;
            tx.insert_revisions(batch).await?;
            tx.commit().await?;
        }
        let seconds = start.elapsed().as_secs_f64();
        writer.close().await?;
        seconds
    };
    Ok(CeilingReport {
        rows: args.rows,
        batch: args.batch,
        seconds,
    })
}

/// The PostgreSQL ceiling: the rows as columns (built before the clock
/// starts), then one bare insert per transaction of `batch`. Seconds taken.
async fn bare_postgres(
    target: &str,
    rows: &[NewRevision<'_>],
    batch: usize,
) -> Result<f64, CeilingError> {
    let batches: Vec<Columns> = rows.chunks(batch).map(Columns::of).collect();
    let mut conn = sqlx::PgConnection::connect(target).await?;
    let start = Instant::now();
    for cols in &batches {
        let mut tx = conn.begin().await?;
        sqlx::query(
            "INSERT INTO revisions (revision_id, entry_id, seq, kind, officer_id, shift_id, \
                 device_id, occurred_at, captured_at, received_at, body, hash, prev) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], \
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
                 $12::bytea[], $13::bytea[]) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&cols.revision_id)
        .bind(&cols.entry_id)
        .bind(&cols.seq)
        .bind(&cols.kind)
        .bind(&cols.officer_id)
        .bind(&cols.shift_id)
        .bind(&cols.device_id)
        .bind(&cols.occurred_at)
        .bind(&cols.captured_at)
        .bind(&cols.received_at)
        .bind(&cols.body)
        .bind(&cols.hash)
        .bind(&cols.prev)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    let seconds = start.elapsed().as_secs_f64();
    conn.close().await?;
    Ok(seconds)
}

/// One batch as the insert's arrays.
#[derive(Default)]
struct Columns {
    revision_id: Vec<String>,
    entry_id: Vec<String>,
    seq: Vec<i64>,
    kind: Vec<&'static str>,
    officer_id: Vec<String>,
    shift_id: Vec<Option<String>>,
    device_id: Vec<String>,
    occurred_at: Vec<String>,
    captured_at: Vec<String>,
    received_at: Vec<String>,
    body: Vec<String>,
    hash: Vec<Vec<u8>>,
    prev: Vec<Option<Vec<u8>>>,
}

impl Columns {
    fn of(rows: &[NewRevision<'_>]) -> Self {
        use beatbook_server::sync::chain;
        let mut c = Self::default();
        for row in rows {
            let rev = row.rev;
            c.revision_id.push(rev.id.to_string());
            c.entry_id.push(rev.entry_id.to_string());
            c.seq.push(i64::from(rev.seq));
            c.kind.push(rev.kind().code());
            c.officer_id.push(rev.officer_id.clone());
            c.shift_id.push(rev.shift_id.map(|s| s.to_string()));
            c.device_id.push(row.device_id.to_owned());
            c.occurred_at.push(db::format_time(rev.occurred_at));
            c.captured_at.push(db::format_time(rev.captured_at));
            c.received_at.push(db::format_time(row.received_at));
            c.body.push(row.body.to_owned());
            c.hash.push(chain::hash_of(row.body.as_bytes()).to_vec());
            c.prev.push(
                rev.prev
                    .as_deref()
                    .and_then(chain::parse)
                    .map(|p| p.to_vec()),
            );
        }
        c
    }
}
