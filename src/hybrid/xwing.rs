//! The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem): X25519 and ML-KEM-768 combined so the
//! shared secret stays secure while either component does. Implemented by RustCrypto's `x-wing`.
//!
//! The decapsulation key is the 32-byte seed; the encapsulation key is ML-KEM-768's (1184 bytes)
//! followed by X25519's (32 bytes).

use x_wing::{Decapsulate, Decapsulator, KeyExport};
use zeroize::Zeroizing;

use crate::secret::SecretBytes;

/// Encapsulation key length: 1216 bytes (ML-KEM-768's 1184 ‖ X25519's 32).
pub const PUBLIC_KEY_LEN: usize = x_wing::ENCAPSULATION_KEY_SIZE;
/// Decapsulation key length: the 32-byte seed.
pub const SECRET_KEY_LEN: usize = x_wing::DECAPSULATION_KEY_SIZE;
/// Ciphertext length: 1120 bytes (ML-KEM-768's 1088 ‖ the X25519 ephemeral public key's 32).
pub const CIPHERTEXT_LEN: usize = x_wing::CIPHERTEXT_SIZE;
/// Shared secret length: 32 bytes (SHA3-256 of the combiner input).
pub const SHARED_SECRET_LEN: usize = 32;
/// Encapsulation randomness: 32 bytes for ML-KEM's m, then 32 for the X25519 ephemeral key.
pub const ENCAPSULATION_RANDOMNESS_LEN: usize = x_wing::ENCAPSULATION_RANDOMNESS_SIZE;

/// Errors of the X-Wing layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XWingError {
    /// A key, seed, ciphertext or randomness input of the wrong length.
    #[error("X-Wing {what} has length {got}, expected {expected}")]
    InvalidLength {
        /// Which input, e.g. `seed`.
        what: &'static str,
        /// Its length in bytes.
        got: usize,
        /// The length X-Wing requires, in bytes.
        expected: usize,
    },
    /// The ML-KEM-768 half fails the FIPS 203 §7.2 modulus check.
    #[error("X-Wing encapsulation key is not a valid encoding")]
    InvalidPublicKey,
    /// The operating system's random number generator (`getrandom`) failed.
    #[error("operating system RNG failed")]
    Rng,
}

/// An X-Wing key pair.
#[derive(Debug, Clone)]
pub struct XWingKeyPair {
    /// The encapsulation key, [`PUBLIC_KEY_LEN`] bytes.
    pub public_key: Vec<u8>,
    /// The decapsulation key: the [`SECRET_KEY_LEN`]-byte seed.
    pub secret_key: SecretBytes,
}

fn fixed<const N: usize>(what: &'static str, bytes: &[u8]) -> Result<[u8; N], XWingError> {
    <[u8; N]>::try_from(bytes).map_err(|_| XWingError::InvalidLength {
        what,
        got: bytes.len(),
        expected: N,
    })
}

/// Key generation from the 32-byte seed (the draft's `GenerateKeyPairDerand`).
pub fn generate_from_seed(seed: &[u8]) -> Result<XWingKeyPair, XWingError> {
    let seed = Zeroizing::new(fixed::<SECRET_KEY_LEN>("seed", seed)?);
    let secret = x_wing::DecapsulationKey::from(*seed);
    let public_key = secret.encapsulation_key().to_bytes().to_vec();
    Ok(XWingKeyPair {
        public_key,
        secret_key: SecretBytes::new(seed.to_vec()),
    })
}

/// Key generation with a seed from the OS RNG.
pub fn generate() -> Result<XWingKeyPair, XWingError> {
    let mut seed = Zeroizing::new([0u8; SECRET_KEY_LEN]);
    getrandom::fill(&mut *seed).map_err(|_| XWingError::Rng)?;
    generate_from_seed(&*seed)
}

