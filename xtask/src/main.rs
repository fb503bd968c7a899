//! `cargo xtask`: Sonet's automation (rust-analyzer's xtask pattern; all of it in Rust).

mod bench;
mod broker;
mod end_to_end;
mod environment;
mod report;
mod vectors;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sonet_suites::results::{Outcome, SuiteRun};
use sonet_testkit::vectors::{vector_root, Manifest, VECTORS_ENV};

use report::{FileStatus, Report, Verdict};

const HELP: &str = "\
cargo xtask — Sonet automation

USAGE:
    cargo xtask verify [--suite NAME]... [--out DIR] [--bench-profile quick|full|none]
                       [--save-baseline NAME] [--baseline NAME]
        Check the pinned vectors, run the conformance suites in release mode, run the
        benchmarks (default: the quick profile, about three minutes, with the end-to-end runs
        of `bench`), and write the compliance report (index.html, report.md, results.json,
        junit.xml, bench.json) to DIR (default reports/<UTC timestamp>/; reports/latest points
        at the newest). Exits non-zero if any case failed, any vector file is missing or
        altered, a requested suite could not run, or the benchmarks could not run (an
        end-to-end run that lost, duplicated or reordered a message counts). Suites: fips203,
        fips204, fips205, fndsa, kats, aead, hkdf, hpke, xwing, hybrid, rfc9420, interop.
        --save-baseline / --baseline as for `bench`: report.md then lists every benchmark that
        moved by 5 % or more against the baseline.

    cargo xtask bench [--profile full|quick] [--save-baseline NAME] [--baseline NAME] [--out DIR]
        Run the criterion benchmarks of bench/ (default: the full profile, every parameter
        set) with Sonet's providers and the peers (ring, libcrux) side by side, and write
        bench.json (criterion's estimates with 95 % intervals, ratios to the fastest peer, the
        hybrid overhead) and bench.md to DIR (default reports/bench-<UTC timestamp>/).
        Then the end-to-end service benchmark: `sonet loadgen --spawn` (a server in process,
        real MLS clients over gRPC on loopback, every delivery checked) on the embedded bus,
        1 group × 3 members × 1000 messages (full profile also 4×5×1000 and 1×3×5000), and the
        same on the Kafka bus when the broker of `cargo xtask broker start` runs and answers
        (or SONET_KAFKA_BROKERS is set); without one the Kafka runs are reported as not run.
        Their figures go to bench.json and <target>/loadgen/<bus>-<G>x<M>x<N>.json; they judge
        the claim perf-mls-throughput. Exits non-zero if an end-to-end run lost, duplicated
        or reordered a message or could not run (its figures are still written).
        --save-baseline keeps this run's estimates under NAME (target/bench-baselines/);
        --baseline shows each benchmark's change against a saved NAME.

    cargo xtask test [ARGS]...
        Run the whole workspace test suite (release profile, the same build the suites use);
        ARGS go to `cargo test`. Passes SONET_KAFKA_BROKERS when the broker of `broker start`
        runs, and SONET_TANSU_BIN when tansu is installed; without a broker the Kafka
        end-to-end tests report skipped.

    cargo xtask broker install|start [--port N]|stop|status|path
        Manage the local Kafka-API broker (tansu 0.6.0, built once per machine into the cache)
        that the end-to-end tests use; `cargo xtask broker --help` explains each verb.

    cargo xtask report --from DIR [--out DIR]
        Render the report again from DIR/results.json.

    cargo xtask vectors check [--dir DIR]
        Verify every pinned vector file (vectors/manifest.toml) under DIR
        (default: $SONET_VECTORS). Names each missing or altered file with both hashes.

    cargo xtask vectors fetch --dest DIR [--base-url URL]
        Download the pinned files from their upstream repositories at the pinned commits,
        unpack where needed, and check each against its sha256.

    cargo xtask vectors generate
        Regenerate Sonet's own vector files in vectors/sonet/ from their fixed seeds (ML-KEM /
        ML-DSA KATs in libcrux's layout, hybrid-envelope vectors), and the passive-client
        vectors of the draft PQ MLS suites (mls-pq-passive-client.json; MLS is randomized, so
        that file differs on every run — regenerate it only when its content must change).

