//! The results model: what every suite produces and every report reads.
//!
//! A *set* is one vector file (or a group of files read together, such as an ACVP prompt and
//! its expected results) checked under one provider. Each case in it is `pass`, `fail` or
//! `unsupported` with a reason; a set that could not be read at all carries an `error`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ClaimEvidence;

/// What became of one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The implementation did what the vector requires.
    Pass,
    /// It did not; one failed case fails its set and the run.
    Fail,
    /// Read but not executed, for the reason in the case's detail; neither pass nor fail, and
    /// counted apart.
    Unsupported,
}

/// One vector checked: an entry of a set's `cases`, a testcase of junit.xml.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The vector's own identifier ("tcId 12", "count 7", "line 310").
    pub id: String,
    /// Parameter set, e.g. "ML-KEM-768".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub params: String,
    /// What was exercised: "keygen", "encaps", "decaps", "sign", "verify", …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Pass, fail or unsupported; for the last two, `detail` says why.
    pub outcome: Outcome,
    /// Why a case failed or is unsupported; for a pass, what was compared.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Where a vector file came from: an upstream file pinned in `vectors/manifest.toml`, one of
/// Sonet's own files in `vectors/sonet/`, or a crate that ships vectors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Path relative to the vector root.
    pub file: String,
    /// Where the file comes from: a GitHub `owner/name`, `crates.io/<crate>`, or this
    /// repository for Sonet's own files.
    pub repo: String,
    /// The revision of `repo` it was taken at: a commit, a crate version, or `working tree`.
    pub commit: String,
    /// The file's path in `repo`.
    pub upstream_path: String,
    /// The file's sha256, hex: its pin, checked before the file was read, or for a file the
    /// manifest does not pin, the hash of the bytes read.
    pub sha256: String,
}

/// Cases by outcome: of one set, or summed (the report's totals, matrix cells).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Cases that passed.
    pub pass: u64,
    /// Cases that failed.
    pub fail: u64,
    /// Cases read but not executed.
    pub unsupported: u64,
}

impl Counts {
    /// Every case counted.
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.unsupported
    }

    /// Adds `other`'s cases to these.
    pub fn add(&mut self, other: &Counts) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.unsupported += other.unsupported;
    }

    fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            Outcome::Unsupported => self.unsupported += 1,
        }
    }
}

/// One vector set checked under one provider: an entry of results.json's `sets`, a row of
/// the report's "Vector sets".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SetResult {
    /// The suite that checked it (`fips203`).
    pub suite: String,
    /// The set's name, mostly the vector file or folder it reads.
    pub set: String,
    /// The implementation checked: a column of the conformance matrix.
    pub provider: String,
    /// Every file the set read, with its provenance.
    pub sources: Vec<Source>,
    /// How many cases the file says it holds (e.g. Wycheproof `numberOfTests`, the number of
    /// ACVP test cases in the prompt, the KAT entries); compared with `cases.len()`.
    pub expected_cases: Option<u64>,
    /// Every case, in the order it was checked.
    pub cases: Vec<Case>,
    /// The cases by outcome, kept in step with `cases` by [`SetResult::push`].
    pub counts: Counts,
    /// Set when the set could not be checked (unreadable file, case-count mismatch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time of the check, in milliseconds.
    pub elapsed_ms: u64,
}

impl SetResult {
    /// An empty set: no source, no case, no declared count.
    pub fn new(suite: &str, set: &str, provider: &str) -> Self {
        Self {
            suite: suite.to_owned(),
            set: set.to_owned(),
            provider: provider.to_owned(),
            sources: Vec::new(),
            expected_cases: None,
            cases: Vec::new(),
            counts: Counts::default(),
            error: None,
            elapsed_ms: 0,
        }
    }

    /// Adds a case and counts it.
    pub fn push(&mut self, case: Case) {
        self.counts.record(case.outcome);
        self.cases.push(case);
    }

    /// Closes the set: checks the number of cases read against the number the file declares.
    pub fn finish(&mut self) {
        if let Some(expected) = self.expected_cases {
            let read = self.cases.len() as u64;
            if read != expected && self.error.is_none() {
                self.error = Some(format!(
                    "read {read} cases but the file declares {expected}"
                ));
            }
        }
    }

    /// A set is green when it could be read, every case was accounted for, and none failed.
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.counts.fail == 0
    }
}

