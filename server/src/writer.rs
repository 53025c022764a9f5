//! The single writer, with group commit.
//!
//! Handlers decode and validate on their own (in parallel); the valid
//! changes of each push come here as a job. The writer takes every job that
//! is waiting, decides each change against what is stored (and what earlier
//! changes in the group just added), inserts in one transaction, commits,
//! and only then answers each job. Many pushes share one fsync; each push is
//! acknowledged only after its own data is durable.
//!
//! A change that cannot be stored is decided against before anything is
//! inserted, so a bad change never fails the transaction for the others. If
//! a group still fails (a disk error, say), each job is retried alone so one
//! cannot sink the rest; those that fail again get an error and are not
//! acknowledged.
use beatbook_core::sync::{classify, Classification, ConflictReason, Existing, Outcome, Rejection};
use beatbook_core::{EntryId, RecordKind, RevisionId};
use chrono::{DateTime, SubsecRound, Utc};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use tokio::sync::{mpsc, oneshot};

use crate::db::{format_time, DbError, Known, NewConflict, NewRevision, Writer};
use crate::ingest::Accepted;

/// Jobs waiting beyond this make handlers wait to hand theirs over.
const QUEUE: usize = 1024;
/// Most changes decided and inserted in one transaction.
const GROUP_MAX_CHANGES: usize = 5000;

/// The writer's answer for one accepted change (same order as sent).
pub type Decision = Outcome;

struct Job {
    device_id: String,
    changes: Vec<Accepted>,
    reply: oneshot::Sender<Result<Vec<Decision>, DbError>>,
}

/// Handle for handlers: cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Job>,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("the writer has stopped")]
    Stopped,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Ingest {
    /// Starts the writer task. It ends when every [`Ingest`] handle is
    /// dropped and the queue is drained, then hands the connection back.
    pub fn start(writer: Writer) -> (Self, tokio::task::JoinHandle<Writer>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(writer, rx));
        (Self { tx }, task)
    }

    /// Whether the writer task is still taking jobs.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Stores what is new among `changes`; answers per change, in order,
    /// once the data is committed.
    pub async fn submit(
        &self,
        device_id: String,
        changes: Vec<Accepted>,
    ) -> Result<Vec<Decision>, SubmitError> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        let job = Job {
            device_id,
            changes,
            reply,
        };
        self.tx.send(job).await.map_err(|_| SubmitError::Stopped)?;
        answer
            .await
            .map_err(|_| SubmitError::Stopped)?
            .map_err(SubmitError::Db)
    }
}

