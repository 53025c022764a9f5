//! The `migrate` and `backup` commands: what an operator runs beside the
//! server (the work itself is in [`crate::db::ops`]; this prints it).
use std::io::Write;

use crate::cli::BackupArgs;
use crate::db::ops::{self, OpsError};

#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error(transparent)]
    Ops(#[from] OpsError),
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
}

/// `beatbook-server migrate`: one line saying what was applied.
pub async fn migrate(target: &str, out: &mut dyn Write) -> Result<(), MaintenanceError> {
    let report = ops::migrate(target).await?;
    let applied: Vec<String> = report
        .after
        .applied
        .iter()
        .filter(|v| !report.before.applied.contains(v))
        .map(i64::to_string)
        .collect();
    if applied.is_empty() {
        writeln!(
            out,
            "database at migration {}: already up to date",
            report.after.version()
        )?;
    } else {
        writeln!(
            out,
            "database at migration {} (applied {})",
            report.after.version(),
            applied.join(", ")
        )?;
    }
    Ok(())
}

/// `beatbook-server backup`: one line with what the copy holds.
pub async fn backup(args: &BackupArgs, out: &mut dyn Write) -> Result<(), MaintenanceError> {
    let report = ops::backup(&args.db.db, &args.to).await?;
    writeln!(
        out,
        "backup written to {}: {} bytes, {} revisions, {} accounts, migration {}, integrity ok",
        report.to.display(),
        report.bytes,
        report.revisions,
        report.users,
        report.version
    )?;
    Ok(())
}
