//! The revision writer's transaction on PostgreSQL.
use sqlx::{Postgres, Transaction};

use crate::db::{DbError, Known, NewConflict, NewRevision};
use beatbook_core::{EntryId, RevisionId};

/// An open write transaction holding [`super::REVISIONS_LOCK`].
pub struct WriteTx<'c> {
    tx: Transaction<'c, Postgres>,
}

impl<'c> WriteTx<'c> {
    pub(super) fn new(tx: Transaction<'c, Postgres>) -> Self {
        Self { tx }
    }

    pub async fn known(
        &mut self,
        _revision_ids: &[RevisionId],
        _entry_ids: &[EntryId],
        _referenced_ids: &[EntryId],
    ) -> Result<Known, DbError> {
        Err(super::unported("write::known"))
    }

    pub async fn insert_revisions(&mut self, _rows: &[NewRevision<'_>]) -> Result<(), DbError> {
        Err(super::unported("write::insert_revisions"))
    }

    pub async fn conflict_bodies(
        &mut self,
        _revision_ids: &[RevisionId],
    ) -> Result<Vec<(RevisionId, String)>, DbError> {
        Err(super::unported("write::conflict_bodies"))
    }

    pub async fn insert_conflicts(&mut self, _rows: &[NewConflict<'_>]) -> Result<(), DbError> {
        Err(super::unported("write::insert_conflicts"))
    }

    pub async fn commit(self) -> Result<(), DbError> {
        self.tx.commit().await?;
        Ok(())
    }
}
