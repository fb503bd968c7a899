//! RFC 9420 vector files checked by Sonet's independent oracle, `sonet_oracle`: every
//! field of every case, for every cipher suite the file holds. Registered in the `rfc9420` suite
//! under the provider name [`PROVIDER`], beside the engine's (openmls) sets.

use serde_json::Value;
use sonet::mls::primitives::{self, SuiteAlgorithms};
use sonet::secret::SecretBytes;
use sonet_oracle::key_schedule::{self, EpochSecrets, PskInput};
use sonet_oracle::protection::{self, PrivateParams};
use sonet_oracle::secret_tree::{self, RatchetKind, SecretTree};
use sonet_oracle::structures::{
    AuthenticatedContent, Codec, Commit, Content, FramedContent, GroupContext, MlsMessage,
    PreSharedKeyId, Proposal, Psk, Sender,
};
use sonet_oracle::transcript;
use sonet_oracle::{labeled, passive, tree_math, OracleError};
use sonet_report::model::SetResult;

use super::files::{field, read_cases, text_field, u64_field};
use crate::runner::{expect_eq, hex_field, record, CaseError, CaseResult, Job};
use crate::vectors::VectorStore;

pub const PROVIDER: &str = "sonet-oracle";

pub fn jobs(suite: &'static str) -> Vec<Job> {
    vec![
        Job::new(suite, "mls/tree-math.json", PROVIDER, tree_math_set),
        suite_job(
            suite,
            "mls/crypto-basics.json",
            "crypto-basics",
            crypto_basics_case,
        ),
        suite_job(
            suite,
            "mls/secret-tree.json",
            "secret-tree",
            secret_tree_case,
        ),
        suite_job(
            suite,
            "mls/key-schedule.json",
            "key-schedule",
            key_schedule_case,
        ),
        suite_job(suite, "mls/psk_secret.json", "psk-secret", psk_secret_case),
        suite_job(
            suite,
            "mls/transcript-hashes.json",
            "transcript-hashes",
            transcript_hashes_case,
        ),
        suite_job(
            suite,
            "mls/message-protection.json",
            "message-protection",
            message_protection_case,
        ),
    ]
}

/// A job running `check` on every entry of a per-cipher-suite vector file.
fn suite_job(
    suite: &'static str,
    path: &'static str,
    kind: &'static str,
    check: fn(&'static SuiteAlgorithms, &Value) -> CaseResult,
) -> Job {
    Job::new(suite, path, PROVIDER, move |store, set| {
        per_suite_set(store, path, kind, set, check)
    })
}

/// Runs `check` on every entry of a file whose entries carry a `cipher_suite`; an entry for a
/// suite the primitives do not implement is `unsupported`, never skipped.
pub(crate) fn per_suite_set(
    store: &VectorStore,
    path: &str,
    kind: &str,
    set: &mut SetResult,
    check: fn(&'static SuiteAlgorithms, &Value) -> CaseResult,
) -> Result<(), String> {
    let entries = read_cases(store, path, set)?;
    for (index, entry) in entries.iter().enumerate() {
        let (params, result) = match entry_suite(entry) {
            Ok(suite) => (suite.name.to_owned(), check(suite, entry)),
            Err((params, e)) => (params, Err(e)),
        };
        record(set, format!("case {index}"), &params, kind, result);
    }
    Ok(())
}

fn entry_suite(entry: &Value) -> Result<&'static SuiteAlgorithms, (String, CaseError)> {
    let id = entry
        .get("cipher_suite")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            (
                "cipher suite ?".to_owned(),
                CaseError::Fail("vector has no cipher_suite".into()),
            )
        })?;
    u16::try_from(id)
        .ok()
        .and_then(|id| primitives::suite(id).ok())
        .ok_or_else(|| {
            (
                format!("cipher suite {id}"),
                CaseError::Unsupported(format!("cipher suite {id} is not implemented")),
            )
        })
}

/// An oracle error: the vector is valid, so refusing it is a failure.
pub(crate) fn oracle(what: &str) -> impl Fn(OracleError) -> CaseError + '_ {
    move |e| CaseError::Fail(format!("{what}: {e}"))
}

fn int<T: TryFrom<u64>>(entry: &Value, name: &str) -> Result<T, CaseError> {
    T::try_from(u64_field(entry, name)?)
        .map_err(|_| CaseError::Fail(format!("field {name:?} is out of range")))
}

