//! HKDF from aws-lc-rs.

use super::Hkdf;

/// Every HKDF this provider implements.
pub static KDFS: &[&dyn Hkdf] = &[];
