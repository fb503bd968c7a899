//! The results model: suite results, case outcomes and the design document's claims.

mod results;

pub use results::*;
