//! The hand-written decoders (`beatbook_core::wire`: `Revision`, `Change`,
//! `Record` and every record's fields) against serde's derive.
//!
//! `twin` below mirrors each of those types with `#[derive(Deserialize)]`
//! and the serde attributes the real type has (or would need to be
//! derived), plus a conversion into the real type. The properties: a
//! random revision of every kind and change type reads back as itself
//! through both; and any JSON object made from one by removing, repeating,
//! adding, retyping or nulling fields (any number of times, at any depth)
//! is accepted by both with the same value, or refused by both.
//!
//! Where the decoders mean to differ from the plain derive, the twin says
//! so with an attribute or a wrapper, and the difference is pinned by a
//! unit test at the end:
//! - A repeated field is refused (`duplicate field`), never last-wins: an
//!   evidence record must not carry two readings of one field. The derive
//!   refuses it in a struct too, but `#[serde(tag = "type")]` on `Change`
//!   skips every field of a creation or an end, so it would take
//!   `{"type":"created","reason":"a","reason":"b"}`. The decoder reads
//!   `type` and `reason` as the change's two fields whatever the type, so
//!   it refuses a repeated `reason` and a `reason` that is not text; the
//!   twin is the derive of exactly that ([`twin::Change`]).
//! - An unknown field is skipped, as the derive skips it (no
//!   `deny_unknown_fields`): a cached older app must still read revisions
//!   a newer server sends it, and the server stores only the canonical
//!   bytes of what it read (`core::sync::canonical_bytes`), so a field it
//!   does not know is never half-kept. Unknown fields are skipped however
//!   often they appear: nothing reads them, so nothing can be last-wins.
//! - A struct is read from a JSON object only. The derive also reads one
//!   from an array (fields by position; a short array fills the rest with
//!   defaults), which nothing writes and which would let `{"note": []}`
//!   through as an empty note. The twin wraps each such struct in
//!   [`twin::Object`]. `Location` keeps the derive (it is derived in core
//!   too), array form included, so both read it alike.
// Test code: unwrap and expect say where an assumption broke.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use beatbook_core::codes::*;
use beatbook_core::record::*;
use beatbook_core::wire::Tagged;
use beatbook_core::{Change, EntryId, Location, Record, RecordKind, Revision, RevisionId};
use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

/// The derived twins. Each struct keeps the real one's field names, types
/// and serde attributes (`default` on the record structs, `with` for the
/// times), so a field added to a real type and not here fails to compile
/// in the conversions below.
mod twin {
    use beatbook_core::codes::*;
    use beatbook_core::time::{date_opt, rfc3339, rfc3339_opt};
    use beatbook_core::{record, EntryId, Location, RevisionId};
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::de::value::MapAccessDeserializer;
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde::{Deserialize, Serialize};
    use std::fmt;
    use std::marker::PhantomData;

