//! Classical primitives and hybrid encryption: AEAD, HKDF, HPKE (RFC 9180), the X-Wing hybrid
//! KEM, and Sonet's versioned hybrid envelope.

pub mod aead;
pub mod envelope;
pub mod hpke;
pub mod kdf;
pub mod xwing;
