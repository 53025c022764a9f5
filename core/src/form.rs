//! Forms as data: which fields each record type shows, and the one generic
//! path from typed-in text to a typed record (and back, for corrections).
//!
//! The app renders any form from its [`FieldSpec`]s, so there is one way to
//! draw a field, and field keys are the record's serde names, so an error from
//! [`Record::check`] lands next to the field it is about.
use crate::codes::*;
pub use crate::local_time::{fold_key, Fold, LocalTime};
use crate::record::{Record, RecordKind};
use crate::revision::Revision;
use crate::time::{date_text, parse_date};
use crate::validate::{Checker, FieldError, Problem};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the person typed, by field key. Checkboxes hold "true" or "";
/// multi-selects hold codes joined by commas.
pub type FormValues = BTreeMap<String, String>;

pub type Options = fn() -> Vec<(&'static str, &'static str)>;

#[derive(Clone, Copy)]
pub enum FieldKind {
    Text,
    LongText,
    Number,
    Date,
    /// A local date and time (`datetime-local`), stored in UTC.
    DateTime,
    Checkbox,
    /// A required yes or no answer.
    YesNo,
    Select(Options),
    MultiSelect(Options),
    /// Another entry of the same shift (e.g. the stop an arrest followed).
    EntryLink(RecordKind),
}

/// Show a field only while another field holds one of some values.
#[derive(Clone, Copy)]
pub struct ShowWhen {
    pub key: &'static str,
    pub values: &'static [&'static str],
    /// When `key` is itself conditional, its condition: a field is hidden
    /// while the field it depends on is hidden (a stale value typed there
    /// before switching must not show it, or save it).
    pub parent: Option<&'static ShowWhen>,
}

impl ShowWhen {
    pub fn holds(&self, values: &FormValues) -> bool {
        let current = values.get(self.key).map(String::as_str).unwrap_or("");
        self.values.contains(&current) && self.parent.is_none_or(|p| p.holds(values))
    }
}

#[derive(Clone, Copy)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Shown with the label; what the validation will insist on.
    pub required: bool,
    pub hint: &'static str,
    pub shown_when: Option<ShowWhen>,
}

impl FieldSpec {
    pub fn is_shown(&self, values: &FormValues) -> bool {
        self.shown_when.is_none_or(|w| w.holds(values))
    }
}

const fn field(
    key: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required,
        hint: "",
        shown_when: None,
    }
}

const fn hinted(mut spec: FieldSpec, hint: &'static str) -> FieldSpec {
    spec.hint = hint;
    spec
}

const fn when(
    mut spec: FieldSpec,
    key: &'static str,
    values: &'static [&'static str],
) -> FieldSpec {
    spec.shown_when = Some(ShowWhen {
        key,
        values,
        parent: None,
    });
    spec
}

/// Like [`when`], for a field whose controlling field is itself conditional.
const fn when_within(
    mut spec: FieldSpec,
    key: &'static str,
    values: &'static [&'static str],
    parent: &'static ShowWhen,
) -> FieldSpec {
    spec.shown_when = Some(ShowWhen {
        key,
        values,
        parent: Some(parent),
    });
    spec
}

use FieldKind::*;

/// The time field every form carries; it becomes the revision's `occurred_at`.
pub const OCCURRED_AT: &str = "occurred_at";
/// Free-text notes every record may carry.
pub const NOTES: &str = "notes";

const COMMON_TAIL: [FieldSpec; 2] = [
    field(OCCURRED_AT, "Time", DateTime, true),
    field(NOTES, "Notes", LongText, false),
];

static SHIFT: [FieldSpec; 3] = [
    field(
        "role",
        "Patrolling as",
        Select(PatrollerRole::options),
        true,
    ),
    field("callsign", "Callsign", Text, true),
    field("team", "Team", Text, true),
];

static PATROL: [FieldSpec; 2] = [
    field("area", "Hotspot or area", Text, true),
    field("mode", "Mode", Select(PatrolMode::options), true),
];

const VEHICLE: &[&str] = &["true"];

