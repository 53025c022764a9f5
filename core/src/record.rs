//! The record types an officer creates, with their legal fields and rules.
//!
//! Fields a person may leave out of the form are `Option` or empty strings so a
//! half-filled form still deserializes; what the law requires is enforced by
//! each record's `check`, which the app (inline) and the server (per change)
//! both run.
//!
//! Each record type is declared once, in [`records!`] below: the struct,
//! its kind's code and label, its fields as the decoder reads them
//! ([`crate::wire::Tagged`]), and for each field what else uses it
//! ([`Field`]: its `entries.csv` column, its form field, the programme
//! return). A field's name is part of the wire protocol, the storage format
//! and the bytes the server compares (`crate::sync::canonical_bytes`):
//! renaming or reordering one changes the bytes of every stored record
//! (`tests/golden.rs` holds them).
use crate::codes::*;
use crate::ids::EntryId;
use crate::time::{OptDate, OptTime};
use crate::validate::{Checker, Problem, Rule};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What else uses one field of a record, as its declaration says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name on the wire, in storage and in the form (a form field's key).
    pub name: &'static str,
    /// The `entries.csv` column it fills, if it is exported.
    pub csv: Option<&'static str>,
    /// Whether the record's form shows it (`crate::form`); an end time is
    /// set by ending, not typed.
    pub in_form: bool,
    /// Whether the programme return reads it (the server's lean reader,
    /// `programme::Fact`, must read exactly these).
    pub returned: bool,
}

/// One `entries.csv` cell of a record field ([`Record::csv_cells`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Text as it is (a code is its code; a yes or no is `true`, `false` or
    /// empty).
    Text(&'a str),
    Number(Option<u32>),
    /// Written in the force's time zone by the export.
    Time(Option<DateTime<Utc>>),
    /// A calendar day, `YYYY-MM-DD`.
    Date(Option<NaiveDate>),
}

/// The cell of a field's value.
pub trait ToCell {
    fn cell(&self) -> Cell<'_>;
}

impl ToCell for String {
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self)
    }
}

impl<C: Code> ToCell for Option<C> {
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self.map_or("", Code::code))
    }
}

impl ToCell for Option<String> {
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self.as_deref().unwrap_or(""))
    }
}

impl ToCell for Option<u32> {
    fn cell(&self) -> Cell<'_> {
        Cell::Number(*self)
    }
}

impl ToCell for Option<bool> {
    fn cell(&self) -> Cell<'_> {
        Cell::Text(match self {
            Some(true) => "true",
            Some(false) => "false",
            None => "",
        })
    }
}

impl ToCell for Option<DateTime<Utc>> {
    fn cell(&self) -> Cell<'_> {
        Cell::Time(*self)
    }
}

impl ToCell for Option<NaiveDate> {
    fn cell(&self) -> Cell<'_> {
        Cell::Date(*self)
    }
}

