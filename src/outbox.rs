//! The outbox, the sync marks and the retention rule: plain Rust over the
//! log and the server's answers (no browser calls), so they are tested
//! natively (`cargo test -p beatbook --lib`). `AppState` holds the signals
//! and calls these.
use beatbook_core::sync::{Answer, OutcomeKind};
use beatbook_core::{EntryId, Log, RecordKind, Revision, RevisionId};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// The server's answer per revision ID, as stored.
pub type Answers = HashMap<RevisionId, Answer>;

/// How long a synced shift stays on the phone after it ended, unless a
/// supervisor sent it back (the force's default; the server keeps the record).
pub const RETENTION_DAYS: i64 = beatbook_core::force::DEFAULT_RETENTION_DAYS as i64;

/// Whether an answer settles its revision. The server marks some refusals
/// `retry` (something the change names has not arrived yet; a time that
/// looks like the future because the phone's clock runs ahead): those
/// revisions are sent again in a later round, never left stranded. Answers
/// stored by earlier versions had no `retry`: a "future" refusal among them
/// is read the same way.
pub fn is_final(answer: &Answer) -> bool {
    answer.is_final() && !is_clock_refusal(answer)
}

/// The server refused a time as being in the future: the phone's clock.
pub fn is_clock_refusal(answer: &Answer) -> bool {
    answer.outcome == OutcomeKind::Rejected
        && answer
            .message
            .as_deref()
            // (`ends_with`, not `contains`: the substring search would add
            // its code to the download for this one old-answer check.)
            .is_some_and(|m| m.ends_with("too far in the future"))
}

/// Revisions still to send: no answer, or one that is not final.
pub fn waiting<'a>(log: &'a Log, answers: &Answers) -> Vec<&'a Revision> {
    log.revisions()
        .filter(|r| !answers.get(&r.id).is_some_and(is_final))
        .collect()
}

pub fn waiting_count(log: &Log, answers: &Answers) -> usize {
    log.revisions()
        .filter(|r| !answers.get(&r.id).is_some_and(is_final))
        .count()
}

/// Revisions held back by the phone's clock (sent again, but the officer
/// should know why they have not gone).
pub fn clock_held_count(log: &Log, answers: &Answers) -> usize {
    log.revisions()
        .filter(|r| answers.get(&r.id).is_some_and(is_clock_refusal))
        .count()
}

/// Revisions the server refused for good or holds differently.
pub fn attention_count(log: &Log, answers: &Answers) -> usize {
    log.revisions()
        .filter(|r| answers.get(&r.id).is_some_and(needs_attention))
        .count()
}

fn needs_attention(answer: &Answer) -> bool {
    is_final(answer) && !answer.is_acknowledged()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMark {
    Pending,
    Synced,
    /// The server refused a revision or holds different content: the entry
    /// stays on the device and a person must look.
    Attention,
}

/// Synced only when every revision of the entry is acknowledged.
pub fn sync_mark(log: &Log, answers: &Answers, entry: EntryId) -> SyncMark {
    let Some(history) = log.get(entry) else {
        return SyncMark::Attention;
    };
    let mut mark = SyncMark::Synced;
    for rev in history.revisions() {
        match answers.get(&rev.id) {
            Some(a) if a.is_acknowledged() => {}
            Some(a) if needs_attention(a) => return SyncMark::Attention,
            _ => mark = SyncMark::Pending,
        }
    }
    mark
}

/// Why the server did not take an entry's revisions, one line each.
pub fn attention_reasons(log: &Log, answers: &Answers, entry: EntryId) -> Vec<String> {
    let Some(history) = log.get(entry) else {
        return Vec::new();
    };
    history
        .revisions()
        .iter()
        .filter_map(|rev| {
            let answer = answers.get(&rev.id).filter(|a| !a.is_acknowledged())?;
            let what = match answer.outcome {
                OutcomeKind::Conflict => "the server holds different content",
                _ if is_clock_refusal(answer) => {
                    "waiting: the phone's clock was ahead, it is sent again"
                }
                _ if !answer.is_final() => "waiting: it is sent again",
                _ => "the server refused it",
            };
            let why = answer.message.as_deref().unwrap_or("no reason given");
            Some(format!("Revision {}: {what}: {why}", rev.seq))
        })
        .collect()
}

/// What storage holds, as every tab sees it (IDs only, nothing decrypted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    /// Revisions the server has not acknowledged yet (or refused for now).
    pub unsynced: usize,
    /// Refused for good or in conflict: a supervisor must look.
    pub refused: usize,
    /// Unreadable data kept aside.
    pub quarantined: usize,
    /// Readable revisions that do not fit their entry's history.
    pub unplaced: usize,
}

