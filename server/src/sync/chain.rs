//! The device chain (ARCHITECTURE.md, "Device chain"): each revision names,
//! in [`Revision::prev`], the SHA-256 of the canonical bytes of the one its
//! device saved before it. The writer stores each revision's hash and the
//! link it names beside it (`revisions.hash`, `revisions.prev`) and keeps,
//! in `chain_open` (migration 0007), only what is unresolved: the ends of
//! each chain, gaps and forks, a few rows per device. This module hashes,
//! does that bookkeeping for a batch ([`apply`], plain Rust), and turns the
//! open rows into what a supervisor reads on a shift: entries of a phone
//! that never arrived, and two saves that claim the same predecessor (one
//! was rewritten or removed). A break is a flag, never a refusal: the
//! entries on either side are stored as always.
use beatbook_core::review::ChainBreak;
use beatbook_core::Revision;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::zone::ForceZone;

/// A chain hash as stored: the SHA-256 itself.
pub type Hash = [u8; 32];

/// The hash of a revision's canonical bytes (its stored `body`).
pub fn hash_of(body: &[u8]) -> Hash {
    Sha256::digest(body).into()
}

/// 64 lowercase hex digits, as [`Revision::prev`] carries a hash.
pub fn hex(hash: &Hash) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in hash {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A link as the revision carries it, back to the hash; `None` for text
/// that is not 64 lowercase hex digits (`Revision::check` refuses those
/// before anything is stored).
pub fn parse(text: &str) -> Option<Hash> {
    if !beatbook_core::revision::is_chain_hash(text) {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        _ => b - b'a' + 10,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = digit(pair[0]) << 4 | digit(pair[1]);
    }
    Some(out)
}

/// Links `revs` into one device's chain, in the order given (the order
/// the device saved them), after `head` (the hash of the save before the
/// first; `None`: the first names none). Returns the new head. For the
/// sample data and the seed, which make revisions as the app would.
pub fn link(revs: &mut [&mut Revision], mut head: Option<String>) -> Option<String> {
    for rev in revs.iter_mut() {
        rev.prev = head.take();
        // serde_json cannot fail on a revision; if it ever did, the chain
        // would restart at the next one, which is not a break.
        head = beatbook_core::sync::canonical_bytes(rev)
            .ok()
            .map(|bytes| hex(&hash_of(&bytes)));
    }
    head
}

/// What the chain holds about one hash of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    /// The revision with this hash (`None`: named, never arrived).
    pub node: Option<String>,
    /// Whether that revision names a predecessor itself.
    pub linked: bool,
    /// The first and a second revision naming it.
    pub next: Option<String>,
    pub fork: Option<String>,
}

impl Link {
    /// Whether `chain_open` keeps it (migration 0007): a gap, a fork, or
    /// the linked end of a chain. Everything else is closed, fully told by
    /// the revisions' own `hash` and `prev`, and not kept twice.
    pub fn is_open(&self) -> bool {
        self.node.is_none() || self.fork.is_some() || (self.next.is_none() && self.linked)
    }
}

/// One row of `chain_open`.
#[derive(Debug, Clone)]
pub struct OpenRow {
    pub device_id: String,
    pub link: Link,
}

/// A revision about to be stored, as the chain sees it.
#[derive(Debug, Clone)]
pub struct Save<'a> {
    pub device_id: &'a str,
    pub revision_id: String,
    pub hash: Hash,
    pub prev: Option<Hash>,
}

/// A device's hash: the key of `chain_open`.
pub type Key<'a> = (&'a str, Hash);

