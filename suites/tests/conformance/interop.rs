//! Suite `interop`: Sonet (`sonet::mls`, openmls) and mls-rs — an independent implementation,
//! with its RustCrypto and its OpenSSL provider — live in the same groups, exchanging only
//! serialized `MLSMessage`s. Every step is a case, and after every commit all members must
//! agree on the epoch, the epoch authenticator and an exported secret.
//!
//! Three scenarios per peer provider, each over all seven RFC 9420 cipher suites (a suite one
//! side cannot run is `unsupported` for every step, with the reason):
//! - `sonet-creates`: Sonet creates the group and adds an mls-rs member, messages flow both
//!   ways, mls-rs commits an update and adds a third (mls-rs) member, Sonet removes it;
//! - `mls-rs-creates`: the same with the roles reversed;
//! - `random-50-epochs`: 2 Sonet and 2 mls-rs clients, 50 epochs of updates, removals and
//!   re-additions chosen by a seeded generator (`SONET_INTEROP_SEED` overrides the seed), an
//!   application message from a random member in every epoch.
//!
//! The two framings (PublicMessage / PrivateMessage handshakes) and the two ways of handing a
//! joiner the ratchet tree (in the Welcome / out of band) are spread over the members, so every
//! combination crosses the implementation boundary in both directions.
//!
//! Tampered copies (one byte flipped) go only to Sonet receivers: that is Sonet's bad-input
//! requirement. mls-rs 0.57, handed a PrivateMessage *commit* whose AEAD check fails, has
//! already consumed that generation's handshake key, so the genuine commit no longer decrypts
//! ("key not available, invalid generation 0") — a robustness property of the peer, not an
//! interoperability failure, and left out of this suite.

use sonet::mls::CipherSuite;
use sonet_report::model::SetResult;
use sonet_suites::rng::SplitMix64;
use sonet_suites::runner::{record, CaseError, Job, Suite};
use sonet_testkit::peers::mls::{
    self as peers, CommitMessages, Implementation, Member, Received, Style,
};

pub const SUITE: Suite = Suite {
    name: "interop",
    description: "MLS live interop: Sonet (openmls) and mls-rs (RustCrypto and OpenSSL \
                  providers) in the same groups, both directions and a seeded 50-epoch run",
    jobs,
};

const SCENARIOS: [(&str, usize); 3] = [
    ("sonet-creates", SCRIPTED_STEPS),
    ("mls-rs-creates", SCRIPTED_STEPS),
    ("random-50-epochs", RANDOM_EPOCHS),
];

const SCRIPTED_STEPS: usize = 10;
const SONET: &str = "sonet";
const RANDOM_EPOCHS: usize = 50;
const DEFAULT_SEED: u64 = 0x5EED_0950;

/// What every member exports after each commit, to compare the key schedules beyond the
/// epoch authenticator.
const EXPORTER_LABEL: &str = "sonet interop";

fn jobs() -> Vec<Job> {
    let peers: [fn() -> Box<dyn Implementation>; 2] = [
        || Box::new(peers::mls_rs_rustcrypto()),
        || Box::new(peers::mls_rs_openssl()),
    ];
    let mut jobs = Vec::new();
    for make_peer in peers {
        let provider = make_peer().name();
        for (scenario, steps) in SCENARIOS {
            jobs.push(Job::new(
                SUITE.name,
                scenario,
                provider,
                move |_store, set| {
                    let peer = make_peer();
                    set.expected_cases = Some((steps * CipherSuite::ALL.len()) as u64);
                    for suite in CipherSuite::ALL {
                        let mut run = Run::new(set, suite, &peers::Sonet, peer.as_ref());
                        match scenario {
                            "sonet-creates" => sonet_creates(&mut run),
                            "mls-rs-creates" => mls_rs_creates(&mut run),
                            _ => random_epochs(&mut run, seed()),
                        }
                    }
                    Ok(())
                },
            ));
        }
    }
    jobs
}

fn seed() -> u64 {
    std::env::var("SONET_INTEROP_SEED")
        .ok()
        .and_then(|s| {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        })
        .unwrap_or(DEFAULT_SEED)
}