impl Held {
    /// Counts what holds sign-out back. `revisions` are every revision ID in
    /// storage (in any tab's log or none), `answers` every stored answer.
    pub fn count(
        revisions: &[RevisionId],
        answers: &Answers,
        quarantined: usize,
        unplaced: usize,
    ) -> Self {
        let mut held = Self {
            quarantined,
            unplaced,
            ..Self::default()
        };
        for id in revisions {
            match answers.get(id) {
                Some(a) if a.is_acknowledged() => {}
                Some(a) if needs_attention(a) => held.refused += 1,
                _ => held.unsynced += 1,
            }
        }
        held
    }

    /// Why sign-out is refused, and what to do; `None` when nothing holds it.
    pub fn refusal(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.unsynced > 0 {
            why.push(format!(
                "{} change(s) have not reached the server (sync first, with a signal)",
                self.unsynced
            ));
        }
        if self.refused > 0 {
            why.push(format!(
                "{} change(s) were refused or conflict (open them and tell your supervisor)",
                self.refused
            ));
        }
        if self.unplaced > 0 {
            why.push(format!(
                "{} saved revision(s) do not fit their entry (tell your supervisor)",
                self.unplaced
            ));
        }
        if self.quarantined > 0 {
            why.push(format!(
                "{} stored item(s) could not be read and are kept aside (tell your supervisor)",
                self.quarantined
            ));
        }
        (!why.is_empty()).then(|| {
            format!(
                "Cannot sign out: {}. Signing out would delete them from this phone.",
                why.join("; ")
            )
        })
    }
}