static STOP_SEARCH: [FieldSpec; 17] = [
    hinted(
        field(
            "self_defined_ethnicity",
            "Self-defined ethnicity",
            Select(Ethnicity::options),
            true,
        ),
        "Ask the person. Choose NS if they decline.",
    ),
    hinted(
        field(
            "officer_perceived_ethnicity",
            "Officer-perceived ethnicity",
            Select(Ethnicity::options),
            false,
        ),
        "Only if different from the self-defined ethnicity.",
    ),
    field("place_detained", "Place first detained", Text, true),
    hinted(
        field("place_searched", "Place searched", Text, false),
        "If different.",
    ),
    field(
        "object",
        "Object of search",
        Select(SearchObject::options),
        true,
    ),
    when(
        field("object_detail", "What was looked for", Text, true),
        "object",
        &["other"],
    ),
    field("power", "Legal power", Select(SearchPower::options), true),
    when(
        field("grounds", "Grounds for the search", LongText, true),
        "power",
        &["", "pace_s1", "mda_s23", "fa_s47", "tact_s43", "other"],
    ),
    when(
        field(
            "s60_authorisation",
            "s60 authorisation reference",
            Text,
            true,
        ),
        "power",
        &["cjpoa_s60"],
    ),
    field("outcome", "Outcome", Select(SearchOutcome::options), true),
    field(
        "outcome_linked_to_object",
        "Outcome linked to the object of search?",
        YesNo,
        true,
    ),
    field(
        "injury_or_damage",
        "Any injury or damage caused?",
        YesNo,
        true,
    ),
    when(
        field(
            "injury_details",
            "Describe the injury or damage",
            LongText,
            true,
        ),
        "injury_or_damage",
        &["true"],
    ),
    field(
        "vehicle_searched",
        "A vehicle was searched",
        Checkbox,
        false,
    ),
    when(
        field("vehicle_registration", "Vehicle registration", Text, true),
        "vehicle_searched",
        VEHICLE,
    ),
    hinted(
        field("person_name", "Name", Text, false),
        "Optional: the person may refuse.",
    ),
    hinted(
        field("person_address", "Address", LongText, false),
        "Optional: the person may refuse.",
    ),
];

static STOP_ACCOUNT: [FieldSpec; 4] = [
    field("place", "Place", Text, true),
    field("account_for", "Asked to account for", LongText, true),
    field(
        "self_defined_ethnicity",
        "Self-defined ethnicity",
        Select(Ethnicity::options),
        false,
    ),
    field("outcome", "Outcome", LongText, false),
];

static ARREST: [FieldSpec; 8] = [
    field("offence", "Offence", Text, true),
    field("place", "Place of arrest", Text, true),
    field("grounds", "Grounds for suspicion", LongText, true),
    field(
        "necessity",
        "Necessity criteria (Code G)",
        MultiSelect(NecessityCriterion::options),
        true,
    ),
    field("caution_at", "Caution given at", DateTime, true),
    field("said_on_arrest", "Anything said on arrest", LongText, false),
    field("custody_suite", "Custody suite", Text, true),
    field(
        "linked_stop",
        "Followed stop and search",
        EntryLink(RecordKind::StopSearch),
        false,
    ),
];

const BEHAVIOUR_POWERS: &[&str] = &["informal_warning", "warning_letter", "cpw", "cpn", "pspo"];

static ASB: [FieldSpec; 21] = [
    field(
        "power",
        "Power or tool used",
        Select(AsbPower::options),
        true,
    ),
    field("persons", "Number of persons", Number, true),
    field("place", "Place", Text, true),
    when(
        field("behaviour", "Behaviour", LongText, true),
        "power",
        BEHAVIOUR_POWERS,
    ),
    when(
        field("requirements", "What must change", LongText, true),
        "power",
        &["warning_letter", "cpw", "cpn"],
    ),
    when(
        field("deadline", "Must change by", Date, true),
        "power",
        &["cpw"],
    ),
    when(
        field(
            "consequence",
            "Consequence of not complying",
            LongText,
            true,
        ),
        "power",
        &["cpw"],
    ),
    when(
        field(
            "prior_warning_ref",
            "Warning this notice follows",
            Text,
            true,
        ),
        "power",
        &["cpn"],
    ),
    when(
        field(
            "person_aged_16_plus",
            "Person is 16 or over",
            Checkbox,
            true,
        ),
        "power",
        &["cpn"],
    ),
    when(
        field("dispersal_area", "Dispersal area", Text, true),
        "power",
        &["dispersal"],
    ),
    when(
        field("dispersal_hours", "Period (hours, up to 48)", Number, true),
        "power",
        &["dispersal"],
    ),
    when(
        field("authorising_inspector", "Authorising inspector", Text, true),
        "power",
        &["dispersal"],
    ),
    when(
        field("terms", "Terms of the direction", LongText, true),
        "power",
        &["dispersal"],
    ),
    when(
        field(
            "property_surrendered",
            "Property surrendered",
            LongText,
            false,
        ),
        "power",
        &["dispersal"],
    ),
    when(
        field("pspo_name", "Which PSPO", Text, true),
        "power",
        &["pspo"],
    ),
    when(
        field("offence", "Offence", Text, true),
        "power",
        &["fixed_penalty"],
    ),
    when(
        field("penalty_amount", "Penalty (£)", Number, false),
        "power",
        &["pspo"],
    ),
    when(
        field("penalty_amount", "Penalty (£)", Number, true),
        "power",
        &["fixed_penalty"],
    ),
    when(
        field(
            "seized",
            "What was seized",
            Select(SeizureKind::options),
            true,
        ),
        "power",
        &["seizure"],
    ),
    when(
        field(
            "seized_description",
            "Description of what was seized",
            LongText,
            true,
        ),
        "power",
        &["seizure"],
    ),
    when_within(
        field("vehicle_registration", "Vehicle registration", Text, true),
        "seized",
        &["vehicle"],
        &SEIZURE,
    ),
];

