//! [`SignatureKeyPair`]: a client's MLS signature key for any signature scheme of
//! [`super::primitives`] (Ed25519, Ed448, ECDSA P-256/384/521, ML-DSA-44/65/87), the openmls
//! [`Signer`] the engine hands to openmls, and the entity it keeps in openmls' storage.
//!
//! It replaces `openmls_basic_credential::SignatureKeyPair`, which generates and signs only
//! Ed25519 and ECDSA P-256/P-384 keys (and ML-DSA from a seed, not FIPS 204 secret keys). The
//! storage row is the one that crate writes — the same key (public key ‖
//! `"RustCryptoSignatureKey"` ‖ scheme) and the same JSON shape (`private` and `public` as byte
//! arrays, `signature_scheme` by name) — so client databases written before this type existed
//! still find their keys. (Sonet never stored ML-DSA keys through that crate, so the seed form
//! it would use for them is not read.)

use std::fmt;

use openmls_traits::signatures::{Signer, SignerError};
use openmls_traits::storage::{self, StorageProvider, CURRENT_VERSION};
use openmls_traits::types::{CryptoError, SignatureScheme};
use serde::{Deserialize, Serialize};

use super::primitives::{self, PrimitiveError};
use super::provider::signature_scheme;
use crate::secret::SecretBytes;

/// A signature key pair: the private key (zeroized on drop, never printed), its public key and
/// its scheme.
#[derive(Serialize, Deserialize)]
pub(crate) struct SignatureKeyPair {
    #[serde(with = "private_key")]
    private: SecretBytes,
    public: Vec<u8>,
    signature_scheme: SignatureScheme,
}

/// The private key as a bare byte array, as `openmls_basic_credential` stores it.
mod private_key {
    use super::*;

    pub fn serialize<S: serde::Serializer>(key: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(key.as_bytes(), s)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        // Moved, not copied, into the zeroizing wrapper.
        Vec::<u8>::deserialize(d).map(SecretBytes::new)
    }
}

impl fmt::Debug for SignatureKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureKeyPair")
            .field("signature_scheme", &self.signature_scheme)
            .field("public", &hex::encode(&self.public))
            .field("private", &format_args!("<{} bytes>", self.private.len()))
            .finish()
    }
}

/// The storage key `openmls_basic_credential` uses; kept so that existing databases still
/// resolve (the label names openmls' RustCrypto credential, not the implementation in use).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StorageId {
    value: Vec<u8>,
}

impl StorageId {
    fn new(public_key: &[u8], scheme: SignatureScheme) -> Self {
        const LABEL: &[u8] = b"RustCryptoSignatureKey";
        let mut value = Vec::with_capacity(public_key.len() + LABEL.len() + 2);
        value.extend_from_slice(public_key);
        value.extend_from_slice(LABEL);
        value.extend_from_slice(&(scheme as u16).to_be_bytes());
        Self { value }
    }
}

impl storage::Key<CURRENT_VERSION> for StorageId {}
impl storage::traits::SignaturePublicKey<CURRENT_VERSION> for StorageId {}
impl storage::Entity<CURRENT_VERSION> for SignatureKeyPair {}
impl storage::traits::SignatureKeyPair<CURRENT_VERSION> for SignatureKeyPair {}

impl SignatureKeyPair {
    /// A fresh key pair from the system RNG.
    pub(crate) fn generate(scheme: SignatureScheme) -> Result<Self, CryptoError> {
        let (private, public) = primitives::generate_signature_key(signature_scheme(scheme)?)
            .map_err(|e| match e {
                PrimitiveError::Rng => CryptoError::InsufficientRandomness,
                _ => CryptoError::UnsupportedSignatureScheme,
            })?;
        Ok(Self {
            private,
            public,
            signature_scheme: scheme,
        })
    }

    /// A key pair from raw keys in the scheme's encodings. Nothing is checked here: whether
    /// the two belong together is the caller's sign-and-verify probe.
    pub(crate) fn from_raw(scheme: SignatureScheme, private: &[u8], public: &[u8]) -> Self {
        Self {
            private: SecretBytes::from(private),
            public: public.to_vec(),
            signature_scheme: scheme,
        }
    }

    /// Writes the key pair to openmls' storage.
    pub(crate) fn store<S: StorageProvider<CURRENT_VERSION>>(
        &self,
        storage: &S,
    ) -> Result<(), S::Error> {
        storage.write_signature_key_pair(&StorageId::new(&self.public, self.signature_scheme), self)
    }

