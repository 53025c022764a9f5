//! Decoders written by hand, with the rules of serde's derive, for what the
//! officer app reads most: records, revisions, changes, and (through
//! [`crate::decode_struct!`]) the plain structs of core and the app.
//!
//! `#[derive(Deserialize)]` on a struct writes two visitors (a JSON object
//! and a JSON array) that keep every field in its own local until the end,
//! so each early error return drops all the fields read so far; on the
//! record types that was the largest single function of the app's download,
//! and an internally tagged enum (`Change`) pulled in serde's buffering
//! decoder. Here one map visitor serves every record kind: it starts from
//! the kind's empty record and fills each field in place as it comes
//! (`record_wire_fields!` lists the fields, in `record.rs`), and the key
//! lookup and the duplicate check are shared by all.
//!
//! Same as the derive (with `#[serde(default)]` on the record structs): a
//! missing field keeps its default or is an error if required, an unknown
//! field is skipped, a repeated field is an error (`duplicate field`), a
//! value of the wrong type is an error. Not kept: reading a struct from a
//! JSON array, which nothing writes. Encoding stays derived (its bytes are
//! what the server compares). `core/tests/decoders.rs` holds these decoders
//! against a serde-derived twin on random revisions and on JSON made from
//! them with fields missing, repeated, unknown, retyped and null.
use crate::record::{Record, RecordKind};
use crate::revision::{Change, Revision};
use crate::time::Time;
/// For [`crate::decode_struct!`], which the app uses too.
pub use serde::de;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, VariantAccess, Visitor};
use std::fmt;

/// Reads one map key as the index of a known field (`None`: unknown).
struct FieldKey(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldKey {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|field| *field == key))
    }
}

/// Reads every entry of a map: `set(index, map)` reads the value of the
/// known field `fields[index]`; unknown fields are skipped; a field given
/// twice is an error. At most 64 fields.
pub fn read_fields<'de, A: MapAccess<'de>>(
    map: &mut A,
    fields: &'static [&'static str],
    mut set: impl FnMut(usize, &mut A) -> Result<(), A::Error>,
) -> Result<(), A::Error> {
    let mut seen = 0u64;
    while let Some(key) = map.next_key_seed(FieldKey(fields))? {
        let Some(index) = key else {
            map.next_value::<IgnoredAny>()?;
            continue;
        };
        let bit = 1u64 << (index % 64);
        if seen & bit != 0 {
            let name = fields.get(index).copied().unwrap_or_default();
            return Err(de::Error::duplicate_field(name));
        }
        seen |= bit;
        set(index, map)?;
    }
    Ok(())
}

/// Reads a map value. Not inlined, so each type's decoding is written once
/// and every field of that type calls it (most record fields are strings).
#[inline(never)]
pub fn next_value<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<T, A::Error> {
    map.next_value()
}

/// `impl Deserialize` for a plain struct, as `#[derive(Deserialize)]` reads
/// it from a JSON object, at a fraction of the derive's size (see above):
///
/// ```ignore
/// beatbook_core::decode_struct!(Session {
///     token,                       // required: missing is an error
///     expires_at as Time,          // read through a `Deserialize` newtype
///     user = default,              // missing: `Default::default()`
/// });
/// ```
///
/// Every field must be listed (the struct literal it builds does not compile
/// otherwise). Unlike the derive, an `Option` field is required unless it
/// says `= default`. Unknown fields are skipped; a repeated one is an error.
#[macro_export]
macro_rules! decode_struct {
    ($ty:ident { $($field:ident $(as $via:ty)? $(= $default:ident)?),+ $(,)? }) => {
        impl<'de> $crate::wire::de::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::wire::de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$(stringify!($field)),+];
                struct StructVisitor;
                impl<'de> $crate::wire::de::Visitor<'de> for StructVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($ty)))
                    }

                    fn visit_map<A: $crate::wire::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        $(let mut $field = None;)+
                        $crate::wire::read_fields(&mut map, FIELDS, |index, map| {
                            // Each field's position in FIELDS; the compiler
                            // folds these tests into one jump table.
                            let mut position = 0usize;
                            $(
                                if index == position {
                                    $field = Some($crate::decode_struct!(@value map $(, $via)?));
                                }
                                position += 1;
                            )+
                            let _ = position;
                            Ok(())
                        })?;
                        Ok($ty {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::decode_struct!(@missing $field $($default)?),
                            },)+
                        })
                    }
                }
                d.deserialize_struct(stringify!($ty), FIELDS, StructVisitor)
            }
        }
    };
    (@value $map:ident) => {
        $crate::wire::next_value($map)?
    };
    (@value $map:ident, $via:ty) => {
        $crate::wire::next_value::<$via, A>($map)?.0
    };
    (@missing $field:ident default) => {
        Default::default()
    };
    (@missing $field:ident) => {
        return Err($crate::wire::de::Error::missing_field(stringify!($field)))
    };
}

