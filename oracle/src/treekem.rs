//! TreeKEM (RFC 9420 §7.4–§7.6, §12.4.2): path secrets, creating an UpdatePath, merging a
//! received one into the tree (parent hashes set, unmerged leaves cleared) and decrypting the
//! path secret it carries for a receiver, and the commit secret.

use std::collections::BTreeMap;

use super::labeled;
use super::structures::{
    GroupContext, HpkeCiphertext, LeafNode, LeafNodeSource, Node, ParentNode, UpdatePath,
    UpdatePathNode,
};
use super::tree::{verify_leaf_signature, RatchetTree};
use super::tree_math::{self, LeafIndex, NodeIndex};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;
use sonet::secret::SecretBytes;

fn invalid(reason: String) -> OracleError {
    OracleError::Invalid(reason)
}

/// `DeriveSecret(path_secret, "path")`: the next path secret up, and after the root the commit
/// secret (§7.4).
pub fn next_path_secret(suite: &SuiteAlgorithms, path_secret: &[u8]) -> Result<SecretBytes> {
    labeled::derive_secret(suite, path_secret, b"path")
}

/// The node key pair a path secret gives: `DeriveKeyPair(DeriveSecret(path_secret, "node"))`.
pub fn node_key_pair(
    suite: &SuiteAlgorithms,
    path_secret: &[u8],
) -> Result<(SecretBytes, Vec<u8>)> {
    let node_secret = labeled::derive_secret(suite, path_secret, b"node")?;
    Ok(suite.derive_hpke_key_pair(node_secret.as_bytes()))
}

/// Fresh random bytes, for leaf and path secrets.
pub fn random_secret(len: usize) -> Result<SecretBytes> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)
        .map_err(|e| invalid(format!("no randomness for a fresh secret: {e}")))?;
    Ok(SecretBytes::new(bytes))
}

/// A member's private TreeKEM state: HPKE private keys by node (its leaf, and the parents on its
/// direct path it knows path secrets for).
#[derive(Clone, Debug)]
pub struct PrivateState {
    /// The member's leaf index.
    pub leaf: LeafIndex,
    /// HPKE private keys by node index; each must match the public key its node holds in the
    /// tree the UpdatePath was made for, or decrypting with it fails.
    pub keys: BTreeMap<NodeIndex, SecretBytes>,
}

/// What a receiver learns from an UpdatePath.
#[derive(Clone, Debug)]
pub struct Received {
    /// The node whose path secret was encrypted to the receiver, and that path secret.
    pub node: NodeIndex,
    /// The path secret of `node`, decrypted.
    pub path_secret: SecretBytes,
    /// DeriveSecret(last path secret, "path"): the commit secret (§12.4.2).
    pub commit_secret: SecretBytes,
}

/// What a committer produces.
#[derive(Clone, Debug)]
pub struct Created {
    /// The UpdatePath for the commit.
    pub path: UpdatePath,
    /// Path secrets by filtered-direct-path node, bottom up.
    pub path_secrets: Vec<(NodeIndex, SecretBytes)>,
    /// DeriveSecret(last path secret, "path"): the commit secret (§12.4.1).
    pub commit_secret: SecretBytes,
}

/// The filtered direct path of leaf `l` (§4.1.2) as `(parent, copath child)` pairs, bottom up:
/// the direct path without the nodes whose copath child has an empty resolution.
pub fn filtered_direct_path(
    tree: &RatchetTree,
    l: LeafIndex,
) -> Result<Vec<(NodeIndex, NodeIndex)>> {
    let n = tree.n_leaves();
    let x = tree_math::leaf_node(l);
    let path = tree_math::direct_path(x, n)?;
    let copath = tree_math::copath(x, n)?;
    let mut out = Vec::new();
    for (p, c) in path.into_iter().zip(copath) {
        if !tree.resolution(c)?.is_empty() {
            out.push((p, c));
        }
    }
    Ok(out)
}

