//! The performance section of a report, also written alone as `bench.json`: criterion's
//! measurements, what the analysis derives from them, and the end-to-end service runs.

use serde::{Deserialize, Serialize};

use super::Claim;

/// The hybrid overhead the design document promises to stay under ("<5 %").
pub const HYBRID_OVERHEAD_LIMIT: f64 = 0.05;

/// The performance section, also written alone as `bench.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// `quick` or `full`.
    pub profile: String,
    pub profile_description: String,
    /// Criterion's estimates, one per benchmark.
    pub measurements: Vec<Measurement>,
    /// Each Sonet provider against the fastest peer in the same benchmark.
    pub comparisons: Vec<Comparison>,
    pub hybrid: Vec<HybridRow>,
    /// The smallest measured payload size from which on the hybrid overhead stays below
    /// [`HYBRID_OVERHEAD_LIMIT`] for seal and open.
    pub hybrid_threshold: Option<u64>,
    /// The saved baseline this run was compared with.
    pub baseline: Option<String>,
    pub baseline_changes: Vec<BaselineChange>,
    /// Benchmark areas that produced no result.
    pub missing: Vec<String>,
    /// Each benchmarked primitive's default Sonet provider held against the measurements.
    #[serde(default)]
    pub defaults: Vec<DefaultCheck>,
    /// The design document's performance statements, measured here.
    #[serde(default)]
    pub claims: Vec<Claim>,
    /// The end-to-end service benchmark (`sonet loadgen --spawn`), one entry per planned run,
    /// including those that did not run (with the reason).
    #[serde(default)]
    pub end_to_end: Vec<EndToEndRun>,
}

/// One `sonet loadgen --spawn` run: real MLS clients through the gRPC service on one bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndToEndRun {
    /// `embedded-1x3x1000`: also the name of its loadgen JSON file.
    pub name: String,
    /// `embedded` or `kafka`.
    pub bus: String,
    /// The Kafka bootstrap address, for a Kafka run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brokers: Option<String>,
    pub groups: u64,
    pub members: u64,
    pub messages_per_group: u64,
    /// The logical cores of the machine the run shared (server and every client).
    #[serde(default)]
    pub cores: usize,
    /// Why the run did not happen (e.g. no broker); `None` when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
    /// loadgen's figures, when it wrote them (also when the delivery check failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<EndToEndFigures>,
    /// True when loadgen exited 0: every message delivered exactly once and in order.
    pub ok: bool,
    /// Why a run that happened did not pass: loadgen's exit status and message, its first
    /// errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl EndToEndRun {
    /// It ran and did not pass (a run that did not happen is neither passed nor failed).
    pub fn failed(&self) -> bool {
        self.not_run.is_none() && !self.ok
    }

    /// "1×3×1000" (groups × members × messages per group).
    pub fn shape(&self) -> String {
        format!(
            "{}×{}×{}",
            self.groups, self.members, self.messages_per_group
        )
    }
}

/// The figures of one loadgen run (its `--json` output, times in seconds, latencies in ms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndToEndFigures {
    pub cipher_suite: String,
    pub payload_bytes: u64,
    pub messages_planned: u64,
    pub messages_sent: u64,
    pub send_errors: u64,
    pub deliveries_expected: u64,
    pub deliveries_received: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub receive_errors: u64,
    pub stream_errors: u64,
    pub setup_seconds: f64,
    pub send_seconds: f64,
    pub wall_seconds: f64,
    /// Messages sent / wall time, all groups together.
    pub messages_per_second: f64,
    /// `messages_per_second` / groups.
    pub messages_per_second_per_group: f64,
    pub deliveries_per_second: f64,
    pub latency_ms: LatencyFigures,
}

/// Send start to receipt by the subscriber's stream, nearest-rank percentiles, milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyFigures {
    pub samples: u64,
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// A default provider (`sonet::crypto::default_for_*`) against this run's measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefaultCheck {
    pub group: String,
    pub parameter: Option<String>,
    /// `sonet/<provider>`.
    pub default: String,
    pub default_ns: f64,
    pub fastest_sonet: String,
    pub fastest_sonet_ns: f64,
    pub peer: Option<String>,
    pub peer_ns: Option<f64>,
    /// fastest peer time / default time.
    pub ratio: Option<f64>,
    /// Whether the default provider passed every conformance case of this run; `None` when
    /// the suites did not run (`cargo xtask bench`).
    pub passes_suites: Option<bool>,
    pub ok: bool,
    /// Why it is flagged, or what was checked.
    pub note: String,
}

/// One criterion benchmark: the mean time per iteration with its 95 % confidence interval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// `<area>/<algorithm>/<operation>`.
    pub group: String,
    /// `sonet/<provider>` or the peer's name.
    pub implementation: String,
    /// The input size in bytes, for size-dependent groups.
    pub parameter: Option<String>,
    pub mean_ns: f64,
    pub lower_ns: f64,
    pub upper_ns: f64,
    /// Bytes processed per iteration (throughput benchmarks).
    pub bytes: Option<u64>,
    /// Items (e.g. signatures) per iteration.
    pub elements: Option<u64>,
}

impl Measurement {
    pub fn area(&self) -> &str {
        self.group.split('/').next().unwrap_or("")
    }

    /// Time per item: per signature for a message-set benchmark, per iteration otherwise.
    pub fn per_item_ns(&self) -> f64 {
        self.mean_ns / self.elements.unwrap_or(1).max(1) as f64
    }
}

/// A Sonet provider against the fastest peer of the same benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub group: String,
    pub parameter: Option<String>,
    pub implementation: String,
    pub ours_ns: f64,
    pub peer: String,
    pub peer_ns: f64,
    /// peer time / Sonet time: 1.0 is parity, below 1 Sonet is slower.
    pub ratio: f64,
}

/// The hybrid envelope against classical HPKE at one payload size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HybridRow {
    /// `seal` or `open`.
    pub operation: String,
    pub size: u64,
    pub envelope_ns: f64,
    pub classical_ns: f64,
    /// envelope / classical − 1.
    pub overhead: f64,
}

/// One benchmark's change against a saved baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineChange {
    pub group: String,
    pub implementation: String,
    pub parameter: Option<String>,
    pub before_ns: f64,
    pub after_ns: f64,
    /// after / before − 1: positive is slower.
    pub change: f64,
}
