//! The differential run: openmls (through `sonet::mls`) drives seeded random groups in every RFC
//! 9420 cipher suite, and Sonet's independent oracle follows each group as a passive member —
//! from the public messages and its own KeyPackage's private keys only. After every operation
//! the oracle must agree with openmls on the epoch, the epoch authenticator, an exported secret
//! and the encoded ratchet tree (hence the tree hash), and it must decrypt every application
//! message to the plaintext sent. The oracle verifies every signature, membership tag and
//! confirmation tag on the way, so it also recomputes the whole key schedule and the transcript
//! hashes of every epoch.
//!
//! Groups grow to 64 members: a few *active* members process everything and take turns
//! committing and proposing; the others are *dormant* (their KeyPackages are added, they never
//! act), which keeps the cost of large groups low without changing what the committers do.

use std::collections::BTreeSet;

use sonet::mls::{
    create_group, join_from_welcome, CipherSuite, Client, Group, GroupConfig, GroupEvent,
    GroupOptions, JoinOptions,
};
use sonet_oracle::passive::{JoinerKeys, PassiveMember, Processed};
use sonet_report::model::SetResult;

use crate::rng::SplitMix64;
use crate::runner::{record, CaseError, CaseResult, Job};

/// The differential run's set name in results.json. `sonet_report::claims::DIFFERENTIAL_SET`
/// repeats it, because the MLS claims find the set by this name; a test keeps the two equal.
pub const SET: &str = "mls/differential (seeded: openmls vs sonet-oracle)";
const PROVIDER: &str = "openmls vs sonet-oracle";
/// `SONET_DIFFERENTIAL_SEED` overrides it (decimal or 0x-hex).
const DEFAULT_SEED: u64 = 0x5eed_9420;
const OPERATIONS_PER_SUITE: usize = 150;
const MAX_MEMBERS: usize = 64;
const MAX_ACTIVE: usize = 4;
const EXPORTER_LABEL: &str = "sonet differential";

/// The jobs of `suite` this module adds: the seeded differential run ([`SET`]; the seed is
/// `SONET_DIFFERENTIAL_SEED` when set), then [`PQ_VECTOR_FILE`] through the oracle (provider
/// `sonet-oracle`) and through the engine (provider `openmls`).
pub fn jobs(suite: &'static str) -> Vec<Job> {
    vec![
        Job::new(suite, SET, PROVIDER, |_, set| {
            differential_set(set);
            Ok(())
        }),
        Job::new(
            suite,
            format!("sonet/{PQ_VECTOR_FILE}"),
            "sonet-oracle",
            |_, set| pq_vector_set(set, false),
        ),
        Job::new(
            suite,
            format!("sonet/{PQ_VECTOR_FILE}"),
            "openmls",
            |_, set| pq_vector_set(set, true),
        ),
    ]
}

/// Sonet's self-generated draft-PQ passive-client vectors, through the oracle or the engine.
fn pq_vector_set(set: &mut SetResult, engine: bool) -> Result<(), String> {
    let (bytes, source) = crate::vectors::read_own(PQ_VECTOR_FILE)?;
    set.sources = vec![source];
    let entries: Vec<serde_json::Value> =
        serde_json::from_slice(&bytes).map_err(|e| format!("{PQ_VECTOR_FILE}: {e}"))?;
    set.expected_cases = Some(entries.len() as u64);
    for (index, entry) in entries.iter().enumerate() {
        let params = super::files::suite_params(entry);
        let result = sonet::mls::PassiveClientCase::from_json(entry)
            .map_err(|e| CaseError::Fail(format!("malformed vector: {e}")))
            .and_then(|case| {
                let epochs = if engine {
                    sonet::mls::run_passive_client(&case).map_err(|e| e.to_string())
                } else {
                    sonet_oracle::passive::run_passive_client_vector(&case)
                        .map_err(|(step, e)| format!("{step}: {e}"))
                }
                .map_err(CaseError::Fail)?;
                Ok(format!(
                    "self-consistency, not conformance (vectors written by openmls on SonetCrypto \
                     while the oracle agreed; draft suite): joined; initial and {epochs} epoch \
                     authenticators match"
                ))
            });
        record(
            set,
            format!("case {index}"),
            &params,
            "passive-client (self-generated)",
            result,
        );
    }
    Ok(())
}

