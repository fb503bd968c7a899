//! The ratchet tree (RFC 9420 §4.1, §7): resolution, tree hashes, parent hashes, validation of a
//! received tree, and the tree changes Add, Update and Remove make (§12.1).
//!
//! The tree is kept as the full array of a power-of-two number of leaves (`2n − 1` nodes), each
//! node blank (`None`) or not; leaves sit at even indices, parents at odd ones.

use super::codec::Writer;
use super::labeled;
use super::structures::{
    Codec, LeafNode, LeafNodeSource, Node, ParentNode, Proposal, RatchetTreeNodes,
};
use super::tree_math::{self, LeafIndex, NodeIndex};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;

fn invalid(reason: String) -> OracleError {
    OracleError::Invalid(reason)
}

/// The leaves under node `x`, as the inclusive range of node indices `[first, last]`.
fn subtree_span(x: NodeIndex) -> (NodeIndex, NodeIndex) {
    let half = (1u32 << tree_math::level(x)) - 1;
    (x - half, x + half)
}

/// Whether `y` lies in the subtree rooted at `x` (`x` itself included).
fn in_subtree(x: NodeIndex, y: NodeIndex) -> bool {
    let (first, last) = subtree_span(x);
    (first..=last).contains(&y)
}

/// Extension types that are "default" (§7.2) and need not be listed in capabilities.
fn is_default_extension(t: u16) -> bool {
    (1..=5).contains(&t)
}

#[derive(Clone, Debug, PartialEq, Eq)]
/// The public ratchet tree of one epoch (§4.1, §7.1, §7.2): `2n − 1` nodes for `n` leaves,
/// `n` a power of two, each node blank or holding a leaf or parent of the kind its index
/// calls for.
pub struct RatchetTree {
    nodes: Vec<Option<Node>>,
}

impl RatchetTree {
    /// A one-member tree.
    pub fn new(leaf: LeafNode) -> Self {
        Self {
            nodes: vec![Some(Node::Leaf(leaf))],
        }
    }

    /// The tree a `ratchet_tree` vector describes (§12.4.3.3): padded with blanks to the node
    /// count of the next power-of-two leaf count; node kinds must match their positions and the
    /// last sent node must not be blank (trailing blanks are omitted, never sent).
    pub fn from_nodes(sent: RatchetTreeNodes) -> Result<Self> {
        let mut nodes = sent.0;
        match nodes.last() {
            None => return Err(invalid("the ratchet tree is empty".into())),
            Some(None) => {
                return Err(invalid(
                    "the ratchet tree ends in a blank node (trailing blanks must be omitted)"
                        .into(),
                ))
            }
            Some(Some(_)) => {}
        }
        let sent_len = u32::try_from(nodes.len())
            .map_err(|_| invalid("the ratchet tree is too large".into()))?;
        let mut leaves: u32 = 1;
        while tree_math::node_width(leaves) < sent_len {
            leaves = leaves
                .checked_mul(2)
                .ok_or_else(|| invalid("the ratchet tree is too large".into()))?;
        }
        nodes.resize(tree_math::node_width(leaves) as usize, None);
        for (x, node) in nodes.iter().enumerate() {
            match (x % 2, node) {
                (0, Some(Node::Parent(_))) => {
                    return Err(invalid(format!(
                        "node {x} is a leaf position holding a parent"
                    )))
                }
                (1, Some(Node::Leaf(_))) => {
                    return Err(invalid(format!(
                        "node {x} is a parent position holding a leaf"
                    )))
                }
                _ => {}
            }
        }
        Ok(Self { nodes })
    }

