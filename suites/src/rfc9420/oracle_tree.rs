//! RFC 9420 wire structures and ratchet tree vectors checked by the independent oracle
//! (`sonet_oracle::{structures, tree}`): messages.json, tree-validation.json,
//! tree-operations.json. Registered by the suite after [`super::oracle::jobs`].

use serde_json::Value;
use sonet::mls::primitives::SuiteAlgorithms;
use sonet_oracle::structures::{self, Codec, MessageField, MlsMessage, Node, Proposal};
use sonet_oracle::structures::{GroupContext, UpdatePath, PROTOCOL_VERSION_MLS10};
use sonet_oracle::tree::RatchetTree;
use sonet_oracle::{labeled, treekem};
use sonet_report::model::SetResult;
use std::collections::BTreeMap;

use super::files::{field, read_cases, u64_field};
use super::oracle::{oracle, per_suite_set, PROVIDER};
use crate::runner::{expect_eq, hex_field, record, CaseError, CaseResult, Job};
use crate::vectors::VectorStore;

pub fn jobs(suite: &'static str) -> Vec<Job> {
    vec![
        Job::new(suite, "mls/messages.json", PROVIDER, messages_set),
        Job::new(suite, "mls/tree-validation.json", PROVIDER, |store, set| {
            per_suite_set(
                store,
                "mls/tree-validation.json",
                "tree-validation",
                set,
                tree_validation_case,
            )
        }),
        Job::new(suite, "mls/treekem.json", PROVIDER, |store, set| {
            per_suite_set(store, "mls/treekem.json", "treekem", set, treekem_case)
        }),
        Job::new(suite, "mls/tree-operations.json", PROVIDER, |store, set| {
            per_suite_set(
                store,
                "mls/tree-operations.json",
                "tree-operations",
                set,
                tree_operations_case,
            )
        }),
    ]
}

fn messages_set(store: &VectorStore, set: &mut SetResult) -> Result<(), String> {
    let entries = read_cases(store, "mls/messages.json", set)?;
    for (index, entry) in entries.iter().enumerate() {
        record(
            set,
            format!("case {index}"),
            "",
            "messages",
            messages_case(entry),
        );
    }
    Ok(())
}

/// What an MLSMessage field must hold: its wire format and, for public messages, content type.
fn expected_message(name: &str) -> Option<(u16, Option<u8>)> {
    Some(match name {
        "mls_welcome" => (structures::WIRE_FORMAT_WELCOME, None),
        "mls_group_info" => (structures::WIRE_FORMAT_GROUP_INFO, None),
        "mls_key_package" => (structures::WIRE_FORMAT_KEY_PACKAGE, None),
        "public_message_application" => (
            structures::WIRE_FORMAT_PUBLIC_MESSAGE,
            Some(structures::CONTENT_APPLICATION),
        ),
        "public_message_proposal" => (
            structures::WIRE_FORMAT_PUBLIC_MESSAGE,
            Some(structures::CONTENT_PROPOSAL),
        ),
        "public_message_commit" => (
            structures::WIRE_FORMAT_PUBLIC_MESSAGE,
            Some(structures::CONTENT_COMMIT),
        ),
        "private_message" => (structures::WIRE_FORMAT_PRIVATE_MESSAGE, None),
        _ => return None,
    })
}

/// Every field decodes as the structure test-vectors.md names and re-encodes byte-identically;
/// MLS messages must also carry the wire format (and content type) their field names.
fn messages_case(entry: &Value) -> CaseResult {
    for (name, kind) in structures::MESSAGE_FIELDS {
        let bytes = hex_field(entry, name)?;
        let (again, wire_format) = structures::round_trip(kind, &bytes).map_err(oracle(name))?;
        expect_eq(&format!("{name} re-encoded"), &again, &bytes)?;
        if kind == MessageField::MlsMessage {
            let (want_format, want_content) = expected_message(name).ok_or_else(|| {
                CaseError::Fail(format!("{name}: no expected wire format is known"))
            })?;
            if wire_format != Some(want_format) {
                return Err(CaseError::Fail(format!(
                    "{name}: wire format {wire_format:?}, want {want_format}"
                )));
            }
            if let Some(want) = want_content {
                let got = match MlsMessage::from_bytes(&bytes).map_err(oracle(name))? {
                    MlsMessage::PublicMessage(m) => m.content.content.content_type(),
                    _ => 0,
                };
                if got != want {
                    return Err(CaseError::Fail(format!(
                        "{name}: content type {got}, want {want}"
                    )));
                }
            }
        }
    }
    Ok(format!(
        "all {} fields decode and re-encode byte-identically",
        structures::MESSAGE_FIELDS.len()
    ))
}

