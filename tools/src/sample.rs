//! Valid sample revisions, as one device would make them over a shift: the
//! shift, a patrol, entries of every kind (some corrected), then the patrol
//! and the shift ended. Deterministic from a seed. Used by the load
//! generator, the insert-ceiling benchmark and the tests. The contents are
//! invented and name no one.
use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::{Change, EntryId, Location, Record, Revision, RevisionId};
use chrono::{DateTime, Duration, Utc};

/// SplitMix64: small, fast, good enough for IDs in tests and load runs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in [0, n); 0 when n is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn bytes16(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        out[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        out
    }
}

/// One simulated device (one officer's phone).
#[derive(Debug, Clone)]
pub struct Device {
    rng: Rng,
    officer_id: String,
    start: DateTime<Utc>,
    /// Whether revisions carry the device chain ([`Device::chained`]), and
    /// the hash of the last one made.
    chained: bool,
    head: Option<String>,
}

/// Kinds of entry made during a patrol, in rotation.
const ENTRY_KINDS: [RecordKind; 6] = [
    RecordKind::Note,
    RecordKind::StopSearch,
    RecordKind::AsbIntervention,
    RecordKind::StopAccount,
    RecordKind::Arrest,
    RecordKind::IjReferral,
];

impl Device {
    /// `now` bounds the times: everything happens in the 12 hours before it.
    pub fn new(seed: u64, officer_id: &str, now: DateTime<Utc>) -> Self {
        Self {
            rng: Rng::new(seed),
            officer_id: officer_id.to_owned(),
            start: now - Duration::hours(12),
            chained: false,
            head: None,
        }
    }

    /// Revisions made from now on carry the device chain, as the current
    /// app's do (each names the hash of the one made before it): the load
    /// generator and the insert ceiling send these. Without it they are an
    /// older app's, with no link.
    pub fn chained(mut self) -> Self {
        self.chained = true;
        self
    }

    pub fn officer_id(&self) -> &str {
        &self.officer_id
    }

    /// Exactly `n` valid revisions: shift, patrol, entries (every tenth a
    /// correction of the one before), then patrol and shift ended; linked
    /// in that order (the order they were saved) when [`Device::chained`].
    pub fn revisions(&mut self, n: usize) -> Vec<Revision> {
        let mut out = self.unlinked(n);
        if self.chained {
            let mut order: Vec<&mut Revision> = out.iter_mut().collect();
            self.head = beatbook_server::sync::chain::link(&mut order, self.head.take());
        }
        out
    }

    fn unlinked(&mut self, n: usize) -> Vec<Revision> {
        let mut out = Vec::with_capacity(n);
        if n == 0 {
            return out;
        }
        // Spread the revisions over 11 hours, whatever n is.
        let step_ms = (11 * 3600 * 1000 / (n as i64 + 1)).max(1);
        let start = self.start;
        let at = |i: usize| -> DateTime<Utc> { start + Duration::milliseconds(step_ms * i as i64) };
        let shift = self.new_entry_id();
        let shift_rec = Record::Shift(Shift {
            role: Some(PatrollerRole::Police),
            callsign: "Bravo 1-2".into(),
            team: "Hotspot team A".into(),
            ended_at: None,
        });
        let shift_created = self.created(shift, shift_rec.clone(), at(0), None, None);
        out.push(shift_created.clone());
        if n == 1 {
            return out;
        }
        let patrol = self.new_entry_id();
        let patrol_rec = Record::Patrol(Patrol {
            area: "Market Square".into(),
            mode: Some(PatrolMode::Foot),
            ended_at: None,
            hotspot: None,
        });
        let patrol_created = self.created(patrol, patrol_rec.clone(), at(1), Some(shift), None);
        out.push(patrol_created.clone());
        let ends = if n >= 6 { 2 } else { 0 };
        let middle = n - 2 - ends;
        for i in 0..middle {
            let t = at(2 + i);
            let correct = i % 10 == 9
                && out
                    .last()
                    .is_some_and(|r| r.seq == 1 && r.kind() != RecordKind::Patrol);
            let rev = match (correct, out.last()) {
                (true, Some(prev)) => {
                    let mut rev = prev.clone();
                    rev.id = self.new_revision_id();
                    rev.seq = 2;
                    rev.captured_at = t;
                    rev.notes = "Added detail after talking to the team".into();
                    rev.change = Change::Corrected {
                        reason: "Detail missed at the time".into(),
                    };
                    rev
                }
                _ => {
                    let kind = ENTRY_KINDS[i % ENTRY_KINDS.len()];
                    let entry = self.new_entry_id();
                    let record = entry_record(kind, t);
                    self.created(entry, record, t, Some(shift), Some(patrol))
                }
            };
            out.push(rev);
        }
        if ends == 2 {
            let end = at(n - 1);
            let mut ended_patrol = patrol_rec;
            if let Record::Patrol(p) = &mut ended_patrol {
                p.ended_at = Some(end);
            }
            out.push(self.ended(&patrol_created, ended_patrol, end));
            let mut ended_shift = shift_rec;
            if let Record::Shift(s) = &mut ended_shift {
                s.ended_at = Some(end);
            }
            out.push(self.ended(&shift_created, ended_shift, end));
        }
        out
    }

