//! Every conformance vector set as one `cargo test` trial (libtest-mimic), so a failure names
//! its suite, vector set and provider.
//!
//! `cargo xtask verify` runs this same binary with `SONET_RESULTS_OUT` set, which makes it
//! write the per-case results (plus the design-document claims and the evidence they are judged
//! from) as JSON, and with `SONET_SUITES=fips203,fips204` to choose suites.

mod conformance {
    pub mod interop;
    pub mod service;
}

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use sonet_report::model::{SetResult, SuiteError, SuiteRun};
use sonet_suites::claims::check_claims;
use sonet_suites::kats;
use sonet_suites::runner::Job;
use sonet_suites::vectors::VectorStore;
use sonet_testkit::peers::libcrux;

fn selected_suites() -> Vec<String> {
    std::env::var("SONET_SUITES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn failure_summary(result: &SetResult) -> String {
    let mut lines = Vec::new();
    if let Some(error) = &result.error {
        lines.push(format!("set error: {error}"));
    }
    let failed: Vec<_> = result
        .cases
        .iter()
        .filter(|c| c.outcome == sonet_report::model::Outcome::Fail)
        .collect();
    for case in failed.iter().take(5) {
        lines.push(format!(
            "{} [{} {}]: {}",
            case.id, case.params, case.kind, case.detail
        ));
    }
    if failed.len() > 5 {
        lines.push(format!("… and {} more failed cases", failed.len() - 5));
    }
    lines.join("\n")
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let results_out = std::env::var_os("SONET_RESULTS_OUT");
    let verbose = results_out.is_some();
    let names = selected_suites();

    // `interop` lives here because its peer, mls-rs, is a dev-dependency: the product never
    // links it. `service` starts servers, brokers and clients: test-harness work too.
    let mut all = sonet_suites::all();
    all.push(conformance::interop::SUITE);
    all.push(conformance::service::SUITE);
    let mut run = SuiteRun::default();
    for name in &names {
        if !all.iter().any(|s| s.name == name) {
            run.errors.push(SuiteError {
                suite: name.clone(),
                error: format!(
                    "no such suite (known: {})",
                    all.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    let mut jobs: Vec<Job> = Vec::new();
    for suite in &all {
        if names.is_empty() || names.iter().any(|n| n == suite.name) {
            run.suites.push(suite.name.to_owned());
            jobs.extend((suite.jobs)());
            if suite.name == kats::SUITE.name {
                // libcrux is a dev-dependency only: the product never links it.
                jobs.extend(kats::jobs_for(vec![&libcrux::PROVIDER]));
            }
        }
    }

    let store = match VectorStore::from_env() {
        Ok(store) => Arc::new(store),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let collected: Arc<Mutex<Vec<(usize, SetResult)>>> = Arc::default();
    let total = jobs.len();
    let trials: Vec<Trial> = jobs
        .into_iter()
        .enumerate()
        .map(|(index, job)| {
            let store = Arc::clone(&store);
            let collected = Arc::clone(&collected);
            let kind = job.suite;
            Trial::test(job.name(), move || {
                let result = job.run(&store);
                if verbose {
                    let c = &result.counts;
                    eprintln!(
                        "[{}/{total}] {} {} ({}): {} pass, {} fail, {} unsupported{} in {} ms",
                        index + 1,
                        result.suite,
                        result.set,
                        result.provider,
                        c.pass,
                        c.fail,
                        c.unsupported,
                        result
                            .error
                            .as_deref()
                            .map(|e| format!(", ERROR {e}"))
                            .unwrap_or_default(),
                        result.elapsed_ms
                    );
                }
                let outcome = if result.is_ok() {
                    Ok(())
                } else {
                    Err(Failed::from(failure_summary(&result)))
                };
                if let Ok(mut all) = collected.lock() {
                    all.push((index, result));
                }
                outcome
            })
            .with_kind(kind)
        })
        .collect();

    let conclusion = libtest_mimic::run(&args, trials);

    if let Some(path) = results_out {
        let mut sets = match collected.lock() {
            Ok(mut sets) => std::mem::take(&mut *sets),
            Err(_) => Vec::new(),
        };
        sets.sort_by_key(|(index, _)| *index);
        run.sets = sets.into_iter().map(|(_, set)| set).collect();
        let (evidence, claims) = check_claims(&run.sets);
        run.claims = claims;
        run.evidence = Some(evidence);
        let json = match serde_json::to_string_pretty(&run) {
            Ok(json) => json,
            Err(e) => {
                eprintln!("error: cannot serialise results: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(&path, json) {
            eprintln!("error: cannot write {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    }
    if !run.errors.is_empty() {
        for error in &run.errors {
            eprintln!("error: suite {}: {}", error.suite, error.error);
        }
        return ExitCode::FAILURE;
    }
    conclusion.exit_code()
}
