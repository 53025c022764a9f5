//! Beatbook development tools, kept out of the server binary and its
//! dependency tree (the HTTP client the load generator needs is not a
//! production dependency): the demo force (`seed`), simulated officers
//! with sessions (`bench_users`), the bare-insert ceiling (`ceiling`), what
//! a sign-in costs a running server (`sign_in_cost`), a proxy that loses
//! answers after the server did the work (`fault_proxy`), and
//! the valid sample revisions they, the load generator and the server's
//! tests make (`sample`). They reach the database only through the
//! server's own library (`beatbook_server::db`), so they write exactly
//! what the server would.
pub mod bench_users;
pub mod ceiling;
pub mod cli;
pub mod fault_proxy;
pub mod sample;
pub mod seed;
pub mod sign_in_cost;