fn seed() -> u64 {
    std::env::var("SONET_DIFFERENTIAL_SEED")
        .ok()
        .and_then(|s| match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        })
        .unwrap_or(DEFAULT_SEED)
}

fn differential_set(set: &mut SetResult) {
    let seed = seed();
    set.expected_cases = Some((CipherSuite::ALL.len() * OPERATIONS_PER_SUITE) as u64);
    for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
        let mut rng = SplitMix64(seed ^ u64::from(suite.id()));
        // Alternate the handshake framing so both PublicMessage and PrivateMessage commits
        // reach the oracle.
        let plaintext = i % 2 == 0;
        let mut run = None;
        let mut failed_at: Option<usize> = None;
        for op in 0..OPERATIONS_PER_SUITE {
            let id = format!("{} op {op:03}", suite.id());
            if let Some(at) = failed_at {
                record(
                    set,
                    id,
                    suite.name(),
                    "not reached",
                    Err(CaseError::Fail(format!(
                        "not run: operation {at} of this suite failed (seed {seed:#x})"
                    ))),
                );
                continue;
            }
            let (kind, result) = if let Some(run) = run.as_mut() {
                step(run, &mut rng)
            } else {
                match Run::start(suite, plaintext) {
                    Ok(started) => {
                        let detail = started.agree();
                        run = Some(started);
                        ("create + add oracle", detail)
                    }
                    Err(e) => ("create + add oracle", Err(e)),
                }
            };
            if result.is_err() {
                failed_at = Some(op);
            }
            record(set, id, suite.name(), kind, result);
        }
    }
}

fn fail(what: &str) -> impl Fn(String) -> CaseError + '_ {
    move |e| CaseError::Fail(format!("{what}: {e}"))
}

/// One random group, followed by the oracle.
struct Run {
    suite: CipherSuite,
    config: GroupConfig,
    /// Engine members that process every message; `active[0]` created the group.
    active: Vec<Group>,
    observer: PassiveMember,
    next_identity: u64,
    /// Groups grow no larger.
    max_members: usize,
    /// When generating vectors: the proposals delivered since the last commit, and every epoch.
    recording: Option<Recording>,
}

/// A run just created, with the Welcome the oracle joined from and the ratchet tree when the
/// Welcome does not carry it.
struct Started {
    run: Run,
    welcome: Vec<u8>,
    tree: Option<Vec<u8>>,
}

/// The epochs of a run in the passive-client vector layout.
#[derive(Default)]
struct Recording {
    proposals: Vec<Vec<u8>>,
    epochs: Vec<serde_json::Value>,
}

impl Run {
    fn start(suite: CipherSuite, plaintext_handshake: bool) -> Result<Self, CaseError> {
        let config = GroupConfig {
            plaintext_handshake,
            ..GroupConfig::default()
        };
        let keys = JoinerKeys::generate(suite.id(), b"sonet-oracle observer", 28)
            .map_err(|e| fail("oracle KeyPackage")(e.to_string()))?;
        Self::start_with(suite, config, &keys).map(|started| started.run)
    }

    /// Creates a group, adds the oracle's KeyPackage `keys` and joins the oracle: the run, the
    /// Welcome, and the ratchet tree when the Welcome does not carry it.
    fn start_with(
        suite: CipherSuite,
        config: GroupConfig,
        keys: &JoinerKeys,
    ) -> Result<Started, CaseError> {
        let creator = Client::in_memory(b"active-0").map_err(|e| fail("client")(e.to_string()))?;
        let mut group = create_group(
            &creator,
            suite,
            &GroupOptions {
                group_id: None,
                config: config.clone(),
            },
        )
        .map_err(|e| fail("create_group")(e.to_string()))?;
        let output = group
            .add_members(&[&keys.key_package])
            .map_err(|e| fail("openmls adds the oracle's KeyPackage")(e.to_string()))?;
        group
            .merge_pending_commit()
            .map_err(|e| fail("merge")(e.to_string()))?;
        let welcome = output
            .welcome
            .ok_or_else(|| CaseError::Fail("an add commit without a Welcome".into()))?;
        let tree = if config.ratchet_tree_extension {
            None
        } else {
            Some(
                group
                    .ratchet_tree()
                    .map_err(|e| fail("ratchet tree")(e.to_string()))?,
            )
        };
        let observer = PassiveMember::join(keys, &welcome, tree.as_deref())
            .map_err(|e| fail("the oracle joins from openmls' Welcome")(e.to_string()))?;
        let run = Self {
            suite,
            config,
            active: vec![group],
            observer,
            next_identity: 1,
            max_members: MAX_MEMBERS,
            recording: None,
        };
        Ok(Started { run, welcome, tree })
    }

