//! One module per suite, plus the vector-format readers they share.

pub mod acvp;
pub mod aead;
pub mod fips203;
pub mod fips204;
pub mod fips205;
pub mod fndsa;
pub mod hkdf;
pub mod hpke;
pub mod hybrid;
pub mod kats;
pub mod rfc9420;
pub mod rfc9420_differential;
pub mod rfc9420_reference;
pub mod rfc9420_tree;
pub mod rsp;
pub mod wycheproof;
pub mod xwing;

use crate::runner::Suite;

/// Every suite, in report order.
pub fn all() -> Vec<Suite> {
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
