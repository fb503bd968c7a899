//! HKDF from RustCrypto's `hkdf`, `hmac`, `sha1` and `sha2`.

use super::Hkdf;

/// Every HKDF this provider implements.
pub static KDFS: &[&dyn Hkdf] = &[];