fn array<'a>(entry: &'a Value, name: &str) -> Result<&'a Vec<Value>, CaseError> {
    field(entry, name)?
        .as_array()
        .ok_or_else(|| CaseError::Fail(format!("{name} is not an array")))
}

fn tree_validation_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let encoded = hex_field(entry, "tree")?;
    let group_id = hex_field(entry, "group_id")?;
    let tree = RatchetTree::decode(&encoded).map_err(oracle("decoding the tree"))?;
    expect_eq("re-encoded tree", &tree.encode(), &encoded)?;
    let n_nodes = tree.n_nodes() as usize;

    let want_hashes = array(entry, "tree_hashes")?;
    if want_hashes.len() != n_nodes {
        return Err(CaseError::Fail(format!(
            "{} tree hashes for {n_nodes} nodes",
            want_hashes.len()
        )));
    }
    let hashes = tree.tree_hashes(suite).map_err(oracle("tree hashes"))?;
    for (x, want) in want_hashes.iter().enumerate() {
        let want = want
            .as_str()
            .and_then(|h| hex::decode(h).ok())
            .ok_or_else(|| CaseError::Fail(format!("tree_hashes[{x}] is not hex")))?;
        expect_eq(&format!("tree hash of node {x}"), &hashes[x], &want)?;
    }

    let want_resolutions = array(entry, "resolutions")?;
    if want_resolutions.len() != n_nodes {
        return Err(CaseError::Fail(format!(
            "{} resolutions for {n_nodes} nodes",
            want_resolutions.len()
        )));
    }
    for (x, want) in want_resolutions.iter().enumerate() {
        let want: Option<Vec<u32>> = want.as_array().and_then(|a| {
            a.iter()
                .map(|v| v.as_u64().and_then(|v| u32::try_from(v).ok()))
                .collect()
        });
        let want =
            want.ok_or_else(|| CaseError::Fail(format!("resolutions[{x}] is not a node list")))?;
        let got = tree.resolution(x as u32).map_err(oracle("resolution"))?;
        if got != want {
            return Err(CaseError::Fail(format!(
                "resolution of node {x}: got {got:?}, want {want:?}"
            )));
        }
    }

    tree.validate(suite, &group_id)
        .map_err(oracle("validating the tree"))?;

    // The checks must be able to fail: a corrupted leaf signature, and (when the tree has one) a
    // corrupted parent hash in a non-blank parent, must each be refused.
    let mut refused = Vec::new();
    let first_leaf = (0..tree.n_leaves())
        .find(|&l| tree.leaf(l).is_some())
        .ok_or_else(|| CaseError::Fail("the tree has no member".into()))?;
    let mut bad = tree.clone();
    if let Some(Node::Leaf(leaf)) = bad.node_mut(2 * first_leaf) {
        flip_last(&mut leaf.signature);
    }
    if bad.validate(suite, &group_id).is_ok() {
        return Err(CaseError::Fail(format!(
            "a corrupted signature on leaf {first_leaf} was accepted"
        )));
    }
    refused.push("a corrupted leaf signature");
    if let Some(p) = (1..tree.n_nodes())
        .step_by(2)
        .find(|&p| tree.parent_node(p).is_some())
    {
        let mut bad = tree.clone();
        if let Some(Node::Parent(parent)) = bad.node_mut(p) {
            flip_last(&mut parent.parent_hash);
            if parent.parent_hash.is_empty() {
                parent.parent_hash.push(0);
            }
        }
        if bad.verify_parent_hashes(suite).is_ok() {
            return Err(CaseError::Fail(format!(
                "a corrupted parent hash at node {p} was accepted"
            )));
        }
        refused.push("a corrupted parent hash");
    }

    Ok(format!(
        "round trip, {n_nodes} tree hashes, {n_nodes} resolutions match; the tree validates \
         (signatures, parent hashes, unmerged leaves, unique keys, capabilities); refused: {}",
        refused.join(", ")
    ))
}

fn flip_last(bytes: &mut [u8]) {
    if let Some(b) = bytes.last_mut() {
        *b ^= 1;
    }
}

