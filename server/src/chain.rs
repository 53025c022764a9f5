//! The device chain (ARCHITECTURE.md, "Device chain"): each revision names,
//! in [`Revision::prev`], the SHA-256 of the canonical bytes of the one its
//! device saved before it. The writer stores every revision's hash and the
//! link it makes (`chain` table, migration 0005); this module hashes, and
//! turns the breaks the table holds into what a supervisor reads on a
//! shift: entries of a phone that never arrived, and two saves that claim
//! the same predecessor (one was rewritten or removed). A break is a flag,
//! never a refusal: the entries on either side are stored as always.
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

/// One row of `chain_open` (migration 0005).
#[derive(Debug, Clone)]
pub struct OpenRow {
    pub device_id: String,
    /// The revision with this hash (`None`: named, never arrived).
    pub node: Option<String>,
    pub linked: bool,
    /// The first and a second revision naming it.
    pub next: Option<String>,
    pub fork: Option<String>,
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
        .flat_map(|r| [&r.node, &r.next, &r.fork])
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
        if row.node.is_none() {
            let Some((after_id, after)) = fact(&row.next) else {
                continue;
            };
            // The chain's ends on this device, and this shift's revisions
            // of it: the latest saved before the gap's far side.
            let ends = open
                .iter()
                .filter(|r| r.device_id == row.device_id && r.next.is_none() && r.linked)
                .filter_map(|r| fact(&r.node));
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
        if row.fork.is_some() {
            let (Some(first), Some(second)) = (fact(&row.next), fact(&row.fork)) else {
                continue;
            };
            let before = fact(&row.node);
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
