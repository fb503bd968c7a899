//! The end-to-end service benchmark: `sonet loadgen --spawn` runs a Sonet server inside its own
//! process (embedded bus, or a Kafka bus with `--kafka`), drives real MLS clients through gRPC
//! over loopback, checks every delivery (exactly once, in order per sender) and writes its
//! figures as JSON, which this module reads back into [`EndToEndRun`]s.
//!
//! The Kafka runs use the broker of `cargo xtask broker start` when it runs and answers (or
//! `SONET_KAFKA_BROKERS`); without one they are recorded as not run, with the reason.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;

use crate::broker;
use crate::common::{cargo, Profile, BENCH_TARGETS};
pub use sonet_report::model::{EndToEndFigures, EndToEndRun, LatencyFigures};
use sonet_report::units::count;

/// The buses, in report order.
pub const EMBEDDED: &str = "embedded";
pub const KAFKA: &str = "kafka";
/// A run that takes longer than this is stopped and reported as failed.
const RUN_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How many of loadgen's last stderr lines a failure quotes.
const TAIL_LINES: usize = 5;
/// How many log lines (the server's and the client library's warnings) of one run are shown;
/// the rest are counted.
const LOG_LINES_SHOWN: usize = 3;
/// How many of loadgen's own error messages (its JSON `errors`) a run keeps.
const ERRORS_KEPT: usize = 5;

/// One planned run: groups × members × messages per group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub groups: u64,
    pub members: u64,
    pub messages: u64,
}

/// The shapes of a profile, run on every bus: the quick profile's 1×3×1000, and in the full
/// profile also 4 groups of 5 and a longer single group.
pub fn shapes(profile: Profile) -> Vec<Shape> {
    let shape = |groups, members, messages| Shape {
        groups,
        members,
        messages,
    };
    match profile {
        Profile::Quick => vec![shape(1, 3, 1000)],
        Profile::Full => vec![shape(1, 3, 1000), shape(4, 5, 1000), shape(1, 3, 5000)],
    }
}

pub fn describe(profile: Profile) -> String {
    let shapes: Vec<String> = shapes(profile)
        .iter()
        .map(|s| format!("{}×{}×{}", s.groups, s.members, s.messages))
        .collect();
    format!(
        "end to end: sonet loadgen --spawn, {} (groups × members × messages per group) on the \
         embedded bus and on Kafka when a broker runs",
        shapes.join(", ")
    )
}

fn run_name(bus: &str, shape: Shape) -> String {
    format!(
        "{bus}-{}x{}x{}",
        shape.groups, shape.members, shape.messages
    )
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}

/// A run that did not start or did not finish, before any figure.
fn planned(bus: &str, brokers: Option<&str>, shape: Shape) -> EndToEndRun {
    EndToEndRun {
        name: run_name(bus, shape),
        bus: bus.to_owned(),
        brokers: brokers.map(str::to_owned),
        groups: shape.groups,
        members: shape.members,
        messages_per_group: shape.messages,
        cores: cores(),
        not_run: None,
        figures: None,
        ok: false,
        errors: Vec::new(),
    }
}

/// Builds the `sonet` binary and runs every planned shape on each bus; never fails: a run that
/// cannot happen is a failed run (or, for Kafka without a broker, a run not run) with the reason.
pub fn run(root: &Path, target: &Path, profile: Profile) -> Vec<EndToEndRun> {
    let shapes = shapes(profile);
    let kafka = broker::kafka_brokers(root);
    match &kafka {
        Ok(brokers) => eprintln!("  Kafka bus: {brokers}"),
        Err(reason) => eprintln!("  Kafka bus: not run ({reason})"),
    }
    let mut plans: Vec<(&str, Option<&str>, Shape)> = Vec::new();
    for bus in [EMBEDDED, KAFKA] {
        for &shape in &shapes {
            plans.push((
                bus,
                if bus == KAFKA {
                    kafka.as_deref().ok()
                } else {
                    None
                },
                shape,
            ));
        }
    }
    let total = plans.len();
    let exe = build_sonet(root);
    let out = target.join("loadgen");
    let mut runs = Vec::with_capacity(total);
    for (i, (bus, brokers, shape)) in plans.into_iter().enumerate() {
        let mut run = planned(bus, brokers, shape);
        let label = format!("  [e2e {}/{total}] {} bus {}", i + 1, bus, run.shape());
        if bus == KAFKA {
            if let Err(reason) = &kafka {
                run.not_run = Some(reason.clone());
                eprintln!("{label}: not run ({reason})");
                runs.push(run);
                continue;
            }
        }
        match &exe {
            Err(e) => run
                .errors
                .push(format!("the sonet binary could not be built: {e:#}")),
            Ok(exe) => {
                if let Err(e) = std::fs::create_dir_all(&out) {
                    run.errors
                        .push(format!("cannot create {}: {e}", out.display()));
                } else {
                    let json = out.join(format!("{}.json", run.name));
                    loadgen(exe, &json, &mut run);
                }
            }
        }
        eprintln!("{label}: {}", progress_line(&run));
        runs.push(run);
    }
    runs
}

