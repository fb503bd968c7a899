//! The performance analysis: criterion's measurements turned into ratios to the fastest peer,
//! the default-provider checks, the hybrid overhead and the changes against a saved baseline.
//!
//! Benchmark ids follow `bench/`'s scheme: group `<area>/<algorithm>/<operation>`, function =
//! implementation (`sonet/<provider>` for Sonet's own), parameter = input size in bytes where
//! the group has one.

use std::collections::{BTreeMap, BTreeSet};

use crate::claims::{self, Evidence};
use crate::model::{
    BaselineChange, Comparison, DefaultCheck, EndToEndRun, HybridRow, Measurement, Performance,
    HYBRID_OVERHEAD_LIMIT,
};

/// Below this ratio to the fastest peer a default is flagged (the 0.9×).
pub const DEFAULT_RATIO_FLOOR: f64 = 0.9;
/// A default within this factor of the fastest Sonet provider counts as the fastest: closer
/// than that is measurement noise in the quick profile.
const SAME_SPEED: f64 = 1.05;

/// The implementation label prefix of Sonet's own providers.
pub const SONET_PREFIX: &str = "sonet/";
/// The two sides of the hybrid comparison (`bench/benches/hybrid.rs`).
pub const ENVELOPE: &str = "envelope/X-Wing+AES-256-GCM";
/// The classical side: HPKE base mode with DHKEM(X25519), HKDF-SHA256 and AES-256-GCM.
pub const CLASSICAL: &str = "hpke/X25519+AES-256-GCM";

/// What the analysis needs besides the measurements.
pub struct Context<'a> {
    /// A saved baseline to compare with: its name and its measurements.
    pub baseline: Option<(&'a str, &'a [Measurement])>,
    /// `aead/AES-256-GCM` → `sonet/aws-lc`.
    pub defaults: &'a BTreeMap<String, String>,
    /// The Sonet providers (without `sonet/`) with a failed case or a set error in this run;
    /// `None` when the suites did not run (`cargo xtask bench`).
    pub failing_providers: Option<&'a [String]>,
    /// The end-to-end service benchmark's runs (`sonet loadgen`).
    pub end_to_end: &'a [EndToEndRun],
}

impl Default for Context<'_> {
    fn default() -> Self {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        Self {
            baseline: None,
            defaults: &NONE,
            failing_providers: None,
            end_to_end: &[],
        }
    }
}

/// Why a peer can be faster than Sonet's default without that default being wrong.
fn peer_note(peer: &str) -> String {
    match peer {
        "libcrux" => "libcrux is linked only as a test oracle and benchmark peer (a 0.0.x \
                      pre-release), not shipped as a Sonet provider; the default is the fastest \
                      provider Sonet ships"
            .to_owned(),
        other => format!(
            "{other} is a benchmark peer only, not shipped as a Sonet provider; the default is \
             the fastest provider Sonet ships"
        ),
    }
}

fn default_checks(
    by_case: &BTreeMap<(String, Option<String>), Vec<&Measurement>>,
    context: &Context<'_>,
) -> Vec<DefaultCheck> {
    let mut checks = Vec::new();
    for ((group, parameter), list) in by_case {
        // `kem/ML-KEM-768/encaps` → `kem/ML-KEM-768`.
        let algorithm = group.rsplit_once('/').map_or(group.as_str(), |(a, _)| a);
        let Some(default) = context.defaults.get(algorithm) else {
            continue;
        };
        let Some(ours) = list.iter().find(|m| &m.implementation == default) else {
            continue;
        };
        let fastest = |sonet: bool| {
            list.iter()
                .filter(|m| m.implementation.starts_with(SONET_PREFIX) == sonet)
                .min_by(|a, b| a.per_item_ns().total_cmp(&b.per_item_ns()))
        };
        let Some(fastest_sonet) = fastest(true) else {
            continue;
        };
        let peer = fastest(false);
        let ratio = peer.map(|p| p.per_item_ns() / ours.per_item_ns());
        let provider = default.trim_start_matches(SONET_PREFIX);
        let passes_suites = context
            .failing_providers
            .map(|failing| !failing.iter().any(|f| f == provider));
        let (ok, note) = if passes_suites == Some(false) {
            (
                false,
                format!("{default} failed conformance cases in this run"),
            )
        } else if ours.per_item_ns() > SAME_SPEED * fastest_sonet.per_item_ns() {
            (
                false,
                format!(
                    "{} is {:.2}× faster than the default here",
                    fastest_sonet.implementation,
                    ours.per_item_ns() / fastest_sonet.per_item_ns()
                ),
            )
        } else {
            match (peer, ratio) {
                (Some(p), Some(r)) if r < DEFAULT_RATIO_FLOOR => (
                    false,
                    format!(
                        "below {DEFAULT_RATIO_FLOOR}× of {}: {}",
                        p.implementation,
                        peer_note(&p.implementation)
                    ),
                ),
                (Some(_), Some(_)) => (
                    true,
                    format!("fastest Sonet provider, within {DEFAULT_RATIO_FLOOR}× of every peer"),
                ),
                _ => (
                    true,
                    "fastest Sonet provider; no peer implements it".to_owned(),
                ),
            }
        };
        checks.push(DefaultCheck {
            group: group.clone(),
            parameter: parameter.clone(),
            default: default.clone(),
            default_ns: ours.per_item_ns(),
            fastest_sonet: fastest_sonet.implementation.clone(),
            fastest_sonet_ns: fastest_sonet.per_item_ns(),
            peer: peer.map(|p| p.implementation.clone()),
            peer_ns: peer.map(|p| p.per_item_ns()),
            ratio,
            passes_suites,
            ok,
            note,
        });
    }
    checks.sort_by_cached_key(|c| case_key(&c.group, c.parameter.as_deref()));
    checks
}

