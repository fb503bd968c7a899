//! Wycheproof JSON: `testGroups[].tests[]` with `result` valid / invalid / acceptable, and a
//! declared `numberOfTests`.

use serde_json::Value;

use sonet::crypto::Provider;
use sonet_report::model::SetResult;

use crate::runner::{CaseError, CaseResult, Job};
use crate::vectors::VectorStore;

/// A Wycheproof test's `result`: what the implementation must do with the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// The operation must succeed and reproduce the expected outputs.
    Valid,
    /// Some step must reject the input; accepting it fails the case.
    Invalid,
    /// Either behaviour is allowed; the case records what happened.
    Acceptable,
}

impl Expectation {
    /// Runs `operation` and judges it by the vector's expectation: a valid vector must succeed, an
    /// invalid one must be rejected by some step.
    pub fn judge(self, operation: impl FnOnce() -> Result<String, CaseError>) -> CaseResult {
        match (self, operation()) {
            (Expectation::Invalid, Ok(_)) => Err(CaseError::Fail(
                "invalid vector was accepted and its outputs matched".into(),
            )),
            (Expectation::Invalid, Err(CaseError::Fail(detail))) => Err(CaseError::Fail(format!(
                "invalid vector was accepted (no error), outputs: {detail}"
            ))),
            (Expectation::Invalid | Expectation::Acceptable, Err(CaseError::Rejected(detail))) => {
                Ok(format!("rejected: {detail}"))
            }
            (_, result) => result,
        }
    }
}

/// One Wycheproof test with the fields of its group.
pub struct WycheproofCase {
    /// The test group's fields (keys, sizes, …) without its `tests` array.
    pub group: Value,
    /// The test: `tcId`, `comment`, inputs and expected outputs.
    pub test: Value,
    /// The test's `result`, parsed.
    pub expectation: Expectation,
}

impl WycheproofCase {
    /// The case id in the results: `tcId N`, then the test's comment in parentheses if it has one.
    pub fn id(&self) -> String {
        let comment = self
            .test
            .get("comment")
            .and_then(Value::as_str)
            .unwrap_or("");
        match self.test.get("tcId") {
            Some(id) if comment.is_empty() => format!("tcId {id}"),
            Some(id) => format!("tcId {id} ({comment})"),
            None => "tcId ?".to_owned(),
        }
    }
}

/// Reads a Wycheproof file; records its source and declared case count on `set`.
pub fn load(
    store: &VectorStore,
    path: &str,
    set: &mut SetResult,
) -> Result<(Value, Vec<WycheproofCase>), String> {
    let (doc, source) = store.read_json(path).map_err(|e| e.to_string())?;
    set.sources = vec![source];
    set.expected_cases = doc.get("numberOfTests").and_then(Value::as_u64);
    let mut cases = Vec::new();
    let groups = doc
        .get("testGroups")
        .and_then(Value::as_array)
        .ok_or("no testGroups")?;
    for group in groups {
        let tests = group
            .get("tests")
            .and_then(Value::as_array)
            .ok_or("group without tests")?;
        for test in tests {
            let expectation = match test.get("result").and_then(Value::as_str) {
                Some("valid") => Expectation::Valid,
                Some("invalid") => Expectation::Invalid,
                Some("acceptable") => Expectation::Acceptable,
                other => return Err(format!("unknown result {other:?}")),
            };
            let mut group_fields = group.clone();
            if let Some(obj) = group_fields.as_object_mut() {
                obj.remove("tests");
            }
            cases.push(WycheproofCase {
                group: group_fields,
                test: test.clone(),
                expectation,
            });
        }
    }
    Ok((doc, cases))
}

/// A job that checks every case of one Wycheproof file with `check`.
pub fn job(
    suite: &'static str,
    path: String,
    provider: &'static Provider,
    check: impl Fn(&WycheproofCase, &mut SetResult) + Send + 'static,
) -> Job {
    Job::new(suite, path.clone(), provider.name, move |store, set| {
        let (_, cases) = load(store, &path, set)?;
        for case in &cases {
            check(case, set);
        }
        Ok(())
    })
}
