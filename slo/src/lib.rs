//! Service level objectives, with no I/O: OpenSLO v1 definitions read with
//! the position of every problem ([`definition`]), time windows in whole
//! minutes ([`window`]), an objective's events kept per hour minute by
//! minute so that sums are exact at a window's edges ([`hours`]), and error
//! budgets, burn rates and multiwindow alerts ([`budget`]).
//!
//! The server counts good and total events from the spans it stores and
//! hands them here; what a good event is lives in [`definition::Indicator`].

pub mod budget;
pub mod definition;
pub mod hours;
pub mod window;

pub use budget::{Alert, BurnRates, BurnWindow, Counts};
pub use definition::{Definitions, Indicator, Objective, Read, Selector, Slo, StatusRule};
pub use hours::HourCounts;
pub use window::TimeWindow;