ENVIRONMENT:
    SONET_VECTORS           folder holding the pinned vectors. When unset, verify and test use
                            a per-user cache ($XDG_CACHE_HOME/sonet/vectors or
                            ~/.cache/sonet/vectors) and download what is missing into it.
    SONET_VECTORS_BASE_URL  where `fetch` downloads from (default https://raw.githubusercontent.com)
    SONET_BENCH_PROFILE     quick or full, for `cargo bench` run by hand (xtask sets it)
    SONET_CACHE_DIR         the per-machine cache for tansu (default $XDG_CACHE_HOME/sonet or
                            ~/.cache/sonet)
    SONET_KAFKA_BROKERS     Kafka bootstrap address for the end-to-end tests (`xtask test` sets it
                            when the broker runs; kept if already set) and for the Kafka runs of
                            the end-to-end benchmark (default: the broker of `broker start`)
    SONET_TANSU_BIN         the tansu binary tests may start private brokers with (`xtask test`
                            sets it when tansu is installed)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    // `cargo xtask verify --help`, `bench --help`: the usage text (`test` passes its arguments to
    // cargo test, `broker` has its own).
    if matches!(command, "verify" | "bench" | "report" | "vectors")
        && rest.iter().any(|a| a == "-h" || a == "--help")
    {
        println!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    match command {
        "verify" => verify(rest),
        "test" => test(rest),
        "report" => rerender(rest),
        "bench" => bench_command(rest),
        "vectors" => vectors_command(rest),
        "broker" => broker::command(rest),
        "help" | "-h" | "--help" => {
            println!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("error: unknown command {other:?}\n\n{HELP}");
            Ok(ExitCode::from(2))
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Flags of the form `--name VALUE`; `repeatable` ones may appear several times.
struct Flags {
    values: Vec<(String, String)>,
}

impl Flags {
    fn parse(args: &[String], known: &[&str]) -> Result<Self> {
        let mut values = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            let Some(name) = name.strip_prefix("--").filter(|n| known.contains(n)) else {
                bail!("unexpected argument {arg:?} (see `cargo xtask help`)");
            };
            let value = match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .cloned()
                    .with_context(|| format!("--{name} needs a value"))?,
            };
            values.push((name.to_owned(), value));
        }
        Ok(Self { values })
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn one(&self, name: &str) -> Option<String> {
        self.all(name).pop()
    }
}

fn utc_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

fn timestamp_folder(now: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

fn verify(args: &[String]) -> Result<ExitCode> {
    let started = Instant::now();
    let flags = Flags::parse(
        args,
        &["suite", "out", "bench-profile", "baseline", "save-baseline"],
    )?;
    let suites = flags.all("suite");
    let bench_profile = match flags.one("bench-profile").as_deref() {
        None | Some("quick") => Some(bench::Profile::Quick),
        Some("full") => Some(bench::Profile::Full),
        Some("none") => None,
        Some(other) => bail!("--bench-profile takes quick, full or none (got {other:?})"),
    };
    let root = workspace_root();
    let now = utc_now();
    let out = out_dir(&flags, &root, timestamp_folder(now))?;

    eprintln!("==> 1/4 vectors");
    let manifest = Manifest::pinned()?;
    let vectors_root = vectors::resolve_root(&manifest)?;
    let check = vectors::check(&manifest, &vectors_root);
    vectors::print_check(&check);

    eprintln!("==> 2/4 conformance suites (release build; a cold build takes several minutes)");
    let suites_json = out.join("suites.json");
    let _ = std::fs::remove_file(&suites_json);
    let status = Command::new(cargo())
        .current_dir(&root)
        // `--workspace` resolves features as `cargo xtask test` does, so both share one build.
        .args([
            "test",
            "--release",
            "--workspace",
            "--test",
            "conformance",
            "--",
        ])
        .env(VECTORS_ENV, &vectors_root)
        .env("SONET_SUITES", suites.join(","))
        .env("SONET_RESULTS_OUT", &suites_json)
        // The live `service` suite runs its Kafka cases against the broker (or reports them
        // unsupported without one).
        .envs(broker::test_env(&root))
        .status()
        .context("running cargo test for the conformance suites")?;
    let run: Option<SuiteRun> = std::fs::read(&suites_json)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let _ = std::fs::remove_file(&suites_json);

    let mut reasons = Vec::new();
    let performance = match bench_profile {
        Some(profile) => {
            eprintln!(
                "==> 3/4 benchmarks ({} profile; `--bench-profile none` skips them)",
                profile.name()
            );
            let failing_providers = run.as_ref().map(|run| {
                run.sets
                    .iter()
                    .filter(|s| s.counts.fail > 0 || s.error.is_some())
                    .map(|s| s.provider.clone())
                    .collect()
            });
            let options = bench::RunOptions {
                profile,
                failing_providers,
                save_baseline: flags.one("save-baseline"),
                baseline: flags.one("baseline"),
            };
            match bench::run(&root, &target_dir(&root), &vectors_root, &options) {
                Ok(performance) => {
                    // A failed end-to-end run fails the step as a benchmark that cannot run
                    // does; its figures stay in the report.
                    reasons.extend(end_to_end::failures(&performance.end_to_end));
                    Some(performance)
                }
                Err(e) => {
                    reasons.push(format!("the benchmarks could not run: {e:#}"));
                    None
                }
            }
        }
        None => {
            eprintln!("==> 3/4 benchmarks skipped (--bench-profile none)");
            None
        }
    };

    eprintln!("==> 4/4 report");
    let bad_files: Vec<String> = check
        .files
        .iter()
        .filter(|f| f.status != FileStatus::Ok)
        .map(|f| f.detail.clone())
        .collect();
    reasons.extend(bad_files);
    let mut run = match run {
        Some(run) => run,
        None => {
            reasons.push(format!(
                "the conformance run produced no results (cargo exited with {status}); see the build output above"
            ));
            SuiteRun {
                suites: suites.clone(),
                ..Default::default()
            }
        }
    };
    reasons.extend(verdict_reasons(&run));
    if let Some(performance) = &performance {
        run.claims.extend(performance.claims.iter().cloned());
    }
    if !status.success() && reasons.is_empty() {
        reasons.push(format!("the conformance run exited with {status}"));
    }
    let report = Report {
        schema: 1,
        generated_at: rfc3339(now),
        command: command_line("verify", args),
        verdict: Verdict {
            ok: reasons.is_empty(),
            reasons,
        },
        environment: environment::collect(&root),
        vectors: check,
        run,
        performance,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    };
    report::write_all(&report, &out)?;
    point_latest(&root, &out);
    print_summary(&report, &out);
    Ok(if report.verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The command as typed, for the report.
fn command_line(command: &str, args: &[String]) -> String {
    std::iter::once(format!("cargo xtask {command}"))
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `--out DIR` against the working directory (absolute, because cargo runs the suites from
/// the package folder), or `reports/<default_folder>`.
fn out_dir(flags: &Flags, root: &Path, default_folder: String) -> Result<PathBuf> {
    let out = match flags.one("out") {
        Some(dir) => std::env::current_dir()
            .context("reading the working directory")?
            .join(dir),
        None => root.join("reports").join(default_folder),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    Ok(out)
}

/// Cargo's target directory (criterion's output and the benchmark baselines live under it).
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        }
        None => root.join("target"),
    }
}

/// `cargo xtask bench`: the full benchmark profile, written as bench.json and bench.md.
fn bench_command(args: &[String]) -> Result<ExitCode> {
    let started = Instant::now();
    let flags = Flags::parse(args, &["profile", "save-baseline", "baseline", "out"])?;
    let profile = match flags.one("profile").as_deref() {
        None | Some("full") => bench::Profile::Full,
        Some("quick") => bench::Profile::Quick,
        Some(other) => bail!("--profile takes quick or full (got {other:?})"),
    };
    let root = workspace_root();
    let now = utc_now();
    let out = out_dir(&flags, &root, format!("bench-{}", timestamp_folder(now)))?;
    let manifest = Manifest::pinned()?;
    let vectors_root = vectors::resolve_root(&manifest)?;
    let options = bench::RunOptions {
        profile,
        failing_providers: None,
        save_baseline: flags.one("save-baseline"),
        baseline: flags.one("baseline"),
    };
    eprintln!(
        "==> benchmarks ({}; a cold build takes several minutes)",
        profile.describe()
    );
    let performance = bench::run(&root, &target_dir(&root), &vectors_root, &options)?;
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
    std::fs::write(&markdown, report::render_performance_markdown(&report))
        .with_context(|| format!("writing {}", markdown.display()))?;
    if let Some(performance) = &report.performance {
        report::write_plots(performance, &out)?;
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

/// Why a suite run is not green, one line per cause.
fn verdict_reasons(run: &SuiteRun) -> Vec<String> {
    let mut reasons = Vec::new();
    for error in &run.errors {
        reasons.push(format!(
            "suite {} could not run: {}",
            error.suite, error.error
        ));
    }
    for set in &run.sets {
        if let Some(error) = &set.error {
            reasons.push(format!(
                "{} {} ({}): {error}",
                set.suite, set.set, set.provider
            ));
        }
        if set.counts.fail > 0 {
            reasons.push(format!(
                "{} {} ({}): {} failed cases",
                set.suite, set.set, set.provider, set.counts.fail
            ));
        }
    }
    for suite in &run.suites {
        if !run.sets.iter().any(|s| &s.suite == suite) {
            reasons.push(format!("suite {suite} produced no results"));
        }
    }
    reasons
}

fn point_latest(root: &Path, out: &Path) {
    let latest = root.join("reports").join("latest");
    let _ = std::fs::remove_file(&latest);
    let _ = std::fs::remove_dir_all(&latest);
    let target = match out.parent() {
        Some(parent) if parent == root.join("reports") => out
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_else(|| out.to_path_buf()),
        _ => std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf()),
    };
    #[cfg(unix)]
    if let Err(e) = std::os::unix::fs::symlink(&target, &latest) {
        eprintln!(
            "warning: cannot point {} at {}: {e}",
            latest.display(),
            target.display()
        );
    }
}

fn print_summary(report: &Report, out: &Path) {
    let totals = report.run.totals();
    let unsupported_pct = if totals.total() == 0 {
        0.0
    } else {
        100.0 * totals.unsupported as f64 / totals.total() as f64
    };
    eprintln!(
        "{} cases in {} sets: {} pass, {} fail, {} unsupported ({unsupported_pct:.2}%); {} claims checked",
        totals.total(),
        report.run.sets.len(),
        totals.pass,
        totals.fail,
        totals.unsupported,
        report.run.claims.len()
    );
    let fails: Vec<_> = report
        .run
        .sets
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .filter(|(_, c)| c.outcome == Outcome::Fail)
        .take(10)
        .collect();
    for (set, case) in fails {
        eprintln!(
            "  FAIL {} {} ({}) {}: {}",
            set.suite, set.set, set.provider, case.id, case.detail
        );
    }
    if report.verdict.ok {
        eprintln!("verdict: PASS");
    } else {
        eprintln!("verdict: FAIL");
        for reason in &report.verdict.reasons {
            eprintln!("  - {reason}");
        }
    }
    eprintln!("report: {}", out.join("index.html").display());
}

fn test(args: &[String]) -> Result<ExitCode> {
    let manifest = Manifest::pinned()?;
    let vectors_root = vectors::resolve_root(&manifest)?;
    let root = workspace_root();
    let status = Command::new(cargo())
        .current_dir(&root)
        .args(["test", "--workspace", "--release"])
        .args(args)
        .env(VECTORS_ENV, &vectors_root)
        .envs(broker::test_env(&root))
        .status()
        .context("running cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn rerender(args: &[String]) -> Result<ExitCode> {
    let flags = Flags::parse(args, &["from", "out"])?;
    let from = PathBuf::from(flags.one("from").context("--from DIR is required")?);
    let out = flags
        .one("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| from.clone());
    let path = from.join("results.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let report: Report =
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?;
    std::fs::create_dir_all(&out)?;
    report::write_all(&report, &out)?;
    eprintln!("report: {}", out.join("index.html").display());
    Ok(ExitCode::SUCCESS)
}

fn vectors_command(args: &[String]) -> Result<ExitCode> {
    let manifest = Manifest::pinned()?;
    match args.split_first() {
        Some((cmd, rest)) if cmd == "check" => {
            let flags = Flags::parse(rest, &["dir"])?;
            let dir = match flags.one("dir") {
                Some(dir) => PathBuf::from(dir),
                None => vector_root().context("give --dir DIR or set SONET_VECTORS")?,
            };
            let check = vectors::check(&manifest, &dir);
            Ok(if vectors::print_check(&check) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some((cmd, rest)) if cmd == "fetch" => {
            let flags = Flags::parse(rest, &["dest", "base-url"])?;
            let dest = PathBuf::from(flags.one("dest").context("--dest DIR is required")?);
            let base = flags.one("base-url").unwrap_or_else(vectors::base_url);
            let fetched = vectors::fetch(&manifest, &dest, &base, true)?;
            eprintln!("vectors: fetched {fetched} files into {}", dest.display());
            let check = vectors::check(&manifest, &dest);
            Ok(if vectors::print_check(&check) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some((cmd, rest)) if cmd == "generate" => {
            Flags::parse(rest, &[])?;
            let dir = workspace_root().join("vectors").join("sonet");
            let status = Command::new(cargo())
                .current_dir(workspace_root())
                .args([
                    "run",
                    "--release",
                    "-p",
                    "sonet-suites",
                    "--bin",
                    "sonet-suites",
                    "--",
                ])
                .arg("generate")
                .arg("--out")
                .arg(&dir)
                .status()
                .context("running the KAT generator")?;
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => {
            eprintln!(
                "error: expected `vectors check`, `vectors fetch` or `vectors generate`\n\n{HELP}"
            );
            Ok(ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonet_suites::results::{Case, SetResult};

    #[test]
    fn flags_accept_repeats_and_inline_values() {
        let args: Vec<String> = ["--suite", "fips203", "--suite=fips204", "--out", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let flags = Flags::parse(&args, &["suite", "out"]).unwrap();
        assert_eq!(flags.all("suite"), vec!["fips203", "fips204"]);
        assert_eq!(flags.one("out").as_deref(), Some("x"));
        assert!(Flags::parse(&["--bogus".to_string()], &["suite"]).is_err());
        assert!(Flags::parse(&["--suite".to_string()], &["suite"]).is_err());
    }

    #[test]
    fn a_failed_case_or_a_silent_suite_makes_the_verdict_fail() {
        let mut set = SetResult::new("fips203", "s", "p");
        set.push(Case {
            id: "1".into(),
            params: String::new(),
            kind: String::new(),
            outcome: Outcome::Fail,
            detail: "x".into(),
        });
        let run = SuiteRun {
            suites: vec!["fips203".into(), "fips204".into()],
            sets: vec![set],
            ..Default::default()
        };
        let reasons = verdict_reasons(&run);
        assert!(
            reasons.iter().any(|r| r.contains("1 failed cases")),
            "{reasons:?}"
        );
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("suite fips204 produced no results")),
            "{reasons:?}"
        );
    }

    #[test]
    fn timestamp_folders_sort_chronologically() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert_eq!(timestamp_folder(t), "20270115T080000Z");
    }
}