/// The order of benchmark cases: by group, then by parameter with numbers compared as numbers
/// (64 B before 1 KiB, 10 members before 100).
pub fn case_key(group: &str, parameter: Option<&str>) -> (String, Vec<(String, u64)>) {
    (group.to_owned(), natural_key(parameter.unwrap_or("")))
}

/// Ratios, the hybrid overhead and the baseline changes, from the raw measurements.
pub fn analyse(
    profile: &str,
    profile_description: String,
    measurements: Vec<Measurement>,
    context: &Context<'_>,
) -> Performance {
    let baseline = context.baseline;
    // (group, parameter) → measurements.
    let mut by_case: BTreeMap<(String, Option<String>), Vec<&Measurement>> = BTreeMap::new();
    for m in &measurements {
        by_case
            .entry((m.group.clone(), m.parameter.clone()))
            .or_default()
            .push(m);
    }
    let mut comparisons = Vec::new();
    for ((group, parameter), list) in &by_case {
        // The hybrid groups compare two constructions, not implementations.
        if group.starts_with("hybrid/") {
            continue;
        }
        let fastest_peer = list
            .iter()
            .filter(|m| !m.implementation.starts_with(SONET_PREFIX))
            .min_by(|a, b| a.per_item_ns().total_cmp(&b.per_item_ns()));
        let Some(peer) = fastest_peer else {
            continue;
        };
        for ours in list
            .iter()
            .filter(|m| m.implementation.starts_with(SONET_PREFIX))
        {
            comparisons.push(Comparison {
                group: group.clone(),
                parameter: parameter.clone(),
                implementation: ours.implementation.clone(),
                ours_ns: ours.per_item_ns(),
                peer: peer.implementation.clone(),
                peer_ns: peer.per_item_ns(),
                ratio: peer.per_item_ns() / ours.per_item_ns(),
            });
        }
    }

    comparisons.sort_by_cached_key(|c| {
        (
            case_key(&c.group, c.parameter.as_deref()),
            c.implementation.clone(),
        )
    });

    let mut hybrid = Vec::new();
    for operation in ["seal", "open"] {
        let group = format!("hybrid/{operation}");
        for ((g, parameter), list) in &by_case {
            if *g != group {
                continue;
            }
            let find = |name: &str| list.iter().find(|m| m.implementation == name);
            if let (Some(envelope), Some(classical), Some(size)) = (
                find(ENVELOPE),
                find(CLASSICAL),
                parameter.as_deref().and_then(|p| p.parse::<u64>().ok()),
            ) {
                hybrid.push(HybridRow {
                    operation: operation.to_owned(),
                    size,
                    envelope_ns: envelope.mean_ns,
                    classical_ns: classical.mean_ns,
                    overhead: envelope.mean_ns / classical.mean_ns - 1.0,
                });
            }
        }
    }
    hybrid.sort_by(|a, b| (&a.operation, a.size).cmp(&(&b.operation, b.size)));
    let hybrid_threshold = hybrid_threshold(&hybrid);

    let baseline_changes = baseline.map(|(name, saved)| {
        let mut changes = Vec::new();
        for m in &measurements {
            if let Some(before) = saved.iter().find(|s| {
                s.group == m.group
                    && s.implementation == m.implementation
                    && s.parameter == m.parameter
            }) {
                changes.push(BaselineChange {
                    group: m.group.clone(),
                    implementation: m.implementation.clone(),
                    parameter: m.parameter.clone(),
                    before_ns: before.mean_ns,
                    after_ns: m.mean_ns,
                    change: m.mean_ns / before.mean_ns - 1.0,
                });
            }
        }
        (name.to_owned(), changes)
    });

    let areas: BTreeSet<&str> = measurements.iter().map(|m| m.area()).collect();
    let missing = ["aead", "kem", "sig", "hybrid", "mls"]
        .into_iter()
        .filter(|a| !areas.contains(a))
        .map(|a| format!("no {a} benchmark produced a result"))
        .collect();

    let defaults = default_checks(&by_case, context);

    let mut performance = Performance {
        defaults,
        claims: Vec::new(),
        profile: profile.to_owned(),
        profile_description,
        measurements,
        comparisons,
        hybrid,
        hybrid_threshold,
        baseline: baseline_changes.as_ref().map(|(n, _)| n.clone()),
        baseline_changes: baseline_changes.map(|(_, c)| c).unwrap_or_default(),
        missing,
        end_to_end: context.end_to_end.to_vec(),
    };
    performance.claims = claims::judge(&Evidence {
        performance: Some(&performance),
        ..Evidence::default()
    });
    performance
}

