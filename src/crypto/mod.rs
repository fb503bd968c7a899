//! Post-quantum primitives behind two small traits, [`Kem`] and [`Signature`], with pluggable
//! [`Provider`]s in the manner of rustls' `CryptoProvider`.
//!
//! Every operation takes the deterministic inputs the standards define (seeds, `m`, `rnd`)
//! explicitly, so conformance vectors can drive it; the `*_random` helpers draw those inputs
//! from the operating system's RNG for ordinary use.

pub mod aead;
mod algorithm;
pub mod falcon;
pub mod kdf;
mod provider;
pub mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

pub use crate::secret::SecretBytes;
pub use algorithm::{KemAlgorithm, KemSizes, SignatureAlgorithm, SignatureFamily, SignatureSizes};
pub use provider::{
    default_aead, default_for_aead, default_for_hkdf, default_for_kem, default_for_signature,
    default_hkdf, default_kem, default_signature, provider, providers, Provider,
};

use zeroize::Zeroizing;

/// Errors of the PQC layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PqcError {
    #[error("unknown algorithm {0:?}")]
    UnknownAlgorithm(String),
    #[error("{what} has length {got}, expected {expected}")]
    InvalidLength {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    /// The FIPS 203 §7.2 modulus check on an encapsulation key failed.
    #[error("encapsulation key fails the FIPS 203 modulus check")]
    InvalidEncapsulationKey,
    /// The FIPS 203 §7.3 hash check on a decapsulation key failed.
    #[error("decapsulation key fails the FIPS 203 hash check")]
    InvalidDecapsulationKey,
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("context string is {0} bytes; at most 255 are allowed")]
    ContextTooLong(usize),
    #[error("signature verification failed")]
    InvalidSignature,
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        provider: &'static str,
        operation: &'static str,
        reason: &'static str,
    },
    #[error("operating system RNG failed")]
    Rng,
    #[error("{provider} reported an internal failure in {operation}")]
    Backend {
        provider: &'static str,
        operation: &'static str,
    },
}

/// An ML-KEM key pair in the FIPS 203 encodings (the decapsulation key is the expanded
/// 768k+96-byte form).
#[derive(Debug, Clone)]
pub struct KemKeyPair {
    pub encapsulation_key: Vec<u8>,
    pub decapsulation_key: SecretBytes,
}

/// The result of an encapsulation.
#[derive(Debug, Clone)]
pub struct Encapsulation {
    pub ciphertext: Vec<u8>,
    pub shared_secret: SecretBytes,
}

/// A key-encapsulation mechanism (FIPS 203 ML-KEM).
pub trait Kem: Send + Sync {
    fn algorithm(&self) -> KemAlgorithm;

    /// ML-KEM.KeyGen_internal(d, z) (FIPS 203 Algorithm 16).
    fn generate_deterministic(&self, d: &[u8; 32], z: &[u8; 32]) -> Result<KemKeyPair, PqcError>;

    /// ML-KEM.Encaps_internal(ek, m) (Algorithm 17), after the encapsulation-key input checks
    /// of §7.2 (length and modulus); a key failing them is rejected, never used.
    fn encapsulate_deterministic(
        &self,
        encapsulation_key: &[u8],
        m: &[u8; 32],
    ) -> Result<Encapsulation, PqcError>;