/// One scenario under one cipher suite: the members, and the steps recorded so far. After a
/// step fails, the remaining steps are recorded as failed ("not reached"), so every set always
/// has the same number of cases.
struct Run<'a> {
    set: &'a mut SetResult,
    params: String,
    suite: u16,
    sonet: &'a dyn Implementation,
    peer: &'a dyn Implementation,
    unsupported: Option<String>,
    failed_at: Option<String>,
    members: Vec<Box<dyn Member>>,
    clients: usize,
}

impl<'a> Run<'a> {
    fn new(
        set: &'a mut SetResult,
        suite: CipherSuite,
        sonet: &'a dyn Implementation,
        peer: &'a dyn Implementation,
    ) -> Self {
        let unsupported = [sonet, peer]
            .into_iter()
            .find(|i| !i.supports(suite.id()))
            .map(|i| {
                format!(
                    "{} cannot run {} (0x{:04x}) with its crypto provider",
                    i.name(),
                    suite.name(),
                    suite.id()
                )
            });
        Self {
            set,
            params: suite.name().to_owned(),
            suite: suite.id(),
            sonet,
            peer,
            unsupported,
            failed_at: None,
            members: Vec::new(),
            clients: 0,
        }
    }

    fn step(
        &mut self,
        id: String,
        kind: &str,
        action: impl FnOnce(&mut Self) -> Result<String, String>,
    ) {
        let result = if let Some(reason) = &self.unsupported {
            Err(CaseError::Unsupported(reason.clone()))
        } else if let Some(first) = &self.failed_at {
            Err(CaseError::Fail(format!("not reached: {first} failed")))
        } else {
            action(self).map_err(|detail| {
                self.failed_at = Some(id.clone());
                CaseError::Fail(detail)
            })
        };
        let params = self.params.clone();
        record(self.set, id, &params, kind, result);
    }

    /// A fresh client identity, unique within the run.
    fn new_identity(&mut self, implementation: &dyn Implementation) -> Vec<u8> {
        self.clients += 1;
        format!("{}-client-{}", implementation.name(), self.clients).into_bytes()
    }

    fn create(
        &mut self,
        implementation: &dyn Implementation,
        style: Style,
    ) -> Result<String, String> {
        let identity = self.new_identity(implementation);
        let member = implementation.create_group(&identity, self.suite, style)?;
        let detail = format!(
            "{} created the group at epoch {} ({})",
            member.label(),
            member.epoch(),
            style.describe()
        );
        self.members = vec![member];
        Ok(detail)
    }

    /// `committer` adds a fresh client of `implementation`; every member processes the commit;
    /// the new client joins from the Welcome (with the committer's tree out of band if the
    /// committer's style keeps it out of the Welcome).
    fn add(
        &mut self,
        committer: usize,
        implementation: &dyn Implementation,
        style: Style,
    ) -> Result<String, String> {
        let identity = self.new_identity(implementation);
        let joiner = implementation.joiner(&identity, self.suite, style)?;
        let messages = self.members[committer].commit_add(&[joiner.key_package()])?;
        let welcome = messages
            .welcome
            .clone()
            .ok_or("the add commit produced no Welcome")?;
        let mut detail = self.deliver(committer, &messages, None, false)?;
        let tree_in_welcome = self.members[committer].style().tree_in_welcome;
        let tree = if tree_in_welcome {
            None
        } else {
            Some(self.members[committer].ratchet_tree()?)
        };
        let member = joiner.join(&welcome, tree.as_deref())?;
        detail = format!(
            "{} added {}, which joined with the ratchet tree {} (and {}); {detail}",
            self.members[committer].label(),
            member.label(),
            if tree_in_welcome {
                "from the Welcome"
            } else {
                "out of band"
            },
            style.describe(),
        );
        self.members.push(member);
        Ok(format!("{detail}; {}", self.agree()?))
    }

