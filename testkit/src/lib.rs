//! Test support shared by Sonet's unit tests, end-to-end tests, conformance suites, benchmarks
//! and xtask: the pinned-vector manifest and its sha256-checked reader, the tansu broker
//! launcher and unique names; with the `peers` feature, the peer implementations the suites and
//! benchmarks compare Sonet with.


#[cfg(feature = "peers")]
pub mod peers;
pub mod tansu;
pub mod unique;
pub mod vectors;
