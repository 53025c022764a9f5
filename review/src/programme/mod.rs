//! The programme return screen: a period's figures as headline numbers,
//! SVG charts and tables, with its CSV export and a printable page.
mod chart;
mod charts;
pub(crate) mod format;
mod page;
mod tables;

pub use page::ReturnView;