/// The keys a batch must read from `chain_open` before [`apply`]: every
/// hash it stores or names, once each.
pub fn keys<'a>(saves: &[Save<'a>]) -> Vec<Key<'a>> {
    let mut keys: Vec<Key<'a>> = saves
        .iter()
        .flat_map(|s| {
            std::iter::once((s.device_id, s.hash)).chain(s.prev.map(|p| (s.device_id, p)))
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The named hashes that neither `chain_open` (`held`) nor the batch
/// itself holds: each is either a revision stored and already named
/// (closed, so a second name is a fork) or one that never arrived (a gap).
/// Only the stored revisions can tell, so the caller looks these up there
/// (rare: a device's first link, a fork, a gap).
pub fn unresolved<'a>(saves: &[Save<'a>], held: &HashMap<Key<'a>, Link>) -> Vec<Key<'a>> {
    let made: std::collections::HashSet<Key<'a>> =
        saves.iter().map(|s| (s.device_id, s.hash)).collect();
    let mut out: Vec<Key<'a>> = saves
        .iter()
        .filter_map(|s| s.prev.map(|p| (s.device_id, p)))
        .filter(|k| !held.contains_key(k) && !made.contains(k))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What a batch changes in `chain_open`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes<'a> {
    /// Rows to write (insert or replace).
    pub put: Vec<(Key<'a>, Link)>,
    /// Rows held that are now closed.
    pub delete: Vec<Key<'a>>,
}

/// Links a batch of saves, in the order they are stored, into what the
/// chain held about their hashes: `held` has the open rows read for
/// [`keys`] and, for each [`unresolved`] hash found among the stored
/// revisions, its closed link (its node and the first revision naming
/// it). A hash arriving fills in its gap; the first revision naming a
/// hash is its `next`, a second its `fork`. Only rows that end open are
/// written; rows read from the table that end closed are deleted.
pub fn apply<'a>(
    saves: &[Save<'a>],
    mut held: HashMap<Key<'a>, Link>,
    in_table: &std::collections::HashSet<Key<'a>>,
) -> Changes<'a> {
    for save in saves {
        let own = held.entry((save.device_id, save.hash)).or_default();
        // A hash is stored once (its body holds its revision ID), so only
        // a gap can be waiting for it.
        if own.node.is_none() {
            own.node = Some(save.revision_id.clone());
            own.linked = save.prev.is_some();
        }
        if let Some(prev) = save.prev {
            let named = held.entry((save.device_id, prev)).or_default();
            if named.next.is_none() {
                named.next = Some(save.revision_id.clone());
            } else if named.fork.is_none() {
                named.fork = Some(save.revision_id.clone());
            }
        }
    }
    let mut changes = Changes::default();
    for (key, link) in held {
        if link.is_open() {
            changes.put.push((key, link));
        } else if in_table.contains(&key) {
            changes.delete.push(key);
        }
    }
    changes.put.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    changes.delete.sort_unstable();
    changes
}

/// Where and when a revision of a break was saved.
#[derive(Debug, Clone)]
pub struct Facts {
    pub device_id: String,
    pub captured_at: DateTime<Utc>,
    /// Its entry and the shift it was recorded in, to tell which shifts
    /// a break concerns.
    pub entry_id: String,
    pub shift_id: Option<String>,
}

impl Facts {
    fn in_shift(&self, shift_id: &str) -> bool {
        self.entry_id == shift_id || self.shift_id.as_deref() == Some(shift_id)
    }
}

/// The revision IDs whose facts [`breaks`] needs, besides the shift's own.
pub fn wanted(open: &[OpenRow]) -> Vec<String> {
    let mut ids: Vec<String> = open
        .iter()
        .flat_map(|r| [&r.link.node, &r.link.next, &r.link.fork])
        .flatten()
        .cloned()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The breaks that concern shift `shift_id`, earliest first. `open` holds
/// the `chain_open` rows of the devices that recorded in the shift, `facts`
/// every revision those rows name and the shift's own revisions.
///
/// A gap (a hash named, never stored) runs from the last revision of its
/// device saved before the first one after the gap (an end of the chain,
/// or a revision of this shift) to that first one; a fork from the
/// predecessor both claim to the later of the two. Either is shown on
/// each shift that holds a revision at one of its ends.
pub fn breaks(
    shift_id: &str,
    open: &[OpenRow],
    facts: &HashMap<String, Facts>,
    zone: ForceZone,
) -> Vec<ChainBreak> {
    let fact = |id: &Option<String>| id.as_ref().and_then(|id| facts.get_key_value(id));
    let mut out: Vec<(DateTime<Utc>, ChainBreak)> = Vec::new();
    for row in open {
        if row.link.node.is_none() {
            let Some((after_id, after)) = fact(&row.link.next) else {
                continue;
            };
            // The chain's ends on this device, and this shift's revisions
            // of it: the latest saved before the gap's far side.
            let ends = open
                .iter()
                .filter(|r| r.device_id == row.device_id && r.link.next.is_none() && r.link.linked)
                .filter_map(|r| fact(&r.link.node));
            let here = facts
                .iter()
                .filter(|(_, f)| f.device_id == row.device_id && f.in_shift(shift_id));
            let before = ends
                .chain(here)
                .filter(|(id, f)| *id != after_id && f.captured_at <= after.captured_at)
                .max_by(|a, b| (a.1.captured_at, a.0).cmp(&(b.1.captured_at, b.0)));
            if !after.in_shift(shift_id) && !before.is_some_and(|(_, f)| f.in_shift(shift_id)) {
                continue;
            }
            let message = match before {
                Some((_, b)) => format!(
                    "Entries from this phone are missing between {}",
                    between(zone, b.captured_at, after.captured_at)
                ),
                None => format!(
                    "Entries from this phone are missing before {}",
                    clock(zone, after.captured_at, false)
                ),
            };
            out.push((
                after.captured_at,
                ChainBreak {
                    kind: "missing".into(),
                    device_id: row.device_id.clone(),
                    from: before.map(|(_, f)| beatbook_core::time::format(f.captured_at)),
                    from_revision: before.map(|(id, _)| id.clone()),
                    to: beatbook_core::time::format(after.captured_at),
                    to_revision: after_id.clone(),
                    message,
                },
            ));
        }
        if row.link.fork.is_some() {
            let (Some(first), Some(second)) = (fact(&row.link.next), fact(&row.link.fork)) else {
                continue;
            };
            let before = fact(&row.link.node);
            let touches = [Some(first), Some(second), before]
                .into_iter()
                .flatten()
                .any(|(_, f)| f.in_shift(shift_id));
            if !touches {
                continue;
            }
            let later = if second.1.captured_at >= first.1.captured_at {
                second
            } else {
                first
            };
            let from = before.map_or_else(
                || first.1.captured_at.min(second.1.captured_at),
                |(_, f)| f.captured_at,
            );
            out.push((
                later.1.captured_at,
                ChainBreak {
                    kind: "fork".into(),
                    device_id: row.device_id.clone(),
                    from: Some(beatbook_core::time::format(from)),
                    from_revision: before.map(|(id, _)| id.clone()),
                    to: beatbook_core::time::format(later.1.captured_at),
                    to_revision: later.0.clone(),
                    message: format!(
                        "Entries from this phone were rewritten or removed between {}: \
                         two entries follow the same earlier one",
                        between(zone, from, later.1.captured_at)
                    ),
                },
            ));
        }
    }
    out.sort_by(|a, b| (a.0, &a.1.to_revision).cmp(&(b.0, &b.1.to_revision)));
    out.into_iter().map(|(_, b)| b).collect()
}

/// "21:14 and 21:40" in the force's time, with the dates when the two are
/// on different local days.
fn between(zone: ForceZone, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let dated = zone.date_of(from) != zone.date_of(to);
    format!(
        "{} and {}",
        clock(zone, from, dated),
        clock(zone, to, dated)
    )
}

fn clock(zone: ForceZone, t: DateTime<Utc>, dated: bool) -> String {
    let local = t.with_timezone(&zone.tz());
    if dated {
        local.format("%H:%M on %-d %b").to_string()
    } else {
        local.format("%H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashSet;

    const D: &str = "device-a";

    fn h(n: u8) -> Hash {
        [n; 32]
    }

    /// Save `n` of device D, naming save `prev`.
    fn save(n: u8, prev: Option<u8>) -> Save<'static> {
        Save {
            device_id: D,
            revision_id: format!("r{n}"),
            hash: h(n),
            prev: prev.map(h),
        }
    }

    fn link(node: Option<u8>, linked: bool, next: Option<u8>, fork: Option<u8>) -> Link {
        let id = |n: Option<u8>| n.map(|n| format!("r{n}"));
        Link {
            node: id(node),
            linked,
            next: id(next),
            fork: id(fork),
        }
    }

    /// Runs batches one after another against a table held in memory, the
    /// way the writer does against `chain_open`, with `stored` standing in
    /// for the revisions' own hash and prev columns.
    fn run(batches: &[Vec<Save<'static>>]) -> HashMap<Key<'static>, Link> {
        let mut table: HashMap<Key<'static>, Link> = HashMap::new();
        let mut stored: Vec<Save<'static>> = Vec::new();
        for batch in batches {
            let mut held: HashMap<Key<'static>, Link> = keys(batch)
                .into_iter()
                .filter_map(|k| table.get(&k).map(|l| (k, l.clone())))
                .collect();
            let in_table: HashSet<Key<'static>> = held.keys().copied().collect();
            for key in unresolved(batch, &held) {
                if let Some(s) = stored.iter().find(|s| (s.device_id, s.hash) == key) {
                    let namer = stored.iter().find(|n| n.prev == Some(key.1));
                    held.insert(
                        key,
                        Link {
                            node: Some(s.revision_id.clone()),
                            linked: s.prev.is_some(),
                            next: namer.map(|n| n.revision_id.clone()),
                            fork: None,
                        },
                    );
                }
            }
            let changes = apply(batch, held, &in_table);
            for key in &changes.delete {
                assert!(table.remove(key).is_some(), "deleted a row never held");
            }
            table.extend(changes.put);
            stored.extend(batch.iter().cloned());
        }
        table
    }

    #[test]
    fn an_intact_chain_keeps_only_its_end_whatever_the_batches() {
        let saves: Vec<_> = (1..=6).map(|n| save(n, (n > 1).then(|| n - 1))).collect();
        for split in [vec![6], vec![1, 5], vec![3, 3], vec![1, 1, 1, 1, 1, 1]] {
            let mut batches = Vec::new();
            let mut at = 0;
            for len in split {
                batches.push(saves[at..at + len].to_vec());
                at += len;
            }
            let table = run(&batches);
            assert_eq!(table.len(), 1, "{table:?}");
            assert_eq!(table[&(D, h(6))], link(Some(6), true, None, None));
        }
    }

    #[test]
    fn a_missing_save_is_a_gap_until_it_arrives_in_any_order() {
        let s: Vec<_> = (1..=4).map(|n| save(n, (n > 1).then(|| n - 1))).collect();
        let gap = run(&[vec![s[0].clone(), s[1].clone()], vec![s[3].clone()]]);
        assert_eq!(gap[&(D, h(3))], link(None, false, Some(4), None));
        assert_eq!(gap[&(D, h(2))], link(Some(2), true, None, None));
        assert_eq!(gap.len(), 3, "{gap:?}");
        // The missing one arrives later, or the whole batch arrives reversed.
        for batches in [
            vec![
                vec![s[0].clone(), s[1].clone()],
                vec![s[3].clone()],
                vec![s[2].clone()],
            ],
            vec![s.iter().rev().cloned().collect()],
        ] {
            let healed = run(&batches);
            assert_eq!(healed.len(), 1, "{healed:?}");
            assert_eq!(healed[&(D, h(4))], link(Some(4), true, None, None));
        }
    }

    #[test]
    fn a_second_save_naming_the_same_one_is_a_fork_in_one_batch_or_later() {
        let (a, b, c) = (save(1, None), save(2, Some(1)), save(3, Some(1)));
        let together = run(&[vec![a.clone(), b.clone(), c.clone()]]);
        let later = run(&[vec![a.clone(), b.clone()], vec![c.clone()]]);
        let much_later = run(&[vec![a], vec![b], vec![save(4, Some(2))], vec![c]]);
        for table in [&together, &later, &much_later] {
            assert_eq!(table[&(D, h(1))], link(Some(1), false, Some(2), Some(3)));
        }
        assert_eq!(together.len(), 3, "{together:?}");
    }

    #[test]
    fn saves_that_name_nothing_leave_no_row() {
        let table = run(&[vec![save(1, None), save(2, None)], vec![save(3, None)]]);
        assert!(table.is_empty(), "{table:?}");
    }

    #[test]
    fn devices_are_chained_apart() {
        let mut other = save(2, Some(1));
        other.device_id = "device-b";
        let table = run(&[vec![save(1, None)], vec![other]]);
        assert_eq!(table[&("device-b", h(1))], link(None, false, Some(2), None));
        assert_eq!(table.len(), 2, "{table:?}");
    }

    #[test]
    fn hashes_read_back_from_their_hex() {
        let h = hash_of(b"abc");
        let text = hex(&h);
        assert_eq!(
            text,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(parse(&text), Some(h));
        assert_eq!(parse(&text.to_uppercase()), None);
        assert_eq!(parse(&text[1..]), None);
    }

    #[test]
    fn times_are_the_forces_local_clock() {
        let z = ForceZone::default();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            between(z, t("2026-06-01T20:14:00Z"), t("2026-06-01T20:40:00Z")),
            "21:14 and 21:40"
        );
        assert_eq!(
            between(z, t("2026-12-01T23:50:00Z"), t("2026-12-02T00:10:00Z")),
            "23:50 on 1 Dec and 00:10 on 2 Dec"
        );
    }
}