/// `cargo build` of the `sonet` binary. The bench targets are named too: building a bench
/// target resolves features with dev-dependencies, as `cargo xtask test` and `cargo bench` do,
/// so this reuses their release build (after `cargo bench` they are fresh) instead of building
/// the dependencies a second time with other features.
fn build_sonet(root: &Path) -> Result<PathBuf> {
    let mut child = Command::new(cargo())
        .current_dir(root)
        .args(["build", "--release", "--workspace", "--bin", "sonet"])
        .args(BENCH_TARGETS.iter().flat_map(|t| ["--bench", t]))
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo build for the sonet binary")?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(path) = sonet_executable(&line) {
                executable = Some(path);
            }
        }
    }
    let status = child.wait().context("waiting for cargo build")?;
    if !status.success() {
        bail!("cargo build --release --bin sonet exited with {status}; see its output above");
    }
    executable.context("cargo build succeeded but reported no sonet executable")
}

/// The executable of cargo's `compiler-artifact` message for the `sonet` binary.
fn sonet_executable(line: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message["reason"] != "compiler-artifact" || message["target"]["name"] != "sonet" {
        return None;
    }
    let kinds = message["target"]["kind"].as_array()?;
    if !kinds.iter().any(|k| k == "bin") {
        return None;
    }
    message["executable"].as_str().map(PathBuf::from)
}

/// Runs one loadgen and fills `run` with its figures, or with why it failed.
fn loadgen(exe: &Path, json: &Path, run: &mut EndToEndRun) {
    let _ = std::fs::remove_file(json);
    let mut command = Command::new(exe);
    command
        .args(["loadgen", "--spawn"])
        .args(["--groups", &run.groups.to_string()])
        .args(["--members", &run.members.to_string()])
        .args(["--messages", &run.messages_per_group.to_string()])
        .arg("--json")
        .arg(json)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        // Its closing table: the figures come from --json and are summarised in one line.
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(brokers) = &run.brokers {
        command.args(["--kafka", brokers]);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            run.errors
                .push(format!("cannot start {}: {e}", exe.display()));
            return;
        }
    };
    // loadgen's progress (every 2 s) passes through, indented, with the first few log lines
    // (a failing Kafka client repeats its error many times a second); its last lines are kept
    // for the failure message.
    let relay = child.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            let mut tail = VecDeque::with_capacity(TAIL_LINES);
            let mut logs = 0usize;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let line = strip_ansi(&line);
                if line.trim().is_empty() || line.starts_with("figures written to") {
                    continue;
                }
                if is_log_line(&line) {
                    logs += 1;
                    if logs <= LOG_LINES_SHOWN {
                        eprintln!("      {line}");
                    }
                    continue;
                }
                eprintln!("      {line}");
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            if logs > LOG_LINES_SHOWN {
                eprintln!(
                    "      ({} more log lines of this run not shown)",
                    logs - LOG_LINES_SHOWN
                );
            }
            tail
        })
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() >= RUN_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "stopped after {} min without finishing",
                    RUN_TIMEOUT.as_secs() / 60
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => break Err(format!("waiting for loadgen: {e}")),
        }
    };
    let tail: Vec<String> = relay
        .and_then(|r| r.join().ok())
        .map(Vec::from)
        .unwrap_or_default();

    // No file: the run failed before measuring (the error is in loadgen's last lines).
    if let Ok(bytes) = std::fs::read(json) {
        match parse(&bytes, run) {
            Ok(figures) => run.figures = Some(figures),
            Err(e) => run.errors.push(format!("{}: {e:#}", json.display())),
        }
    }
    match status {
        Ok(status) if status.success() => {
            if run.figures.is_some() && run.errors.is_empty() {
                run.ok = true;
            } else if run.figures.is_none() && run.errors.is_empty() {
                run.errors
                    .push(format!("loadgen exited 0 but wrote no {}", json.display()));
            }
        }
        // The delivery check failed: its figures say how.
        Ok(status) if run.figures.is_some() && !run.errors.is_empty() => {
            run.errors.push(format!("loadgen exited with {status}"));
        }
        Ok(status) => {
            let last = tail
                .iter()
                .rev()
                .find(|l| l.contains("error") || l.contains("FAILED"))
                .or(tail.last());
            run.errors.push(match last {
                Some(line) => format!("loadgen failed ({status}): {}", line.trim()),
                None => format!("loadgen failed ({status})"),
            });
        }
        Err(e) => run.errors.push(format!("loadgen {e}")),
    }
}

