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
use beatbook_core::{Change, EntryId, History, Record, RecordKind, Revision, RevisionId};
use chrono::{DateTime, SubsecRound, Utc};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use tokio::sync::{mpsc, oneshot};

use crate::db::{format_time, DbError, Known, NewConflict, NewRevision, Writer};
use crate::metrics::Metrics;
use crate::sync::ingest::Accepted;
use std::sync::Arc;

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
    pub fn start(writer: Writer, metrics: Arc<Metrics>) -> (Self, tokio::task::JoinHandle<Writer>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(writer, rx, metrics));
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

async fn run(mut writer: Writer, mut rx: mpsc::Receiver<Job>, metrics: Arc<Metrics>) -> Writer {
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
        match metered(&metrics, &mut writer, &group).await {
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
                    let result = metered(&metrics, &mut writer, std::slice::from_ref(&job))
                        .await
                        .map(|mut d| d.pop().unwrap_or_default());
                    let _ = job.reply.send(result);
                }
            }
        }
    }
    writer
}

/// [`apply`], counted in the metrics when it commits.
async fn metered(
    metrics: &Metrics,
    writer: &mut Writer,
    group: &[Job],
) -> Result<Vec<Vec<Decision>>, DbError> {
    let start = std::time::Instant::now();
    let applied = apply(writer, group).await;
    if applied.is_ok() {
        let changes = group.iter().map(|j| j.changes.len()).sum();
        metrics.observe_group(changes, start.elapsed());
    }
    applied
}

/// Decides and stores one group in one transaction; returns per job, per
/// change decisions, valid only once this returns Ok (after the commit).
async fn apply(writer: &mut Writer, group: &[Job]) -> Result<Vec<Vec<Decision>>, DbError> {
    // Stored times carry microseconds; cut now so the answer to this push
    // and to a later retry are the same instant.
    let now = Utc::now().trunc_subsecs(6);
    let mut revision_ids = Vec::new();
    let mut entry_ids = Vec::new();
    let mut referenced = Vec::new();
    for job in group {
        for c in &job.changes {
            revision_ids.push(c.rev.id);
            entry_ids.push(c.rev.entry_id);
            referenced.extend(references(&c.rev).map(|(_, id)| id));
        }
    }
    entry_ids.sort_unstable();
    entry_ids.dedup();
    referenced.sort_unstable();
    referenced.dedup();
    // Entries that come in themselves are read with their revisions.
    referenced.retain(|id| entry_ids.binary_search(id).is_err());

    let mut tx = writer.begin().await?;
    let known = tx.known(&revision_ids, &entry_ids, &referenced).await?;
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

/// The entry facts a decision needs: its kind, its officer, its shift
/// (for a patrol named by another entry), when its first revision seen
/// (stored or new) says it happened, and its latest revision.
struct EntryFacts<'a> {
    kind: RecordKind,
    officer_id: &'a str,
    shift_id: Option<EntryId>,
    occurred_at: Cow<'a, str>,
    /// The highest sequence number held, and that revision when it is
    /// known (every incoming entry's is; a referenced entry's is not needed).
    latest_seq: u32,
    latest: Option<&'a Revision>,
}

/// The entries a revision names besides its own, with the field naming each.
pub fn references(rev: &Revision) -> impl Iterator<Item = (&'static str, EntryId)> {
    let link = match &rev.record {
        Record::Arrest(a) => a.linked_stop.map(|s| ("linked_stop", s)),
        Record::IjReferral(r) => r.linked_entry.map(|e| ("linked_entry", e)),
        Record::AsbIntervention(a) => a.prior_warning.map(|w| ("prior_warning", w)),
        _ => None,
    };
    [
        rev.shift_id.map(|s| ("shift_id", s)),
        rev.patrol_id.map(|p| ("patrol_id", p)),
        link,
    ]
    .into_iter()
    .flatten()
}

/// What a referenced entry must be, in words for the refusal.
fn expected(field: &str) -> &'static str {
    match field {
        "shift_id" => "a shift",
        "patrol_id" => "a patrol of this shift",
        "linked_stop" => "a stop and search",
        "prior_warning" => "an ASB intervention (the Community Protection Warning)",
        _ => "an ASB intervention, a stop or an arrest",
    }
}

/// One change decided.
enum Step {
    /// Settled: the answer, nothing to write.
    Answer(Outcome),
    /// Not now: something it needs may come later in the same push.
    Wait(Outcome),
    Conflict(ConflictReason),
    Insert {
        moves_entry: bool,
    },
}

/// What the group holds, stored or inserted by an earlier change of it.
struct Held<'a> {
    /// Revision ID -> (body, received_at, officer).
    by_id: HashMap<RevisionId, (&'a [u8], DateTime<Utc>, &'a str)>,
    slots: HashMap<(EntryId, u32), RevisionId>,
    entries: HashMap<EntryId, EntryFacts<'a>>,
}

