pub mod auth;
pub mod detail;
pub mod form;
pub mod review_host;
pub mod shift;
pub mod status;
pub mod timeline;