fn tree_math_set(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let entries = read_cases(store, "mls/tree-math.json", set)?;
    for (index, entry) in entries.iter().enumerate() {
        // Tree math depends on no cipher suite: the report's "no suite" column (empty params).
        let leaves = match entry.get("n_leaves").and_then(Value::as_u64) {
            Some(n) => format!("{n} leaves"),
            None => "? leaves".to_owned(),
        };
        record(
            set,
            format!("case {index} ({leaves})"),
            "",
            "tree-math",
            tree_math_case(entry),
        );
    }
    Ok(())
}

/// Compares one per-node column (`left`, `right`, `parent`, `sibling`) with the oracle, where
/// `null` means the oracle must refuse (a leaf has no children, the root no parent).
fn node_column(
    entry: &Value,
    name: &str,
    n_nodes: u32,
    f: impl Fn(u32) -> sonet_oracle::Result<u32>,
) -> Result<(), CaseError> {
    let column = field(entry, name)?
        .as_array()
        .ok_or_else(|| CaseError::Fail(format!("{name} is not an array")))?;
    if column.len() != n_nodes as usize {
        return Err(CaseError::Fail(format!(
            "{name} has {} entries for {n_nodes} nodes",
            column.len()
        )));
    }
    for (x, want) in column.iter().enumerate() {
        let got = f(x as u32).ok();
        let want = match want {
            Value::Null => None,
            v => Some(
                v.as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| CaseError::Fail(format!("{name}[{x}] is not a node index")))?,
            ),
        };
        if got != want {
            return Err(CaseError::Fail(format!(
                "{name}({x}): got {got:?}, want {want:?}"
            )));
        }
    }
    Ok(())
}

fn tree_math_case(entry: &Value) -> CaseResult {
    let n: u32 = int(entry, "n_leaves")?;
    let n_nodes: u32 = int(entry, "n_nodes")?;
    if tree_math::node_width(n) != n_nodes {
        return Err(CaseError::Fail(format!(
            "node_width({n}) = {}, want {n_nodes}",
            tree_math::node_width(n)
        )));
    }
    let root = tree_math::root(n).map_err(oracle("root"))?;
    if u64::from(root) != u64_field(entry, "root")? {
        return Err(CaseError::Fail(format!("root({n}) = {root}")));
    }
    node_column(entry, "left", n_nodes, tree_math::left)?;
    node_column(entry, "right", n_nodes, tree_math::right)?;
    node_column(entry, "parent", n_nodes, |x| tree_math::parent(x, n))?;
    node_column(entry, "sibling", n_nodes, |x| tree_math::sibling(x, n))?;
    Ok(format!(
        "node_width, root, left, right, parent, sibling of all {n_nodes} nodes match"
    ))
}

