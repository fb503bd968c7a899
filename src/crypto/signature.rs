//! Signatures (FIPS 204 ML-DSA, FIPS 205 SLH-DSA, FN-DSA): the [`Signature`] trait every
//! provider implements, what is signed ([`SignedMessage`]) and with which randomness.

use zeroize::Zeroizing;

use super::{fill_random, PqcError, SecretBytes, SignatureAlgorithm};

/// A signature key pair in the standard's encodings.
#[derive(Debug, Clone)]
pub struct SignatureKeyPair {
    /// The public (verification) key.
    pub public_key: Vec<u8>,
    /// The secret (signing) key, in the encoding
    /// [`SignatureSizes::secret_key`](super::SignatureSizes::secret_key) describes.
    pub secret_key: SecretBytes,
}

/// What is signed. The external interface is the default; the internal and μ forms exist
/// because the ACVP and Wycheproof vectors exercise them.
#[derive(Clone, Copy, Debug)]
pub enum SignedMessage<'a> {
    /// The pure external interface with a context string of at most 255 bytes
    /// (FIPS 204 Algorithms 2/3, FIPS 205 Algorithms 22/24): M' = 0 ‖ |ctx| ‖ ctx ‖ M.
    Pure {
        /// The message M.
        message: &'a [u8],
        /// The context string ctx; more than 255 bytes is [`PqcError::ContextTooLong`].
        context: &'a [u8],
    },
    /// The internal interface: M' is given as is (FIPS 204 Algorithms 7/8, FIPS 205
    /// Algorithms 19/20).
    Internal(&'a [u8]),
    /// ML-DSA's external μ (FIPS 204 Algorithm 7 line 6 computed by the caller; 64 bytes).
    ExternalMu(&'a [u8]),
}

impl<'a> SignedMessage<'a> {
    /// The pure external interface with an empty context string.
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
    /// The parameter set this implementation runs; its sizes bound every input.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Deterministic key generation from the standard's seed: ξ (ML-DSA, Algorithm 6),
    /// SK.seed ‖ SK.prf ‖ PK.seed (SLH-DSA, Algorithm 18), or an RNG seed (FN-DSA).
    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError>;

    /// Signs `message` with `secret_key` (ML-DSA.Sign / Sign_internal, FIPS 204 Algorithms 2/7;
    /// slh_sign / slh_sign_internal, FIPS 205 Algorithms 22/19; FN-DSA signing).
    /// A key of the wrong length is [`PqcError::InvalidLength`], so is hedged randomness of the
    /// wrong length (ML-DSA rnd 32 bytes, SLH-DSA opt_rand n bytes); a key that does not decode is
    /// [`PqcError::Malformed`]. A provider that lacks an interface or randomness variant returns
    /// [`PqcError::Unsupported`]: SLH-DSA has no external μ, FN-DSA only the pure interface and
    /// only hedged signing.
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
