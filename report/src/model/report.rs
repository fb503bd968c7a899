//! What a report is made of: the suite results plus everything a reviewer needs to judge them
//! (environment, vector provenance, verdict). Serialised as `results.json`.

use serde::{Deserialize, Serialize};

use super::{Performance, SuiteRun};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    /// UTC, RFC 3339.
    pub generated_at: String,
    /// The command that produced it, e.g. `cargo xtask verify --suite fips203`.
    pub command: String,
    pub verdict: Verdict,
    pub environment: Environment,
    pub vectors: VectorCheck,
    pub run: SuiteRun,
    /// The benchmarks, when they ran (`cargo xtask verify` runs the quick profile).
    #[serde(default)]
    pub performance: Option<Performance>,
    pub elapsed_seconds: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when no case failed, every vector file matched its pin, and every requested suite ran.
    pub ok: bool,
    /// Why it is not ok (empty when it is).
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub cpu_model: String,
    /// The CPU features that matter to the implementations under test, each with presence.
    pub cpu_features: Vec<CpuFeature>,
    pub cores: usize,
    pub os: String,
    pub rustc: String,
    pub git_revision: String,
    pub git_dirty: bool,
    pub profile: String,
    /// Versions of the cryptographic crates under test, from Cargo.lock.
    pub crates: Vec<CrateVersion>,
    /// `RUSTFLAGS` as the build saw it (empty: none).
    #[serde(default)]
    pub rustflags: String,
    /// The code path each runtime-dispatching implementation takes on this CPU.
    #[serde(default)]
    pub backends: Vec<Backend>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    pub implementation: String,
    pub selected: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuFeature {
    /// The /proc/cpuinfo flag name ("aes", "pclmulqdq", "avx2").
    pub flag: String,
    /// What it is for the reader ("AES-NI").
    pub label: String,
    pub present: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateVersion {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorCheck {
    /// The vector root that was checked (SONET_VECTORS or the cache folder).
    pub root: String,
    pub files: Vec<VectorFileStatus>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Ok,
    Missing,
    Altered,
    Unreadable,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorFileStatus {
    pub path: String,
    pub repo: String,
    pub commit: String,
    pub upstream_path: String,
    pub sha256: String,
    pub size: u64,
    pub license: String,
    pub status: FileStatus,
    /// For a bad file: the error, naming both hashes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}
