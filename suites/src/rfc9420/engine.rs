//! The rfc9420 sets run through the engine, `sonet::mls` on openmls 0.9.2: the passive-client
//! files (join, process every epoch, compare every epoch authenticator), `messages.json` (every
//! structure decodes and re-encodes byte-identically with openmls' public TLS codec types),
//! `deserialization.json` and `welcome.json`.

use openmls::prelude::tls_codec::{self, Deserialize as _, Serialize as _, VLBytes};
use openmls::prelude::{
    AddProposalIn, ExternalInitProposal, GroupContextExtensionProposalIn, MlsMessageBodyIn,
    MlsMessageIn, PreSharedKeyProposal, RatchetTreeIn, ReInitProposal, RemoveProposal,
    UpdateProposalIn,
};
use serde_json::Value;
use sonet::mls::{inspect_welcome, run_passive_client, MlsError, PassiveClientCase};
use sonet_report::model::SetResult;

use super::files::{read_cases, suite_params};
use crate::runner::{expect_eq, hex_field, record, str_field, CaseError, CaseResult};
use crate::vectors::VectorStore;

/// The provider name of the engine's sets.
pub(super) const PROVIDER: &str = "openmls";

pub const GREASE_REASON: &str = "openmls 0.9.2 rejects leaf nodes with GREASE extension types \
(openmls#2156, fixed after 0.9.2); RFC 9420 §13.5 requires accepting them";

const GROUP_SECRETS_REASON: &str = "openmls 0.9.2 has no public GroupSecrets type \
(messages::GroupSecrets is pub(crate)); it decodes GroupSecrets only inside Welcome processing";

const COMMIT_REASON: &str = "openmls 0.9.2 has no public Commit type (Commit and CommitIn are \
pub(crate)); commits are decoded only inside a PublicMessage/PrivateMessage (see the \
public_message_commit case)";

/// The end of the message openmls 0.9.2 gives when an extension list being decoded holds an
/// extension type that RFC 9420 does not allow in a GroupContext.
const REINIT_GROUP_CONTEXT_SUFFIX: &str = "that is not allowed in the group context.";

const REINIT_REASON: &str = "openmls 0.9.2 validates a ReInit proposal's extension list while \
decoding and refuses extension types not allowed in a GroupContext (the generated vector puts a \
ratchet_tree extension there, which RFC 9420 §17.3 allows only in GroupInfo), so the structural \
decode/re-encode round trip cannot be run through openmls' public ReInitProposal codec";

pub(super) fn passive_set(
    store: &VectorStore,
    path: &str,
    interop: bool,
    set: &mut SetResult,
) -> Result<(), String> {
    let entries = read_cases(store, path, set)?;
    set.expected_cases = Some(entries.len() as u64);
    for (index, entry) in entries.iter().enumerate() {
        let params = suite_params(entry);
        let result = passive_case(entry, interop);
        record(
            set,
            format!("case {index}"),
            &params,
            "passive-client",
            result,
        );
    }
    Ok(())
}

fn passive_case(entry: &Value, interop: bool) -> CaseResult {
    let case = PassiveClientCase::from_json(entry)
        .map_err(|e| CaseError::Fail(format!("malformed vector: {e}")))?;
    match run_passive_client(&case) {
        Ok(epochs) => Ok(format!(
            "joined; initial and {epochs} epoch authenticators match"
        )),
        Err(e) if interop && e.is_openmls_grease_rejection() => {
            Err(CaseError::Unsupported(GREASE_REASON.to_owned()))
        }
        Err(e) => match e.engine_error() {
            Some(MlsError::UnsupportedCipherSuite(_)) => Err(CaseError::Unsupported(e.to_string())),
            _ => Err(CaseError::Fail(e.to_string())),
        },
    }
}

/// How a `messages.json` field is decoded, or why openmls 0.9.2 cannot decode it.
enum Structure {
    /// An `MLSMessage` whose body must be of this kind.
    Message(&'static str),
    RatchetTree,
    AddProposal,
    UpdateProposal,
    RemoveProposal,
    PreSharedKeyProposal,
    ReInitProposal,
    ExternalInitProposal,
    GroupContextExtensionsProposal,
}

fn structure(field: &str) -> Option<Result<Structure, &'static str>> {
    Some(Ok(match field {
        "mls_welcome" => Structure::Message("Welcome"),
        "mls_group_info" => Structure::Message("GroupInfo"),
        "mls_key_package" => Structure::Message("KeyPackage"),
        "public_message_application" | "public_message_proposal" | "public_message_commit" => {
            Structure::Message("PublicMessage")
        }
        "private_message" => Structure::Message("PrivateMessage"),
        "ratchet_tree" => Structure::RatchetTree,
        "group_secrets" => return Some(Err(GROUP_SECRETS_REASON)),
        "add_proposal" => Structure::AddProposal,
        "update_proposal" => Structure::UpdateProposal,
        "remove_proposal" => Structure::RemoveProposal,
        "pre_shared_key_proposal" => Structure::PreSharedKeyProposal,
        "re_init_proposal" => Structure::ReInitProposal,
        "external_init_proposal" => Structure::ExternalInitProposal,
        "group_context_extensions_proposal" => Structure::GroupContextExtensionsProposal,
        "commit" => return Some(Err(COMMIT_REASON)),
        _ => return None,
    }))
}

