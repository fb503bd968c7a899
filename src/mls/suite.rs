//! The RFC 9420 cipher-suite registry (§17.1, suites 1–7).

use std::fmt;
use std::sync::OnceLock;

use openmls::prelude::{Ciphersuite, OpenMlsCrypto};
use openmls_rust_crypto::RustCrypto;

use super::MlsError;

/// An MLS cipher suite from the IANA registry of RFC 9420 §17.1.
///
/// Every suite is named, whether or not the crypto provider can run it: ask
/// [`CipherSuite::is_supported`] (which asks the provider) before creating a group or a
/// KeyPackage, and expect [`MlsError::UnsupportedCipherSuite`] otherwise.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum CipherSuite {
    MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 = 0x0001,
    MLS_128_DHKEMP256_AES128GCM_SHA256_P256 = 0x0002,
    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 = 0x0003,
    MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 = 0x0004,
    MLS_256_DHKEMP521_AES256GCM_SHA512_P521 = 0x0005,
    MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 = 0x0006,
    MLS_256_DHKEMP384_AES256GCM_SHA384_P384 = 0x0007,
}

/// The one crypto provider instance the registry asks (`supports` reads no state).
fn provider() -> &'static RustCrypto {
    static PROVIDER: OnceLock<RustCrypto> = OnceLock::new();
    PROVIDER.get_or_init(RustCrypto::default)
}

impl CipherSuite {
    /// All seven RFC 9420 suites, in code-point order.
    pub const ALL: [CipherSuite; 7] = [
        Self::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        Self::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        Self::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519,
        Self::MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
        Self::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
        Self::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448,
        Self::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    ];

    /// The IANA code point.
    pub fn id(self) -> u16 {
        self as u16
    }

    /// The suite with this code point.
    pub fn from_id(id: u16) -> Result<Self, MlsError> {
        Self::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(MlsError::UnknownCipherSuite(id))
    }

    /// The registry name, e.g. `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`.
    pub fn name(self) -> &'static str {
        match self {
            Self::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 => {
                "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"
            }
            Self::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => {
                "MLS_128_DHKEMP256_AES128GCM_SHA256_P256"
            }
            Self::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 => {
                "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519"
            }
            Self::MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 => {
                "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448"
            }
            Self::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => {
                "MLS_256_DHKEMP521_AES256GCM_SHA512_P521"
            }
            Self::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 => {
                "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448"
            }
            Self::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => {
                "MLS_256_DHKEMP384_AES256GCM_SHA384_P384"
            }
        }
    }

    /// The suite with this registry name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the crypto provider (`openmls_rust_crypto`) can run this suite. This asks the
    /// provider (`OpenMlsCrypto::supports`); nothing is hard-coded here.
    pub fn is_supported(self) -> bool {
        provider().supports(self.to_openmls()).is_ok()
    }

    /// The suites the provider can run, in code-point order.
    pub fn supported() -> Vec<CipherSuite> {
        Self::ALL.into_iter().filter(|s| s.is_supported()).collect()
    }

    /// Errors with [`MlsError::UnsupportedCipherSuite`] unless the provider runs this suite.
    pub(crate) fn require_supported(self) -> Result<(), MlsError> {
        if self.is_supported() {
            Ok(())
        } else {
            Err(MlsError::UnsupportedCipherSuite(self))
        }
    }

    pub(crate) fn to_openmls(self) -> Ciphersuite {
        match self {
            Self::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 => {
                Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
            }
            Self::MLS_128_DHKEMP256_AES128GCM_SHA256_P256 => {
                Ciphersuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256
            }
            Self::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 => {
                Ciphersuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519
            }
            Self::MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 => {
                Ciphersuite::MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448
            }
            Self::MLS_256_DHKEMP521_AES256GCM_SHA512_P521 => {
                Ciphersuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521
            }
            Self::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 => {
                Ciphersuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448
            }
            Self::MLS_256_DHKEMP384_AES256GCM_SHA384_P384 => {
                Ciphersuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384
            }
        }
    }

    pub(crate) fn from_openmls(suite: Ciphersuite) -> Result<Self, MlsError> {
        Self::from_id(u16::from(suite))
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:04x})", self.name(), self.id())
    }
}

impl TryFrom<u16> for CipherSuite {
    type Error = MlsError;
    fn try_from(id: u16) -> Result<Self, MlsError> {
        Self::from_id(id)
    }
}

impl From<CipherSuite> for u16 {
    fn from(suite: CipherSuite) -> u16 {
        suite.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_round_trips_every_suite() {
        for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
            assert_eq!(suite.id() as usize, i + 1);
            assert_eq!(CipherSuite::from_id(suite.id()), Ok(suite));
            assert_eq!(CipherSuite::from_name(suite.name()), Some(suite));
            assert_eq!(CipherSuite::from_openmls(suite.to_openmls()), Ok(suite));
            assert_eq!(u16::from(suite.to_openmls()), suite.id());
        }
        assert_eq!(
            CipherSuite::from_id(0),
            Err(MlsError::UnknownCipherSuite(0))
        );
        assert_eq!(
            CipherSuite::from_id(8),
            Err(MlsError::UnknownCipherSuite(8))
        );
    }

    #[test]
    fn the_provider_runs_suites_1_to_3() {
        // What openmls_rust_crypto 0.6 implements; the other four are named but unsupported.
        assert_eq!(
            CipherSuite::supported(),
            vec![
                CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
                CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
                CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519,
            ]
        );
    }
}
