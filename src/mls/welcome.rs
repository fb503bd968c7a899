//! Inspecting a Welcome before joining (RFC 9420 §12.4.3.1): decrypt the GroupSecrets with the
//! KeyPackage's init key, decrypt the GroupInfo, verify its signature against the key of the
//! member the caller expects to have sent it, and recompute its confirmation tag from the
//! joiner secret — without a ratchet tree and without touching any client's storage.
//!
//! openmls 0.9.2 decrypts a Welcome only inside its join path, which needs the KeyPackage bundle
//! in storage and the ratchet tree, and keeps GroupSecrets and the key schedule crate-private.
//! This module therefore runs the RFC's steps itself, on openmls' public codec types and its
//! crypto provider's primitives (HPKE, HKDF, HMAC, AEAD, signatures).

use openmls::messages::group_info::VerifiableGroupInfo;
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _, Size as _, VLBytes};
use openmls::prelude::{Ciphersuite, MlsMessageBodyIn, OpenMlsCrypto};
use openmls_traits::types::HpkeCiphertext;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use super::error::{internal, malformed, MlsError, Result};
use super::provider::SonetCrypto;
use super::wire::{decode_key_package, decode_message};
use super::CipherSuite;

/// What [`inspect_welcome`] established about a Welcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeInspection {
    /// The Welcome's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The id of the group the Welcome joins.
    pub group_id: Vec<u8>,
    /// The epoch the joiner enters.
    pub epoch: u64,
    /// The leaf index of the member that signed the GroupInfo (the Welcome's sender).
    pub signer_leaf: u32,
    /// Whether the GroupSecrets carry a path secret for the joiner.
    pub has_path_secret: bool,
}

/// The RFC 9420 label prefix of every labelled KDF, signature and HPKE operation.
const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// Decrypts and checks the Welcome (`welcome`, a serialized `MLSMessage`) addressed to
/// `key_package` (a serialized `MLSMessage`), whose init private key is `init_private`, and
/// verifies the GroupInfo's signature with `signer_public` (the signature public key of the
/// member expected to have sent it).
///
/// A Welcome whose GroupSecrets name pre-shared keys is refused with
/// [`MlsError::Unsupported`]: inspection has no PSK store.
pub fn inspect_welcome(
    welcome: &[u8],
    key_package: &[u8],
    init_private: &[u8],
    signer_public: &[u8],
) -> Result<WelcomeInspection> {
    let crypto = SonetCrypto;
    let welcome = ParsedWelcome::decode(welcome)?;
    let suite = CipherSuite::from_id(welcome.cipher_suite)?;
    suite.require_supported()?;
    let cs = suite.to_openmls();

    // The caller's own KeyPackage: its signatures are verified, an expired lifetime is accepted
    // (as `Client::import_key_package` accepts it).
    let key_package = decode_key_package(&crypto, key_package)?;
    if key_package.ciphersuite() != cs {
        return Err(MlsError::InvalidArgument(
            "the KeyPackage's cipher suite is not the Welcome's".into(),
        ));
    }
    let reference = key_package.hash_ref(&crypto).map_err(internal)?;
    let secrets = welcome
        .secrets
        .iter()
        .find(|s| s.new_member == reference.as_slice())
        .ok_or(MlsError::NoMatchingKeyPackage)?;

    // GroupSecrets = EncryptWithLabel(init_key, "Welcome", encrypted_group_info, ...).
    let context = encrypt_context(b"Welcome", &welcome.encrypted_group_info)?;
    let group_secrets = Zeroizing::new(
        crypto
            .hpke_open(
                cs.hpke_config(),
                &secrets.ciphertext,
                init_private,
                &context,
                b"",
            )
            .map_err(|e| MlsError::DecryptionFailed(format!("GroupSecrets: {e:?}")))?,
    );
    let group_secrets = GroupSecrets::decode(&group_secrets)?;

    let schedule = KeySchedule {
        crypto: &crypto,
        cs,
    };
    // No PSKs: psk_secret is Nh zero bytes.
    let psk_secret = vec![0u8; cs.hash_length()];
    let member_secret = schedule.extract(&group_secrets.joiner_secret, &psk_secret)?;
    let welcome_secret = schedule.derive_secret(&member_secret, b"welcome")?;
    let key = schedule.expand_with_label(&welcome_secret, b"key", b"", cs.aead_key_length())?;
    let nonce =
        schedule.expand_with_label(&welcome_secret, b"nonce", b"", cs.aead_nonce_length())?;
    let group_info = Zeroizing::new(
        crypto
            .aead_decrypt(
                cs.aead_algorithm(),
                &key,
                &welcome.encrypted_group_info,
                &nonce,
                b"",
            )
            .map_err(|e| MlsError::DecryptionFailed(format!("GroupInfo: {e:?}")))?,
    );
    let info = ParsedGroupInfo::decode(&group_info)?;

    // GroupInfo signature: SignWithLabel(., "GroupInfoTBS", GroupInfoTBS).
    let signed = sign_content(b"GroupInfoTBS", info.to_be_signed)?;
    crypto
        .verify_signature(
            cs.signature_algorithm(),
            &signed,
            signer_public,
            info.signature,
        )
        .map_err(|_| MlsError::InvalidSignature)?;

    // confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash), where
    // confirmation_key = DeriveSecret(epoch_secret, "confirm") and
    // epoch_secret = ExpandWithLabel(member_secret, "epoch", GroupContext, Nh).
    let epoch_secret = schedule.expand_with_label(
        &member_secret,
        b"epoch",
        info.group_context,
        cs.hash_length(),
    )?;
    let confirmation_key = schedule.derive_secret(&epoch_secret, b"confirm")?;
    let expected_tag = crypto
        .hmac(
            cs.hash_algorithm(),
            &confirmation_key,
            info.verifiable.group_context().confirmed_transcript_hash(),
        )
        .map_err(|e| internal(format!("{e:?}")))?;
    if !bool::from(expected_tag.as_slice().ct_eq(info.confirmation_tag)) {
        return Err(MlsError::InvalidWelcome(
            "the GroupInfo's confirmation tag does not match the one derived from the joiner \
             secret"
                .into(),
        ));
    }

    let group_context = info.verifiable.group_context();
    Ok(WelcomeInspection {
        cipher_suite: suite,
        group_id: group_context.group_id().as_slice().to_vec(),
        epoch: group_context.epoch().as_u64(),
        signer_leaf: info.signer,
        has_path_secret: group_secrets.has_path_secret,
    })
}

