//! HKDF (RFC 5869) over SHA-1 (for legacy vectors only), SHA-256, SHA-384 and SHA-512.

use std::fmt;

use crate::secret::SecretBytes;

/// A hash function HKDF runs over (FIPS 180-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// Only for checking legacy vectors; nothing in Sonet derives keys with it.
    Sha1,
    /// SHA-256: HashLen 32.
    Sha256,
    /// SHA-384: HashLen 48.
    Sha384,
    /// SHA-512: HashLen 64.
    Sha512,
}

impl HashAlgorithm {
    /// Every hash function, SHA-1 first.
    pub const ALL: [HashAlgorithm; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The FIPS 180-4 name, e.g. `SHA-256`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// HashLen in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Errors of the KDF layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KdfError {
    /// RFC 5869 §2.3: L ≤ 255·HashLen.
    #[error("HKDF-{hash} can produce at most {max} bytes; {requested} were requested")]
    OutputTooLong {
        /// The hash HKDF runs over.
        hash: HashAlgorithm,
        /// L, the number of bytes asked for.
        requested: usize,
        /// 255 · HashLen, the most HKDF-Expand can produce.
        max: usize,
    },
    /// RFC 5869 §2.3: PRK is at least HashLen bytes.
    #[error("HKDF-{hash} PRK has {got} bytes; at least {min} are required")]
    PrkTooShort {
        /// The hash HKDF runs over.
        hash: HashAlgorithm,
        /// The PRK's length in bytes.
        got: usize,
        /// HashLen, in bytes.
        min: usize,
    },
    /// The provider cannot run HKDF on inputs RFC 5869 allows: aws-lc-rs holds a PRK of at most
    /// 64 bytes, and aws-lc's unexplained failures are reported here too.
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        /// The provider's name, e.g. `aws-lc`.
        provider: &'static str,
        /// `HKDF-Extract` or `HKDF-Expand`.
        operation: &'static str,
        /// Why the provider refused.
        reason: String,
    },
}

/// HKDF with one hash function.
pub trait Hkdf: Send + Sync {
    /// The hash function this implementation runs over.
    fn hash(&self) -> HashAlgorithm;

    /// HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes.
    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes, KdfError>;

    /// HKDF-Expand(PRK, info, L).
    fn expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<SecretBytes, KdfError>;

    /// Extract then expand.
    fn derive(
        &self,
        salt: &[u8],
        ikm: &[u8],
        info: &[u8],
        len: usize,
    ) -> Result<SecretBytes, KdfError> {
        let prk = self.extract(salt, ikm)?;
        self.expand(prk.as_bytes(), info, len)
    }
}

/// The RFC 5869 §2.3 preconditions of HKDF-Expand, checked before any provider runs: every
/// provider then rejects the same inputs with the same error (aws-lc-rs reports only
/// `Unspecified`), and no output buffer of an absurd requested length is ever allocated.
pub(super) fn check_expand(
    hash: HashAlgorithm,
    prk_len: usize,
    len: usize,
) -> Result<(), KdfError> {
    let hash_len = hash.output_len();
    if prk_len < hash_len {
        return Err(KdfError::PrkTooShort {
            hash,
            got: prk_len,
            min: hash_len,
        });
    }
    let max = 255 * hash_len;
    if len > max {
        return Err(KdfError::OutputTooLong {
            hash,
            requested: len,
            max,
        });
    }
    Ok(())
}

/// What the providers' unit tests share: the RFC 5869 vectors, read from the pinned file, and the
/// checks every provider must pass, each taking the provider's list of HKDFs (its `KDFS`).
#[cfg(test)]
pub(super) mod test_support {
    use super::{HashAlgorithm, Hkdf, KdfError};
    use sonet_testkit::vectors::pinned_text;

    /// One record of pyca's `rfc-5869-HKDF-SHA256.txt`.
    pub struct RfcCase {
        pub count: u32,
        pub ikm: Vec<u8>,
        pub salt: Vec<u8>,
        pub info: Vec<u8>,
        pub len: usize,
        pub prk: Vec<u8>,
        pub okm: Vec<u8>,
    }

