//! Beatbook central server: serves the built app and takes in the revisions
//! devices push, storing each exactly once.
//!
//! The binary (`main.rs`) is a thin CLI over this library so the tests can
//! start the real app in-process on a port of their choosing. The
//! development tools (demo seed, load generator, benchmark helpers) are the
//! `beatbook-tools` crate, which uses this library; nothing here uses them.
pub mod accounts;
pub mod cli;
pub mod db;
pub mod http;
pub mod maintenance;
pub mod metrics;
pub mod reports;
pub mod sync;
pub mod zone;
