//! Classical primitives and hybrid encryption: AEAD, HKDF, HPKE (RFC 9180), the X-Wing hybrid
//! KEM, and Sonet's versioned hybrid envelope.

pub mod envelope;
pub mod hpke;
pub mod xwing;