    const RFC_FILE: &str = "hkdf/rfc-5869-HKDF-SHA256.txt";

    /// The RFC 5869 test case with this COUNT (1 = A.1), from the pinned file; `None` when the
    /// vectors are absent (the test is skipped).
    pub fn rfc5869_case(count: u32) -> Option<RfcCase> {
        let text = pinned_text(RFC_FILE)?;
        let mut fields = std::collections::HashMap::new();
        let mut in_case = false;
        for line in text.lines() {
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name == "COUNT" {
                if in_case {
                    break;
                }
                in_case = value.parse::<u32>().ok() == Some(count);
            }
            if in_case {
                fields.insert(name.to_owned(), value.to_owned());
            }
        }
        assert!(in_case, "no COUNT = {count} in {RFC_FILE}");
        assert_eq!(fields["Hash"], "SHA-256");
        let hex_of = |name: &str| hex::decode(&fields[name]).expect("hex field");
        Some(RfcCase {
            count,
            ikm: hex_of("IKM"),
            salt: hex_of("salt"),
            info: hex_of("info"),
            len: fields["L"].parse().expect("L is a number"),
            prk: hex_of("PRK"),
            okm: hex_of("OKM"),
        })
    }

    /// The provider's HKDF over `hash`.
    pub fn kdf(kdfs: &[&'static dyn Hkdf], hash: HashAlgorithm) -> &'static dyn Hkdf {
        kdfs.iter()
            .copied()
            .find(|k| k.hash() == hash)
            .expect("every hash is implemented")
    }

    pub fn lists_every_hash_once(kdfs: &[&'static dyn Hkdf]) {
        assert_eq!(kdfs.len(), HashAlgorithm::ALL.len());
        for hash in HashAlgorithm::ALL {
            assert_eq!(kdfs.iter().filter(|k| k.hash() == hash).count(), 1);
        }
    }

    pub fn rfc5869_a1_from_the_pinned_file(kdfs: &[&'static dyn Hkdf]) {
        let Some(case) = rfc5869_case(1) else {
            return;
        };
        assert_eq!(case.count, 1);
        let kdf = kdf(kdfs, HashAlgorithm::Sha256);
        let prk = kdf.extract(&case.salt, &case.ikm).unwrap();
        assert_eq!(prk.as_bytes(), case.prk);
        let okm = kdf.expand(prk.as_bytes(), &case.info, case.len).unwrap();
        assert_eq!(okm.as_bytes(), case.okm);
        let derived = kdf
            .derive(&case.salt, &case.ikm, &case.info, case.len)
            .unwrap();
        assert_eq!(derived.as_bytes(), case.okm);
    }

    pub fn empty_salt_is_hash_len_zeros(kdfs: &[&'static dyn Hkdf]) {
        // RFC 5869 A.3 has an empty salt; checking it against the pinned file and against an
        // explicit zero salt covers both readings.
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(kdfs, hash);
            let empty = kdf.extract(&[], b"input key material").unwrap();
            let zeros = kdf
                .extract(&vec![0u8; hash.output_len()], b"input key material")
                .unwrap();
            assert_eq!(empty, zeros, "{hash}");
            assert_eq!(empty.len(), hash.output_len());
        }
        let Some(case) = rfc5869_case(3) else {
            return;
        };
        assert!(case.salt.is_empty());
        let prk = kdf(kdfs, HashAlgorithm::Sha256)
            .extract(&case.salt, &case.ikm)
            .unwrap();
        assert_eq!(prk.as_bytes(), case.prk);
    }

    pub fn output_length_limit_is_255_hash_lengths(kdfs: &[&'static dyn Hkdf]) {
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(kdfs, hash);
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

    /// RFC 5869 §2.3's lower bound: a PRK shorter than HashLen (or empty) is refused. (What a
    /// provider does with a longer PRK is for its own tests.)
    pub fn prk_shorter_than_hash_len_is_rejected(kdfs: &[&'static dyn Hkdf]) {
        for hash in HashAlgorithm::ALL {
            let kdf = kdf(kdfs, hash);
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
        }
    }
}
