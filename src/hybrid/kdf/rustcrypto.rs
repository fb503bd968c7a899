//! HKDF from RustCrypto's `hkdf`, `hmac`, `sha1` and `sha2`.

use std::marker::PhantomData;

use hmac::EagerHash;
use zeroize::Zeroize;

use super::{check_expand, HashAlgorithm, Hkdf, KdfError};
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

pub static HKDF_SHA1: RustCryptoHkdf<sha1::Sha1> = RustCryptoHkdf::new(HashAlgorithm::Sha1);
pub static HKDF_SHA256: RustCryptoHkdf<sha2::Sha256> = RustCryptoHkdf::new(HashAlgorithm::Sha256);
pub static HKDF_SHA384: RustCryptoHkdf<sha2::Sha384> = RustCryptoHkdf::new(HashAlgorithm::Sha384);
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
    use super::super::test_support::rfc5869_case;
    use super::*;

    fn kdf(hash: HashAlgorithm) -> &'static dyn Hkdf {
        KDFS.iter()
            .copied()
            .find(|k| k.hash() == hash)
            .expect("every hash is implemented")
    }

    #[test]
    fn lists_every_hash_once() {
        assert_eq!(KDFS.len(), HashAlgorithm::ALL.len());
        for hash in HashAlgorithm::ALL {
            assert_eq!(KDFS.iter().filter(|k| k.hash() == hash).count(), 1);
        }
    }

    #[test]
    fn rfc5869_a1_from_the_pinned_file() {
        let case = rfc5869_case(1);
        assert_eq!(case.count, 1);
        let kdf = kdf(HashAlgorithm::Sha256);
        let prk = kdf.extract(&case.salt, &case.ikm).unwrap();
        assert_eq!(prk.as_bytes(), case.prk);
        let okm = kdf.expand(prk.as_bytes(), &case.info, case.len).unwrap();
        assert_eq!(okm.as_bytes(), case.okm);
        let derived = kdf
            .derive(&case.salt, &case.ikm, &case.info, case.len)
            .unwrap();
        assert_eq!(derived.as_bytes(), case.okm);
    }

    #[test]
    fn empty_salt_is_hash_len_zeros() {
        // RFC 5869 A.3 has an empty salt; checking it against the pinned file and against an
        // explicit zero salt covers both readings.
        let case = rfc5869_case(3);
        assert!(case.salt.is_empty());
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(hash);
            let empty = kdf.extract(&[], b"input key material").unwrap();
            let zeros = kdf
                .extract(&vec![0u8; hash.output_len()], b"input key material")
                .unwrap();
            assert_eq!(empty, zeros, "{hash}");
            assert_eq!(empty.len(), hash.output_len());
        }
        let prk = kdf(HashAlgorithm::Sha256)
            .extract(&case.salt, &case.ikm)
            .unwrap();
        assert_eq!(prk.as_bytes(), case.prk);
    }

    #[test]
    fn output_length_limit_is_255_hash_lengths() {
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(hash);
            let prk = vec![7u8; hash.output_len()];
            let max = 255 * hash.output_len();
            assert_eq!(kdf.expand(&prk, b"", max).unwrap().len(), max);
            assert_eq!(kdf.expand(&prk, b"", 0).unwrap().len(), 0);
            assert_eq!(
                kdf.expand(&prk, b"", max + 1).unwrap_err(),
                KdfError::OutputTooLong {
                    hash,
                    requested: max + 1,
                    max
                }
            );
            assert!(matches!(
                kdf.derive(b"salt", b"ikm", b"info", usize::MAX),
                Err(KdfError::OutputTooLong { .. })
            ));
        }
    }

    #[test]
    fn prk_shorter_than_hash_len_is_rejected() {
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(hash);
            let short = vec![1u8; hash.output_len() - 1];
            assert_eq!(
                kdf.expand(&short, b"info", 16).unwrap_err(),
                KdfError::PrkTooShort {
                    hash,
                    got: short.len(),
                    min: hash.output_len()
                }
            );
            assert!(kdf.expand(&[], b"info", 16).is_err());
            // RFC 5869 sets only a lower bound: a longer PRK is an ordinary HMAC key.
            let long = vec![1u8; 3 * hash.output_len()];
            assert_eq!(kdf.expand(&long, b"info", 16).unwrap().len(), 16);
        }
    }
}