fn crypto_basics_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let v = field(entry, "ref_hash")?;
    let out = labeled::ref_hash(
        suite,
        text_field(v, "label")?.as_bytes(),
        &hex_field(v, "value")?,
    );
    expect_eq("RefHash", &out, &hex_field(v, "out")?)?;

    let v = field(entry, "expand_with_label")?;
    let out = labeled::expand_with_label(
        suite,
        &hex_field(v, "secret")?,
        text_field(v, "label")?.as_bytes(),
        &hex_field(v, "context")?,
        int(v, "length")?,
    )
    .map_err(oracle("ExpandWithLabel"))?;
    expect_eq("ExpandWithLabel", out.as_bytes(), &hex_field(v, "out")?)?;

    let v = field(entry, "derive_secret")?;
    let out = labeled::derive_secret(
        suite,
        &hex_field(v, "secret")?,
        text_field(v, "label")?.as_bytes(),
    )
    .map_err(oracle("DeriveSecret"))?;
    expect_eq("DeriveSecret", out.as_bytes(), &hex_field(v, "out")?)?;

    let v = field(entry, "derive_tree_secret")?;
    let out = labeled::derive_tree_secret(
        suite,
        &hex_field(v, "secret")?,
        text_field(v, "label")?.as_bytes(),
        int(v, "generation")?,
        int(v, "length")?,
    )
    .map_err(oracle("DeriveTreeSecret"))?;
    expect_eq("DeriveTreeSecret", out.as_bytes(), &hex_field(v, "out")?)?;

    let v = field(entry, "sign_with_label")?;
    let (private, public) = (hex_field(v, "priv")?, hex_field(v, "pub")?);
    let (label, content) = (text_field(v, "label")?.as_bytes(), hex_field(v, "content")?);
    labeled::verify_with_label(suite, &public, label, &content, &hex_field(v, "signature")?)
        .map_err(oracle("VerifyWithLabel on the vector's signature"))?;
    let ours = labeled::sign_with_label(suite, &private, label, &content)
        .map_err(oracle("SignWithLabel"))?;
    labeled::verify_with_label(suite, &public, label, &content, &ours)
        .map_err(oracle("VerifyWithLabel on our signature"))?;
    let mut altered = content.clone();
    altered.push(0);
    if labeled::verify_with_label(suite, &public, label, &altered, &ours).is_ok() {
        return Err(CaseError::Fail(
            "VerifyWithLabel accepted a signature over other content".into(),
        ));
    }

    let v = field(entry, "encrypt_with_label")?;
    let (private, public) = (hex_field(v, "priv")?, hex_field(v, "pub")?);
    let (label, context) = (text_field(v, "label")?.as_bytes(), hex_field(v, "context")?);
    let plaintext = hex_field(v, "plaintext")?;
    let opened = labeled::decrypt_with_label(
        suite,
        &private,
        label,
        &context,
        &hex_field(v, "kem_output")?,
        &hex_field(v, "ciphertext")?,
    )
    .map_err(oracle("DecryptWithLabel on the vector's ciphertext"))?;
    expect_eq("DecryptWithLabel", &opened, &plaintext)?;
    let (kem_output, ciphertext) =
        labeled::encrypt_with_label(suite, &public, label, &context, &plaintext)
            .map_err(oracle("EncryptWithLabel"))?;
    let opened =
        labeled::decrypt_with_label(suite, &private, label, &context, &kem_output, &ciphertext)
            .map_err(oracle("DecryptWithLabel on our ciphertext"))?;
    expect_eq("EncryptWithLabel round trip", &opened, &plaintext)?;

    Ok(
        "RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret match; the vector's \
        signature and ciphertext verify and open, ours round-trip"
            .to_owned(),
    )
}

fn array_field<'a>(entry: &'a Value, name: &str) -> Result<&'a Vec<Value>, CaseError> {
    field(entry, name)?
        .as_array()
        .ok_or_else(|| CaseError::Fail(format!("field {name:?} is not an array")))
}

/// secret-tree.json: the sender-data key and nonce for the sample ciphertext, and the handshake
/// and application keys and nonces of every listed generation of every leaf, in a tree of
/// `leaves.len()` leaves.
fn secret_tree_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let sd = field(entry, "sender_data")?;
    let keys = secret_tree::sender_data_key_nonce(
        suite,
        &hex_field(sd, "sender_data_secret")?,
        &hex_field(sd, "ciphertext")?,
    )
    .map_err(oracle("sender data key/nonce"))?;
    expect_eq(
        "sender data key",
        keys.key.as_bytes(),
        &hex_field(sd, "key")?,
    )?;
    expect_eq(
        "sender data nonce",
        keys.nonce.as_bytes(),
        &hex_field(sd, "nonce")?,
    )?;

    let leaves = array_field(entry, "leaves")?;
    let n_leaves =
        u32::try_from(leaves.len()).map_err(|_| CaseError::Fail("too many leaves".into()))?;
    let tree = SecretTree::new(suite, &hex_field(entry, "encryption_secret")?, n_leaves)
        .map_err(oracle("secret tree"))?;
    let mut checked = 0usize;
    for (leaf, generations) in leaves.iter().enumerate() {
        let leaf = leaf as u32;
        let generations = generations
            .as_array()
            .ok_or_else(|| CaseError::Fail(format!("leaves[{leaf}] is not an array")))?;
        for g in generations {
            let generation: u32 = int(g, "generation")?;
            for (kind, name) in [
                (RatchetKind::Handshake, "handshake"),
                (RatchetKind::Application, "application"),
            ] {
                let kn = tree
                    .key_nonce(leaf, kind, generation)
                    .map_err(oracle("ratchet"))?;
                let what = format!("leaf {leaf} {name} generation {generation}");
                expect_eq(
                    &format!("{what} key"),
                    kn.key.as_bytes(),
                    &hex_field(g, &format!("{name}_key"))?,
                )?;
                expect_eq(
                    &format!("{what} nonce"),
                    kn.nonce.as_bytes(),
                    &hex_field(g, &format!("{name}_nonce"))?,
                )?;
            }
            checked += 1;
        }
    }
    Ok(format!(
        "sender data key/nonce and {checked} leaf generations (handshake and application key \
        and nonce) in a {n_leaves}-leaf tree match"
    ))
}

