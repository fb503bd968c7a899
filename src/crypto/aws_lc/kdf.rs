//! HKDF from aws-lc-rs.
//!
//! aws-lc-rs keeps the PRK of `hkdf::Salt::extract` to itself, while the `Hkdf` trait (and the
//! RFC 5869 vectors) need it. RFC 5869 §2.2 defines HKDF-Extract as HMAC-Hash(salt, IKM), so
//! Extract is `aws_lc_rs::hmac`; Expand is aws-lc-rs's own `hkdf::Prk::new_less_safe` +
//! `expand` + `fill`, which runs AWS-LC's `HKDF_expand`.

use aws_lc_rs::{hkdf, hmac};
use zeroize::Zeroize;

use crate::crypto::kdf::{check_expand, HashAlgorithm, Hkdf, KdfError};
use crate::secret::SecretBytes;

const PROVIDER_NAME: &str = "aws-lc";

/// HKDF over one aws-lc-rs hash.
pub struct AwsLcHkdf {
    hash: HashAlgorithm,
    hkdf: hkdf::Algorithm,
    hmac: hmac::Algorithm,
}

/// HKDF-SHA-1 (aws-lc-rs `HKDF_SHA1_FOR_LEGACY_USE_ONLY`), for legacy vectors only.
pub static HKDF_SHA1: AwsLcHkdf = AwsLcHkdf {
    hash: HashAlgorithm::Sha1,
    hkdf: hkdf::HKDF_SHA1_FOR_LEGACY_USE_ONLY,
    hmac: hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
};
/// HKDF-SHA-256.
pub static HKDF_SHA256: AwsLcHkdf = AwsLcHkdf {
    hash: HashAlgorithm::Sha256,
    hkdf: hkdf::HKDF_SHA256,
    hmac: hmac::HMAC_SHA256,
};
/// HKDF-SHA-384.
pub static HKDF_SHA384: AwsLcHkdf = AwsLcHkdf {
    hash: HashAlgorithm::Sha384,
    hkdf: hkdf::HKDF_SHA384,
    hmac: hmac::HMAC_SHA384,
};
/// HKDF-SHA-512.
pub static HKDF_SHA512: AwsLcHkdf = AwsLcHkdf {
    hash: HashAlgorithm::Sha512,
    hkdf: hkdf::HKDF_SHA512,
    hmac: hmac::HMAC_SHA512,
};

/// Every HKDF this provider implements.
pub static KDFS: &[&dyn Hkdf] = &[&HKDF_SHA1, &HKDF_SHA256, &HKDF_SHA384, &HKDF_SHA512];

/// `hkdf::Prk::new_less_safe` copies the PRK into a fixed buffer of `digest::MAX_OUTPUT_LEN`
/// bytes and panics on anything longer.
const MAX_PRK_LEN: usize = aws_lc_rs::digest::MAX_OUTPUT_LEN;

/// An OKM length for `Prk::expand`, which takes lengths only through `KeyType`.
struct OkmLen(usize);

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        self.0
    }
}

impl AwsLcHkdf {
    fn backend_failure(&self, operation: &'static str) -> KdfError {
        KdfError::Unsupported {
            provider: PROVIDER_NAME,
            operation,
            reason: format!(
                "AWS-LC reported an unspecified error for HKDF-{} on inputs RFC 5869 allows",
                self.hash
            ),
        }
    }
}

impl Hkdf for AwsLcHkdf {
    fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes, KdfError> {
        let zeros = [0u8; MAX_PRK_LEN];
        let hash_len = self.hash.output_len();
        // RFC 5869 §2.2: no salt means HashLen zero bytes.
        let salt = if salt.is_empty() {
            &zeros[..hash_len]
        } else {
            salt
        };
        // `Key::new` panics only if AWS-LC cannot set up an HMAC context (allocation failure);
        // it accepts keys of every length, so no input reaches that panic.
        let key = hmac::Key::new(self.hmac, salt);
        let mut prk = vec![0u8; hash_len];
        // `sign_to_buffer` writes into our buffer; `sign` would leave the PRK in a `Copy` `Tag`
        // that nothing zeroizes.
        let written = match hmac::sign_to_buffer(&key, ikm, &mut prk) {
            Ok(tag) => tag.len(),
            Err(_) => {
                prk.zeroize();
                return Err(self.backend_failure("HKDF-Extract"));
            }
        };
        if written != hash_len {
            prk.zeroize();
            return Err(self.backend_failure("HKDF-Extract"));
        }
        Ok(SecretBytes::new(prk))
    }

