//! What supervisors read and a force reports: the shift list, a shift's
//! record and review decisions ([`review`]), who counts ([`members`]), the
//! programme return's arithmetic ([`programme`]), submitted returns
//! ([`returns`]) and the CSV exports ([`export`]).
pub mod export;
pub mod members;
pub mod programme;
pub mod returns;
pub mod review;