static SEIZURE: ShowWhen = ShowWhen {
    key: "power",
    values: &["seizure"],
    parent: None,
};

static IJ: [FieldSpec; 9] = [
    field("person", "Person referred", Text, true),
    field(
        "disposal",
        "Disposal it followed",
        Select(IjDisposal::options),
        true,
    ),
    field("referral_date", "Referral date", Date, true),
    field("victim_consulted", "Victim consulted?", YesNo, true),
    field("hours_ordered", "Hours ordered", Number, true),
    hinted(
        field("reparation_started", "Reparation started", Date, false),
        "The aim is within 48 hours.",
    ),
    field("hours_completed", "Hours completed", Number, false),
    field("outcome", "Outcome", LongText, false),
    field(
        "linked_entry",
        "Followed ASB intervention",
        EntryLink(RecordKind::AsbIntervention),
        false,
    ),
];

static NOTE: [FieldSpec; 2] = [
    field("category", "Kind", Select(NoteKind::options), true),
    field("text", "Note", LongText, true),
];

/// The fields of a record type's own payload, in form order.
pub fn record_fields(kind: RecordKind) -> &'static [FieldSpec] {
    match kind {
        RecordKind::Shift => &SHIFT,
        RecordKind::Patrol => &PATROL,
        RecordKind::StopSearch => &STOP_SEARCH,
        RecordKind::StopAccount => &STOP_ACCOUNT,
        RecordKind::Arrest => &ARREST,
        RecordKind::AsbIntervention => &ASB,
        RecordKind::IjReferral => &IJ,
        RecordKind::Note => &NOTE,
    }
}

/// Every field a form for `kind` shows: the record's, then time and notes.
pub fn form_fields(kind: RecordKind) -> impl Iterator<Item = &'static FieldSpec> {
    record_fields(kind).iter().chain(COMMON_TAIL.iter())
}

/// The fields currently visible given what has been typed (a field listed
/// twice with different conditions appears once).
pub fn visible_fields(kind: RecordKind, values: &FormValues) -> Vec<&'static FieldSpec> {
    let mut out: Vec<&'static FieldSpec> = Vec::new();
    for f in form_fields(kind) {
        if f.is_shown(values) && !out.iter().any(|o| o.key == f.key) {
            out.push(f);
        }
    }
    out
}

/// A parsed form: the record plus the fields every revision carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub record: Record,
    pub occurred_at: DateTime<Utc>,
    pub notes: String,
}

/// Turns typed-in text into a typed record and checks the record's rules.
/// Hidden fields are ignored, so a value typed before switching power is not
/// saved by accident. All problems are returned together, by field.
pub fn parse_form(
    kind: RecordKind,
    values: &FormValues,
    local: LocalTime,
) -> Result<Draft, Vec<FieldError>> {
    let mut c = Checker::new();
    let mut object = Map::new();
    for spec in visible_fields(kind, values) {
        if spec.key == OCCURRED_AT || spec.key == NOTES {
            continue;
        }
        let text = values.get(spec.key).map(|s| s.trim()).unwrap_or("");
        if let Some(value) = field_value(spec, text, fold_of_field(values, spec.key), local, &mut c)
        {
            object.insert(spec.key.into(), value);
        }
    }
    let occurred_text = values.get(OCCURRED_AT).map(|s| s.trim()).unwrap_or("");
    let occurred_at = if occurred_text.is_empty() {
        c.add(
            OCCURRED_AT,
            Problem::Missing {
                what: "the time".into(),
            },
        );
        None
    } else {
        match local.parse(occurred_text, fold_of_field(values, OCCURRED_AT)) {
            Ok(t) => Some(t),
            Err(problem) => {
                c.add(OCCURRED_AT, problem);
                None
            }
        }
    };
    let notes = values.get(NOTES).cloned().unwrap_or_default();
    c.long_text(NOTES, &notes);

    // Through text rather than `from_value`: the app already decodes records
    // from text, and a second decoder for every record type would double
    // their share of the download.
    let mut tagged = Map::new();
    tagged.insert(kind.code().into(), Value::Object(object));
    let record = serde_json::to_string(&Value::Object(tagged))
        .and_then(|json| serde_json::from_str::<Record>(&json));
    match record {
        Ok(record) => {
            record.check(&mut c);
            match (occurred_at, c.is_empty()) {
                (Some(occurred_at), true) => Ok(Draft {
                    record,
                    occurred_at,
                    notes,
                }),
                _ => Err(c.into_errors()),
            }
        }
        // Only reachable if a spec and its record type disagree: report it on
        // the form rather than crash.
        Err(_) => {
            c.add("form", Problem::UnknownOption);
            Err(c.into_errors())
        }
    }
}

