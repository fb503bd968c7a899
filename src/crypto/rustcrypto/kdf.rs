//! HKDF from RustCrypto's `hkdf`, `hmac`, `sha1` and `sha2`.

use std::marker::PhantomData;

use hmac::EagerHash;
use zeroize::Zeroize;

use crate::crypto::kdf::{check_expand, HashAlgorithm, Hkdf, KdfError};
use crate::secret::SecretBytes;

/// HKDF over the RustCrypto hash `H`.
pub struct RustCryptoHkdf<H> {
    hash: HashAlgorithm,
    // `fn() -> H` keeps the type `Send + Sync` whatever `H` is: no `H` is ever stored.
    _hash: PhantomData<fn() -> H>,
}

impl<H> RustCryptoHkdf<H> {
    const fn new(hash: HashAlgorithm) -> Self {
        Self {
            hash,
            _hash: PhantomData,
        }
    }
}

/// HKDF-SHA-1, for legacy vectors only.
pub static HKDF_SHA1: RustCryptoHkdf<sha1::Sha1> = RustCryptoHkdf::new(HashAlgorithm::Sha1);
/// HKDF-SHA-256.
pub static HKDF_SHA256: RustCryptoHkdf<sha2::Sha256> = RustCryptoHkdf::new(HashAlgorithm::Sha256);
/// HKDF-SHA-384.
pub static HKDF_SHA384: RustCryptoHkdf<sha2::Sha384> = RustCryptoHkdf::new(HashAlgorithm::Sha384);
/// HKDF-SHA-512.
pub static HKDF_SHA512: RustCryptoHkdf<sha2::Sha512> = RustCryptoHkdf::new(HashAlgorithm::Sha512);

/// Every HKDF this provider implements.
pub static KDFS: &[&dyn Hkdf] = &[&HKDF_SHA1, &HKDF_SHA256, &HKDF_SHA384, &HKDF_SHA512];

impl<H: EagerHash> Hkdf for RustCryptoHkdf<H> {
    fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes, KdfError> {
        // `None` makes the crate use HashLen zero bytes, RFC 5869 §2.2's reading of an absent
        // salt. (HMAC pads any key shorter than a block with zeros, so `Some(&[])` would give the
        // same PRK, but that equivalence is HMAC's, not HKDF's.)
        let salt = if salt.is_empty() { None } else { Some(salt) };
        let (mut prk, _) = hkdf::Hkdf::<H>::extract(salt, ikm);
        let out = SecretBytes::from(prk.as_slice());
        prk.as_mut_slice().zeroize();
        Ok(out)
    }

    fn expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<SecretBytes, KdfError> {
        check_expand(self.hash, prk.len(), len)?;
        let hkdf = hkdf::Hkdf::<H>::from_prk(prk).map_err(|_| KdfError::PrkTooShort {
            hash: self.hash,
            got: prk.len(),
            min: self.hash.output_len(),
        })?;
        let mut okm = vec![0u8; len];
        if hkdf.expand(info, &mut okm).is_err() {
            okm.zeroize();
            return Err(KdfError::OutputTooLong {
                hash: self.hash,
                requested: len,
                max: 255 * self.hash.output_len(),
            });
        }
        Ok(SecretBytes::new(okm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::kdf::test_support::{self, kdf};

    #[test]
    fn lists_every_hash_once() {
        test_support::lists_every_hash_once(KDFS);
    }

    #[test]
    fn rfc5869_a1_from_the_pinned_file() {
        test_support::rfc5869_a1_from_the_pinned_file(KDFS);
    }

    #[test]
    fn empty_salt_is_hash_len_zeros() {
        test_support::empty_salt_is_hash_len_zeros(KDFS);
    }

    #[test]
    fn output_length_limit_is_255_hash_lengths() {
        test_support::output_length_limit_is_255_hash_lengths(KDFS);
    }

    #[test]
    fn prk_shorter_than_hash_len_is_rejected() {
        test_support::prk_shorter_than_hash_len_is_rejected(KDFS);
        for hash in HashAlgorithm::ALL {
            // RFC 5869 sets only a lower bound: a longer PRK is an ordinary HMAC key.
            let long = vec![1u8; 3 * hash.output_len()];
            assert_eq!(
                kdf(KDFS, hash).expand(&long, b"info", 16).unwrap().len(),
                16
            );
        }
    }
}
