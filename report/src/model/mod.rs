//! The results model: suite results, case outcomes and the design document's claims.

pub mod report;
mod results;

pub use results::*;
