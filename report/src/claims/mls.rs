//! Section 1 of the design document, "Full MLS (RFC 9420) Protocol Implementation": the
//! engine's cipher suites and a group lifecycle per suite (`ClaimEvidence::mls`), and the
//! statements the `rfc9420` and `interop` suites measure, judged from their case counts.

use crate::model::{
    Claim, ClaimEvidence, Counts, Lifecycle, MlsCipherSuite, MlsEvidence, SetResult, Verdict,
};

use super::{all_passed, counts_of, triple};

const SECTION_MLS: &str = "1. Full MLS (RFC 9420) Protocol Implementation";

fn mls_claim(
    id: &str,
    quote: &str,
    claimed: &str,
    outcome: Result<(Verdict, String, String), String>,
) -> Claim {
    super::judged(SECTION_MLS, id, quote, claimed, outcome)
}

/// The five suites the design document lists by name, with their code points (RFC 9420, §17.1).
const LISTED: [(&str, u16); 5] = [
    ("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", 0x0001),
    ("MLS_128_DHKEMP256_AES128GCM_SHA256_P256", 0x0002),
    (
        "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
        0x0003,
    ),
    ("MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", 0x0004),
    ("MLS_256_DHKEMP521_AES256GCM_SHA512_P521", 0x0005),
];

