//! [`Client`]: an identity (basic credential), its signature keys, its KeyPackages and PSKs, and
//! the storage that holds them and its groups.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, Capabilities, Ciphersuite, CredentialWithKey, KeyPackage, MlsMessageOut,
    OpenMlsCrypto, OpenMlsProvider, SignatureScheme,
};
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_traits::signatures::Signer;
use openmls_traits::storage::{traits, Entity, StorageProvider, CURRENT_VERSION};

use super::error::{self, internal, storage, MlsError, Result};
use super::provider::SonetCrypto;
use super::signer::SignatureKeyPair;
use super::storage::{with_provider, Backend, MemoryBackend, Meta, SqliteBackend};
use super::wire::decode_key_package;
use super::CipherSuite;

/// An MLS client: one identity (an RFC 9420 basic credential), one signature key per signature
/// scheme (generated on first use), its KeyPackages, external PSKs and groups — all in one
/// storage, either a SQLite file ([`Client::open`], the service default) or memory
/// ([`Client::in_memory`], for tests).
///
/// `Client` is a cheap handle (`Clone` shares it); every [`Group`](super::Group) keeps one. Operations are
/// serialised per client and each is one storage transaction. A SQLite client can be dropped
/// and reopened from its file, and its groups continue ([`Client::group_ids`],
/// [`Client::load_group`]). Load each group at most once at a time: two live `Group` values for
/// the same group would diverge.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    identity: Vec<u8>,
    pub(crate) crypto: SonetCrypto,
    pub(crate) backend: Backend,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("identity", &String::from_utf8_lossy(&self.inner.identity))
            .field(
                "storage",
                &match self.inner.backend {
                    Backend::Memory(_) => "memory",
                    Backend::Sqlite(_) => "sqlite",
                },
            )
            .finish()
    }
}

/// Probe type for "is a PSK with this id stored?": deserializes from any stored bundle while
/// discarding its contents, so the secret is never materialised.
struct PskPresence;

impl serde::Serialize for PskPresence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for PskPresence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| PskPresence)
    }
}

impl Entity<CURRENT_VERSION> for PskPresence {}
impl traits::PskBundle<CURRENT_VERSION> for PskPresence {}

impl Client {
    /// A client whose state lives only in memory (tests, the conformance suites).
    pub fn in_memory(identity: &[u8]) -> Result<Client> {
        check_identity(identity)?;
        Ok(Self::from_parts(
            identity.to_vec(),
            Backend::Memory(MemoryBackend::new()),
        ))
    }

    /// Opens the client stored in the SQLite file at `path`, creating the file (mode 0600) and
    /// the client if there is none. Reopening with another identity fails with
    /// [`MlsError::IdentityMismatch`].
    pub fn open(path: impl AsRef<Path>, identity: &[u8]) -> Result<Client> {
        check_identity(identity)?;
        let backend = Backend::Sqlite(SqliteBackend::open(path.as_ref())?);
        with_provider!(&backend, &SonetCrypto, |_p, meta| {
            match meta.identity()? {
                Some(stored) if stored == identity => Ok(()),
                Some(_) => Err(MlsError::IdentityMismatch),
                None => meta.set_identity(identity),
            }
        })?;
        Ok(Self::from_parts(identity.to_vec(), backend))
    }