/// Sets the sender's path in `tree`: its direct path blanked, the filtered direct path nodes
/// given `keys` with no unmerged leaves, and their parent hashes chained top down (§7.9).
/// Returns the parent hash the sender's leaf must carry.
fn set_path(
    tree: &mut RatchetTree,
    suite: &SuiteAlgorithms,
    sender: LeafIndex,
    filtered: &[(NodeIndex, NodeIndex)],
    keys: &[Vec<u8>],
) -> Result<Vec<u8>> {
    if filtered.len() != keys.len() {
        return Err(invalid(format!(
            "the UpdatePath has {} nodes for a filtered direct path of {}",
            keys.len(),
            filtered.len()
        )));
    }
    let n = tree.n_leaves();
    for p in tree_math::direct_path(tree_math::leaf_node(sender), n)? {
        tree.set_node(p, None)?;
    }
    for (&(p, _), key) in filtered.iter().zip(keys) {
        tree.set_node(
            p,
            Some(Node::Parent(ParentNode {
                encryption_key: key.clone(),
                parent_hash: Vec::new(),
                unmerged_leaves: Vec::new(),
            })),
        )?;
    }
    // The root-most node's parent hash is empty; each node below carries the hash of the one
    // above with that node's copath child, and the leaf that of the lowest.
    let mut above: Vec<u8> = Vec::new();
    for &(p, s) in filtered.iter().rev() {
        if let Some(Node::Parent(parent)) = tree.node_mut(p) {
            parent.parent_hash = above;
        }
        above = tree.parent_hash(suite, p, s)?;
    }
    Ok(above)
}

fn provisional_context(
    tree: &RatchetTree,
    suite: &SuiteAlgorithms,
    context: &GroupContext,
) -> Result<Vec<u8>> {
    use super::structures::Codec;
    let mut ctx = context.clone();
    ctx.tree_hash = tree.root_tree_hash(suite)?;
    Ok(ctx.to_bytes())
}

/// Merges a received UpdatePath from `sender` into `tree` (§12.4.2): the path nodes are set, and
/// the new leaf must carry the parent hash they chain to and a valid signature.
pub fn merge_update_path(
    tree: &mut RatchetTree,
    suite: &SuiteAlgorithms,
    sender: LeafIndex,
    path: &UpdatePath,
    group_id: &[u8],
) -> Result<()> {
    if tree.leaf(sender).is_none() {
        return Err(invalid(format!("the sender's leaf {sender} is blank")));
    }
    let filtered = filtered_direct_path(tree, sender)?;
    let keys: Vec<Vec<u8>> = path
        .nodes
        .iter()
        .map(|n| n.encryption_key.clone())
        .collect();
    let leaf_parent_hash = set_path(tree, suite, sender, &filtered, &keys)?;
    match &path.leaf_node.leaf_node_source {
        LeafNodeSource::Commit { parent_hash } if *parent_hash == leaf_parent_hash => {}
        LeafNodeSource::Commit { .. } => {
            return Err(invalid(
                "the UpdatePath's leaf carries a parent hash its path does not chain to".into(),
            ))
        }
        _ => {
            return Err(invalid(
                "the UpdatePath's leaf does not have source commit".into(),
            ))
        }
    }
    verify_leaf_signature(suite, &path.leaf_node, group_id, sender)?;
    tree.set_node(
        tree_math::leaf_node(sender),
        Some(Node::Leaf(path.leaf_node.clone())),
    )
}