/// Decodes `bytes` as `T` (all bytes consumed) and re-encodes it.
fn round_trip<T: tls_codec::Deserialize + tls_codec::Serialize>(
    what: &str,
    bytes: &[u8],
) -> Result<T, CaseError> {
    let value = T::tls_deserialize_exact(bytes)
        .map_err(|e| CaseError::Fail(format!("{what} does not decode: {e}")))?;
    let encoded = value
        .tls_serialize_detached()
        .map_err(|e| CaseError::Fail(format!("{what} does not re-encode: {e}")))?;
    expect_eq(&format!("re-encoded {what}"), &encoded, bytes)?;
    Ok(value)
}

fn body_kind(body: &MlsMessageBodyIn) -> &'static str {
    match body {
        MlsMessageBodyIn::PublicMessage(_) => "PublicMessage",
        MlsMessageBodyIn::PrivateMessage(_) => "PrivateMessage",
        MlsMessageBodyIn::Welcome(_) => "Welcome",
        MlsMessageBodyIn::GroupInfo(_) => "GroupInfo",
        MlsMessageBodyIn::KeyPackage(_) => "KeyPackage",
    }
}

fn message_case(field: &str, entry: &Value) -> CaseResult {
    let kind = structure(field)
        .ok_or_else(|| CaseError::Fail(format!("unknown structure {field:?}")))?
        .map_err(|reason| CaseError::Unsupported(reason.to_owned()))?;
    let bytes = hex_field(entry, field)?;
    let name = match kind {
        Structure::Message(want) => {
            let message = round_trip::<MlsMessageIn>("MLSMessage", &bytes)?;
            let got = body_kind(&message.extract());
            if got != want {
                return Err(CaseError::Fail(format!(
                    "MLSMessage carries a {got}, expected a {want}"
                )));
            }
            format!("MLSMessage({want})")
        }
        Structure::RatchetTree => {
            round_trip::<RatchetTreeIn>("ratchet_tree", &bytes)?;
            "RatchetTreeIn".to_owned()
        }
        Structure::AddProposal => {
            round_trip::<AddProposalIn>("Add", &bytes)?;
            "AddProposalIn".to_owned()
        }
        Structure::UpdateProposal => {
            round_trip::<UpdateProposalIn>("Update", &bytes)?;
            "UpdateProposalIn".to_owned()
        }
        Structure::RemoveProposal => {
            round_trip::<RemoveProposal>("Remove", &bytes)?;
            "RemoveProposal".to_owned()
        }
        Structure::PreSharedKeyProposal => {
            round_trip::<PreSharedKeyProposal>("PreSharedKey", &bytes)?;
            "PreSharedKeyProposal".to_owned()
        }
        Structure::ReInitProposal => {
            if let Err(tls_codec::Error::DecodingError(message)) =
                ReInitProposal::tls_deserialize_exact(&bytes)
            {
                if message.ends_with(REINIT_GROUP_CONTEXT_SUFFIX) {
                    return Err(CaseError::Unsupported(format!(
                        "{REINIT_REASON} (openmls: {message})"
                    )));
                }
            }
            round_trip::<ReInitProposal>("ReInit", &bytes)?;
            "ReInitProposal".to_owned()
        }
        Structure::ExternalInitProposal => {
            round_trip::<ExternalInitProposal>("ExternalInit", &bytes)?;
            "ExternalInitProposal".to_owned()
        }
        Structure::GroupContextExtensionsProposal => {
            round_trip::<GroupContextExtensionProposalIn>("GroupContextExtensions", &bytes)?;
            "GroupContextExtensionProposalIn".to_owned()
        }
    };
    Ok(format!(
        "{name}: {} bytes decode and re-encode identically",
        bytes.len()
    ))
}

