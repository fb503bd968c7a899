//! The performance section as renderer-neutral tables: `report.md` and `index.html` render the
//! same rows, so the two can never disagree.

use std::collections::{BTreeMap, BTreeSet};

use super::Tone;
use crate::analysis::{case_key, DEFAULT_RATIO_FLOOR, SONET_PREFIX};
use crate::model::{EndToEndRun, Measurement, Performance, HYBRID_OVERHEAD_LIMIT};
use crate::units::{count, duration, per_second, rate, size};

/// The ratio below which a Sonet provider is flagged against the fastest peer.
pub(crate) const RATIO_FLOOR: f64 = 0.9;

pub(crate) struct Cell {
    pub text: String,
    pub tone: Option<Tone>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            tone: None,
        }
    }

    fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone: Some(tone),
        }
    }
}

pub(crate) struct Table {
    pub title: String,
    pub note: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The value a reader compares: throughput for byte benchmarks, time and rate otherwise.
fn value(m: &Measurement) -> String {
    match (m.bytes, m.elements) {
        (Some(bytes), _) => rate(bytes, m.mean_ns),
        (None, Some(n)) => format!(
            "{} per item ({}, {n} items)",
            duration(m.per_item_ns()),
            per_second(m.per_item_ns())
        ),
        (None, None) => format!("{} ({})", duration(m.mean_ns), per_second(m.mean_ns)),
    }
}

fn benchmark_name(group: &str, parameter: Option<&str>) -> String {
    match parameter {
        Some(p) => match p.parse::<u64>() {
            Ok(bytes) => format!("{group} @ {}", size(bytes)),
            Err(_) => format!("{group} @ {p}"),
        },
        None => group.to_owned(),
    }
}

fn ratio_cell(ratio: f64) -> Cell {
    let tone = if ratio >= RATIO_FLOOR {
        Tone::Good
    } else {
        Tone::Warn
    };
    Cell::toned(format!("{ratio:.2}×"), tone)
}

/// The benchmarks the issue names for the default-provider check: AES-256-GCM at 16 KiB,
/// ML-KEM-768 and ML-DSA-65.
fn is_headline(group: &str, parameter: Option<&str>) -> bool {
    (group.starts_with("aead/AES-256-GCM/") && parameter == Some("16384"))
        || group.starts_with("kem/ML-KEM-768/")
        || group.starts_with("sig/ML-DSA-65/")
}

/// Every table (`index.html`, `bench.md`), or with `compact` only what a pull-request comment
/// needs: the headline and flagged default-provider rows and the hybrid overhead.
pub(crate) fn tables(perf: &Performance, compact: bool) -> Vec<Table> {
    let mut tables = Vec::new();

    let defaults: Vec<_> = perf
        .defaults
        .iter()
        .filter(|d| !compact || !d.ok || is_headline(&d.group, d.parameter.as_deref()))
        .collect();
    if !defaults.is_empty() {
        let left_out = perf.defaults.len() - defaults.len();
        tables.push(Table {
            title: "Default providers".into(),
            note: format!(
                "sonet::crypto::default_for_* for each benchmarked operation, held against this \
                 run: the default must be the fastest Sonet provider (within 5 %), pass every \
                 conformance case (when the suites ran), and reach {:.1}× of the fastest peer — \
                 or the row says why not. Ratio = fastest peer's time / the default's time.{}",
                DEFAULT_RATIO_FLOOR,
                if left_out > 0 {
                    format!(
                        " Shown: AES-256-GCM at 16 KiB, ML-KEM-768, ML-DSA-65 and every flagged \
                         row; {left_out} other rows, all ok, are in bench.md and index.html."
                    )
                } else {
                    String::new()
                }
            ),
            headers: [
                "Benchmark",
                "Default",
                "Time",
                "Fastest Sonet provider",
                "Fastest peer",
                "Ratio",
                "Verdict",
            ]
            .map(String::from)
            .to_vec(),
            rows: defaults
                .iter()
                .map(|d| {
                    let peer = match (&d.peer, d.peer_ns) {
                        (Some(p), Some(ns)) => format!("{p} ({})", duration(ns)),
                        _ => "—".to_owned(),
                    };
                    let verdict = if d.ok {
                        Cell::toned(format!("ok: {}", d.note), Tone::Good)
                    } else {
                        Cell::toned(d.note.clone(), Tone::Warn)
                    };
                    vec![
                        Cell::plain(benchmark_name(&d.group, d.parameter.as_deref())),
                        Cell::plain(&d.default),
                        Cell::plain(duration(d.default_ns)),
                        Cell::plain(&d.fastest_sonet),
                        Cell::plain(peer),
                        d.ratio.map_or_else(|| Cell::plain("—"), ratio_cell),
                        verdict,
                    ]
                })
                .collect(),
        });
    }

    if !perf.end_to_end.is_empty() {
        tables.push(end_to_end_table(&perf.end_to_end, compact));
    }

    if !perf.comparisons.is_empty() && !compact {
        tables.push(Table {
            title: "Sonet against the fastest peer".into(),
            note: format!(
                "ratio = fastest peer's time / Sonet's time for the same work, in the same \
                 process: 1.00× is parity, above is faster than every peer; below {RATIO_FLOOR:.1}× \
                 is flagged. Every implementation is measured through the same Sonet trait."
            ),
            headers: ["Benchmark", "Sonet provider", "Sonet", "Fastest peer", "Peer", "Ratio"]
                .map(String::from)
                .to_vec(),
            rows: perf
                .comparisons
                .iter()
                .map(|c| {
                    vec![
                        Cell::plain(benchmark_name(&c.group, c.parameter.as_deref())),
                        Cell::plain(&c.implementation),
                        Cell::plain(duration(c.ours_ns)),
                        Cell::plain(&c.peer),
                        Cell::plain(duration(c.peer_ns)),
                        ratio_cell(c.ratio),
                    ]
                })
                .collect(),
        });
    }

    for (area, title, note) in [
        (
            "aead",
            "AEAD throughput",
            "bytes sealed or opened per second (mean); key bound per call, 96-bit nonce, no AAD",
        ),
        (
            "kem",
            "ML-KEM",
            "mean time per operation and operations per second; fresh randomness per operation",
        ),
        (
            "sig",
            "Signatures",
            "mean time per operation; \"sign\" is hedged over a 32-byte message, \"sign-cctv\" \
             signs CCTV's ML-DSA benchmark message set deterministically (time per signature)",
        ),
        (
            "mls",
            "MLS",
            "mean time per operation by group size, cipher suite 1: a client with a KeyPackage; \
             one commit adding N members (merged by the committer); joining an N-member group \
             from its Welcome; the committer's self-update in a populated tree and in a sparse \
             one (every other leaf blank); one 256-byte application message encrypted and \
             decrypted",
        ),
    ] {
        if compact {
            continue;
        }
        if let Some(table) = matrix_table(perf, area, title, note) {
            tables.push(table);
        }
    }

    if !perf.hybrid.is_empty() {
        let limit = HYBRID_OVERHEAD_LIMIT * 100.0;
        tables.push(Table {
            title: "Hybrid envelope against classical-only HPKE".into(),
            note: format!(
                "X-Wing + HKDF-SHA256 + AES-256-GCM envelope against DHKEM(X25519) + HKDF-SHA256 + \
                 AES-256-GCM (RFC 9180 base mode); overhead = envelope / classical − 1, flagged \
                 at {limit:.0} % or more. {}",
                match perf.hybrid_threshold {
                    Some(bytes) => format!(
                        "From {} on, seal and open both stay below {limit:.0} %.",
                        size(bytes)
                    ),
                    None => format!(
                        "At no measured size do seal and open both stay below {limit:.0} % from \
                         there on."
                    ),
                }
            ),
            headers: ["Operation", "Payload", "Envelope", "Classical", "Overhead"]
                .map(String::from)
                .to_vec(),
            rows: perf
                .hybrid
                .iter()
                .map(|row| {
                    let tone = if row.overhead < HYBRID_OVERHEAD_LIMIT {
                        Tone::Good
                    } else {
                        Tone::Warn
                    };
                    vec![
                        Cell::plain(&row.operation),
                        Cell::plain(size(row.size)),
                        Cell::plain(duration(row.envelope_ns)),
                        Cell::plain(duration(row.classical_ns)),
                        Cell::toned(format!("{:+.1} %", row.overhead * 100.0), tone),
                    ]
                })
                .collect(),
        });
    }

    if let Some(name) = &perf.baseline {
        let moved: Vec<_> = perf
            .baseline_changes
            .iter()
            .filter(|c| !compact || c.change.abs() >= 0.05)
            .collect();
        let unchanged = perf.baseline_changes.len() - moved.len();
        tables.push(Table {
            title: format!("Change against baseline {name}"),
            note: format!(
                "mean time after / before − 1: positive is slower; ±5 % or more is flagged \
                 (red: slower, green: faster).{}",
                if compact {
                    format!(" {unchanged} benchmark(s) within ±5 % are left out here.")
                } else {
                    String::new()
                }
            ),
            headers: ["Benchmark", "Implementation", "Before", "After", "Change"]
                .map(String::from)
                .to_vec(),
            rows: moved
                .iter()
                .map(|c| {
                    let text = format!("{:+.1} %", c.change * 100.0);
                    let cell = if c.change >= 0.05 {
                        Cell::toned(text, Tone::Bad)
                    } else if c.change <= -0.05 {
                        Cell::toned(text, Tone::Good)
                    } else {
                        Cell::plain(text)
                    };
                    vec![
                        Cell::plain(benchmark_name(&c.group, c.parameter.as_deref())),
                        Cell::plain(&c.implementation),
                        Cell::plain(duration(c.before_ns)),
                        Cell::plain(duration(c.after_ns)),
                        cell,
                    ]
                })
                .collect(),
        });
    }
    tables
}

/// How many characters of a failed end-to-end run's errors the compact table shows.
const COMPACT_ERRORS: usize = 200;

/// "5.2", "45", "0.45" (milliseconds, without the unit).
fn ms(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The end-to-end service benchmark: one row per planned run, including those not run.
fn end_to_end_table(runs: &[EndToEndRun], compact: bool) -> Table {
    let cores = runs.iter().map(|r| r.cores).max().unwrap_or(0);
    let suite = runs
        .iter()
        .find_map(|r| r.figures.as_ref())
        .map(|f| format!(" ({})", f.cipher_suite))
        .unwrap_or_default();
    let kafka = runs
        .iter()
        .find_map(|r| r.brokers.as_deref())
        .map(|b| format!("the Kafka-API broker at {b}"))
        .unwrap_or_else(|| "a Kafka-API broker (none ran here)".to_owned());
    let note = format!(
        "sonet loadgen --spawn: a Sonet server and real MLS clients{suite} in one process on this \
         {cores}-core machine, each client with its own gRPC connection over loopback; each group's \
         members send in turn, all groups at once, and every delivery is checked (exactly once, in \
         order per sender). Messages/s = messages sent / wall time (first send to last delivery), \
         per group = that / groups; deliveries/s counts each receipt by each other member. \
         Latency = send start (before encryption) to receipt by the subscriber's stream. Bus: \
         embedded (in process) or Kafka ({kafka}). Shape = groups × members × messages per group."
    );
    let rows = runs
        .iter()
        .map(|run| {
            let result = match (&run.not_run, run.ok) {
                (Some(reason), _) => Cell::toned(format!("not run: {reason}"), Tone::Warn),
                (None, true) => Cell::toned("PASS", Tone::Good),
                (None, false) => {
                    let errors = run.errors.join("; ");
                    let errors = if compact {
                        super::truncate(&errors, COMPACT_ERRORS)
                    } else {
                        errors
                    };
                    Cell::toned(format!("FAIL: {errors}"), Tone::Bad)
                }
            };
            let mut row = vec![Cell::plain(&run.bus), Cell::plain(run.shape())];
            match &run.figures {
                Some(f) => {
                    let l = &f.latency_ms;
                    let checks = format!("{} / {} / {}", f.lost, f.duplicates, f.out_of_order);
                    row.extend([
                        Cell::plain(size(f.payload_bytes)),
                        Cell::plain(count(f.messages_per_second)),
                        Cell::plain(count(f.messages_per_second_per_group)),
                        Cell::plain(count(f.deliveries_per_second)),
                        Cell::plain(format!(
                            "{} / {} / {} / {}",
                            ms(l.p50),
                            ms(l.p90),
                            ms(l.p99),
                            ms(l.max)
                        )),
                        if f.lost + f.duplicates + f.out_of_order == 0 {
                            Cell::toned(checks, Tone::Good)
                        } else {
                            Cell::toned(checks, Tone::Bad)
                        },
                    ]);
                }
                None => row.extend((0..6).map(|_| Cell::plain("—"))),
            }
            row.push(result);
            row
        })
        .collect();
    Table {
        title: "End-to-end service benchmark".into(),
        note,
        headers: [
            "Bus",
            "Shape",
            "Payload",
            "Messages/s",
            "Per group",
            "Deliveries/s",
            "Latency p50 / p90 / p99 / max (ms)",
            "Lost / duplicated / out of order",
            "Result",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

/// A matrix row: its order (group, parameter compared numerically), then the parameter text.
type RowKey = ((String, Vec<(String, u64)>), String);

/// One row per benchmark (group and size) of `area`, one column per implementation.
fn matrix_table(perf: &Performance, area: &str, title: &str, note: &str) -> Option<Table> {
    let of_area: Vec<&Measurement> = perf
        .measurements
        .iter()
        .filter(|m| m.area() == area)
        .collect();
    if of_area.is_empty() {
        return None;
    }
    // Sonet's providers first, then the peers.
    let implementations: Vec<&str> = {
        let set: BTreeSet<&str> = of_area.iter().map(|m| m.implementation.as_str()).collect();
        let mut list: Vec<&str> = set.into_iter().collect();
        list.sort_by_key(|i| (!i.starts_with(SONET_PREFIX), i.to_string()));
        list
    };
    let mut rows: BTreeMap<RowKey, BTreeMap<&str, &Measurement>> = BTreeMap::new();
    for m in &of_area {
        let parameter = m.parameter.clone().unwrap_or_default();
        let key = (case_key(&m.group, m.parameter.as_deref()), parameter);
        rows.entry(key)
            .or_default()
            .insert(m.implementation.as_str(), m);
    }
    let mut headers = vec!["Benchmark".to_owned()];
    headers.extend(implementations.iter().map(|i| i.to_string()));
    Some(Table {
        title: title.to_owned(),
        note: note.to_owned(),
        headers,
        rows: rows
            .into_iter()
            .map(|(((group, _), parameter), cells)| {
                let parameter = (!parameter.is_empty()).then_some(parameter);
                let mut row = vec![Cell::plain(benchmark_name(&group, parameter.as_deref()))];
                row.extend(implementations.iter().map(|i| match cells.get(i) {
                    Some(m) => Cell::plain(value(m)),
                    None => Cell::plain("—"),
                }));
                row
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compact_baseline_table_keeps_what_moved() {
        let m = |group: &str, ns: f64| Measurement {
            group: group.into(),
            implementation: "ring".into(),
            parameter: None,
            mean_ns: ns,
            lower_ns: ns,
            upper_ns: ns,
            bytes: None,
            elements: None,
        };
        let before = vec![m("a/x/one", 100.0), m("a/x/two", 100.0)];
        let after = vec![m("a/x/one", 101.0), m("a/x/two", 150.0)];
        let perf = crate::analysis::analyse(
            "quick",
            String::new(),
            after,
            &crate::analysis::Context {
                baseline: Some(("main", &before)),
                ..Default::default()
            },
        );
        let rows = |compact| {
            tables(&perf, compact)
                .into_iter()
                .find(|t| t.title == "Change against baseline main")
                .map(|t| t.rows.len())
        };
        assert_eq!(rows(false), Some(2));
        assert_eq!(rows(true), Some(1));
    }
}