/// Reads a map value into `place`, dropping what was there. Not inlined, so
/// the read, the drop and the store are written once per type, and each
/// record field costs one call.
#[inline(never)]
pub fn read_into<'de, T: de::Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
    place: &mut T,
) -> Result<(), A::Error> {
    *place = map.next_value()?;
    Ok(())
}

/// A record on the wire: `{"<kind>": {fields}}` (serde's external tagging).
impl<'de> de::Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const KINDS: &[&str] = &[
            "shift",
            "patrol",
            "stop_search",
            "stop_account",
            "arrest",
            "asb_intervention",
            "ij_referral",
            "note",
        ];
        d.deserialize_enum("Record", KINDS, RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("enum Record")
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Record, A::Error> {
        let (kind, fields) = data.variant::<RecordKind>()?;
        fields.newtype_variant_seed(RecordFields(kind))
    }
}

/// The object of one record kind's fields. One visitor for every kind, so
/// the JSON reader's struct handling is written once, not once per kind.
struct RecordFields(RecordKind);

impl<'de> DeserializeSeed<'de> for RecordFields {
    type Value = Record;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_struct(self.0.code(), Record::wire_fields(self.0), self)
    }
}

impl<'de> Visitor<'de> for RecordFields {
    type Value = Record;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the fields of a {} record", self.0.code())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut record = Record::empty(self.0);
        read_fields(&mut map, Record::wire_fields(self.0), |index, map| {
            record.read_wire_field(index, map)
        })?;
        Ok(record)
    }
}

/// A revision, read as `#[derive(Deserialize)]` would with `#[serde(default)]`
/// on `shift_id`, `patrol_id`, `location`, `notes` and `clock_offset_ms`: every other field is
/// required (the first missing one is reported).
impl<'de> de::Deserialize<'de> for Revision {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Revision", REVISION_FIELDS, RevisionVisitor)
    }
}

const REVISION_FIELDS: &[&str] = &[
    "id",
    "entry_id",
    "seq",
    "officer_id",
    "captured_at",
    "occurred_at",
    "shift_id",
    "patrol_id",
    "location",
    "notes",
    "change",
    "record",
    "clock_offset_ms",
];

struct RevisionVisitor;

impl<'de> Visitor<'de> for RevisionVisitor {
    type Value = Revision;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct Revision")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Revision, A::Error> {
        let (mut id, mut entry_id, mut seq, mut officer_id) = (None, None, None, None);
        let (mut captured_at, mut occurred_at, mut change, mut record) = (None, None, None, None);
        let (mut shift_id, mut patrol_id, mut location, mut notes) = (None, None, None, None);
        let mut clock_offset_ms = None;
        read_fields(&mut map, REVISION_FIELDS, |index, map| {
            match index {
                0 => id = Some(next_value(map)?),
                1 => entry_id = Some(next_value(map)?),
                2 => seq = Some(next_value(map)?),
                3 => officer_id = Some(next_value(map)?),
                4 => captured_at = Some(next_value::<Time, A>(map)?.0),
                5 => occurred_at = Some(next_value::<Time, A>(map)?.0),
                6 => shift_id = next_value(map)?,
                7 => patrol_id = next_value(map)?,
                8 => location = next_value(map)?,
                9 => notes = Some(next_value(map)?),
                10 => change = Some(next_value(map)?),
                11 => record = Some(next_value(map)?),
                _ => clock_offset_ms = next_value(map)?,
            }
            Ok(())
        })?;
        let missing = de::Error::missing_field;
        Ok(Revision {
            id: id.ok_or_else(|| missing("id"))?,
            entry_id: entry_id.ok_or_else(|| missing("entry_id"))?,
            seq: seq.ok_or_else(|| missing("seq"))?,
            officer_id: officer_id.ok_or_else(|| missing("officer_id"))?,
            captured_at: captured_at.ok_or_else(|| missing("captured_at"))?,
            occurred_at: occurred_at.ok_or_else(|| missing("occurred_at"))?,
            shift_id,
            patrol_id,
            location,
            notes: notes.unwrap_or_default(),
            change: change.ok_or_else(|| missing("change"))?,
            record: record.ok_or_else(|| missing("record"))?,
            clock_offset_ms,
        })
    }
}

