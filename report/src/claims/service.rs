//! The service claims of sections 4 ("Complete gRPC Server Implementation") and 5 ("Kafka
//! Integration"): each design-document sentence names the `service` suite's cases that measure
//! it, and its verdict comes from their outcomes, so the claim and the matrix can never
//! disagree. The sentences themselves are in `grpc` and `kafka`.

use crate::model::{Claim, Counts, Outcome, SetResult, Verdict};

use super::{all_passed, triple};

const SERVICE_NOT_RUN: &str = "measured from the service suite's results, which were not run: \
                               cargo xtask verify --suite service";

/// A design-document sentence of sections 4 and 5 and the `service` suite cases that measure it.
pub(super) struct ServiceClaim {
    pub id: &'static str,
    pub section: &'static str,
    pub quote: &'static str,
    pub claimed: &'static str,
    /// The suite's sets (all their cases, or only those of `kinds`).
    pub sets: &'static [&'static str],
    /// Only the cases of this bus (case parameter); `None`: every bus.
    pub bus: Option<&'static str>,
    /// Only cases of these kinds; empty: every kind.
    pub kinds: &'static [&'static str],
    /// What the cases check.
    pub how: &'static str,
}

/// The cases of the `service` suite one claim is judged from.
#[derive(Default)]
struct ServiceMeasure {
    counts: Counts,
    sets: Vec<String>,
    /// `set [bus] id: detail` of the failed cases.
    failed: Vec<String>,
    /// The distinct reasons of the unsupported cases.
    unsupported: Vec<String>,
    /// Sets that could not be checked.
    errors: Vec<String>,
}

/// The cases of `claim`'s sets (and bus and kinds); `None` if none of those sets ran.
fn service_measure(sets: &[SetResult], claim: &ServiceClaim) -> Option<ServiceMeasure> {
    let mut measure = ServiceMeasure::default();
    for set in sets {
        if set.suite != "service" || !claim.sets.contains(&set.set.as_str()) {
            continue;
        }
        if claim.bus.is_some_and(|bus| set.provider != bus) {
            continue;
        }
        measure
            .sets
            .push(format!("{}:{} ({})", set.suite, set.set, set.provider));
        if let Some(error) = &set.error {
            measure
                .errors
                .push(format!("{} ({}): {error}", set.set, set.provider));
        }
        for case in &set.cases {
            if claim.bus.is_some_and(|bus| case.params != bus)
                || (!claim.kinds.is_empty() && !claim.kinds.contains(&case.kind.as_str()))
            {
                continue;
            }
            match case.outcome {
                Outcome::Pass => measure.counts.pass += 1,
                Outcome::Fail => {
                    measure.counts.fail += 1;
                    measure.failed.push(format!(
                        "{} [{}] {}: {}",
                        set.set, case.params, case.id, case.detail
                    ));
                }
                Outcome::Unsupported => {
                    measure.counts.unsupported += 1;
                    if !measure.unsupported.contains(&case.detail) {
                        measure.unsupported.push(case.detail.clone());
                    }
                }
            }
        }
    }
    (!measure.sets.is_empty()).then_some(measure)
}