/// The smallest measured size from which on every measured larger size keeps the hybrid
/// overhead of both seal and open below [`HYBRID_OVERHEAD_LIMIT`].
fn hybrid_threshold(rows: &[HybridRow]) -> Option<u64> {
    let sizes: BTreeSet<u64> = rows.iter().map(|r| r.size).collect();
    let below = |size: u64| {
        let at: Vec<&HybridRow> = rows.iter().filter(|r| r.size == size).collect();
        at.len() == 2 && at.iter().all(|r| r.overhead < HYBRID_OVERHEAD_LIMIT)
    };
    let mut threshold = None;
    for &size in sizes.iter().rev() {
        if below(size) {
            threshold = Some(size);
        } else {
            break;
        }
    }
    threshold
}

/// Orders "ML-KEM-512" before "ML-KEM-1024": text runs compare as text, digit runs as numbers.
pub fn natural_key(text: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut letters = String::new();
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            if !digits.is_empty() {
                key.push((
                    std::mem::take(&mut letters),
                    digits.parse().unwrap_or(u64::MAX),
                ));
                digits.clear();
            }
            letters.push(c);
        }
    }
    key.push((letters, digits.parse().unwrap_or(0)));
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(group: &str, implementation: &str, parameter: Option<&str>, ns: f64) -> Measurement {
        Measurement {
            group: group.into(),
            implementation: implementation.into(),
            parameter: parameter.map(str::to_owned),
            mean_ns: ns,
            lower_ns: ns * 0.9,
            upper_ns: ns * 1.1,
            bytes: None,
            elements: None,
        }
    }

    #[test]
    fn ratios_compare_each_sonet_provider_with_the_fastest_peer() {
        let perf = analyse(
            "quick",
            String::new(),
            vec![
                m("kem/ML-KEM-768/keygen", "sonet/rustcrypto", None, 80_000.0),
                m("kem/ML-KEM-768/keygen", "sonet/aws-lc", None, 16_000.0),
                m("kem/ML-KEM-768/keygen", "libcrux", None, 20_000.0),
                m("kem/ML-KEM-768/keygen", "slowpeer", None, 90_000.0),
                // No peer: no comparison.
                m("sig/FN-DSA-512/sign", "sonet/rustcrypto", None, 1.0),
            ],
            &Context::default(),
        );
        assert_eq!(perf.comparisons.len(), 2);
        let aws = perf
            .comparisons
            .iter()
            .find(|c| c.implementation == "sonet/aws-lc")
            .unwrap();
        assert_eq!(aws.peer, "libcrux");
        assert!((aws.ratio - 1.25).abs() < 1e-9);
        let rc = perf
            .comparisons
            .iter()
            .find(|c| c.implementation == "sonet/rustcrypto")
            .unwrap();
        assert!((rc.ratio - 0.25).abs() < 1e-9);
        assert!(perf.missing.iter().any(|s| s.contains("aead")));
    }

    #[test]
    fn defaults_are_held_against_the_measurements() {
        let defaults: BTreeMap<String, String> = [
            ("kem/ML-KEM-768".to_owned(), "sonet/aws-lc".to_owned()),
            ("sig/ML-DSA-65".to_owned(), "sonet/aws-lc".to_owned()),
            ("aead/AES-256-GCM".to_owned(), "sonet/rustcrypto".to_owned()),
        ]
        .into();
        let measurements = vec![
            // Fastest Sonet provider and within 0.9× of the peer.
            m("kem/ML-KEM-768/keygen", "sonet/aws-lc", None, 21_000.0),
            m("kem/ML-KEM-768/keygen", "sonet/rustcrypto", None, 70_000.0),
            m("kem/ML-KEM-768/keygen", "libcrux", None, 20_000.0),
            // Below 0.9× of libcrux: flagged, with the reason.
            m("sig/ML-DSA-65/sign", "sonet/aws-lc", None, 150_000.0),
            m("sig/ML-DSA-65/sign", "libcrux", None, 118_000.0),
            // A default that is not the fastest Sonet provider.
            m(
                "aead/AES-256-GCM/seal",
                "sonet/rustcrypto",
                Some("16384"),
                8_000.0,
            ),
            m(
                "aead/AES-256-GCM/seal",
                "sonet/aws-lc",
                Some("16384"),
                1_100.0,
            ),
        ];
        let failing = vec!["rustcrypto".to_owned()];
        let perf = analyse(
            "quick",
            String::new(),
            measurements,
            &Context {
                defaults: &defaults,
                failing_providers: Some(&failing),
                ..Context::default()
            },
        );
        let check = |group: &str| perf.defaults.iter().find(|d| d.group == group).unwrap();
        let keygen = check("kem/ML-KEM-768/keygen");
        assert!(keygen.ok, "{}", keygen.note);
        assert_eq!(keygen.passes_suites, Some(true));
        let sign = check("sig/ML-DSA-65/sign");
        assert!(!sign.ok);
        assert!(sign
            .note
            .contains("libcrux is linked only as a test oracle"));
        let seal = check("aead/AES-256-GCM/seal");
        assert!(!seal.ok);
        assert!(seal.note.contains("failed conformance cases"));
    }

    #[test]
    fn analyse_keeps_the_end_to_end_runs() {
        use crate::fixtures::{end_to_end_run, mls_crypto, QUICK};
        let runs = vec![end_to_end_run("embedded", 1, 1209.6, 0)];
        let perf = analyse(
            "quick",
            QUICK.to_owned(),
            mls_crypto(),
            &Context {
                end_to_end: &runs,
                ..Context::default()
            },
        );
        assert_eq!(perf.end_to_end, runs);
        let claim = perf
            .claims
            .iter()
            .find(|c| c.id == "perf-mls-throughput")
            .unwrap();
        assert_eq!(claim.verdict, crate::model::Verdict::Refuted);
        assert_eq!(perf.profile, "quick");
        assert_eq!(perf.profile_description, QUICK);
    }

    #[test]
    fn per_item_time_divides_by_elements() {
        let mut set = m("sig/ML-DSA-65/sign-cctv", "libcrux", None, 1_000_000.0);
        set.elements = Some(200);
        assert!((set.per_item_ns() - 5_000.0).abs() < 1e-9);
    }

    #[test]
    fn hybrid_threshold_is_where_the_overhead_stays_below_five_percent() {
        let mut all = Vec::new();
        for (size, envelope, classical) in [
            (64u64, 200.0, 100.0),
            (1024, 130.0, 100.0),
            (16384, 104.0, 100.0),
            (1048576, 101.0, 100.0),
        ] {
            for op in ["seal", "open"] {
                all.push(m(
                    &format!("hybrid/{op}"),
                    ENVELOPE,
                    Some(&size.to_string()),
                    envelope,
                ));
                all.push(m(
                    &format!("hybrid/{op}"),
                    CLASSICAL,
                    Some(&size.to_string()),
                    classical,
                ));
            }
        }
        let perf = analyse("full", String::new(), all, &Context::default());
        assert_eq!(perf.hybrid.len(), 8);
        assert_eq!(perf.hybrid_threshold, Some(16384));
        let overhead = perf
            .claims
            .iter()
            .find(|c| c.id == "perf-hybrid-overhead")
            .unwrap();
        assert_eq!(overhead.verdict, crate::model::Verdict::Refuted);
        assert!(
            overhead.measured.contains("below 5 % from 16384 B on"),
            "{}",
            overhead.measured
        );
        // Hybrid pairs are not peer comparisons.
        assert!(perf.comparisons.is_empty());
    }

    #[test]
    fn baseline_changes_are_relative() {
        let before = vec![m("aead/AES-256-GCM/seal", "ring", Some("64"), 100.0)];
        let after = vec![m("aead/AES-256-GCM/seal", "ring", Some("64"), 150.0)];
        let perf = analyse(
            "quick",
            String::new(),
            after,
            &Context {
                baseline: Some(("main", &before)),
                ..Context::default()
            },
        );
        assert_eq!(perf.baseline.as_deref(), Some("main"));
        assert_eq!(perf.baseline_changes.len(), 1);
        assert!((perf.baseline_changes[0].change - 0.5).abs() < 1e-9);
    }

    #[test]
    fn numbers_in_names_sort_numerically() {
        let mut names = vec!["ML-KEM-1024", "ML-KEM-768", "ML-KEM-512", "FN-DSA-512"];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            ["FN-DSA-512", "ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"]
        );
    }
}