    /// `T` read from a JSON object only (the derive would take an array
    /// too): the decoders' rule, as a wrapper the derive can use.
    pub struct Object<T>(pub T);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct ObjectVisitor<T>(PhantomData<T>);
            impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
                type Value = T;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                    T::deserialize(MapAccessDeserializer::new(map))
                }
            }
            d.deserialize_map(ObjectVisitor(PhantomData)).map(Object)
        }
    }

    #[derive(Deserialize)]
    pub struct Revision {
        pub id: RevisionId,
        pub entry_id: EntryId,
        pub seq: u32,
        pub officer_id: String,
        #[serde(with = "rfc3339")]
        pub captured_at: DateTime<Utc>,
        #[serde(with = "rfc3339")]
        pub occurred_at: DateTime<Utc>,
        #[serde(default)]
        pub shift_id: Option<EntryId>,
        #[serde(default)]
        pub patrol_id: Option<EntryId>,
        #[serde(default)]
        pub location: Option<Location>,
        #[serde(default)]
        pub notes: String,
        pub change: Object<Change>,
        pub record: Record,
        #[serde(default)]
        pub clock_offset_ms: Option<i64>,
        #[serde(default)]
        pub prev: Option<String>,
    }

    /// A change as two fields, `type` and `reason`, for every type (see
    /// the file's comment); a correction needs its reason.
    #[derive(Deserialize)]
    pub struct Change {
        #[serde(rename = "type")]
        pub change_type: ChangeType,
        #[serde(default, deserialize_with = "text")]
        pub reason: Option<String>,
    }

    /// `reason`, when given, is text (`null` is not).
    fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        String::deserialize(d).map(Some)
    }

    #[derive(Deserialize)]
    #[serde(variant_identifier, rename_all = "snake_case")]
    pub enum ChangeType {
        Created,
        Ended,
        Corrected,
        Withdrawn,
    }

    /// `Change` exactly as its attributes would derive it, for the unit
    /// test that pins the one place the decoder is stricter.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum TaggedChange {
        Created,
        Ended,
        Corrected { reason: String },
        Withdrawn { reason: String },
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Record {
        Shift(Object<Shift>),
        Patrol(Object<Patrol>),
        StopSearch(Object<StopSearch>),
        StopAccount(Object<StopAccount>),
        Arrest(Object<Arrest>),
        AsbIntervention(Object<AsbIntervention>),
        IjReferral(Object<IjReferral>),
        Note(Object<Note>),
    }

    impl From<Record> for record::Record {
        fn from(r: Record) -> Self {
            match r {
                Record::Shift(Object(s)) => Self::Shift(s.into()),
                Record::Patrol(Object(p)) => Self::Patrol(p.into()),
                Record::StopSearch(Object(s)) => Self::StopSearch(s.into()),
                Record::StopAccount(Object(s)) => Self::StopAccount(s.into()),
                Record::Arrest(Object(a)) => Self::Arrest(a.into()),
                Record::AsbIntervention(Object(a)) => Self::AsbIntervention(a.into()),
                Record::IjReferral(Object(r)) => Self::IjReferral(r.into()),
                Record::Note(Object(n)) => Self::Note(n.into()),
            }
        }
    }

    /// A twin record struct (`#[serde(default)]`, as every record is) and
    /// its conversion, field by field: a real field missing here does not
    /// compile.
    macro_rules! twin_record {
        ($name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty),+ $(,)? }) => {
            #[derive(Default, Deserialize, Serialize)]
            #[serde(default)]
            pub struct $name {
                $($(#[$attr])* pub $field: $ty),+
            }

            impl From<$name> for record::$name {
                fn from(t: $name) -> Self {
                    Self { $($field: t.$field),+ }
                }
            }

            impl From<record::$name> for $name {
                fn from(r: record::$name) -> Self {
                    Self { $($field: r.$field),+ }
                }
            }
        };
    }

    twin_record!(Shift {
        role: Option<PatrollerRole>,
        callsign: String,
        team: String,
        #[serde(with = "rfc3339_opt")]
        ended_at: Option<DateTime<Utc>>,
    });

    twin_record!(Patrol {
        area: String,
        mode: Option<PatrolMode>,
        #[serde(with = "rfc3339_opt")]
        ended_at: Option<DateTime<Utc>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hotspot: Option<String>,
    });

    twin_record!(StopSearch {
        self_defined_ethnicity: Option<Ethnicity>,
        officer_perceived_ethnicity: Option<Ethnicity>,
        place_detained: String,
        place_searched: String,
        object: Option<SearchObject>,
        object_detail: String,
        power: Option<SearchPower>,
        grounds: String,
        s60_authorisation: String,
        outcome: Option<SearchOutcome>,
        outcome_linked_to_object: Option<bool>,
        injury_or_damage: Option<bool>,
        injury_details: String,
        vehicle_searched: bool,
        vehicle_registration: String,
        person_name: String,
        person_address: String,
        #[serde(with = "rfc3339_opt")]
        #[serde(skip_serializing_if = "Option::is_none")]
        authorised_from: Option<DateTime<Utc>>,
        #[serde(with = "rfc3339_opt")]
        #[serde(skip_serializing_if = "Option::is_none")]
        authorised_until: Option<DateTime<Utc>>,
    });

    twin_record!(StopAccount {
        place: String,
        account_for: String,
        self_defined_ethnicity: Option<Ethnicity>,
        outcome: String,
    });

    twin_record!(Arrest {
        offence: String,
        place: String,
        grounds: String,
        necessity: Vec<NecessityCriterion>,
        #[serde(with = "rfc3339_opt")]
        caution_at: Option<DateTime<Utc>>,
        said_on_arrest: String,
        custody_suite: String,
        linked_stop: Option<EntryId>,
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        necessity_reasons: std::collections::BTreeMap<NecessityCriterion, String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        no_custody: Option<NoCustodyReason>,
        #[serde(skip_serializing_if = "String::is_empty")]
        no_custody_details: String,
    });

    twin_record!(AsbIntervention {
        power: Option<AsbPower>,
        persons: Option<u32>,
        place: String,
        behaviour: String,
        requirements: String,
        #[serde(with = "date_opt")]
        deadline: Option<NaiveDate>,
        consequence: String,
        prior_warning_ref: String,
        person_aged_16_plus: bool,
        dispersal_area: String,
        dispersal_hours: Option<u32>,
        authorising_inspector: String,
        terms: String,
        property_surrendered: String,
        pspo_name: String,
        offence: String,
        penalty_amount: Option<u32>,
        seized: Option<SeizureKind>,
        seized_description: String,
        vehicle_registration: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        directed_persons: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        direction_change: Option<DirectionChange>,
        #[serde(skip_serializing_if = "String::is_empty")]
        direction_change_details: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        prior_warning: Option<EntryId>,
        #[serde(with = "date_opt")]
        #[serde(skip_serializing_if = "Option::is_none")]
        prior_warning_deadline: Option<NaiveDate>,
    });

    twin_record!(IjReferral {
        person: String,
        disposal: Option<IjDisposal>,
        #[serde(with = "date_opt")]
        referral_date: Option<NaiveDate>,
        victim_consulted: Option<bool>,
        hours_ordered: Option<u32>,
        #[serde(with = "date_opt")]
        reparation_started: Option<NaiveDate>,
        hours_completed: Option<u32>,
        outcome: String,
        linked_entry: Option<EntryId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<IjOutcome>,
        #[serde(with = "date_opt")]
        #[serde(skip_serializing_if = "Option::is_none")]
        completed_on: Option<NaiveDate>,
        #[serde(with = "rfc3339_opt")]
        #[serde(skip_serializing_if = "Option::is_none")]
        reparation_started_at: Option<DateTime<Utc>>,
    });

    twin_record!(Note {
        category: Option<NoteKind>,
        text: String,
    });
}