    fn new_entry_id(&mut self) -> EntryId {
        EntryId::from_random_bytes(self.rng.bytes16())
    }

    fn new_revision_id(&mut self) -> RevisionId {
        RevisionId::from_random_bytes(self.rng.bytes16())
    }

    fn location(&mut self) -> Location {
        Location {
            lat: 51.5 + self.rng.unit() / 100.0,
            lon: -0.12 + self.rng.unit() / 100.0,
            accuracy_m: 5.0 + (self.rng.below(30) as f64),
        }
    }

    fn created(
        &mut self,
        entry: EntryId,
        record: Record,
        at: DateTime<Utc>,
        shift: Option<EntryId>,
        patrol: Option<EntryId>,
    ) -> Revision {
        Revision {
            clock_offset_ms: None,
            prev: None,
            id: self.new_revision_id(),
            entry_id: entry,
            seq: 1,
            officer_id: self.officer_id.clone(),
            captured_at: at + Duration::seconds(5),
            occurred_at: at,
            shift_id: shift,
            patrol_id: patrol,
            location: Some(self.location()),
            notes: String::new(),
            change: Change::Created,
            record,
        }
    }

    /// The end of `created`: only `ended_at` changes (the history rule).
    fn ended(&mut self, created: &Revision, record: Record, end: DateTime<Utc>) -> Revision {
        Revision {
            id: self.new_revision_id(),
            seq: 2,
            captured_at: end,
            change: Change::Ended,
            record,
            ..created.clone()
        }
    }
}

fn entry_record(kind: RecordKind, at: DateTime<Utc>) -> Record {
    match kind {
        RecordKind::StopSearch => Record::StopSearch(StopSearch {
            self_defined_ethnicity: Some(Ethnicity::NotStated),
            officer_perceived_ethnicity: Some(Ethnicity::W1),
            place_detained: "High Street by the bus stop".into(),
            object: Some(SearchObject::Drugs),
            power: Some(SearchPower::MisuseOfDrugs23),
            grounds: "Strong smell of cannabis and a hand kept in a pocket".into(),
            outcome: Some(SearchOutcome::NoFurtherAction),
            outcome_linked_to_object: Some(false),
            injury_or_damage: Some(false),
            ..StopSearch::default()
        }),
        RecordKind::StopAccount => Record::StopAccount(StopAccount {
            place: "Car park behind the library".into(),
            account_for: "Presence near parked cars late at night".into(),
            outcome: "Gave a reasonable account".into(),
            ..StopAccount::default()
        }),
        RecordKind::Arrest => Record::Arrest(Arrest {
            offence: "Theft from a shop".into(),
            place: "Market Square".into(),
            grounds: "Seen leaving without paying, goods in bag".into(),
            necessity: vec![NecessityCriterion::PromptInvestigation],
            necessity_reasons: [(
                NecessityCriterion::PromptInvestigation,
                "Goods to be recovered and CCTV seized".to_owned(),
            )]
            .into(),
            caution_at: Some(at),
            custody_suite: "Central custody".into(),
            ..Arrest::default()
        }),
        RecordKind::AsbIntervention => Record::AsbIntervention(AsbIntervention {
            power: Some(AsbPower::InformalWarning),
            persons: Some(2),
            place: "Park by the play area".into(),
            behaviour: "Shouting at passers-by".into(),
            ..AsbIntervention::default()
        }),
        RecordKind::IjReferral => Record::IjReferral(IjReferral {
            person: "Referral ref IJ-0001".into(),
            disposal: Some(IjDisposal::CommunityResolution),
            referral_date: Some(at.date_naive()),
            victim_consulted: Some(true),
            hours_ordered: Some(10),
            ..IjReferral::default()
        }),
        _ => Record::Note(Note {
            category: Some(NoteKind::Engagement),
            text: "Spoke with shop owners about evening disorder".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_sample_revision_is_valid_and_unique() {
        let now = Utc::now();
        for n in [1, 2, 5, 6, 7, 30, 250] {
            let revs = Device::new(n as u64, "officer-9", now).revisions(n);
            assert_eq!(revs.len(), n);
            for rev in &revs {
                assert_eq!(rev.check(now), Ok(()), "{rev:?}");
            }
            let ids: HashSet<_> = revs.iter().map(|r| r.id).collect();
            assert_eq!(ids.len(), n);
            let slots: HashSet<_> = revs.iter().map(|r| (r.entry_id, r.seq)).collect();
            assert_eq!(slots.len(), n);
            let (_, orphans) = beatbook_core::History::group(revs);
            assert!(orphans.is_empty(), "{orphans:?}");
        }
    }

    #[test]
    fn same_seed_same_revisions() {
        let now = Utc::now();
        let a = Device::new(7, "o", now).revisions(20);
        let b = Device::new(7, "o", now).revisions(20);
        assert_eq!(a, b);
    }
}
