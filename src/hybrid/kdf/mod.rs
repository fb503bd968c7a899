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
