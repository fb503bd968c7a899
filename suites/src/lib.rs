//! Sonet's conformance suites.
//!
//! The results model is always available (xtask reads it); the suites themselves, which drive
//! the `sonet` library, sit behind the default `runner` feature. The vector manifest lives in
//! `sonet_testkit::vectors`.

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