    fn expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<SecretBytes, KdfError> {
        check_expand(self.hash, prk.len(), len)?;
        if prk.len() > MAX_PRK_LEN {
            return Err(KdfError::Unsupported {
                provider: PROVIDER_NAME,
                operation: "HKDF-Expand",
                reason: format!(
                    "aws-lc-rs 1.19.0 hkdf::Prk::new_less_safe holds at most {MAX_PRK_LEN} PRK \
                     bytes (and panics beyond that); this PRK has {} bytes, which RFC 5869 allows \
                     (it only requires at least HashLen = {})",
                    prk.len(),
                    self.hash.output_len()
                ),
            });
        }
        let prk = hkdf::Prk::new_less_safe(self.hkdf, prk);
        let info = [info];
        let mut okm = vec![0u8; len];
        let filled = prk
            .expand(&info, OkmLen(len))
            .and_then(|okm_ref| okm_ref.fill(&mut okm));
        if filled.is_err() {
            okm.zeroize();
            return Err(self.backend_failure("HKDF-Expand"));
        }
        Ok(SecretBytes::new(okm))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::crypto::kdf::test_support;
    use crate::crypto::rustcrypto::kdf as rustcrypto;

    fn kdf(hash: HashAlgorithm) -> &'static dyn Hkdf {
        test_support::kdf(KDFS, hash)
    }

    fn reference(hash: HashAlgorithm) -> &'static dyn Hkdf {
        test_support::kdf(rustcrypto::KDFS, hash)
    }

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
    fn prk_length_bounds() {
        test_support::prk_shorter_than_hash_len_is_rejected(KDFS);
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(hash);
            let largest = vec![1u8; MAX_PRK_LEN];
            assert_eq!(
                kdf.expand(&largest, b"info", 16).unwrap().as_bytes(),
                reference(hash)
                    .expand(&largest, b"info", 16)
                    .unwrap()
                    .as_bytes()
            );
            // Valid under RFC 5869 but beyond what aws-lc-rs's Prk can hold: an honest refusal,
            // never a panic.
            let long = vec![1u8; MAX_PRK_LEN + 1];
            assert!(matches!(
                kdf.expand(&long, b"info", 16),
                Err(KdfError::Unsupported { .. })
            ));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_rustcrypto(
            hash_index in 0usize..4,
            salt in proptest::collection::vec(any::<u8>(), 0..200),
            ikm in proptest::collection::vec(any::<u8>(), 0..200),
            info in proptest::collection::vec(any::<u8>(), 0..300),
            prk in proptest::collection::vec(any::<u8>(), 0..=MAX_PRK_LEN),
            len_fraction in 0.0f64..=1.0,
        ) {
            let hash = HashAlgorithm::ALL[hash_index];
            // Lengths across the whole legal range; 0 and 255·HashLen are unit-tested above.
            let len = (len_fraction * (255 * hash.output_len()) as f64) as usize;
            let ours = kdf(hash);
            let theirs = reference(hash);
            prop_assert_eq!(ours.extract(&salt, &ikm), theirs.extract(&salt, &ikm));
            let derived = ours.derive(&salt, &ikm, &info, len);
            prop_assert!(derived.is_ok());
            prop_assert_eq!(derived, theirs.derive(&salt, &ikm, &info, len));
            // Expand on its own, with PRKs of every length aws-lc-rs can hold, too-short ones
            // included: the providers must agree on the error as well.
            prop_assert_eq!(ours.expand(&prk, &info, len), theirs.expand(&prk, &info, len));
        }
    }
}
