//! Decoding what arrives on the wire: serialized `MLSMessage`s (RFC 9420 §6) of an expected
//! kind, KeyPackages with the checks openmls leaves to the caller, and ratchet trees. Shared by
//! the client, the group, Welcome inspection and the service's routing.

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::{
    KeyPackage, KeyPackageVerifyError, MlsMessageBodyIn, MlsMessageIn, ProtocolVersion,
    RatchetTreeIn, WireFormat,
};

use openmls::prelude::tls_codec::Serialize as _;

use super::error::{self, internal, malformed, MlsError, Result};
use super::provider::SonetCrypto;

/// Decodes a serialized `MLSMessage` whose body `pick` accepts; any other kind of message is
/// [`MlsError::UnexpectedMessage`] naming what it was.
pub(super) fn decode_message<T>(
    bytes: &[u8],
    expected: &'static str,
    pick: impl FnOnce(MlsMessageBodyIn) -> Option<T>,
) -> Result<T> {
    let message =
        MlsMessageIn::tls_deserialize_exact(bytes).map_err(|e| malformed("MLSMessage", e))?;
    let got = wire_format_name(message.wire_format());
    pick(message.extract()).ok_or(MlsError::UnexpectedMessage { expected, got })
}

pub(super) fn wire_format_name(wire_format: WireFormat) -> &'static str {
    match wire_format {
        WireFormat::PublicMessage => "PublicMessage",
        WireFormat::PrivateMessage => "PrivateMessage",
        WireFormat::Welcome => "Welcome",
        WireFormat::GroupInfo => "GroupInfo",
        WireFormat::KeyPackage => "KeyPackage",
    }
}

pub(super) fn decode_ratchet_tree(bytes: Option<&[u8]>) -> Result<Option<RatchetTreeIn>> {
    bytes
        .map(|b| RatchetTreeIn::tls_deserialize_exact(b).map_err(|e| malformed("ratchet_tree", e)))
        .transpose()
}

/// Decodes an `MLSMessage` holding a KeyPackage and verifies it (signatures, version,
/// init ≠ encryption key, extensions). Tolerated, because openmls checks them only after every
/// signature verified: an expired or missing lifetime, and unlisted GREASE extension types.
pub(super) fn decode_key_package(crypto: &SonetCrypto, bytes: &[u8]) -> Result<KeyPackage> {
    let key_package_in = decode_message(bytes, "KeyPackage", |body| match body {
        MlsMessageBodyIn::KeyPackage(kp) => Some(kp),
        _ => None,
    })?;
    match key_package_in
        .clone()
        .validate(crypto, ProtocolVersion::Mls10)
    {
        Ok(kp) => Ok(kp),
        Err(
            KeyPackageVerifyError::LifetimeError(_)
            | KeyPackageVerifyError::MissingLifetime
            | KeyPackageVerifyError::UnsupportedExtension,
        ) => {
            // openmls checks these last, after both signatures verified. It exposes no
            // validation that skips them, so convert through its serde representation and check
            // the result re-encodes to the exact bytes that were verified.
            let value = serde_json::to_value(&key_package_in).map_err(internal)?;
            let kp: KeyPackage = serde_json::from_value(value).map_err(internal)?;
            let original = key_package_in.tls_serialize_detached().map_err(internal)?;
            let converted = kp.tls_serialize_detached().map_err(internal)?;
            if original != converted {
                return Err(MlsError::Internal(
                    "KeyPackage conversion changed its encoding".into(),
                ));
            }
            check_extensions_listed(&kp)?;
            Ok(kp)
        }
        Err(e) => Err(error::key_package_verify(e)),
    }
}

/// RFC 9420 §7.2: every non-default extension in the KeyPackage and its leaf must be listed in
/// the leaf's capabilities. openmls applies this to GREASE values too (§13.5), which other
/// implementations (mlspp, in the interop vectors) put in KeyPackages without listing them; a
/// GREASE type is therefore accepted here, anything else unlisted is not.
fn check_extensions_listed(kp: &KeyPackage) -> Result<()> {
    let listed = kp.leaf_node().capabilities().extensions();
    let types = kp
        .extensions()
        .iter()
        .chain(kp.leaf_node().extensions().iter())
        .map(|e| e.extension_type());
    for ty in types {
        // application_id, ratchet_tree, required_capabilities, external_pub, external_senders
        let default = (1..=5).contains(&u16::from(ty));
        let grease = openmls::grease::is_grease_value(u16::from(ty));
        if !(default || grease || listed.contains(&ty)) {
            return Err(MlsError::InvalidKeyPackage(format!(
                "extension 0x{:04x} is not listed in the leaf's capabilities",
                u16::from(ty)
            )));
        }
    }
    Ok(())
}