    fn members(&self) -> usize {
        self.active[0].members().len()
    }

    /// Leaves that are neither the oracle nor an active member.
    fn dormant_leaves(&self) -> Vec<u32> {
        let active: BTreeSet<u32> = self.active.iter().map(Group::own_leaf_index).collect();
        self.active[0]
            .members()
            .into_iter()
            .map(|m| m.leaf_index)
            .filter(|l| *l != self.observer.own_leaf() && !active.contains(l))
            .collect()
    }

    fn new_client(&mut self, kind: &str) -> Result<Client, CaseError> {
        self.next_identity += 1;
        Client::in_memory(format!("{kind}-{}", self.next_identity).as_bytes())
            .map_err(|e| fail("client")(e.to_string()))
    }

    /// Delivers a handshake or application message to every active member but `from`, and to
    /// the oracle; returns what the oracle made of it.
    fn deliver(&mut self, from: usize, message: &[u8]) -> Result<Processed, CaseError> {
        self.record_delivery(message);
        for (i, group) in self.active.iter_mut().enumerate() {
            if i != from {
                group
                    .process(message)
                    .map_err(|e| fail(&format!("active member {i} processes"))(e.to_string()))?;
            }
        }
        self.observer
            .process(message)
            .map_err(|e| fail("the oracle processes")(e.to_string()))
    }

    /// Keeps a delivered proposal, or closes an epoch when `message` was its commit.
    fn record_delivery(&mut self, message: &[u8]) {
        if let Some(recording) = self.recording.as_mut() {
            recording.proposals.push(message.to_vec());
        }
    }

    /// Turns the last recorded delivery into the epoch's commit, with the epoch authenticator
    /// openmls reports after it.
    fn record_commit(&mut self) {
        let authenticator = hex::encode(self.active[0].epoch_authenticator().as_bytes());
        if let Some(recording) = self.recording.as_mut() {
            if let Some(commit) = recording.proposals.pop() {
                let proposals: Vec<String> =
                    recording.proposals.drain(..).map(hex::encode).collect();
                recording.epochs.push(serde_json::json!({
                    "proposals": proposals,
                    "commit": hex::encode(commit),
                    "epoch_authenticator": authenticator,
                }));
            }
        }
    }

    /// A commit by `committer`: merged by it, processed by everyone else.
    fn commit(
        &mut self,
        committer: usize,
        output: sonet::mls::CommitOutput,
    ) -> Result<Option<Vec<u8>>, CaseError> {
        self.active[committer]
            .merge_pending_commit()
            .map_err(|e| fail("merge")(e.to_string()))?;
        match self.deliver(committer, &output.commit)? {
            Processed::Commit { .. } => {
                self.record_commit();
                Ok(output.welcome)
            }
            other => Err(CaseError::Fail(format!(
                "the oracle took a commit for {other:?}"
            ))),
        }
    }

