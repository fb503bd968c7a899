//! `sonet-report`: the results model every suite writes and every report reads, its analysis
//! and its renderings.
//!
//! It links no cryptography: the suites (which drive the `sonet` library) produce the model,
//! `cargo xtask` reads it back, and neither needs the other's dependencies for that.

pub mod analysis;
pub mod claims;
pub mod model;
pub mod render;
pub mod units;

#[cfg(test)]
mod fixtures;