/// Reads a revision with the twin; `Err` says why not.
fn twin_read(json: &str) -> Result<Revision, String> {
    let twin::Object(t) =
        serde_json::from_str::<twin::Object<twin::Revision>>(json).map_err(|e| e.to_string())?;
    let twin::Object(change) = t.change;
    let change = match (change.change_type, change.reason) {
        (twin::ChangeType::Created, _) => Change::Created,
        (twin::ChangeType::Ended, _) => Change::Ended,
        (twin::ChangeType::Corrected, Some(reason)) => Change::Corrected { reason },
        (twin::ChangeType::Withdrawn, Some(reason)) => Change::Withdrawn { reason },
        (twin::ChangeType::Corrected | twin::ChangeType::Withdrawn, None) => {
            return Err("missing field `reason`".into())
        }
    };
    Ok(Revision {
        id: t.id,
        entry_id: t.entry_id,
        seq: t.seq,
        officer_id: t.officer_id,
        captured_at: t.captured_at,
        occurred_at: t.occurred_at,
        shift_id: t.shift_id,
        patrol_id: t.patrol_id,
        location: t.location,
        notes: t.notes,
        change,
        record: t.record.into(),
        clock_offset_ms: t.clock_offset_ms,
        prev: t.prev,
    })
}

/// Reads a revision with the hand-written decoder.
/// A record's bytes as the derived twin writes them, in the same external
/// tagging (`{"<kind>":{fields}}`).
fn twin_bytes(record: &Record) -> String {
    let fields = match record.clone() {
        Record::Shift(r) => serde_json::to_string(&twin::Shift::from(r)),
        Record::Patrol(r) => serde_json::to_string(&twin::Patrol::from(r)),
        Record::StopSearch(r) => serde_json::to_string(&twin::StopSearch::from(r)),
        Record::StopAccount(r) => serde_json::to_string(&twin::StopAccount::from(r)),
        Record::Arrest(r) => serde_json::to_string(&twin::Arrest::from(r)),
        Record::AsbIntervention(r) => serde_json::to_string(&twin::AsbIntervention::from(r)),
        Record::IjReferral(r) => serde_json::to_string(&twin::IjReferral::from(r)),
        Record::Note(r) => serde_json::to_string(&twin::Note::from(r)),
    };
    format!("{{\"{}\":{}}}", record.kind().code(), fields.unwrap())
}

fn real_read(json: &str) -> Result<Revision, String> {
    serde_json::from_str::<Revision>(json).map_err(|e| e.to_string())
}

/// Both decoders accept `json` with one value, or both refuse it; and the
/// apps' JSON reader (`beatbook_core::json`) gives the same verdict and
/// value as serde_json's.
fn same_verdict(json: &str) -> Result<Option<Revision>, TestCaseError> {
    let apps = beatbook_core::json::from_str::<Revision>(json).ok();
    prop_assert_eq!(
        &apps,
        &real_read(json).ok(),
        "apps' reader differs on {}",
        json
    );
    match (real_read(json), twin_read(json)) {
        (Ok(real), Ok(twin)) => {
            prop_assert_eq!(&real, &twin, "{}", json);
            Ok(Some(real))
        }
        (Err(_), Err(_)) => Ok(None),
        (real, twin) => Err(TestCaseError::fail(format!(
            "decoders disagree on {json}\n  hand-written: {real:?}\n  derived twin: {twin:?}"
        ))),
    }
}

// ---- random valid revisions ------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ -~]{1,16}",
        // Any printable text, escapes and non-ASCII included.
        "\\PC{1,8}",
        Just("\"quoted\"\\\n\ttab\u{e9}\u{1f46e}".to_owned()),
    ]
}