/// Text without ANSI escape sequences (CSI: ESC [ … final byte).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A tracing log line: it starts with an RFC 3339 timestamp (`2026-11-29T09:24:44.296Z  WARN …`).
fn is_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}

/// loadgen's `--json` output (the fields this report uses; others are ignored).
#[derive(Deserialize)]
struct LoadgenJson {
    bus: Option<String>,
    cipher_suite: String,
    groups: u64,
    members: u64,
    messages_per_group: u64,
    payload_bytes: u64,
    messages_planned: u64,
    messages_sent: u64,
    send_errors: u64,
    deliveries_expected: u64,
    deliveries_received: u64,
    lost: u64,
    duplicates: u64,
    out_of_order: u64,
    receive_errors: u64,
    stream_errors: u64,
    setup_seconds: f64,
    send_seconds: f64,
    wall_seconds: f64,
    messages_per_second: f64,
    deliveries_per_second: f64,
    latency_ms: LatencyFigures,
    #[serde(default)]
    errors: Vec<String>,
    ok: bool,
}

/// Reads loadgen's JSON for `run`: its figures; loadgen's own errors and a "not ok" are added
/// to `run.errors`. Fails when the file is not loadgen's JSON or describes another run.
pub fn parse(bytes: &[u8], run: &mut EndToEndRun) -> Result<EndToEndFigures> {
    let json: LoadgenJson =
        serde_json::from_slice(bytes).context("not sonet loadgen's --json output")?;
    let ran = (json.groups, json.members, json.messages_per_group);
    let planned = (run.groups, run.members, run.messages_per_group);
    if ran != planned {
        bail!(
            "describes a {}×{}×{} run, not {}",
            ran.0,
            ran.1,
            ran.2,
            run.shape()
        );
    }
    if let Some(bus) = &json.bus {
        if *bus != run.bus {
            bail!("ran on the {bus} bus, not {}", run.bus);
        }
    }
    if !json.ok {
        let mut problems = Vec::new();
        for (count, what) in [
            (json.lost, "lost"),
            (json.duplicates, "duplicated"),
            (json.out_of_order, "out of order"),
            (json.receive_errors, "refused"),
            (json.send_errors, "send errors"),
            (json.stream_errors, "stream errors"),
        ] {
            if count > 0 {
                problems.push(format!("{count} {what}"));
            }
        }
        run.errors.push(format!(
            "delivery check failed: {}",
            if problems.is_empty() {
                "loadgen reports not ok".to_owned()
            } else {
                problems.join(", ")
            }
        ));
    }
    run.errors
        .extend(json.errors.iter().take(ERRORS_KEPT).cloned());
    let per_group = if json.groups == 0 {
        0.0
    } else {
        json.messages_per_second / json.groups as f64
    };
    Ok(EndToEndFigures {
        cipher_suite: json.cipher_suite,
        payload_bytes: json.payload_bytes,
        messages_planned: json.messages_planned,
        messages_sent: json.messages_sent,
        send_errors: json.send_errors,
        deliveries_expected: json.deliveries_expected,
        deliveries_received: json.deliveries_received,
        lost: json.lost,
        duplicates: json.duplicates,
        out_of_order: json.out_of_order,
        receive_errors: json.receive_errors,
        stream_errors: json.stream_errors,
        setup_seconds: json.setup_seconds,
        send_seconds: json.send_seconds,
        wall_seconds: json.wall_seconds,
        messages_per_second: json.messages_per_second,
        messages_per_second_per_group: per_group,
        deliveries_per_second: json.deliveries_per_second,
        latency_ms: json.latency_ms,
    })
}