    /// `committer` commits an update. With `tamper`, every other Sonet member is first handed a
    /// copy of the commit with one byte flipped, and must reject it without losing its state.
    fn update(&mut self, committer: usize, tamper: bool) -> Result<String, String> {
        let messages = self.members[committer].commit_update()?;
        let detail = self.deliver(committer, &messages, None, tamper)?;
        Ok(format!(
            "{} committed an update; {detail}; {}",
            self.members[committer].label(),
            self.agree()?
        ))
    }

    fn remove(&mut self, committer: usize, target: usize) -> Result<String, String> {
        let target_identity = self.members[target].identity();
        // The committer finds the target in its own roster: both implementations must agree on
        // who sits at which leaf.
        let leaf = self.members[committer]
            .roster()
            .into_iter()
            .find(|(_, identity)| *identity == target_identity)
            .map(|(leaf, _)| leaf)
            .ok_or("the committer's roster does not list the member to remove")?;
        if leaf != self.members[target].leaf_index() {
            return Err(format!(
                "the committer places {} at leaf {leaf}, the member itself at leaf {}",
                self.members[target].label(),
                self.members[target].leaf_index()
            ));
        }
        let messages = self.members[committer].commit_remove(leaf)?;
        let detail = self.deliver(committer, &messages, Some(target), false)?;
        let removed = self.members.remove(target);
        Ok(format!(
            "{} removed {} (leaf {leaf}); {detail}; {}",
            self.members[if committer > target {
                committer - 1
            } else {
                committer
            }]
            .label(),
            removed.label(),
            self.agree()?
        ))
    }

    /// The committer merges its pending commit; every other member processes it and must reach
    /// the committer's epoch, or, for `removed`, learn that it was removed.
    fn deliver(
        &mut self,
        committer: usize,
        messages: &CommitMessages,
        removed: Option<usize>,
        tamper: bool,
    ) -> Result<String, String> {
        self.members[committer].merge_own_commit()?;
        let epoch = self.members[committer].epoch();
        let tampered = flip_middle_byte(&messages.commit);
        for (index, member) in self.members.iter_mut().enumerate() {
            if index == committer {
                continue;
            }
            if tamper && member.implementation() == SONET {
                expect_rejection(member.as_mut(), &tampered, "commit")?;
            }
            let received = member
                .process(&messages.commit)
                .map_err(|e| format!("{} rejected the commit: {e}", member.label()))?;
            let expected = if Some(index) == removed {
                Received::Removed
            } else {
                Received::NewEpoch(epoch)
            };
            if received != expected {
                return Err(format!(
                    "{} processed the commit as {received:?}, expected {expected:?}",
                    member.label()
                ));
            }
        }
        Ok(format!(
            "commit processed by {}{}",
            self.members.len() - 1,
            if tamper {
                ", the Sonet members each after rejecting a copy with one byte flipped"
            } else {
                ""
            }
        ))
    }

    /// Every member is at the same epoch with the same epoch authenticator and exporter output.
    fn agree(&self) -> Result<String, String> {
        let first = self.members.first().ok_or("the group is empty")?;
        let epoch = first.epoch();
        let authenticator = first.epoch_authenticator()?;
        let exported = first.export_secret(EXPORTER_LABEL, b"", 32)?;
        for member in &self.members[1..] {
            if member.epoch() != epoch {
                return Err(format!(
                    "{} is at epoch {}, {} at epoch {epoch}",
                    member.label(),
                    member.epoch(),
                    first.label()
                ));
            }
            if member.epoch_authenticator()? != authenticator {
                return Err(format!(
                    "epoch {epoch}: {} and {} disagree on the epoch authenticator",
                    member.label(),
                    first.label()
                ));
            }
            if member.export_secret(EXPORTER_LABEL, b"", 32)? != exported {
                return Err(format!(
                    "epoch {epoch}: {} and {} export different secrets",
                    member.label(),
                    first.label()
                ));
            }
        }
        Ok(format!(
            "epoch {epoch}: {} members agree on epoch authenticator {}… and exporter output",
            self.members.len(),
            hex::encode(&authenticator[..authenticator.len().min(8)])
        ))
    }