async fn run(mut writer: Writer, mut rx: mpsc::Receiver<Job>) -> Writer {
    let mut group = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut size = first.changes.len();
        group.push(first);
        while size < GROUP_MAX_CHANGES {
            match rx.try_recv() {
                Ok(job) => {
                    size += job.changes.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        match apply(&mut writer, &group).await {
            Ok(decisions) => {
                for (job, decided) in group.drain(..).zip(decisions) {
                    // A closed receiver means the client went away; the data
                    // is stored all the same and a retry will say AlreadyHad.
                    let _ = job.reply.send(Ok(decided));
                }
            }
            Err(e) if group.len() == 1 => {
                if let Some(job) = group.pop() {
                    let _ = job.reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, jobs = group.len(), "group commit failed; retrying jobs one by one");
                for job in group.drain(..) {
                    let result = apply(&mut writer, std::slice::from_ref(&job))
                        .await
                        .map(|mut d| d.pop().unwrap_or_default());
                    let _ = job.reply.send(result);
                }
            }
        }
    }
    writer
}

/// Decides and stores one group in one transaction; returns per job, per
/// change decisions, valid only once this returns Ok (after the commit).
async fn apply(writer: &mut Writer, group: &[Job]) -> Result<Vec<Vec<Decision>>, DbError> {
    // Stored times carry microseconds; cut now so the answer to this push
    // and to a later retry are the same instant.
    let now = Utc::now().trunc_subsecs(6);
    let mut revision_ids = Vec::new();
    let mut entry_ids = Vec::new();
    for job in group {
        for c in &job.changes {
            revision_ids.push(c.rev.id);
            entry_ids.push(c.rev.entry_id);
        }
    }
    entry_ids.sort_unstable();
    entry_ids.dedup();

    let mut tx = writer.begin().await?;
    let known = tx.known(&revision_ids, &entry_ids).await?;
    let plan = decide(group, &known, now);

    let fresh: Vec<NewRevision<'_>> = plan
        .inserts
        .iter()
        .map(|&(j, c, moves_entry)| {
            let (job, change) = (&group[j], &group[j].changes[c]);
            NewRevision {
                rev: &change.rev,
                body: &change.body,
                device_id: &job.device_id,
                received_at: now,
                moves_entry,
            }
        })
        .collect();
    tx.insert_revisions(&fresh).await?;

    if !plan.conflicts.is_empty() {
        let ids: Vec<RevisionId> = plan
            .conflicts
            .iter()
            .map(|(j, c, _)| group[*j].changes[*c].rev.id)
            .collect();
        let mut kept: HashSet<(RevisionId, String)> =
            tx.conflict_bodies(&ids).await?.into_iter().collect();
        let mut rows = Vec::new();
        for (j, c, reason) in &plan.conflicts {
            let (job, change) = (&group[*j], &group[*j].changes[*c]);
            // A retried conflicting change is answered again, kept once.
            if kept.insert((change.rev.id, change.body.clone())) {
                rows.push(NewConflict {
                    rev: &change.rev,
                    body: &change.body,
                    device_id: &job.device_id,
                    reason,
                    received_at: now,
                });
            }
        }
        tx.insert_conflicts(&rows).await?;
    }
    tx.commit().await?;
    Ok(plan.decisions)
}

/// What one group comes to, before anything is written.
struct Plan {
    decisions: Vec<Vec<Decision>>,
    /// (job, change) positions of new revisions to insert, and whether
    /// each moves its entry ([`NewRevision::moves_entry`]).
    inserts: Vec<(usize, usize, bool)>,
    conflicts: Vec<(usize, usize, ConflictReason)>,
}

/// The entry facts a decision needs: its kind and its officer, and when
/// its first revision seen (stored or new) says it happened.
struct EntryFacts<'a> {
    kind: RecordKind,
    officer_id: &'a str,
    occurred_at: Cow<'a, str>,
}

/// Applies the idempotency rule ([`classify`]) to every change in order,
/// treating what earlier changes in the group add as already held.
fn decide<'a>(group: &'a [Job], known: &'a Known, now: DateTime<Utc>) -> Plan {
    let mut by_id: HashMap<RevisionId, (&'a [u8], DateTime<Utc>)> = known
        .revisions
        .iter()
        .map(|h| (h.revision_id, (h.body.as_bytes(), h.received_at)))
        .collect();
    let mut slots: HashMap<(EntryId, u32), RevisionId> = HashMap::new();
    let mut entries: HashMap<EntryId, EntryFacts<'a>> = HashMap::new();
    for s in &known.slots {
        slots.insert((s.entry_id, s.seq), s.revision_id);
        entries.entry(s.entry_id).or_insert(EntryFacts {
            kind: s.kind,
            officer_id: &s.officer_id,
            occurred_at: Cow::Borrowed(&s.occurred_at),
        });
    }

    let mut plan = Plan {
        decisions: Vec::with_capacity(group.len()),
        inserts: Vec::new(),
        conflicts: Vec::new(),
    };
    for (j, job) in group.iter().enumerate() {
        let mut decided = Vec::with_capacity(job.changes.len());
        for (c, change) in job.changes.iter().enumerate() {
            let rev = &change.rev;
            let held = by_id.get(&rev.id).copied();
            let facts = entries.get(&rev.entry_id);
            let existing = Existing {
                same_id: held.map(|(body, _)| body),
                same_slot: slots.get(&(rev.entry_id, rev.seq)).copied(),
                entry_kind: facts.map(|f| f.kind),
            };
            let decision = match classify(rev, change.body.as_bytes(), existing) {
                Classification::Identical => Outcome::AlreadyHad {
                    received_at: held.map_or(now, |(_, at)| at),
                },
                Classification::Conflict(reason) => {
                    plan.conflicts.push((j, c, reason.clone()));
                    Outcome::Conflict { reason }
                }
                // Every revision of an entry carries the officer who made it.
                // (The push handler already refused changes of other officers.)
                Classification::New if facts.is_some_and(|f| f.officer_id != rev.officer_id) => {
                    Outcome::Rejected {
                        reason: Rejection::NotYourEntry,
                    }
                }
                Classification::New => {
                    // Compared as stored: the text of the column.
                    let occurred_at = format_time(rev.occurred_at);
                    let moves_entry = facts.is_some_and(|f| f.occurred_at != occurred_at);
                    plan.inserts.push((j, c, moves_entry));
                    by_id.insert(rev.id, (change.body.as_bytes(), now));
                    slots.insert((rev.entry_id, rev.seq), rev.id);
                    entries.entry(rev.entry_id).or_insert(EntryFacts {
                        kind: rev.kind(),
                        officer_id: &rev.officer_id,
                        occurred_at: Cow::Owned(occurred_at),
                    });
                    Outcome::Stored { received_at: now }
                }
            };
            decided.push(decision);
        }
        plan.decisions.push(decided);
    }
    plan
}