fn tree_operations_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let before = hex_field(entry, "tree_before")?;
    let mut tree = RatchetTree::decode(&before).map_err(oracle("decoding tree_before"))?;
    expect_eq("re-encoded tree_before", &tree.encode(), &before)?;
    expect_eq(
        "tree hash before",
        &tree.root_tree_hash(suite).map_err(oracle("tree hash"))?,
        &hex_field(entry, "tree_hash_before")?,
    )?;
    let proposal_bytes = hex_field(entry, "proposal")?;
    let proposal =
        Proposal::from_bytes(&proposal_bytes).map_err(oracle("decoding the proposal"))?;
    expect_eq("re-encoded proposal", &proposal.to_bytes(), &proposal_bytes)?;
    let sender = u32::try_from(u64_field(entry, "proposal_sender")?)
        .map_err(|_| CaseError::Fail("proposal_sender is out of range".into()))?;
    tree.apply(&proposal, sender)
        .map_err(oracle("applying the proposal"))?;
    expect_eq(
        "tree after",
        &tree.encode(),
        &hex_field(entry, "tree_after")?,
    )?;
    expect_eq(
        "tree hash after",
        &tree.root_tree_hash(suite).map_err(oracle("tree hash"))?,
        &hex_field(entry, "tree_hash_after")?,
    )?;
    let kind = match proposal {
        Proposal::Add { .. } => "add",
        Proposal::Update { .. } => "update",
        Proposal::Remove { .. } => "remove",
        _ => "other",
    };
    Ok(format!(
        "{kind} from leaf {sender}: tree and tree hash before and after match"
    ))
}

fn index_field(v: &Value, name: &str) -> Result<u32, CaseError> {
    u32::try_from(u64_field(v, name)?)
        .map_err(|_| CaseError::Fail(format!("{name} is out of range")))
}

/// One private leaf of a treekem entry: its state, and its signature key.
struct PrivateLeaf {
    state: treekem::PrivateState,
    signature_private: Vec<u8>,
}