/// Encapsulation with caller-supplied randomness (the draft's `EncapsulateDerand`); returns the
/// ciphertext and the shared secret.
pub fn encapsulate_deterministic(
    public_key: &[u8],
    randomness: &[u8],
) -> Result<(Vec<u8>, SecretBytes), XWingError> {
    if public_key.len() != PUBLIC_KEY_LEN {
        return Err(XWingError::InvalidLength {
            what: "encapsulation key",
            got: public_key.len(),
            expected: PUBLIC_KEY_LEN,
        });
    }
    let randomness = Zeroizing::new(fixed::<ENCAPSULATION_RANDOMNESS_LEN>(
        "encapsulation randomness",
        randomness,
    )?);
    let key =
        x_wing::EncapsulationKey::try_from(public_key).map_err(|_| XWingError::InvalidPublicKey)?;
    let (ciphertext, shared) = key.encapsulate_deterministic(&(*randomness).into());
    Ok((
        ciphertext.to_vec(),
        SecretBytes::new(shared.as_slice().to_vec()),
    ))
}

/// Encapsulation with randomness from the OS RNG.
pub fn encapsulate(public_key: &[u8]) -> Result<(Vec<u8>, SecretBytes), XWingError> {
    let mut randomness = Zeroizing::new([0u8; ENCAPSULATION_RANDOMNESS_LEN]);
    getrandom::fill(&mut *randomness).map_err(|_| XWingError::Rng)?;
    encapsulate_deterministic(public_key, &*randomness)
}

/// Decapsulation. ML-KEM's implicit rejection carries over: a wrong ciphertext of the right
/// length yields an unrelated secret, not an error.
pub fn decapsulate(secret_key: &[u8], ciphertext: &[u8]) -> Result<SecretBytes, XWingError> {
    let seed = Zeroizing::new(fixed::<SECRET_KEY_LEN>("decapsulation key", secret_key)?);
    let ciphertext = fixed::<CIPHERTEXT_LEN>("ciphertext", ciphertext)?;
    let secret = x_wing::DecapsulationKey::from(*seed);
    let shared = secret.decapsulate(&ciphertext.into());
    Ok(SecretBytes::new(shared.as_slice().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_determinism() {
        let pair = generate_from_seed(&[7u8; 32]).unwrap();
        assert_eq!(pair.public_key.len(), PUBLIC_KEY_LEN);
        assert_eq!(
            generate_from_seed(&[7u8; 32]).unwrap().public_key,
            pair.public_key
        );
        let (ct, ss) = encapsulate_deterministic(&pair.public_key, &[9u8; 64]).unwrap();
        assert_eq!(ct.len(), CIPHERTEXT_LEN);
        let (ct2, ss2) = encapsulate_deterministic(&pair.public_key, &[9u8; 64]).unwrap();
        assert_eq!((ct.clone(), ss.clone()), (ct2, ss2));
        assert_eq!(decapsulate(pair.secret_key.as_bytes(), &ct).unwrap(), ss);
        let (ct3, ss3) = encapsulate(&pair.public_key).unwrap();
        assert_ne!(ct3, ct);
        assert_eq!(decapsulate(pair.secret_key.as_bytes(), &ct3).unwrap(), ss3);
    }

    #[test]
    fn a_changed_ciphertext_gives_another_secret() {
        let pair = generate().unwrap();
        let (mut ct, ss) = encapsulate(&pair.public_key).unwrap();
        // One bit in the ML-KEM part, then one in the X25519 part.
        for index in [0, CIPHERTEXT_LEN - 1] {
            ct[index] ^= 1;
            assert_ne!(decapsulate(pair.secret_key.as_bytes(), &ct).unwrap(), ss);
            ct[index] ^= 1;
        }
    }

    #[test]
    fn lengths_and_invalid_keys_are_rejected() {
        assert!(matches!(
            generate_from_seed(&[0u8; 31]),
            Err(XWingError::InvalidLength { .. })
        ));
        let pair = generate().unwrap();
        assert!(matches!(
            encapsulate_deterministic(&pair.public_key[1..], &[0u8; 64]),
            Err(XWingError::InvalidLength { .. })
        ));
        assert!(matches!(
            encapsulate_deterministic(&pair.public_key, &[0u8; 63]),
            Err(XWingError::InvalidLength { .. })
        ));
        assert!(matches!(
            decapsulate(pair.secret_key.as_bytes(), &[0u8; 10]),
            Err(XWingError::InvalidLength { .. })
        ));
        // A first ML-KEM coefficient of 4095 (≥ q) fails the modulus check.
        let mut bad = pair.public_key.clone();
        bad[0] = 0xFF;
        bad[1] |= 0x0F;
        assert_eq!(
            encapsulate_deterministic(&bad, &[0u8; 64]),
            Err(XWingError::InvalidPublicKey)
        );
    }
}
