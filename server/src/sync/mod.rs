//! Taking in what devices push: reading a push ([`ingest`]), the single
//! writer with group commit ([`writer`]) and the device chain it keeps
//! ([`chain`]).
pub mod chain;
pub mod ingest;
pub mod writer;
