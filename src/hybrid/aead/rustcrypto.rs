//! AEADs from RustCrypto's `aes-gcm` and `chacha20poly1305`.

use super::Aead;

/// Every AEAD this provider implements.
pub static AEADS: &[&dyn Aead] = &[];
