//! The HTTP layer: the server put together ([`server`]: listeners, layers,
//! graceful shutdown), connection bounds ([`conn`]), the state every
//! handler shares ([`state`]), the API's route table ([`router`]), the one
//! error type every request can end in ([`error`]) and its extractors, the
//! built app's files, the OpenAPI description, and the resources that are
//! neither sync internals, reports nor accounts.
pub mod conn;
pub mod error;
pub mod extract;
pub mod follow_ups;
pub mod force;
pub mod health;
pub mod openapi;
pub mod revisions;
pub mod router;
pub mod server;
pub mod state;
pub mod static_files;