/// key-schedule.json: one case per entry, covering all its epochs in order (each epoch's
/// init_secret feeds the next, so an epoch cannot be checked alone). Epoch `i` of the array is
/// epoch number `i`; the first takes `initial_init_secret`.
fn key_schedule_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let group_id = hex_field(entry, "group_id")?;
    let mut init_secret = SecretBytes::new(hex_field(entry, "initial_init_secret")?);
    let epochs = array_field(entry, "epochs")?;
    for (epoch, e) in epochs.iter().enumerate() {
        let at = |what: &str| format!("epoch {epoch} {what}");
        let group_context = key_schedule::group_context(
            suite.id,
            &group_id,
            epoch as u64,
            &hex_field(e, "tree_hash")?,
            &hex_field(e, "confirmed_transcript_hash")?,
            vec![],
        )
        .to_bytes();
        expect_eq(
            &at("group_context"),
            &group_context,
            &hex_field(e, "group_context")?,
        )?;
        let secrets = EpochSecrets::derive(
            suite,
            init_secret.as_bytes(),
            &hex_field(e, "commit_secret")?,
            &hex_field(e, "psk_secret")?,
            &group_context,
        )
        .map_err(oracle("key schedule"))?;
        for (name, got) in [
            ("joiner_secret", &secrets.joiner_secret),
            ("welcome_secret", &secrets.welcome_secret),
            ("init_secret", &secrets.init_secret),
            ("sender_data_secret", &secrets.sender_data_secret),
            ("encryption_secret", &secrets.encryption_secret),
            ("exporter_secret", &secrets.exporter_secret),
            ("epoch_authenticator", &secrets.epoch_authenticator),
            ("external_secret", &secrets.external_secret),
            ("confirmation_key", &secrets.confirmation_key),
            ("membership_key", &secrets.membership_key),
            ("resumption_psk", &secrets.resumption_psk),
        ] {
            expect_eq(&at(name), got.as_bytes(), &hex_field(e, name)?)?;
        }
        let (_, external_pub) = secrets.external_key_pair(suite);
        expect_eq(
            &at("external_pub"),
            &external_pub,
            &hex_field(e, "external_pub")?,
        )?;
        let x = field(e, "exporter")?;
        let exported = secrets
            .export(
                suite,
                // test-vectors.md types `exporter.label` as a string (whose text happens to
                // look like hex) and `context` as hex-encoded bytes.
                text_field(x, "label")?.as_bytes(),
                &hex_field(x, "context")?,
                int(x, "length")?,
            )
            .map_err(oracle("MLS-Exporter"))?;
        expect_eq(
            &at("exporter.secret"),
            exported.as_bytes(),
            &hex_field(x, "secret")?,
        )?;
        init_secret = secrets.init_secret.clone();
    }
    Ok(format!(
        "{} epochs: group_context, all 11 secrets, external_pub and the exporter output match",
        epochs.len()
    ))
}

/// psk_secret.json: every PSK is external, identified by the raw `psk_id` with its nonce.
fn psk_secret_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let psks = array_field(entry, "psks")?
        .iter()
        .map(|p| {
            Ok(PskInput {
                id: PreSharedKeyId {
                    psk: Psk::External {
                        psk_id: hex_field(p, "psk_id")?,
                    },
                    psk_nonce: hex_field(p, "psk_nonce")?,
                },
                psk: SecretBytes::new(hex_field(p, "psk")?),
            })
        })
        .collect::<Result<Vec<_>, CaseError>>()?;
    let secret = key_schedule::psk_secret(suite, &psks).map_err(oracle("psk_secret"))?;
    expect_eq(
        "psk_secret",
        secret.as_bytes(),
        &hex_field(entry, "psk_secret")?,
    )?;
    Ok(format!(
        "psk_secret over {} external PSKs matches",
        psks.len()
    ))
}