impl<'a> Held<'a> {
    fn new(known: &'a Known) -> Self {
        let by_id = known
            .revisions
            .iter()
            .map(|h| {
                let facts = (h.body.as_bytes(), h.received_at, h.officer_id.as_str());
                (h.revision_id, facts)
            })
            .collect();
        let mut slots = HashMap::new();
        let mut entries: HashMap<EntryId, EntryFacts<'a>> = HashMap::new();
        for s in &known.slots {
            slots.insert((s.entry_id, s.seq), s.revision_id);
            let facts = entries.entry(s.entry_id).or_insert(EntryFacts {
                kind: s.kind,
                officer_id: &s.officer_id,
                shift_id: s.shift_id,
                occurred_at: Cow::Borrowed(&s.occurred_at),
                latest_seq: 0,
                latest: None,
            });
            facts.latest_seq = facts.latest_seq.max(s.seq);
        }
        for rev in &known.latest {
            if let Some(facts) = entries.get_mut(&rev.entry_id) {
                facts.latest = Some(rev);
            }
        }
        for e in &known.referenced {
            entries.entry(e.entry_id).or_insert(EntryFacts {
                kind: e.kind,
                officer_id: &e.officer_id,
                shift_id: e.shift_id,
                occurred_at: Cow::Borrowed(""),
                latest_seq: 0,
                latest: None,
            });
        }
        Self {
            by_id,
            slots,
            entries,
        }
    }

    /// Decides one change, in this order: whose it is (before anything
    /// else, so the answer says nothing about what another officer holds),
    /// whether it is held already (a resend, a conflict), whether it may
    /// follow the entry's history, whether what it names is the officer's
    /// own and of the right kind. Stores it (in the maps) when new.
    fn step(&mut self, change: &'a Accepted, now: DateTime<Utc>) -> Step {
        let rev = &change.rev;
        let not_yours = || {
            Step::Answer(Outcome::Rejected {
                reason: Rejection::NotYourEntry,
            })
        };
        let held = self.by_id.get(&rev.id).copied();
        if held.is_some_and(|(_, _, officer)| officer != rev.officer_id) {
            return not_yours();
        }
        let facts = self.entries.get(&rev.entry_id);
        if facts.is_some_and(|f| f.officer_id != rev.officer_id) {
            return not_yours();
        }
        let existing = Existing {
            same_id: held.map(|(body, _, _)| body),
            same_slot: self.slots.get(&(rev.entry_id, rev.seq)).copied(),
            entry_kind: facts.map(|f| f.kind),
        };
        match classify(rev, change.body.as_bytes(), existing) {
            Classification::Identical => {
                return Step::Answer(Outcome::AlreadyHad {
                    received_at: held.map_or(now, |(_, at, _)| at),
                })
            }
            Classification::Conflict(reason) => return Step::Conflict(reason),
            Classification::New => {}
        }
        if let Err(step) = self.follows_history(rev) {
            return step;
        }
        for (field, id) in references(rev) {
            if let Err(step) = self.reference(rev, field, id) {
                return step;
            }
        }
        // Compared as stored: the text of the column.
        let occurred_at = format_time(rev.occurred_at);
        let moves_entry = facts.is_some_and(|f| f.occurred_at != occurred_at);
        self.by_id.insert(
            rev.id,
            (change.body.as_bytes(), now, rev.officer_id.as_str()),
        );
        self.slots.insert((rev.entry_id, rev.seq), rev.id);
        let facts = self.entries.entry(rev.entry_id).or_insert(EntryFacts {
            kind: rev.kind(),
            officer_id: &rev.officer_id,
            shift_id: rev.shift_id,
            occurred_at: Cow::Owned(occurred_at),
            latest_seq: 0,
            latest: None,
        });
        if rev.seq > facts.latest_seq {
            facts.latest_seq = rev.seq;
            facts.latest = Some(rev);
        }
        Step::Insert { moves_entry }
    }

    /// The history rule the app runs (`History::check_next`), against the
    /// latest revision held. A gap is not final: the revisions between may
    /// come later in this push (the caller tries again) or in a later one
    /// (the answer is retryable).
    fn follows_history(&self, rev: &Revision) -> Result<(), Step> {
        let refuse = |reason: Rejection| {
            let outcome = Outcome::Rejected { reason };
            if outcome.is_retryable() {
                Step::Wait(outcome)
            } else {
                Step::Answer(outcome)
            }
        };
        let Some(facts) = self.entries.get(&rev.entry_id).filter(|f| f.latest_seq > 0) else {
            // Nothing held of the entry: only its creation can come first.
            // A later revision waits for it, unless it could never follow.
            return match (rev.seq, &rev.change) {
                (1, Change::Created) => Ok(()),
                (0 | 1, _) => Err(refuse(Rejection::FirstMustBeCreation)),
                (_, Change::Created) => Err(refuse(Rejection::CreatedTwice)),
                _ => Err(refuse(Rejection::EarlierRevisionMissing { expected: 1 })),
            };
        };
        if rev.seq > facts.latest_seq.saturating_add(1) {
            if rev.change == Change::Created {
                return Err(refuse(Rejection::CreatedTwice));
            }
            return Err(refuse(Rejection::EarlierRevisionMissing {
                expected: facts.latest_seq.saturating_add(1),
            }));
        }
        let Some(latest) = facts.latest else {
            // Only a referenced entry lacks its latest revision, and those
            // are never incoming: refuse rather than store unchecked.
            return Err(refuse(Rejection::OutOfSequence {
                latest: facts.latest_seq,
            }));
        };
        History::check_follows(Some(latest), rev).map_err(|e| refuse(Rejection::from(e)))
    }