fn mls_claims(evidence: &MlsEvidence) -> Vec<Claim> {
    let supported: Vec<&MlsCipherSuite> = evidence.supported().collect();
    let names = |list: &[(&str, u16)]| {
        list.iter()
            .map(|(name, id)| format!("{name} ({id})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let supported_names: Vec<(&str, u16)> =
        supported.iter().map(|s| (s.name.as_str(), s.id)).collect();
    let missing: Vec<(&str, u16)> = LISTED
        .into_iter()
        .filter(|(name, _)| !supported.iter().any(|s| s.name == *name))
        .collect();
    let lifecycles = &evidence.lifecycles;
    let failures: Vec<String> = lifecycles
        .iter()
        .filter_map(|l| {
            l.outcome
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", l.suite))
        })
        .collect();
    let lifecycle_outcome = |what: &str, check: &dyn Fn(&Lifecycle) -> bool| {
        if lifecycles.is_empty() {
            return Err("no MLS cipher suite is supported".to_owned());
        }
        if !failures.is_empty() {
            return Ok((Verdict::Refuted, failures.join("; "), what.to_owned()));
        }
        let all = lifecycles
            .iter()
            .all(|l| l.outcome.as_ref().is_ok_and(check));
        let epochs = lifecycles
            .iter()
            .filter_map(|l| {
                l.outcome
                    .as_ref()
                    .ok()
                    .map(|outcome| format!("suite {}: epochs {:?}", l.id, outcome.epochs))
            })
            .collect::<Vec<_>>()
            .join("; ");
        Ok((
            if all {
                Verdict::Confirmed
            } else {
                Verdict::Refuted
            },
            epochs,
            what.to_owned(),
        ))
    };
    vec![
        mls_claim(
            "mls-cipher-suites",
            "Cipher Suites: Support for all MLS cipher suites including: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, \
             MLS_128_DHKEMP256_AES128GCM_SHA256_P256, MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, \
             MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, MLS_256_DHKEMP521_AES256GCM_SHA512_P521",
            "all MLS cipher suites, incl. the five listed",
            Ok((
                if missing.is_empty() && supported.len() == evidence.cipher_suites.len() {
                    Verdict::Confirmed
                } else {
                    Verdict::Refuted
                },
                format!("supported: {}; not supported: {}", names(&supported_names), names(&missing)),
                "asked the MLS engine's crypto provider which RFC 9420 suites it runs; the rfc9420 \
                 suite counts the others as unsupported"
                    .to_owned(),
            )),
        ),
        mls_claim(
            "mls-group-management",
            "Group Management: Create, add/remove members, update groups",
            "create, add, remove, update",
            lifecycle_outcome(
                "ran create → add two members by Welcome → application message → self-update → \
                 remove through sonet::mls for every supported suite; all members agreed on epoch \
                 and epoch authenticator at every epoch",
                &|l| l.epochs.len() == 3,
            ),
        ),
        mls_claim(
            "mls-epoch-key-rotation",
            "Key Derivation: Epoch-based key rotation with HKDF",
            "new keys every epoch",
            lifecycle_outcome(
                "exported a secret at every epoch of the lifecycle: equal across members, different \
                 in every epoch",
                &|l| l.secrets_rotate,
            ),
        ),
        mls_claim(
            "mls-complete",
            "The Messaging Layer Security protocol has been fully implemented according to RFC 9420 specifications",
            "complete RFC 9420",
            Ok((
                Verdict::Refuted,
                format!(
                    "{} of {} RFC 9420 cipher suites; ReInit and branch not available (openmls 0.9.2)",
                    supported.len(),
                    evidence.cipher_suites.len()
                ),
                "from the engine's cipher-suite registry and its typed Unsupported errors; the \
                 rfc9420 suite lists each unsupported vector with its reason"
                    .to_owned(),
            )),
        ),
    ]
}

/// The set of the `rfc9420` suite's differential run (`rfc9420_differential::SET` of the suites,
/// which test that the two agree).
pub const DIFFERENTIAL_SET: &str = "mls/differential (seeded: openmls vs sonet-oracle)";

/// The provider name of the oracle's sets (the `sonet-oracle` crate).
const ORACLE_PROVIDER: &str = "sonet-oracle";

const NOT_RUN: &str = "measured from the rfc9420 and interop suites' results, which were not \
                       run: cargo xtask verify --suite rfc9420 --suite interop";

/// The design document's MLS statements that the `rfc9420` and `interop` suites measure: a
/// verdict from their case counts, so the claim and the matrix can never disagree.
fn mls_result_claims(sets: &[SetResult], evidence: &MlsEvidence) -> Vec<Claim> {
    let unsupported_suites = evidence.cipher_suites.len() - evidence.supported().count();
    let unsupported_why = if unsupported_suites == 0 {
        "the engine runs all seven RFC 9420 suites, so unsupported cases are suites the mls-rs \
         peer's crypto provider cannot run"
            .to_owned()
    } else {
        format!(
            "the unsupported cases are the {unsupported_suites} cipher suites the engine cannot \
             run, and suites the mls-rs peer's crypto provider cannot run"
        )
    };
    // The design document's claims are about the engine: the oracle's own passes are evidence
    // about the oracle, so engine verdicts leave them out.
    let engine_sets: Vec<SetResult> = sets
        .iter()
        .filter(|s| s.provider != ORACLE_PROVIDER)
        .cloned()
        .collect();
    let handling = counts_of(
        &engine_sets,
        &[
            ("rfc9420", "mls/passive-client-welcome.json"),
            ("rfc9420", "mls/passive-client-handling-commit.json"),
            ("rfc9420", "mls/passive-client-random.json"),
            ("interop", ""),
        ],
    );
    let welcome_commit = match &handling {
        None => Err(NOT_RUN.to_owned()),
        Some((counts, names)) => Ok((
            all_passed(counts),
            triple(counts),
            format!(
                "joined from Welcomes and processed every Commit of the passive-client vectors \
                 (epoch authenticator compared at every epoch), and exchanged Welcomes and \
                 Commits with mls-rs in both directions; {}. Sets: {}",
                unsupported_why,
                names.join(", ")
            ),
        )),
    };
    // The tree hash: openmls' ratchet tree equals the oracle's after every operation of the
    // differential run (the oracle hashes it), and every epoch authenticator compared with the
    // vectors or mls-rs is derived through a GroupContext holding the tree hash. The oracle's
    // own tree files say the comparison stands on a correct oracle: a failure there refutes.
    let differential = counts_of(sets, &[("rfc9420", DIFFERENTIAL_SET)]);
    let oracle_trees = counts_of(
        sets,
        &[
            ("rfc9420", "mls/tree-validation.json"),
            ("rfc9420", "mls/tree-operations.json"),
            ("rfc9420", "mls/treekem.json"),
        ],
    );
    let tree_hash = match (&handling, &differential) {
        (None, None) => Err(NOT_RUN.to_owned()),
        (handling, differential) => {
            let mut counts = Counts::default();
            for (c, _) in handling.iter().chain(differential.iter()) {
                counts.add(c);
            }
            let oracle_failed = oracle_trees.as_ref().is_some_and(|(c, _)| c.fail > 0);
            Ok((
                if oracle_failed {
                    Verdict::Refuted
                } else {
                    all_passed(&counts)
                },
                format!(
                    "{} (engine and differential); the oracle's tree files: {}",
                    triple(&counts),
                    oracle_trees
                        .as_ref()
                        .map_or_else(|| "not run".to_owned(), |(c, _)| triple(c))
                ),
                "openmls' ratchet tree equals the independently computed one (whose tree hash the \
                 oracle computes) after every operation of the differential run, and every epoch \
                 authenticator compared with the vectors or mls-rs is derived through a \
                 GroupContext that holds the tree hash; the oracle's tree-validation, \
                 tree-operations and treekem results must have no failure"
                    .to_owned(),
            ))
        }
    };
    // "All structures" is a claim about the engine: openmls' public API cannot reach
    // GroupSecrets, Commit or the ReInit vector, so it stays unestablished however well the
    // oracle (which round-trips every field) does.
    let messages = |provider: &str| {
        sets.iter()
            .find(|s| {
                s.suite == "rfc9420" && s.set == "mls/messages.json" && s.provider == provider
            })
            .map(|s| s.counts.clone())
    };
    let deserialization = counts_of(&engine_sets, &[("rfc9420", "mls/deserialization.json")]);
    let serialization = match (
        messages(ORACLE_PROVIDER),
        messages("openmls"),
        deserialization,
    ) {
        (None, None, None) => Err(NOT_RUN.to_owned()),
        (oracle, engine, deserialization) => {
            let mut engine_counts = Counts::default();
            for c in engine.iter() {
                engine_counts.add(c);
            }
            if let Some((c, _)) = &deserialization {
                engine_counts.add(c);
            }
            let any_fail = engine_counts.fail > 0 || oracle.as_ref().is_some_and(|c| c.fail > 0);
            let verdict = if any_fail {
                Verdict::Refuted
            } else if engine_counts.unsupported > 0 || engine_counts.pass == 0 {
                Verdict::NotVerified
            } else {
                Verdict::Confirmed
            };
            let part = |name: &str, c: &Option<Counts>| match c {
                Some(c) => format!("{name}: {}", triple(c)),
                None => format!("{name}: not run"),
            };
            Ok((
                verdict,
                format!(
                    "{}; {}; deserialization.json: {}",
                    part("messages.json via openmls (per field)", &engine),
                    part("via the oracle (per entry, all 17 fields)", &oracle),
                    deserialization
                        .as_ref()
                        .map_or_else(|| "not run".to_owned(), |(c, _)| triple(c))
                ),
                "messages.json: every structure decoded and re-encoded byte for byte. openmls \
                 0.9.2 keeps GroupSecrets and Commit crate-private and refuses the ReInit vector \
                 standalone, so those engine cases are unsupported and \"all structures\" is not \
                 established for the engine; Sonet's independent oracle round-trips every one of \
                 them"
                    .to_owned(),
            ))
        }
    };
    vec![
        mls_claim(
            "mls-welcome-commit",
            "Welcome and Commit message handling",
            "Welcome and Commit messages handled",
            welcome_commit,
        ),
        mls_claim(
            "mls-tree-hash",
            "Tree hash computation and verification",
            "tree hashes computed and verified",
            tree_hash,
        ),
        mls_claim(
            "mls-serialization",
            "Serialization/deserialization of all MLS structures",
            "all MLS structures",
            serialization,
        ),
    ]
}

/// The claims of section 1, in the order results.json lists them: the engine's own, then those
/// judged from the suites' results.
pub(super) fn judge(evidence: &ClaimEvidence, sets: &[SetResult]) -> Vec<Claim> {
    let mut claims = mls_claims(&evidence.mls);
    claims.extend(mls_result_claims(sets, &evidence.mls));
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{claim, library_evidence, verdict};
    use crate::model::{Case, Outcome};

    #[test]
    fn the_engine_claims_follow_its_suites_and_lifecycles() {
        let mut evidence = library_evidence().mls;
        let claims = mls_claims(&evidence);
        assert_eq!(verdict(&claims, "mls-cipher-suites"), Verdict::Confirmed);
        let management = claim(&claims, "mls-group-management");
        assert_eq!(management.verdict, Verdict::Confirmed);
        assert!(
            management
                .measured
                .starts_with("suite 1: epochs [1, 2, 3]; suite 2: epochs [1, 2, 3]"),
            "{}",
            management.measured
        );
        assert_eq!(
            verdict(&claims, "mls-epoch-key-rotation"),
            Verdict::Confirmed
        );
        let complete = claim(&claims, "mls-complete");
        assert_eq!(complete.verdict, Verdict::Refuted);
        assert_eq!(
            complete.measured,
            "7 of 7 RFC 9420 cipher suites; ReInit and branch not available (openmls 0.9.2)"
        );

        // The X448 suites unsupported: a listed suite is missing.
        for suite in &mut evidence.cipher_suites {
            suite.supported = !suite.name.contains("X448");
        }
        evidence.lifecycles.retain(|l| !l.suite.contains("X448"));
        let claims = mls_claims(&evidence);
        let suites = claim(&claims, "mls-cipher-suites");
        assert_eq!(suites.verdict, Verdict::Refuted);
        assert!(
            suites
                .measured
                .ends_with("; not supported: MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448 (4)"),
            "{}",
            suites.measured
        );
        assert_eq!(
            claim(&claims, "mls-complete").measured,
            "5 of 7 RFC 9420 cipher suites; ReInit and branch not available (openmls 0.9.2)"
        );

        // A lifecycle that failed refutes both lifecycle claims; secrets that repeat refute
        // the rotation.
        evidence.lifecycles[1].outcome = Err("members disagree at epoch 2".to_owned());
        let claims = mls_claims(&evidence);
        let management = claim(&claims, "mls-group-management");
        assert_eq!(management.verdict, Verdict::Refuted);
        assert_eq!(
            management.measured,
            "MLS_128_DHKEMP256_AES128GCM_SHA256_P256: members disagree at epoch 2"
        );
        assert_eq!(verdict(&claims, "mls-epoch-key-rotation"), Verdict::Refuted);
        evidence.lifecycles.truncate(1);
        if let Ok(lifecycle) = &mut evidence.lifecycles[0].outcome {
            lifecycle.secrets_rotate = false;
        }
        let claims = mls_claims(&evidence);
        assert_eq!(verdict(&claims, "mls-group-management"), Verdict::Confirmed);
        assert_eq!(verdict(&claims, "mls-epoch-key-rotation"), Verdict::Refuted);

        // Nothing supported: nothing to run the lifecycle with.
        evidence.lifecycles.clear();
        let management = claim(&mls_claims(&evidence), "mls-group-management").clone();
        assert_eq!(management.verdict, Verdict::NotVerified);
        assert_eq!(management.reason, "no MLS cipher suite is supported");
    }

    fn set(suite: &str, name: &str, outcomes: &[Outcome]) -> SetResult {
        let mut set = SetResult::new(suite, name, "openmls");
        for (i, outcome) in outcomes.iter().enumerate() {
            set.push(Case {
                id: format!("case {i}"),
                params: String::new(),
                kind: "k".into(),
                outcome: *outcome,
                detail: String::new(),
            });
        }
        set.finish();
        set
    }

    #[test]
    fn mls_result_claims_follow_the_suite_results() {
        let mls = library_evidence().mls;
        let none = mls_result_claims(&[], &mls);
        for id in ["mls-welcome-commit", "mls-tree-hash", "mls-serialization"] {
            assert_eq!(verdict(&none, id), Verdict::NotVerified, "{id}");
        }

        let good = [
            set(
                "rfc9420",
                "mls/passive-client-welcome.json",
                &[Outcome::Pass, Outcome::Unsupported],
            ),
            set("interop", "sonet-creates", &[Outcome::Pass]),
            // openmls cannot reach every structure; the oracle round-trips them all.
            set(
                "rfc9420",
                "mls/messages.json",
                &[Outcome::Pass, Outcome::Unsupported],
            ),
            {
                let mut oracle = set("rfc9420", "mls/messages.json", &[Outcome::Pass]);
                oracle.provider = "sonet-oracle".into();
                oracle
            },
        ];
        let claims = mls_result_claims(&good, &mls);
        assert_eq!(verdict(&claims, "mls-welcome-commit"), Verdict::Confirmed);
        assert_eq!(verdict(&claims, "mls-tree-hash"), Verdict::Confirmed);
        // The oracle's complete round trip does not stand in for the engine's gaps.
        assert_eq!(verdict(&claims, "mls-serialization"), Verdict::NotVerified);
        let complete = [set("rfc9420", "mls/messages.json", &[Outcome::Pass])];
        assert_eq!(
            verdict(&mls_result_claims(&complete, &mls), "mls-serialization"),
            Verdict::Confirmed
        );
        // A tree-hash failure in the oracle's files refutes the tree-hash claim; oracle passes
        // alone establish nothing about the engine.
        let mut oracle_trees = set(
            "rfc9420",
            "mls/tree-validation.json",
            &[Outcome::Pass, Outcome::Fail],
        );
        oracle_trees.provider = "sonet-oracle".into();
        let claims = mls_result_claims(&[good[0].clone(), oracle_trees.clone()], &mls);
        assert_eq!(verdict(&claims, "mls-tree-hash"), Verdict::Refuted);
        oracle_trees.cases.pop();
        oracle_trees.finish();
        let mut oracle_passive = set(
            "rfc9420",
            "mls/passive-client-welcome.json",
            &[Outcome::Pass],
        );
        oracle_passive.provider = "sonet-oracle".into();
        let claims = mls_result_claims(&[oracle_trees, oracle_passive], &mls);
        assert_eq!(verdict(&claims, "mls-welcome-commit"), Verdict::NotVerified);
        assert_eq!(verdict(&claims, "mls-tree-hash"), Verdict::NotVerified);

        let bad = [
            set(
                "interop",
                "random-50-epochs",
                &[Outcome::Pass, Outcome::Fail],
            ),
            set(
                "rfc9420",
                "mls/messages.json",
                &[Outcome::Pass, Outcome::Unsupported],
            ),
        ];
        let claims = mls_result_claims(&bad, &mls);
        assert_eq!(verdict(&claims, "mls-welcome-commit"), Verdict::Refuted);
        assert_eq!(verdict(&claims, "mls-tree-hash"), Verdict::Refuted);
        // Unsupported structures leave "all structures" unestablished, not refuted.
        assert_eq!(verdict(&claims, "mls-serialization"), Verdict::NotVerified);
    }
}