/// treekem.json (test-vectors.md "TreeKEM"): each private leaf is consistent with the tree; for
/// each UpdatePath, merging it gives tree_hash_after, every private leaf decrypts the path secret
/// the vector names and the commit secret; then the sender's own fresh UpdatePath, built by the
/// oracle, gives every other private leaf the sender's commit secret and the same tree.
fn treekem_case(suite: &'static SuiteAlgorithms, entry: &Value) -> CaseResult {
    let tree = RatchetTree::decode(&hex_field(entry, "ratchet_tree")?)
        .map_err(oracle("decoding the tree"))?;
    let cipher_suite = u16::try_from(u64_field(entry, "cipher_suite")?)
        .map_err(|_| CaseError::Fail("cipher_suite is out of range".into()))?;
    let context = GroupContext {
        version: PROTOCOL_VERSION_MLS10,
        cipher_suite,
        group_id: hex_field(entry, "group_id")?,
        epoch: u64_field(entry, "epoch")?,
        tree_hash: Vec::new(),
        confirmed_transcript_hash: hex_field(entry, "confirmed_transcript_hash")?,
        extensions: Vec::new(),
    };

    // Private state: the leaf key must open what is sealed to the tree's leaf key, and each path
    // secret must give the tree's key at its node.
    let mut leaves: BTreeMap<u32, PrivateLeaf> = BTreeMap::new();
    for private in array(entry, "leaves_private")? {
        let l = index_field(private, "index")?;
        let leaf = tree
            .leaf(l)
            .ok_or_else(|| CaseError::Fail(format!("private leaf {l} is blank in the tree")))?;
        let encryption_private = hex_field(private, "encryption_priv")?;
        let (kem, ct) =
            labeled::encrypt_with_label(suite, &leaf.encryption_key, b"check", b"", b"probe")
                .map_err(oracle("sealing to a leaf key"))?;
        labeled::decrypt_with_label(suite, &encryption_private, b"check", b"", &kem, &ct).map_err(
            |e| CaseError::Fail(format!("leaf {l}: encryption_priv does not match: {e}")),
        )?;
        let mut keys = BTreeMap::new();
        keys.insert(2 * l, encryption_private.as_slice().into());
        for ps in array(private, "path_secrets")? {
            let node = index_field(ps, "node")?;
            let (private_key, public) =
                treekem::node_key_pair(suite, &hex_field(ps, "path_secret")?)
                    .map_err(oracle("node key pair"))?;
            let in_tree = tree.node(node).map(|n| n.encryption_key().to_vec());
            if in_tree.as_deref() != Some(public.as_slice()) {
                return Err(CaseError::Fail(format!(
                    "leaf {l}: the path secret for node {node} does not give the tree's key"
                )));
            }
            keys.insert(node, private_key);
        }
        leaves.insert(
            l,
            PrivateLeaf {
                state: treekem::PrivateState { leaf: l, keys },
                signature_private: hex_field(private, "signature_priv")?,
            },
        );
    }

    let update_paths = array(entry, "update_paths")?;
    let (mut decrypted, mut rebuilt) = (0usize, 0usize);
    for up in update_paths {
        let sender = index_field(up, "sender")?;
        let path_bytes = hex_field(up, "update_path")?;
        let path =
            UpdatePath::from_bytes(&path_bytes).map_err(oracle("decoding the UpdatePath"))?;
        expect_eq("re-encoded UpdatePath", &path.to_bytes(), &path_bytes)?;
        let mut after = tree.clone();
        treekem::merge_update_path(&mut after, suite, sender, &path, &context.group_id)
            .map_err(oracle("merging the UpdatePath"))?;
        let tree_hash_after = hex_field(up, "tree_hash_after")?;
        expect_eq(
            &format!("sender {sender}: tree hash after"),
            &after.root_tree_hash(suite).map_err(oracle("tree hash"))?,
            &tree_hash_after,
        )?;
        let commit_secret = hex_field(up, "commit_secret")?;
        let want_secrets = array(up, "path_secrets")?;
        if want_secrets.len() != tree.n_leaves() as usize {
            return Err(CaseError::Fail(format!(
                "{} path secrets for {} leaves",
                want_secrets.len(),
                tree.n_leaves()
            )));
        }
        for (l, want) in want_secrets.iter().enumerate() {
            let l = l as u32;
            let private = leaves.get(&l);
            match (want, private) {
                (Value::Null, Some(_)) if l != sender => {
                    return Err(CaseError::Fail(format!(
                        "sender {sender}: no path secret given for private leaf {l}"
                    )))
                }
                (Value::Null, _) => {}
                (_, None) => {
                    return Err(CaseError::Fail(format!(
                        "sender {sender}: a path secret for leaf {l}, which has no private state"
                    )))
                }
                (want, Some(private)) => {
                    let want = want
                        .as_str()
                        .and_then(|h| hex::decode(h).ok())
                        .ok_or_else(|| CaseError::Fail("a path secret is not hex".into()))?;
                    let got = treekem::decrypt_update_path(
                        &tree,
                        &after,
                        suite,
                        &private.state,
                        sender,
                        &path,
                        &context,
                        &[],
                    )
                    .map_err(oracle("decrypting the UpdatePath"))?;
                    expect_eq(
                        &format!("sender {sender}, leaf {l}: path secret"),
                        got.path_secret.as_bytes(),
                        &want,
                    )?;
                    expect_eq(
                        &format!("sender {sender}, leaf {l}: commit secret"),
                        got.commit_secret.as_bytes(),
                        &commit_secret,
                    )?;
                    decrypted += 1;
                }
            }
        }

        // Our own UpdatePath from the same sender, processed by every other private leaf.
        let Some(me) = leaves.get(&sender) else {
            continue;
        };
        let nh = suite.hash_len();
        let (leaf_secret, first) = (
            treekem::random_secret(nh).map_err(oracle("randomness"))?,
            treekem::random_secret(nh).map_err(oracle("randomness"))?,
        );
        let mut ours = tree.clone();
        let created = treekem::create_update_path(
            &mut ours,
            suite,
            sender,
            &me.signature_private,
            &context,
            leaf_secret.as_bytes(),
            first.as_bytes(),
            &[],
        )
        .map_err(oracle("creating an UpdatePath"))?;
        let encoded = created.path.to_bytes();
        let path = UpdatePath::from_bytes(&encoded).map_err(oracle("decoding our UpdatePath"))?;
        let mut theirs = tree.clone();
        treekem::merge_update_path(&mut theirs, suite, sender, &path, &context.group_id)
            .map_err(oracle("merging our UpdatePath"))?;
        if theirs != ours {
            return Err(CaseError::Fail(format!(
                "sender {sender}: the tree a receiver merges differs from the sender's"
            )));
        }
        theirs
            .verify_parent_hashes(suite)
            .map_err(oracle("parent hashes after our UpdatePath"))?;
        for (&l, private) in &leaves {
            if l == sender {
                continue;
            }
            let got = treekem::decrypt_update_path(
                &tree,
                &theirs,
                suite,
                &private.state,
                sender,
                &path,
                &context,
                &[],
            )
            .map_err(oracle("decrypting our UpdatePath"))?;
            expect_eq(
                &format!("our path from {sender}, leaf {l}: commit secret"),
                got.commit_secret.as_bytes(),
                created.commit_secret.as_bytes(),
            )?;
            let sent = created
                .path_secrets
                .iter()
                .find(|(node, _)| *node == got.node)
                .map(|(_, s)| s.as_bytes().to_vec())
                .unwrap_or_default();
            expect_eq(
                &format!("our path from {sender}, leaf {l}: path secret"),
                got.path_secret.as_bytes(),
                &sent,
            )?;
        }
        rebuilt += 1;
    }
    Ok(format!(
        "{} private leaves consistent; {} UpdatePaths merge to tree_hash_after; {decrypted} \
         decryptions give the path and commit secrets; {rebuilt} fresh UpdatePaths from the \
         senders reach every other private leaf",
        leaves.len(),
        update_paths.len()
    ))
}
