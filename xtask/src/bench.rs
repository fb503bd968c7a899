//! `cargo xtask bench`: runs the criterion benchmarks of `bench/` and the end-to-end service
//! runs and reads their figures back; the report's analysis turns them into `bench.json` and
//! the performance section (which `verify` also runs, in the quick profile).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Instant, SystemTime};

use anyhow::{bail, Context as _, Result};
use serde::Deserialize;
use sonet_report::analysis::{analyse, case_key, Context};
use sonet_report::model::report::Verdict;
use sonet_report::model::{Measurement, Performance, Report};
use sonet_testkit::vectors::{Manifest, VECTORS_ENV};

use crate::common::{
    cargo, command_line, out_dir, rfc3339, target_dir, timestamp_folder, utc_now, workspace_root,
    Flags, Profile, BENCH_TARGETS,
};
use crate::{end_to_end, environment, vectors};

/// The file `bench/` writes next to criterion's output (`sonet_bench::DEFAULTS_FILE`).
const DEFAULTS_FILE: &str = "sonet-defaults.json";

/// What a profile measures, for the report.
pub fn describe(profile: Profile) -> String {
    let criterion = match profile {
        Profile::Quick => {
            "quick profile: 0.2 s warm-up and 0.6 s measurement per benchmark, 10 samples; \
             AES-256-GCM only; SLH-DSA 128f sets only; hybrid at 5 sizes"
        }
        Profile::Full => {
            "full profile: 1 s warm-up and 3 s measurement per benchmark, 50 samples; every \
             parameter set"
        }
    };
    format!("{criterion}; {}", end_to_end::describe(profile))
}

/// `cargo xtask bench`: the full benchmark profile, written as bench.json and bench.md.
pub fn command(args: &[String]) -> Result<ExitCode> {
    let started = Instant::now();
    let flags = Flags::parse(args, &["profile", "save-baseline", "baseline", "out"])?;
    let profile = match flags.one("profile").as_deref() {
        None | Some("full") => Profile::Full,
        Some("quick") => Profile::Quick,
        Some(other) => bail!("--profile takes quick or full (got {other:?})"),
    };
    let root = workspace_root();
    let now = utc_now();
    let out = out_dir(&flags, &root, format!("bench-{}", timestamp_folder(now)))?;
    let manifest = Manifest::pinned()?;
    let vectors_root = vectors::resolve_root(&manifest)?;
    let options = RunOptions {
        profile,
        failing_providers: None,
        save_baseline: flags.one("save-baseline"),
        baseline: flags.one("baseline"),
    };
    eprintln!(
        "==> benchmarks ({}; a cold build takes several minutes)",
        describe(profile)
    );
    let performance = run(&root, &target_dir(&root), &vectors_root, &options)?;
    let reasons = end_to_end::failures(&performance.end_to_end);
    let report = Report {
        schema: 1,
        generated_at: rfc3339(now),
        command: command_line("bench", args),
        verdict: Verdict {
            ok: reasons.is_empty(),
            reasons,
        },
        environment: environment::collect(&root),
        performance: Some(performance),
        elapsed_seconds: started.elapsed().as_secs_f64(),
        ..Report::default()
    };
    let json = out.join("bench.json");
    let markdown = out.join("bench.md");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&report.performance).context("serialising bench.json")?,
    )
    .with_context(|| format!("writing {}", json.display()))?;
    std::fs::write(
        &markdown,
        sonet_report::render::render_performance_markdown(&report),
    )
    .with_context(|| format!("writing {}", markdown.display()))?;
    if let Some(performance) = &report.performance {
        sonet_report::render::write_plots(performance, &out)?;
    }
    eprintln!("wrote {} and {}", json.display(), markdown.display());
    if report.verdict.ok {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("verdict: FAIL");
        for reason in &report.verdict.reasons {
            eprintln!("  - {reason}");
        }
        Ok(ExitCode::FAILURE)
    }
}

pub struct RunOptions {
    pub profile: Profile,
    /// Sonet providers with failed conformance cases in this run (`None`: the suites did not
    /// run), for the default-provider check.
    pub failing_providers: Option<Vec<String>>,
    /// Save this run's measurements under this name, for a later `baseline`.
    pub save_baseline: Option<String>,
    /// Compare with a saved baseline.
    pub baseline: Option<String>,
}

