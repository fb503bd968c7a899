//! AEADs from aws-lc-rs.

use super::Aead;

/// Every AEAD this provider implements.
pub static AEADS: &[&dyn Aead] = &[];
