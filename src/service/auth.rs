//! Who is calling: a mutual-TLS client certificate (its subject common name is the identity),
//! or call metadata signed with the key of the caller's MLS credential.
//!
//! A signed call carries three metadata entries — `sonet-identity-bin`, `sonet-timestamp`
//! (milliseconds since the Unix epoch) and `sonet-signature-bin` — where the signature is
//! [`Client::sign_for_service`](crate::mls::Client::sign_for_service) under [`CALL_LABEL`] over
//! [`call_content`]: the method path, the timestamp and the identity. The server checks it
//! against the key the identity registered (`Directory/Register`) and refuses timestamps further
//! than `auth_max_skew_seconds` from its clock. Within that window a captured call could be
//! replayed, so signed calls should travel over TLS.

use tonic::metadata::MetadataMap;
use tonic::Status;

/// Metadata key of the caller's identity (binary: the MLS basic credential's bytes).
pub const IDENTITY_METADATA: &str = "sonet-identity-bin";
/// Metadata key of the call's timestamp: decimal milliseconds since the Unix epoch.
pub const TIMESTAMP_METADATA: &str = "sonet-timestamp";
/// Metadata key of the call signature (binary), over [`call_content`] under [`CALL_LABEL`].
pub const SIGNATURE_METADATA: &str = "sonet-signature-bin";
/// The label of call signatures.
pub const CALL_LABEL: &str = "sonet.v1 call";
/// The label of registration proofs (over the identity).
pub const REGISTER_LABEL: &str = "sonet.v1 register";

/// The content a call signature covers.
pub fn call_content(method_path: &str, timestamp_ms: u64, identity: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(method_path.len() + 16 + identity.len());
    content.extend_from_slice(&(method_path.len() as u32).to_be_bytes());
    content.extend_from_slice(method_path.as_bytes());
    content.extend_from_slice(&timestamp_ms.to_be_bytes());
    content.extend_from_slice(identity);
    content
}

/// The gRPC method path of a call (`/sonet.v1.Delivery/SendMessage`), put into the request's
/// extensions by the server before the handler runs.
#[derive(Clone, Debug)]
pub struct CallPath(pub String);

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The caller's identity: a verified signed call's identity, or a client certificate's CN.
    pub identity: Vec<u8>,
}

/// The identity named by a mutual-TLS client certificate (DER), from its subject CN.
pub fn certificate_identity(der: &[u8]) -> Result<Vec<u8>, Status> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der)
        .map_err(|_| Status::unauthenticated("client certificate cannot be parsed"))?;
    let common_name = certificate
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .filter(|cn| !cn.is_empty())
        .ok_or_else(|| Status::unauthenticated("client certificate has no subject common name"))?;
    Ok(common_name.as_bytes().to_vec())
}

/// The metadata of a signed call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCall {
    /// The identity the call claims (`sonet-identity-bin`); not yet verified.
    pub identity: Vec<u8>,
    /// The timestamp the call claims (`sonet-timestamp`), ms since the Unix epoch.
    pub timestamp_ms: u64,
    /// The signature (`sonet-signature-bin`), not yet verified.
    pub signature: Vec<u8>,
}

/// The signed-call metadata, if present.
pub fn signed_call(metadata: &MetadataMap) -> Result<Option<SignedCall>, Status> {
    let identity = metadata.get_bin(IDENTITY_METADATA);
    let timestamp = metadata.get(TIMESTAMP_METADATA);
    let signature = metadata.get_bin(SIGNATURE_METADATA);
    match (identity, timestamp, signature) {
        (None, None, None) => Ok(None),
        (Some(identity), Some(timestamp), Some(signature)) => {
            let bad = |what: &str| Status::unauthenticated(format!("malformed {what} metadata"));
            let identity = identity.to_bytes().map_err(|_| bad(IDENTITY_METADATA))?;
            let timestamp = timestamp
                .to_str()
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| bad(TIMESTAMP_METADATA))?;
            let signature = signature.to_bytes().map_err(|_| bad(SIGNATURE_METADATA))?;
            Ok(Some(SignedCall {
                identity: identity.to_vec(),
                timestamp_ms: timestamp,
                signature: signature.to_vec(),
            }))
        }
        _ => Err(Status::unauthenticated(format!(
            "a signed call needs all of {IDENTITY_METADATA}, {TIMESTAMP_METADATA} and {SIGNATURE_METADATA}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_content_separates_path_from_identity() {
        // Moving bytes between the path and the identity must change the signed content.
        assert_ne!(
            call_content("/a/b", 1, b"cd"),
            call_content("/a/bc", 1, b"d")
        );
        assert_ne!(call_content("/a/b", 1, b"x"), call_content("/a/b", 2, b"x"));
    }

    #[test]
    fn partial_metadata_is_refused() {
        let mut metadata = MetadataMap::new();
        assert!(signed_call(&metadata).unwrap().is_none());
        metadata.insert(TIMESTAMP_METADATA, "12".parse().unwrap());
        assert_eq!(
            signed_call(&metadata).unwrap_err().code(),
            tonic::Code::Unauthenticated
        );
    }

    #[test]
    fn certificates_without_a_common_name_are_refused() {
        assert_eq!(
            certificate_identity(b"not a certificate")
                .unwrap_err()
                .code(),
            tonic::Code::Unauthenticated
        );
    }
}