/// transcript-hashes.json: the commit's AuthenticatedContent decodes and re-encodes to its exact
/// bytes, updating `interim_transcript_hash_before` with it gives both hashes after, and its
/// confirmation tag verifies under `confirmation_key` over the confirmed hash after.
fn transcript_hashes_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let bytes = hex_field(entry, "authenticated_content")?;
    let content =
        AuthenticatedContent::from_bytes(&bytes).map_err(oracle("AuthenticatedContent"))?;
    expect_eq(
        "AuthenticatedContent re-encoding",
        &content.to_bytes(),
        &bytes,
    )?;
    let after = transcript::after_commit(
        suite,
        &hex_field(entry, "interim_transcript_hash_before")?,
        &content,
    )
    .map_err(oracle("transcript update"))?;
    expect_eq(
        "confirmed_transcript_hash_after",
        &after.confirmed_transcript_hash,
        &hex_field(entry, "confirmed_transcript_hash_after")?,
    )?;
    expect_eq(
        "interim_transcript_hash_after",
        &after.interim_transcript_hash,
        &hex_field(entry, "interim_transcript_hash_after")?,
    )?;
    let tag = content
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or_else(|| CaseError::Fail("the commit has no confirmation tag".into()))?;
    transcript::verify_confirmation_tag(
        suite,
        &hex_field(entry, "confirmation_key")?,
        &after.confirmed_transcript_hash,
        tag,
    )
    .map_err(oracle("confirmation tag"))?;
    Ok("both transcript hashes match and the confirmation tag verifies".to_owned())
}

/// The sender of every message in message-protection.json (test-vectors.md: leaf index 1, in a
/// secret tree of two leaves).
const PROTECTION_SENDER: u32 = 1;
const PROTECTION_LEAVES: u32 = 2;

/// The keys and context of one message-protection.json entry.
struct ProtectionGroup {
    suite: &'static SuiteAlgorithms,
    context: GroupContext,
    tree: SecretTree,
    sender_data_secret: Vec<u8>,
    membership_key: Vec<u8>,
    signature_priv: Vec<u8>,
    signature_pub: Vec<u8>,
}

impl ProtectionGroup {
    fn decode(what: &str, bytes: &[u8]) -> Result<MlsMessage, CaseError> {
        let message = MlsMessage::from_bytes(bytes).map_err(oracle(what))?;
        expect_eq(&format!("{what} re-encoding"), &message.to_bytes(), bytes)?;
        Ok(message)
    }

    /// Unprotects an encoded MLSMessage (public or private) and checks the sender.
    fn unprotect(&self, what: &str, bytes: &[u8]) -> Result<AuthenticatedContent, CaseError> {
        let content = match Self::decode(what, bytes)? {
            MlsMessage::PublicMessage(m) => protection::unprotect_public(
                self.suite,
                &m,
                &self.context,
                &self.signature_pub,
                &self.membership_key,
            )
            .map_err(oracle(what))?,
            MlsMessage::PrivateMessage(m) => {
                protection::unprotect_private(
                    self.suite,
                    &m,
                    &self.context,
                    &self.tree,
                    &self.sender_data_secret,
                    &self.signature_pub,
                )
                .map_err(oracle(what))?
                .0
            }
            other => {
                return Err(CaseError::Fail(format!(
                    "{what} is wire format {}, not a Public- or PrivateMessage",
                    other.wire_format()
                )))
            }
        };
        if content.content.sender != Sender::Member(PROTECTION_SENDER) {
            return Err(CaseError::Fail(format!(
                "{what}: sender {:?}, want member {PROTECTION_SENDER}",
                content.content.sender
            )));
        }
        Ok(content)
    }
}

