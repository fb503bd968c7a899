//! Sonet's conformance suites.
//!
//! The manifest model is always available (xtask reads it); the suites themselves, which drive
//! the `sonet` library, sit behind the default `runner` feature. The results model they write
//! is `sonet-report`'s.

pub mod manifest;
pub mod rng;

#[cfg(feature = "runner")]
pub mod claims;
#[cfg(feature = "runner")]
pub mod runner;
#[cfg(feature = "runner")]
pub mod suites;
#[cfg(feature = "runner")]
pub mod vectors;