    /// What every party must agree on after a commit.
    fn agree(&self) -> CaseResult {
        let engine = &self.active[0];
        for (i, other) in self.active.iter().enumerate().skip(1) {
            if other.epoch() != engine.epoch()
                || other.epoch_authenticator() != engine.epoch_authenticator()
            {
                return Err(CaseError::Fail(format!(
                    "openmls members 0 and {i} disagree at epoch {}",
                    engine.epoch()
                )));
            }
        }
        if self.observer.epoch() != engine.epoch() {
            return Err(CaseError::Fail(format!(
                "epoch: oracle {}, openmls {}",
                self.observer.epoch(),
                engine.epoch()
            )));
        }
        if self.observer.epoch_authenticator() != engine.epoch_authenticator().as_bytes() {
            return Err(CaseError::Fail(format!(
                "epoch authenticator differs at epoch {}",
                engine.epoch()
            )));
        }
        let context = engine.epoch().to_be_bytes();
        let ours = self
            .observer
            .export(EXPORTER_LABEL.as_bytes(), &context, 32)
            .map_err(|e| fail("oracle exporter")(e.to_string()))?;
        let theirs = engine
            .export_secret(EXPORTER_LABEL, &context, 32)
            .map_err(|e| fail("openmls exporter")(e.to_string()))?;
        if ours != theirs {
            return Err(CaseError::Fail(format!(
                "exporter output differs at epoch {}",
                engine.epoch()
            )));
        }
        let tree = engine
            .ratchet_tree()
            .map_err(|e| fail("openmls ratchet tree")(e.to_string()))?;
        if self.observer.ratchet_tree() != tree {
            return Err(CaseError::Fail(format!(
                "ratchet tree differs at epoch {}",
                engine.epoch()
            )));
        }
        Ok(format!(
            "epoch {}, {} members: epoch authenticator, exporter, ratchet tree (tree hash {}) agree",
            engine.epoch(),
            self.members(),
            hex::encode(&self.observer.tree_hash()[..4])
        ))
    }
}

/// One random operation, then the agreement check.
fn step(run: &mut Run, rng: &mut SplitMix64) -> (&'static str, CaseResult) {
    let members = run.members();
    let dormant = run.dormant_leaves();
    let choice = rng.below(100);
    let committer = rng.below(run.active.len());
    let outcome = match choice {
        0..=19 if members < run.max_members => {
            let k = 1 + rng.below(8.min(run.max_members - members));
            ("add dormant members", add_dormant(run, committer, k))
        }
        20..=29 if run.active.len() < MAX_ACTIVE && members < run.max_members => {
            ("add an active member", add_active(run, committer))
        }
        30..=41 if !dormant.is_empty() => {
            let leaf = dormant[rng.below(dormant.len())];
            ("remove a dormant member", remove(run, committer, leaf))
        }
        42..=47 if run.active.len() > 2 => {
            let victim = (committer + 1 + rng.below(run.active.len() - 1)) % run.active.len();
            (
                "remove an active member",
                remove_active(run, committer, victim),
            )
        }
        48..=61 => ("self-update", self_update(run, committer)),
        62..=73 if run.active.len() > 1 => {
            let proposer = (committer + 1 + rng.below(run.active.len() - 1)) % run.active.len();
            let leaf = if dormant.is_empty() || rng.below(2) == 0 {
                None
            } else {
                Some(dormant[rng.below(dormant.len())])
            };
            (
                "proposal by reference, then commit",
                propose_then_commit(run, proposer, committer, leaf),
            )
        }
        _ => {
            let sender = committer;
            let text = format!(
                "message {} at epoch {}",
                rng.next_u64(),
                run.active[0].epoch()
            );
            let result = application(run, sender, text.as_bytes())
                .and_then(|decrypted| run.agree().map(|agreed| format!("{decrypted}; {agreed}")));
            return ("application message", result);
        }
    };
    match outcome.1 {
        Ok(()) => (outcome.0, run.agree()),
        Err(e) => (outcome.0, Err(e)),
    }
}

fn add_dormant(run: &mut Run, committer: usize, k: usize) -> Result<(), CaseError> {
    let mut key_packages = Vec::new();
    for _ in 0..k {
        let client = run.new_client("dormant")?;
        key_packages.push(
            client
                .key_package(run.suite)
                .map_err(|e| fail("key package")(e.to_string()))?,
        );
    }
    let output = run.active[committer]
        .add_members(&key_packages)
        .map_err(|e| fail("add_members")(e.to_string()))?;
    run.commit(committer, output).map(|_| ())
}

