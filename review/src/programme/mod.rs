//! The programme return screen: a period's figures as headline numbers,
//! SVG charts and tables, with its CSV export and a printable page; a
//! submitted period shows its frozen figures and what changed since.
mod chart;
mod charts;
mod ethnicity;
pub(crate) mod format;
mod page;
mod submitted;
mod tables;

pub use page::ReturnView;
