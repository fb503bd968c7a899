//! What the rfc9420 suite's engine, oracle and differential jobs share: the passive-client file
//! lists, the one reader of a pinned JSON array of cases, and the accessors of a case's fields.

use serde_json::Value;
use sonet::mls::CipherSuite;
use sonet_report::model::SetResult;

use crate::runner::CaseError;
use crate::vectors::VectorStore;

/// The mlswg passive-client files.
pub(crate) const PASSIVE_FILES: [&str; 3] = [
    "mls/passive-client-welcome.json",
    "mls/passive-client-handling-commit.json",
    "mls/passive-client-random.json",
];

/// mlspp's `interop/passive` files (GREASE in their leaves).
pub(crate) const INTEROP_FILES: [&str; 7] = [
    "mls/interop/passive/application.json",
    "mls/interop/passive/branch.json",
    "mls/interop/passive/commit.json",
    "mls/interop/passive/external_join.json",
    "mls/interop/passive/external_proposals.json",
    "mls/interop/passive/reinit.json",
    "mls/interop/passive/welcome_join.json",
];

/// Reads a pinned JSON array and announces its case count (a set that counts several cases per
/// entry sets `expected_cases` again).
pub(crate) fn read_cases(
    store: &VectorStore,
    path: &str,
    set: &mut SetResult,
) -> Result<Vec<Value>, String> {
    let (json, source) = store.read_json(path).map_err(|e| e.to_string())?;
    set.sources.push(source);
    match json {
        Value::Array(entries) => {
            set.expected_cases = Some(entries.len() as u64);
            Ok(entries)
        }
        _ => Err(format!("{path}: not a JSON array")),
    }
}

/// The cipher-suite name of an entry (the report's matrix column).
pub(crate) fn suite_params(entry: &Value) -> String {
    match entry.get("cipher_suite").and_then(Value::as_u64) {
        Some(id) => match u16::try_from(id).map(CipherSuite::from_id) {
            Ok(Ok(suite)) => suite.name().to_owned(),
            _ => format!("cipher suite {id}"),
        },
        None => "cipher suite ?".to_owned(),
    }
}

pub(crate) fn field<'a>(entry: &'a Value, name: &str) -> Result<&'a Value, CaseError> {
    entry
        .get(name)
        .ok_or_else(|| CaseError::Fail(format!("vector has no field {name:?}")))
}

pub(crate) fn u64_field(entry: &Value, name: &str) -> Result<u64, CaseError> {
    field(entry, name)?
        .as_u64()
        .ok_or_else(|| CaseError::Fail(format!("field {name:?} is not an unsigned integer")))
}

pub(crate) fn text_field<'a>(entry: &'a Value, name: &str) -> Result<&'a str, CaseError> {
    field(entry, name)?
        .as_str()
        .ok_or_else(|| CaseError::Fail(format!("field {name:?} is not a string")))
}