/// Confirmed when the cases passed, Refuted when one failed, NotVerified when they were all
/// unsupported, a set could not be checked, or the suite did not run.
pub(super) fn service_claim(sets: &[SetResult], claim: &ServiceClaim) -> Claim {
    let (verdict, measured, reason) = match service_measure(sets, claim) {
        None => (
            Verdict::NotVerified,
            "not measured".to_owned(),
            SERVICE_NOT_RUN.to_owned(),
        ),
        Some(m) => {
            let mut measured = triple(&m.counts);
            if let Some(first) = m.failed.first() {
                // The whole detail is in the report's failures; a table cell gets its start.
                const SHOWN: usize = 240;
                let shown: String = first.chars().take(SHOWN).collect();
                let ellipsis = if first.chars().count() > SHOWN {
                    "…"
                } else {
                    ""
                };
                measured.push_str(&format!("; first failure: {shown}{ellipsis}"));
                if m.failed.len() > 1 {
                    measured.push_str(&format!(" (and {} more)", m.failed.len() - 1));
                }
            }
            if !m.unsupported.is_empty() {
                measured.push_str(&format!("; unsupported: {}", m.unsupported.join("; ")));
            }
            let mut reason = format!("{}. Sets: {}", claim.how, m.sets.join(", "));
            let verdict = if m.counts.fail > 0 {
                Verdict::Refuted
            } else if !m.errors.is_empty() {
                reason = format!(
                    "a set could not be checked: {}; {reason}",
                    m.errors.join("; ")
                );
                Verdict::NotVerified
            } else if m.counts.pass == 0 {
                reason = format!(
                    "no case ran: {}; {reason}",
                    if m.unsupported.is_empty() {
                        "the sets hold no matching case".to_owned()
                    } else {
                        m.unsupported.join("; ")
                    }
                );
                Verdict::NotVerified
            } else {
                all_passed(&m.counts)
            };
            (verdict, measured, reason)
        }
    };
    Claim {
        id: claim.id.to_owned(),
        quote: claim.quote.to_owned(),
        section: claim.section.to_owned(),
        claimed: claim.claimed.to_owned(),
        measured,
        verdict,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{grpc, kafka};
    use super::*;
    use crate::fixtures::verdict;
    use crate::model::Case;

    /// Every claim of sections 4 and 5, in order.
    fn service_claims(sets: &[SetResult]) -> Vec<Claim> {
        let mut claims = grpc::judge(sets);
        claims.extend(kafka::judge(sets));
        claims
    }

    /// The sentences of sections 4 and 5.
    fn all_service_claims() -> impl Iterator<Item = &'static ServiceClaim> {
        grpc::CLAIMS.iter().chain(kafka::CLAIMS)
    }

    /// A `service` set run on `bus`, with cases `(kind, outcome)`.
    fn service_set(name: &str, bus: &str, cases: &[(&str, Outcome)]) -> SetResult {
        let mut set = SetResult::new("service", name, bus);
        for (i, (kind, outcome)) in cases.iter().enumerate() {
            set.push(Case {
                id: format!("case {i}"),
                params: bus.into(),
                kind: (*kind).into(),
                outcome: *outcome,
                detail: match outcome {
                    Outcome::Unsupported => {
                        "no Kafka broker: run `cargo xtask broker start`".into()
                    }
                    Outcome::Fail => format!("{kind} went wrong"),
                    Outcome::Pass => String::new(),
                },
            });
        }
        set.finish();
        set
    }

    /// Every set of the suite on the buses it runs on, every case with `outcome` unless
    /// `kafka` overrides it for the Kafka rows.
    fn service_run(embedded: Outcome, kafka: Outcome) -> Vec<SetResult> {
        let grpc = [
            ("grpc/health", &["health"][..]),
            ("grpc/reflection", &["reflection"][..]),
            (
                "grpc/endpoints",
                &["e2ee", "key-management", "mls", "pqc"][..],
            ),
            ("grpc/errors", &["errors"][..]),
        ];
        let mut sets = Vec::new();
        for (name, kinds) in grpc {
            for (bus, outcome) in [("embedded", embedded), ("kafka", kafka)] {
                let cases: Vec<(&str, Outcome)> = kinds.iter().map(|k| (*k, outcome)).collect();
                sets.push(service_set(name, bus, &cases));
            }
        }
        sets.push(service_set("grpc/tls", "embedded", &[("tls", embedded)]));
        for (name, kinds) in [
            ("kafka/producer", &["producer"][..]),
            ("kafka/consumer-group", &["consumer-group"][..]),
            ("kafka/ordering", &["ordering", "streaming"][..]),
            ("kafka/fault-tolerance", &["fault-tolerance"][..]),
            ("kafka/unavailable", &["degradation"][..]),
        ] {
            let cases: Vec<(&str, Outcome)> = kinds.iter().map(|k| (*k, kafka)).collect();
            sets.push(service_set(name, "kafka", &cases));
        }
        sets
    }

    fn service_verdicts(sets: &[SetResult]) -> Vec<(String, Verdict)> {
        service_claims(sets)
            .into_iter()
            .map(|c| (c.id, c.verdict))
            .collect()
    }

    #[test]
    fn service_claims_follow_the_suite_results() {
        // Not run: nothing is verified, and the reason says how to run it.
        for claim in service_claims(&[]) {
            assert_eq!(claim.verdict, Verdict::NotVerified, "{}", claim.id);
            assert!(claim.reason.contains("--suite service"), "{}", claim.reason);
        }
        // Everything passed on both buses.
        let all = service_run(Outcome::Pass, Outcome::Pass);
        for (id, verdict) in service_verdicts(&all) {
            assert_eq!(verdict, Verdict::Confirmed, "{id}");
        }
        // No broker: the gRPC claims stand on the embedded runs, the Kafka claims are not
        // verified, with the reason.
        let no_kafka = service_run(Outcome::Pass, Outcome::Unsupported);
        for claim in service_claims(&no_kafka) {
            if claim.section == kafka::SECTION_KAFKA {
                assert_eq!(claim.verdict, Verdict::NotVerified, "{}", claim.id);
                assert!(claim.reason.contains("no Kafka broker"), "{}", claim.reason);
            } else {
                assert_eq!(claim.verdict, Verdict::Confirmed, "{}", claim.id);
                // TLS runs on the embedded bus only.
                assert_eq!(
                    claim.measured.contains("unsupported: no Kafka broker"),
                    claim.id != "grpc-tls",
                    "{}",
                    claim.id
                );
            }
        }
        // A failure refutes exactly the claims that read its case.
        let mut pqc_fails = service_run(Outcome::Pass, Outcome::Pass);
        pqc_fails.push(service_set(
            "grpc/endpoints",
            "kafka",
            &[("pqc", Outcome::Fail)],
        ));
        for (id, verdict) in service_verdicts(&pqc_fails) {
            let expected = if id == "grpc-endpoints-pqc" || id == "grpc-service-registration" {
                Verdict::Refuted
            } else {
                Verdict::Confirmed
            };
            assert_eq!(verdict, expected, "{id}");
        }
        let mut outage_fails = service_run(Outcome::Pass, Outcome::Pass);
        outage_fails.push(service_set(
            "kafka/unavailable",
            "kafka",
            &[("degradation", Outcome::Fail)],
        ));
        let claims = service_claims(&outage_fails);
        for claim in &claims {
            let expected = match claim.id.as_str() {
                "kafka-fallback" | "kafka-error-handling" | "kafka-fault-tolerance" => {
                    Verdict::Refuted
                }
                _ => Verdict::Confirmed,
            };
            assert_eq!(claim.verdict, expected, "{}", claim.id);
        }
        let fallback = claims.iter().find(|c| c.id == "kafka-fallback").unwrap();
        assert!(
            fallback.measured.contains("degradation went wrong"),
            "{}",
            fallback.measured
        );
        assert!(
            fallback.reason.contains("no fallback"),
            "{}",
            fallback.reason
        );
        // An embedded failure does not touch the Kafka-only claims; a set error is not a pass.
        let mut broken = service_run(Outcome::Pass, Outcome::Pass);
        broken[0].error = Some("read 1 cases but the file declares 7".into());
        assert_eq!(
            verdict(&service_claims(&broken), "grpc-health-checks"),
            Verdict::NotVerified
        );
    }

    #[test]
    fn service_claims_quote_sections_4_and_5() {
        // One claim per sentence, each id once; the Kafka section's claims read Kafka rows only.
        let mut ids: Vec<&str> = all_service_claims().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all_service_claims().count());
        for claim in all_service_claims() {
            assert!(!claim.quote.contains("**"), "{}", claim.quote);
            assert_eq!(
                claim.section == kafka::SECTION_KAFKA,
                claim.bus == Some("kafka"),
                "{}",
                claim.id
            );
        }
        assert!(!all_service_claims().any(|c| c.quote.starts_with("Performance")));
    }
}
