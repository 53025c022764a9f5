//! Beatbook core: domain types, validation rules and the sync protocol, shared
//! by the officer app (WebAssembly) and the server. Plain Rust only: no browser
//! or server dependencies.
pub mod api;
pub mod auth;
pub mod codes;
pub mod display;
pub mod force;
pub mod form;
pub mod ids;
pub mod ij;
pub mod json;
pub mod local_time;
pub mod log;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod order;
pub mod record;
pub mod returns;
pub mod review;
pub mod revision;
pub mod sync;
pub mod time;
pub mod validate;
pub mod wire;

pub use codes::Code;
pub use ids::{EntryId, FollowUpId, RevisionId};
pub use log::Log;
pub use record::{Record, RecordKind};
pub use revision::{Change, History, Location, Revision, RevisionError};
pub use validate::{FieldError, Problem, Rule};