/// What the measurement says of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The measurement bears the claim out.
    Confirmed,
    /// The measurement contradicts the claim.
    Refuted,
    /// Not measured, or the measurement failed; the reason says why.
    NotVerified,
}

/// One statement of the design document, checked against a measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// A stable identifier (`kyber-768-public-key`), shown under the quote.
    pub id: String,
    /// The sentence of the design document, quoted.
    pub quote: String,
    /// The section of the design document it comes from.
    pub section: String,
    /// What the document says, as a value ("2701 bytes").
    pub claimed: String,
    /// What was measured ("2420 bytes (ML-DSA-44 signature, rustcrypto and aws-lc)").
    pub measured: String,
    /// The verdict; a refuted or unverified claim is reported, but does not fail the run.
    pub verdict: Verdict,
    /// How it was measured, or why it could not be.
    pub reason: String,
}

/// A suite that could not run at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteError {
    /// The suite's name, as requested.
    pub suite: String,
    /// Why it could not run.
    pub error: String,
}

/// What the conformance harness (`cargo test --test conformance` with `SONET_RESULTS_OUT` set)
/// writes and `cargo xtask verify` merges into `results.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SuiteRun {
    /// The suites that were asked for and exist (all when none was named), in report order.
    pub suites: Vec<String>,
    /// Every set checked, in job order.
    pub sets: Vec<SetResult>,
    /// Every design-document claim judged, in the order of [`crate::claims::judge`];
    /// `cargo xtask verify` appends the performance claims.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// What the suites measured of the library for the claims (absent in older results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<ClaimEvidence>,
    /// Suites that could not run at all, each with the reason (such as a requested name that
    /// matches no suite).
    #[serde(default)]
    pub errors: Vec<SuiteError>,
}

impl SuiteRun {
    /// The cases of every set, by outcome.
    pub fn totals(&self) -> Counts {
        let mut total = Counts::default();
        for set in &self.sets {
            total.add(&set.counts);
        }
        total
    }

    /// Totals per (suite, parameter set, provider): the conformance matrix.
    pub fn matrix(&self) -> BTreeMap<(String, String, String), Counts> {
        let mut matrix: BTreeMap<(String, String, String), Counts> = BTreeMap::new();
        for set in &self.sets {
            for case in &set.cases {
                let key = (
                    set.suite.clone(),
                    if case.params.is_empty() {
                        "-".to_owned()
                    } else {
                        case.params.clone()
                    },
                    set.provider.clone(),
                );
                matrix.entry(key).or_default().record(case.outcome);
            }
        }
        matrix
    }

    /// No suite failed to run and every set is ok ([`SetResult::is_ok`]).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.sets.iter().all(SetResult::is_ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(outcome: Outcome) -> Case {
        Case {
            id: "tcId 1".into(),
            params: "ML-KEM-512".into(),
            kind: "keygen".into(),
            outcome,
            detail: String::new(),
        }
    }

    #[test]
    fn a_dropped_case_is_an_error() {
        let mut set = SetResult::new("fips203", "f", "p");
        set.expected_cases = Some(2);
        set.push(case(Outcome::Pass));
        set.finish();
        assert!(!set.is_ok());
        assert!(set.error.as_deref().unwrap_or("").contains("declares 2"));
    }

    #[test]
    fn a_failed_case_fails_the_set_and_the_run() {
        let mut set = SetResult::new("fips203", "f", "p");
        set.push(case(Outcome::Pass));
        set.push(case(Outcome::Fail));
        set.finish();
        assert_eq!(
            set.counts,
            Counts {
                pass: 1,
                fail: 1,
                unsupported: 0
            }
        );
        let run = SuiteRun {
            sets: vec![set],
            ..Default::default()
        };
        assert!(!run.is_ok());
    }

    #[test]
    fn unsupported_does_not_fail_but_is_counted() {
        let mut set = SetResult::new("fips203", "f", "p");
        set.push(case(Outcome::Unsupported));
        set.finish();
        assert!(set.is_ok());
        assert_eq!(set.counts.unsupported, 1);
    }

    #[test]
    fn json_uses_lowercase_outcomes() {
        let json = serde_json::to_string(&case(Outcome::Unsupported)).unwrap();
        assert!(json.contains(r#""outcome":"unsupported""#), "{json}");
    }
}