fn code<C: Code + std::fmt::Debug>() -> impl Strategy<Value = C> {
    prop::sample::select(C::ALL.to_vec())
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000 to 2100; whole seconds, milli-, micro- and nanoseconds (each of
    // the writer's fraction lengths).
    let nanos = prop_oneof![
        Just(0u32),
        (0u32..1000).prop_map(|ms| ms * 1_000_000),
        (0u32..1_000_000).prop_map(|us| us * 1000),
        0u32..1_000_000_000,
    ];
    (946_684_800i64..4_102_444_800, nanos)
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).expect("in chrono's range"))
}

fn date() -> impl Strategy<Value = NaiveDate> {
    time().prop_map(|t| t.date_naive())
}

fn entry_id() -> impl Strategy<Value = EntryId> {
    // Any 128 bits, not only version 4 UUIDs: the decoder reads any.
    any::<u128>().prop_map(|n| EntryId::parse(&format!("{n:032x}")).expect("32 hex digits"))
}

fn revision_id() -> impl Strategy<Value = RevisionId> {
    any::<u128>().prop_map(|n| RevisionId::parse(&format!("{n:032x}")).expect("32 hex digits"))
}

fn small() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![
        Just(None),
        (0u32..600).prop_map(Some),
        any::<u32>().prop_map(Some)
    ]
}

fn shift() -> impl Strategy<Value = Record> {
    (
        prop::option::of(code()),
        text(),
        text(),
        prop::option::of(time()),
    )
        .prop_map(|(role, callsign, team, ended_at)| {
            Record::Shift(Shift {
                role,
                callsign,
                team,
                ended_at,
            })
        })
}

fn patrol() -> impl Strategy<Value = Record> {
    (
        text(),
        prop::option::of(code()),
        prop::option::of(time()),
        prop::option::of(text()),
    )
        .prop_map(|(area, mode, ended_at, hotspot)| {
            Record::Patrol(Patrol {
                area,
                mode,
                ended_at,
                hotspot,
            })
        })
}

fn stop_search() -> impl Strategy<Value = Record> {
    let codes = (
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(code()),
        any::<Option<bool>>(),
        any::<Option<bool>>(),
        any::<bool>(),
    );
    let texts = prop::collection::vec(text(), 9);
    let window = (prop::option::of(time()), prop::option::of(time()));
    (codes, texts, window).prop_map(|(c, t, w)| {
        let [place_detained, place_searched, object_detail, grounds, s60_authorisation, injury_details, vehicle_registration, person_name, person_address] =
            <[String; 9]>::try_from(t).expect("nine texts");
        Record::StopSearch(StopSearch {
            self_defined_ethnicity: c.0,
            officer_perceived_ethnicity: c.1,
            place_detained,
            place_searched,
            object: c.2,
            object_detail,
            power: c.3,
            grounds,
            s60_authorisation,
            outcome: c.4,
            outcome_linked_to_object: c.5,
            injury_or_damage: c.6,
            injury_details,
            vehicle_searched: c.7,
            vehicle_registration,
            person_name,
            person_address,
            authorised_from: w.0,
            authorised_until: w.1,
        })
    })
}

fn stop_account() -> impl Strategy<Value = Record> {
    (text(), text(), prop::option::of(code()), text()).prop_map(
        |(place, account_for, self_defined_ethnicity, outcome)| {
            Record::StopAccount(StopAccount {
                place,
                account_for,
                self_defined_ethnicity,
                outcome,
            })
        },
    )
}

fn arrest() -> impl Strategy<Value = Record> {
    (
        prop::collection::vec(text(), 5),
        prop::collection::vec(code(), 0..4),
        prop::option::of(time()),
        prop::option::of(entry_id()),
        (
            prop::collection::btree_map(code(), text(), 0..3),
            prop::option::of(code()),
            text(),
        ),
    )
        .prop_map(|(t, necessity, caution_at, linked_stop, custody)| {
            let [offence, place, grounds, said_on_arrest, custody_suite] =
                <[String; 5]>::try_from(t).expect("five texts");
            Record::Arrest(Arrest {
                offence,
                place,
                grounds,
                necessity,
                caution_at,
                said_on_arrest,
                custody_suite,
                linked_stop,
                necessity_reasons: custody.0,
                no_custody: custody.1,
                no_custody_details: custody.2,
            })
        })
}

fn asb() -> impl Strategy<Value = Record> {
    let other = (
        prop::option::of(code()),
        small(),
        prop::option::of(date()),
        any::<bool>(),
        small(),
        small(),
        prop::option::of(code()),
    );
    let added = (
        text(),
        prop::option::of(code()),
        text(),
        prop::option::of(entry_id()),
        prop::option::of(date()),
    );
    (other, prop::collection::vec(text(), 13), added).prop_map(|(o, t, n)| {
        let [place, behaviour, requirements, consequence, prior_warning_ref, dispersal_area, authorising_inspector, terms, property_surrendered, pspo_name, offence, seized_description, vehicle_registration] =
            <[String; 13]>::try_from(t).expect("thirteen texts");
        Record::AsbIntervention(AsbIntervention {
            power: o.0,
            persons: o.1,
            place,
            behaviour,
            requirements,
            deadline: o.2,
            consequence,
            prior_warning_ref,
            person_aged_16_plus: o.3,
            dispersal_area,
            dispersal_hours: o.4,
            authorising_inspector,
            terms,
            property_surrendered,
            pspo_name,
            offence,
            penalty_amount: o.5,
            seized: o.6,
            seized_description,
            vehicle_registration,
            directed_persons: n.0,
            direction_change: n.1,
            direction_change_details: n.2,
            prior_warning: n.3,
            prior_warning_deadline: n.4,
        })
    })
}

