//! The cipher-suite registry: RFC 9420's seven suites (§17.1) and, labelled as drafts, the
//! post-quantum suites of draft-ietf-mls-pq-ciphersuites under the names and provisional code
//! points openmls 0.9.2 gives them.

use std::fmt;

use openmls::prelude::{Ciphersuite, OpenMlsCrypto};

use super::provider::SonetCrypto;
use super::MlsError;

macro_rules! registry {
    (
        rfc: [$($rfc:ident = $rfc_id:literal,)+]
        draft: [$($draft:ident = $draft_id:literal,)+]
    ) => {
        /// An MLS cipher suite: one of the seven of RFC 9420's IANA registry (§17.1), or a draft
        /// post-quantum suite ([`CipherSuite::is_draft`]).
        ///
        /// The draft suites come from draft-ietf-mls-pq-ciphersuites as openmls 0.9.2 implements
        /// it. Their code points are provisional (some are openmls' own choice), there are no
        /// upstream test vectors for them, and they may change or disappear with the draft: use
        /// them only between peers that agree on openmls' numbering.
        ///
        /// Every suite is named, whether or not the crypto provider can run it: ask
        /// [`CipherSuite::is_supported`] (which asks the provider) before creating a group or a
        /// KeyPackage, and expect [`MlsError::UnsupportedCipherSuite`] otherwise.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum CipherSuite {
            $(
                #[doc = concat!("RFC 9420 §17.1 suite ", stringify!($rfc_id), ".")]
                $rfc = $rfc_id,
            )+
            $(
                /// Draft (draft-ietf-mls-pq-ciphersuites); provisional code point, no upstream
                /// vectors.
                $draft = $draft_id,
            )+
        }

        impl CipherSuite {
            /// The seven RFC 9420 suites, in code-point order. The draft suites are not here:
            /// see [`CipherSuite::DRAFT_PQ`].
            pub const ALL: [CipherSuite; 7] = [$(Self::$rfc,)+];

            /// The draft post-quantum suites openmls 0.9.2 knows, in code-point order.
            pub const DRAFT_PQ: [CipherSuite; 10] = [$(Self::$draft,)+];

            /// The registry name, e.g. `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`; for a
            /// draft suite, openmls' name for it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$rfc => stringify!($rfc),)+
                    $(Self::$draft => stringify!($draft),)+
                }
            }

            pub(crate) fn to_openmls(self) -> Ciphersuite {
                match self {
                    $(Self::$rfc => Ciphersuite::$rfc,)+
                    $(Self::$draft => Ciphersuite::$draft,)+
                }
            }
        }
    };
}

registry! {
    rfc: [
        MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 = 0x0001,
        MLS_128_DHKEMP256_AES128GCM_SHA256_P256 = 0x0002,
        MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 = 0x0003,
        MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 = 0x0004,
        MLS_256_DHKEMP521_AES256GCM_SHA512_P521 = 0x0005,
        MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 = 0x0006,
        MLS_256_DHKEMP384_AES256GCM_SHA384_P384 = 0x0007,
    ]
    draft: [
        MLS_192_MLKEM1024_AES256GCM_SHA384_P384 = 0x0042,
        MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519 = 0x004D,
        MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519 = 0x004E,
        MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519 = 0x004F,
        MLS_128_MLKEM768_AES256GCM_SHA384_P256 = 0x0050,
        MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65 = 0x0051,
        MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44 = 0x0052,
        MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87 = 0x0906,
        MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87 = 0x0907,
        MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519 = 0xF042,
    ]
}

impl CipherSuite {
    /// The code point (IANA's for an RFC suite, openmls' provisional one for a draft suite).
    pub fn id(self) -> u16 {
        self as u16
    }

    /// Whether this is a draft post-quantum suite rather than an RFC 9420 one.
    pub fn is_draft(self) -> bool {
        Self::DRAFT_PQ.contains(&self)
    }

    /// Every named suite: the RFC ones, then the drafts.
    pub fn every() -> impl Iterator<Item = CipherSuite> {
        Self::ALL.into_iter().chain(Self::DRAFT_PQ)
    }

    /// The suite with this code point (RFC or draft).
    pub fn from_id(id: u16) -> Result<Self, MlsError> {
        Self::every()
            .find(|s| s.id() == id)
            .ok_or(MlsError::UnknownCipherSuite(id))
    }

