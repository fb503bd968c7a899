//! The design document's claims, every one judged here: from the suites' results, from what the
//! suites measured of the `sonet` library ([`ClaimEvidence`]), and from the benchmarks.
//!
//! One module per section of the design document. A claim keeps the document's sentence, what
//! it claims, what was measured, and a verdict with its reason; thresholds and texts live only
//! here, so the conformance run and `cargo xtask` cannot judge a claim differently.

mod grpc;
mod hybrid;
mod kafka;
mod mls;
mod performance;
mod pqc;
mod service;

pub use mls::DIFFERENTIAL_SET;
pub use pqc::size_requests;

use crate::model::{Claim, ClaimEvidence, Counts, Performance, SetResult, Verdict};

/// What the claims are judged from. Each section is judged only when its evidence is here.
#[derive(Clone, Copy, Default)]
pub struct Evidence<'a> {
    /// The suites' results: sections 1, 4 and 5 read their case counts.
    pub sets: &'a [SetResult],
    /// What the suites measured of the library; with it sections 1 to 5 are judged (a suite
    /// that did not run leaves its claims not verified, saying how to run it).
    pub library: Option<&'a ClaimEvidence>,
    /// The benchmarks and the end-to-end runs; with them the performance characteristics are
    /// judged.
    pub performance: Option<&'a Performance>,
}

/// Every claim the evidence allows, in the order results.json has always listed them: sections
/// 2, 3 and 1 (the engine's own claims, then those read from the suites' results), 4, 5, then
/// the performance characteristics (which `cargo xtask verify` adds after the benchmarks).
pub fn judge(evidence: &Evidence<'_>) -> Vec<Claim> {
    let mut claims = Vec::new();
    if let Some(library) = evidence.library {
        claims.extend(pqc::judge(library));
        claims.extend(hybrid::judge(library));
        claims.extend(mls::judge(library, evidence.sets));
        claims.extend(grpc::judge(evidence.sets));
        claims.extend(kafka::judge(evidence.sets));
    }
    if let Some(performance) = evidence.performance {
        claims.extend(performance::judge(performance));
    }
    claims
}

/// A claim of `section` from its measurement: a verdict, what was measured and how, or why
/// the measurement failed (then not verified).
fn judged(
    section: &str,
    id: &str,
    quote: &str,
    claimed: &str,
    outcome: Result<(Verdict, String, String), String>,
) -> Claim {
    let (verdict, measured, reason) = match outcome {
        Ok(found) => found,
        Err(error) => (Verdict::NotVerified, "measurement failed".to_owned(), error),
    };
    Claim {
        id: id.to_owned(),
        quote: quote.to_owned(),
        section: section.to_owned(),
        claimed: claimed.to_owned(),
        measured,
        verdict,
        reason,
    }
}

/// Cases of the given (suite, set) pairs, summed; `None` if none of those sets ran.
fn counts_of(sets: &[SetResult], wanted: &[(&str, &str)]) -> Option<(Counts, Vec<String>)> {
    let mut counts = Counts::default();
    let mut names = Vec::new();
    for set in sets {
        if wanted
            .iter()
            .any(|(suite, name)| set.suite == *suite && (name.is_empty() || set.set == *name))
        {
            counts.add(&set.counts);
            names.push(format!("{}:{} ({})", set.suite, set.set, set.provider));
        }
    }
    (!names.is_empty()).then_some((counts, names))
}

/// Confirmed when something passed and nothing failed.
fn all_passed(counts: &Counts) -> Verdict {
    if counts.fail == 0 && counts.pass > 0 {
        Verdict::Confirmed
    } else {
        Verdict::Refuted
    }
}

/// "3 pass, 0 fail, 1 unsupported".
fn triple(counts: &Counts) -> String {
    format!(
        "{} pass, {} fail, {} unsupported",
        counts.pass, counts.fail, counts.unsupported
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{add_performance, library_evidence, sample_report};

    /// The sections of `claims` in order, each with how many claims in a row it has.
    fn sections(claims: &[Claim]) -> Vec<(&str, usize)> {
        let mut runs: Vec<(&str, usize)> = Vec::new();
        for claim in claims {
            match runs.last_mut() {
                Some((section, count)) if *section == claim.section => *count += 1,
                _ => runs.push((&claim.section, 1)),
            }
        }
        runs
    }

    #[test]
    fn every_section_is_judged_in_the_order_results_json_lists_them() {
        let library = library_evidence();
        let mut report = sample_report();
        add_performance(&mut report);
        let claims = judge(&Evidence {
            sets: &report.run.sets,
            library: Some(&library),
            performance: report.performance.as_ref(),
        });
        assert_eq!(
            sections(&claims),
            [
                ("2. NIST PQC Algorithm Integration", 18),
                ("3. Hybrid Encryption System", 6),
                ("1. Full MLS (RFC 9420) Protocol Implementation", 7),
                ("4. Complete gRPC Server Implementation", 9),
                ("5. Kafka Integration (No More Placeholders)", 8),
                ("Performance Characteristics", 6),
            ]
        );
        let mut ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 54);
    }

    #[test]
    fn only_the_sections_with_evidence_are_judged() {
        assert!(judge(&Evidence::default()).is_empty());
        let library = library_evidence();
        let conformance = judge(&Evidence {
            library: Some(&library),
            ..Evidence::default()
        });
        assert_eq!(conformance.len(), 48);
        let mut report = sample_report();
        add_performance(&mut report);
        let performance = judge(&Evidence {
            performance: report.performance.as_ref(),
            ..Evidence::default()
        });
        assert_eq!(sections(&performance), [("Performance Characteristics", 6)]);
        // The analysis judged the same claims when it built the performance section.
        assert_eq!(
            Some(&performance),
            report.performance.as_ref().map(|p| &p.claims)
        );
    }
}