/// Reads one TLS `opaque<V>` from the front of `input`.
fn read_vl<'a>(input: &mut &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    let before = *input;
    let length = VLBytes::tls_deserialize(input).map_err(|e| malformed(what, e))?;
    let header = before.len() - input.len() - length.as_slice().len();
    Ok(&before[header..header + length.as_slice().len()])
}

fn read_array<const N: usize>(input: &mut &[u8], what: &'static str) -> Result<[u8; N]> {
    let (head, rest) = input
        .split_first_chunk::<N>()
        .ok_or_else(|| malformed(what, "truncated"))?;
    *input = rest;
    Ok(*head)
}

fn expect_end(input: &[u8], what: &'static str) -> Result<()> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(malformed(what, format!("{} trailing bytes", input.len())))
    }
}

fn write_vl(out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    VLBytes::from(bytes.to_vec())
        .tls_serialize(out)
        .map(drop)
        .map_err(internal)
}

/// `EncryptContext { opaque label<V> = "MLS 1.0 " + label; opaque context<V>; }`.
fn encrypt_context(label: &[u8], context: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_vl(&mut out, &[LABEL_PREFIX, label].concat())?;
    write_vl(&mut out, context)?;
    Ok(out)
}

/// `SignContent` has the same shape as `EncryptContext`.
fn sign_content(label: &[u8], content: &[u8]) -> Result<Vec<u8>> {
    encrypt_context(label, content)
}

/// The key schedule's three operations over the suite's KDF.
struct KeySchedule<'a> {
    crypto: &'a SonetCrypto,
    cs: Ciphersuite,
}

impl KeySchedule<'_> {
    fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.crypto
            .hkdf_extract(self.cs.hash_algorithm(), salt, ikm)
            .map(|s| Zeroizing::new(s.as_slice().to_vec()))
            .map_err(|e| internal(format!("{e:?}")))
    }

    /// `ExpandWithLabel(secret, label, context, length)` with
    /// `KDFLabel { uint16 length; opaque label<V> = "MLS 1.0 " + label; opaque context<V>; }`.
    fn expand_with_label(
        &self,
        secret: &[u8],
        label: &[u8],
        context: &[u8],
        length: usize,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let length16 = u16::try_from(length).map_err(internal)?;
        let mut info = length16.to_be_bytes().to_vec();
        write_vl(&mut info, &[LABEL_PREFIX, label].concat())?;
        write_vl(&mut info, context)?;
        self.crypto
            .hkdf_expand(self.cs.hash_algorithm(), secret, &info, length)
            .map(|s| Zeroizing::new(s.as_slice().to_vec()))
            .map_err(|e| internal(format!("{e:?}")))
    }

    fn derive_secret(&self, secret: &[u8], label: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.expand_with_label(secret, label, b"", self.cs.hash_length())
    }
}

struct EncryptedGroupSecrets {
    new_member: Vec<u8>,
    ciphertext: HpkeCiphertext,
}

