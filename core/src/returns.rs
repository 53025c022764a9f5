//! Submitted programme returns on the wire (`/api/v1/returns`): the frozen
//! figures of a period with who submitted them, when, and a SHA-256 of
//! their content, and what changed under them since.
//!
//! A submitted return is what the screen and the CSV show for its period
//! from then on. Submitting again makes the next revision; earlier ones
//! are kept and can be read by number.
use crate::review::ProgrammeReturn;
use serde::{Deserialize, Serialize};

/// `POST /api/v1/returns`: submit the return of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitReturn {
    /// First day (a local day of the force's zone), YYYY-MM-DD.
    pub from: String,
    /// Last day, inclusive, YYYY-MM-DD.
    pub to: String,
    /// One team; absent: every team the supervisor supervises (an admin
    /// must name one).
    #[serde(default)]
    pub team: Option<String>,
}

/// A submitted return: the figures as they were when submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedReturn {
    pub from: String,
    pub to: String,
    /// The teams the return covers, sorted: with the period, what names it.
    pub teams: Vec<String>,
    /// 1 for the first submission of the period; each resubmission adds one.
    pub revision: u32,
    /// How many revisions the period has (this one may be an earlier one).
    pub revisions: u32,
    /// The officer ID of who submitted it.
    pub submitted_by: String,
    /// When (UTC, RFC 3339).
    pub submitted_at: String,
    /// SHA-256, lowercase hex, of [`canonical_figures`] of `figures`.
    pub sha256: String,
    pub figures: ProgrammeReturn,
}

/// The bytes a submitted return's hash is taken over: the figures' JSON as
/// serde writes them (fields in declaration order, maps sorted, numbers
/// as `serde_json` prints them), which is also the text the server stores.
pub fn canonical_figures(figures: &ProgrammeReturn) -> Result<String, serde_json::Error> {
    serde_json::to_string(figures)
}

/// The rows a submitted return's CSV starts with, before its figures
/// ([`crate::review::rows`]): group `submission`, name `all`, metrics
/// `revision`, `submitted_by`, `submitted_at` and `sha256`.
pub fn submission_rows(sub: &SubmittedReturn) -> Vec<[String; 4]> {
    [
        ("revision", sub.revision.to_string()),
        ("submitted_by", sub.submitted_by.clone()),
        ("submitted_at", sub.submitted_at.clone()),
        ("sha256", sub.sha256.clone()),
    ]
    .into_iter()
    .map(|(metric, value)| ["submission".into(), "all".into(), metric.into(), value])
    .collect()
}

/// What changed a submitted period's figures, or may have: something that
/// arrived or was decided after the submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnChange {
    /// `late_sync` (an entry that reached the server after the
    /// submission), `ended` (a shift or patrol ended since), `correction`,
    /// `withdrawal`, `review` (a decision on a shift of the period) or
    /// `follow_up` (an Immediate Justice follow-up of a referral of the
    /// period, or of one completed in it).
    pub kind: String,
    /// When it reached the server or was decided (UTC).
    pub at: String,
    /// The entry (for a review: the shift).
    pub entry_id: String,
    /// The entry's short reference (BB-XXXX-XXXX).
    pub reference: String,
    /// The record kind of the entry (`shift` for a review).
    pub entry_kind: String,
    pub officer_id: String,
    /// When the entry happened (UTC).
    pub occurred_at: String,
    /// A correction's or withdrawal's reason; a review's state and
    /// comment; a follow-up's result, who recorded it and why.
    pub detail: String,
}

/// `GET /api/v1/returns/changes`: the changes since the latest revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReturnChanges {
    /// The revision they are measured against (the latest).
    pub revision: u32,
    pub submitted_at: String,
    /// Oldest first.
    pub changes: Vec<ReturnChange>,
}

/// A change's kind in words, for the supervisor's screen.
pub fn change_label(kind: &str) -> &'static str {
    match kind {
        "late_sync" => "Arrived after submission",
        "ended" => "Ended after submission",
        "correction" => "Corrected",
        "withdrawal" => "Withdrawn",
        "review" => "Reviewed",
        "follow_up" => "Follow-up recorded",
        _ => "Changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures as a server wrote them before the ethnicity, search seizure
    /// and persons-per-power figures (as stored with a submitted return).
    const BEFORE_ITEM_7: &str = concat!(
        r#"{"from":"2025-10-01","to":"2025-10-31","time_zone":"Europe/London","#,
        r#""totals":{"patrols":4,"patrols_not_ended":0,"person_hours":0.95,"#,
        r#""visit_median_minutes":18.5,"visits_10_to_15_share":0.5,"arrests":2,"#,
        r#""stop_searches":2,"stop_search_outcomes":{"arrest":1,"nfa":1},"#,
        r#""stop_search_outcomes_by_power":{"mda_s23":{"arrest":1},"pace_s1":{"nfa":1}},"#,
        r#""stop_search_linked_share":0.5,"asb":{"informal_warning":1,"seizure":1},"#,
        r#""asb_persons":5,"seizures":{"vehicle":1},"ij_referrals":1,"#,
        r#""ij_started_within_48h":1,"ij_completed":1},"#,
        r#""by_area":{},"by_role":{},"by_week":[{"week":"2025-09-29","patrols":0,"person_hours":0.0}],"#,
        r#""disputed_shifts":0,"#,
        r#""disputed":{"patrols":0,"patrols_not_ended":0,"person_hours":0.0,"#,
        r#""visit_median_minutes":null,"visits_10_to_15_share":null,"arrests":0,"#,
        r#""stop_searches":0,"stop_search_outcomes":{},"stop_search_outcomes_by_power":{},"#,
        r#""stop_search_linked_share":null,"asb":{},"asb_persons":0,"seizures":{},"#,
        r#""ij_referrals":0,"ij_started_within_48h":0,"ij_completed":0},"withdrawn":0}"#,
    );

    /// A return submitted before the newer figures still reads back, and
    /// to the same bytes, so the hash it was submitted with still holds.
    #[test]
    fn a_return_submitted_before_the_newer_figures_reads_back_to_its_bytes() {
        let read: ProgrammeReturn = serde_json::from_str(BEFORE_ITEM_7).unwrap();
        assert_eq!(read.totals.asb_persons, 5);
        assert!(read.totals.stop_search_ethnicity.is_empty());
        assert!(read.totals.search_seizures.is_empty());
        assert_eq!(canonical_figures(&read).unwrap(), BEFORE_ITEM_7);
    }
}