    /// Reopens an existing client from its SQLite file (the identity is read from it).
    pub fn reopen(path: impl AsRef<Path>) -> Result<Client> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(MlsError::Storage(format!(
                "no client database at {}",
                path.display()
            )));
        }
        let backend = Backend::Sqlite(SqliteBackend::open(path)?);
        let identity = with_provider!(&backend, &SonetCrypto, |_p, meta| {
            meta.identity()?
                .ok_or_else(|| MlsError::Storage("the database holds no client".into()))
        })?;
        Ok(Self::from_parts(identity, backend))
    }

    fn from_parts(identity: Vec<u8>, backend: Backend) -> Client {
        Client {
            inner: Arc::new(ClientInner {
                identity,
                crypto: SonetCrypto,
                backend,
            }),
        }
    }

    /// The identity in this client's basic credential.
    pub fn identity(&self) -> &[u8] {
        &self.inner.identity
    }

    /// A fresh KeyPackage for `suite`, as a serialized `MLSMessage` (RFC 9420 §6, wire format
    /// `mls_key_package`). Its private keys stay in this client's storage until a Welcome
    /// consumes them.
    pub fn key_package(&self, suite: CipherSuite) -> Result<Vec<u8>> {
        suite.require_supported()?;
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, meta| {
            let signer = inner.default_signer(p, meta, suite)?;
            let bundle = KeyPackage::builder()
                .leaf_node_capabilities(inner.capabilities())
                .build(
                    suite.to_openmls(),
                    p,
                    &signer,
                    inner.credential_with_key(&signer),
                )
                .map_err(error::key_package_new)?;
            MlsMessageOut::from(bundle.key_package().clone())
                .to_bytes()
                .map_err(internal)
        })
    }

    /// The public key of this client's default signature key for `suite`'s signature scheme
    /// (generated now if there is none yet).
    pub fn signature_public_key(&self, suite: CipherSuite) -> Result<Vec<u8>> {
        suite.require_supported()?;
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, meta| {
            Ok(inner.default_signer(p, meta, suite)?.to_public_vec())
        })
    }

    /// Imports a KeyPackage whose private keys were generated elsewhere (e.g. the RFC 9420
    /// passive-client test vectors: `key_package`, `init_priv`, `encryption_priv`,
    /// `signature_priv`), so that [`join_from_welcome`](super::join_from_welcome) can consume
    /// it.
    ///
    /// `key_package` is a serialized `MLSMessage` holding the KeyPackage. Its signatures are
    /// verified, and each private key is checked against its public key (an HPKE round trip for
    /// the init and leaf encryption keys, a signature for the signature key) before anything is
    /// stored. An *expired* lifetime is accepted — the caller vouches for its own KeyPackage,
    /// and published vectors carry lifetimes that have since passed. `signature_private`, if
    /// given, is stored under the leaf's signature public key, so the joined group can also
    /// sign (commit, send); without it the group can only receive.
    ///
    /// This goes through openmls' public storage trait: the KeyPackage bundle is written with
    /// `StorageProvider::write_key_package` exactly as openmls' own KeyPackage builder does.
    pub fn import_key_package(
        &self,
        key_package: &[u8],
        init_private: &[u8],
        encryption_private: &[u8],
        signature_private: Option<&[u8]>,
    ) -> Result<()> {
        let key_package = decode_key_package(&self.inner.crypto, key_package)?;
        let suite = CipherSuite::from_openmls(key_package.ciphersuite())?;
        suite.require_supported()?;
        let cs = suite.to_openmls();
        let crypto = &self.inner.crypto;
        check_hpke_pair(
            crypto,
            cs,
            key_package.hpke_init_key().as_slice(),
            init_private,
            "init",
        )?;
        check_hpke_pair(
            crypto,
            cs,
            &encryption_public_key(&key_package)?,
            encryption_private,
            "encryption",
        )?;
        let signer = match signature_private {
            Some(private) => Some(checked_signature_key(
                crypto,
                cs.signature_algorithm(),
                private,
                key_package.leaf_node().signature_key().as_slice(),
            )?),
            None => None,
        };
        let bundle = key_package_bundle(&key_package, init_private, encryption_private)?;
        let hash_ref = key_package.hash_ref(crypto).map_err(error::library)?;
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            p.storage()
                .write_key_package(&hash_ref, &bundle)
                .map_err(storage)?;
            if let Some(signer) = &signer {
                signer.store(p.storage()).map_err(storage)?;
            }
            Ok(())
        })
    }

    /// Stores an external signature key pair (raw private and public key in the suite's
    /// signature scheme encoding). It signs for any group whose leaf carries this public key;
    /// it does not replace the client's default key. The pair is checked by a sign/verify
    /// round trip.
    pub fn import_signature_key(
        &self,
        suite: CipherSuite,
        private: &[u8],
        public: &[u8],
    ) -> Result<()> {
        suite.require_supported()?;
        let inner = &self.inner;
        let key = checked_signature_key(
            &inner.crypto,
            suite.to_openmls().signature_algorithm(),
            private,
            public,
        )?;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            key.store(p.storage()).map_err(storage)
        })
    }

    /// Stores an external PSK (RFC 9420 §8.4) under `psk_id`, replacing any previous value.
    /// Group members that propose or receive a PreSharedKey proposal for it, and joiners whose
    /// Welcome references it, look it up here.
    pub fn store_external_psk(&self, psk_id: &[u8], secret: &[u8]) -> Result<()> {
        if psk_id.is_empty() {
            return Err(MlsError::InvalidArgument("empty PSK id".into()));
        }
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            // The nonce is not stored (it is per use), so an empty one is fine here.
            PreSharedKeyId::external(psk_id.to_vec(), Vec::new())
                .store(p, secret)
                .map_err(error::psk)
        })
    }

    /// Deletes a stored external PSK (no error if there is none).
    pub fn delete_external_psk(&self, psk_id: &[u8]) -> Result<()> {
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            p.storage()
                .delete_psk(&Psk::External(ExternalPsk::new(psk_id.to_vec())))
                .map_err(storage)
        })
    }

    /// Whether an external PSK with this id is stored.
    pub fn has_external_psk(&self, psk_id: &[u8]) -> Result<bool> {
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            inner.has_external_psk(p, psk_id)
        })
    }

    /// The ids of the groups stored for this client (created, joined, not deleted).
    pub fn group_ids(&self) -> Result<Vec<Vec<u8>>> {
        let inner = &self.inner;
        with_provider!(&inner.backend, &inner.crypto, |_p, meta| {
            meta.group_ids()
        })
    }
}