    /// A referenced entry must be held (stored, or earlier in the group),
    /// be the same officer's and be of the kind the field names.
    fn reference(&self, rev: &Revision, field: &'static str, id: EntryId) -> Result<(), Step> {
        let field_text = || field.to_owned();
        let wrong_kind = || {
            Step::Answer(Outcome::Rejected {
                reason: Rejection::ReferenceWrongKind {
                    field: field_text(),
                    expected: expected(field).to_owned(),
                },
            })
        };
        if id == rev.entry_id {
            return Err(wrong_kind());
        }
        let Some(target) = self.entries.get(&id) else {
            return Err(Step::Wait(Outcome::Rejected {
                reason: Rejection::ReferenceMissing {
                    field: field_text(),
                },
            }));
        };
        if target.officer_id != rev.officer_id {
            return Err(Step::Answer(Outcome::Rejected {
                reason: Rejection::ReferenceNotYours {
                    field: field_text(),
                },
            }));
        }
        let right_kind = match field {
            "shift_id" => target.kind == RecordKind::Shift,
            "patrol_id" => target.kind == RecordKind::Patrol && target.shift_id == rev.shift_id,
            "linked_stop" => target.kind == RecordKind::StopSearch,
            "prior_warning" => target.kind == RecordKind::AsbIntervention,
            _ => matches!(
                target.kind,
                RecordKind::AsbIntervention
                    | RecordKind::StopSearch
                    | RecordKind::StopAccount
                    | RecordKind::Arrest
            ),
        };
        if right_kind {
            Ok(())
        } else {
            Err(wrong_kind())
        }
    }
}

/// Kind order within a push: what is named before what names it.
fn rank(kind: RecordKind) -> u8 {
    match kind {
        RecordKind::Shift => 0,
        RecordKind::Patrol => 1,
        RecordKind::Arrest => 3,
        RecordKind::IjReferral => 4,
        _ => 2,
    }
}

/// Decides every change of the group, job by job, treating what earlier
/// changes add as already held. Within a push the changes are taken in
/// (sequence, kind) order, shifts first, so a push need not be sorted;
/// one that waits on something later in its push is tried again once the
/// rest are decided, until nothing more can be stored.
fn decide<'a>(group: &'a [Job], known: &'a Known, now: DateTime<Utc>) -> Plan {
    let mut held = Held::new(known);
    let mut plan = Plan {
        decisions: Vec::with_capacity(group.len()),
        inserts: Vec::new(),
        conflicts: Vec::new(),
    };
    for (j, job) in group.iter().enumerate() {
        let mut decided: Vec<Option<Decision>> = vec![None; job.changes.len()];
        let mut order: Vec<usize> = (0..job.changes.len()).collect();
        order.sort_by_key(|&c| {
            let rev = &job.changes[c].rev;
            (rev.seq, rank(rev.kind()))
        });
        loop {
            let mut waiting = Vec::new();
            let mut progress = false;
            for c in order {
                match held.step(&job.changes[c], now) {
                    Step::Wait(outcome) => waiting.push((c, outcome)),
                    Step::Answer(outcome) => {
                        decided[c] = Some(outcome);
                        progress = true;
                    }
                    Step::Conflict(reason) => {
                        plan.conflicts.push((j, c, reason.clone()));
                        decided[c] = Some(Outcome::Conflict { reason });
                        progress = true;
                    }
                    Step::Insert { moves_entry } => {
                        plan.inserts.push((j, c, moves_entry));
                        decided[c] = Some(Outcome::Stored { received_at: now });
                        progress = true;
                    }
                }
            }
            if waiting.is_empty() || !progress {
                for (c, outcome) in waiting {
                    decided[c] = Some(outcome);
                }
                break;
            }
            order = waiting.into_iter().map(|(c, _)| c).collect();
        }
        plan.decisions.push(
            decided
                .into_iter()
                .map(|d| {
                    // Every change is decided above; answer rather than panic.
                    d.unwrap_or(Outcome::Rejected {
                        reason: Rejection::Malformed {
                            detail: "not decided".into(),
                        },
                    })
                })
                .collect(),
        );
    }
    plan
}
