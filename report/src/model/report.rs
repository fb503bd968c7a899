//! What a report is made of: the suite results plus everything a reviewer needs to judge them
//! (environment, vector provenance, verdict). Serialised as `results.json`.

use serde::{Deserialize, Serialize};

use super::{Performance, SuiteRun};

/// A compliance report: written by `cargo xtask verify` as `results.json` and rendered as
/// `index.html`, `report.md` and `junit.xml`. `cargo xtask bench` builds one with no
/// suite results for `bench.md`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The version of this layout (1), shown in the report's header line.
    pub schema: u32,
    /// UTC, RFC 3339.
    pub generated_at: String,
    /// The command that produced it, e.g. `cargo xtask verify --suite fips203`.
    pub command: String,
    /// PASS or FAIL as `cargo xtask` recorded it. The renderings show FAIL, saying why, when
    /// the results contradict a recorded PASS.
    pub verdict: Verdict,
    /// The machine and build the results come from.
    pub environment: Environment,
    /// The check of every pinned vector file (the report's "Vector files check").
    pub vectors: VectorCheck,
    /// The conformance suites' results and the design-document claims.
    pub run: SuiteRun,
    /// The benchmarks, when they ran (`cargo xtask verify` runs the quick profile).
    #[serde(default)]
    pub performance: Option<Performance>,
    /// Wall time of the whole command, in seconds.
    pub elapsed_seconds: f64,
}

/// The run's overall verdict: the banner of every rendering.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when no case failed, no set or suite reported an error, every vector file matched its
    /// pin, every requested suite ran, and the benchmarks and end-to-end runs ran without a lost,
    /// duplicated or reordered message.
    pub ok: bool,
    /// Why it is not ok (empty when it is).
    pub reasons: Vec<String>,
}

/// The facts about the machine and build that a reviewer needs to judge or reproduce the
/// results (the report's "Environment"; JUnit properties).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// The CPU's model name from /proc/cpuinfo (the architecture when there is none).
    pub cpu_model: String,
    /// The CPU features that matter to the implementations under test, each with presence.
    pub cpu_features: Vec<CpuFeature>,
    /// Logical cores available to the run.
    pub cores: usize,
    /// The operating system's name and the architecture.
    pub os: String,
    /// `rustc -V` of the toolchain.
    pub rustc: String,
    /// The commit checked out (`git rev-parse HEAD`).
    pub git_revision: String,
    /// Tracked files had uncommitted changes: the code that ran is not exactly the commit.
    pub git_dirty: bool,
    /// The cargo profile of the build under test.
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

/// One implementation that picks its code path at run time, and the path it takes here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backend {
    /// The implementation and what uses it.
    pub implementation: String,
    /// The code path it takes on this CPU, judged from the CPU flags.
    pub selected: String,
}

/// A CPU feature that changes which code path an implementation under test takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuFeature {
    /// The /proc/cpuinfo flag name ("aes", "pclmulqdq", "avx2").
    pub flag: String,
    /// What it is for the reader ("AES-NI").
    pub label: String,
    /// Whether the CPU has it.
    pub present: bool,
}

/// A cryptographic crate under test and its version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrateVersion {
    /// The crate's name.
    pub name: String,
    /// Its version in Cargo.lock.
    pub version: String,
}

/// The check of every file the manifest pins, under the vector root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorCheck {
    /// The vector root that was checked (SONET_VECTORS or the cache folder).
    pub root: String,
    /// One entry per pinned file, in manifest order.
    pub files: Vec<VectorFileStatus>,
}

/// What the check found for one pinned file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Present, and its sha256 matches the pin.
    Ok,
    /// Not under the vector root.
    Missing,
    /// Present, but its sha256 differs from the pin.
    Altered,
    /// Could not be checked for another reason, such as a read error.
    Unreadable,
}

/// One pinned vector file and what its check found: a row of the report's "Vector files
/// check" and a testcase of junit.xml's `vector-files` suite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VectorFileStatus {
    /// The file's path under the vector root.
    pub path: String,
    /// The upstream GitHub repository (`owner/name`).
    pub repo: String,
    /// The pinned commit of that repository.
    pub commit: String,
    /// The file's path in the repository (compressed, when the manifest says to unpack it).
    pub upstream_path: String,
    /// The pinned sha256 of the file as stored under `path`, hex.
    pub sha256: String,
    /// The pinned size of that file, in bytes.
    pub size: u64,
    /// The licence terms of the data, as the manifest records them.
    pub license: String,
    /// What the check found.
    pub status: FileStatus,
    /// For a bad file: the error, naming both hashes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}
