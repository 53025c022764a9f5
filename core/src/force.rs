//! The force's settings: one typed document an admin sets (`beatbook-server
//! force set`, or `POST /api/v1/force`) and every signed-in app reads
//! (`GET /api/v1/force`) and keeps for offline use.
//!
//! Each setting has a default that is what the app did before settings
//! existed, so a force that never sets anything sees no change, and an app
//! that has not heard from the server yet behaves as it always has.
use crate::validate::{Checker, FieldError, Problem};
use serde::{Deserialize, Serialize};

/// Lock after this many idle minutes, unless the force says otherwise.
pub const DEFAULT_LOCK_MINUTES: u32 = 10;
/// Synced shifts stay on the phone this many days after they end.
pub const DEFAULT_RETENTION_DAYS: u32 = 7;
/// Bounds an admin may set. A lock shorter than a minute would lock an
/// officer mid-sentence; longer than an hour leaves a lost phone open. A
/// phone keeps synced shifts at least a day (the officer may need to
/// correct last night's) and at most 90 days (the server has them all).
pub const LOCK_MINUTES: (u32, u32) = (1, 60);
pub const RETENTION_DAYS: (u32, u32) = (1, 90);
/// A patrol longer than this is flagged for the supervisor: most likely
/// "End patrol" was forgotten, and its hours would count as hotspot time.
pub const DEFAULT_LONG_PATROL_MINUTES: u32 = 120;
/// From a quarter of an hour to a whole 12-hour shift.
pub const LONG_PATROL_MINUTES: (u32, u32) = (15, 720);

fn default_long_patrol_minutes() -> u32 {
    DEFAULT_LONG_PATROL_MINUTES
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForceSettings {
    /// Minutes without a touch before the app locks.
    pub lock_minutes: u32,
    /// Days a fully synced shift stays on the phone after it ends.
    pub retention_days: u32,
    /// Whether officers record stop and account (PACE Code A leaves it to
    /// the force). Off: the app does not offer it; entries already made
    /// stay, and still sync.
    pub stop_and_account: bool,
    /// Patrols longer than this many minutes are flagged on the shift
    /// record. Defaulted when absent: settings stored before it existed
    /// still read.
    #[serde(default = "default_long_patrol_minutes")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub long_patrol_minutes: u32,
}

impl Default for ForceSettings {
    fn default() -> Self {
        Self {
            lock_minutes: DEFAULT_LOCK_MINUTES,
            retention_days: DEFAULT_RETENTION_DAYS,
            stop_and_account: true,
            long_patrol_minutes: DEFAULT_LONG_PATROL_MINUTES,
        }
    }
}

impl ForceSettings {
    /// Each setting's field name and value as text, in order (the security
    /// log's "what changed", `force show`).
    pub fn named_values(&self) -> [(&'static str, String); 4] {
        [
            ("lock_minutes", self.lock_minutes.to_string()),
            ("retention_days", self.retention_days.to_string()),
            ("stop_and_account", self.stop_and_account.to_string()),
            ("long_patrol_minutes", self.long_patrol_minutes.to_string()),
        ]
    }

    /// Every problem, by field.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checker::new();
        for (field, value, (min, max)) in [
            ("lock_minutes", self.lock_minutes, LOCK_MINUTES),
            ("retention_days", self.retention_days, RETENTION_DAYS),
            (
                "long_patrol_minutes",
                self.long_patrol_minutes,
                LONG_PATROL_MINUTES,
            ),
        ] {
            if !(min..=max).contains(&value) {
                c.add(
                    field,
                    Problem::OutOfRange {
                        min: min.into(),
                        max: max.into(),
                    },
                );
            }
        }
        if c.is_empty() {
            Ok(())
        } else {
            Err(c.into_errors())
        }
    }
}

/// The settings as the server answers them: what an admin set, and the
/// zone the force's days are counted in (set when the server starts,
/// `serve --time-zone`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForceDocument {
    pub settings: ForceSettings,
    /// IANA name, e.g. `Europe/London`.
    pub time_zone: String,
    /// When an admin last changed the settings (RFC 3339), if ever.
    pub updated_at: Option<String>,
}

/// The officer app's reading of a [`ForceDocument`]: the settings alone
/// (the rest is skipped), decoded with [`crate::decode_struct!`]. Also what
/// the app keeps in local storage for a start without signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForceAnswer {
    pub settings: ForceSettings,
}

crate::decode_struct!(ForceAnswer { settings });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_what_the_app_did_before_settings_existed() {
        let d = ForceSettings::default();
        assert_eq!(
            (d.lock_minutes, d.retention_days, d.stop_and_account),
            (10, 7, true)
        );
        assert_eq!(d.check(), Ok(()));
    }

    #[test]
    fn out_of_range_settings_name_their_field_and_the_range() {
        let bad = ForceSettings {
            lock_minutes: 0,
            retention_days: 91,
            stop_and_account: false,
            long_patrol_minutes: 120,
        };
        let errors = bad.check().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["lock_minutes", "retention_days"]);
        assert_eq!(
            errors[0].to_string(),
            "lock_minutes: Must be between 1 and 60"
        );
        assert_eq!(
            errors[1].to_string(),
            "retention_days: Must be between 1 and 90"
        );
        let edges = ForceSettings {
            lock_minutes: 60,
            retention_days: 1,
            stop_and_account: false,
            long_patrol_minutes: 720,
        };
        assert_eq!(edges.check(), Ok(()));
    }

    #[test]
    fn the_document_reads_back_what_it_writes_and_refuses_missing_fields() {
        let doc = ForceDocument {
            settings: ForceSettings::default(),
            time_zone: "Europe/London".into(),
            updated_at: None,
        };
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            json,
            r#"{"settings":{"lock_minutes":10,"retention_days":7,"stop_and_account":true,"long_patrol_minutes":120},"time_zone":"Europe/London","updated_at":null}"#
        );
        assert_eq!(serde_json::from_str::<ForceDocument>(&json).unwrap(), doc);
        assert!(serde_json::from_str::<ForceSettings>(r#"{"lock_minutes":5}"#).is_err());
        // Stored before the long-patrol setting existed: still read.
        let old: ForceSettings = serde_json::from_str(
            r#"{"lock_minutes":5,"retention_days":7,"stop_and_account":true}"#,
        )
        .unwrap();
        assert_eq!(old.long_patrol_minutes, DEFAULT_LONG_PATROL_MINUTES);
    }
}
