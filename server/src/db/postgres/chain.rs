//! PostgreSQL: chain.
use super::Readers;
use crate::db::{parse_time, DbError};
use crate::sync::chain::{Facts, Link, OpenRow};
use crate::zone::ForceZone;
use beatbook_core::review::ChainBreak;
use sqlx::{Postgres, Row};
use std::collections::HashMap;

const FACT_COLUMNS: &str = "revision_id, device_id, captured_at, entry_id, shift_id";

impl Readers {
    /// The chain breaks of the devices that recorded in a shift, as far as
    /// they concern it ([`crate::sync::chain::breaks`]). Three indexed reads:
    /// the shift's revisions (as its record reads them), its devices'
    /// rows of `chain_open` (a few per device: the end of its chain and
    /// any break), and, only when there is a break, the revisions those
    /// rows name.
    pub async fn shift_chain_breaks(
        &self,
        shift_id: &str,
        zone: ForceZone,
    ) -> Result<Vec<ChainBreak>, DbError> {
        let mut facts = self
            .chain_facts(
                format!(
                    "SELECT {FACT_COLUMNS} FROM revisions WHERE entry_id = $1 \
                     UNION ALL SELECT {FACT_COLUMNS} FROM revisions WHERE shift_id = $1"
                ),
                shift_id,
            )
            .await?;
        let mut devices: Vec<&str> = facts.values().map(|f| f.device_id.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        if devices.is_empty() {
            return Ok(Vec::new());
        }
        // Every row is open: a few per device (its primary key's prefix).
        let rows = sqlx::query(
            "SELECT device_id, node, linked, next, fork FROM chain_open \
             WHERE device_id = ANY($1)",
        )
        .bind(&devices)
        .fetch_all(&self.readers)
        .await?;
        let open = rows
            .iter()
            .map(|r| {
                Ok(OpenRow {
                    device_id: r.try_get(0)?,
                    link: Link {
                        node: r.try_get(1)?,
                        linked: r.try_get(2)?,
                        next: r.try_get(3)?,
                        fork: r.try_get(4)?,
                    },
                })
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        if !open
            .iter()
            .any(|r| r.link.node.is_none() || r.link.fork.is_some())
        {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = crate::sync::chain::wanted(&open)
            .into_iter()
            .filter(|id| !facts.contains_key(id))
            .collect();
        if !ids.is_empty() {
            let named = self
                .chain_facts(
                    format!("SELECT {FACT_COLUMNS} FROM revisions WHERE revision_id = ANY($1)"),
                    &ids,
                )
                .await?;
            facts.extend(named);
        }
        Ok(crate::sync::chain::breaks(shift_id, &open, &facts, zone))
    }

    /// Runs `sql` (selecting [`FACT_COLUMNS`]) with one bound value.
    async fn chain_facts<'a, A>(
        &self,
        sql: String,
        arg: A,
    ) -> Result<HashMap<String, Facts>, DbError>
    where
        A: 'a + Send + sqlx::Encode<'a, Postgres> + sqlx::Type<Postgres>,
    {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(arg)
            .fetch_all(&self.readers)
            .await?;
        rows.iter()
            .map(|r| {
                let captured: &str = r.try_get(2)?;
                Ok((
                    r.try_get(0)?,
                    Facts {
                        device_id: r.try_get(1)?,
                        captured_at: parse_time("captured_at", captured)?,
                        entry_id: r.try_get(3)?,
                        shift_id: r.try_get(4)?,
                    },
                ))
            })
            .collect()
    }
}