fn ij() -> impl Strategy<Value = Record> {
    (
        (text(), prop::option::of(code()), prop::option::of(date())),
        (any::<Option<bool>>(), small(), prop::option::of(date())),
        (small(), text(), prop::option::of(entry_id())),
        (
            prop::option::of(code()),
            prop::option::of(date()),
            prop::option::of(time()),
        ),
    )
        .prop_map(|(a, b, c, d)| {
            Record::IjReferral(IjReferral {
                person: a.0,
                disposal: a.1,
                referral_date: a.2,
                victim_consulted: b.0,
                hours_ordered: b.1,
                reparation_started: b.2,
                hours_completed: c.0,
                outcome: c.1,
                linked_entry: c.2,
                result: d.0,
                completed_on: d.1,
                reparation_started_at: d.2,
            })
        })
}

fn note() -> impl Strategy<Value = Record> {
    (prop::option::of(code()), text())
        .prop_map(|(category, text)| Record::Note(Note { category, text }))
}

/// A record of a kind, every field random.
fn record(kind: RecordKind) -> BoxedStrategy<Record> {
    match kind {
        RecordKind::Shift => shift().boxed(),
        RecordKind::Patrol => patrol().boxed(),
        RecordKind::StopSearch => stop_search().boxed(),
        RecordKind::StopAccount => stop_account().boxed(),
        RecordKind::Arrest => arrest().boxed(),
        RecordKind::AsbIntervention => asb().boxed(),
        RecordKind::IjReferral => ij().boxed(),
        RecordKind::Note => note().boxed(),
    }
}

fn any_record() -> impl Strategy<Value = Record> {
    prop::sample::select(RecordKind::ALL.to_vec()).prop_flat_map(record)
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::Created),
        Just(Change::Ended),
        text().prop_map(|reason| Change::Corrected { reason }),
        text().prop_map(|reason| Change::Withdrawn { reason }),
    ]
}

/// Any finite number, not only plausible ones: the decoders do not judge
/// them (`Revision::check` does).
fn coordinate() -> impl Strategy<Value = f64> {
    prop_oneof![
        -180.0f64..180.0,
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
    ]
}

/// A location as the app records it ([`Location::from_fix`]).
fn location() -> impl Strategy<Value = Location> {
    (-90.0f64..90.0, -180.0f64..180.0, 0.0f64..100_000.0)
        .prop_map(|(lat, lon, accuracy_m)| Location::from_fix(lat, lon, accuracy_m))
}

/// A revision: every field random, every kind, every change type.
fn revision() -> impl Strategy<Value = Revision> {
    (
        (revision_id(), entry_id(), any::<u32>(), text()),
        (time(), time(), prop::option::of(entry_id())),
        (prop::option::of(entry_id()), prop::option::of(location())),
        (text(), change(), any_record(), any::<Option<i64>>()),
        // The device chain's link: any text (the decoders do not judge it;
        // `Revision::check` does), or a well-formed hash.
        prop_oneof![
            Just(None),
            "[0-9a-f]{64}".prop_map(Some),
            text().prop_map(Some),
        ],
    )
        .prop_map(|(a, b, c, d, prev)| Revision {
            id: a.0,
            entry_id: a.1,
            seq: a.2,
            officer_id: a.3,
            captured_at: b.0,
            occurred_at: b.1,
            shift_id: b.2,
            patrol_id: c.0,
            location: c.1,
            notes: d.0,
            change: d.1,
            record: d.2,
            clock_offset_ms: d.3,
            prev,
        })
}

// ---- JSON made from valid revisions ------------------------------------------

/// JSON as written, so an object may hold a key twice (`serde_json::Value`
/// cannot).
#[derive(Debug, Clone)]
enum Doc {
    Leaf(Value),
    Object(Vec<(String, Doc)>),
    Array(Vec<Doc>),
}