/// One case per (entry, structure); `expected_cases` counts every field of every entry.
pub(super) fn messages_set(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let entries = read_cases(store, "mls/messages.json", set)?;
    set.expected_cases = Some(
        entries
            .iter()
            .map(|e| e.as_object().map_or(1, |o| o.len() as u64))
            .sum(),
    );
    for (index, entry) in entries.iter().enumerate() {
        let Some(object) = entry.as_object() else {
            record(
                set,
                format!("entry {index}"),
                "",
                "messages",
                Err(CaseError::Fail("entry is not a JSON object".into())),
            );
            continue;
        };
        for field in object.keys() {
            let result = message_case(field, entry);
            record(set, format!("entry {index} {field}"), "", field, result);
        }
    }
    Ok(())
}

/// Lengths up to this are also checked by a full `VLBytes` round trip; above it only the length
/// prefix is (the largest vector declares a 1 GiB payload).
const FULL_ROUND_TRIP_MAX: usize = 1 << 16;

fn deserialization_case(entry: &Value) -> CaseResult {
    let header = hex_field(entry, "vlbytes_header")?;
    let length = entry
        .get("length")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| CaseError::Fail("vector has no integer field \"length\"".into()))?;
    // Decoding: the length prefix reads back the declared length and consumes the whole header.
    let mut reader = header.as_slice();
    let (decoded, header_len) = tls_codec::vlen::read_length(&mut reader)
        .map_err(|e| CaseError::Fail(format!("header does not decode: {e}")))?;
    if decoded != length || header_len != header.len() {
        return Err(CaseError::Fail(format!(
            "header decodes to length {decoded} in {header_len} bytes, want {length} in {}",
            header.len()
        )));
    }
    // Encoding: the minimal prefix for the length is the header.
    let mut encoded = Vec::new();
    tls_codec::vlen::write_length(&mut encoded, length)
        .map_err(|e| CaseError::Fail(format!("length does not encode: {e}")))?;
    expect_eq("encoded header", &encoded, &header)?;
    if length > FULL_ROUND_TRIP_MAX {
        return Ok(format!(
            "length prefix {length} decodes and encodes ({} bytes)",
            header.len()
        ));
    }
    let mut full = header.clone();
    full.resize(header.len() + length, 0x5a);
    let value = VLBytes::tls_deserialize_exact(&full)
        .map_err(|e| CaseError::Fail(format!("VLBytes does not decode: {e}")))?;
    if value.as_slice().len() != length {
        return Err(CaseError::Fail(format!(
            "VLBytes decoded {} bytes, want {length}",
            value.as_slice().len()
        )));
    }
    let reencoded = VLBytes::new(vec![0x5a; length])
        .tls_serialize_detached()
        .map_err(|e| CaseError::Fail(format!("VLBytes does not encode: {e}")))?;
    expect_eq("VLBytes encoding", &reencoded, &full)?;
    Ok(format!(
        "length prefix {length} and VLBytes of that length decode and encode ({} header bytes)",
        header.len()
    ))
}

pub(super) fn deserialization_set(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let entries = read_cases(store, "mls/deserialization.json", set)?;
    set.expected_cases = Some(entries.len() as u64);
    for (index, entry) in entries.iter().enumerate() {
        let id = match str_field(entry, "vlbytes_header") {
            Some(h) => format!("case {index} ({h})"),
            None => format!("case {index}"),
        };
        record(set, id, "", "vlbytes_header", deserialization_case(entry));
    }
    Ok(())
}

pub(super) fn welcome_set(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let entries = read_cases(store, "mls/welcome.json", set)?;
    set.expected_cases = Some(entries.len() as u64);
    for (index, entry) in entries.iter().enumerate() {
        let params = suite_params(entry);
        let result = welcome_case(entry);
        record(set, format!("case {index}"), &params, "welcome", result);
    }
    Ok(())
}

/// RFC 9420 test-vectors "Welcome": open the GroupSecrets with `init_priv`, decrypt the GroupInfo,
/// verify its signature with `signer_pub` and recompute its confirmation tag from the joiner
/// secret, through `sonet::mls::inspect_welcome`.
fn welcome_case(entry: &Value) -> CaseResult {
    let init_priv = hex_field(entry, "init_priv")?;
    let key_package = hex_field(entry, "key_package")?;
    let signer_pub = hex_field(entry, "signer_pub")?;
    let welcome = hex_field(entry, "welcome")?;
    match inspect_welcome(&welcome, &key_package, &init_priv, &signer_pub) {
        Ok(info) => Ok(format!(
            "GroupSecrets opened, GroupInfo decrypted, its signature verified and its \
             confirmation tag recomputed: group {}…, epoch {}, signed by leaf {}",
            hex::encode(&info.group_id[..info.group_id.len().min(8)]),
            info.epoch,
            info.signer_leaf
        )),
        Err(e @ (MlsError::UnsupportedCipherSuite(_) | MlsError::Unsupported { .. })) => {
            Err(CaseError::Unsupported(e.to_string()))
        }
        Err(e) => Err(CaseError::Fail(e.to_string())),
    }
}
