//! HKDF (RFC 5869): the RFC's Appendix A SHA-256 cases (pyca/cryptography's text form, PRK and
//! OKM checked) and Wycheproof `hkdf_sha{1,256,384,512}_test.json`.

use serde_json::Value;
use sonet::crypto::kdf::{HashAlgorithm, Hkdf, KdfError};
use sonet::crypto::Provider;
use sonet_report::model::SetResult;

use crate::formats::wycheproof::{self, WycheproofCase};
use crate::runner::{
    expect_eq, hex_field, providers_for, record, CaseError, CaseResult, Job, Suite,
};
use crate::vectors::VectorStore;

/// The `hkdf` suite, under every provider with HKDF: RFC 5869 Appendix A
/// (`hkdf/rfc-5869-HKDF-SHA256.txt`, from pyca/cryptography) and Wycheproof
/// `hkdf/wycheproof/hkdf_sha{1,256,384,512}_test.json` (C2SP/wycheproof).
pub const SUITE: Suite = Suite {
    name: "hkdf",
    description: "HKDF (RFC 5869) over SHA-1/256/384/512: RFC 5869 Appendix A and Wycheproof",
    jobs,
};

const RFC_5869_FILE: &str = "hkdf/rfc-5869-HKDF-SHA256.txt";

const WYCHEPROOF_FILES: [(&str, HashAlgorithm); 4] = [
    ("hkdf/wycheproof/hkdf_sha1_test.json", HashAlgorithm::Sha1),
    (
        "hkdf/wycheproof/hkdf_sha256_test.json",
        HashAlgorithm::Sha256,
    ),
    (
        "hkdf/wycheproof/hkdf_sha384_test.json",
        HashAlgorithm::Sha384,
    ),
    (
        "hkdf/wycheproof/hkdf_sha512_test.json",
        HashAlgorithm::Sha512,
    ),
];

fn jobs() -> Vec<Job> {
    let mut jobs = Vec::new();
    for provider in providers_for(|p| !p.kdfs.is_empty()) {
        jobs.push(Job::new(
            SUITE.name,
            RFC_5869_FILE,
            provider.name,
            move |store, set| rfc_5869_set(provider, store, set),
        ));
        for (path, hash) in WYCHEPROOF_FILES {
            jobs.push(Job::new(
                SUITE.name,
                path,
                provider.name,
                move |store, set| wycheproof_set(provider, path, hash, store, set),
            ));
        }
    }
    jobs
}

fn params(hash: HashAlgorithm) -> String {
    format!("HKDF-{hash}")
}

fn kdf_for(provider: &Provider, hash: HashAlgorithm) -> Result<&'static dyn Hkdf, CaseError> {
    provider.hkdf(hash).ok_or_else(|| {
        CaseError::Unsupported(format!("{} does not implement HKDF-{hash}", provider.name))
    })
}

/// An error of the KDF layer as a case outcome: a refusal the provider cannot express stays
/// unsupported; a rejection is judged by the vector (required for an invalid one).
fn kdf_error(error: KdfError) -> CaseError {
    match error {
        KdfError::Unsupported { .. } => CaseError::Unsupported(error.to_string()),
        other => CaseError::Rejected(other.to_string()),
    }
}

// ----- RFC 5869 Appendix A (pyca text form) ------------------------------------------------------

/// One `COUNT = n` record: its `name = value` lines, and the comment that introduces it.
struct RfcRecord<'a> {
    count: &'a str,
    title: Option<&'a str>,
    fields: Vec<(&'a str, &'a str)>,
}

impl RfcRecord<'_> {
    fn text(&self, name: &str) -> Result<&str, CaseError> {
        let mut values = self.fields.iter().filter(|(n, _)| *n == name);
        let (_, value) = values
            .next()
            .ok_or_else(|| CaseError::Fail(format!("record has no {name}")))?;
        if values.next().is_some() {
            return Err(CaseError::Fail(format!("record has more than one {name}")));
        }
        Ok(value)
    }

    fn hex(&self, name: &str) -> Result<Vec<u8>, CaseError> {
        hex::decode(self.text(name)?)
            .map_err(|e| CaseError::Fail(format!("{name} is not hex: {e}")))
    }

    fn id(&self) -> String {
        match self.title {
            Some(title) => format!("COUNT {} ({title})", self.count),
            None => format!("COUNT {}", self.count),
        }
    }
}

/// Splits the file into records at each `COUNT` line. A record's title is the first line of
/// the `#` comment block before it ("A.1.  Test Case 1").
fn parse_rfc_records(text: &str) -> Vec<RfcRecord<'_>> {
    let mut records: Vec<RfcRecord<'_>> = Vec::new();
    let mut title = None;
    let mut in_comment = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if !in_comment {
                title = Some(comment.trim());
                in_comment = true;
            }
            continue;
        }
        in_comment = false;
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name == "COUNT" {
            records.push(RfcRecord {
                count: value,
                title: title.take(),
                fields: Vec::new(),
            });
        } else if let Some(record) = records.last_mut() {
            record.fields.push((name, value));
        }
    }
    records
}

/// The number of records the file holds, counted without the parser: one `Hash` line each.
fn count_rfc_records(text: &str) -> u64 {
    text.lines()
        .filter(|line| {
            line.split_once('=')
                .is_some_and(|(name, _)| name.trim() == "Hash")
        })
        .count() as u64
}

