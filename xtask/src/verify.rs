//! `cargo xtask verify`: check the vectors, run the conformance suites, run the benchmarks,
//! write the report, and fail if anything in it failed.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use sonet_report::model::report::Verdict;
use sonet_report::model::{FileStatus, Outcome, Report, SuiteRun};
use sonet_testkit::vectors::{Manifest, VECTORS_ENV};

use crate::common::{
    cargo, command_line, out_dir, rfc3339, target_dir, timestamp_folder, utc_now, workspace_root,
    Flags, Profile,
};
use crate::{bench, broker, end_to_end, environment, vectors};

pub fn run(args: &[String]) -> Result<ExitCode> {
    let started = Instant::now();
    let flags = Flags::parse(
        args,
        &["suite", "out", "bench-profile", "baseline", "save-baseline"],
    )?;
    let suites = flags.all("suite");
    let bench_profile = match flags.one("bench-profile").as_deref() {
        None | Some("quick") => Some(Profile::Quick),
        Some("full") => Some(Profile::Full),
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
    sonet_report::render::write_all(&report, &out)?;
    point_latest(&root, &out);
    print_summary(&report, &out);
    Ok(if report.verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use sonet_report::model::{Case, SetResult};

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
}