/// Decrypts the path secret `receiver` can read from an UpdatePath already merged into `tree`
/// (`tree_before` is the tree it was merged into, whose filtered direct path the path follows),
/// and derives the rest of the path up to the commit secret, checking the public keys.
/// `context` is the group context with any tree hash: the provisional one (tree hash of the
/// merged tree) is what the sender encrypted to. `excluded` are leaves added by the same commit.
// Each argument is an input RFC 9420 §12.4.2 names; bundling them would only hide that.
#[allow(clippy::too_many_arguments)]
pub fn decrypt_update_path(
    tree_before: &RatchetTree,
    tree: &RatchetTree,
    suite: &SuiteAlgorithms,
    receiver: &PrivateState,
    sender: LeafIndex,
    path: &UpdatePath,
    context: &GroupContext,
    excluded: &[LeafIndex],
) -> Result<Received> {
    if receiver.leaf == sender {
        return Err(invalid("the sender does not decrypt its own path".into()));
    }
    let filtered = filtered_direct_path(tree_before, sender)?;
    if filtered.len() != path.nodes.len() {
        return Err(invalid(
            "the UpdatePath does not match the filtered direct path".into(),
        ));
    }
    let r = tree_math::leaf_node(receiver.leaf);
    let at = filtered
        .iter()
        .position(|&(p, _)| tree_math::is_ancestor(p, r))
        .ok_or_else(|| invalid("no path node is above the receiver".into()))?;
    let (node, copath_child) = filtered[at];
    let resolution = resolution_without(tree_before, copath_child, excluded)?;
    let (slot, key) = resolution
        .iter()
        .enumerate()
        .find_map(|(i, y)| receiver.keys.get(y).map(|k| (i, k)))
        .ok_or_else(|| invalid("the receiver holds no key in the copath resolution".into()))?;
    let ciphertexts = &path.nodes[at].encrypted_path_secret;
    if ciphertexts.len() != resolution.len() {
        return Err(invalid(format!(
            "{} ciphertexts for a resolution of {}",
            ciphertexts.len(),
            resolution.len()
        )));
    }
    let ct = &ciphertexts[slot];
    let context_bytes = provisional_context(tree, suite, context)?;
    let path_secret = SecretBytes::new(labeled::decrypt_with_label(
        suite,
        key.as_bytes(),
        b"UpdatePathNode",
        &context_bytes,
        &ct.kem_output,
        &ct.ciphertext,
    )?);
    let mut secret = path_secret.clone();
    for (i, update_node) in path.nodes.iter().enumerate().skip(at) {
        if i > at {
            secret = next_path_secret(suite, secret.as_bytes())?;
        }
        let (_, public) = node_key_pair(suite, secret.as_bytes())?;
        if public != update_node.encryption_key {
            return Err(invalid(format!(
                "the path secret for node {} gives another public key than the UpdatePath's",
                filtered[i].0
            )));
        }
    }
    Ok(Received {
        node,
        path_secret,
        commit_secret: next_path_secret(suite, secret.as_bytes())?,
    })
}

fn resolution_without(
    tree: &RatchetTree,
    x: NodeIndex,
    excluded: &[LeafIndex],
) -> Result<Vec<NodeIndex>> {
    let mut resolution = tree.resolution(x)?;
    resolution.retain(|&y| !excluded.iter().any(|&l| tree_math::leaf_node(l) == y));
    Ok(resolution)
}

