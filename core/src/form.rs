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
use crate::Log;
use chrono::{DateTime, Utc};
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
    /// Another entry (e.g. the stop an arrest followed).
    EntryLink(LinkTo),
    /// One of the force's hotspots (the force settings' list, kept on the
    /// phone), by ID, or [`OTHER_LOCATION`].
    HotspotPick,
}

/// What a link field may name.
#[derive(Clone, Copy)]
pub struct LinkTo {
    pub kind: RecordKind,
    /// Entries of any shift the phone holds, not only the open shift's (a
    /// warning given weeks before the notice that follows it).
    pub any_shift: bool,
    /// Which entries of the kind qualify.
    pub accepts: fn(&Record) -> bool,
}

const fn link_to(kind: RecordKind) -> FieldKind {
    EntryLink(LinkTo {
        kind,
        any_shift: false,
        accepts: |_| true,
    })
}

/// A Community Protection Warning (what a notice must follow).
fn is_cpw(record: &Record) -> bool {
    matches!(record, Record::AsbIntervention(a) if a.power == Some(AsbPower::Cpw))
}

/// The entries a link field may name, newest first: the open shift's (or
/// every shift's) entries of its kind that it accepts.
pub fn link_candidates(log: &Log, link: LinkTo) -> Vec<&Revision> {
    let mut found: Vec<&Revision> = if link.any_shift {
        log.latest_of_kind(link.kind).collect()
    } else {
        match log.open_shift() {
            Some(shift) => log.shift_entries_of_kind(shift.entry_id, link.kind),
            None => Vec::new(),
        }
    };
    found.retain(|r| (link.accepts)(&r.record));
    crate::revision::sort_revisions(&mut found, |r| {
        [
            crate::revision::descending(crate::revision::time_key(r.occurred_at)),
            crate::revision::descending(r.entry_id.as_u128()),
            0,
        ]
    });
    found
}

/// How a [`ShowWhen`] compares the value of the field it watches.
#[derive(Clone, Copy)]
pub enum Match {
    /// The value is one of `values`.
    Is,
    /// The value is none of `values`.
    IsNot,
    /// The field is a multi-select holding one of `values`.
    Includes,
}

/// Show a field only while another field holds one of some values.
#[derive(Clone, Copy)]
pub struct ShowWhen {
    pub key: &'static str,
    pub values: &'static [&'static str],
    pub matching: Match,
    /// When `key` is itself conditional, its condition: a field is hidden
    /// while the field it depends on is hidden (a stale value typed there
    /// before switching must not show it, or save it).
    pub parent: Option<&'static ShowWhen>,
}

