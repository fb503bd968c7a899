//! Readers for the upstream vector formats several suites share: NIST ACVP JSON (`acvp`), NIST
//! CAVP/KAT response files (`rsp`) and Wycheproof JSON (`wycheproof`).

pub mod acvp;
pub mod rsp;
pub mod wycheproof;
