//! What a delivery service may learn from MLS messages without any group state: the framing
//! of a handshake or application message (group, epoch, content type — all in the clear in both
//! PublicMessage and PrivateMessage, RFC 9420 §6), the verified credential of a KeyPackage, and
//! signatures made with a credential's signature key over service-defined content.

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    BasicCredential, ContentType, MlsMessageBodyIn, MlsMessageIn, OpenMlsCrypto, SignatureScheme,
};
use openmls_traits::signatures::Signer;

use super::error::{malformed, MlsError, Result};
use super::provider::SonetCrypto;
use super::wire::decode_key_package;
use super::wire::wire_format_name;
use super::{CipherSuite, Client};

/// The content type of a framed MLS message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentKind {
    /// An application message.
    Application,
    /// A proposal.
    Proposal,
    /// A commit.
    Commit,
}

/// The cleartext framing of a PublicMessage or PrivateMessage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Framing {
    /// `PublicMessage` or `PrivateMessage`.
    pub wire_format: &'static str,
    /// The group id the message names.
    pub group_id: Vec<u8>,
    /// The epoch the message names.
    pub epoch: u64,
    /// The content type.
    pub content: ContentKind,
}

/// Reads the framing of a serialized `MLSMessage` holding a PublicMessage or PrivateMessage.
/// Nothing is decrypted or verified: the sender's group members do that.
pub fn message_framing(bytes: &[u8]) -> Result<Framing> {
    let message =
        MlsMessageIn::tls_deserialize_exact(bytes).map_err(|e| malformed("MLSMessage", e))?;
    let wire_format = wire_format_name(message.wire_format());
    let protocol =
        message
            .try_into_protocol_message()
            .map_err(|_| MlsError::UnexpectedMessage {
                expected: "PublicMessage or PrivateMessage",
                got: wire_format,
            })?;
    let content = match protocol.content_type() {
        ContentType::Application => ContentKind::Application,
        ContentType::Proposal => ContentKind::Proposal,
        ContentType::Commit => ContentKind::Commit,
    };
    Ok(Framing {
        wire_format,
        group_id: protocol.group_id().as_slice().to_vec(),
        epoch: protocol.epoch().as_u64(),
        content,
    })
}

/// Whether `bytes` is a serialized `MLSMessage` holding a Welcome for `suite`.
pub fn welcome_suite(bytes: &[u8]) -> Result<CipherSuite> {
    let message =
        MlsMessageIn::tls_deserialize_exact(bytes).map_err(|e| malformed("MLSMessage", e))?;
    let got = wire_format_name(message.wire_format());
    match message.extract() {
        MlsMessageBodyIn::Welcome(welcome) => {
            CipherSuite::from_id(u16::from(welcome.ciphersuite()))
        }
        _ => Err(MlsError::UnexpectedMessage {
            expected: "Welcome",
            got,
        }),
    }
}

/// The verified credential of a KeyPackage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackageCredential {
    /// The KeyPackage's cipher suite.
    pub suite: CipherSuite,
    /// The basic credential's identity.
    pub identity: Vec<u8>,
    /// The suite's SignatureScheme code point (e.g. 0x0807 for Ed25519).
    pub signature_scheme: u16,
    /// The leaf's signature public key, which signed the KeyPackage.
    pub signature_key: Vec<u8>,
}

/// Decodes a serialized `MLSMessage(KeyPackage)`, verifies its signatures, and returns the
/// credential it carries (only basic credentials are accepted).
pub fn key_package_credential(bytes: &[u8]) -> Result<KeyPackageCredential> {
    let key_package = decode_key_package(&SonetCrypto, bytes)?;
    let suite = CipherSuite::from_id(u16::from(key_package.ciphersuite()))?;
    let leaf = key_package.leaf_node();
    let credential = BasicCredential::try_from(leaf.credential().clone())
        .map_err(|e| MlsError::InvalidArgument(format!("not a basic credential: {e}")))?;
    Ok(KeyPackageCredential {
        suite,
        identity: credential.identity().to_vec(),
        signature_scheme: key_package.ciphersuite().signature_algorithm() as u16,
        signature_key: leaf.signature_key().as_slice().to_vec(),
    })
}

/// Prefix of every service-defined signed content, so that such a signature can never be taken
/// for an MLS one (MLS signs `SignContent`, whose label starts "MLS 1.0 ", RFC 9420 §5.1.2).
const SERVICE_SIGNATURE_PREFIX: &[u8] = b"\xffsonet service signature\x00";

fn service_content(label: &str, content: &[u8]) -> Vec<u8> {
    let mut signed =
        Vec::with_capacity(SERVICE_SIGNATURE_PREFIX.len() + label.len() + 1 + content.len());
    signed.extend_from_slice(SERVICE_SIGNATURE_PREFIX);
    signed.extend_from_slice(label.as_bytes());
    signed.push(0);
    signed.extend_from_slice(content);
    signed
}

impl Client {
    /// Signs service-defined `content` under `label` with this client's credential signature
    /// key for `suite` (the key its KeyPackages and leaves carry).
    pub fn sign_for_service(
        &self,
        suite: CipherSuite,
        label: &str,
        content: &[u8],
    ) -> Result<Vec<u8>> {
        suite.require_supported()?;
        let inner = &self.inner;
        let signer = super::storage::with_provider!(&inner.backend, &inner.crypto, |p, meta| {
            inner.default_signer(p, meta, suite)
        })?;
        signer
            .sign(&service_content(label, content))
            .map_err(|e| MlsError::Internal(format!("signing: {e:?}")))
    }
}

/// The MLS signature scheme (RFC 9420 §17.3 code point) of `suite`.
pub fn signature_scheme(suite: CipherSuite) -> u16 {
    suite.to_openmls().signature_algorithm() as u16
}

/// Verifies a [`Client::sign_for_service`] signature.
pub fn verify_service_signature(
    signature_scheme: u16,
    public_key: &[u8],
    label: &str,
    content: &[u8],
    signature: &[u8],
) -> Result<()> {
    let scheme = SignatureScheme::try_from(signature_scheme).map_err(|_| {
        MlsError::InvalidArgument(format!("unknown signature scheme 0x{signature_scheme:04x}"))
    })?;
    SonetCrypto
        .verify_signature(
            scheme,
            &service_content(label, content),
            public_key,
            signature,
        )
        .map_err(|_| MlsError::InvalidSignature)
}
