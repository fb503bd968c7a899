//! NIST ACVP JSON: a prompt (inputs) joined with its expected results by tgId and tcId.

use serde_json::Value;
use sonet_report::model::SetResult;

use crate::runner::{hex_field, CaseError};
use crate::vectors::VectorStore;

/// One test case with its group (which holds the parameter set and shared inputs) and its
/// expected results object.
pub struct AcvpCase {
    /// The case's `testGroups[]` entry, whole: `parameterSet`, the group's flags and shared inputs.
    pub group: Value,
    /// The case's `tests[]` entry of the prompt (or of the projection): `tcId` and the inputs.
    pub test: Value,
    /// The expected-results entry with the same tgId and tcId; for an internal projection, the test
    /// entry itself, which holds the expected values.
    pub expected: Value,
}

impl AcvpCase {
    /// The group's `parameterSet` ("ML-KEM-768"), empty when absent: the case's `params` in the
    /// results.
    pub fn parameter_set(&self) -> &str {
        self.group
            .get("parameterSet")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// A hex field of the test, falling back to the group (some groups carry a shared key).
    pub fn hex(&self, name: &str) -> Result<Vec<u8>, CaseError> {
        if self.test.get(name).is_some() {
            hex_field(&self.test, name)
        } else {
            hex_field(&self.group, name)
        }
    }

    /// The expected verdict, `testPassed` (a boolean, or "true"/"True" in some files).
    pub fn test_passed(&self) -> Result<bool, CaseError> {
        match self.expected.get("testPassed") {
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => s
                .to_ascii_lowercase()
                .parse()
                .map_err(|_| CaseError::Fail(format!("testPassed is {s:?}"))),
            _ => Err(CaseError::Fail("expected result has no testPassed".into())),
        }
    }

    /// A boolean of the group (`deterministic`), written as a JSON boolean or as "true"/"false";
    /// `None` when absent or neither.
    pub fn group_flag(&self, name: &str) -> Option<bool> {
        match self.group.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
    }
}

fn groups(doc: &Value) -> Result<&Vec<Value>, String> {
    // Some ACVP downloads wrap the vector set in [ {acvVersion}, {…} ].
    let doc = match doc {
        Value::Array(items) => items
            .iter()
            .find(|v| v.get("testGroups").is_some())
            .ok_or("no testGroups in ACVP file")?,
        other => other,
    };
    doc.get("testGroups")
        .and_then(Value::as_array)
        .ok_or_else(|| "no testGroups in ACVP file".to_owned())
}

fn key(v: &Value, field: &str) -> Option<String> {
    match v.get(field)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Reads `dir/prompt.json` and `dir/expectedResults.json` and joins them; every prompt case must
/// have an expected result and vice versa. Sets the set's sources and expected case count.
pub fn load(store: &VectorStore, dir: &str, set: &mut SetResult) -> Result<Vec<AcvpCase>, String> {
    let (prompt, prompt_source) = store
        .read_json(&format!("{dir}/prompt.json"))
        .map_err(|e| e.to_string())?;
    let (expected, expected_source) = store
        .read_json(&format!("{dir}/expectedResults.json"))
        .map_err(|e| e.to_string())?;
    set.sources = vec![prompt_source, expected_source];
    join(&prompt, &expected, set)
}

/// Reads an `internalProjection.json`, which holds inputs and expected values together.
pub fn load_projection(
    store: &VectorStore,
    dir: &str,
    set: &mut SetResult,
) -> Result<Vec<AcvpCase>, String> {
    let (projection, source) = store
        .read_json(&format!("{dir}/internalProjection.json"))
        .map_err(|e| e.to_string())?;
    set.sources = vec![source];
    let mut cases = Vec::new();
    for group in groups(&projection)? {
        let tests = group
            .get("tests")
            .and_then(Value::as_array)
            .ok_or("group without tests")?;
        for test in tests {
            cases.push(AcvpCase {
                group: group.clone(),
                test: test.clone(),
                expected: test.clone(),
            });
        }
    }
    set.expected_cases = Some(cases.len() as u64);
    Ok(cases)
}

fn join(prompt: &Value, expected: &Value, set: &mut SetResult) -> Result<Vec<AcvpCase>, String> {
    let mut expected_by_id = std::collections::HashMap::new();
    for group in groups(expected)? {
        let tg = key(group, "tgId").ok_or("expected-results group without tgId")?;
        for test in group
            .get("tests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let tc = key(test, "tcId").ok_or("expected result without tcId")?;
            expected_by_id.insert((tg.clone(), tc), test);
        }
    }
    let mut cases = Vec::new();
    for group in groups(prompt)? {
        let tg = key(group, "tgId").ok_or("prompt group without tgId")?;
        let tests = group
            .get("tests")
            .and_then(Value::as_array)
            .ok_or("group without tests")?;
        for test in tests {
            let tc = key(test, "tcId").ok_or("prompt test without tcId")?;
            let result = expected_by_id
                .remove(&(tg.clone(), tc.clone()))
                .ok_or_else(|| format!("tgId {tg} tcId {tc} has no expected result"))?;
            cases.push(AcvpCase {
                group: group.clone(),
                test: test.clone(),
                expected: result.clone(),
            });
        }
    }
    if let Some(((tg, tc), _)) = expected_by_id.into_iter().next() {
        return Err(format!("expected result tgId {tg} tcId {tc} has no prompt"));
    }
    set.expected_cases = Some(cases.len() as u64);
    Ok(cases)
}