/// The [`Fold`] chosen for the time field `key`, if any.
fn fold_of_field(values: &FormValues, key: &str) -> Option<Fold> {
    values
        .get(&fold_key(key))
        .and_then(|code| Fold::from_code(code))
}

fn field_value(
    spec: &FieldSpec,
    text: &str,
    fold: Option<Fold>,
    local: LocalTime,
    c: &mut Checker,
) -> Option<Value> {
    let key = spec.key;
    match spec.kind {
        Checkbox => Some(Value::Bool(text == "true")),
        _ if text.is_empty() => None,
        Text | LongText => Some(Value::String(text.into())),
        Number => match text.parse::<u32>() {
            Ok(n) => Some(Value::from(n)),
            Err(_) => {
                c.add(key, Problem::NotANumber);
                None
            }
        },
        Date => match parse_date(text) {
            Some(d) => Some(Value::String(date_text(d))),
            None => {
                c.add(key, Problem::BadDate);
                None
            }
        },
        DateTime => match local.parse(text, fold) {
            Ok(t) => Some(Value::String(crate::time::format(t))),
            Err(problem) => {
                c.add(key, problem);
                None
            }
        },
        YesNo => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => {
                c.add(key, Problem::UnknownOption);
                None
            }
        },
        Select(options) => {
            if options().iter().any(|(code, _)| *code == text) {
                Some(Value::String(text.into()))
            } else {
                c.add(key, Problem::UnknownOption);
                None
            }
        }
        MultiSelect(options) => {
            let known = options();
            let mut codes = Vec::new();
            for code in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if known.iter().any(|(k, _)| *k == code) {
                    codes.push(Value::String(code.into()));
                } else {
                    c.add(key, Problem::UnknownOption);
                }
            }
            Some(Value::Array(codes))
        }
        EntryLink(_) => {
            if crate::ids::EntryId::parse(text).is_some() {
                Some(Value::String(text.into()))
            } else {
                c.add(key, Problem::UnknownOption);
                None
            }
        }
    }
}

/// The form values that show an existing revision, for a correction.
pub fn revision_to_form(rev: &Revision, local: LocalTime) -> FormValues {
    let mut values = FormValues::new();
    // A record encodes as `{"<kind>": {fields}}`.
    let fields = serde_json::to_string(&rev.record)
        .and_then(|json| serde_json::from_str::<Map<String, Value>>(&json))
        .ok()
        .and_then(|tagged| tagged.into_iter().next())
        .map(|(_, fields)| fields);
    if let Some(Value::Object(map)) = fields {
        for spec in record_fields(rev.kind()) {
            let Some(value) = map.get(spec.key) else {
                continue;
            };
            let text = match (value, spec.kind) {
                (Value::Null, _) => continue,
                (Value::Bool(b), Checkbox) => if *b { "true" } else { "" }.to_string(),
                (Value::Bool(b), _) => b.to_string(),
                (Value::Number(n), _) => n.to_string(),
                (Value::String(s), DateTime) => match crate::time::parse(s) {
                    Some(t) => {
                        put_time(&mut values, spec.key, t, local);
                        continue;
                    }
                    None => String::new(),
                },
                (Value::String(s), _) => s.clone(),
                (Value::Array(items), _) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                (Value::Object(_), _) => continue,
            };
            values.insert(spec.key.into(), text);
        }
    }
    put_time(&mut values, OCCURRED_AT, rev.occurred_at, local);
    values.insert(NOTES.into(), rev.notes.clone());
    values
}

/// A time as its form field shows it, with which of a doubled hour it is
/// (so a correction saved unchanged keeps the same instant).
pub fn put_time(values: &mut FormValues, key: &str, time: DateTime<Utc>, local: LocalTime) {
    values.insert(key.into(), local.to_local_text(time));
    match local.fold_of(time) {
        Some(fold) => values.insert(fold_key(key), fold.code().into()),
        None => values.remove(&fold_key(key)),
    };
}