    /// `sender` encrypts an application message; every other member decrypts it (with
    /// `tamper`, the Sonet members after rejecting a copy with one byte flipped).
    fn send(&mut self, sender: usize, tamper: bool) -> Result<String, String> {
        let text = format!(
            "epoch {} from {}",
            self.members[sender].epoch(),
            self.members[sender].label()
        )
        .into_bytes();
        let ciphertext = self.members[sender].encrypt(&text)?;
        let sender_label = self.members[sender].label();
        let tampered = flip_middle_byte(&ciphertext);
        for (index, member) in self.members.iter_mut().enumerate() {
            if index == sender {
                continue;
            }
            if tamper && member.implementation() == SONET {
                expect_rejection(member.as_mut(), &tampered, "application message")?;
            }
            match member.process(&ciphertext) {
                Ok(Received::Application(data)) if data == text => {}
                Ok(other) => {
                    return Err(format!(
                        "{} got {other:?} for {sender_label}'s application message",
                        member.label()
                    ))
                }
                Err(e) => {
                    return Err(format!(
                        "{} cannot decrypt {sender_label}'s application message: {e}",
                        member.label()
                    ))
                }
            }
        }
        Ok(format!(
            "{sender_label}'s {}-byte application message ({} bytes on the wire) decrypted by \
             {}{}",
            text.len(),
            ciphertext.len(),
            self.members.len() - 1,
            if tamper {
                ", the Sonet members each after rejecting a copy with one byte flipped"
            } else {
                ""
            }
        ))
    }
}

fn flip_middle_byte(message: &[u8]) -> Vec<u8> {
    let mut copy = message.to_vec();
    if let Some(byte) = copy.get_mut(message.len() / 2) {
        *byte ^= 0x01;
    }
    copy
}

/// A tampered message must be refused; the member's state is checked afterwards by processing
/// the genuine message and by the agreement check.
fn expect_rejection(member: &mut dyn Member, tampered: &[u8], what: &str) -> Result<(), String> {
    match member.process(tampered) {
        Err(_) => Ok(()),
        Ok(received) => Err(format!(
            "{} accepted a {what} with one byte flipped: {received:?}",
            member.label()
        )),
    }
}

/// The two styles each scenario spreads over its members.
const ENCRYPTED_TREE_IN_WELCOME: Style = Style {
    tree_in_welcome: true,
    encrypted_handshake: true,
};
const PUBLIC_TREE_OUT_OF_BAND: Style = Style {
    tree_in_welcome: false,
    encrypted_handshake: false,
};

/// Sonet creates the group (PrivateMessage handshakes, tree in the Welcome); its mls-rs members
/// use PublicMessage handshakes and out-of-band trees.
fn sonet_creates(run: &mut Run<'_>) {
    scripted(
        run,
        Side::Sonet,
        ENCRYPTED_TREE_IN_WELCOME,
        PUBLIC_TREE_OUT_OF_BAND,
    );
}

/// mls-rs creates the group (PrivateMessage handshakes, tree in the Welcome); its Sonet members
/// use PublicMessage handshakes and out-of-band trees.
fn mls_rs_creates(run: &mut Run<'_>) {
    scripted(
        run,
        Side::Peer,
        ENCRYPTED_TREE_IN_WELCOME,
        PUBLIC_TREE_OUT_OF_BAND,
    );
}

#[derive(Clone, Copy)]
enum Side {
    Sonet,
    Peer,
}

