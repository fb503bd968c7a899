//! The one results model: what the suites write (sets, cases, claims and the evidence the
//! claims are judged from), what the benchmarks measured, and the report that holds both
//! (`results.json`).
//!
//! Everything is re-exported here except `report::Verdict`, the run's pass or fail: `Verdict`
//! at this level is a claim's.

pub mod evidence;
pub mod performance;
pub mod report;
pub mod results;

pub use evidence::*;
pub use performance::*;
pub use report::{
    Backend, CpuFeature, CrateVersion, Environment, FileStatus, Report, VectorCheck,
    VectorFileStatus,
};
pub use results::*;