/// Where criterion writes (CRITERION_HOME, set explicitly so the path never depends on cargo's
/// discovery) and where named baselines are kept.
fn criterion_home(target: &Path) -> PathBuf {
    target.join("criterion")
}

fn baseline_path(target: &Path, name: &str) -> Result<PathBuf> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        bail!("a baseline name is letters, digits, '-', '_' and '.' only (got {name:?})");
    }
    Ok(target.join("bench-baselines").join(format!("{name}.json")))
}

/// Runs the benchmarks and reads their results.
pub fn run(
    root: &Path,
    target: &Path,
    vectors_root: &Path,
    options: &RunOptions,
) -> Result<Performance> {
    // Fail on a bad or missing baseline before spending minutes measuring.
    let baseline = match &options.baseline {
        Some(name) => {
            let path = baseline_path(target, name)?;
            let bytes = std::fs::read(&path).with_context(|| {
                format!(
                    "reading baseline {name} ({}); save one with --save-baseline {name}",
                    path.display()
                )
            })?;
            let saved: Vec<Measurement> = serde_json::from_slice(&bytes)
                .with_context(|| format!("parsing baseline {}", path.display()))?;
            Some((name.clone(), saved))
        }
        None => None,
    };
    if let Some(name) = &options.save_baseline {
        baseline_path(target, name)?;
    }

    let home = criterion_home(target);
    let started = SystemTime::now();
    let mut child = Command::new(cargo())
        .current_dir(root)
        // `--workspace` resolves features as `cargo xtask test` and `verify` do, so the benchmarks
        // reuse their release build. The bench targets are named: `--benches` would also build
        // every library and binary of the workspace as a benchmark.
        .args(["bench", "--workspace"])
        .args(BENCH_TARGETS.iter().flat_map(|t| ["--bench", t]))
        .env("SONET_BENCH_PROFILE", options.profile.name())
        .env(VECTORS_ENV, vectors_root)
        .env("CRITERION_HOME", &home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running cargo bench")?;
    // Cargo's build output passes through; criterion's per-phase progress lines
    // ("Benchmarking …: Warming up") and sample-count warnings are dropped.
    let stderr_relay = child.stderr.take().map(|stderr| {
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let trimmed = line.trim();
                // Sample-count warnings are expected in the quick profile's short windows.
                if !trimmed.is_empty()
                    && !trimmed.starts_with("Benchmarking ")
                    && !trimmed.starts_with("Warning: Unable to complete")
                {
                    eprintln!("{line}");
                }
            }
        })
    });
    // Criterion prints several lines per benchmark; show one per benchmark as progress.
    if let Some(stdout) = child.stdout.take() {
        let mut current: Option<String> = None;
        let mut done = 0usize;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let trimmed = line.trim();
            if let Some(time) = trimmed.strip_prefix("time:") {
                if let Some(id) = current.take() {
                    done += 1;
                    eprintln!("  [{done}] {id}: {}", time.trim());
                }
            } else if !line.starts_with(char::is_whitespace)
                && !trimmed.is_empty()
                && !trimmed.starts_with("Benchmarking")
                && !trimmed.starts_with("Warning")
                && !trimmed.starts_with("Found")
                && !trimmed.starts_with("Running")
            {
                current = Some(trimmed.to_owned());
            }
        }
    }
    let status = child.wait().context("waiting for cargo bench")?;
    if let Some(relay) = stderr_relay {
        let _ = relay.join();
    }
    if !status.success() {
        bail!("cargo bench exited with {status}");
    }

    let measurements = collect(&home, started)?;
    if measurements.is_empty() {
        bail!(
            "cargo bench finished but no criterion estimate under {} is newer than this run",
            home.display()
        );
    }
    if let Some(name) = &options.save_baseline {
        let path = baseline_path(target, name)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&measurements)?)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("saved baseline {name} to {}", path.display());
    }
    // Written by the benchmark binaries during this run.
    let defaults: BTreeMap<String, String> = std::fs::read(home.join(DEFAULTS_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    eprintln!(
        "  end-to-end service benchmark: sonet loadgen --spawn (real gRPC over loopback, real \
         MLS clients in one process; figures in {})",
        target.join("loadgen").display()
    );
    let end_to_end = end_to_end::run(root, target, options.profile);
    Ok(analyse(
        options.profile.name(),
        describe(options.profile),
        measurements,
        &Context {
            baseline: baseline.as_ref().map(|(n, m)| (n.as_str(), m.as_slice())),
            defaults: &defaults,
            failing_providers: options.failing_providers.as_deref(),
            end_to_end: &end_to_end,
        },
    ))
}

#[derive(Deserialize)]
struct BenchmarkFile {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<ThroughputFile>,
}

#[derive(Deserialize)]
enum ThroughputFile {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct EstimatesFile {
    mean: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// Every `new/benchmark.json` under `home` written at or after `since`, with its estimates.
fn collect(home: &Path, since: SystemTime) -> Result<Vec<Measurement>> {
    let mut found = Vec::new();
    let mut stack = vec![home.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "new")
            {
                let fresh = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since);
                if fresh {
                    found.push(read_measurement(&path)?);
                }
            }
        }
    }
    found.sort_by_cached_key(|m| {
        (
            case_key(&m.group, m.parameter.as_deref()),
            m.implementation.clone(),
        )
    });
    Ok(found)
}

