//! HKDF (RFC 5869) over SHA-1 (for legacy vectors only), SHA-256, SHA-384 and SHA-512.

pub mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

use std::fmt;

use crate::secret::SecretBytes;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// Only for checking legacy vectors; nothing in Sonet derives keys with it.
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub const ALL: [HashAlgorithm; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

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
        hash: HashAlgorithm,
        requested: usize,
        max: usize,
    },
    /// RFC 5869 §2.3: PRK is at least HashLen bytes.
    #[error("HKDF-{hash} PRK has {got} bytes; at least {min} are required")]
    PrkTooShort {
        hash: HashAlgorithm,
        got: usize,
        min: usize,
    },
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        provider: &'static str,
        operation: &'static str,
        reason: String,
    },
}

/// HKDF with one hash function.
pub trait Hkdf: Send + Sync {
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
fn check_expand(hash: HashAlgorithm, prk_len: usize, len: usize) -> Result<(), KdfError> {
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

/// What the providers' unit tests share: the RFC 5869 vectors, read from the pinned file.
#[cfg(test)]
mod test_support {
    use std::path::PathBuf;

    use sha2::{Digest, Sha256};

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

    fn vector_root() -> PathBuf {
        std::env::var_os("SONET_VECTORS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
    }

    /// The sha256 `vectors/manifest.toml` pins for `path`, so a test never trusts a file the
    /// conformance suites would refuse.
    fn pinned_sha256(path: &str) -> String {
        let manifest_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors/manifest.toml");
        let manifest = std::fs::read_to_string(&manifest_path)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
        let entry = format!("path = \"{path}\"");
        let start = manifest
            .find(&entry)
            .unwrap_or_else(|| panic!("{path} is not pinned in the manifest"));
        let rest = &manifest[start..];
        let line = rest
            .lines()
            .find_map(|l| l.strip_prefix("sha256 = \""))
            .expect("manifest entry has a sha256");
        line.trim_end_matches('"').to_owned()
    }

    /// The RFC 5869 test case with this COUNT (1 = A.1), from the pinned file.
    pub fn rfc5869_case(count: u32) -> RfcCase {
        let path = vector_root().join(RFC_FILE);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (set SONET_VECTORS to the pinned vector root)",
                path.display()
            )
        });
        assert_eq!(
            hex::encode(Sha256::digest(&bytes)),
            pinned_sha256(RFC_FILE),
            "{} does not match the manifest",
            path.display()
        );
        let text = String::from_utf8(bytes).expect("UTF-8");
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
        assert!(in_case, "no COUNT = {count} in {}", path.display());
        assert_eq!(fields["Hash"], "SHA-256");
        let hex_of = |name: &str| hex::decode(&fields[name]).expect("hex field");
        RfcCase {
            count,
            ikm: hex_of("IKM"),
            salt: hex_of("salt"),
            info: hex_of("info"),
            len: fields["L"].parse().expect("L is a number"),
            prk: hex_of("PRK"),
            okm: hex_of("OKM"),
        }
    }
}
