//! The revision writer's transaction on PostgreSQL. It holds
//! [`super::REVISIONS_LOCK`] from its first read, so what it reads to decide
//! is what its inserts land on, whichever instance it runs in; rows go in
//! as arrays (`UNNEST`), one statement per table whatever the batch size.
use beatbook_core::{EntryId, RecordKind, RevisionId};
use sqlx::{Postgres, Row, Transaction};

use crate::db::chain::ChainRows;
use crate::db::{
    corrupt, format_time, parse_entry_id, parse_revision_id, parse_time, reason_code, DbError,
    HeldEntry, HeldRevision, HeldSlot, Known, NewConflict, NewRevision,
};
use crate::sync::chain::{Hash, Key, Link, Save};

/// An open write transaction holding [`super::REVISIONS_LOCK`].
pub struct WriteTx<'c> {
    tx: Transaction<'c, Postgres>,
}

fn seq_of(seq: i64) -> Result<u32, DbError> {
    u32::try_from(seq).map_err(|_| corrupt("seq", &seq.to_string()))
}

impl<'c> WriteTx<'c> {
    pub(super) fn new(tx: Transaction<'c, Postgres>) -> Self {
        Self { tx }
    }

    /// Stored revisions by ID, every stored revision of the given entries
    /// (the body only of each one's latest), and the first revision's facts
    /// of each referenced entry.
    pub async fn known(
        &mut self,
        revision_ids: &[RevisionId],
        entry_ids: &[EntryId],
        referenced_ids: &[EntryId],
    ) -> Result<Known, DbError> {
        let mut known = Known::default();
        if revision_ids.is_empty() {
            return Ok(known);
        }
        let ids: Vec<String> = revision_ids.iter().map(ToString::to_string).collect();
        let rows = sqlx::query(
            "SELECT revision_id, body, received_at, officer_id FROM revisions \
             WHERE revision_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let id: &str = row.try_get(0)?;
            let received: &str = row.try_get(2)?;
            known.revisions.push(HeldRevision {
                revision_id: parse_revision_id(id)?,
                body: row.try_get(1)?,
                received_at: parse_time("received_at", received)?,
                officer_id: row.try_get(3)?,
            });
        }
        let entries: Vec<String> = entry_ids.iter().map(ToString::to_string).collect();
        let rows = sqlx::query(
            "SELECT entry_id, seq, revision_id, kind, officer_id, occurred_at, shift_id, \
                    CASE WHEN seq = MAX(seq) OVER (PARTITION BY entry_id) THEN body END \
             FROM revisions WHERE entry_id = ANY($1)",
        )
        .bind(&entries)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let entry: &str = row.try_get(0)?;
            let revision: &str = row.try_get(2)?;
            let kind: &str = row.try_get(3)?;
            let shift: Option<&str> = row.try_get(6)?;
            let body: Option<&str> = row.try_get(7)?;
            if let Some(body) = body {
                known
                    .latest
                    .push(serde_json::from_str(body).map_err(|_| corrupt("body", body))?);
            }
            known.slots.push(HeldSlot {
                entry_id: parse_entry_id(entry)?,
                seq: seq_of(row.try_get(1)?)?,
                revision_id: parse_revision_id(revision)?,
                kind: RecordKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?,
                officer_id: row.try_get(4)?,
                occurred_at: row.try_get(5)?,
                shift_id: shift.map(parse_entry_id).transpose()?,
            });
        }
        if referenced_ids.is_empty() {
            return Ok(known);
        }
        let referenced: Vec<String> = referenced_ids.iter().map(ToString::to_string).collect();
        let rows = sqlx::query(
            "SELECT DISTINCT ON (entry_id) entry_id, kind, officer_id, shift_id FROM revisions \
             WHERE entry_id = ANY($1) ORDER BY entry_id, seq",
        )
        .bind(&referenced)
        .fetch_all(&mut *self.tx)
        .await?;
        for row in rows {
            let entry: &str = row.try_get(0)?;
            let kind: &str = row.try_get(1)?;
            let shift: Option<&str> = row.try_get(3)?;
            known.referenced.push(HeldEntry {
                entry_id: parse_entry_id(entry)?,
                kind: RecordKind::from_code(kind).ok_or_else(|| corrupt("kind", kind))?,
                officer_id: row.try_get(2)?,
                shift_id: shift.map(parse_entry_id).transpose()?,
            });
        }
        Ok(known)
    }

    /// Stores new revisions, their device chain links first (so the chain's
    /// lookups among stored revisions never see this batch's own). One
    /// INSERT of arrays: `arrival` is numbered in the batch's order.
    pub async fn insert_revisions(&mut self, rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        let saves: Vec<Save<'_>> = rows
            .iter()
            .map(|row| Save {
                device_id: row.device_id,
                revision_id: row.rev.id.to_string(),
                hash: crate::sync::chain::hash_of(row.body.as_bytes()),
                // Checked by `Revision::check` before the writer saw it.
                prev: row.rev.prev.as_deref().and_then(crate::sync::chain::parse),
            })
            .collect();
        crate::db::chain::link(self, &saves).await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut cols = RevisionColumns::with_capacity(rows.len());
        for (row, save) in rows.iter().zip(&saves) {
            cols.push(row, save);
        }
        sqlx::query(
            "INSERT INTO revisions (revision_id, entry_id, seq, kind, officer_id, shift_id, \
                 device_id, occurred_at, captured_at, received_at, body, hash, prev) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], \
                 $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], \
                 $12::bytea[], $13::bytea[])",
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
        .execute(&mut *self.tx)
        .await?;
        let moved: Vec<String> = rows
            .iter()
            .filter(|r| r.moves_entry)
            .map(|r| r.rev.entry_id.to_string())
            .collect();
        if !moved.is_empty() {
            sqlx::query(
                "INSERT INTO entries_moved (entry_id) SELECT UNNEST($1::text[]) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&moved)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Bodies of the conflicts already kept under these revision IDs.
    pub async fn conflict_bodies(
        &mut self,
        revision_ids: &[RevisionId],
    ) -> Result<Vec<(RevisionId, String)>, DbError> {
        let ids: Vec<String> = revision_ids.iter().map(ToString::to_string).collect();
        let rows =
            sqlx::query("SELECT revision_id, body FROM conflicts WHERE revision_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *self.tx)
                .await?;
        rows.iter()
            .map(|row| {
                let id: &str = row.try_get(0)?;
                Ok((parse_revision_id(id)?, row.try_get(1)?))
            })
            .collect()
    }

    pub async fn insert_conflicts(&mut self, rows: &[NewConflict<'_>]) -> Result<(), DbError> {
        for row in rows {
            let rev = row.rev;
            sqlx::query(
                "INSERT INTO conflicts (revision_id, entry_id, seq, kind, officer_id, device_id, \
                 reason, captured_at, received_at, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(rev.id.to_string())
            .bind(rev.entry_id.to_string())
            .bind(i64::from(rev.seq))
            .bind(rev.kind().code())
            .bind(rev.officer_id.as_str())
            .bind(row.device_id)
            .bind(reason_code(row.reason))
            .bind(format_time(rev.captured_at))
            .bind(format_time(row.received_at))
            .bind(row.body)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Commits; with `synchronous_commit` on (the default) the commit is
    /// on the server's disk when this returns. The advisory lock goes with it.
    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A batch's revisions as one array per column.
struct RevisionColumns<'a> {
    revision_id: Vec<&'a str>,
    entry_id: Vec<String>,
    seq: Vec<i64>,
    kind: Vec<&'static str>,
    officer_id: Vec<&'a str>,
    shift_id: Vec<Option<String>>,
    device_id: Vec<&'a str>,
    occurred_at: Vec<String>,
    captured_at: Vec<String>,
    received_at: Vec<String>,
    body: Vec<&'a str>,
    hash: Vec<Vec<u8>>,
    prev: Vec<Option<Vec<u8>>>,
}

impl<'a> RevisionColumns<'a> {
    fn with_capacity(n: usize) -> Self {
        Self {
            revision_id: Vec::with_capacity(n),
            entry_id: Vec::with_capacity(n),
            seq: Vec::with_capacity(n),
            kind: Vec::with_capacity(n),
            officer_id: Vec::with_capacity(n),
            shift_id: Vec::with_capacity(n),
            device_id: Vec::with_capacity(n),
            occurred_at: Vec::with_capacity(n),
            captured_at: Vec::with_capacity(n),
            received_at: Vec::with_capacity(n),
            body: Vec::with_capacity(n),
            hash: Vec::with_capacity(n),
            prev: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, row: &NewRevision<'a>, save: &'a Save<'a>) {
        let rev = row.rev;
        self.revision_id.push(save.revision_id.as_str());
        self.entry_id.push(rev.entry_id.to_string());
        self.seq.push(i64::from(rev.seq));
        self.kind.push(rev.kind().code());
        self.officer_id.push(rev.officer_id.as_str());
        self.shift_id.push(rev.shift_id.map(|s| s.to_string()));
        self.device_id.push(row.device_id);
        self.occurred_at.push(format_time(rev.occurred_at));
        self.captured_at.push(format_time(rev.captured_at));
        self.received_at.push(format_time(row.received_at));
        self.body.push(row.body);
        self.hash.push(save.hash.to_vec());
        self.prev.push(save.prev.map(|p| p.to_vec()));
    }
}

/// Keys as two arrays, for `UNNEST($1::text[], $2::bytea[])`.
fn key_arrays<'k>(keys: &[Key<'k>]) -> (Vec<&'k str>, Vec<Vec<u8>>) {
    keys.iter().map(|(d, h)| (*d, h.to_vec())).unzip()
}

impl ChainRows for WriteTx<'_> {
    async fn open_rows(
        &mut self,
        keys: &[Key<'_>],
    ) -> Result<Vec<(String, Vec<u8>, Link)>, DbError> {
        let (devices, hashes) = key_arrays(keys);
        let rows = sqlx::query(
            "SELECT c.device_id, c.hash, c.node, c.linked, c.next, c.fork \
             FROM UNNEST($1::text[], $2::bytea[]) AS k (device_id, hash) \
             JOIN chain_open c ON c.device_id = k.device_id AND c.hash = k.hash",
        )
        .bind(&devices)
        .bind(&hashes)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    Link {
                        node: row.try_get(2)?,
                        linked: row.try_get(3)?,
                        next: row.try_get(4)?,
                        fork: row.try_get(5)?,
                    },
                ))
            })
            .collect()
    }

    /// Newest first along the device's revisions (`revisions_device`).
    async fn stored_link(&mut self, device_id: &str, hash: &Hash) -> Result<Option<Link>, DbError> {
        let found = sqlx::query(
            "SELECT revision_id, prev IS NOT NULL FROM revisions \
             WHERE device_id = $1 AND hash = $2 ORDER BY arrival DESC LIMIT 1",
        )
        .bind(device_id)
        .bind(&hash[..])
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(found) = found else { return Ok(None) };
        let next: Option<String> = sqlx::query_scalar(
            "SELECT revision_id FROM revisions \
             WHERE device_id = $1 AND prev = $2 ORDER BY arrival LIMIT 1",
        )
        .bind(device_id)
        .bind(&hash[..])
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(Some(Link {
            node: found.try_get(0)?,
            linked: found.try_get(1)?,
            next,
            fork: None,
        }))
    }

    async fn close_rows(&mut self, keys: &[Key<'_>]) -> Result<(), DbError> {
        let (devices, hashes) = key_arrays(keys);
        sqlx::query(
            "DELETE FROM chain_open c USING UNNEST($1::text[], $2::bytea[]) AS k (device_id, hash) \
             WHERE c.device_id = k.device_id AND c.hash = k.hash",
        )
        .bind(&devices)
        .bind(&hashes)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn put_rows(&mut self, rows: &[(Key<'_>, Link)]) -> Result<(), DbError> {
        let keys: Vec<Key<'_>> = rows.iter().map(|(k, _)| *k).collect();
        let (devices, hashes) = key_arrays(&keys);
        let node: Vec<Option<&str>> = rows.iter().map(|(_, l)| l.node.as_deref()).collect();
        let linked: Vec<bool> = rows.iter().map(|(_, l)| l.linked).collect();
        let next: Vec<Option<&str>> = rows.iter().map(|(_, l)| l.next.as_deref()).collect();
        let fork: Vec<Option<&str>> = rows.iter().map(|(_, l)| l.fork.as_deref()).collect();
        sqlx::query(
            "INSERT INTO chain_open (device_id, hash, node, linked, next, fork) \
             SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::text[], $4::bool[], \
                 $5::text[], $6::text[]) \
             ON CONFLICT (device_id, hash) DO UPDATE SET node = EXCLUDED.node, \
                 linked = EXCLUDED.linked, next = EXCLUDED.next, fork = EXCLUDED.fork",
        )
        .bind(&devices)
        .bind(&hashes)
        .bind(&node)
        .bind(&linked)
        .bind(&next)
        .bind(&fork)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
