//! Authenticated encryption: AES-GCM (NIST SP 800-38D) and ChaCha20-Poly1305 (RFC 8439) behind
//! one trait, implemented by each provider.

pub mod rustcrypto;

#[cfg(feature = "aws-lc")]
pub mod aws_lc;

use std::fmt;

/// An AEAD algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AeadAlgorithm {
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    pub const ALL: [AeadAlgorithm; 4] = [
        Self::Aes128Gcm,
        Self::Aes192Gcm,
        Self::Aes256Gcm,
        Self::ChaCha20Poly1305,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes192Gcm => "AES-192-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::ChaCha20Poly1305 => "ChaCha20-Poly1305",
        }
    }

    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes192Gcm => 24,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// The recommended nonce length (96 bits); GCM also defines other IV lengths.
    pub const fn nonce_len(self) -> usize {
        12
    }

    /// The full tag length.
    pub const fn tag_len(self) -> usize {
        16
    }
}

impl fmt::Display for AeadAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Errors of the AEAD layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AeadError {
    #[error("{algorithm} key has length {got}, expected {expected}")]
    InvalidKeyLength {
        algorithm: AeadAlgorithm,
        got: usize,
        expected: usize,
    },
    #[error("{algorithm} does not accept a {got}-byte nonce")]
    InvalidNonceLength {
        algorithm: AeadAlgorithm,
        got: usize,
    },
    #[error("{algorithm} does not define a {got}-byte tag")]
    InvalidTagLength {
        algorithm: AeadAlgorithm,
        got: usize,
    },
    #[error("input is longer than {algorithm} can process under one nonce")]
    TooLong { algorithm: AeadAlgorithm },
    /// The tag did not verify: the ciphertext, associated data, nonce or key is not the one
    /// sealed. Nothing of the plaintext is released.
    #[error("authentication failed")]
    AuthenticationFailed,
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        provider: &'static str,
        operation: &'static str,
        reason: String,
    },
}

/// A ciphertext and its tag, kept apart (as CAVP and some protocols carry them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedParts {
    pub ciphertext: Vec<u8>,
    pub tag: Vec<u8>,
}

/// An AEAD implementation.
pub trait Aead: Send + Sync {
    fn algorithm(&self) -> AeadAlgorithm;

    /// Encrypts and authenticates; the tag is `tag_len` bytes (the full 16, or for GCM a
    /// truncation allowed by SP 800-38D §5.2.1.2: 12–16, 8 or 4 bytes).
    fn seal_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        tag_len: usize,
    ) -> Result<SealedParts, AeadError>;

    /// Verifies the tag (of whatever allowed length it has) and decrypts.
    fn open_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError>;

    /// Encrypts to `ciphertext ‖ tag` with the full tag.
    fn seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let SealedParts {
            mut ciphertext,
            tag,
        } = self.seal_detached(key, nonce, aad, plaintext, self.algorithm().tag_len())?;
        ciphertext.extend_from_slice(&tag);
        Ok(ciphertext)
    }

    /// Opens `ciphertext ‖ tag` with the full tag.
    fn open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let tag_len = self.algorithm().tag_len();
        let split = sealed
            .len()
            .checked_sub(tag_len)
            .ok_or(AeadError::AuthenticationFailed)?;
        let (ciphertext, tag) = sealed.split_at(split);
        self.open_detached(key, nonce, aad, ciphertext, tag)
    }
}