/// A change: `{"type": ..}`, plus `"reason"` for a correction. As serde's
/// internal tagging reads it, but without buffering the object first (the
/// buffering code was the only user of serde's `Content` in the app): the
/// tag may come before or after the reason; other fields are skipped.
/// Stricter on purpose in one way: `type` and `reason` are the change's two
/// fields whatever its type, so a repeated or non-text `reason` is refused
/// on a creation or an end too, where the derive would skip it (an evidence
/// record never carries two readings of a field).
impl<'de> de::Deserialize<'de> for Change {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ChangeVisitor)
    }
}

struct ChangeVisitor;

impl<'de> Visitor<'de> for ChangeVisitor {
    type Value = Change;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a change with its type")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Change, A::Error> {
        const TYPES: &[&str] = &["created", "ended", "corrected"];
        let mut change_type: Option<String> = None;
        let mut reason: Option<String> = None;
        read_fields(&mut map, &["type", "reason"], |index, map| {
            match index {
                0 => change_type = Some(next_value(map)?),
                _ => reason = Some(next_value(map)?),
            }
            Ok(())
        })?;
        match change_type.as_deref() {
            Some("created") => Ok(Change::Created),
            Some("ended") => Ok(Change::Ended),
            Some("corrected") => match reason {
                Some(reason) => Ok(Change::Corrected { reason }),
                None => Err(de::Error::missing_field("reason")),
            },
            Some(other) => Err(de::Error::unknown_variant(other, TYPES)),
            None => Err(de::Error::missing_field("type")),
        }
    }
}

/// Writes `Record::wire_fields` (each kind's field names, as on the wire)
/// and `Record::read_wire_field` (reads the value of one of them into the
/// record). `field: Via` reads the field through `Via` (a `Deserialize`
/// newtype, for fields serialized `with` a module) and stores `Via.0`.
/// Keep each list in the struct's field order and complete: a field left
/// out would be skipped as unknown (the round-trip tests catch that).
macro_rules! record_wire_fields {
    ($($kind:ident { $($field:ident $(: $via:ty)?),+ $(,)? })+) => {
        impl $crate::record::Record {
            pub(crate) fn wire_fields(
                kind: $crate::record::RecordKind,
            ) -> &'static [&'static str] {
                match kind {
                    $($crate::record::RecordKind::$kind => &[$(stringify!($field)),+],)+
                }
            }

            pub(crate) fn read_wire_field<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match self {
                    $($crate::record::Record::$kind(record) => {
                        // The position of each field in its list; the
                        // compiler folds these tests into one jump table.
                        let mut position = 0usize;
                        $(
                            if index == position {
                                $crate::wire::record_wire_fields!(@read map, record.$field $(, $via)?);
                            }
                            position += 1;
                        )+
                        let _ = position;
                    })+
                }
                Ok(())
            }
        }
    };
    (@read $map:ident, $place:expr) => {
        $crate::wire::read_into($map, &mut $place)?
    };
    (@read $map:ident, $place:expr, $via:ty) => {
        $place = $crate::wire::next_value::<$via, A>($map)?.0
    };
}
pub(crate) use record_wire_fields;

#[cfg(test)]
mod tests {
    use crate::record::{Arrest, Record, RecordKind, Shift};
    use crate::revision::{Change, Revision};
    use crate::EntryId;