fn read_measurement(benchmark: &Path) -> Result<Measurement> {
    let read = |path: &Path| {
        std::fs::read(path).with_context(|| format!("reading criterion output {}", path.display()))
    };
    let info: BenchmarkFile = serde_json::from_slice(&read(benchmark)?)
        .with_context(|| format!("parsing {}", benchmark.display()))?;
    let estimates_path = benchmark.with_file_name("estimates.json");
    let estimates: EstimatesFile = serde_json::from_slice(&read(&estimates_path)?)
        .with_context(|| format!("parsing {}", estimates_path.display()))?;
    let (bytes, elements) = match info.throughput {
        Some(ThroughputFile::Bytes(n) | ThroughputFile::BytesDecimal(n)) => (Some(n), None),
        Some(ThroughputFile::Elements(n)) => (None, Some(n)),
        _ => (None, None),
    };
    // A group benchmarked with `from_parameter` has the implementation as its value.
    let (implementation, parameter) = match (info.function_id, info.value_str) {
        (Some(function), value) => (function, value),
        (None, Some(value)) => (value, None),
        (None, None) => (String::new(), None),
    };
    Ok(Measurement {
        group: info.group_id,
        implementation,
        parameter,
        mean_ns: estimates.mean.point_estimate,
        lower_ns: estimates.mean.confidence_interval.lower_bound,
        upper_ns: estimates.mean.confidence_interval.upper_bound,
        bytes,
        elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_describes_the_end_to_end_runs() {
        assert!(describe(Profile::Quick).contains("end to end: sonet loadgen"));
    }

    #[test]
    fn baseline_names_are_checked() {
        let target = Path::new("/tmp");
        assert!(baseline_path(target, "main-2026.11").is_ok());
        assert!(baseline_path(target, "../etc/passwd").is_err());
        assert!(baseline_path(target, "").is_err());
    }

    #[test]
    fn criterion_files_are_read() {
        let dir = std::env::temp_dir().join(format!("sonet-bench-test-{}", std::process::id()));
        let new = dir.join("aead_x/sonet_aws-lc/64/new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"aead/AES-256-GCM/seal","function_id":"sonet/aws-lc","value_str":"64","throughput":{"Bytes":64},"full_id":"x","directory_name":"x","title":"x"}"#,
        )
        .unwrap();
        std::fs::write(
            new.join("estimates.json"),
            r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":90.0,"upper_bound":110.0},"point_estimate":100.0,"standard_error":1.0}}"#,
        )
        .unwrap();
        let found = collect(&dir, SystemTime::UNIX_EPOCH).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].implementation, "sonet/aws-lc");
        assert_eq!(found[0].parameter.as_deref(), Some("64"));
        assert_eq!(found[0].bytes, Some(64));
        assert!((found[0].mean_ns - 100.0).abs() < 1e-9);
        // Nothing newer than now.
        assert!(collect(&dir, SystemTime::now()).unwrap().is_empty());
    }
}