    /// The suite with this name (RFC or draft).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::every().find(|s| s.name() == name)
    }

    /// Whether Sonet's crypto provider ([`SonetCrypto`]) can run this suite. This asks the
    /// provider (`OpenMlsCrypto::supports`), which derives its answer from the primitives it
    /// has; nothing is hard-coded here.
    pub fn is_supported(self) -> bool {
        SonetCrypto.supports(self.to_openmls()).is_ok()
    }

    /// The RFC 9420 suites the provider can run, in code-point order (the drafts are in
    /// [`CipherSuite::supported_drafts`]).
    pub fn supported() -> Vec<CipherSuite> {
        Self::ALL.into_iter().filter(|s| s.is_supported()).collect()
    }

    /// The draft post-quantum suites the provider can run, in code-point order.
    pub fn supported_drafts() -> Vec<CipherSuite> {
        Self::DRAFT_PQ
            .into_iter()
            .filter(|s| s.is_supported())
            .collect()
    }

    /// Errors with [`MlsError::UnsupportedCipherSuite`] unless the provider runs this suite.
    pub(crate) fn require_supported(self) -> Result<(), MlsError> {
        if self.is_supported() {
            Ok(())
        } else {
            Err(MlsError::UnsupportedCipherSuite(self))
        }
    }

    pub(crate) fn from_openmls(suite: Ciphersuite) -> Result<Self, MlsError> {
        Self::from_id(u16::from(suite))
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:04x})", self.name(), self.id())?;
        if self.is_draft() {
            f.write_str(" [draft]")?;
        }
        Ok(())
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
    use crate::mls::primitives;

    #[test]
    fn registry_round_trips_every_suite() {
        for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
            assert_eq!(suite.id() as usize, i + 1);
            assert!(!suite.is_draft());
        }
        for suite in CipherSuite::DRAFT_PQ {
            assert!(suite.is_draft(), "{suite}");
            assert!(suite.to_string().ends_with("[draft]"));
        }
        let every: Vec<_> = CipherSuite::every().collect();
        assert_eq!(every.len(), 17);
        for (i, suite) in every.iter().copied().enumerate() {
            assert!(every[..i].iter().all(|s| s.id() != suite.id()), "{suite}");
            assert_eq!(CipherSuite::from_id(suite.id()), Ok(suite));
            assert_eq!(CipherSuite::from_name(suite.name()), Some(suite));
            assert_eq!(CipherSuite::from_openmls(suite.to_openmls()), Ok(suite));
            assert_eq!(u16::from(suite.to_openmls()), suite.id());
            // openmls' name for the suite is ours.
            assert_eq!(format!("{:?}", suite.to_openmls()), suite.name());
        }
        assert!(CipherSuite::DRAFT_PQ
            .windows(2)
            .all(|w| w[0].id() < w[1].id()));
        for id in [0, 8, 0x0A0A] {
            assert_eq!(
                CipherSuite::from_id(id),
                Err(MlsError::UnknownCipherSuite(id))
            );
        }
    }

    #[test]
    fn the_registry_is_the_primitives_table() {
        // Every suite named here has its primitives, under the same name and draft status, and
        // the table has no suite the registry does not name.
        for suite in CipherSuite::every() {
            let algorithms = primitives::suite(suite.id()).unwrap();
            assert_eq!(algorithms.name, suite.name());
            assert_eq!(algorithms.draft, suite.is_draft());
        }
        assert_eq!(primitives::SUITES.len(), CipherSuite::every().count());
    }

    #[test]
    fn the_provider_runs_every_suite() {
        // SonetCrypto implements every primitive of every suite (and this build compiles them
        // all in), so nothing named is unsupported.
        assert_eq!(CipherSuite::supported(), CipherSuite::ALL.to_vec());
        assert_eq!(
            CipherSuite::supported_drafts(),
            CipherSuite::DRAFT_PQ.to_vec()
        );
        let from_provider: Vec<u16> = SonetCrypto
            .supported_ciphersuites()
            .into_iter()
            .map(u16::from)
            .collect();
        let named: Vec<u16> = CipherSuite::every().map(CipherSuite::id).collect();
        let mut sorted = from_provider.clone();
        sorted.sort_unstable();
        let mut named_sorted = named.clone();
        named_sorted.sort_unstable();
        assert_eq!(sorted, named_sorted);
    }
}
