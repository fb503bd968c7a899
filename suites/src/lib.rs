//! Sonet's conformance suites.
//!
//! The results and manifest models are always available (xtask reads them); the suites
//! themselves, which drive the `sonet` library, sit behind the default `runner` feature.

pub mod manifest;
pub mod results;
pub mod rng;

#[cfg(feature = "runner")]
pub mod claims;
#[cfg(feature = "runner")]
pub mod runner;
#[cfg(feature = "runner")]
pub mod suites;
#[cfg(feature = "runner")]
pub mod vectors;
