//! Key encapsulation (FIPS 203 ML-KEM): the [`Kem`] trait every provider implements, and its
//! key pair and encapsulation types.

use zeroize::Zeroizing;

use super::{expect_len, fill_random, KemAlgorithm, PqcError, SecretBytes};

/// An ML-KEM key pair in the FIPS 203 encodings (the decapsulation key is the expanded
/// 768k+96-byte form).
#[derive(Debug, Clone)]
pub struct KemKeyPair {
    /// The encapsulation key ek (384k + 32 bytes), public.
    pub encapsulation_key: Vec<u8>,
    /// The decapsulation key dk (768k + 96 bytes: dkₚₖₑ ‖ ek ‖ H(ek) ‖ z), secret.
    pub decapsulation_key: SecretBytes,
}

/// The result of an encapsulation.
#[derive(Debug, Clone)]
pub struct Encapsulation {
    /// The ciphertext c to send to the holder of the decapsulation key.
    pub ciphertext: Vec<u8>,
    /// The 32-byte shared secret K.
    pub shared_secret: SecretBytes,
}

/// A key-encapsulation mechanism (FIPS 203 ML-KEM).
pub trait Kem: Send + Sync {
    /// The parameter set this implementation runs; its sizes bound every input.
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