    /// ML-KEM.Decaps (Algorithm 21) with the input checks of §7.3 (ciphertext length,
    /// decapsulation-key length, and the hash check H(ek) = h). Implicit rejection applies to
    /// an invalid ciphertext of the right length: that yields a pseudorandom secret, not an error.
    fn decapsulate(
        &self,
        decapsulation_key: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, PqcError>;

    /// The §7.2 encapsulation-key check alone (length, then ByteEncode(ByteDecode(ek)) = ek).
    fn check_encapsulation_key(&self, encapsulation_key: &[u8]) -> Result<(), PqcError>;

    /// The §7.3 decapsulation-key check alone (length, then H(ek) = h).
    fn check_decapsulation_key(&self, decapsulation_key: &[u8]) -> Result<(), PqcError>;

    /// Key generation from the 64-byte seed d ‖ z (the seed form of a decapsulation key).
    fn generate_from_seed(&self, seed: &[u8]) -> Result<KemKeyPair, PqcError> {
        expect_len("ML-KEM seed (d ‖ z)", seed, 64)?;
        let (d, z) = seed.split_at(32);
        let d: &[u8; 32] = d.try_into().map_err(|_| PqcError::Malformed("seed"))?;
        let z: &[u8; 32] = z.try_into().map_err(|_| PqcError::Malformed("seed"))?;
        self.generate_deterministic(d, z)
    }

    /// ML-KEM.KeyGen with seeds from the OS RNG.
    fn generate(&self) -> Result<KemKeyPair, PqcError> {
        let mut d = Zeroizing::new([0u8; 32]);
        let mut z = Zeroizing::new([0u8; 32]);
        fill_random(&mut *d)?;
        fill_random(&mut *z)?;
        self.generate_deterministic(&d, &z)
    }

    /// ML-KEM.Encaps with `m` from the OS RNG.
    fn encapsulate(&self, encapsulation_key: &[u8]) -> Result<Encapsulation, PqcError> {
        let mut m = Zeroizing::new([0u8; 32]);
        fill_random(&mut *m)?;
        self.encapsulate_deterministic(encapsulation_key, &m)
    }
}

/// A signature key pair in the standard's encodings.
#[derive(Debug, Clone)]
pub struct SignatureKeyPair {
    pub public_key: Vec<u8>,
    pub secret_key: SecretBytes,
}

/// What is signed. The external interface is the default; the internal and μ forms exist
/// because the ACVP and Wycheproof vectors exercise them.
#[derive(Clone, Copy, Debug)]
pub enum SignedMessage<'a> {
    /// The pure external interface with a context string of at most 255 bytes
    /// (FIPS 204 Algorithms 2/3, FIPS 205 Algorithms 22/24): M' = 0 ‖ |ctx| ‖ ctx ‖ M.
    Pure {
        message: &'a [u8],
        context: &'a [u8],
    },
    /// The internal interface: M' is given as is (FIPS 204 Algorithms 7/8, FIPS 205
    /// Algorithms 19/20).
    Internal(&'a [u8]),
    /// ML-DSA's external μ (FIPS 204 Algorithm 7 line 6 computed by the caller; 64 bytes).
    ExternalMu(&'a [u8]),
}

impl<'a> SignedMessage<'a> {
    pub fn pure(message: &'a [u8]) -> Self {
        Self::Pure {
            message,
            context: &[],
        }
    }

    /// M' for the pure and internal forms (not defined for external μ).
    pub fn formatted(&self) -> Result<Vec<u8>, PqcError> {
        match *self {
            Self::Pure { message, context } => {
                let len = u8::try_from(context.len())
                    .map_err(|_| PqcError::ContextTooLong(context.len()))?;
                let mut out = Vec::with_capacity(2 + context.len() + message.len());
                out.extend_from_slice(&[0, len]);
                out.extend_from_slice(context);
                out.extend_from_slice(message);
                Ok(out)
            }
            Self::Internal(m) => Ok(m.to_vec()),
            Self::ExternalMu(_) => Err(PqcError::Malformed("external mu has no M' form")),
        }
    }
}

/// The per-signature randomness.
#[derive(Clone, Copy, Debug)]
pub enum SigningRandomness<'a> {
    /// The deterministic variant: rnd = 0³² for ML-DSA, opt_rand = PK.seed for SLH-DSA.
    Deterministic,
    /// The hedged variant with caller-supplied randomness (rnd for ML-DSA, 32 bytes;
    /// opt_rand for SLH-DSA, n bytes; the RNG seed for FN-DSA).
    Hedged(&'a [u8]),
}

/// A signature scheme (FIPS 204 ML-DSA, FIPS 205 SLH-DSA, FN-DSA).
pub trait Signature: Send + Sync {
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Deterministic key generation from the standard's seed: ξ (ML-DSA, Algorithm 6),
    /// SK.seed ‖ SK.prf ‖ PK.seed (SLH-DSA, Algorithm 18), or an RNG seed (FN-DSA).
    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError>;

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError>;

    /// `Ok(())` for a valid signature, [`PqcError::InvalidSignature`] otherwise; malformed
    /// keys are rejected with their own error.
    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError>;

    /// Key generation with a seed from the OS RNG.
    fn generate(&self) -> Result<SignatureKeyPair, PqcError> {
        let mut seed = Zeroizing::new(vec![0u8; self.algorithm().sizes().keygen_seed]);
        fill_random(&mut seed)?;
        self.generate_from_seed(&seed)
    }

    /// Hedged signing of the pure interface with randomness from the OS RNG.
    fn sign_random(
        &self,
        secret_key: &[u8],
        message: &[u8],
        context: &[u8],
    ) -> Result<Vec<u8>, PqcError> {
        // ML-DSA's rnd is 32 bytes; SLH-DSA's opt_rand is n bytes.
        let len = self.algorithm().slh_dsa_n().unwrap_or(32);
        let mut rnd = Zeroizing::new(vec![0u8; len]);
        fill_random(&mut rnd)?;
        self.sign(
            secret_key,
            SignedMessage::Pure { message, context },
            SigningRandomness::Hedged(&rnd),
        )
    }
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