    #[test]
    fn every_kind_lists_exactly_the_fields_it_writes() {
        for kind in RecordKind::ALL {
            let json = serde_json::to_value(Record::empty(kind)).unwrap();
            let written: Vec<&str> = json[kind.code()]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut listed = Record::wire_fields(kind).to_vec();
            let mut written_sorted = written.clone();
            listed.sort_unstable();
            written_sorted.sort_unstable();
            assert_eq!(listed, written_sorted, "{kind:?}");
        }
    }

    #[test]
    fn revisions_need_their_required_fields_only() {
        let json = r#"{"id":"6f1c2a4e-8b1d-4c3e-9a55-0d2f6b7c8e91",
            "entry_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","seq":1,"officer_id":"PC1",
            "captured_at":"2026-01-01T00:00:00Z","occurred_at":"2026-01-01T00:00:00Z",
            "change":{"type":"created"},"record":{"note":{"text":"x"}},"later":true}"#;
        let rev: Revision = serde_json::from_str(json).unwrap();
        assert_eq!(
            (rev.shift_id, rev.patrol_id, rev.location),
            (None, None, None)
        );
        assert_eq!(rev.notes, "");
        let back: Revision = serde_json::from_str(&serde_json::to_string(&rev).unwrap()).unwrap();
        assert_eq!(back, rev);
        for field in ["id", "seq", "occurred_at", "change", "record"] {
            let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
            value.as_object_mut().unwrap().remove(field);
            let err = serde_json::from_value::<Revision>(value)
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("missing field `{field}`")), "{err}");
        }
    }

    #[test]
    fn changes_read_as_serde_internal_tagging_reads_them() {
        let read = |json: &str| serde_json::from_str::<Change>(json);
        assert_eq!(read(r#"{"type":"created"}"#).unwrap(), Change::Created);
        assert_eq!(
            read(r#"{"reason":"x","type":"ended"}"#).unwrap(),
            Change::Ended
        );
        assert_eq!(
            read(r#"{"reason":"typo","type":"corrected","by":1}"#).unwrap(),
            Change::Corrected {
                reason: "typo".into()
            }
        );
        for (json, error) in [
            (r#"{"type":"corrected"}"#, "missing field `reason`"),
            (r#"{"reason":"x"}"#, "missing field `type`"),
            (r#"{"type":"gone"}"#, "unknown variant `gone`"),
            (
                r#"{"type":"ended","type":"ended"}"#,
                "duplicate field `type`",
            ),
            (r#""created""#, "invalid type"),
        ] {
            let got = read(json).unwrap_err().to_string();
            assert!(got.contains(error), "{json}: {got}");
        }
        for change in [
            Change::Created,
            Change::Ended,
            Change::Corrected { reason: "r".into() },
        ] {
            let json = serde_json::to_string(&change).unwrap();
            assert_eq!(read(&json).unwrap(), change);
        }
    }

    #[test]
    fn missing_fields_keep_their_defaults_and_unknown_ones_are_skipped() {
        let record: Record =
            serde_json::from_str(r#"{"shift":{"callsign":"Alpha 1","later":{"x":[1,2]}}}"#)
                .unwrap();
        assert_eq!(
            record,
            Record::Shift(Shift {
                callsign: "Alpha 1".into(),
                ..Shift::default()
            })
        );
    }

    #[test]
    fn a_repeated_field_is_refused() {
        let err = serde_json::from_str::<Record>(r#"{"shift":{"team":"A","team":"B"}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate field `team`"), "{err}");
    }

    #[test]
    fn wrong_types_are_refused_and_null_options_are_none() {
        assert!(serde_json::from_str::<Record>(r#"{"shift":{"team":null}}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"shift":{"role":"nope"}}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"shift":{"ended_at":"noon"}}"#).is_err());
        assert!(serde_json::from_str::<Record>(r#"{"shift":[]}"#).is_err());
        let record: Record = serde_json::from_str(
            r#"{"arrest":{"caution_at":null,"linked_stop":null,"necessity":["investigation"]}}"#,
        )
        .unwrap();
        let Record::Arrest(arrest) = record else {
            panic!("not an arrest")
        };
        assert_eq!(arrest.caution_at, None);
        assert_eq!(arrest.linked_stop, None::<EntryId>);
        assert_eq!(arrest.necessity.len(), 1);
        assert_eq!(
            Arrest {
                necessity: vec![],
                ..arrest
            },
            Arrest::default()
        );
    }
}
