//! Sonet's conformance suites.
//!
//! One module per suite (`fips203`, …, `rfc9420`), the vector-format readers they share
//! (`formats`), the runner, the sha256-checked vector store, and the measurements the
//! design-document claims are judged from (`claims`). The results model they write is
//! `sonet-report`'s, the vector manifest `sonet_testkit::vectors`'.

pub mod aead;
pub mod claims;
pub mod fips203;
pub mod fips204;
pub mod fips205;
pub mod fndsa;
pub mod formats;
pub mod hkdf;
pub mod hpke;
pub mod hybrid;
pub mod kats;
pub mod rfc9420;
pub mod rng;
pub mod runner;
pub mod vectors;
pub mod xwing;

/// Every suite, in report order.
pub fn all() -> Vec<runner::Suite> {
    vec![
        fips203::SUITE,
        fips204::SUITE,
        fips205::SUITE,
        fndsa::SUITE,
        kats::SUITE,
        aead::SUITE,
        hkdf::SUITE,
        hpke::SUITE,
        xwing::SUITE,
        hybrid::SUITE,
        rfc9420::SUITE,
    ]
}