/// Creates an UpdatePath for `sender` (§7.5, §12.4.2) and merges it into `tree`: a fresh leaf
/// key from `leaf_secret`, path secrets from `first_path_secret` up the filtered direct path,
/// the leaf re-signed with `signature_private_key`, each path secret encrypted to the copath
/// resolution (minus `excluded`) under the provisional group context.
#[allow(clippy::too_many_arguments)]
pub fn create_update_path(
    tree: &mut RatchetTree,
    suite: &SuiteAlgorithms,
    sender: LeafIndex,
    signature_private_key: &[u8],
    context: &GroupContext,
    leaf_secret: &[u8],
    first_path_secret: &[u8],
    excluded: &[LeafIndex],
) -> Result<Created> {
    let old_leaf: LeafNode = tree
        .leaf(sender)
        .cloned()
        .ok_or_else(|| invalid(format!("the sender's leaf {sender} is blank")))?;
    let tree_before = tree.clone();
    let filtered = filtered_direct_path(tree, sender)?;
    if filtered.is_empty() {
        return Err(invalid(
            "the sender's filtered direct path is empty: no path secrets to send".into(),
        ));
    }
    let mut path_secrets = Vec::new();
    let mut keys = Vec::new();
    let mut secret = SecretBytes::from(first_path_secret);
    for (i, &(p, _)) in filtered.iter().enumerate() {
        if i > 0 {
            secret = next_path_secret(suite, secret.as_bytes())?;
        }
        keys.push(node_key_pair(suite, secret.as_bytes())?.1);
        path_secrets.push((p, secret.clone()));
    }
    let commit_secret = next_path_secret(suite, secret.as_bytes())?;
    let leaf_parent_hash = set_path(tree, suite, sender, &filtered, &keys)?;
    let (_, leaf_public) = suite.derive_hpke_key_pair(leaf_secret);
    let mut leaf = LeafNode {
        encryption_key: leaf_public,
        leaf_node_source: LeafNodeSource::Commit {
            parent_hash: leaf_parent_hash,
        },
        signature: Vec::new(),
        ..old_leaf
    };
    let tbs = leaf.tbs(Some((&context.group_id, sender)))?;
    leaf.signature = labeled::sign_with_label(suite, signature_private_key, b"LeafNodeTBS", &tbs)?;
    tree.set_node(tree_math::leaf_node(sender), Some(Node::Leaf(leaf.clone())))?;
    let context_bytes = provisional_context(tree, suite, context)?;
    let mut nodes = Vec::new();
    for ((&(_, c), (_, secret)), key) in filtered.iter().zip(&path_secrets).zip(keys) {
        let mut encrypted_path_secret = Vec::new();
        for y in resolution_without(&tree_before, c, excluded)? {
            let public = tree_before
                .node(y)
                .map(|n| n.encryption_key().to_vec())
                .ok_or_else(|| invalid(format!("resolution node {y} is blank")))?;
            let (kem_output, ciphertext) = labeled::encrypt_with_label(
                suite,
                &public,
                b"UpdatePathNode",
                &context_bytes,
                secret.as_bytes(),
            )?;
            encrypted_path_secret.push(HpkeCiphertext {
                kem_output,
                ciphertext,
            });
        }
        nodes.push(UpdatePathNode {
            encryption_key: key,
            encrypted_path_secret,
        });
    }
    Ok(Created {
        path: UpdatePath {
            leaf_node: leaf,
            nodes,
        },
        path_secrets,
        commit_secret,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structures::{Capabilities, Credential, Lifetime};
    use sonet::mls::primitives::suite;

    #[test]
    fn a_created_path_reaches_every_other_member_and_tampering_is_caught() {
        let s = suite(1).unwrap();
        let mut members = Vec::new();
        let mut tree: Option<RatchetTree> = None;
        for i in 0..3u8 {
            let (sig_priv, sig_pub) = s.generate_signature_key().unwrap();
            let (enc_priv, enc_pub) = s.derive_hpke_key_pair(&[i; 32]);
            let leaf = LeafNode {
                encryption_key: enc_pub,
                signature_key: sig_pub,
                credential: Credential::Basic { identity: vec![i] },
                capabilities: Capabilities::default(),
                leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                    not_before: 0,
                    not_after: 1,
                }),
                extensions: vec![],
                signature: vec![],
            };
            let l = match &mut tree {
                None => {
                    tree = Some(RatchetTree::new(leaf));
                    0
                }
                Some(t) => t.add_leaf(leaf).unwrap(),
            };
            let mut keys = BTreeMap::new();
            keys.insert(2 * l, enc_priv);
            members.push((PrivateState { leaf: l, keys }, sig_priv));
        }
        let tree = tree.unwrap();
        let context = GroupContext {
            version: 1,
            cipher_suite: 1,
            group_id: b"group".to_vec(),
            epoch: 3,
            tree_hash: vec![],
            confirmed_transcript_hash: vec![7; 32],
            extensions: vec![],
        };
        let mut ours = tree.clone();
        let created = create_update_path(
            &mut ours,
            s,
            2,
            members[2].1.as_bytes(),
            &context,
            &[1; 32],
            &[2; 32],
            &[],
        )
        .unwrap();
        ours.verify_parent_hashes(s).unwrap();
        let mut theirs = tree.clone();
        merge_update_path(&mut theirs, s, 2, &created.path, &context.group_id).unwrap();
        assert_eq!(theirs, ours);
        for (state, _) in &members[..2] {
            let got =
                decrypt_update_path(&tree, &theirs, s, state, 2, &created.path, &context, &[])
                    .unwrap();
            assert_eq!(got.commit_secret, created.commit_secret);
        }
        // Another epoch in the context: the path secret no longer opens.
        let other = GroupContext {
            epoch: 4,
            ..context.clone()
        };
        assert!(decrypt_update_path(
            &tree,
            &theirs,
            s,
            &members[0].0,
            2,
            &created.path,
            &other,
            &[]
        )
        .is_err());
        // A path node key swapped: the leaf's parent hash no longer chains.
        let mut bad = created.path.clone();
        bad.nodes[0].encryption_key = vec![9; 32];
        assert!(merge_update_path(&mut tree.clone(), s, 2, &bad, &context.group_id).is_err());
    }
}