    /// Reads the key pair whose public key is `public_key` from openmls' storage.
    pub(crate) fn read<S: StorageProvider<CURRENT_VERSION>>(
        storage: &S,
        public_key: &[u8],
        scheme: SignatureScheme,
    ) -> Result<Option<Self>, S::Error> {
        storage.signature_key_pair(&StorageId::new(public_key, scheme))
    }

    pub(crate) fn public(&self) -> &[u8] {
        &self.public
    }

    pub(crate) fn to_public_vec(&self) -> Vec<u8> {
        self.public.clone()
    }
}

impl Signer for SignatureKeyPair {
    fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, SignerError> {
        let scheme = signature_scheme(self.signature_scheme).map_err(SignerError::CryptoError)?;
        primitives::sign(scheme, self.private.as_bytes(), payload).map_err(|e| match e {
            PrimitiveError::Rng => SignerError::CryptoError(CryptoError::InsufficientRandomness),
            _ => SignerError::SigningError,
        })
    }

    fn signature_scheme(&self) -> SignatureScheme {
        self.signature_scheme
    }
}

#[cfg(test)]
mod tests {
    use openmls_memory_storage::MemoryStorage;
    use openmls_traits::crypto::OpenMlsCrypto as _;

    use super::*;
    use crate::mls::provider::SonetCrypto;

    const SCHEMES: [SignatureScheme; 8] = [
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        SignatureScheme::ECDSA_SECP521R1_SHA512,
        SignatureScheme::ED25519,
        SignatureScheme::ED448,
        SignatureScheme::MLDSA44,
        SignatureScheme::MLDSA65,
        SignatureScheme::MLDSA87,
    ];

    #[test]
    fn every_scheme_signs_stores_and_reads_back() {
        let storage = MemoryStorage::default();
        for scheme in SCHEMES {
            let key = SignatureKeyPair::generate(scheme).unwrap();
            assert_eq!(key.signature_scheme(), scheme);
            let signature = key.sign(b"payload").unwrap();
            SonetCrypto
                .verify_signature(scheme, b"payload", key.public(), &signature)
                .unwrap();
            assert_eq!(
                SonetCrypto.verify_signature(scheme, b"payloae", key.public(), &signature),
                Err(CryptoError::InvalidSignature),
                "{scheme:?}"
            );
            key.store(&storage).unwrap();
            let read = SignatureKeyPair::read(&storage, key.public(), scheme)
                .unwrap()
                .unwrap();
            assert_eq!(read.private.as_bytes(), key.private.as_bytes());
            assert_eq!(read.public(), key.public());
            // Another scheme under the same public key is another row.
            let other = SCHEMES.into_iter().find(|s| *s != scheme).unwrap();
            assert!(SignatureKeyPair::read(&storage, key.public(), other)
                .unwrap()
                .is_none());
        }
    }

    #[test]
    fn reads_the_rows_openmls_basic_credential_wrote() {
        // A row as openmls_basic_credential 0.6 serializes it (the literal of its own
        // test_serde_format_backwards_compat), and its storage key for that public key.
        let json = r#"{"private":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32],"public":[1,2,3],"signature_scheme":"ED25519"}"#;
        let parsed: SignatureKeyPair = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.private.as_bytes(), (1..=32).collect::<Vec<u8>>());
        assert_eq!(parsed.public(), [1, 2, 3]);
        assert_eq!(parsed.signature_scheme(), SignatureScheme::ED25519);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
        assert_eq!(
            StorageId::new(&[1, 2, 3], SignatureScheme::ED25519).value,
            b"\x01\x02\x03RustCryptoSignatureKey\x08\x07"
        );
    }

    #[test]
    fn a_malformed_private_key_is_a_signing_error() {
        for scheme in SCHEMES {
            let key = SignatureKeyPair::from_raw(scheme, &[1, 2, 3], &[4]);
            assert_eq!(key.sign(b"x"), Err(SignerError::SigningError), "{scheme:?}");
        }
    }

    #[test]
    fn debug_shows_no_private_key() {
        let key = SignatureKeyPair::from_raw(SignatureScheme::ED25519, &[0xAB; 32], &[0xCD; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains("<32 bytes>"), "{shown}");
        assert!(shown.contains(&"cd".repeat(32)), "{shown}");
        assert!(!shown.to_lowercase().contains("ab"), "{shown}");
    }
}
