//! The record types an officer creates, with their legal fields and rules.
//!
//! Fields a person may leave out of the form are `Option` or empty strings so a
//! half-filled form still deserializes; what the law requires is enforced by
//! each record's `check`, which the app (inline) and the server (per change)
//! both run.
use crate::codes::*;
use crate::ids::EntryId;
use crate::time::{OptDate, OptTime};
use crate::validate::{Checker, Rule};
use crate::wire::record_wire_fields;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// On the wire a record is `{"<kind>": {fields}}` (serde's external tagging:
/// it decodes without buffering, which keeps the app's download smaller than
/// a `"kind"` field inside the object would). Decoded by hand in
/// `crate::wire` (the struct types themselves are only ever read as part of
/// a record).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Shift(Shift),
    Patrol(Patrol),
    StopSearch(StopSearch),
    StopAccount(StopAccount),
    Arrest(Arrest),
    AsbIntervention(AsbIntervention),
    IjReferral(IjReferral),
    Note(Note),
}

/// The record types, without their contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Shift,
    Patrol,
    StopSearch,
    StopAccount,
    Arrest,
    AsbIntervention,
    IjReferral,
    Note,
}

impl RecordKind {
    pub const ALL: [RecordKind; 8] = [
        Self::Shift,
        Self::Patrol,
        Self::StopSearch,
        Self::StopAccount,
        Self::Arrest,
        Self::AsbIntervention,
        Self::IjReferral,
        Self::Note,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Shift => "shift",
            Self::Patrol => "patrol",
            Self::StopSearch => "stop_search",
            Self::StopAccount => "stop_account",
            Self::Arrest => "arrest",
            Self::AsbIntervention => "asb_intervention",
            Self::IjReferral => "ij_referral",
            Self::Note => "note",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Shift => "Shift",
            Self::Patrol => "Patrol",
            Self::StopSearch => "Stop and search",
            Self::StopAccount => "Stop and account",
            Self::Arrest => "Arrest",
            Self::AsbIntervention => "ASB intervention",
            Self::IjReferral => "Immediate Justice referral",
            Self::Note => "Note or engagement",
        }
    }

    /// Shifts and patrols run over time and are ended by a later revision.
    pub fn has_duration(self) -> bool {
        matches!(self, Self::Shift | Self::Patrol)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct Shift {
    pub role: Option<PatrollerRole>,
    pub callsign: String,
    pub team: String,
    #[serde(serialize_with = "crate::time::rfc3339_opt::serialize")]
    pub ended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct Patrol {
    /// Hotspot or area name.
    pub area: String,
    pub mode: Option<PatrolMode>,
    #[serde(serialize_with = "crate::time::rfc3339_opt::serialize")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// PACE Code A para 4.3.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct StopSearch {
    pub self_defined_ethnicity: Option<Ethnicity>,
    /// Only where the officer's perception differs from the self-defined code.
    pub officer_perceived_ethnicity: Option<Ethnicity>,
    /// Where the person was first detained.
    pub place_detained: String,
    /// Where searched, if different.
    pub place_searched: String,
    pub object: Option<SearchObject>,
    pub object_detail: String,
    pub power: Option<SearchPower>,
    pub grounds: String,
    /// For s60 searches the authorisation replaces individual grounds.
    pub s60_authorisation: String,
    pub outcome: Option<SearchOutcome>,
    pub outcome_linked_to_object: Option<bool>,
    pub injury_or_damage: Option<bool>,
    pub injury_details: String,
    pub vehicle_searched: bool,
    pub vehicle_registration: String,
    /// Not required; the person may refuse to give them.
    pub person_name: String,
    pub person_address: String,
}

/// Stop and account: recorded only where the force chooses to.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct StopAccount {
    pub place: String,
    /// What the person was asked to account for.
    pub account_for: String,
    pub self_defined_ethnicity: Option<Ethnicity>,
    pub outcome: String,
}

/// PACE Code G.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct Arrest {
    pub offence: String,
    pub place: String,
    pub grounds: String,
    pub necessity: Vec<NecessityCriterion>,
    #[serde(serialize_with = "crate::time::rfc3339_opt::serialize")]
    pub caution_at: Option<DateTime<Utc>>,
    pub said_on_arrest: String,
    pub custody_suite: String,
    /// The stop and search this arrest followed, if any.
    pub linked_stop: Option<EntryId>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct AsbIntervention {
    pub power: Option<AsbPower>,
    pub persons: Option<u32>,
    pub place: String,
    pub behaviour: String,
    /// Warning letter, CPW and CPN: what must change.
    pub requirements: String,
    /// CPW: by when.
    #[serde(serialize_with = "crate::time::date_opt::serialize")]
    pub deadline: Option<NaiveDate>,
    /// CPW: the consequence of not complying.
    pub consequence: String,
    /// CPN: the warning it follows.
    pub prior_warning_ref: String,
    pub person_aged_16_plus: bool,
    pub dispersal_area: String,
    pub dispersal_hours: Option<u32>,
    pub authorising_inspector: String,
    pub terms: String,
    pub property_surrendered: String,
    pub pspo_name: String,
    pub offence: String,
    /// Pounds.
    pub penalty_amount: Option<u32>,
    pub seized: Option<SeizureKind>,
    pub seized_description: String,
    pub vehicle_registration: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct IjReferral {
    /// Name or reference of the person referred.
    pub person: String,
    pub disposal: Option<IjDisposal>,
    #[serde(serialize_with = "crate::time::date_opt::serialize")]
    pub referral_date: Option<NaiveDate>,
    pub victim_consulted: Option<bool>,
    pub hours_ordered: Option<u32>,
    #[serde(serialize_with = "crate::time::date_opt::serialize")]
    pub reparation_started: Option<NaiveDate>,
    pub hours_completed: Option<u32>,
    pub outcome: String,
    /// The entry (an ASB intervention, a stop) the referral came from.
    pub linked_entry: Option<EntryId>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), serde(default))]