fn add_active(run: &mut Run, committer: usize) -> Result<(), CaseError> {
    let client = run.new_client("active")?;
    let key_package = client
        .key_package(run.suite)
        .map_err(|e| fail("key package")(e.to_string()))?;
    let output = run.active[committer]
        .add_members(&[key_package])
        .map_err(|e| fail("add_members")(e.to_string()))?;
    let welcome = run
        .commit(committer, output)?
        .ok_or_else(|| CaseError::Fail("an add commit without a Welcome".into()))?;
    let tree = if run.config.ratchet_tree_extension {
        None
    } else {
        Some(
            run.active[committer]
                .ratchet_tree()
                .map_err(|e| fail("ratchet tree")(e.to_string()))?,
        )
    };
    let joined = join_from_welcome(
        &client,
        &welcome,
        tree.as_deref(),
        &JoinOptions {
            config: run.config.clone(),
            skip_lifetime_validation: false,
        },
    )
    .map_err(|e| fail("join_from_welcome")(e.to_string()))?;
    run.active.push(joined);
    Ok(())
}

fn remove(run: &mut Run, committer: usize, leaf: u32) -> Result<(), CaseError> {
    let output = run.active[committer]
        .remove_members(&[leaf])
        .map_err(|e| fail("remove_members")(e.to_string()))?;
    run.commit(committer, output).map(|_| ())
}

fn remove_active(run: &mut Run, committer: usize, victim: usize) -> Result<(), CaseError> {
    let leaf = run.active[victim].own_leaf_index();
    let output = run.active[committer]
        .remove_members(&[leaf])
        .map_err(|e| fail("remove_members")(e.to_string()))?;
    run.active[committer]
        .merge_pending_commit()
        .map_err(|e| fail("merge")(e.to_string()))?;
    for (i, group) in run.active.iter_mut().enumerate() {
        if i == committer {
            continue;
        }
        let event = group
            .process(&output.commit)
            .map_err(|e| fail(&format!("active member {i} processes"))(e.to_string()))?;
        if i == victim && !matches!(event, GroupEvent::Removed { .. }) {
            return Err(CaseError::Fail(format!("the removed member saw {event:?}")));
        }
    }
    run.record_delivery(&output.commit);
    run.observer
        .process(&output.commit)
        .map_err(|e| fail("the oracle processes")(e.to_string()))?;
    run.active.remove(victim);
    // After the removal: the victim may have been `active[0]`, whose state stopped at the
    // previous epoch.
    run.record_commit();
    Ok(())
}

fn self_update(run: &mut Run, committer: usize) -> Result<(), CaseError> {
    let output = run.active[committer]
        .self_update()
        .map_err(|e| fail("self_update")(e.to_string()))?;
    run.commit(committer, output).map(|_| ())
}

fn propose_then_commit(
    run: &mut Run,
    proposer: usize,
    committer: usize,
    remove_leaf: Option<u32>,
) -> Result<(), CaseError> {
    let proposal = match remove_leaf {
        Some(leaf) => run.active[proposer].propose_remove(leaf),
        None => run.active[proposer].propose_self_update(),
    }
    .map_err(|e| fail("propose")(e.to_string()))?;
    match run.deliver(proposer, &proposal)? {
        Processed::Proposal => {}
        other => {
            return Err(CaseError::Fail(format!(
                "the oracle took a proposal for {other:?}"
            )))
        }
    }
    let output = run.active[committer]
        .commit_pending()
        .map_err(|e| fail("commit_pending")(e.to_string()))?;
    run.commit(committer, output).map(|_| ())
}

fn application(run: &mut Run, sender: usize, text: &[u8]) -> CaseResult {
    if run.recording.is_some() {
        return Err(CaseError::Fail(
            "application messages have no place in a passive-client vector".into(),
        ));
    }
    let message = run.active[sender]
        .encrypt(text)
        .map_err(|e| fail("encrypt")(e.to_string()))?;
    match run.deliver(sender, &message)? {
        Processed::Application(data) if data == text => Ok(format!(
            "epoch {}: the oracle decrypted member {sender}'s message to the plaintext sent",
            run.active[0].epoch()
        )),
        other => Err(CaseError::Fail(format!(
            "the oracle made {other:?} of an application message"
        ))),
    }
}

/// Sonet's own passive-client vectors for the draft PQ suites (no upstream vectors exist).
pub const PQ_VECTOR_FILE: &str = "mls-pq-passive-client.json";
const PQ_VECTOR_MAX_MEMBERS: usize = 5;

