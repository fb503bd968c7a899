//! The `rustcrypto` provider: pure-Rust implementations from the RustCrypto `ml-kem`, `ml-dsa`
//! and `slh-dsa` crates and Thomas Pornin's `fn-dsa`.
//!
//! Each family lives in its own file; the parameter sets of a family share one generic
//! implementation, instantiated here once per set.

pub mod aead;
mod fn_dsa;
pub mod kdf;
mod ml_dsa;
mod ml_kem;
mod slh_dsa;

use super::{expect_len, PqcError, Provider};

/// The name errors carry, so a report can tell which provider refused an operation.
const PROVIDER_NAME: &str = "rustcrypto";

/// Every ML-KEM, ML-DSA, SLH-DSA and FN-DSA parameter set of the registry.
pub static PROVIDER: Provider = Provider {
    name: PROVIDER_NAME,
    description: "RustCrypto ml-kem 0.3.4, ml-dsa 0.1.2, slh-dsa 0.2.0-rc.5; \
                  fn-dsa 0.4.0 (Thomas Pornin, FN-DSA draft); hkdf 0.13.0 + hmac 0.13.0 over sha1 0.11.0 / sha2 0.11.1 (HKDF); \
                  aes-gcm 0.11.1 + chacha20poly1305 0.11.0 (AEAD)",
    kems: &[
        &ml_kem::MlKem::<::ml_kem::MlKem512>::NEW,
        &ml_kem::MlKem::<::ml_kem::MlKem768>::NEW,
        &ml_kem::MlKem::<::ml_kem::MlKem1024>::NEW,
    ],
    signatures: &[
        &ml_dsa::MlDsa::<::ml_dsa::MlDsa44>::NEW,
        &ml_dsa::MlDsa::<::ml_dsa::MlDsa65>::NEW,
        &ml_dsa::MlDsa::<::ml_dsa::MlDsa87>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_128s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_128f>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_192s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_192f>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_256s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Sha2_256f>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake128s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake128f>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake192s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake192f>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake256s>::NEW,
        &slh_dsa::SlhDsa::<::slh_dsa::Shake256f>::NEW,
        &fn_dsa::FnDsa::<fn_dsa::FnDsa512>::NEW,
        &fn_dsa::FnDsa::<fn_dsa::FnDsa1024>::NEW,
    ],
    aeads: aead::AEADS,
    kdfs: kdf::KDFS,
};

fn unsupported(operation: &'static str, reason: &'static str) -> PqcError {
    PqcError::Unsupported {
        provider: PROVIDER_NAME,
        operation,
        reason,
    }
}

/// FIPS 204 / 205 and the FN-DSA draft all encode |ctx| in one byte.
fn check_context(context: &[u8]) -> Result<(), PqcError> {
    if context.len() > usize::from(u8::MAX) {
        Err(PqcError::ContextTooLong(context.len()))
    } else {
        Ok(())
    }
}

/// Borrows `bytes` as a crate's fixed-size array type after checking its length against the
/// registry size, so no crate conversion can fail or panic on it.
fn as_array<'a, A: ?Sized>(
    what: &'static str,
    bytes: &'a [u8],
    expected: usize,
) -> Result<&'a A, PqcError>
where
    &'a A: TryFrom<&'a [u8]>,
{
    expect_len(what, bytes, expected)?;
    <&A>::try_from(bytes).map_err(|_| PqcError::InvalidLength {
        what,
        got: bytes.len(),
        expected,
    })
}

#[cfg(test)]
mod test_vectors {
    //! The layout of the ACVP JSON vectors, for the known-answer unit tests. The files are read,
    //! and checked against their pins, by `sonet_testkit::vectors`.

    pub(super) fn hex_field(value: &serde_json::Value, field: &str) -> Vec<u8> {
        let text = value[field]
            .as_str()
            .unwrap_or_else(|| panic!("field {field:?} missing in {value}"));
        hex::decode(text).unwrap_or_else(|e| panic!("field {field:?} is not hex: {e}"))
    }

    /// The test group of an ACVP prompt for a parameter set, with its expected-results twin.
    pub(super) fn acvp_group<'a>(
        prompt: &'a serde_json::Value,
        expected: &'a serde_json::Value,
        parameter_set: &str,
        filter: impl Fn(&serde_json::Value) -> bool,
    ) -> (&'a serde_json::Value, &'a serde_json::Value) {
        let groups = prompt["testGroups"].as_array().expect("testGroups");
        let group = groups
            .iter()
            .find(|g| g["parameterSet"] == parameter_set && filter(g))
            .unwrap_or_else(|| panic!("no test group for {parameter_set}"));
        let expected_group = expected["testGroups"]
            .as_array()
            .expect("testGroups")
            .iter()
            .find(|g| g["tgId"] == group["tgId"])
            .expect("expected-results group with the same tgId");
        (group, expected_group)
    }

    /// The expected result whose tcId matches a prompt case.
    pub(super) fn expected_case<'a>(
        expected_group: &'a serde_json::Value,
        case: &serde_json::Value,
    ) -> &'a serde_json::Value {
        expected_group["tests"]
            .as_array()
            .expect("tests")
            .iter()
            .find(|t| t["tcId"] == case["tcId"])
            .expect("expected result with the same tcId")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{KemAlgorithm, SignatureAlgorithm};

    #[test]
    fn provider_covers_every_registered_parameter_set_once() {
        assert_eq!(PROVIDER.name, "rustcrypto");
        for algorithm in KemAlgorithm::ALL {
            let count = PROVIDER
                .kems
                .iter()
                .filter(|k| k.algorithm() == algorithm)
                .count();
            assert_eq!(count, 1, "{algorithm}");
        }
        assert_eq!(PROVIDER.kems.len(), KemAlgorithm::ALL.len());
        for &algorithm in SignatureAlgorithm::ALL {
            let count = PROVIDER
                .signatures
                .iter()
                .filter(|s| s.algorithm() == algorithm)
                .count();
            assert_eq!(count, 1, "{algorithm}");
        }
        assert_eq!(PROVIDER.signatures.len(), SignatureAlgorithm::ALL.len());
    }

    #[test]
    fn provider_is_registered_first() {
        let first = crate::crypto::providers()[0];
        assert_eq!(first.name, PROVIDER_NAME);
        assert!(crate::crypto::provider("rustcrypto").is_some());
    }

    #[test]
    fn oversized_context_is_rejected() {
        assert_eq!(check_context(&[0; 255]), Ok(()));
        assert_eq!(check_context(&[0; 256]), Err(PqcError::ContextTooLong(256)));
    }
}