pub struct Note {
    pub category: Option<NoteKind>,
    pub text: String,
}

// Every record field may be left out on the wire (a half-filled form must
// still read back); `crate::wire` explains why these are not derived.
record_wire_fields! {
    Shift { role, callsign, team, ended_at: OptTime }
    Patrol { area, mode, ended_at: OptTime }
    StopSearch {
        self_defined_ethnicity,
        officer_perceived_ethnicity,
        place_detained,
        place_searched,
        object,
        object_detail,
        power,
        grounds,
        s60_authorisation,
        outcome,
        outcome_linked_to_object,
        injury_or_damage,
        injury_details,
        vehicle_searched,
        vehicle_registration,
        person_name,
        person_address,
}
    StopAccount { place, account_for, self_defined_ethnicity, outcome }
    Arrest {
        offence,
        place,
        grounds,
        necessity,
        caution_at: OptTime,
        said_on_arrest,
        custody_suite,
        linked_stop,
}
    AsbIntervention {
        power,
        persons,
        place,
        behaviour,
        requirements,
        deadline: OptDate,
        consequence,
        prior_warning_ref,
        person_aged_16_plus,
        dispersal_area,
        dispersal_hours,
        authorising_inspector,
        terms,
        property_surrendered,
        pspo_name,
        offence,
        penalty_amount,
        seized,
        seized_description,
        vehicle_registration,
}
    IjReferral {
        person,
        disposal,
        referral_date: OptDate,
        victim_consulted,
        hours_ordered,
        reparation_started: OptDate,
        hours_completed,
        outcome,
        linked_entry,
}
    Note { category, text }
}

/// Longest Immediate Justice order accepted, in hours.
pub const MAX_IJ_HOURS: u32 = 200;
/// s35 ASB, Crime and Policing Act 2014.
pub const MAX_DISPERSAL_HOURS: u32 = 48;
pub const MAX_PSPO_PENALTY: u32 = 100;

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Self::Shift(_) => RecordKind::Shift,
            Self::Patrol(_) => RecordKind::Patrol,
            Self::StopSearch(_) => RecordKind::StopSearch,
            Self::StopAccount(_) => RecordKind::StopAccount,
            Self::Arrest(_) => RecordKind::Arrest,
            Self::AsbIntervention(_) => RecordKind::AsbIntervention,
            Self::IjReferral(_) => RecordKind::IjReferral,
            Self::Note(_) => RecordKind::Note,
        }
    }

    /// An empty record of a kind, as a blank form starts.
    pub fn empty(kind: RecordKind) -> Self {
        match kind {
            RecordKind::Shift => Self::Shift(Shift::default()),
            RecordKind::Patrol => Self::Patrol(Patrol::default()),
            RecordKind::StopSearch => Self::StopSearch(StopSearch::default()),
            RecordKind::StopAccount => Self::StopAccount(StopAccount::default()),
            RecordKind::Arrest => Self::Arrest(Arrest::default()),
            RecordKind::AsbIntervention => Self::AsbIntervention(AsbIntervention::default()),
            RecordKind::IjReferral => Self::IjReferral(IjReferral::default()),
            RecordKind::Note => Self::Note(Note::default()),
        }
    }

    /// When a shift or patrol ended, if it has.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Shift(s) => s.ended_at,
            Self::Patrol(p) => p.ended_at,
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
                c.required("area", &p.area, "the hotspot or area");
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
        if self.officer_perceived_ethnicity.is_some()
            && self.officer_perceived_ethnicity == self.self_defined_ethnicity
        {
            c.rule(
                "officer_perceived_ethnicity",
                Rule::PerceivedSameAsSelfDefined,
            );
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
        if self.power == Some(SearchPower::Cjpoa60) {
            c.required(
                "s60_authorisation",
                &self.s60_authorisation,
                "the s60 authorisation reference",
            );
            c.long_text("grounds", &self.grounds);
        } else {
            c.required_long("grounds", &self.grounds, "the grounds for the search");
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
        c.chosen("caution_at", &self.caution_at, "when the caution was given");
        c.long_text("said_on_arrest", &self.said_on_arrest);
        c.required("custody_suite", &self.custody_suite, "the custody suite");
    }
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
                c.required(
                    "prior_warning_ref",
                    &self.prior_warning_ref,
                    "the warning this notice follows",
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
                c.long_text("property_surrendered", &self.property_surrendered);
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
        c.long_text("outcome", &self.outcome);
    }
}
