//! Providers in the manner of rustls' `CryptoProvider`: a named set of implementations of every
//! primitive family Sonet uses. Conformance suites run each vector set under every provider that
//! implements the algorithm.

use std::fmt;

use crate::hybrid::aead::{Aead, AeadAlgorithm};
use crate::hybrid::kdf::{HashAlgorithm, Hkdf};
use crate::pqc::{Kem, KemAlgorithm, Signature, SignatureAlgorithm};

/// A named set of algorithm implementations.
pub struct Provider {
    pub name: &'static str,
    /// The crates (and versions) that implement it, for the report.
    pub description: &'static str,
    pub kems: &'static [&'static dyn Kem],
    pub signatures: &'static [&'static dyn Signature],
    pub aeads: &'static [&'static dyn Aead],
    pub kdfs: &'static [&'static dyn Hkdf],
}

impl Provider {
    pub fn kem(&self, algorithm: KemAlgorithm) -> Option<&'static dyn Kem> {
        self.kems
            .iter()
            .copied()
            .find(|k| k.algorithm() == algorithm)
    }

    pub fn signature(&self, algorithm: SignatureAlgorithm) -> Option<&'static dyn Signature> {
        self.signatures
            .iter()
            .copied()
            .find(|s| s.algorithm() == algorithm)
    }

    pub fn aead(&self, algorithm: AeadAlgorithm) -> Option<&'static dyn Aead> {
        self.aeads
            .iter()
            .copied()
            .find(|a| a.algorithm() == algorithm)
    }

    pub fn hkdf(&self, hash: HashAlgorithm) -> Option<&'static dyn Hkdf> {
        self.kdfs.iter().copied().find(|k| k.hash() == hash)
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Provider")
            .field("name", &self.name)
            .finish()
    }
}

/// Every provider compiled into this build; the first is the default.
pub fn providers() -> Vec<&'static Provider> {
    #[cfg_attr(not(feature = "aws-lc"), allow(unused_mut))]
    let mut all = vec![&crate::pqc::rustcrypto::PROVIDER];
    #[cfg(feature = "aws-lc")]
    all.push(&crate::pqc::aws_lc::PROVIDER);
    all
}

/// The provider with this name, if compiled in.
pub fn provider(name: &str) -> Option<&'static Provider> {
    providers().into_iter().find(|p| p.name == name)
}
