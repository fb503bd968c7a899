//! Sonet's conformance suites.
//!
//! One module per suite (`fips203`, …, `rfc9420`), the vector-format readers they share
//! (`formats`), the runner, the sha256-checked vector store, and the measurements the
//! design-document claims are judged from (`claims`). The suites drive the `sonet` library and
//! sit behind the default `runner` feature; the results model they write is `sonet-report`'s, the
//! vector manifest `sonet_testkit::vectors`'.
pub mod rng;

#[cfg(feature = "runner")]
pub mod aead;
#[cfg(feature = "runner")]
pub mod claims;
#[cfg(feature = "runner")]
pub mod fips203;
#[cfg(feature = "runner")]
pub mod fips204;
#[cfg(feature = "runner")]
pub mod fips205;
#[cfg(feature = "runner")]
pub mod fndsa;
#[cfg(feature = "runner")]
pub mod formats;
#[cfg(feature = "runner")]
pub mod hkdf;
#[cfg(feature = "runner")]
pub mod hpke;
#[cfg(feature = "runner")]
pub mod hybrid;
#[cfg(feature = "runner")]
pub mod kats;
#[cfg(feature = "runner")]
pub mod rfc9420;
#[cfg(feature = "runner")]
pub mod runner;
#[cfg(feature = "runner")]
pub mod vectors;
#[cfg(feature = "runner")]
pub mod xwing;

/// Every suite, in report order.
#[cfg(feature = "runner")]
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