/// The progress line's text after the run's label.
fn progress_line(run: &EndToEndRun) -> String {
    let verdict = if run.ok {
        "PASS".to_owned()
    } else {
        format!("FAIL: {}", run.errors.join("; "))
    };
    match &run.figures {
        Some(f) => format!(
            "{} msg/s ({}/s per group), {} deliveries/s, latency p50 {:.1} ms p99 {:.1} ms, \
             {} lost / {} duplicated / {} out of order — {verdict}",
            count(f.messages_per_second),
            count(f.messages_per_second_per_group),
            count(f.deliveries_per_second),
            f.latency_ms.p50,
            f.latency_ms.p99,
            f.lost,
            f.duplicates,
            f.out_of_order
        ),
        None => verdict,
    }
}

/// Why the end-to-end benchmark fails the verdict: one line per failed run.
pub fn failures(runs: &[EndToEndRun]) -> Vec<String> {
    runs.iter()
        .filter(|r| r.failed())
        .map(|r| {
            format!(
                "end-to-end benchmark {} ({} bus, {}) failed: {}",
                r.name,
                r.bus,
                r.shape(),
                if r.errors.is_empty() {
                    "no reason recorded".to_owned()
                } else {
                    r.errors.join("; ")
                }
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::NO_BROKER;

    /// A loadgen `--json` file as `sonet loadgen` writes it.
    fn sample_json(groups: u64, messages_per_second: f64, lost: u64) -> String {
        let ok = lost == 0;
        format!(
            r#"{{
  "run": "1a2b3c4d",
  "server": "http://127.0.0.1:40123",
  "bus": "embedded",
  "cipher_suite": "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
  "groups": {groups},
  "members": 3,
  "messages_per_group": 1000,
  "payload_bytes": 64,
  "messages_planned": {planned},
  "messages_sent": {planned},
  "send_errors": 0,
  "deliveries_expected": {expected},
  "deliveries_received": {received},
  "lost": {lost},
  "duplicates": 0,
  "out_of_order": 0,
  "receive_errors": 0,
  "stream_errors": 0,
  "setup_seconds": 0.41,
  "send_seconds": 0.8,
  "wall_seconds": 0.83,
  "messages_per_second": {messages_per_second},
  "deliveries_per_second": {deliveries},
  "latency_ms": {{"samples": {received}, "min": 0.9, "mean": 6.1, "p50": 5.2, "p90": 9.8, "p99": 45.3, "max": 61.0}},
  "errors": {errors},
  "ok": {ok}
}}"#,
            planned = groups * 1000,
            expected = groups * 2000,
            received = groups * 2000 - lost,
            deliveries = messages_per_second * 2.0,
            errors = if ok {
                "[]".to_owned()
            } else {
                r#"["g0-m1: message 17 of g0-m2 never arrived"]"#.to_owned()
            },
        )
    }

    fn shape(groups: u64) -> Shape {
        Shape {
            groups,
            members: 3,
            messages: 1000,
        }
    }

    /// A planned run that did not happen.
    fn not_run(bus: &str, groups: u64, reason: &str) -> EndToEndRun {
        let mut run = planned(bus, None, shape(groups));
        run.not_run = Some(reason.to_owned());
        run
    }

    #[test]
    fn loadgen_json_is_read() {
        let mut run = planned(EMBEDDED, None, shape(4));
        let figures = parse(sample_json(4, 4840.0, 0).as_bytes(), &mut run).unwrap();
        assert!(run.errors.is_empty(), "{:?}", run.errors);
        assert_eq!(run.name, "embedded-4x3x1000");
        assert_eq!(figures.messages_sent, 4000);
        assert_eq!(figures.deliveries_received, 8000);
        assert!((figures.messages_per_second_per_group - 1210.0).abs() < 1e-9);
        assert!((figures.latency_ms.p99 - 45.3).abs() < 1e-9);
        assert_eq!(figures.payload_bytes, 64);
    }

    #[test]
    fn a_failed_delivery_check_is_recorded_with_loadgen_errors() {
        let mut run = planned(EMBEDDED, None, shape(1));
        let figures = parse(sample_json(1, 1000.0, 3).as_bytes(), &mut run).unwrap();
        assert_eq!(figures.lost, 3);
        assert_eq!(
            run.errors,
            vec![
                "delivery check failed: 3 lost".to_owned(),
                "g0-m1: message 17 of g0-m2 never arrived".to_owned()
            ]
        );
        assert!(run.failed());
        let reasons = failures(&[run]);
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].starts_with(
                "end-to-end benchmark embedded-1x3x1000 (embedded bus, 1×3×1000) failed: \
                 delivery check failed: 3 lost"
            ),
            "{reasons:?}"
        );
    }

    #[test]
    fn json_of_another_run_or_bus_is_refused() {
        let mut run = planned(EMBEDDED, None, shape(2));
        let e = parse(sample_json(1, 1000.0, 0).as_bytes(), &mut run).unwrap_err();
        assert!(e.to_string().contains("describes a 1×3×1000 run"), "{e}");
        let mut run = planned(KAFKA, Some("127.0.0.1:9092"), shape(1));
        let e = parse(sample_json(1, 1000.0, 0).as_bytes(), &mut run).unwrap_err();
        assert!(e.to_string().contains("embedded bus, not kafka"), "{e}");
        assert!(parse(b"{}", &mut run).is_err());
    }

    #[test]
    fn a_run_not_run_is_neither_passed_nor_failed() {
        let run = not_run(KAFKA, 1, NO_BROKER);
        assert!(!run.ok && !run.failed());
        assert!(failures(&[run]).is_empty());
    }

    #[test]
    fn profiles_plan_their_shapes() {
        assert_eq!(shapes(Profile::Quick), vec![shape(1)]);
        let full = shapes(Profile::Full);
        assert_eq!(full.len(), 3);
        assert!(full.contains(&Shape {
            groups: 4,
            members: 5,
            messages: 1000
        }));
        assert!(full.contains(&Shape {
            groups: 1,
            members: 3,
            messages: 5000
        }));
    }

    #[test]
    fn cargo_reports_the_sonet_executable() {
        let line = r#"{"reason":"compiler-artifact","package_id":"path+file:///w#sonet@0.1.0","target":{"kind":["bin"],"crate_types":["bin"],"name":"sonet","src_path":"/w/src/main.rs"},"executable":"/w/target/release/sonet","fresh":true}"#;
        assert_eq!(
            sonet_executable(line),
            Some(PathBuf::from("/w/target/release/sonet"))
        );
        let lib = line.replace(r#""kind":["bin"]"#, r#""kind":["lib"]"#);
        assert_eq!(sonet_executable(&lib), None);
        assert_eq!(sonet_executable("Compiling sonet"), None);
    }

    #[test]
    fn log_lines_are_told_from_progress() {
        let log = "\u{1b}[2m2026-11-29T09:25:58.088662Z\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m \
                   \u{1b}[2msonet::service::server\u{1b}[0m: message bus down";
        let plain = strip_ansi(log);
        assert_eq!(
            plain,
            "2026-11-29T09:25:58.088662Z  WARN sonet::service::server: message bus down"
        );
        assert!(is_log_line(&plain));
        assert!(!is_log_line(
            "setup done in 0.02 s; sending 1000 message(s) per group"
        ));
        assert!(!is_log_line("[   2.0 s] sent 1000/1000 (500/s)"));
    }
}
