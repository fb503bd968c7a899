//! Sonet: a reference post-quantum end-to-end encrypted messaging stack.
//!
//! This crate is the implementation under test; the conformance suites (`suites/`), benchmarks
//! (`bench/`) and automation (`xtask/`) depend on it, never the other way round.

// The only `unsafe` code is the AWS-LC FFI (`crypto::aws_lc::ffi`), which allows it for itself.
#![deny(unsafe_code)]

pub mod bus;
pub mod crypto;
pub mod hybrid;
pub mod mls;
pub mod secret;
pub mod service;