impl ShowWhen {
    pub fn holds(&self, values: &FormValues) -> bool {
        let current = values.get(self.key).map(String::as_str).unwrap_or("");
        let hit = match self.matching {
            Match::Is => self.values.contains(&current),
            Match::IsNot => !self.values.contains(&current),
            Match::Includes => current.split(',').any(|c| self.values.contains(&c.trim())),
        };
        hit && self.parent.is_none_or(|p| p.holds(values))
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

const fn when(spec: FieldSpec, key: &'static str, values: &'static [&'static str]) -> FieldSpec {
    shown(spec, key, values, Match::Is)
}

const fn shown(
    mut spec: FieldSpec,
    key: &'static str,
    values: &'static [&'static str],
    matching: Match,
) -> FieldSpec {
    spec.shown_when = Some(ShowWhen {
        key,
        values,
        matching,
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
        matching: Match::Is,
        parent: Some(parent),
    });
    spec
}

use FieldKind::*;

/// The time field every form carries; it becomes the revision's `occurred_at`.
pub const OCCURRED_AT: &str = "occurred_at";
/// Free-text notes every record may carry.
pub const NOTES: &str = "notes";
/// The patrol's hotspot field.
pub const HOTSPOT: &str = "hotspot";
/// The hotspot field's value for a patrol outside the force's hotspots:
/// it counts as non-hotspot time, and the officer types where.
pub const OTHER_LOCATION: &str = "other";

/// The end time of a shift or patrol, on the form only when correcting one
/// already ended ([`ENDED`] is set by [`revision_to_form`]): ending is its
/// own act, but a forgotten "End patrol" must be put right afterwards.
pub const ENDED_AT: &str = "ended_at";
/// Not a field: the mark, in the values of a correction, that the entry
/// has ended, so its end time is shown.
pub const ENDED: &str = "ended";

const COMMON_TAIL: [FieldSpec; 3] = [
    field(OCCURRED_AT, "Time", DateTime, true),
    when(
        hinted(
            field(ENDED_AT, "Ended", DateTime, true),
            "If End was tapped late, the time it really ended.",
        ),
        ENDED,
        &["true"],
    ),
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

static PATROL: [FieldSpec; 3] = [
    field(HOTSPOT, "Hotspot", HotspotPick, true),
    hinted(
        when(
            field("area", "Location", Text, true),
            HOTSPOT,
            &[OTHER_LOCATION],
        ),
        "Not a listed hotspot: its time is not hotspot time.",
    ),
    field("mode", "Mode", Select(PatrolMode::options), true),
];

const VEHICLE: &[&str] = &["true"];

/// The powers used under an authorisation, without individual suspicion.
const AUTHORISED: &[&str] = &["cjpoa_s60", "tact_s47a"];

static STOP_SEARCH: [FieldSpec; 20] = [
    hinted(
        field(
            "self_defined_ethnicity",
            "Self-defined ethnicity",
            Select(Ethnicity::options),
            true,
        ),
        "Ask the person. Choose NS if they decline.",
    ),
    shown(
        hinted(
            field(
                "officer_perceived_ethnicity",
                "Officer-perceived ethnicity",
                Select(Ethnicity::options),
                false,
            ),
            "Only if different from the self-defined ethnicity.",
        ),
        "self_defined_ethnicity",
        &["NS"],
        Match::IsNot,
    ),
    when(
        hinted(
            field(
                "officer_perceived_ethnicity",
                "Officer-perceived ethnicity",
                Select(Ethnicity::options),
                true,
            ),
            "Not stated by the person: record the ethnicity you perceive.",
        ),
        "self_defined_ethnicity",
        &["NS"],
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
    shown(
        field("grounds", "Grounds for the search", LongText, true),
        "power",
        AUTHORISED,
        Match::IsNot,
    ),
    when(
        field("s60_authorisation", "Authorisation reference", Text, true),
        "power",
        AUTHORISED,
    ),
    when(
        field("authorised_from", "Authorisation starts", DateTime, true),
        "power",
        AUTHORISED,
    ),
    when(
        hinted(
            field("authorised_until", "Authorisation ends", DateTime, true),
            "s60: at most 48 hours; s47A: at most 14 days.",
        ),
        "power",
        AUTHORISED,
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

/// One reason field per necessity criterion, shown while it is chosen.
const fn reason(
    key: &'static str,
    label: &'static str,
    code: &'static [&'static str],
) -> FieldSpec {
    shown(
        field(key, label, LongText, true),
        "necessity",
        code,
        Match::Includes,
    )
}

static ARREST: [FieldSpec; 20] = [
    field("offence", "Offence", Text, true),
    field("place", "Place of arrest", Text, true),
    field("grounds", "Grounds for suspicion", LongText, true),
    field(
        "necessity",
        "Necessity criteria (Code G)",
        MultiSelect(NecessityCriterion::options),
        true,
    ),
    // The keys are `record::necessity_reason_key`'s.
    reason(
        "necessity_reasons.name",
        "Why the name is needed",
        &["name"],
    ),
    reason(
        "necessity_reasons.address",
        "Why the address is needed",
        &["address"],
    ),
    reason(
        "necessity_reasons.prevent_injury",
        "Why, to prevent injury to them or another",
        &["prevent_injury"],
    ),
    reason(
        "necessity_reasons.prevent_suffering_injury",
        "Why, to prevent them suffering injury",
        &["prevent_suffering_injury"],
    ),
    reason(
        "necessity_reasons.prevent_loss",
        "Why, to prevent loss or damage",
        &["prevent_loss"],
    ),
    reason(
        "necessity_reasons.public_decency",
        "Why, to prevent an offence against decency",
        &["public_decency"],
    ),
    reason(
        "necessity_reasons.obstruction",
        "Why, to prevent obstruction of the highway",
        &["obstruction"],
    ),
    reason(
        "necessity_reasons.protect_vulnerable",
        "Why, to protect a child or vulnerable person",
        &["protect_vulnerable"],
    ),
    reason(
        "necessity_reasons.investigation",
        "Why, for a prompt investigation",
        &["investigation"],
    ),
    reason(
        "necessity_reasons.disappearance",
        "Why, to prevent disappearance",
        &["disappearance"],
    ),
    hinted(
        field("caution_at", "Caution given at", DateTime, true),
        "Not before the time of arrest.",
    ),
    field("said_on_arrest", "Anything said on arrest", LongText, false),
    hinted(
        field(
            "no_custody",
            "Not taken to custody because",
            Select(NoCustodyReason::options),
            false,
        ),
        "Leave as it is if taken to custody.",
    ),
    when(
        field("custody_suite", "Custody suite", Text, true),
        "no_custody",
        &[""],
    ),
    shown(
        field(
            "no_custody_details",
            "What happened instead",
            LongText,
            true,
        ),
        "no_custody",
        &[""],
        Match::IsNot,
    ),
    field(
        "linked_stop",
        "Followed stop and search",
        link_to(RecordKind::StopSearch),
        false,
    ),
];

const BEHAVIOUR_POWERS: &[&str] = &[
    "informal_warning",
    "warning_letter",
    "cpw",
    "cpn",
    "pspo",
    "s59_warning",
];

static ASB: [FieldSpec; 27] = [
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
            "prior_warning",
            "Warning this notice follows",
            EntryLink(LinkTo {
                kind: RecordKind::AsbIntervention,
                any_shift: true,
                accepts: is_cpw,
            }),
            // Or its reference, below: the rule takes either.
            true,
        ),
        "power",
        &["cpn"],
    ),
    when(
        hinted(
            field(
                "prior_warning_ref",
                "Or the warning's reference",
                Text,
                false,
            ),
            "If the warning is not in Beatbook (on paper, or the council's).",
        ),
        "power",
        &["cpn"],
    ),
    when(
        field(
            "prior_warning_deadline",
            "The warning's deadline",
            Date,
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
            "directed_persons",
            "Who was directed (names or descriptions)",
            LongText,
            true,
        ),
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
        hinted(
            field(
                "direction_change",
                "Later varied or withdrawn",
                Select(DirectionChange::options),
                false,
            ),
            "Correct this entry to record a variation or withdrawal.",
        ),
        "power",
        &["dispersal"],
    ),
    when_within(
        field(
            "direction_change_details",
            "What changed, when and why",
            LongText,
            true,
        ),
        "direction_change",
        &["varied", "withdrawn"],
        &DISPERSAL,
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
    when(
        field("vehicle_registration", "Vehicle registration", Text, true),
        "power",
        &["s59_warning"],
    ),
];

static SEIZURE: ShowWhen = ShowWhen {
    key: "power",
    values: &["seizure"],
    matching: Match::Is,
    parent: None,
};

static DISPERSAL: ShowWhen = ShowWhen {
    key: "power",
    values: &["dispersal"],
    matching: Match::Is,
    parent: None,
};

static IJ: [FieldSpec; 12] = [
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
        field(
            "reparation_started_at",
            "Reparation started",
            DateTime,
            false,
        ),
        "The aim is within 48 hours of the referral.",
    ),
    // A start date alone: what referrals recorded before start times hold,
    // and what is known when the time is not.
    hinted(
        field(
            "reparation_started",
            "Reparation start date, if the time is not known",
            Date,
            false,
        ),
        "Leave blank when the time is given above.",
    ),
    field("hours_completed", "Hours completed", Number, false),
    field("result", "Outcome", Select(IjOutcome::options), false),
    when(
        field("completed_on", "Completed on", Date, true),
        "result",
        &["completed"],
    ),
    field("outcome", "Outcome details", LongText, false),
    field(
        "linked_entry",
        "Followed ASB intervention",
        link_to(RecordKind::AsbIntervention),
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
    record_fields(kind).iter().chain(
        COMMON_TAIL
            .iter()
            // Only shifts and patrols end.
            .filter(move |f| f.key != ENDED_AT || kind.has_duration()),
    )
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
    // Each field's JSON, by key (a key met again replaces its value).
    let mut object: Vec<(&str, String)> = Vec::new();
    let visible = visible_fields(kind, values);
    for &spec in &visible {
        if spec.key == OCCURRED_AT || spec.key == NOTES {
            continue;
        }
        let text = values.get(spec.key).map(|s| s.trim()).unwrap_or("");
        if let Some(value) = field_json(spec, text, fold_of_field(values, spec.key), local, &mut c)
        {
            match object.iter_mut().find(|(key, _)| *key == spec.key) {
                Some((_, kept)) => *kept = value,
                None => object.push((spec.key, value)),
            }
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
    // The record's own rules cannot ask for the end: an open shift has
    // none. Once ended, a correction must keep one (a cleared field would
    // otherwise save the entry as reopened, which sync refuses).
    let ends = visible.iter().any(|f| f.key == ENDED_AT);
    if ends && values.get(ENDED_AT).is_none_or(|t| t.trim().is_empty()) {
        c.add(
            ENDED_AT,
            Problem::Missing {
                what: "the end time".into(),
            },
        );
    }
    let notes = values.get(NOTES).cloned().unwrap_or_default();
    c.long_text(NOTES, &notes);

    // Through JSON text, written here: the app already decodes records from
    // text, and a second decoder for every record type (or serde_json's
    // `Value`) would cost the download more.
    // A key `field.entry` is one entry of the map `field` (the reason for
    // each necessity criterion): its entries are gathered into one object.
    let mut fields: Vec<(&str, String, bool)> = Vec::new();
    for (key, value) in object {
        let Some((parent, entry)) = key.split_once('.') else {
            fields.push((key, value, false));
            continue;
        };
        let entry = format!("{}:{value}", json_string(entry));
        match fields.iter_mut().find(|(k, _, _)| *k == parent) {
            Some((_, map, _)) => {
                map.push(',');
                map.push_str(&entry);
            }
            None => fields.push((parent, format!("{{{entry}"), true)),
        }
    }
    let mut json = format!("{{{}:{{", json_string(kind.code()));
    for (i, (key, value, is_map)) in fields.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&json_string(key));
        json.push(':');
        json.push_str(value);
        if *is_map {
            json.push('}');
        }
    }
    json.push_str("}}");
    let record = crate::json::from_str::<Record>(&json);
    match record {
        Ok(record) => {
            record.check(&mut c);
            // The caution, the end and the authorisation against the start
            // too, so every problem shows at once, not one save at a time.
            if let Some(start) = occurred_at {
                record.check_against_start(start, &mut c);
            }
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

/// `text` as a JSON string literal, escaped as serde_json writes it.
fn json_string(text: &str) -> String {
    // Writing a string into a `String` cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// One field's typed-in text as the JSON its record field reads, or `None`
/// (left out: the record's default) when empty or not valid.
fn field_json(
    spec: &FieldSpec,
    text: &str,
    fold: Option<Fold>,
    local: LocalTime,
    c: &mut Checker,
) -> Option<String> {
    let key = spec.key;
    let yes_no = |b: bool| if b { "true" } else { "false" }.to_owned();
    match spec.kind {
        Checkbox => Some(yes_no(text == "true")),
        // A patrol is in a hotspot or it is not: the officer says which.
        // Not chosen is written as "", so the record's rules ask nothing of
        // the hidden location field; the error means it is never saved.
        HotspotPick if text.is_empty() => {
            c.add(
                key,
                Problem::NotChosen {
                    what: "a hotspot, or Other location".into(),
                },
            );
            Some(json_string(""))
        }
        _ if text.is_empty() => None,
        Text | LongText => Some(json_string(text)),
        Number => match text.parse::<u32>() {
            Ok(n) => Some(n.to_string()),
            Err(_) => {
                c.add(key, Problem::NotANumber);
                None
            }
        },
        Date => match parse_date(text) {
            Some(d) => Some(json_string(&date_text(d))),
            None => {
                c.add(key, Problem::BadDate);
                None
            }
        },
        DateTime => match local.parse(text, fold) {
            Ok(t) => Some(json_string(&crate::time::format(t))),
            Err(problem) => {
                c.add(key, problem);
                None
            }
        },
        YesNo => match text {
            "true" | "false" => Some(yes_no(text == "true")),
            _ => {
                c.add(key, Problem::UnknownOption);
                None
            }
        },
        Select(options) => {
            if options().iter().any(|(code, _)| *code == text) {
                Some(json_string(text))
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
                    codes.push(json_string(code));
                } else {
                    c.add(key, Problem::UnknownOption);
                }
            }
            Some(format!("[{}]", codes.join(",")))
        }
        HotspotPick if text == OTHER_LOCATION => None,
        HotspotPick => {
            if crate::force::is_hotspot_id(text) {
                Some(json_string(text))
            } else {
                c.add(key, Problem::UnknownOption);
                None
            }
        }
        EntryLink(_) => {
            if crate::ids::EntryId::parse(text).is_some() {
                Some(json_string(text))
            } else {
                c.add(key, Problem::UnknownOption);
                None
            }
        }
    }
}

/// One field of an encoded record, as a form shows it: only what record
/// fields hold (true/false, numbers, text, lists of codes, nothing).
enum Scalar {
    Skip,
    Bool(bool),
    /// Text, or a number as its digits.
    Text(String),
    List(Vec<String>),
    /// A map of text, by key (the reason for each necessity criterion).
    Map(Vec<(String, String)>),
}

impl<'de> serde::Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> serde::de::Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record field")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(b))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Scalar, E> {
        Ok(Scalar::Text(n.to_string()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Scalar, E> {
        Ok(Scalar::Text(n.to_string()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Scalar, E> {
        // serde_json's own float writer (the app has it for locations).
        Ok(Scalar::Text(serde_json::to_string(&n).unwrap_or_default()))
    }

    fn visit_str<E>(self, s: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(s.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Skip)
    }

    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Skip)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Scalar>()? {
            if let Scalar::Text(text) = item {
                items.push(text);
            }
        }
        Ok(Scalar::List(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Scalar>()? {
            if let Scalar::Text(text) = value {
                entries.push((key, text));
            }
        }
        Ok(Scalar::Map(entries))
    }
}

/// The fields of an encoded record, `{"<kind>": {fields}}`, in order.
struct RecordFields(Vec<(String, Scalar)>);

impl<'de> serde::Deserialize<'de> for RecordFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RecordFieldsVisitor)
    }
}

struct RecordFieldsVisitor;

impl<'de> serde::de::Visitor<'de> for RecordFieldsVisitor {
    type Value = RecordFields;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an encoded record")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RecordFields, A::Error> {
        let mut fields = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Scalar>()? {
            fields.push((key, value));
        }
        Ok(RecordFields(fields))
    }
}

/// The outer `{"<kind>": ..}` of an encoded record: its fields.
struct Tagged(RecordFields);

impl<'de> serde::Deserialize<'de> for Tagged {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TaggedVisitor)
    }
}

struct TaggedVisitor;

impl<'de> serde::de::Visitor<'de> for TaggedVisitor {
    type Value = Tagged;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record tagged with its kind")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Tagged, A::Error> {
        let fields = map.next_entry::<serde::de::IgnoredAny, RecordFields>()?;
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Tagged(fields.map_or(RecordFields(Vec::new()), |(_, f)| f)))
    }
}

/// The form values that show an existing revision, for a correction.
pub fn revision_to_form(rev: &Revision, local: LocalTime) -> FormValues {
    let mut values = FormValues::new();
    // A record encodes as `{"<kind>": {fields}}`; read back field by field.
    let fields = serde_json::to_string(&rev.record)
        .ok()
        .and_then(|json| crate::json::from_str::<Tagged>(&json).ok())
        .map_or_else(Vec::new, |Tagged(RecordFields(fields))| fields);
    for spec in record_fields(rev.kind()) {
        let (name, entry) = spec.key.split_once('.').unzip();
        let name = name.unwrap_or(spec.key);
        let Some((_, value)) = fields.iter().find(|(key, _)| key == name) else {
            // A patrol without a hotspot was at another location.
            if matches!(spec.kind, HotspotPick) {
                values.insert(spec.key.into(), OTHER_LOCATION.into());
            }
            continue;
        };
        let text = match (value, spec.kind) {
            (Scalar::Map(entries), _) => {
                match entries.iter().find(|(k, _)| Some(k.as_str()) == entry) {
                    Some((_, text)) => text.clone(),
                    None => continue,
                }
            }
            (Scalar::Skip, _) => continue,
            (Scalar::Bool(b), Checkbox) => if *b { "true" } else { "" }.to_owned(),
            (Scalar::Bool(b), _) => if *b { "true" } else { "false" }.to_owned(),
            (Scalar::Text(s), DateTime) => match crate::time::parse(s) {
                Some(t) => {
                    put_time(&mut values, spec.key, t, local);
                    continue;
                }
                None => String::new(),
            },
            (Scalar::Text(s), _) => s.clone(),
            (Scalar::List(items), _) => items.join(","),
        };
        values.insert(spec.key.into(), text);
    }
    put_time(&mut values, OCCURRED_AT, rev.occurred_at, local);
    if let Some(ended) = rev.record.ended_at() {
        put_time(&mut values, ENDED_AT, ended, local);
        values.insert(ENDED.into(), "true".into());
    }
    values.insert(NOTES.into(), rev.notes.clone());
    values
}

/// The values a new entry starts from when copied from an earlier one (a
/// new shift from the last: same role, callsign and team): what the earlier
/// one said, without its notes or its end, which belong to it alone.
pub fn values_for_another(rev: &Revision, local: LocalTime) -> FormValues {
    let mut values = revision_to_form(rev, local);
    for key in [NOTES, ENDED, ENDED_AT] {
        values.remove(key);
    }
    values.remove(&fold_key(ENDED_AT));
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
