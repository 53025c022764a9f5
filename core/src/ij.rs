//! Immediate Justice follow-ups (issue #11, item 7): how a reparation went
//! (when it started, the hours done, where it stands, the day it ended),
//! recorded by anyone in the referral's team, not only by the officer who
//! made the referral on the phone that holds it.
//!
//! A follow-up never changes the referral's entry: it is kept beside it,
//! append-only, and the referral's figures are those of the latest of the
//! two that was recorded (the server's `programme` and `entries.csv`; see
//! `server/README.md`). Its rules are the ones the referral's own fields
//! follow ([`crate::record::IjReferral`]), judged against the referral.
use crate::codes::IjOutcome;
use crate::ids::{EntryId, FollowUpId};
use crate::record::{IjReferral, MAX_IJ_HOURS};
use crate::validate::{Checker, FieldError, Rule};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/ij-referrals/{entry_id}/follow-ups`: one follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IjFollowUp {
    /// Made by the client before the first send: sending it again is
    /// answered `already_had`, never stored twice.
    pub follow_up_id: FollowUpId,
    /// The referral's entry (an `ij_referral`); the same as the path's.
    pub entry_id: EntryId,
    /// When the reparation started (UTC). Absent only when the person
    /// declined it.
    #[serde(
        default,
        with = "crate::time::rfc3339_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub reparation_started_at: Option<DateTime<Utc>>,
    /// Hours done so far, at most the hours ordered.
    pub hours_completed: u32,
    pub result: IjOutcome,
    /// The local day it ended (completed, not completed or declined);
    /// absent while it is under way.
    #[serde(
        default,
        with = "crate::time::date_opt",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub completed_on: Option<NaiveDate>,
    /// Details (they become the referral's outcome text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub note: Option<String>,
    /// Who is recording it and how they know ("IJ coordinator: the
    /// provider confirmed 6 hours"): someone other than the referring
    /// officer records what they did not see, so the record says why.
    pub reason: String,
}

/// What a follow-up is judged against: its referral, as the server holds
/// it, and the force's calendar.
pub struct FollowUpContext<'a> {
    /// The referral's latest revision.
    pub referral: &'a IjReferral,
    /// When the referral was made (its entry's time).
    pub referred_at: DateTime<Utc>,
    /// Now, by the server's clock: a follow-up tells what has happened.
    pub now: DateTime<Utc>,
    /// The force's local day of an instant.
    pub local_date: &'a dyn Fn(DateTime<Utc>) -> NaiveDate,
}

/// The referral's fields a follow-up sets ([`IjFollowUp::apply`]): the
/// server lays them over the referral's stored JSON, and a field set to
/// nothing is taken away (a start date only gives way to the start's time).
pub const FOLLOW_UP_FIELDS: [&str; 6] = [
    "reparation_started",
    "reparation_started_at",
    "hours_completed",
    "result",
    "completed_on",
    "outcome",
];

impl IjFollowUp {
    /// The referral's rules ([`IjReferral`]'s check), for a follow-up:
    /// hours within 0 to the hours ordered, a start not before the
    /// referral, an end day not before the start's day, nothing in the
    /// future, an end day exactly when the reparation is no longer under
    /// way, and "completed" only with every ordered hour done.
    pub fn check(&self, cx: &FollowUpContext<'_>) -> Result<(), Vec<FieldError>> {
        let mut c = Checker::new();
        c.required(
            "reason",
            &self.reason,
            "who is recording this and how they know",
        );
        if let Some(note) = &self.note {
            c.long_text("note", note);
        }
        c.range(
            "hours_completed",
            Some(self.hours_completed),
            0,
            MAX_IJ_HOURS,
        );
        if cx
            .referral
            .hours_ordered
            .is_some_and(|ordered| self.hours_completed > ordered)
        {
            c.rule("hours_completed", Rule::HoursCompletedExceedOrdered);
        }
        let declined = self.result == IjOutcome::Declined;
        match self.reparation_started_at {
            Some(start) if start < cx.referred_at => {
                c.rule("reparation_started_at", Rule::ReparationBeforeReferral);
            }
            Some(start) if start > cx.now => c.rule("reparation_started_at", Rule::InTheFuture),
            Some(_) => {}
            // Someone who declined never started.
            None if declined => {}
            None => c.chosen(
                "reparation_started_at",
                &self.reparation_started_at,
                "when the reparation started",
            ),
        }
        let began = self
            .reparation_started_at
            .map(cx.local_date)
            .or(cx.referral.referral_date)
            .unwrap_or_else(|| (cx.local_date)(cx.referred_at));
        match (self.result, self.completed_on) {
            (IjOutcome::InProgress, Some(_)) => c.rule("completed_on", Rule::EndedWhileUnderWay),
            (IjOutcome::InProgress, None) => {}
            (_, None) => c.chosen("completed_on", &self.completed_on, "the day it ended"),
            (_, Some(day)) if day < began => c.rule("completed_on", Rule::CompletedBeforeStart),
            (_, Some(day)) if day > (cx.local_date)(cx.now) => {
                c.rule("completed_on", Rule::InTheFuture)
            }
            (_, Some(_)) => {}
        }
        if self.result == IjOutcome::Completed
            && Some(self.hours_completed) != cx.referral.hours_ordered
        {
            c.rule("hours_completed", Rule::CompletedWithHoursLeft);
        }
        c.finish()
    }

    /// The referral as this follow-up says it stands: the start, hours,
    /// result, end day and details ([`FOLLOW_UP_FIELDS`]) are the
    /// follow-up's; the rest is the referral's.
    pub fn apply(&self, r: &mut IjReferral) {
        r.reparation_started = None;
        r.reparation_started_at = self.reparation_started_at;
        r.hours_completed = Some(self.hours_completed);
        r.result = Some(self.result);
        r.completed_on = self.completed_on;
        r.outcome = self.note.clone().unwrap_or_default();
    }
}

/// A follow-up as the server keeps it: who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFollowUp {
    pub follow_up: IjFollowUp,
    /// The officer ID of who recorded it (from their session).
    pub recorded_by: String,
    /// When the server stored it (UTC, RFC 3339).
    pub recorded_at: String,
}

/// Whether a follow-up was new to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FollowUpOutcome {
    /// Stored now (201).
    Stored,
    /// The same follow-up was stored before (200): nothing changed.
    AlreadyHad,
}

/// The answer to a follow-up sent: stored now or before, as it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpAnswer {
    pub outcome: FollowUpOutcome,
    pub stored: StoredFollowUp,
}

/// `GET /api/v1/ij-referrals/{entry_id}/follow-ups`: a referral's
/// follow-ups, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUps {
    pub entry_id: EntryId,
    pub follow_ups: Vec<StoredFollowUp>,
}

/// The path of a referral's follow-ups.
pub fn follow_ups_path(entry_id: &EntryId) -> String {
    format!("/api/v1/ij-referrals/{entry_id}/follow-ups")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Problem;
    use chrono::TimeZone;

    fn utc(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, d, h, 0, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, d).unwrap()
    }

    fn referral() -> IjReferral {
        IjReferral {
            referral_date: Some(day(10)),
            hours_ordered: Some(6),
            ..IjReferral::default()
        }
    }

    /// Six hours done, started two days after a referral on the 10th at
    /// 09:00, completed on the 14th.
    fn completed() -> IjFollowUp {
        IjFollowUp {
            follow_up_id: FollowUpId::from_random_bytes([1; 16]),
            entry_id: EntryId::from_random_bytes([2; 16]),
            reparation_started_at: Some(utc(12, 9)),
            hours_completed: 6,
            result: IjOutcome::Completed,
            completed_on: Some(day(14)),
            note: None,
            reason: "IJ coordinator: the provider confirmed the hours".into(),
        }
    }

    /// The fields refused, with their problems.
    fn problems(f: &IjFollowUp) -> Vec<(String, Problem)> {
        let r = referral();
        // UTC days, for the test.
        let local_date = |t: DateTime<Utc>| t.date_naive();
        let cx = FollowUpContext {
            referral: &r,
            referred_at: utc(10, 9),
            now: utc(20, 12),
            local_date: &local_date,
        };
        match f.check(&cx) {
            Ok(()) => vec![],
            Err(errors) => errors.into_iter().map(|e| (e.field, e.problem)).collect(),
        }
    }

    fn rule(field: &str, rule: Rule) -> Vec<(String, Problem)> {
        vec![(field.into(), Problem::Rule(rule))]
    }

    #[test]
    fn a_completion_with_every_hour_done_after_the_start_is_accepted() {
        assert_eq!(problems(&completed()), vec![]);
        let under_way = IjFollowUp {
            hours_completed: 2,
            result: IjOutcome::InProgress,
            completed_on: None,
            ..completed()
        };
        assert_eq!(problems(&under_way), vec![]);
        let declined = IjFollowUp {
            reparation_started_at: None,
            hours_completed: 0,
            result: IjOutcome::Declined,
            completed_on: Some(day(11)),
            ..completed()
        };
        assert_eq!(problems(&declined), vec![]);
    }

    #[test]
    fn hours_stay_within_what_was_ordered() {
        let over = IjFollowUp {
            hours_completed: 7,
            ..completed()
        };
        assert_eq!(
            problems(&over)[0],
            (
                "hours_completed".into(),
                Problem::Rule(Rule::HoursCompletedExceedOrdered)
            )
        );
        let absurd = IjFollowUp {
            hours_completed: MAX_IJ_HOURS + 1,
            result: IjOutcome::InProgress,
            completed_on: None,
            ..completed()
        };
        assert_eq!(
            problems(&absurd)[0],
            (
                "hours_completed".into(),
                Problem::OutOfRange {
                    min: 0,
                    max: MAX_IJ_HOURS.into()
                }
            )
        );
    }

    #[test]
    fn completed_means_every_ordered_hour_done_and_a_day_it_ended() {
        let short = IjFollowUp {
            hours_completed: 5,
            ..completed()
        };
        assert_eq!(
            problems(&short),
            rule("hours_completed", Rule::CompletedWithHoursLeft)
        );
        let no_day = IjFollowUp {
            completed_on: None,
            ..completed()
        };
        assert_eq!(
            problems(&no_day),
            vec![(
                "completed_on".into(),
                Problem::NotChosen {
                    what: "the day it ended".into()
                }
            )]
        );
        // Ended short of the hours: a result that says so, not "completed".
        let not_completed = IjFollowUp {
            hours_completed: 3,
            result: IjOutcome::NotCompleted,
            ..completed()
        };
        assert_eq!(problems(&not_completed), vec![]);
        let ended_under_way = IjFollowUp {
            hours_completed: 3,
            result: IjOutcome::InProgress,
            ..completed()
        };
        assert_eq!(
            problems(&ended_under_way),
            rule("completed_on", Rule::EndedWhileUnderWay)
        );
    }

    #[test]
    fn nothing_before_the_referral_or_the_start_nor_in_the_future() {
        let early = IjFollowUp {
            reparation_started_at: Some(utc(10, 8)),
            ..completed()
        };
        assert_eq!(
            problems(&early),
            rule("reparation_started_at", Rule::ReparationBeforeReferral)
        );
        let ended_first = IjFollowUp {
            completed_on: Some(day(11)),
            ..completed()
        };
        assert_eq!(
            problems(&ended_first),
            rule("completed_on", Rule::CompletedBeforeStart)
        );
        let ahead = IjFollowUp {
            reparation_started_at: Some(utc(21, 9)),
            completed_on: Some(day(22)),
            ..completed()
        };
        assert_eq!(
            problems(&ahead),
            vec![
                (
                    "reparation_started_at".into(),
                    Problem::Rule(Rule::InTheFuture)
                ),
                ("completed_on".into(), Problem::Rule(Rule::InTheFuture)),
            ]
        );
        let no_start = IjFollowUp {
            reparation_started_at: None,
            ..completed()
        };
        assert_eq!(problems(&no_start)[0].0, "reparation_started_at");
        let no_reason = IjFollowUp {
            reason: " ".into(),
            ..completed()
        };
        assert_eq!(problems(&no_reason)[0].0, "reason");
    }

    #[test]
    fn the_follow_up_sets_exactly_its_fields_of_the_referral() {
        let before = IjReferral {
            person: "J. Smith".into(),
            reparation_started: Some(day(12)),
            hours_completed: Some(1),
            outcome: "Started".into(),
            ..referral()
        };
        let mut after = before.clone();
        completed().apply(&mut after);
        assert_eq!(after.reparation_started, None);
        assert_eq!(after.reparation_started_at, Some(utc(12, 9)));
        assert_eq!(after.hours_completed, Some(6));
        assert_eq!(after.result, Some(IjOutcome::Completed));
        assert_eq!(after.completed_on, Some(day(14)));
        assert_eq!(after.outcome, "");
        // Every other field as it was: the JSON differs only in FOLLOW_UP_FIELDS.
        let (mut b, mut a) = (json(&before), json(&after));
        for field in FOLLOW_UP_FIELDS {
            b.remove(field);
            a.remove(field);
        }
        assert_eq!(a, b);
    }

    fn json(r: &IjReferral) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(r).unwrap() {
            serde_json::Value::Object(m) => m,
            other => panic!("{other}"),
        }
    }

    #[test]
    fn the_wire_form_leaves_out_what_is_empty_and_refuses_unknown_fields() {
        let f = IjFollowUp {
            completed_on: None,
            result: IjOutcome::InProgress,
            ..completed()
        };
        let text = serde_json::to_string(&f).unwrap();
        assert!(
            !text.contains("completed_on") && !text.contains("note"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<IjFollowUp>(&text).unwrap(), f);
        let extra = text.replacen('{', r#"{"hours_ordered":9,"#, 1);
        assert!(serde_json::from_str::<IjFollowUp>(&extra).is_err());
    }
}
