//! The suite runner: suites enumerate *jobs* (one vector set under one provider); a job reads
//! its files through the [`VectorStore`] and records one [`Case`] per vector.

use std::time::Instant;

use serde_json::Value;
use sonet::crypto::{PqcError, Provider};
use sonet_report::model::{Case, Outcome, SetResult};

use crate::vectors::VectorStore;

type JobFn = Box<dyn FnOnce(&VectorStore, &mut SetResult) -> Result<(), String> + Send>;

/// One vector set checked under one provider.
pub struct Job {
    /// The suite's name: the set's `suite` in the results.
    pub suite: &'static str,
    /// The vector set, mostly the file or ACVP folder read (relative to the vector root; `sonet/…`
    /// for Sonet's own files): the set's `set` in the results.
    pub set: String,
    /// The implementation checked, a registry provider's name or the name of one outside the
    /// registry (`sonet-oracle`, `sonet-falcon-r3`): the set's `provider` in the results.
    pub provider: String,
    run: JobFn,
}

impl Job {
    /// A job whose `run` reads its vectors through the store and records one case per vector into
    /// the set; an `Err` from `run` becomes the set's `error` (the set was not checked).
    pub fn new(
        suite: &'static str,
        set: impl Into<String>,
        provider: impl Into<String>,
        run: impl FnOnce(&VectorStore, &mut SetResult) -> Result<(), String> + Send + 'static,
    ) -> Self {
        Self {
            suite,
            set: set.into(),
            provider: provider.into(),
            run: Box::new(run),
        }
    }

    /// `suite::set::provider`, the name `cargo test` shows.
    pub fn name(&self) -> String {
        format!("{}::{}::{}", self.suite, self.set, self.provider)
    }

    /// Runs the job and closes its set: the elapsed time is recorded and the cases read are
    /// compared with the number the file declares ([`SetResult::finish`]).
    pub fn run(self, store: &VectorStore) -> SetResult {
        let mut result = SetResult::new(self.suite, &self.set, &self.provider);
        let start = Instant::now();
        if let Err(error) = (self.run)(store, &mut result) {
            result.error = Some(error);
        }
        result.elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        result.finish();
        result
    }
}

/// A conformance suite: a name, what it covers, and its jobs.
pub struct Suite {
    /// The name `SONET_SUITES` (`cargo xtask verify --suite`) selects and the results carry.
    pub name: &'static str,
    /// One line on what the suite checks, printed by `sonet-suites list`.
    pub description: &'static str,
    /// Lists the suite's jobs: one per vector set and provider.
    pub jobs: fn() -> Vec<Job>,
}

/// Why a case did not pass.
#[derive(Debug)]
pub enum CaseError {
    /// The output differs from the vector's, or the vector is malformed: a failed case.
    Fail(String),
    /// The implementation returned an error: a failure for a valid vector, the required
    /// behaviour for an invalid one.
    Rejected(String),
    /// The implementation lacks what the vector needs: an unsupported case, with this reason.
    Unsupported(String),
}

/// `Ok(detail)` for a pass.
pub type CaseResult = Result<String, CaseError>;

impl From<PqcError> for CaseError {
    fn from(e: PqcError) -> Self {
        match e {
            PqcError::Unsupported { .. } => Self::Unsupported(e.to_string()),
            other => Self::Rejected(other.to_string()),
        }
    }
}

/// Records one case.
pub fn record(set: &mut SetResult, id: String, params: &str, kind: &str, result: CaseResult) {
    let (outcome, detail) = match result {
        Ok(detail) => (Outcome::Pass, detail),
        Err(CaseError::Fail(detail)) => (Outcome::Fail, detail),
        Err(CaseError::Rejected(detail)) => (Outcome::Fail, format!("unexpected error: {detail}")),
        Err(CaseError::Unsupported(detail)) => (Outcome::Unsupported, detail),
    };
    set.push(Case {
        id,
        params: params.to_owned(),
        kind: kind.to_owned(),
        outcome,
        detail,
    });
}

/// Compares an output with the vector's expected value.
pub fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), CaseError> {
    if got == want {
        Ok(())
    } else {
        Err(CaseError::Fail(format!(
            "{what} mismatch: got {} ({} bytes), want {} ({} bytes)",
            abbreviate(got),
            got.len(),
            abbreviate(want),
            want.len()
        )))
    }
}

/// A negative vector passes only when the implementation rejects it.
pub fn expect_rejected<T>(what: &str, result: Result<T, PqcError>) -> CaseResult {
    match result {
        Ok(_) => Err(CaseError::Fail(format!(
            "{what} was accepted but must be rejected"
        ))),
        Err(e @ PqcError::Unsupported { .. }) => Err(CaseError::Unsupported(e.to_string())),
        Err(e) => Ok(format!("rejected: {e}")),
    }
}

/// The first bytes of a value in hex, for failure messages.
pub fn abbreviate(bytes: &[u8]) -> String {
    const SHOWN: usize = 12;
    let mut s = hex::encode(&bytes[..bytes.len().min(SHOWN)]);
    if bytes.len() > SHOWN {
        s.push('…');
    }
    s
}

/// Hex text from any vector format; malformed text fails the case.
pub fn hex_text(name: &str, text: &str) -> Result<Vec<u8>, CaseError> {
    hex::decode(text).map_err(|e| CaseError::Fail(format!("{name} is not hex: {e}")))
}

/// A hex field of a JSON object; a missing or malformed field fails the case.
pub fn hex_field(object: &Value, name: &str) -> Result<Vec<u8>, CaseError> {
    let text = object
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| CaseError::Fail(format!("vector has no string field {name:?}")))?;
    hex_text(name, text)
}

/// A fixed-length hex field.
pub fn hex_array<const N: usize>(object: &Value, name: &str) -> Result<[u8; N], CaseError> {
    let bytes = hex_field(object, name)?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| {
        CaseError::Fail(format!(
            "field {name:?} has {} bytes, expected {N}",
            bytes.len()
        ))
    })
}

/// A string field of a JSON object; `None` when it is missing or not a string.
pub fn str_field<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

/// The id a case is reported under ("tcId 12").
pub fn tc_id(test: &Value) -> String {
    match test.get("tcId") {
        Some(Value::Number(n)) => format!("tcId {n}"),
        Some(Value::String(s)) => format!("tcId {s}"),
        _ => "tcId ?".to_owned(),
    }
}

/// The providers compiled in that implement at least one algorithm `supports` accepts.
pub fn providers_for(supports: impl Fn(&Provider) -> bool) -> Vec<&'static Provider> {
    sonet::crypto::providers()
        .into_iter()
        .filter(|p| supports(p))
        .collect()
}