/// message-protection.json: for the proposal, the commit and the application data, the
/// vector's PublicMessage (not for application data) and PrivateMessage unprotect to exactly
/// that content; then the oracle protects the content itself both ways, encodes, decodes and
/// unprotects its own messages. A commit's confirmation tag cannot be computed here (the vector
/// gives no confirmation key or transcript), so our own commits carry the tag the vector's
/// commit carried.
fn message_protection_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let group_id = hex_field(entry, "group_id")?;
    let epoch = u64_field(entry, "epoch")?;
    let group = ProtectionGroup {
        suite,
        context: key_schedule::group_context(
            suite.id,
            &group_id,
            epoch,
            &hex_field(entry, "tree_hash")?,
            &hex_field(entry, "confirmed_transcript_hash")?,
            vec![],
        ),
        tree: SecretTree::new(
            suite,
            &hex_field(entry, "encryption_secret")?,
            PROTECTION_LEAVES,
        )
        .map_err(oracle("secret tree"))?,
        sender_data_secret: hex_field(entry, "sender_data_secret")?,
        membership_key: hex_field(entry, "membership_key")?,
        signature_priv: hex_field(entry, "signature_priv")?,
        signature_pub: hex_field(entry, "signature_pub")?,
    };
    for name in ["proposal", "commit", "application"] {
        let body = hex_field(entry, name)?;
        let want = match name {
            "proposal" => Content::Proposal(Proposal::from_bytes(&body).map_err(oracle(name))?),
            "commit" => Content::Commit(Commit::from_bytes(&body).map_err(oracle(name))?),
            _ => Content::Application(body.clone()),
        };
        if let Content::Proposal(p) = &want {
            expect_eq("proposal re-encoding", &p.to_bytes(), &body)?;
        }
        if let Content::Commit(c) = &want {
            expect_eq("commit re-encoding", &c.to_bytes(), &body)?;
        }
        let mut received = Vec::new();
        let mut names = vec![format!("{name}_priv")];
        if name != "application" {
            names.insert(0, format!("{name}_pub"));
        }
        for what in names {
            let mut bytes = hex_field(entry, &what)?;
            received.push(group.unprotect(&what, &bytes)?);
            // The last byte is in the membership tag (public) or the AEAD ciphertext (private):
            // flipping it must make the oracle refuse the message.
            if let Some(last) = bytes.last_mut() {
                *last ^= 1;
            }
            if group.unprotect(&what, &bytes).is_ok() {
                return Err(CaseError::Fail(format!(
                    "{what} with its last byte flipped was accepted"
                )));
            }
        }
        for ac in &received {
            if ac.content.content != want {
                return Err(CaseError::Fail(format!(
                    "{name}: an unprotected message's content differs from {name}"
                )));
            }
        }
        let confirmation_tag = received
            .first()
            .and_then(|ac| ac.auth.confirmation_tag.clone());
        let framed = FramedContent {
            group_id: group_id.clone(),
            epoch,
            sender: Sender::Member(PROTECTION_SENDER),
            authenticated_data: b"sonet-oracle".to_vec(),
            content: want.clone(),
        };
        let mut ours = Vec::new();
        if name != "application" {
            let m = protection::protect_public(
                suite,
                framed.clone(),
                confirmation_tag.clone(),
                &group.context,
                &group.signature_priv,
                &group.membership_key,
            )
            .map_err(oracle("protect as PublicMessage"))?;
            ours.push(("our PublicMessage", MlsMessage::PublicMessage(m).to_bytes()));
        }
        let m = protection::protect_private(
            suite,
            framed.clone(),
            confirmation_tag,
            &group.context,
            &group.signature_priv,
            &group.tree,
            &group.sender_data_secret,
            PrivateParams {
                generation: 3,
                reuse_guard: [0xa5, 0x5a, 0x0f, 0xf0],
                padding: 16,
            },
        )
        .map_err(oracle("protect as PrivateMessage"))?;
        ours.push((
            "our PrivateMessage",
            MlsMessage::PrivateMessage(m).to_bytes(),
        ));
        for (what, bytes) in ours {
            let ac = group.unprotect(what, &bytes)?;
            if ac.content != framed {
                return Err(CaseError::Fail(format!(
                    "{name}: {what} unprotects to other content"
                )));
            }
        }
    }
    Ok(
        "proposal and commit (public and private) and application (private) unprotect to the \
        vector's content and are refused once altered; our own protected messages of each \
        round-trip"
            .to_owned(),
    )
}

pub(crate) fn passive_jobs(suite: &'static str) -> Vec<Job> {
    // The same mlswg and mlspp files the engine runs, through the oracle's passive member.
    super::files::PASSIVE_FILES
        .into_iter()
        .chain(super::files::INTEROP_FILES)
        .map(|path| {
            Job::new(suite, path, PROVIDER, move |store, set| {
                per_suite_set(store, path, "passive-client", set, passive_case)
            })
        })
        .collect()
}

fn passive_case(_: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let case = sonet::mls::PassiveClientCase::from_json(entry)
        .map_err(|e| CaseError::Fail(format!("malformed vector: {e}")))?;
    match passive::run_passive_client_vector(&case) {
        Ok(epochs) => Ok(format!(
            "joined; initial and {epochs} epoch authenticators match"
        )),
        Err((step, e @ OracleError::Unsupported(_))) => {
            Err(CaseError::Unsupported(format!("{step}: {e}")))
        }
        Err((step, e)) => Err(CaseError::Fail(format!("{step}: {e}"))),
    }
}