/// The RFC 9420 `Welcome` fields this module needs, read from the wire encoding (openmls keeps
/// its accessors for them crate-private).
struct ParsedWelcome {
    cipher_suite: u16,
    secrets: Vec<EncryptedGroupSecrets>,
    encrypted_group_info: Vec<u8>,
}

impl ParsedWelcome {
    fn decode(message: &[u8]) -> Result<Self> {
        // openmls decodes it first, so anything it refuses is refused the same way here.
        let welcome = decode_message(message, "Welcome", |body| match body {
            MlsMessageBodyIn::Welcome(welcome) => Some(welcome),
            _ => None,
        })?;
        let bytes = welcome.tls_serialize_detached().map_err(internal)?;
        let mut input = bytes.as_slice();
        let cipher_suite = u16::from_be_bytes(read_array(&mut input, "Welcome")?);
        let mut secrets_bytes = read_vl(&mut input, "Welcome secrets")?;
        let encrypted_group_info = read_vl(&mut input, "Welcome encrypted_group_info")?.to_vec();
        expect_end(input, "Welcome")?;
        let mut secrets = Vec::new();
        while !secrets_bytes.is_empty() {
            let new_member = read_vl(&mut secrets_bytes, "EncryptedGroupSecrets")?.to_vec();
            let kem_output = read_vl(&mut secrets_bytes, "HPKECiphertext")?.to_vec();
            let ciphertext = read_vl(&mut secrets_bytes, "HPKECiphertext")?.to_vec();
            secrets.push(EncryptedGroupSecrets {
                new_member,
                ciphertext: HpkeCiphertext {
                    kem_output: kem_output.into(),
                    ciphertext: ciphertext.into(),
                },
            });
        }
        Ok(Self {
            cipher_suite,
            secrets,
            encrypted_group_info,
        })
    }
}

/// `GroupSecrets { opaque joiner_secret<V>; optional<PathSecret> path_secret; PreSharedKeyID psks<V>; }`
struct GroupSecrets {
    joiner_secret: Zeroizing<Vec<u8>>,
    has_path_secret: bool,
}

impl GroupSecrets {
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut input = bytes;
        let joiner_secret = Zeroizing::new(read_vl(&mut input, "GroupSecrets")?.to_vec());
        let [presence] = read_array(&mut input, "GroupSecrets")?;
        let has_path_secret = match presence {
            0 => false,
            1 => {
                read_vl(&mut input, "GroupSecrets path_secret")?;
                true
            }
            other => {
                return Err(malformed(
                    "GroupSecrets",
                    format!("optional presence byte {other}"),
                ))
            }
        };
        let psks = read_vl(&mut input, "GroupSecrets psks")?;
        expect_end(input, "GroupSecrets")?;
        if !psks.is_empty() {
            return Err(MlsError::Unsupported {
                operation: "inspecting a Welcome that names pre-shared keys",
                reason: "inspection has no PSK store; join with a client that holds them",
            });
        }
        Ok(Self {
            joiner_secret,
            has_path_secret,
        })
    }
}

/// A decrypted GroupInfo: openmls' decoding, plus the byte ranges the checks need.
struct ParsedGroupInfo<'a> {
    verifiable: VerifiableGroupInfo,
    group_context: &'a [u8],
    confirmation_tag: &'a [u8],
    signer: u32,
    /// `GroupInfoTBS`: everything before the signature.
    to_be_signed: &'a [u8],
    signature: &'a [u8],
}

impl<'a> ParsedGroupInfo<'a> {
    /// `GroupInfo { GroupContext group_context; Extension extensions<V>; MAC confirmation_tag;
    /// uint32 signer; opaque signature<V>; }`
    fn decode(bytes: &'a [u8]) -> Result<Self> {
        let verifiable = VerifiableGroupInfo::tls_deserialize_exact(bytes)
            .map_err(|e| malformed("GroupInfo", e))?;
        let context_length = verifiable.group_context().tls_serialized_len();
        let group_context = bytes
            .get(..context_length)
            .ok_or_else(|| malformed("GroupInfo", "truncated GroupContext"))?;
        let mut input = &bytes[context_length..];
        read_vl(&mut input, "GroupInfo extensions")?;
        let confirmation_tag = read_vl(&mut input, "GroupInfo confirmation_tag")?;
        let signer = u32::from_be_bytes(read_array(&mut input, "GroupInfo signer")?);
        let to_be_signed = &bytes[..bytes.len() - input.len()];
        let signature = read_vl(&mut input, "GroupInfo signature")?;
        expect_end(input, "GroupInfo")?;
        Ok(Self {
            verifiable,
            group_context,
            confirmation_tag,
            signer,
            to_be_signed,
            signature,
        })
    }
}
