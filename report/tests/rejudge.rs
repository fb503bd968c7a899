//! Re-judges a written report: the claims and the performance analysis computed again from the
//! evidence a `results.json` carries must equal what it holds. Set `SONET_REPORT_REJUDGE` to a
//! report folder (or its `results.json`) to run it, e.g. after a change to the claims or the
//! analysis against a report the previous code wrote; without it the test says SKIPPED.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use sonet_report::analysis::{analyse, Context};
use sonet_report::claims::{judge, Evidence};
use sonet_report::model::{Claim, Report};

const REPORT_ENV: &str = "SONET_REPORT_REJUDGE";

fn read_report() -> Option<Report> {
    let Some(path) = std::env::var_os(REPORT_ENV).map(PathBuf::from) else {
        eprintln!("SKIPPED: set {REPORT_ENV} to a report folder to re-judge its results.json");
        return None;
    };
    let path = if path.is_dir() {
        path.join("results.json")
    } else {
        path
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Where two claim lists first differ, with both sides.
fn assert_same_claims(judged: &[Claim], written: &[Claim], what: &str) {
    for (i, (a, b)) in judged.iter().zip(written).enumerate() {
        assert_eq!(a, b, "{what}: claim {i} differs");
    }
    assert_eq!(judged.len(), written.len(), "{what}: number of claims");
}

/// `a` equals `b` but for the last bits of numbers: serde_json reads a float back to within
/// one unit in the last place, so ratios recomputed from what results.json holds may differ
/// there.
fn assert_close(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            let close = x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs());
            assert!(close, "{at}: {x} != {y}");
        }
        (Value::Array(xs), Value::Array(ys)) => {
            assert_eq!(xs.len(), ys.len(), "{at}: lengths");
            for (i, (x, y)) in xs.iter().zip(ys).enumerate() {
                assert_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(xs), Value::Object(ys)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(xs), keys(ys), "{at}: fields");
            for (key, x) in xs {
                assert_close(x, &ys[key], &format!("{at}.{key}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn the_claims_of_a_report_are_judged_again_the_same() {
    let Some(report) = read_report() else {
        return;
    };
    let performance_claims = report.performance.as_ref().map_or(0, |p| p.claims.len());
    let conformance_claims = report.run.claims.len() - performance_claims;
    if let Some(library) = &report.run.evidence {
        let judged = judge(&Evidence {
            sets: &report.run.sets,
            library: Some(library),
            performance: None,
        });
        assert_same_claims(
            &judged,
            &report.run.claims[..conformance_claims],
            "sections 1-5",
        );
        eprintln!(
            "sections 1-5: {} claims judged again the same",
            judged.len()
        );
    } else {
        eprintln!("sections 1-5 not re-judged: this results.json carries no claims evidence");
    }
    if let Some(performance) = &report.performance {
        let judged = judge(&Evidence {
            performance: Some(performance),
            ..Evidence::default()
        });
        assert_same_claims(&judged, &performance.claims, "performance");
        assert_same_claims(
            &judged,
            &report.run.claims[conformance_claims..],
            "performance in the run",
        );
        eprintln!("performance: {} claims judged again the same", judged.len());
    }
}

#[test]
fn the_performance_analysis_of_a_report_is_computed_again_the_same() {
    let Some(report) = read_report() else {
        return;
    };
    let Some(written) = &report.performance else {
        eprintln!("SKIPPED: the report has no performance section");
        return;
    };
    if written.baseline.is_some() {
        eprintln!("SKIPPED: the report compares with a saved baseline, which it does not hold");
        return;
    }
    // The default providers as the benchmarks recorded them, read back from the checks.
    let defaults: BTreeMap<String, String> = written
        .defaults
        .iter()
        .map(|d| {
            let algorithm = d
                .group
                .rsplit_once('/')
                .map_or(d.group.as_str(), |(a, _)| a);
            (algorithm.to_owned(), d.default.clone())
        })
        .collect();
    // As `cargo xtask verify` passes them: providers with a failed case or a set error.
    let failing: Vec<String> = report
        .run
        .sets
        .iter()
        .filter(|s| s.counts.fail > 0 || s.error.is_some())
        .map(|s| s.provider.clone())
        .collect();
    let suites_ran = written.defaults.iter().any(|d| d.passes_suites.is_some());
    let analysed = analyse(
        &written.profile,
        written.profile_description.clone(),
        written.measurements.clone(),
        &Context {
            defaults: &defaults,
            failing_providers: suites_ran.then_some(failing.as_slice()),
            end_to_end: &written.end_to_end,
            ..Context::default()
        },
    );
    let analysed = serde_json::to_value(&analysed).expect("a performance section serialises");
    let written = serde_json::to_value(written).expect("a performance section serialises");
    assert_close(&analysed, &written, "performance");
    eprintln!("performance: every measurement analysed again the same");
}