impl Doc {
    fn from_value(v: &Value) -> Doc {
        match v {
            Value::Object(m) => Doc::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), Doc::from_value(v)))
                    .collect(),
            ),
            Value::Array(items) => Doc::Array(items.iter().map(Doc::from_value).collect()),
            leaf => Doc::Leaf(leaf.clone()),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Doc::Leaf(v) => out.push_str(&v.to_string()),
            Doc::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::from(k.as_str()).to_string());
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
            Doc::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// How many objects this holds, itself included.
    fn objects(&self) -> usize {
        match self {
            Doc::Leaf(_) => 0,
            Doc::Object(m) => 1 + m.iter().map(|(_, v)| v.objects()).sum::<usize>(),
            Doc::Array(items) => items.iter().map(Doc::objects).sum(),
        }
    }

    /// The `n`th object, depth first (`n < self.objects()`).
    fn object_mut(&mut self, n: usize) -> Option<&mut Vec<(String, Doc)>> {
        fn walk<'a>(doc: &'a mut Doc, n: &mut usize) -> Option<&'a mut Vec<(String, Doc)>> {
            match doc {
                Doc::Leaf(_) => None,
                Doc::Object(m) => {
                    if *n == 0 {
                        return Some(m);
                    }
                    *n -= 1;
                    m.iter_mut().find_map(|(_, v)| walk(v, n))
                }
                Doc::Array(items) => items.iter_mut().find_map(|v| walk(v, n)),
            }
        }
        walk(self, &mut { n })
    }
}

/// One change made to an object of the JSON (which object and which member
/// are picked with `Index`, so any depth is reached).
#[derive(Debug, Clone)]
enum Mutation {
    Remove(Index, Index),
    /// The member again, after the others: with the same value, or another.
    Repeat(Index, Index, Option<Value>),
    Unknown(Index, Index, String, Value),
    Replace(Index, Index, Value),
    /// The object written as an array of its values.
    AsArray(Index),
    /// The members in another order.
    Rotate(Index, Index),
}

impl Mutation {
    fn apply(&self, doc: &mut Doc) {
        let objects = doc.objects();
        if objects == 0 {
            return;
        }
        let object = match self {
            Mutation::Remove(o, _)
            | Mutation::Repeat(o, _, _)
            | Mutation::Unknown(o, _, _, _)
            | Mutation::Replace(o, _, _)
            | Mutation::AsArray(o)
            | Mutation::Rotate(o, _) => o.index(objects),
        };
        if let Mutation::AsArray(_) = self {
            replace_object_with_array(doc, object);
            return;
        }
        let Some(members) = doc.object_mut(object) else {
            return;
        };
        let len = members.len();
        match self {
            Mutation::Unknown(_, at, name, value) => {
                members.insert(at.index(len + 1), (name.clone(), Doc::from_value(value)));
            }
            _ if len == 0 => {}
            Mutation::Remove(_, m) => {
                members.remove(m.index(len));
            }
            Mutation::Repeat(_, m, value) => {
                let (key, old) = members[m.index(len)].clone();
                let again = value.as_ref().map_or(old, Doc::from_value);
                members.push((key, again));
            }
            Mutation::Replace(_, m, value) => members[m.index(len)].1 = Doc::from_value(value),
            Mutation::Rotate(_, by) => members.rotate_left(by.index(len)),
            Mutation::AsArray(_) => {}
        }
    }
}

fn replace_object_with_array(doc: &mut Doc, n: usize) {
    fn walk(doc: &mut Doc, n: &mut usize) -> bool {
        match doc {
            Doc::Leaf(_) => false,
            Doc::Object(m) => {
                if *n == 0 {
                    let values = m.drain(..).map(|(_, v)| v).collect();
                    *doc = Doc::Array(values);
                    return true;
                }
                *n -= 1;
                m.iter_mut().any(|(_, v)| walk(v, n))
            }
            Doc::Array(items) => items.iter_mut().any(|v| walk(v, n)),
        }
    }
    walk(doc, &mut { n });
}

/// Values to put where a field was: every JSON type, and the texts of the
/// other fields' types (a time, a date, an ID, a code, a record).
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (0u32..600).prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        text().prop_map(Value::from),
        time().prop_map(|t| Value::from(beatbook_core::time::format(t))),
        date().prop_map(|d| Value::from(beatbook_core::time::date_text(d))),
        entry_id().prop_map(|id| Value::from(id.to_string())),
        prop::sample::select(vec![
            "created",
            "ended",
            "corrected",
            "note",
            "shift",
            "W1",
            "NS",
            "pspo",
            "foot",
            "investigation",
            "outcome22",
            "reason",
            "type",
        ])
        .prop_map(Value::from),
        Just(json!({})),
        Just(json!([])),
        Just(json!({"note": {"text": "x"}})),
        Just(json!({"type": "corrected", "reason": "r"})),
        Just(json!({"lat": 1.5, "lon": 2.5, "accuracy_m": 3.0})),
        Just(json!([1.5, 2.5, 3.0])),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Names for added fields: unknown ones, and known ones of other objects.
fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,10}",
        prop::sample::select(vec![
            "id", "seq", "notes", "type", "reason", "record", "change", "text", "role", "ended_at",
            "lat", "location", "note", "shift", "",
        ])
        .prop_map(String::from),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<Index>()).prop_map(|(o, m)| Mutation::Remove(o, m)),
        (any::<Index>(), any::<Index>(), prop::option::of(value()))
            .prop_map(|(o, m, v)| Mutation::Repeat(o, m, v)),
        (any::<Index>(), any::<Index>(), field_name(), value())
            .prop_map(|(o, m, k, v)| Mutation::Unknown(o, m, k, v)),
        (any::<Index>(), any::<Index>(), value()).prop_map(|(o, m, v)| Mutation::Replace(o, m, v)),
        any::<Index>().prop_map(Mutation::AsArray),
        (any::<Index>(), any::<Index>()).prop_map(|(o, m)| Mutation::Rotate(o, m)),
        // Nulls, often: every optional field takes one, no required one does.
        (any::<Index>(), any::<Index>()).prop_map(|(o, m)| Mutation::Replace(o, m, Value::Null)),
    ]
}

proptest! {
    // A few seconds together in a debug build.
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The records' hand-written encoder (`records!`, `wire::put_field`)
    /// writes exactly the bytes serde's derive writes with the attributes
    /// the real types had (the twin), every field, filled or left empty:
    /// these bytes are what the server compares and the device chain hashes.
    #[test]
    fn random_records_encode_to_the_derives_bytes(record in any_record()) {
        prop_assert_eq!(serde_json::to_string(&record).unwrap(), twin_bytes(&record));
    }

    /// Every revision reads back as itself, through both decoders.
    #[test]
    fn random_revisions_read_back_alike(rev in revision()) {
        let json = serde_json::to_string(&rev).unwrap();
        prop_assert_eq!(real_read(&json), Ok(rev.clone()), "{}", json);
        prop_assert_eq!(twin_read(&json), Ok(rev), "{}", json);
    }

    /// A fix as the app records it reads back exactly through the app's
    /// number reader (serde_json without `float_roundtrip`; a workspace
    /// build that includes the server turns that on for core too, so this
    /// can fail only in `cargo test -p beatbook-core`).
    #[test]
    fn a_fix_reads_back_exactly(
        (lat, lon, accuracy_m) in (-90.0f64..90.0, -180.0f64..180.0, 0.0f64..100_000.0),
    ) {
        let fix = Location::from_fix(lat, lon, accuracy_m);
        let json = serde_json::to_string(&fix).unwrap();
        prop_assert_eq!(serde_json::from_str::<Location>(&json).unwrap(), fix, "{}", json);
        prop_assert!((fix.lat - lat).abs() <= 5e-8 && (fix.lon - lon).abs() <= 5e-8);
    }

    /// Any finite numbers in a location (not rounded, as revisions saved
    /// before [`Location::from_fix`] hold them): both decoders read the
    /// same ones.
    #[test]
    fn full_precision_locations_read_alike(
        rev in revision(),
        (lat, lon, accuracy_m) in (coordinate(), coordinate(), coordinate()),
    ) {
        let rev = Revision { location: Some(Location { lat, lon, accuracy_m }), ..rev };
        let json = serde_json::to_string(&rev).unwrap();
        prop_assert!(same_verdict(&json)?.is_some(), "{}", json);
    }

    /// JSON a valid revision was turned into: both accept it with one
    /// value, or both refuse it.
    #[test]
    fn changed_json_gets_one_verdict(
        rev in revision(),
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let mut doc = Doc::from_value(&serde_json::to_value(&rev).unwrap());
        for m in &mutations {
            m.apply(&mut doc);
        }
        same_verdict(&doc.text())?;
    }
}

