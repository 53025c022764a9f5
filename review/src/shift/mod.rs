//! The shift screens: the list with its filters and the entries export,
//! and one shift's record with the supervisor's decision and, under an
//! Immediate Justice referral, its follow-ups.
mod decision;
mod entries;
mod fetch;
mod follow_up;
mod format;
mod list;
mod record;
mod table;

pub use list::{ListState, ShiftList};
pub use record::ShiftRecord;