/// The directed scenario: A creates; A adds B (the other implementation); messages both ways;
/// B updates; B adds C (B's implementation); C sends; A removes C; then the mls-rs member commits
/// an update and sends a message, each of which the Sonet member first receives with one byte
/// flipped and must reject.
fn scripted(run: &mut Run<'_>, creator: Side, creator_style: Style, other_style: Style) {
    let (creator_impl, other_impl) = match creator {
        Side::Sonet => (run.sonet, run.peer),
        Side::Peer => (run.peer, run.sonet),
    };
    let (a, b) = (creator_impl.name(), other_impl.name());
    // Member indices: 0 = A, 1 = B, 2 = C.
    run.step("1 create".into(), "create", |r| {
        r.create(creator_impl, creator_style)
    });
    run.step(format!("2 {a} adds {b}"), "add", |r| {
        r.add(0, other_impl, other_style)
    });
    run.step(format!("3 {a} to {b}"), "application", |r| r.send(0, false));
    run.step(format!("4 {b} to {a}"), "application", |r| r.send(1, false));
    run.step(format!("5 {b} updates"), "update", |r| r.update(1, false));
    run.step(format!("6 {b} adds a second {b} member"), "add", |r| {
        r.add(1, other_impl, other_style)
    });
    run.step(format!("7 new {b} member to all"), "application", |r| {
        r.send(2, false)
    });
    run.step(
        format!("8 {a} removes the second {b} member"),
        "remove",
        |r| r.remove(0, 2),
    );
    // Bad input crossing the boundary: the mls-rs member's next commit and message reach the
    // Sonet member first with one byte flipped (a PublicMessage commit in `sonet-creates`, a
    // PrivateMessage one in `mls-rs-creates`).
    let peer_member = match creator {
        Side::Sonet => 1,
        Side::Peer => 0,
    };
    let peer_name = run.peer.name();
    run.step(
        format!("9 {peer_name} updates, Sonet gets a tampered copy first"),
        "tampered",
        |r| r.update(peer_member, true),
    );
    run.step(
        format!("10 {peer_name} sends, Sonet gets a tampered copy first"),
        "tampered",
        |r| r.send(peer_member, true),
    );
}

/// A random framing and tree delivery for one client.
fn style(rng: &mut SplitMix64) -> Style {
    let bits = rng.next_u64();
    Style {
        tree_in_welcome: bits & 1 == 1,
        encrypted_handshake: bits & 2 == 2,
    }
}

/// 2 Sonet and 2 mls-rs clients; epochs 1–3 add the other three; from then on each epoch a
/// random member either commits an update or removes a random other member, and the epoch
/// after a removal a random member adds a fresh client of the removed one's implementation.
/// After every commit a random member sends an application message.
fn random_epochs(run: &mut Run<'_>, seed: u64) {
    let mut rng = SplitMix64(seed ^ u64::from(run.suite));
    let (sonet, peer) = (run.sonet, run.peer);
    let creator_style = style(&mut rng);
    let mut creation = None;
    if run.unsupported.is_none() {
        creation = Some(run.create(sonet, creator_style));
    }
    // Which implementation the group is short of, after a removal.
    let mut missing: Option<&dyn Implementation> = None;
    for epoch in 1..=RANDOM_EPOCHS {
        let id = format!("epoch {epoch:02}");
        let style = style(&mut rng);
        let actor_pick = rng.next_u64();
        let action_pick = rng.next_u64();
        let target_pick = rng.next_u64();
        let sender_pick = rng.next_u64();
        run.step(id, "random", |r| {
            if let Some(Err(e)) = creation.take() {
                return Err(format!("creating the group failed: {e}"));
            }
            let size = r.members.len();
            let actor = (actor_pick % size as u64) as usize;
            let detail = match epoch {
                1 => r.add(0, peer, style)?,
                2 => r.add(actor, sonet, style)?,
                3 => r.add(actor, peer, style)?,
                _ => {
                    if let Some(implementation) = missing.take() {
                        r.add(actor, implementation, style)?
                    } else if epoch < RANDOM_EPOCHS && action_pick.is_multiple_of(2) {
                        let others: Vec<usize> = (0..size).filter(|&i| i != actor).collect();
                        let target = others[(target_pick % others.len() as u64) as usize];
                        missing = Some(if r.members[target].implementation() == sonet.name() {
                            sonet
                        } else {
                            peer
                        });
                        r.remove(actor, target)?
                    } else {
                        r.update(actor, false)?
                    }
                }
            };
            let sender = (sender_pick % r.members.len() as u64) as usize;
            Ok(format!(
                "seed {seed:#x}: {detail}; {}",
                r.send(sender, false)?
            ))
        });
    }
}