    /// Decodes an encoded `ratchet_tree` vector and checks its shape as
    /// [`RatchetTree::from_nodes`] does; nothing cryptographic is verified (see
    /// [`RatchetTree::validate`]).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        Self::from_nodes(RatchetTreeNodes::from_bytes(bytes)?)
    }

    /// The `ratchet_tree` vector, trailing blank nodes omitted.
    pub fn to_nodes(&self) -> RatchetTreeNodes {
        let mut nodes = self.nodes.clone();
        while matches!(nodes.last(), Some(None)) {
            nodes.pop();
        }
        RatchetTreeNodes(nodes)
    }

    /// The encoded `ratchet_tree` vector, trailing blank nodes omitted (§12.4.3.3).
    pub fn encode(&self) -> Vec<u8> {
        self.to_nodes().to_bytes()
    }

    /// The number of leaves, blank ones included: a power of two.
    pub fn n_leaves(&self) -> u32 {
        // The array always holds 2n − 1 nodes, with n ≥ 1 and far below 2^31.
        (self.nodes.len() as u32).div_ceil(2)
    }

    /// The number of nodes, blank ones included: `2 * n_leaves() - 1`.
    pub fn n_nodes(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// The root's node index.
    pub fn root(&self) -> Result<NodeIndex> {
        tree_math::root(self.n_leaves())
    }

    /// Node `x`, or `None` if it is blank or outside the tree.
    pub fn node(&self, x: NodeIndex) -> Option<&Node> {
        self.nodes.get(x as usize).and_then(Option::as_ref)
    }

    /// Mutable access to a non-blank node, e.g. to corrupt a tree and check the checks refuse it.
    pub fn node_mut(&mut self, x: NodeIndex) -> Option<&mut Node> {
        self.nodes.get_mut(x as usize).and_then(Option::as_mut)
    }

    /// Sets or blanks node `x`; a leaf position takes only a leaf, a parent position a parent.
    pub fn set_node(&mut self, x: NodeIndex, node: Option<Node>) -> Result<()> {
        let fits = match &node {
            None => true,
            Some(Node::Leaf(_)) => tree_math::is_leaf(x),
            Some(Node::Parent(_)) => !tree_math::is_leaf(x),
        };
        if !fits {
            return Err(invalid(format!("node {x} cannot hold that kind of node")));
        }
        let slot = self
            .nodes
            .get_mut(x as usize)
            .ok_or_else(|| invalid(format!("node {x} is outside the tree")))?;
        *slot = node;
        Ok(())
    }

    /// Leaf `l`'s LeafNode, or `None` if it is blank or outside the tree.
    pub fn leaf(&self, l: LeafIndex) -> Option<&LeafNode> {
        match self.node(tree_math::leaf_node(l)) {
            Some(Node::Leaf(leaf)) => Some(leaf),
            _ => None,
        }
    }

    /// Node `x`'s ParentNode, or `None` if it is blank, a leaf or outside the tree.
    pub fn parent_node(&self, x: NodeIndex) -> Option<&ParentNode> {
        match self.node(x) {
            Some(Node::Parent(p)) => Some(p),
            _ => None,
        }
    }

    fn check_leaf(&self, l: LeafIndex) -> Result<()> {
        if l < self.n_leaves() {
            Ok(())
        } else {
            Err(invalid(format!(
                "leaf {l} is outside a tree of {} leaves",
                self.n_leaves()
            )))
        }
    }

    /// The resolution of node `x` (§4.1.1): the node itself and its unmerged leaves if it is not
    /// blank, nothing for a blank leaf, else the resolutions of its children.
    pub fn resolution(&self, x: NodeIndex) -> Result<Vec<NodeIndex>> {
        if x >= self.n_nodes() {
            return Err(invalid(format!("node {x} is outside the tree")));
        }
        match self.node(x) {
            Some(Node::Parent(p)) => {
                let mut out = vec![x];
                out.extend(p.unmerged_leaves.iter().map(|&l| tree_math::leaf_node(l)));
                Ok(out)
            }
            Some(Node::Leaf(_)) => Ok(vec![x]),
            None if tree_math::is_leaf(x) => Ok(Vec::new()),
            None => {
                let mut out = self.resolution(tree_math::left(x)?)?;
                out.extend(self.resolution(tree_math::right(x)?)?);
                Ok(out)
            }
        }
    }

    /// The tree hash of every node (§7.8), indexed by node.
    pub fn tree_hashes(&self, suite: &SuiteAlgorithms) -> Result<Vec<Vec<u8>>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        self.hash_subtree(suite, self.root()?, &mut out)?;
        Ok(out)
    }

    /// The root's tree hash (§7.8), the value `GroupContext.tree_hash` must hold.
    pub fn root_tree_hash(&self, suite: &SuiteAlgorithms) -> Result<Vec<u8>> {
        let root = self.root()?;
        let mut out = vec![Vec::new(); self.nodes.len()];
        self.hash_subtree(suite, root, &mut out)?;
        Ok(std::mem::take(&mut out[root as usize]))
    }

    /// Hashes `TreeHashInput` for `x` after its children, filling `out` for the whole subtree.
    fn hash_subtree(
        &self,
        suite: &SuiteAlgorithms,
        x: NodeIndex,
        out: &mut [Vec<u8>],
    ) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        if tree_math::is_leaf(x) {
            // LeafNodeHashInput: leaf_index, optional<LeafNode>.
            w.u8(1).u32(tree_math::node_leaf(x)?);
            let leaf = match self.node(x) {
                Some(Node::Leaf(l)) => Some(l),
                _ => None,
            };
            w.optional(leaf, |w, l| l.encode(w));
        } else {
            // ParentNodeHashInput: optional<ParentNode>, left_hash<V>, right_hash<V>.
            let left = self.hash_subtree(suite, tree_math::left(x)?, out)?;
            let right = self.hash_subtree(suite, tree_math::right(x)?, out)?;
            w.u8(2);
            w.optional(self.parent_node(x), |w, p| p.encode(w));
            w.opaque(&left).opaque(&right);
        }
        let hash = suite.hash(w.as_bytes());
        out[x as usize] = hash.clone();
        Ok(hash)
    }

    /// The tree hash of `x` in this tree with the given leaves blanked and dropped from every
    /// `unmerged_leaves` list: the "original" tree hash parent hashes cover (§7.9).
    fn original_tree_hash(
        &self,
        suite: &SuiteAlgorithms,
        x: NodeIndex,
        without: &[LeafIndex],
    ) -> Result<Vec<u8>> {
        let mut tree = self.clone();
        for &l in without {
            if let Some(slot) = tree.nodes.get_mut(tree_math::leaf_node(l) as usize) {
                *slot = None;
            }
        }
        for node in tree.nodes.iter_mut().flatten() {
            if let Node::Parent(p) = node {
                p.unmerged_leaves.retain(|l| !without.contains(l));
            }
        }
        let mut out = vec![Vec::new(); tree.nodes.len()];
        tree.hash_subtree(suite, x, &mut out)
    }

    /// The parent hash of parent node `p` with copath child `s` (§7.9): the hash of
    /// `ParentHashInput` with `p`'s key and parent hash and `s`'s original tree hash.
    pub fn parent_hash(
        &self,
        suite: &SuiteAlgorithms,
        p: NodeIndex,
        s: NodeIndex,
    ) -> Result<Vec<u8>> {
        let parent = self
            .parent_node(p)
            .ok_or_else(|| invalid(format!("node {p} is not a non-blank parent")))?;
        let sibling_hash = self.original_tree_hash(suite, s, &parent.unmerged_leaves)?;
        let mut w = Writer::new();
        w.opaque(&parent.encryption_key)
            .opaque(&parent.parent_hash)
            .opaque(&sibling_hash);
        Ok(suite.hash(w.as_bytes()))
    }

    fn stored_parent_hash(&self, d: NodeIndex) -> Option<&[u8]> {
        match self.node(d)? {
            Node::Parent(p) => Some(&p.parent_hash),
            Node::Leaf(l) => match &l.leaf_node_source {
                LeafNodeSource::Commit { parent_hash } => Some(parent_hash),
                _ => None,
            },
        }
    }

    /// Whether `d`'s parent hash is valid with respect to parent `p` (§7.9.2): `d` is a
    /// descendant of `p`; its parent hash is that of `p` with copath child `s` (the child not
    /// above `d`); and `d` is in the resolution of the other child `c`, whose resolution minus `d`
    /// is exactly `p`'s unmerged leaves under `c`.
    fn parent_hash_valid_wrt(
        &self,
        suite: &SuiteAlgorithms,
        d: NodeIndex,
        p: NodeIndex,
    ) -> Result<bool> {
        if d == p || !in_subtree(p, d) {
            return Ok(false);
        }
        let (left, right) = (tree_math::left(p)?, tree_math::right(p)?);
        let (c, s) = if in_subtree(left, d) {
            (left, right)
        } else {
            (right, left)
        };
        let Some(stored) = self.stored_parent_hash(d) else {
            return Ok(false);
        };
        if stored != self.parent_hash(suite, p, s)?.as_slice() {
            return Ok(false);
        }
        let mut resolution = self.resolution(c)?;
        let Some(at) = resolution.iter().position(|&n| n == d) else {
            return Ok(false);
        };
        resolution.remove(at);
        let parent = self
            .parent_node(p)
            .ok_or_else(|| invalid(format!("node {p} is not a non-blank parent")))?;
        let mut unmerged_under_c: Vec<NodeIndex> = parent
            .unmerged_leaves
            .iter()
            .map(|&l| tree_math::leaf_node(l))
            .filter(|&n| in_subtree(c, n))
            .collect();
        resolution.sort_unstable();
        unmerged_under_c.sort_unstable();
        Ok(resolution == unmerged_under_c)
    }

    /// Every non-blank parent node is parent-hash valid (§7.9.2), checked top down: exactly one
    /// descendant carries a parent hash valid with respect to it.
    pub fn verify_parent_hashes(&self, suite: &SuiteAlgorithms) -> Result<()> {
        for p in (1..self.n_nodes()).step_by(2) {
            if self.parent_node(p).is_none() {
                continue;
            }
            let (first, last) = subtree_span(p);
            let mut valid = 0;
            for d in first..=last {
                if self.node(d).is_some() && self.parent_hash_valid_wrt(suite, d, p)? {
                    valid += 1;
                }
            }
            if valid != 1 {
                return Err(invalid(format!(
                    "parent node {p} is parent-hash valid with respect to {valid} descendants, \
                     not exactly one"
                )));
            }
        }
        Ok(())
    }

    /// Every leaf's signature verifies over its LeafNodeTBS (§7.2), bound to `group_id` and its
    /// index when its source is update or commit.
    pub fn verify_leaf_signatures(&self, suite: &SuiteAlgorithms, group_id: &[u8]) -> Result<()> {
        for l in 0..self.n_leaves() {
            if let Some(leaf) = self.leaf(l) {
                verify_leaf_signature(suite, leaf, group_id, l)
                    .map_err(|e| invalid(format!("leaf {l}: signature: {e}")))?;
            }
        }
        Ok(())
    }

    /// Unmerged leaves (§7.1, §12.4.3.1): each is a non-blank leaf below the parent listing it,
    /// and every non-blank parent between the leaf and that parent lists it too.
    pub fn verify_unmerged_leaves(&self) -> Result<()> {
        let n = self.n_leaves();
        for p in (1..self.n_nodes()).step_by(2) {
            let Some(parent) = self.parent_node(p) else {
                continue;
            };
            for &l in &parent.unmerged_leaves {
                let x = tree_math::leaf_node(l);
                if l >= n || !in_subtree(p, x) {
                    return Err(invalid(format!(
                        "node {p} lists leaf {l}, which is not below it, as unmerged"
                    )));
                }
                if self.leaf(l).is_none() {
                    return Err(invalid(format!(
                        "node {p} lists blank leaf {l} as unmerged"
                    )));
                }
                for q in tree_math::direct_path(x, n)? {
                    if q == p {
                        break;
                    }
                    if let Some(between) = self.parent_node(q) {
                        if !between.unmerged_leaves.contains(&l) {
                            return Err(invalid(format!(
                                "leaf {l} is unmerged at node {p} but not at node {q} below it"
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// No two non-blank nodes share an encryption key, no two leaves a signature key (§7.3,
    /// §12.4.3.1).
    pub fn verify_unique_keys(&self) -> Result<()> {
        let mut encryption = std::collections::HashMap::new();
        let mut signature = std::collections::HashMap::new();
        for (x, node) in self.nodes.iter().enumerate() {
            let Some(node) = node else { continue };
            if let Some(other) = encryption.insert(node.encryption_key().to_vec(), x) {
                return Err(invalid(format!(
                    "nodes {other} and {x} share an encryption key"
                )));
            }
            if let Node::Leaf(leaf) = node {
                if let Some(other) = signature.insert(leaf.signature_key.clone(), x) {
                    return Err(invalid(format!(
                        "nodes {other} and {x} share a signature key"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Capabilities across the tree (§7.2, §7.3): every leaf supports every member's credential
    /// type, and lists each non-default extension type its own extensions use.
    pub fn verify_capabilities(&self) -> Result<()> {
        let leaves: Vec<(u32, &LeafNode)> = (0..self.n_leaves())
            .filter_map(|l| self.leaf(l).map(|leaf| (l, leaf)))
            .collect();
        for &(l, leaf) in &leaves {
            for ext in &leaf.extensions {
                if !is_default_extension(ext.extension_type)
                    && !leaf.capabilities.extensions.contains(&ext.extension_type)
                {
                    return Err(invalid(format!(
                        "leaf {l} uses extension type {} its capabilities do not list",
                        ext.extension_type
                    )));
                }
            }
            let used = leaf.credential.credential_type();
            for &(m, other) in &leaves {
                if !other.capabilities.credentials.contains(&used) {
                    return Err(invalid(format!(
                        "leaf {m} does not support leaf {l}'s credential type {used}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The checks a joiner runs on a received tree (§12.4.3.1, §7.9.2, §7.3), except lifetimes,
    /// which depend on the current time and not on the tree.
    pub fn validate(&self, suite: &SuiteAlgorithms, group_id: &[u8]) -> Result<()> {
        self.verify_leaf_signatures(suite, group_id)?;
        self.verify_unique_keys()?;
        self.verify_unmerged_leaves()?;
        self.verify_capabilities()?;
        self.verify_parent_hashes(suite)
    }

    // -----------------------------------------------------------------------------------------
    // Changes (§7.7, §12.1)

    /// Adds a leaf (§12.1.1, §7.7): into the leftmost blank leaf, else into a tree doubled to the
    /// right; the new leaf becomes unmerged at every non-blank parent above it.
    pub fn add_leaf(&mut self, leaf: LeafNode) -> Result<LeafIndex> {
        let n = self.n_leaves();
        let l = match (0..n).find(|&l| self.leaf(l).is_none()) {
            Some(l) => l,
            None => {
                let doubled = n
                    .checked_mul(2)
                    .ok_or_else(|| invalid("the tree cannot grow further".into()))?;
                // The old tree becomes the left subtree of the new root: indices stay put.
                self.nodes
                    .resize(tree_math::node_width(doubled) as usize, None);
                n
            }
        };
        let x = tree_math::leaf_node(l);
        for p in tree_math::direct_path(x, self.n_leaves())? {
            if let Some(Some(Node::Parent(parent))) = self.nodes.get_mut(p as usize) {
                parent.unmerged_leaves.push(l);
            }
        }
        self.nodes[x as usize] = Some(Node::Leaf(leaf));
        Ok(l)
    }

    /// Blanks every node on leaf `l`'s direct path.
    fn blank_direct_path(&mut self, l: LeafIndex) -> Result<()> {
        for p in tree_math::direct_path(tree_math::leaf_node(l), self.n_leaves())? {
            self.nodes[p as usize] = None;
        }
        Ok(())
    }

    /// Update (§12.1.2): the sender's leaf is replaced and its direct path blanked.
    pub fn update_leaf(&mut self, l: LeafIndex, leaf: LeafNode) -> Result<()> {
        self.check_leaf(l)?;
        if self.leaf(l).is_none() {
            return Err(invalid(format!("leaf {l} is blank and cannot be updated")));
        }
        self.blank_direct_path(l)?;
        self.nodes[tree_math::leaf_node(l) as usize] = Some(Node::Leaf(leaf));
        Ok(())
    }

    /// Remove (§12.1.3): the leaf and its direct path are blanked, then the tree is halved while
    /// its right half holds no non-blank leaf (§7.7).
    pub fn remove_leaf(&mut self, l: LeafIndex) -> Result<()> {
        self.check_leaf(l)?;
        if self.leaf(l).is_none() {
            return Err(invalid(format!("leaf {l} is blank and cannot be removed")));
        }
        self.blank_direct_path(l)?;
        self.nodes[tree_math::leaf_node(l) as usize] = None;
        loop {
            let n = self.n_leaves();
            if n == 1 || (n / 2..n).any(|m| self.leaf(m).is_some()) {
                break;
            }
            self.nodes.truncate(tree_math::node_width(n / 2) as usize);
        }
        Ok(())
    }

    /// Applies an Add, Update or Remove proposal from `sender` (a leaf index; used by Update).
    pub fn apply(&mut self, proposal: &Proposal, sender: LeafIndex) -> Result<()> {
        match proposal {
            Proposal::Add { key_package } => {
                self.add_leaf(key_package.leaf_node.clone()).map(|_| ())
            }
            Proposal::Update { leaf_node } => self.update_leaf(sender, leaf_node.clone()),
            Proposal::Remove { removed } => self.remove_leaf(*removed),
            other => Err(invalid(format!(
                "proposal type {} does not change the tree",
                other.proposal_type()
            ))),
        }
    }
}

/// Verifies a leaf's signature over its LeafNodeTBS with its own signature key.
pub fn verify_leaf_signature(
    suite: &SuiteAlgorithms,
    leaf: &LeafNode,
    group_id: &[u8],
    leaf_index: LeafIndex,
) -> Result<()> {
    let tbs = leaf.tbs(Some((group_id, leaf_index)))?;
    labeled::verify_with_label(
        suite,
        &leaf.signature_key,
        b"LeafNodeTBS",
        &tbs,
        &leaf.signature,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structures::{Capabilities, Credential, Lifetime};
    use sonet::mls::primitives::suite;

    fn leaf(tag: u8) -> LeafNode {
        LeafNode {
            encryption_key: vec![tag; 32],
            signature_key: vec![tag; 32],
            credential: Credential::Basic {
                identity: vec![tag],
            },
            capabilities: Capabilities {
                credentials: vec![1],
                ..Capabilities::default()
            },
            leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
                not_before: 0,
                not_after: 1,
            }),
            extensions: vec![],
            signature: vec![],
        }
    }

    fn parent(tag: u8, unmerged: Vec<u32>) -> Node {
        Node::Parent(ParentNode {
            encryption_key: vec![tag; 32],
            parent_hash: vec![],
            unmerged_leaves: unmerged,
        })
    }

    #[test]
    fn adds_fill_the_leftmost_blank_then_double_and_removes_truncate() {
        let mut t = RatchetTree::new(leaf(0));
        assert_eq!(t.add_leaf(leaf(1)).unwrap(), 1);
        assert_eq!(t.add_leaf(leaf(2)).unwrap(), 2);
        assert_eq!(t.n_leaves(), 4);
        t.nodes[3] = Some(parent(9, vec![]));
        assert_eq!(t.add_leaf(leaf(3)).unwrap(), 3);
        assert_eq!(t.parent_node(3).unwrap().unmerged_leaves, vec![3]);
        t.remove_leaf(1).unwrap();
        assert!(
            t.node(3).is_none(),
            "the removed leaf's direct path is blanked"
        );
        assert_eq!(
            t.add_leaf(leaf(4)).unwrap(),
            1,
            "the leftmost blank is reused"
        );
        t.remove_leaf(3).unwrap();
        t.remove_leaf(2).unwrap();
        assert_eq!(t.n_leaves(), 2, "a blank right half is cut off");
        // Encoding drops trailing blanks and decoding pads them back.
        assert_eq!(RatchetTree::decode(&t.encode()).unwrap(), t);
    }

    #[test]
    fn resolution_follows_blanks_and_unmerged_leaves() {
        let mut t = RatchetTree::new(leaf(0));
        for i in 1..4 {
            t.add_leaf(leaf(i)).unwrap();
        }
        t.nodes[5] = Some(parent(8, vec![]));
        t.nodes[0] = None;
        assert_eq!(t.resolution(3).unwrap(), vec![2, 5]);
        t.nodes[1] = Some(parent(7, vec![1]));
        assert_eq!(t.resolution(3).unwrap(), vec![1, 2, 5]);
        assert!(t.resolution(7).is_err());
    }

    #[test]
    fn malformed_trees_are_refused() {
        let sent = |nodes| RatchetTree::from_nodes(RatchetTreeNodes(nodes));
        assert!(sent(vec![]).is_err());
        assert!(sent(vec![Some(Node::Leaf(leaf(0))), None]).is_err());
        assert!(sent(vec![Some(parent(1, vec![]))]).is_err());
        let t = sent(vec![
            Some(Node::Leaf(leaf(0))),
            None,
            Some(Node::Leaf(leaf(1))),
        ])
        .unwrap();
        assert_eq!(t.n_leaves(), 2);
        let mut dup = t.clone();
        dup.nodes[2] = Some(Node::Leaf(leaf(0)));
        assert!(dup.verify_unique_keys().is_err());
        let mut stray = t.clone();
        stray.nodes[1] = Some(parent(5, vec![1]));
        assert!(stray.verify_unmerged_leaves().is_ok());
        stray.nodes[1] = Some(parent(5, vec![3]));
        assert!(stray.verify_unmerged_leaves().is_err());
    }

    #[test]
    fn tree_hash_changes_with_any_node() {
        let s = suite(1).unwrap();
        let mut t = RatchetTree::new(leaf(0));
        t.add_leaf(leaf(1)).unwrap();
        let before = t.root_tree_hash(s).unwrap();
        assert_eq!(t.tree_hashes(s).unwrap()[1], before);
        t.nodes[1] = Some(parent(5, vec![]));
        assert_ne!(t.root_tree_hash(s).unwrap(), before);
    }
}