/// How often the mutated JSON was accepted, over a fixed sample: a test
/// whose every input is refused would prove nothing about the values.
#[test]
fn changed_json_is_often_accepted_and_often_refused() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (revision(), prop::collection::vec(mutation(), 1..3));
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..300 {
        let (rev, mutations) = strategy.new_tree(&mut runner).unwrap().current();
        let mut doc = Doc::from_value(&serde_json::to_value(&rev).unwrap());
        for m in &mutations {
            m.apply(&mut doc);
        }
        match same_verdict(&doc.text()) {
            Ok(Some(_)) => accepted += 1,
            Ok(None) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(
        accepted > 50 && refused > 50,
        "{accepted} accepted, {refused} refused"
    );
}

// ---- the decisions, pinned -----------------------------------------------------

fn base() -> Value {
    json!({
        "id": "6f1c2a4e-8b1d-4c3e-9a55-0d2f6b7c8e91",
        "entry_id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "seq": 2,
        "officer_id": "PC1",
        "captured_at": "2026-01-01T00:00:00Z",
        "occurred_at": "2026-01-01T00:00:00Z",
        "change": {"type": "corrected", "reason": "typo"},
        "record": {"note": {"text": "x"}},
    })
}

/// `base()` with `field`'s text replaced by `with`.
fn with(field: &str, with: &str) -> String {
    let mut v = base();
    v[field] = json!("@@");
    v.to_string().replace("\"@@\"", with)
}

#[test]
fn a_repeated_field_is_refused_at_every_level() {
    for json in [
        r#"{"id":"6f1c2a4e-8b1d-4c3e-9a55-0d2f6b7c8e91","id":"6f1c2a4e-8b1d-4c3e-9a55-0d2f6b7c8e92"}"#
            .to_owned(),
        with("seq", "2,\"seq\":3"),
        with("change", r#"{"type":"corrected","reason":"a","reason":"b"}"#),
        with("change", r#"{"type":"created","reason":"a","reason":"b"}"#),
        with("change", r#"{"type":"ended","type":"ended"}"#),
        with("record", r#"{"note":{"text":"a","text":"b"}}"#),
        with("record", r#"{"note":{"text":"a"},"note":{"text":"b"}}"#),
    ] {
        assert!(real_read(&json).is_err(), "{json}");
        assert!(twin_read(&json).is_err(), "{json}");
    }
}

/// The one place the decoder is stricter than `Change`'s own attributes
/// would derive: `reason` is a field of every change.
#[test]
fn a_creation_with_two_reasons_is_refused_though_the_tagged_derive_takes_it() {
    for change in [
        r#"{"type":"created","reason":"a","reason":"b"}"#,
        r#"{"type":"ended","reason":5}"#,
        r#"{"type":"created","reason":null}"#,
    ] {
        assert!(
            serde_json::from_str::<twin::TaggedChange>(change).is_ok(),
            "{change}"
        );
        assert!(serde_json::from_str::<Change>(change).is_err(), "{change}");
        assert!(twin_read(&with("change", change)).is_err(), "{change}");
    }
    // A reason that is text is skipped on a creation by all three.
    let change = r#"{"reason":"x","type":"created"}"#;
    assert_eq!(
        serde_json::from_str::<Change>(change).unwrap(),
        Change::Created
    );
    assert_eq!(
        twin_read(&with("change", change)).unwrap().change,
        Change::Created
    );
}

#[test]
fn unknown_fields_are_skipped_even_when_repeated() {
    let json = with("notes", r#""n","later":1,"later":{"x":[1]}"#);
    let rev = real_read(&json).unwrap();
    assert_eq!(rev.notes, "n");
    assert_eq!(twin_read(&json).unwrap(), rev);
}

#[test]
fn a_struct_is_read_from_an_object_only() {
    for (field, json) in [
        ("record", r#"{"note":[]}"#),
        ("record", r#"{"note":["general","x"]}"#),
        ("change", r#"["corrected","typo"]"#),
    ] {
        let json = with(field, json);
        assert!(real_read(&json).is_err(), "{json}");
        assert!(twin_read(&json).is_err(), "{json}");
    }
    let whole: Vec<Value> = base().as_object().unwrap().values().cloned().collect();
    let json = Value::Array(whole).to_string();
    assert!(
        real_read(&json).is_err() && twin_read(&json).is_err(),
        "{json}"
    );
    // A location keeps the derive, array form included, in both.
    let json = with("location", "[1.5,2.5,3.0]");
    assert_eq!(real_read(&json).unwrap().location.unwrap().accuracy_m, 3.0);
    assert_eq!(twin_read(&json).unwrap(), real_read(&json).unwrap());
}

// ---- the decoders' own rules (before: unit tests in `wire.rs`) ---------------

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
        let listed = Record::empty(kind).fields().to_vec();
        let declared: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        assert_eq!(listed, declared, "{kind:?}");
        // Fields added after the first release are written only when set
        // (so older records keep their bytes); every other one always.
        let mut expected: Vec<&str> = listed
            .iter()
            .copied()
            .filter(|f| !ADDED_LATER.contains(f))
            .collect();
        let mut written_sorted = written.clone();
        expected.sort_unstable();
        written_sorted.sort_unstable();
        assert_eq!(expected, written_sorted, "{kind:?}");
    }
}

/// The record fields written only when set.
const ADDED_LATER: &[&str] = &[
    "authorised_from",
    "authorised_until",
    "necessity_reasons",
    "no_custody",
    "no_custody_details",
    "directed_persons",
    "direction_change",
    "direction_change_details",
    "prior_warning",
    "prior_warning_deadline",
    "result",
    "completed_on",
    "hotspot",
    "reparation_started_at",
];

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
        (r#"{"type":"withdrawn"}"#, "missing field `reason`"),
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
        Change::Withdrawn { reason: "r".into() },
    ] {
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(read(&json).unwrap(), change);
    }
}

#[test]
fn missing_fields_keep_their_defaults_and_unknown_ones_are_skipped() {
    let record: Record =
        serde_json::from_str(r#"{"shift":{"callsign":"Alpha 1","later":{"x":[1,2]}}}"#).unwrap();
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
