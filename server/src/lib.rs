//! Beatbook central server: serves the built app and takes in the revisions
//! devices push, storing each exactly once.
//!
//! The binary (`main.rs`) is a thin CLI over this library so the tests can
//! start the real app in-process on a port of their choosing. The
//! development tools (demo seed, load generator, benchmark helpers) are the
//! `beatbook-tools` crate, which uses this library; nothing here uses them.
pub mod admin;
pub mod api;
pub mod app;
pub mod auth;
pub mod chain;
pub mod cli;
pub mod conn;
pub mod db;
pub mod error;
pub mod export;
pub mod extract;
pub mod follow_ups;
pub mod force;
pub mod ingest;
pub mod maintenance;
pub mod members;
pub mod metrics;
pub mod openapi;
pub mod programme;
pub mod returns;
pub mod review;
pub mod security;
pub mod static_files;
pub mod writer;
pub mod zone;