/// The revisions that may leave the phone now: every revision of a shift
/// and of everything recorded in it, when all of them are acknowledged by
/// the server, the shift ended more than `window` ago and it is not sent
/// back for correction. A shift goes as a whole, so nothing on the phone
/// ever points at a shift that is no longer there.
pub fn retention(
    log: &Log,
    answers: &Answers,
    sent_back: &[EntryId],
    now: DateTime<Utc>,
    window: Duration,
) -> Vec<RevisionId> {
    // (shift, entry) pairs: a plain list, a few hundred long at most.
    let members: Vec<(EntryId, EntryId)> = log
        .revisions()
        .filter(|r| r.seq == 1)
        .filter_map(|r| Some((r.shift_id?, r.entry_id)))
        .collect();
    let acknowledged = |entry: EntryId| {
        log.get(entry).is_some_and(|h| {
            h.revisions()
                .iter()
                .all(|r| answers.get(&r.id).is_some_and(Answer::is_acknowledged))
        })
    };
    let mut out = Vec::new();
    for shift in log.shifts() {
        if shift.kind() != RecordKind::Shift || sent_back.contains(&shift.entry_id) {
            continue;
        }
        let old_enough = shift
            .record
            .ended_at()
            .is_some_and(|end| end + window < now);
        if !old_enough {
            continue;
        }
        let entries: Vec<EntryId> = std::iter::once(shift.entry_id)
            .chain(
                members
                    .iter()
                    .filter(|(s, _)| *s == shift.entry_id)
                    .map(|(_, e)| *e),
            )
            .collect();
        if !entries.iter().all(|e| acknowledged(*e)) {
            continue;
        }
        for entry in entries {
            if let Some(h) = log.get(entry) {
                out.extend(h.revisions().iter().map(|r| r.id));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use beatbook_core::record::{Note, Shift};
    use beatbook_core::{Change, Code, Record};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn id(n: u32, salt: u8) -> [u8; 16] {
        let mut b = [salt; 16];
        b[..4].copy_from_slice(&n.to_be_bytes());
        b
    }

    fn shift(n: u32, ended: Option<&str>) -> Vec<Revision> {
        let first = Revision {
            clock_offset_ms: None,
            prev: None,
            id: RevisionId::from_random_bytes(id(n, 1)),
            entry_id: EntryId::from_random_bytes(id(n, 2)),
            seq: 1,
            officer_id: "PC1".into(),
            captured_at: t("2026-01-01T18:00:00Z"),
            occurred_at: t("2026-01-01T18:00:00Z"),
            shift_id: None,
            patrol_id: None,
            location: None,
            notes: String::new(),
            change: Change::Created,
            record: Record::Shift(Shift {
                role: None,
                callsign: "A1".into(),
                team: "North".into(),
                ended_at: None,
            }),
        };
        let mut out = vec![first.clone()];
        if let Some(end) = ended {
            let mut record = first.record.clone();
            if let Record::Shift(s) = &mut record {
                s.ended_at = Some(t(end));
            }
            out.push(Revision {
                id: RevisionId::from_random_bytes(id(n, 5)),
                seq: 2,
                change: Change::Ended,
                record,
                ..first
            });
        }
        out
    }

    fn note(n: u32, shift: &Revision) -> Revision {
        Revision {
            id: RevisionId::from_random_bytes(id(n, 3)),
            entry_id: EntryId::from_random_bytes(id(n, 4)),
            shift_id: Some(shift.entry_id),
            change: Change::Created,
            seq: 1,
            record: Record::Note(Note {
                category: beatbook_core::codes::NoteKind::from_code("engagement"),
                text: "x".into(),
            }),
            ..shift.clone()
        }
    }

    fn answer(outcome: OutcomeKind, message: Option<&str>) -> Answer {
        Answer {
            index: 0,
            outcome,
            received_at: None,
            message: message.map(str::to_owned),
            retry: false,
        }
    }

    fn acked(revs: &[Revision]) -> Answers {
        revs.iter()
            .map(|r| (r.id, answer(OutcomeKind::Stored, None)))
            .collect()
    }

    const NOW: &str = "2026-01-20T00:00:00Z";

    fn week() -> Duration {
        Duration::days(RETENTION_DAYS)
    }

    #[test]
    fn a_synced_shift_ended_over_a_week_ago_leaves_whole() {
        let s = shift(1, Some("2026-01-02T02:00:00Z"));
        let n = note(1, &s[0]);
        let all = [s.clone(), vec![n.clone()]].concat();
        let log = Log::from_revisions(all.clone());
        let mut out = retention(&log, &acked(&all), &[], t(NOW), week());
        out.sort_unstable_by_key(|i| i.as_u128());
        let mut want: Vec<_> = all.iter().map(|r| r.id).collect();
        want.sort_unstable_by_key(|i| i.as_u128());
        assert_eq!(out, want);
    }

    #[test]
    fn retention_keeps_recent_open_sent_back_and_unsynced_shifts() {
        let recent = shift(1, Some("2026-01-15T02:00:00Z"));
        let open = shift(2, None);
        let sent_back = shift(3, Some("2026-01-02T02:00:00Z"));
        let unsynced = shift(4, Some("2026-01-02T02:00:00Z"));
        let pending_note = note(4, &unsynced[0]);
        let refused = shift(5, Some("2026-01-02T02:00:00Z"));
        let all = [
            recent.clone(),
            open.clone(),
            sent_back.clone(),
            unsynced.clone(),
            vec![pending_note.clone()],
            refused.clone(),
        ]
        .concat();
        let mut answers = acked(&all);
        answers.remove(&pending_note.id);
        answers.insert(
            refused[1].id,
            answer(OutcomeKind::Rejected, Some("invalid: something")),
        );
        let log = Log::from_revisions(all);
        let out = retention(&log, &answers, &[sent_back[0].entry_id], t(NOW), week());
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn a_clock_refusal_is_sent_again_and_never_counts_as_synced() {
        let s = shift(1, None);
        let log = Log::from_revisions(s.clone());
        let mut answers = Answers::new();
        answers.insert(
            s[0].id,
            answer(
                OutcomeKind::Rejected,
                Some("invalid: occurred_at: That time is too far in the future"),
            ),
        );
        assert_eq!(waiting_count(&log, &answers), 1);
        assert_eq!(clock_held_count(&log, &answers), 1);
        assert_eq!(attention_count(&log, &answers), 0);
        assert_eq!(sync_mark(&log, &answers, s[0].entry_id), SyncMark::Pending);
        answers.insert(
            s[0].id,
            answer(OutcomeKind::Rejected, Some("invalid: callsign: required")),
        );
        assert_eq!(waiting_count(&log, &answers), 0);
        assert_eq!(attention_count(&log, &answers), 1);
        assert_eq!(
            sync_mark(&log, &answers, s[0].entry_id),
            SyncMark::Attention
        );
    }

    #[test]
    fn sign_out_is_held_by_anything_the_server_does_not_hold() {
        let s = shift(1, Some("2026-01-02T02:00:00Z"));
        let ids: Vec<_> = s.iter().map(|r| r.id).collect();
        assert_eq!(Held::count(&ids, &acked(&s), 0, 0).refusal(), None);
        let mut answers = acked(&s);
        answers.remove(&ids[1]);
        let held = Held::count(&ids, &answers, 0, 0);
        assert_eq!(held.unsynced, 1);
        assert!(held
            .refusal()
            .unwrap()
            .contains("1 change(s) have not reached"));
        let held = Held::count(&ids, &acked(&s), 2, 0);
        assert!(held.refusal().unwrap().contains("could not be read"));
        answers.insert(ids[1], answer(OutcomeKind::Conflict, None));
        assert_eq!(Held::count(&ids, &answers, 0, 0).refused, 1);
    }
}
