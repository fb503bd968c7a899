//! The cryptographic layer: the primitive traits, the algorithm registry and the providers that
//! implement them, in the manner of rustls' `crypto` module.
//!
//! - Traits, one per family: [`Kem`] (FIPS 203 ML-KEM), [`Signature`] (FIPS 204 ML-DSA,
//!   FIPS 205 SLH-DSA, FN-DSA), [`aead::Aead`] (AES-GCM, ChaCha20-Poly1305) and [`kdf::Hkdf`]
//!   (RFC 5869).
//! - The registry of parameter sets with their encoded sizes ([`KemAlgorithm`],
//!   [`SignatureAlgorithm`]).
//! - [`Provider`]: a named set of implementations of every family; [`providers`] lists the ones
//!   compiled in and the `default_for_*` / `default_*` functions choose one per algorithm.
//! - One module per backend, each with every primitive it provides: [`rustcrypto`] (pure Rust)
//!   and [`aws_lc`] (AWS-LC through aws-lc-rs; its `ffi` module holds the only `unsafe` code of
//!   the library). [`falcon`] is the round-3 Falcon verifier the `fndsa` suite runs.
//!
//! Every operation takes the deterministic inputs the standards define (seeds, `m`, `rnd`)
//! explicitly, so conformance vectors can drive it; the `*_random` helpers draw those inputs
//! from the operating system's RNG for ordinary use.
//!
//! Nothing here knows the layers above (`hybrid`, `mls`, `service`): data flows one way,
//! `crypto` ← `hybrid` ← `mls` ← `service`.
//!
//! # What does not go through a [`Provider`]
//!
//! Some primitives the upper layers use have a single implementation and are called directly,
//! not through a provider, so the conformance matrix shows them under their own crate:
//! - HPKE (RFC 9180) in `hybrid::hpke`: rust-hpke for DHKEM(P-256/384/521, X25519), its AEADs and
//!   KDFs, and Sonet's own DHKEM(X448);
//! - X-Wing in `hybrid::xwing`: the RustCrypto `x-wing` crate;
//! - EdDSA (Ed25519, Ed448) and ECDSA (P-256/384/521) signatures, SHA-2 hashing and HMAC in
//!   `mls::primitives`: `ed25519-dalek`, `ed448-goldilocks`, `p256`/`p384`/`p521`, `sha2`,
//!   `hmac` (its ML-DSA, AEAD and HKDF go through the default providers);
//! - TLS in the service: rustls on aws-lc-rs.

pub mod aead;
mod algorithm;
pub mod falcon;
pub mod kdf;
mod kem;
mod provider;
pub mod rustcrypto;
mod signature;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

pub use crate::secret::SecretBytes;
pub use algorithm::{KemAlgorithm, KemSizes, SignatureAlgorithm, SignatureFamily, SignatureSizes};
pub use kem::{Encapsulation, Kem, KemKeyPair};
pub use provider::{
    default_aead, default_for_aead, default_for_hkdf, default_for_kem, default_for_signature,
    default_hkdf, default_kem, default_signature, provider, providers, Provider,
};
pub use signature::{Signature, SignatureKeyPair, SignedMessage, SigningRandomness};

/// Errors of the PQC layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PqcError {
    /// A name that matches no parameter set of the registry (names compare case-insensitively);
    /// carries the name as given.
    #[error("unknown algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// An input whose length is not the one its parameter set's encoding fixes (keys,
    /// ciphertexts, seeds, randomness); checked before the bytes are used.
    #[error("{what} has length {got}, expected {expected}")]
    InvalidLength {
        /// Which input, e.g. `ML-KEM encapsulation key`.
        what: &'static str,
        /// Its length in bytes.
        got: usize,
        /// The length the encoding requires, in bytes.
        expected: usize,
    },
    /// The FIPS 203 §7.2 modulus check on an encapsulation key failed.
    #[error("encapsulation key fails the FIPS 203 modulus check")]
    InvalidEncapsulationKey,
    /// The FIPS 203 §7.3 hash check on a decapsulation key failed.
    #[error("decapsulation key fails the FIPS 203 hash check")]
    InvalidDecapsulationKey,
    /// An input that does not decode (e.g. a Falcon header or a coefficient out of range, a key
    /// a backend rejects), or a request with no defined meaning (M' of external μ); names what.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A context string longer than 255 bytes: FIPS 204 / 205 and FN-DSA encode |ctx| in one byte.
    /// Carries the given length.
    #[error("context string is {0} bytes; at most 255 are allowed")]
    ContextTooLong(usize),
    /// A well-formed signature that does not verify under the public key and message.
    #[error("signature verification failed")]
    InvalidSignature,
    /// The provider implements the parameter set but not this operation or interface (e.g. SLH-DSA
    /// with external μ, FN-DSA's internal interface or deterministic signing).
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        /// The provider's [`Provider::name`].
        provider: &'static str,
        /// The operation refused, e.g. `FN-DSA deterministic signing`.
        operation: &'static str,
        /// Why the provider does not offer it.
        reason: &'static str,
    },
    /// The operating system's random number generator (`getrandom`) returned an error.
    #[error("operating system RNG failed")]
    Rng,
    /// The backend library (aws-lc) reported a failure without a reason, in key generation,
    /// import/export, encapsulation, decapsulation or signing.
    #[error("{provider} reported an internal failure in {operation}")]
    Backend {
        /// The provider's [`Provider::name`].
        provider: &'static str,
        /// The operation that failed.
        operation: &'static str,
    },
}

pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), PqcError> {
    getrandom::fill(buf).map_err(|_| PqcError::Rng)
}

/// Checks an input's length against the expected encoding size.
pub(crate) fn expect_len(
    what: &'static str,
    bytes: &[u8],
    expected: usize,
) -> Result<(), PqcError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(PqcError::InvalidLength {
            what,
            got: bytes.len(),
            expected,
        })
    }
}