/// Generates passive-client vectors (the mls-implementations layout) for every draft PQ suite
/// with the engine: per suite, one group whose Welcome carries the tree and runs 8 epochs of
/// random commits (adds, removes, updates, proposals by reference) and one whose tree goes out
/// of band, with 3 epochs; groups stay at 5 members or fewer, as PQ keys and signatures are
/// large. The passive client's KeyPackage and private keys come from the oracle, which follows
/// and checks every epoch while it is recorded. MLS is randomized, so each generation gives a
/// different (equally valid) file.
pub fn generate_pq_passive_vectors(seed: u64) -> Result<Vec<serde_json::Value>, String> {
    let mut cases = Vec::new();
    for suite in CipherSuite::DRAFT_PQ {
        for (tree_in_welcome, epochs) in [(true, 8usize), (false, 3)] {
            let mut rng = SplitMix64(seed ^ u64::from(suite.id()) ^ u64::from(tree_in_welcome));
            let config = GroupConfig {
                ratchet_tree_extension: tree_in_welcome,
                plaintext_handshake: rng.below(2) == 0,
                ..GroupConfig::default()
            };
            let keys = JoinerKeys::generate(suite.id(), b"passive client", 3650)
                .map_err(|e| format!("{suite}: {e}"))?;
            let Started {
                mut run,
                welcome,
                tree,
            } = Run::start_with(suite, config, &keys).map_err(|e| format!("{suite}: {e:?}"))?;
            let initial = hex::encode(run.active[0].epoch_authenticator().as_bytes());
            // Post-quantum keys and signatures are large: small groups keep the file small.
            run.max_members = PQ_VECTOR_MAX_MEMBERS;
            run.recording = Some(Recording::default());
            let mut attempts = 0;
            while run.recording.as_ref().map_or(0, |r| r.epochs.len()) < epochs {
                attempts += 1;
                if attempts > 10 * epochs {
                    return Err(format!("{suite}: the run makes no progress"));
                }
                let before = run.active[0].epoch();
                // Application messages have no place in a passive-client vector: draw again.
                let (kind, result) = step(&mut run, &mut rng);
                if kind == "application message" {
                    continue;
                }
                result.map_err(|e| format!("{suite}: {kind}: {e:?}"))?;
                if run.active[0].epoch() == before {
                    return Err(format!("{suite}: {kind} did not change the epoch"));
                }
            }
            let recording = run.recording.take().unwrap_or_default();
            cases.push(serde_json::json!({
                "cipher_suite": suite.id(),
                "comment": format!("Sonet self-generated: {} [draft-ietf-mls-pq-ciphersuites, provisional code point], openmls 0.9.2 with SonetCrypto; {}", suite.name(), if tree_in_welcome { "ratchet tree in the Welcome" } else { "ratchet tree out of band" }),
                "external_psks": [],
                "key_package": hex::encode(&keys.key_package),
                "signature_priv": hex::encode(keys.signature_private.as_bytes()),
                "encryption_priv": hex::encode(keys.encryption_private.as_bytes()),
                "init_priv": hex::encode(keys.init_private.as_bytes()),
                "welcome": hex::encode(&welcome),
                "ratchet_tree": tree.map(hex::encode),
                "initial_epoch_authenticator": initial,
                "epochs": recording.epochs,
            }));
        }
    }
    Ok(cases)
}

/// Writes [`PQ_VECTOR_FILE`] into `dir`.
pub fn write_pq_vectors(dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let cases = generate_pq_passive_vectors(seed())?;
    let mut text = serde_json::to_string_pretty(&cases).map_err(|e| e.to_string())?;
    text.push('\n');
    let path = dir.join(PQ_VECTOR_FILE);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_fails_when_the_oracle_misses_a_commit_or_a_message_is_altered() {
        let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
        let mut run = Run::start(suite, true).unwrap();
        run.agree().unwrap();
        // A commit the oracle never sees: every check after it must fail.
        let output = run.active[0].self_update().unwrap();
        run.active[0].merge_pending_commit().unwrap();
        let missed = output.commit;
        assert!(run.agree().is_err());
        // The oracle refuses the commit once a byte of it is flipped, then follows the real one.
        let mut altered = missed.clone();
        let at = altered.len() / 2;
        altered[at] ^= 1;
        assert!(run.observer.process(&altered).is_err());
        run.observer.process(&missed).unwrap();
        run.agree().unwrap();
    }
}