/// Declares every record type. For each: `Name("code", "Label") { fields }`,
/// the kind's code on the wire and its label; for each field, its type,
/// `as Via` when it is read and written through a `crate::time` newtype (a
/// time or a date in its wire format), and in brackets what else uses it:
/// `csv "column"` (its `entries.csv` column) or `no_csv` (one of the two,
/// always), `no_form` (set other than by the form), `returned` (read by the
/// programme return) and `skip_empty` (left out of the bytes while empty:
/// a field added after the first release, so older records keep theirs).
///
/// It writes the structs, [`Record`] and [`RecordKind`] (their codes said
/// once, here), [`RecordKind::fields`], [`Record::csv_cells`] and the
/// decoder ([`crate::wire::Tagged`]: every field of a struct may be left
/// out on the wire, so a half-filled form still reads back; `crate::wire`
/// explains why it is not derived). Fields are written in the order given.
macro_rules! records {
    ($(
        $(#[$kind_meta:meta])*
        $kind:ident($code:literal, $label:literal) {
            $(
                $(#[$field_meta:meta])*
                $field:ident: $ty:ty $(as $via:ty)? [$($use:tt)*]
            ),+ $(,)?
        }
    )+) => {
        $(
            $(#[$kind_meta])*
            #[derive(Debug, Clone, PartialEq, Default)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
            pub struct $kind {
                $($(#[$field_meta])* pub $field: $ty,)+
            }

            // The bytes are what serde's derive writes (the fields in order,
            // `skip_empty` ones left out while empty, `as Via` ones through
            // their `crate::time` format); each field is one call of the
            // shared `put_field`, where the derive inlined the whole write
            // per field (kilobytes of the app's download).
            impl serde::Serialize for $kind {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeStruct;
                    let mut out = s.serialize_struct(
                        stringify!($kind),
                        [$(stringify!($field)),+].len(),
                    )?;
                    $(
                        if !records!(@skip self.$field, $($use)*) {
                            $crate::wire::put_field(
                                &mut out,
                                stringify!($field),
                                &records!(@via self.$field $(, $via)?),
                            )?;
                        }
                    )+
                    out.end()
                }
            }
        )+

        /// On the wire a record is `{"<kind>": {fields}}` (serde's external
        /// tagging: it decodes without buffering, which keeps the app's
        /// download smaller than a `"kind"` field inside the object would).
        /// Decoded by hand ([`crate::wire::Tagged`]; the struct types
        /// themselves are only ever read as part of a record).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        // Said again for utoipa, which does not read a `rename` given
        // through a macro fragment (the codes are the snake case names;
        // server/tests/openapi.rs checks the document says them).
        #[serde(rename_all = "snake_case")]
        pub enum Record {
            $(#[serde(rename = $code)] $kind($kind),)+
        }

        /// The record types, without their contents.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum RecordKind {
            $(#[serde(rename = $code)] $kind,)+
        }

        impl RecordKind {
            pub const ALL: [RecordKind; [$($code),+].len()] = [$(Self::$kind),+];

            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$kind => $code,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $(Self::$kind => $label,)+
                }
            }

            /// Every field of the kind's record, in the order it is written.
            pub fn fields(self) -> &'static [Field] {
                match self {
                    $(Self::$kind => &[$(Field {
                        name: stringify!($field),
                        csv: records!(@csv $($use)*),
                        in_form: records!(@in_form $($use)*),
                        returned: records!(@returned $($use)*),
                    }),+],)+
                }
            }
        }

        impl Record {
            pub fn kind(&self) -> RecordKind {
                match self {
                    $(Self::$kind(_) => RecordKind::$kind,)+
                }
            }

            /// An empty record of a kind, as a blank form starts.
            pub fn empty(kind: RecordKind) -> Self {
                match kind {
                    $(RecordKind::$kind => Self::$kind($kind::default()),)+
                }
            }

            /// Each exported field's `entries.csv` column and cell, in the
            /// order the fields are declared.
            pub fn csv_cells<'a>(&'a self, mut cell: impl FnMut(&'static str, Cell<'a>)) {
                match self {
                    $(Self::$kind(record) => {
                        // A kind may export nothing.
                        let _ = record;
                        $(records!(@cell cell, record.$field, $($use)*);)+
                    })+
                }
            }
        }

        impl $crate::wire::Tagged for Record {
            const NAME: &'static str = "Record";
            const KINDS: &'static [&'static str] = &[$($code),+];

            fn empty(kind: usize) -> Option<Self> {
                RecordKind::ALL.get(kind).map(|k| Record::empty(*k))
            }

            fn fields(&self) -> &'static [&'static str] {
                match self {
                    $(Self::$kind(_) => &[$(stringify!($field)),+],)+
                }
            }

            fn read_field<'de, A: serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match self {
                    $(Self::$kind(record) => {
                        // The position of each field in its list; the
                        // compiler folds these tests into one jump table.
                        let mut position = 0usize;
                        $(
                            if index == position {
                                records!(@read map, record.$field $(, $via)?);
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
    (@csv csv $column:literal $($rest:tt)*) => { Some($column) };
    (@csv no_csv $($rest:tt)*) => { None };
    (@csv $other:tt $($rest:tt)*) => { records!(@csv $($rest)*) };
    (@csv) => { compile_error!("each record field says `csv \"column\"` or `no_csv`") };
    (@in_form no_form $($rest:tt)*) => { false };
    (@in_form $other:tt $($rest:tt)*) => { records!(@in_form $($rest)*) };
    (@in_form) => { true };
    (@returned returned $($rest:tt)*) => { true };
    (@returned $other:tt $($rest:tt)*) => { records!(@returned $($rest)*) };
    (@returned) => { false };
    (@cell $cell:ident, $value:expr, csv $column:literal $($rest:tt)*) => {
        $cell($column, ToCell::cell(&$value))
    };
    (@cell $cell:ident, $value:expr, no_csv $($rest:tt)*) => {};
    (@cell $cell:ident, $value:expr, $other:tt $($rest:tt)*) => {
        records!(@cell $cell, $value, $($rest)*)
    };
    (@skip $value:expr, skip_empty $($rest:tt)*) => {
        $crate::wire::Empty::is_empty_value(&$value)
    };
    (@skip $value:expr, $other:tt $($rest:tt)*) => { records!(@skip $value, $($rest)*) };
    (@skip $value:expr,) => { false };
    (@via $value:expr) => { $value };
    (@via $value:expr, $via:ty) => { <$via>::from($value) };
    (@read $map:ident, $place:expr) => {
        $crate::wire::read_into($map, &mut $place)?
    };
    (@read $map:ident, $place:expr, $via:ty) => {
        $place = $crate::wire::next_value::<$via, A>($map)?.0
    };
}

records! {
    Shift("shift", "Shift") {
        role: Option<PatrollerRole> [csv "role", returned],
        callsign: String [no_csv],
        team: String [no_csv],
        ended_at: Option<DateTime<Utc>> as OptTime [csv "ended_at", no_form],
    }

    Patrol("patrol", "Patrol") {
        /// Where: the hotspot's name as it was when the patrol started, or
        /// the place typed for a patrol outside the hotspots.
        area: String [csv "area", returned],
        mode: Option<PatrolMode> [no_csv],
        ended_at: Option<DateTime<Utc>> as OptTime [csv "ended_at", no_form, returned],
        /// The force's hotspot (`core::force::Hotspot::id`) this patrol is
        /// in; none for other locations (not hotspot time). Left out when
        /// none, so patrols saved before hotspots existed keep their bytes.
        hotspot: Option<String> [csv "hotspot_id", returned, skip_empty],
    }

    /// PACE Code A para 4.3.
    StopSearch("stop_search", "Stop and search") {
        self_defined_ethnicity: Option<Ethnicity> [csv "self_defined_ethnicity", returned],
        /// Only where the officer's perception differs from the self-defined code.
        officer_perceived_ethnicity: Option<Ethnicity> [csv "officer_perceived_ethnicity", returned],
        /// Where the person was first detained.
        place_detained: String [no_csv],
        /// Where searched, if different.
        place_searched: String [no_csv],
        object: Option<SearchObject> [csv "object", returned],
        object_detail: String [no_csv],
        power: Option<SearchPower> [csv "power", returned],
        grounds: String [no_csv],
        /// For s60 searches the authorisation replaces individual grounds.
        s60_authorisation: String [no_csv],
        outcome: Option<SearchOutcome> [csv "outcome", returned],
        outcome_linked_to_object: Option<bool> [csv "outcome_linked_to_object", returned],
        injury_or_damage: Option<bool> [no_csv],
        injury_details: String [no_csv],
        vehicle_searched: bool [no_csv],
        vehicle_registration: String [no_csv],
        /// Not required; the person may refuse to give them.
        person_name: String [no_csv],
        person_address: String [no_csv],
        // Fields added after the first release are left out of the bytes
        // while empty, so the bytes of every record stored before them do
        // not change (`tests/golden.rs`).
        /// s60 and s47A: the authorisation's period (the search must fall
        /// inside it). The reference is `s60_authorisation` for both.
        authorised_from: Option<DateTime<Utc>> as OptTime [no_csv, skip_empty],
        authorised_until: Option<DateTime<Utc>> as OptTime [no_csv, skip_empty],
    }

    /// Stop and account: recorded only where the force chooses to.
    StopAccount("stop_account", "Stop and account") {
        place: String [no_csv],
        /// What the person was asked to account for.
        account_for: String [no_csv],
        self_defined_ethnicity: Option<Ethnicity> [no_csv],
        outcome: String [no_csv],
    }

    /// PACE Code G.
    Arrest("arrest", "Arrest") {
        offence: String [csv "offence"],
        place: String [no_csv],
        grounds: String [no_csv],
        necessity: Vec<NecessityCriterion> [no_csv],
        caution_at: Option<DateTime<Utc>> as OptTime [no_csv],
        said_on_arrest: String [no_csv],
        custody_suite: String [no_csv],
        /// The stop and search this arrest followed, if any.
        linked_stop: Option<EntryId> [no_csv],
        /// Why each necessity criterion relied on applies (Code G 2.9:
        /// the officer must be able to say why, criterion by criterion).
        necessity_reasons: BTreeMap<NecessityCriterion, String> [no_csv, skip_empty],
        /// Set when the person was not taken to custody (then
        /// `custody_suite` is empty).
        no_custody: Option<NoCustodyReason> [no_csv, skip_empty],
        no_custody_details: String [no_csv, skip_empty],
    }

    AsbIntervention("asb_intervention", "ASB intervention") {
        power: Option<AsbPower> [csv "asb_power", returned],
        persons: Option<u32> [csv "persons", returned],
        place: String [no_csv],
        behaviour: String [no_csv],
        /// Warning letter, CPW and CPN: what must change.
        requirements: String [no_csv],
        /// CPW: by when.
        deadline: Option<NaiveDate> as OptDate [no_csv],
        /// CPW: the consequence of not complying.
        consequence: String [no_csv],
        /// CPN: the warning it follows.
        prior_warning_ref: String [no_csv],
        person_aged_16_plus: bool [no_csv],
        dispersal_area: String [no_csv],
        dispersal_hours: Option<u32> [no_csv],
        authorising_inspector: String [no_csv],
        terms: String [no_csv],
        property_surrendered: String [no_csv],
        pspo_name: String [no_csv],
        offence: String [csv "offence"],
        /// Pounds.
        penalty_amount: Option<u32> [no_csv],
        seized: Option<SeizureKind> [csv "seized", returned],
        seized_description: String [no_csv],
        vehicle_registration: String [no_csv],
        /// Dispersal: who was directed (names or descriptions).
        directed_persons: String [no_csv, skip_empty],
        /// Dispersal: a later variation or withdrawal, recorded by
        /// correcting the entry (the original terms stay in its history).
        direction_change: Option<DirectionChange> [no_csv, skip_empty],
        direction_change_details: String [no_csv, skip_empty],
        /// CPN: the recorded Community Protection Warning it follows
        /// (`prior_warning_ref` holds a reference when the warning is not
        /// in Beatbook).
        prior_warning: Option<EntryId> [no_csv, skip_empty],
        /// CPN: the warning's deadline; the notice may only follow it.
        prior_warning_deadline: Option<NaiveDate> as OptDate [no_csv, skip_empty],
    }

    IjReferral("ij_referral", "Immediate Justice referral") {
        /// Name or reference of the person referred.
        person: String [no_csv],
        disposal: Option<IjDisposal> [no_csv],
        referral_date: Option<NaiveDate> as OptDate [csv "ij_referral_date", returned],
        victim_consulted: Option<bool> [no_csv],
        hours_ordered: Option<u32> [csv "ij_hours_ordered", returned],
        /// The day the reparation started, when its time is not known (and
        /// what referrals recorded before `reparation_started_at` hold);
        /// never beside `reparation_started_at`.
        reparation_started: Option<NaiveDate> as OptDate [csv "ij_reparation_started", returned],
        hours_completed: Option<u32> [csv "ij_hours_completed", returned],
        outcome: String [no_csv],
        /// The entry (an ASB intervention, a stop) the referral came from.
        linked_entry: Option<EntryId> [no_csv],
        /// Where the reparation stands (`outcome` holds the details).
        result: Option<IjOutcome> [csv "ij_result", skip_empty],
        completed_on: Option<NaiveDate> as OptDate [csv "ij_completed_on", returned, skip_empty],
        /// When the reparation started, date and time: the return measures
        /// "started within 48 hours" from the referral (the entry's time)
        /// to this, in hours.
        reparation_started_at: Option<DateTime<Utc>> as OptTime [csv "ij_reparation_started_at", returned, skip_empty],
    }

    Note("note", "Note or engagement") {
        category: Option<NoteKind> [no_csv],
        text: String [no_csv],
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::read_tagged(d)
    }
}

impl RecordKind {
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Shifts and patrols run over time and are ended by a later revision.
    pub fn has_duration(self) -> bool {
        matches!(self, Self::Shift | Self::Patrol)
    }
}

impl SearchPower {
    /// For the powers used without individual suspicion, under an
    /// authorisation: its longest lawful period (s60 CJPOA: 24 hours,
    /// extendable to 48; s47A Terrorism Act: 14 days).
    pub fn longest_authorisation(self) -> Option<chrono::Duration> {
        match self {
            Self::Cjpoa60 => Some(chrono::Duration::hours(48)),
            Self::Terrorism47A => Some(chrono::Duration::days(14)),
            _ => None,
        }
    }
}

/// Longest Immediate Justice order accepted, in hours.
pub const MAX_IJ_HOURS: u32 = 200;
/// s35 ASB, Crime and Policing Act 2014.
pub const MAX_DISPERSAL_HOURS: u32 = 48;
pub const MAX_PSPO_PENALTY: u32 = 100;

impl Record {
    /// When a shift or patrol ended, if it has.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Shift(s) => s.ended_at,
            Self::Patrol(p) => p.ended_at,
            _ => None,
        }
    }

    /// The hotspot a patrol names, if it names one.
    pub fn hotspot(&self) -> Option<&str> {
        match self {
            Self::Patrol(p) => p.hotspot.as_deref(),
            _ => None,
        }
    }

    /// One line for a timeline.
    pub fn summary(&self) -> String {
        fn label<C: Code>(c: Option<C>) -> &'static str {
            c.map(Code::label).unwrap_or("")
        }
        match self {
            Self::Shift(s) => format!("{} {} ({})", label(s.role), s.callsign, s.team),
            Self::Patrol(p) => format!("{} patrol: {}", label(p.mode), p.area),
            Self::StopSearch(s) => format!(
                "{} at {}: {}",
                label(s.object),
                s.place_detained,
                label(s.outcome)
            ),
            Self::StopAccount(s) => format!("At {}: {}", s.place, s.account_for),
            Self::Arrest(a) => format!("{} at {}", a.offence, a.place),
            Self::AsbIntervention(a) => format!(
                "{} at {} ({} person{})",
                label(a.power),
                a.place,
                a.persons.unwrap_or(0),
                if a.persons == Some(1) { "" } else { "s" }
            ),
            Self::IjReferral(r) => format!(
                "{} after {}, {} h",
                r.person,
                label(r.disposal),
                r.hours_ordered.unwrap_or(0)
            ),
            Self::Note(n) => format!("{}: {}", label(n.category), n.text),
        }
    }

    /// Checks the rules of the record's own fields.
    pub fn check(&self, c: &mut Checker) {
        match self {
            Self::Shift(s) => {
                c.chosen("role", &s.role, "who is patrolling");
                c.required("callsign", &s.callsign, "a callsign");
                c.required("team", &s.team, "a team");
            }
            Self::Patrol(p) => {
                match &p.hotspot {
                    // The name is the app's copy of the hotspot's; the ID is what counts.
                    Some(id) => {
                        if !crate::force::is_hotspot_id(id) {
                            c.add("hotspot", Problem::Rule(Rule::BadHotspotId));
                        }
                        c.short_text("area", &p.area);
                    }
                    None => c.required("area", &p.area, "where you are patrolling"),
                }
                c.chosen("mode", &p.mode, "foot, vehicle or cycle");
            }
            Self::StopSearch(s) => s.check(c),
            Self::StopAccount(s) => {
                c.required("place", &s.place, "where the person was stopped");
                c.required_long(
                    "account_for",
                    &s.account_for,
                    "what they were asked to account for",
                );
                c.long_text("outcome", &s.outcome);
            }
            Self::Arrest(a) => a.check(c),
            Self::AsbIntervention(a) => a.check(c),
            Self::IjReferral(r) => r.check(c),
            Self::Note(n) => {
                c.chosen("category", &n.category, "the kind of note");
                c.required_long("text", &n.text, "the note");
            }
        }
    }
}

impl StopSearch {
    fn check(&self, c: &mut Checker) {
        c.chosen(
            "self_defined_ethnicity",
            &self.self_defined_ethnicity,
            "the self-defined ethnicity (NS if not stated)",
        );
        // Code A 4.3: when the person does not state an ethnicity, the
        // officer records the one they perceive.
        let perceived = "officer_perceived_ethnicity";
        match (
            self.self_defined_ethnicity,
            self.officer_perceived_ethnicity,
        ) {
            (_, Some(Ethnicity::NotStated)) => c.rule(perceived, Rule::PerceivedNotStated),
            (Some(Ethnicity::NotStated), None) => c.chosen(
                perceived,
                &self.officer_perceived_ethnicity,
                "the ethnicity you perceive (the person did not state theirs)",
            ),
            (Some(own), Some(seen)) if own == seen => {
                c.rule(perceived, Rule::PerceivedSameAsSelfDefined)
            }
            _ => {}
        }
        c.required(
            "place_detained",
            &self.place_detained,
            "where the person was first detained",
        );
        c.short_text("place_searched", &self.place_searched);
        c.chosen("object", &self.object, "the object of the search");
        if self.object == Some(SearchObject::Other) {
            c.required(
                "object_detail",
                &self.object_detail,
                "what was being looked for",
            );
        } else {
            c.short_text("object_detail", &self.object_detail);
        }
        c.chosen("power", &self.power, "the legal power");
        if let Some(longest) = self.power.and_then(SearchPower::longest_authorisation) {
            c.required(
                "s60_authorisation",
                &self.s60_authorisation,
                "the authorisation reference",
            );
            c.chosen(
                "authorised_from",
                &self.authorised_from,
                "when the authorisation starts",
            );
            c.chosen(
                "authorised_until",
                &self.authorised_until,
                "when the authorisation ends",
            );
            if let (Some(from), Some(until)) = (self.authorised_from, self.authorised_until) {
                if until <= from {
                    c.rule("authorised_until", Rule::EndsBeforeStart);
                } else if until - from > longest {
                    c.rule("authorised_until", Rule::AuthorisationTooLong);
                }
            }
            c.long_text("grounds", &self.grounds);
        } else {
            c.required_long("grounds", &self.grounds, "the grounds for the search");
        }
        if self.power == Some(SearchPower::Terrorism43A) && !self.vehicle_searched {
            c.rule("vehicle_searched", Rule::VehiclePowerWithoutVehicle);
        }
        c.chosen("outcome", &self.outcome, "the outcome");
        c.chosen(
            "outcome_linked_to_object",
            &self.outcome_linked_to_object,
            "whether the outcome was linked to the object",
        );
        c.chosen(
            "injury_or_damage",
            &self.injury_or_damage,
            "whether there was injury or damage",
        );
        if self.injury_or_damage == Some(true) {
            c.required_long(
                "injury_details",
                &self.injury_details,
                "the injury or damage",
            );
        }
        if self.vehicle_searched {
            c.required(
                "vehicle_registration",
                &self.vehicle_registration,
                "the vehicle registration",
            );
        }
        c.short_text("person_name", &self.person_name);
        c.long_text("person_address", &self.person_address);
        // Fields required only in some cases are stored in every case, so
        // they are always checked for length and control characters (a
        // field already flagged above keeps its first problem).
        c.short_text("s60_authorisation", &self.s60_authorisation);
        c.long_text("injury_details", &self.injury_details);
        c.short_text("vehicle_registration", &self.vehicle_registration);
    }
}

impl Arrest {
    fn check(&self, c: &mut Checker) {
        c.required("offence", &self.offence, "the offence");
        c.required("place", &self.place, "where the arrest took place");
        c.required_long("grounds", &self.grounds, "the grounds for suspicion");
        if self.necessity.is_empty() {
            c.rule("necessity", Rule::NoNecessityCriterion);
        }
        for criterion in &self.necessity {
            let reason = self
                .necessity_reasons
                .get(criterion)
                .map_or("", String::as_str);
            c.required_long(
                &necessity_reason_key(*criterion),
                reason,
                "why this criterion applies",
            );
        }
        for (criterion, reason) in &self.necessity_reasons {
            if !self.necessity.contains(criterion) {
                c.rule(
                    &necessity_reason_key(*criterion),
                    Rule::ReasonForCriterionNotChosen,
                );
            } else {
                c.long_text(&necessity_reason_key(*criterion), reason);
            }
        }
        c.chosen("caution_at", &self.caution_at, "when the caution was given");
        c.long_text("said_on_arrest", &self.said_on_arrest);
        if self.no_custody.is_some() {
            c.required_long(
                "no_custody_details",
                &self.no_custody_details,
                "what happened instead (bail date, why de-arrested)",
            );
            if !self.custody_suite.trim().is_empty() {
                c.rule("custody_suite", Rule::CustodyAndNoCustody);
            }
        } else {
            c.required("custody_suite", &self.custody_suite, "the custody suite");
            c.long_text("no_custody_details", &self.no_custody_details);
        }
    }
}

/// The form key (and error field) of the reason given for one necessity
/// criterion: `necessity_reasons.<code>`, the field and the map key.
pub fn necessity_reason_key(criterion: NecessityCriterion) -> String {
    format!("necessity_reasons.{}", criterion.code())
}

impl AsbIntervention {
    fn check(&self, c: &mut Checker) {
        c.chosen("power", &self.power, "the power or tool used");
        c.chosen("persons", &self.persons, "how many people were dealt with");
        c.range("persons", self.persons, 1, 500);
        c.required("place", &self.place, "where it happened");
        // Every text field is stored whatever the power, so each is checked
        // for length and control characters; the power then decides which
        // are required.
        for (field, value) in [
            ("behaviour", &self.behaviour),
            ("requirements", &self.requirements),
            ("consequence", &self.consequence),
            ("terms", &self.terms),
            ("property_surrendered", &self.property_surrendered),
            ("seized_description", &self.seized_description),
            ("directed_persons", &self.directed_persons),
            ("direction_change_details", &self.direction_change_details),
        ] {
            c.long_text(field, value);
        }
        for (field, value) in [
            ("prior_warning_ref", &self.prior_warning_ref),
            ("dispersal_area", &self.dispersal_area),
            ("authorising_inspector", &self.authorising_inspector),
            ("pspo_name", &self.pspo_name),
            ("offence", &self.offence),
            ("vehicle_registration", &self.vehicle_registration),
        ] {
            c.short_text(field, value);
        }
        let Some(power) = self.power else { return };
        match power {
            AsbPower::InformalWarning => {
                c.required_long("behaviour", &self.behaviour, "the behaviour");
            }
            AsbPower::WarningLetter => {
                c.required_long("behaviour", &self.behaviour, "the behaviour");
                c.required_long("requirements", &self.requirements, "what must change");
            }
            AsbPower::Cpw => {
                c.required_long("behaviour", &self.behaviour, "the behaviour");
                c.required_long("requirements", &self.requirements, "what must change");
                c.chosen(
                    "deadline",
                    &self.deadline,
                    "the date by which it must change",
                );
                c.required_long(
                    "consequence",
                    &self.consequence,
                    "the consequence of not complying",
                );
            }
            AsbPower::Cpn => {
                c.required_long("behaviour", &self.behaviour, "the behaviour");
                c.required_long("requirements", &self.requirements, "the requirements");
                if self.prior_warning.is_none() && self.prior_warning_ref.trim().is_empty() {
                    c.rule("prior_warning", Rule::CpnWithoutWarning);
                }
                c.chosen(
                    "prior_warning_deadline",
                    &self.prior_warning_deadline,
                    "the warning's deadline",
                );
                if !self.person_aged_16_plus {
                    c.rule("person_aged_16_plus", Rule::CpnUnderSixteen);
                }
            }
            AsbPower::Dispersal => {
                c.required("dispersal_area", &self.dispersal_area, "the dispersal area");
                c.chosen(
                    "dispersal_hours",
                    &self.dispersal_hours,
                    "for how many hours",
                );
                if self
                    .dispersal_hours
                    .is_some_and(|h| h > MAX_DISPERSAL_HOURS)
                {
                    c.rule("dispersal_hours", Rule::DispersalTooLong);
                }
                c.range(
                    "dispersal_hours",
                    self.dispersal_hours,
                    1,
                    MAX_DISPERSAL_HOURS,
                );
                c.required(
                    "authorising_inspector",
                    &self.authorising_inspector,
                    "the authorising inspector",
                );
                c.required_long("terms", &self.terms, "the terms of the direction");
                c.required_long(
                    "directed_persons",
                    &self.directed_persons,
                    "who was directed (names or descriptions)",
                );
                if self.direction_change.is_some() {
                    c.required_long(
                        "direction_change_details",
                        &self.direction_change_details,
                        "what changed, when and why",
                    );
                }
            }
            AsbPower::Pspo => {
                c.required("pspo_name", &self.pspo_name, "which PSPO");
                c.required_long("behaviour", &self.behaviour, "the breach");
                if self.penalty_amount.is_some_and(|p| p > MAX_PSPO_PENALTY) {
                    c.rule("penalty_amount", Rule::PspoPenaltyTooHigh);
                }
            }
            AsbPower::FixedPenalty => {
                c.required("offence", &self.offence, "the offence");
                c.chosen("penalty_amount", &self.penalty_amount, "the penalty amount");
                c.range("penalty_amount", self.penalty_amount, 1, 10_000);
            }
            AsbPower::Seizure => {
                c.chosen("seized", &self.seized, "what was seized");
                c.required_long(
                    "seized_description",
                    &self.seized_description,
                    "a description of what was seized",
                );
                if self.seized == Some(SeizureKind::Vehicle) {
                    c.required(
                        "vehicle_registration",
                        &self.vehicle_registration,
                        "the vehicle registration",
                    );
                }
            }
            AsbPower::S59Warning => {
                c.required_long("behaviour", &self.behaviour, "how the vehicle was used");
                c.required(
                    "vehicle_registration",
                    &self.vehicle_registration,
                    "the vehicle registration",
                );
            }
        }
    }
}

impl IjReferral {
    fn check(&self, c: &mut Checker) {
        c.required("person", &self.person, "the person referred");
        c.chosen("disposal", &self.disposal, "the disposal it followed");
        c.chosen("referral_date", &self.referral_date, "the referral date");
        c.chosen(
            "victim_consulted",
            &self.victim_consulted,
            "whether the victim was consulted",
        );
        c.chosen("hours_ordered", &self.hours_ordered, "the hours ordered");
        c.range("hours_ordered", self.hours_ordered, 1, MAX_IJ_HOURS);
        c.range("hours_completed", self.hours_completed, 0, MAX_IJ_HOURS);
        if let (Some(done), Some(ordered)) = (self.hours_completed, self.hours_ordered) {
            if done > ordered {
                c.rule("hours_completed", Rule::HoursCompletedExceedOrdered);
            }
        }
        if let (Some(start), Some(referred)) = (self.reparation_started, self.referral_date) {
            if start < referred {
                c.rule("reparation_started", Rule::ReparationBeforeReferral);
            }
        }
        // One start: its date and time, or (the time not known) its date.
        if self.reparation_started.is_some() && self.reparation_started_at.is_some() {
            c.rule("reparation_started", Rule::ReparationStartGivenTwice);
        }
        c.long_text("outcome", &self.outcome);
        if self.result == Some(IjOutcome::Completed) {
            c.chosen(
                "completed_on",
                &self.completed_on,
                "the date it was completed",
            );
            if self.hours_completed != self.hours_ordered {
                c.rule("hours_completed", Rule::CompletedWithHoursLeft);
            }
        }
        let began = self.reparation_started.or(self.referral_date);
        if let (Some(done), Some(began)) = (self.completed_on, began) {
            if done < began {
                c.rule("completed_on", Rule::CompletedBeforeStart);
            }
        }
    }
}