impl ClientInner {
    /// The client's default signature key for `suite`'s scheme, generated and stored on first
    /// use. Call inside an operation.
    pub(crate) fn default_signer<P: OpenMlsProvider>(
        &self,
        p: &P,
        meta: &Meta<'_>,
        suite: CipherSuite,
    ) -> Result<SignatureKeyPair> {
        let scheme = suite.to_openmls().signature_algorithm();
        let scheme_id = scheme as u16;
        if let Some(public) = meta.signature_key(scheme_id)? {
            return SignatureKeyPair::read(p.storage(), &public, scheme)
                .map_err(storage)?
                .ok_or(MlsError::MissingSignatureKey);
        }
        let key = SignatureKeyPair::generate(scheme).map_err(internal)?;
        key.store(p.storage()).map_err(storage)?;
        meta.set_signature_key(scheme_id, key.public())?;
        Ok(key)
    }

    /// The capabilities of this client's leaves: every suite the provider runs. openmls'
    /// default lists only suites 1–3 and the draft ones, and openmls refuses a leaf whose list
    /// lacks the group's suite, so groups in suites 4–7 need this.
    pub(crate) fn capabilities(&self) -> Capabilities {
        Capabilities::for_provider(&self.crypto)
    }

    pub(crate) fn credential_with_key(&self, signer: &SignatureKeyPair) -> CredentialWithKey {
        CredentialWithKey {
            credential: BasicCredential::new(self.identity.clone()).into(),
            signature_key: signer.public().into(),
        }
    }

    pub(crate) fn has_external_psk<P: OpenMlsProvider>(
        &self,
        p: &P,
        psk_id: &[u8],
    ) -> Result<bool> {
        let found: Option<PskPresence> = p
            .storage()
            .psk(&Psk::External(ExternalPsk::new(psk_id.to_vec())))
            .map_err(storage)?;
        Ok(found.is_some())
    }
}

fn check_identity(identity: &[u8]) -> Result<()> {
    if identity.is_empty() {
        return Err(MlsError::InvalidArgument("empty identity".into()));
    }
    Ok(())
}

/// Checks that `private` opens what is sealed to `public` (HPKE, the suite's KEM).
fn check_hpke_pair(
    crypto: &SonetCrypto,
    suite: Ciphersuite,
    public: &[u8],
    private: &[u8],
    which: &str,
) -> Result<()> {
    let probe = b"sonet key-pair check";
    let sealed = crypto
        .hpke_seal(suite.hpke_config(), public, b"", b"", probe)
        .map_err(|e| MlsError::InvalidKeyPackage(format!("{which} public key: {e:?}")))?;
    match crypto.hpke_open(suite.hpke_config(), &sealed, private, b"", b"") {
        Ok(opened) if opened == probe => Ok(()),
        _ => Err(MlsError::InvalidArgument(format!(
            "the {which} private key does not match the KeyPackage's {which} public key"
        ))),
    }
}

/// A signature key pair from raw bytes, checked by signing and verifying a probe.
fn checked_signature_key(
    crypto: &SonetCrypto,
    scheme: SignatureScheme,
    private: &[u8],
    public: &[u8],
) -> Result<SignatureKeyPair> {
    let key = SignatureKeyPair::from_raw(scheme, private, public);
    let probe = b"sonet signature-key check";
    let ok = key
        .sign(probe)
        .ok()
        .is_some_and(|sig| crypto.verify_signature(scheme, probe, public, &sig).is_ok());
    if ok {
        Ok(key)
    } else {
        Err(MlsError::InvalidArgument(
            "the signature private key does not match the public key".into(),
        ))
    }
}

/// Builds openmls' `KeyPackageBundle` (KeyPackage + init and leaf-encryption private keys).
/// openmls 0.9 exposes no public constructor for it outside its `test-utils` feature, but the
/// bundle is a plain serde type (it is what the storage layer persists), so it is assembled
/// from its serde representation — the same path a storage read takes.
fn key_package_bundle(
    key_package: &KeyPackage,
    init_private: &[u8],
    encryption_private: &[u8],
) -> Result<openmls::prelude::KeyPackageBundle> {
    use openmls::prelude::HpkePrivateKey;
    let init = HpkePrivateKey::from(init_private);
    let encryption = HpkePrivateKey::from(encryption_private);
    let value = serde_json::json!({
        "key_package": serde_json::to_value(key_package).map_err(internal)?,
        "private_init_key": serde_json::to_value(&init).map_err(internal)?,
        "private_encryption_key": { "key": serde_json::to_value(&encryption).map_err(internal)? },
    });
    let bundle: openmls::prelude::KeyPackageBundle =
        serde_json::from_value(value.clone()).map_err(internal)?;
    // The bundle must hold exactly the inputs: it serializes back to the same value.
    if serde_json::to_value(&bundle).map_err(internal)? != value {
        return Err(MlsError::Internal(
            "KeyPackage bundle assembly changed its contents".into(),
        ));
    }
    Ok(bundle)
}

/// The leaf's HPKE encryption public key (openmls keeps the raw accessor crate-private; its TLS
/// encoding is the key as a variable-length vector).
fn encryption_public_key(key_package: &KeyPackage) -> Result<Vec<u8>> {
    let encoded = key_package
        .leaf_node()
        .encryption_key()
        .tls_serialize_detached()
        .map_err(internal)?;
    let key = openmls::prelude::tls_codec::VLBytes::tls_deserialize_exact(encoded.as_slice())
        .map_err(internal)?;
    Ok(key.as_slice().to_vec())
}
