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
    /// What the profile measures, in words (criterion's settings, what it leaves out, the
    /// end-to-end shapes): the note under the report's Performance heading.
    pub profile_description: String,
    /// Criterion's estimates, one per benchmark.
    pub measurements: Vec<Measurement>,
    /// Each Sonet provider against the fastest peer in the same benchmark.
    pub comparisons: Vec<Comparison>,
    /// Envelope against classical HPKE, seal and open, at every measured payload size: the
    /// table "Hybrid envelope against classical-only HPKE".
    pub hybrid: Vec<HybridRow>,
    /// The smallest measured payload size from which on the hybrid overhead stays below
    /// [`HYBRID_OVERHEAD_LIMIT`] for seal and open.
    pub hybrid_threshold: Option<u64>,
    /// The saved baseline this run was compared with.
    pub baseline: Option<String>,
    /// Every benchmark measured both here and in the baseline: the table "Change against
    /// baseline". Empty without a baseline.
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
    /// How many groups sent at once.
    pub groups: u64,
    /// Members per group, each an MLS client with its own gRPC connection.
    pub members: u64,
    /// Application messages sent in each group, the members taking turns.
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
    /// The MLS cipher suite the clients ran.
    pub cipher_suite: String,
    /// The plaintext size of each application message, in bytes.
    pub payload_bytes: u64,
    /// Messages the run was to send: groups × messages per group.
    pub messages_planned: u64,
    /// Messages sent without error.
    pub messages_sent: u64,
    /// Sends that failed.
    pub send_errors: u64,
    /// Deliveries owed: each message sent, to every other member of its group.
    pub deliveries_expected: u64,
    /// Deliveries received, duplicates not counted.
    pub deliveries_received: u64,
    /// Deliveries expected but never received.
    pub lost: u64,
    /// Messages a member received more than once.
    pub duplicates: u64,
    /// Messages a member received after a later one from the same sender.
    pub out_of_order: u64,
    /// Received messages the MLS layer refused, or that were malformed.
    pub receive_errors: u64,
    /// Subscription streams that failed or that the server ended early.
    pub stream_errors: u64,
    /// Setting up clients, connections and groups, before the first send.
    pub setup_seconds: f64,
    /// From the first send to the last.
    pub send_seconds: f64,
    /// From the first send to the last delivery (or the end of the wait for stragglers).
    pub wall_seconds: f64,
    /// Messages sent / wall time, all groups together.
    pub messages_per_second: f64,
    /// `messages_per_second` / groups.
    pub messages_per_second_per_group: f64,
    /// Deliveries received / wall time.
    pub deliveries_per_second: f64,
    /// Delivery latency.
    pub latency_ms: LatencyFigures,
}

/// Send start to receipt by the subscriber's stream, nearest-rank percentiles, milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyFigures {
    /// Deliveries timed: one per distinct message a member received.
    pub samples: u64,
    /// The shortest.
    pub min: f64,
    /// The mean.
    pub mean: f64,
    /// The median.
    pub p50: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The longest.
    pub max: f64,
}

/// A default provider (`sonet::crypto::default_for_*`) against this run's measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DefaultCheck {
    /// The benchmark group (`kem/ML-KEM-768/encaps`).
    pub group: String,
    /// The benchmark's parameter (input size in bytes, or `<n> members` for MLS), when the
    /// group has one.
    pub parameter: Option<String>,
    /// `sonet/<provider>`.
    pub default: String,
    /// The default's time per item, in ns.
    pub default_ns: f64,
    /// The fastest Sonet provider of the benchmark (`sonet/<provider>`), possibly the
    /// default itself.
    pub fastest_sonet: String,
    /// Its time per item, in ns.
    pub fastest_sonet_ns: f64,
    /// The fastest peer of the benchmark; `None` when no peer implements it.
    pub peer: Option<String>,
    /// Its time per item, in ns.
    pub peer_ns: Option<f64>,
    /// fastest peer time / default time.
    pub ratio: Option<f64>,
    /// Whether the default provider passed every conformance case of this run; `None` when
    /// the suites did not run (`cargo xtask bench`).
    pub passes_suites: Option<bool>,
    /// The default passes: it passed the suites (when they ran), is within 5 % of the fastest
    /// Sonet provider, and, when a peer implements it, `ratio` is at least
    /// [`crate::analysis::DEFAULT_RATIO_FLOOR`]; when not, `note` says why.
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
    /// The input size in bytes for size-dependent groups, or `<n> members` for MLS groups.
    pub parameter: Option<String>,
    /// Criterion's estimate of the mean time per iteration, in ns.
    pub mean_ns: f64,
    /// The lower bound of its confidence interval, in ns.
    pub lower_ns: f64,
    /// The upper bound of its confidence interval, in ns.
    pub upper_ns: f64,
    /// Bytes processed per iteration (throughput benchmarks).
    pub bytes: Option<u64>,
    /// Items (e.g. signatures) per iteration.
    pub elements: Option<u64>,
}

impl Measurement {
    /// The benchmark area, the group's first part (`aead`, `kem`, `sig`, `hybrid`, `mls`).
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
    /// The benchmark group.
    pub group: String,
    /// The benchmark's parameter, when the group has one.
    pub parameter: Option<String>,
    /// The Sonet provider (`sonet/<provider>`).
    pub implementation: String,
    /// Its time per item, in ns.
    pub ours_ns: f64,
    /// The fastest peer of the same benchmark.
    pub peer: String,
    /// Its time per item, in ns.
    pub peer_ns: f64,
    /// peer time / Sonet time: 1.0 is parity, below 1 Sonet is slower.
    pub ratio: f64,
}

/// The hybrid envelope against classical HPKE at one payload size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HybridRow {
    /// `seal` or `open`.
    pub operation: String,
    /// The payload size, in bytes.
    pub size: u64,
    /// Mean time of the X-Wing + AES-256-GCM envelope, in ns.
    pub envelope_ns: f64,
    /// Mean time of classical HPKE (DHKEM(X25519), HKDF-SHA256, AES-256-GCM), in ns.
    pub classical_ns: f64,
    /// envelope / classical − 1.
    pub overhead: f64,
}

/// One benchmark's change against a saved baseline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineChange {
    /// The benchmark group.
    pub group: String,
    /// The implementation measured.
    pub implementation: String,
    /// The benchmark's parameter, when the group has one.
    pub parameter: Option<String>,
    /// Mean time per iteration in the baseline, in ns.
    pub before_ns: f64,
    /// Mean time per iteration in this run, in ns.
    pub after_ns: f64,
    /// after / before − 1: positive is slower.
    pub change: f64,
}