fn rfc_5869_set(
    provider: &Provider,
    store: &VectorStore,
    set: &mut SetResult,
) -> Result<(), String> {
    let (text, source) = store.read_text(RFC_5869_FILE).map_err(|e| e.to_string())?;
    set.sources = vec![source];
    set.expected_cases = Some(count_rfc_records(&text));
    for rfc_record in parse_rfc_records(&text) {
        let hash = rfc_record.text("Hash").ok().and_then(hash_by_name);
        let params = hash.map(params).unwrap_or_default();
        let result = rfc_5869_case(provider, &rfc_record);
        record(set, rfc_record.id(), &params, "extract+expand", result);
    }
    Ok(())
}

fn hash_by_name(name: &str) -> Option<HashAlgorithm> {
    HashAlgorithm::ALL.into_iter().find(|h| h.name() == name)
}

fn rfc_5869_case(provider: &Provider, record: &RfcRecord<'_>) -> CaseResult {
    let hash_name = record.text("Hash")?;
    let hash = hash_by_name(hash_name).ok_or_else(|| {
        CaseError::Unsupported(format!("Sonet's HKDF has no hash function {hash_name:?}"))
    })?;
    let kdf = kdf_for(provider, hash)?;
    let len_text = record.text("L")?;
    let len: usize = len_text
        .parse()
        .map_err(|e| CaseError::Fail(format!("L {len_text:?} is not a length: {e}")))?;
    let (ikm, salt, info) = (record.hex("IKM")?, record.hex("salt")?, record.hex("info")?);
    let prk = kdf.extract(&salt, &ikm).map_err(kdf_error)?;
    expect_eq("PRK", prk.as_bytes(), &record.hex("PRK")?)?;
    let want_okm = record.hex("OKM")?;
    let okm = kdf.expand(prk.as_bytes(), &info, len).map_err(kdf_error)?;
    expect_eq("OKM", okm.as_bytes(), &want_okm)?;
    let derived = kdf.derive(&salt, &ikm, &info, len).map_err(kdf_error)?;
    expect_eq("derived OKM", derived.as_bytes(), &want_okm)?;
    Ok(format!("PRK and {len}-byte OKM match"))
}

// ----- Wycheproof ---------------------------------------------------------------------------------

fn wycheproof_set(
    provider: &Provider,
    path: &str,
    hash: HashAlgorithm,
    store: &VectorStore,
    set: &mut SetResult,
) -> Result<(), String> {
    let (doc, cases) = wycheproof::load(store, path, set)?;
    // The file names its hash; a mismatch with the table above would check the wrong HKDF.
    let declared = doc.get("algorithm").and_then(Value::as_str);
    if declared != Some(params(hash).as_str()) {
        return Err(format!(
            "{path} declares algorithm {declared:?}, expected {:?}",
            params(hash)
        ));
    }
    for case in &cases {
        let result = wycheproof_case(provider, hash, case);
        record(set, case.id(), &params(hash), "derive", result);
    }
    Ok(())
}

fn wycheproof_case(provider: &Provider, hash: HashAlgorithm, case: &WycheproofCase) -> CaseResult {
    let kdf = kdf_for(provider, hash)?;
    let ikm = hex_field(&case.test, "ikm")?;
    let salt = hex_field(&case.test, "salt")?;
    let info = hex_field(&case.test, "info")?;
    let want = hex_field(&case.test, "okm")?;
    let size = case
        .test
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| CaseError::Fail("vector has no integer field \"size\"".into()))?;
    let size = usize::try_from(size)
        .map_err(|_| CaseError::Fail(format!("size {size} does not fit this platform")))?;
    case.expectation.judge(|| {
        let okm = kdf.derive(&salt, &ikm, &info, size).map_err(kdf_error)?;
        expect_eq("OKM", okm.as_bytes(), &want)?;
        Ok(format!("{size}-byte OKM matches"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# A.1.  Test Case 1\n# Basic\n\nCOUNT = 1\n\nHash = SHA-256\n\
                          salt =\nL    = 42\n\n# A.2.  Test Case 2\nCOUNT = 2\nHash = SHA-1\n";

    #[test]
    fn records_split_at_count_and_keep_empty_values() {
        let records = parse_rfc_records(SAMPLE);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].id(), "COUNT 1 (A.1.  Test Case 1)");
        assert_eq!(records[0].text("salt").unwrap(), "");
        assert_eq!(records[0].hex("salt").unwrap(), Vec::<u8>::new());
        assert_eq!(records[0].text("L").unwrap(), "42");
        assert_eq!(records[1].text("Hash").unwrap(), "SHA-1");
        assert!(records[1].text("L").is_err());
    }

    #[test]
    fn the_count_does_not_come_from_the_parser() {
        assert_eq!(count_rfc_records(SAMPLE), 2);
        // A record whose COUNT line is missing is still counted, so the set reports the loss.
        let lost = "COUNT = 1\nHash = SHA-256\nHash = SHA-256\n";
        assert_eq!(count_rfc_records(lost), 2);
        assert_eq!(parse_rfc_records(lost).len(), 1);
    }

    #[test]
    fn hash_names_match_the_vectors() {
        assert_eq!(hash_by_name("SHA-256"), Some(HashAlgorithm::Sha256));
        assert_eq!(hash_by_name("SHA-224"), None);
        assert_eq!(params(HashAlgorithm::Sha1), "HKDF-SHA-1");
    }
}
