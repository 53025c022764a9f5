//! Validation results shared by the form (inline messages) and the server
//! (per-change rejections). A problem always names the field it belongs to.
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Longest free text accepted in one field (a long grounds narrative fits).
pub const MAX_TEXT: usize = 4000;
/// Longest short field (a callsign, a registration, a place name).
pub const MAX_SHORT_TEXT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "problem", content = "detail", rename_all = "snake_case")]
pub enum Problem {
    #[error("Enter {what}")]
    Missing { what: String },
    #[error("Choose {what}")]
    NotChosen { what: String },
    #[error("Too long: at most {max} characters")]
    TooLong { max: usize },
    #[error("Remove control characters")]
    ControlCharacters,
    #[error("Enter a whole number")]
    NotANumber,
    #[error("Must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
    #[error("Enter a valid date")]
    BadDate,
    #[error("Enter a valid date and time")]
    BadDateTime,
    /// A wall-clock time in the gap when the clocks went forward.
    #[error("That time did not happen: the clocks went forward an hour then")]
    TimeSkipped,
    /// A wall-clock time in the hour the clocks went back: which one?
    #[error("That time happened twice (the clocks went back): choose which")]
    TimeTwice,
    #[error("Choose one of the listed options")]
    UnknownOption,
    #[error("{0}")]
    Rule(Rule),
}

/// Rules that are more than "this field is required".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    #[error("Leave blank when the same as the self-defined ethnicity")]
    PerceivedSameAsSelfDefined,
    #[error("Record the ethnicity you perceive, not \"not stated\"")]
    PerceivedNotStated,
    #[error("Choose at least one necessity criterion (PACE Code G)")]
    NoNecessityCriterion,
    #[error("A reason is given for a criterion that is not chosen")]
    ReasonForCriterionNotChosen,
    #[error("The caution cannot come before the arrest")]
    CautionBeforeArrest,
    #[error("Give either the custody suite or why not taken to custody, not both")]
    CustodyAndNoCustody,
    #[error("An s60 authorisation lasts at most 48 hours, an s47A one 14 days")]
    AuthorisationTooLong,
    #[error("The search time is outside the authorisation's period")]
    OutsideAuthorisation,
    #[error("This power is for vehicles: tick that a vehicle was searched")]
    VehiclePowerWithoutVehicle,
    #[error("Link the warning this notice follows, or give its reference")]
    CpnWithoutWarning,
    #[error("Completed means every ordered hour is done")]
    CompletedWithHoursLeft,
    #[error("Cannot be completed before it started")]
    CompletedBeforeStart,
    #[error("Leave the end date blank while the reparation is under way")]
    EndedWhileUnderWay,
    #[error("A Community Protection Notice needs the person to be 16 or over")]
    CpnUnderSixteen,
    #[error("A dispersal direction lasts at most 48 hours")]
    DispersalTooLong,
    #[error("A PSPO fixed penalty is at most £100")]
    PspoPenaltyTooHigh,
    #[error("Hours completed cannot exceed hours ordered")]
    HoursCompletedExceedOrdered,
    #[error("Reparation cannot start before the referral")]
    ReparationBeforeReferral,
    #[error("Leave the start date blank: the start's date and time are given")]
    ReparationStartGivenTwice,
    #[error("Cannot end before it started")]
    EndsBeforeStart,
    #[error("That time is too far in the future")]
    InTheFuture,
    #[error("That time is too far in the past")]
    TooFarInThePast,
    #[error("Latitude, longitude or accuracy out of range")]
    BadLocation,
    #[error("Give the reason for the correction")]
    CorrectionWithoutReason,
    #[error("This record must belong to a shift")]
    NoShift,
    #[error("A shift cannot belong to another shift")]
    ShiftInsideShift,
    #[error("A patrol must belong to a shift")]
    PatrolWithoutShift,
    #[error("A patrol cannot be inside another patrol")]
    PatrolInsidePatrol,
    #[error("This record type is switched off for this force")]
    RecordTypeDisabled,
    #[error("The link to the previous entry must be a SHA-256 in 64 lowercase hexadecimal digits")]
    BadChainLink,
    #[error("Use lowercase letters, digits and hyphens, at most 40")]
    BadHotspotId,
    #[error("Not one of the force's hotspots")]
    UnknownHotspot,
    #[error("Another hotspot already has this ID")]
    DuplicateHotspot,
    #[error("A hotspot is retired, never removed: past returns name it")]
    HotspotRemoved,
    #[error("A radius needs a centre")]
    RadiusWithoutCentre,
}

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// Collects problems while checking one record.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, problem: Problem) {
        // One message per field is enough, and the first is the most basic.
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError {
                field: field.to_owned(),
                problem,
            });
        }
    }

    pub fn rule(&mut self, field: &str, rule: Rule) {
        self.add(field, Problem::Rule(rule));
    }

    /// A required short text: present, one line, within length.
    pub fn required(&mut self, field: &str, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.add(field, Problem::Missing { what: what.into() });
        } else {
            self.short_text(field, value);
        }
    }

    /// A required free text that may span lines.
    pub fn required_long(&mut self, field: &str, value: &str, what: &str) {
        if value.trim().is_empty() {
            self.add(field, Problem::Missing { what: what.into() });
        } else {
            self.long_text(field, value);
        }
    }

    pub fn chosen<T>(&mut self, field: &str, value: &Option<T>, what: &str) {
        if value.is_none() {
            self.add(field, Problem::NotChosen { what: what.into() });
        }
    }

    pub fn short_text(&mut self, field: &str, value: &str) {
        if value.chars().count() > MAX_SHORT_TEXT {
            self.add(
                field,
                Problem::TooLong {
                    max: MAX_SHORT_TEXT,
                },
            );
        } else if value.chars().any(char::is_control) {
            self.add(field, Problem::ControlCharacters);
        }
    }

    pub fn long_text(&mut self, field: &str, value: &str) {
        if value.chars().count() > MAX_TEXT {
            self.add(field, Problem::TooLong { max: MAX_TEXT });
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
        {
            self.add(field, Problem::ControlCharacters);
        }
    }

    pub fn range(&mut self, field: &str, value: Option<u32>, min: u32, max: u32) {
        if let Some(v) = value {
            if v < min || v > max {
                self.add(
                    field,
                    Problem::OutOfRange {
                        min: min.into(),
                        max: max.into(),
                    },
                );
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}
