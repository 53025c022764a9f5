//! `beatbook-tools bench-ceiling`: the fastest this machine can store the
//! same rows with the same schema and durability (WAL, synchronous=FULL),
//! inserting batches in transactions with nothing else going on: no HTTP,
//! no JSON decoding, no validation, no duplicate checks. The server's rate
//! divided by this shows what the rest costs.
use chrono::Utc;
use std::time::Instant;

use beatbook_server::db::{self, DbError, NewRevision};

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

    let start = Instant::now();
    for batch in rows.chunks(args.batch) {
        let mut tx = writer.begin().await?;
        tx.insert_revisions(batch).await?;
        tx.commit().await?;
    }
    let seconds = start.elapsed().as_secs_f64();
    writer.close().await?;
    Ok(CeilingReport {
        rows: args.rows,
        batch: args.batch,
        seconds,
    })
}
