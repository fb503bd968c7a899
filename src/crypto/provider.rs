//! Providers in the manner of rustls' `CryptoProvider`: a named set of implementations of every
//! primitive family Sonet uses. Conformance suites run each vector set under every provider that
//! implements the algorithm.

use std::fmt;

use super::aead::{Aead, AeadAlgorithm};
use super::kdf::{HashAlgorithm, Hkdf};
use super::{Kem, KemAlgorithm, Signature, SignatureAlgorithm};

/// A named set of algorithm implementations.
pub struct Provider {
    /// The name results and errors carry: `rustcrypto` or `aws-lc`.
    pub name: &'static str,
    /// The crates (and versions) that implement it, for the report.
    pub description: &'static str,
    /// The ML-KEM parameter sets it implements.
    pub kems: &'static [&'static dyn Kem],
    /// The signature parameter sets it implements.
    pub signatures: &'static [&'static dyn Signature],
    /// The AEADs it implements.
    pub aeads: &'static [&'static dyn Aead],
    /// The HKDF hash functions it implements.
    pub kdfs: &'static [&'static dyn Hkdf],
}

impl Provider {
    /// This provider's implementation of `algorithm`, or `None` if it has none.
    pub fn kem(&self, algorithm: KemAlgorithm) -> Option<&'static dyn Kem> {
        self.kems
            .iter()
            .copied()
            .find(|k| k.algorithm() == algorithm)
    }

    /// This provider's implementation of `algorithm`, or `None` if it has none.
    pub fn signature(&self, algorithm: SignatureAlgorithm) -> Option<&'static dyn Signature> {
        self.signatures
            .iter()
            .copied()
            .find(|s| s.algorithm() == algorithm)
    }

    /// This provider's implementation of `algorithm`, or `None` if it has none.
    pub fn aead(&self, algorithm: AeadAlgorithm) -> Option<&'static dyn Aead> {
        self.aeads
            .iter()
            .copied()
            .find(|a| a.algorithm() == algorithm)
    }

    /// This provider's HKDF over `hash`, or `None` if it has none.
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

/// Every provider compiled into this build, in conformance-report order.
pub fn providers() -> Vec<&'static Provider> {
    #[cfg_attr(not(feature = "aws-lc"), allow(unused_mut))]
    let mut all = vec![&super::rustcrypto::PROVIDER];
    #[cfg(feature = "aws-lc")]
    all.push(&super::aws_lc::PROVIDER);
    all
}

/// The provider with this name, if compiled in.
pub fn provider(name: &str) -> Option<&'static Provider> {
    providers().into_iter().find(|p| p.name == name)
}

/// The order in which providers are preferred as the default for a primitive: aws-lc first when
/// it is compiled in. Chosen by evidence: in `cargo xtask bench` aws-lc is the faster Sonet
/// provider for every primitive both implement (AES-GCM, ChaCha20-Poly1305, ML-KEM, ML-DSA),
/// and both pass every conformance suite. The report's "Default providers" table re-checks
/// this on every `cargo xtask verify` and flags a default that is no longer the fastest
/// passing provider.
const DEFAULT_PREFERENCE: [&str; 2] = ["aws-lc", "rustcrypto"];

fn preferred() -> impl Iterator<Item = &'static Provider> {
    DEFAULT_PREFERENCE.into_iter().filter_map(provider)
}

/// The default provider for a KEM: the first preferred provider that implements it.
pub fn default_for_kem(algorithm: KemAlgorithm) -> Option<&'static Provider> {
    preferred().find(|p| p.kem(algorithm).is_some())
}

/// The default provider for a signature scheme: the first preferred provider that implements it.
pub fn default_for_signature(algorithm: SignatureAlgorithm) -> Option<&'static Provider> {
    preferred().find(|p| p.signature(algorithm).is_some())
}

/// The default provider for an AEAD: the first preferred provider that implements it.
pub fn default_for_aead(algorithm: AeadAlgorithm) -> Option<&'static Provider> {
    preferred().find(|p| p.aead(algorithm).is_some())
}

/// The default provider for HKDF over `hash`: the first preferred provider that implements it.
pub fn default_for_hkdf(hash: HashAlgorithm) -> Option<&'static Provider> {
    preferred().find(|p| p.hkdf(hash).is_some())
}

/// The default implementation of a KEM (see [`default_for_kem`]).
pub fn default_kem(algorithm: KemAlgorithm) -> Option<&'static dyn Kem> {
    default_for_kem(algorithm).and_then(|p| p.kem(algorithm))
}

/// The default implementation of a signature scheme (see [`default_for_signature`]).
pub fn default_signature(algorithm: SignatureAlgorithm) -> Option<&'static dyn Signature> {
    default_for_signature(algorithm).and_then(|p| p.signature(algorithm))
}

/// The default implementation of an AEAD (see [`default_for_aead`]).
pub fn default_aead(algorithm: AeadAlgorithm) -> Option<&'static dyn Aead> {
    default_for_aead(algorithm).and_then(|p| p.aead(algorithm))
}

/// The default HKDF over `hash` (see [`default_for_hkdf`]).
pub fn default_hkdf(hash: HashAlgorithm) -> Option<&'static dyn Hkdf> {
    default_for_hkdf(hash).and_then(|p| p.hkdf(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_has_a_default_that_implements_it() {
        for algorithm in KemAlgorithm::ALL {
            assert_eq!(
                default_kem(algorithm).map(|k| k.algorithm()),
                Some(algorithm)
            );
        }
        for &algorithm in SignatureAlgorithm::ALL {
            assert_eq!(
                default_signature(algorithm).map(|s| s.algorithm()),
                Some(algorithm)
            );
        }
        for algorithm in AeadAlgorithm::ALL {
            assert_eq!(
                default_aead(algorithm).map(|a| a.algorithm()),
                Some(algorithm)
            );
        }
    }

    #[cfg(feature = "aws-lc")]
    #[test]
    fn aws_lc_is_preferred_where_it_implements_the_primitive() {
        assert_eq!(
            default_for_kem(KemAlgorithm::MlKem768).map(|p| p.name),
            Some("aws-lc")
        );
        assert_eq!(
            default_for_aead(AeadAlgorithm::Aes256Gcm).map(|p| p.name),
            Some("aws-lc")
        );
        // aws-lc has no SLH-DSA: the next preferred provider that does.
        assert_eq!(
            default_for_signature(SignatureAlgorithm::SlhDsaSha2_128f).map(|p| p.name),
            Some("rustcrypto")
        );
    }
}
