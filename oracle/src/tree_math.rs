//! Array-based tree math (RFC 9420 §4.1 and Appendix C).
//!
//! Nodes are numbered left to right; leaves sit at even indices and parents at odd ones. MLS
//! trees always have a power-of-two number of leaves (§4.1, §7.7), so every function here takes the
//! leaf count `n` and refuses a count that is not a power of two, or a node outside the tree.

use super::{OracleError, Result};

/// A node index in the array representation.
pub type NodeIndex = u32;
/// A leaf index (leaf `i` is node `2i`).
pub type LeafIndex = u32;

fn invalid(reason: String) -> OracleError {
    OracleError::TreeMath(reason)
}

/// floor(log2(x)), with log2(0) = 0 as in Appendix C.
pub fn log2(x: u32) -> u32 {
    if x == 0 {
        0
    } else {
        31 - x.leading_zeros()
    }
}

/// The level of a node: 0 for leaves, k for a parent whose subtree has 2^k leaves.
pub fn level(x: NodeIndex) -> u32 {
    x.trailing_ones()
}

/// Whether node `x` is a leaf (an even index).
pub fn is_leaf(x: NodeIndex) -> bool {
    x.is_multiple_of(2)
}

/// Leaf indices come from messages; one too large for the array saturates to a node index no
/// tree reaches (trees are capped at 2^30 leaves), so lookups find nothing instead of aliasing
/// a smaller leaf.
pub fn leaf_node(leaf: LeafIndex) -> NodeIndex {
    leaf.saturating_mul(2)
}

/// The leaf index of a leaf node.
pub fn node_leaf(x: NodeIndex) -> Result<LeafIndex> {
    if is_leaf(x) {
        Ok(x / 2)
    } else {
        Err(invalid(format!("node {x} is not a leaf")))
    }
}

fn check_leaves(n: u32) -> Result<()> {
    if n == 0 || !n.is_power_of_two() || n > 1 << 30 {
        return Err(invalid(format!(
            "{n} leaves: an MLS tree has a power-of-two number of leaves"
        )));
    }
    Ok(())
}

fn check_node(x: NodeIndex, n: u32) -> Result<()> {
    check_leaves(n)?;
    if x >= node_width(n) {
        return Err(invalid(format!("node {x} is outside a tree of {n} leaves")));
    }
    Ok(())
}

/// The number of nodes in a tree with `n` leaves.
pub fn node_width(n: u32) -> u32 {
    if n == 0 {
        0
    } else {
        2 * (n - 1) + 1
    }
}

/// The root of a tree with `n` leaves.
pub fn root(n: u32) -> Result<NodeIndex> {
    check_leaves(n)?;
    Ok((1 << log2(node_width(n))) - 1)
}

/// The left child of a parent node.
pub fn left(x: NodeIndex) -> Result<NodeIndex> {
    let k = level(x);
    if k == 0 {
        return Err(invalid(format!("leaf {x} has no children")));
    }
    Ok(x ^ (1 << (k - 1)))
}

/// The right child of a parent node.
pub fn right(x: NodeIndex) -> Result<NodeIndex> {
    let k = level(x);
    if k == 0 {
        return Err(invalid(format!("leaf {x} has no children")));
    }
    Ok(x ^ (3 << (k - 1)))
}

/// The parent of a non-root node.
pub fn parent(x: NodeIndex, n: u32) -> Result<NodeIndex> {
    check_node(x, n)?;
    if x == root(n)? {
        return Err(invalid(format!("the root {x} has no parent")));
    }
    let k = level(x);
    let b = (x >> (k + 1)) & 1;
    Ok((x | (1 << k)) ^ (b << (k + 1)))
}

/// The other child of a non-root node's parent.
pub fn sibling(x: NodeIndex, n: u32) -> Result<NodeIndex> {
    let p = parent(x, n)?;
    if x < p {
        right(p)
    } else {
        left(p)
    }
}

/// The parents from `x` (exclusive) to the root (inclusive).
pub fn direct_path(x: NodeIndex, n: u32) -> Result<Vec<NodeIndex>> {
    check_node(x, n)?;
    let r = root(n)?;
    let mut path = Vec::new();
    let mut node = x;
    while node != r {
        node = parent(node, n)?;
        path.push(node);
    }
    Ok(path)
}

/// The siblings of `x` and of each node of its direct path below the root.
pub fn copath(x: NodeIndex, n: u32) -> Result<Vec<NodeIndex>> {
    let mut path = direct_path(x, n)?;
    if path.is_empty() {
        return Ok(path);
    }
    path.insert(0, x);
    path.pop();
    path.into_iter().map(|y| sibling(y, n)).collect()
}

/// The lowest node that is an ancestor of (or equal to) both `x` and `y`.
pub fn common_ancestor(x: NodeIndex, y: NodeIndex) -> NodeIndex {
    let (lx, ly) = (level(x) + 1, level(y) + 1);
    if lx <= ly && x >> ly == y >> ly {
        return y;
    }
    if ly <= lx && x >> lx == y >> lx {
        return x;
    }
    let (mut xn, mut yn, mut k) = (x, y, 0);
    while xn != yn {
        xn >>= 1;
        yn >>= 1;
        k += 1;
    }
    (xn << k) + (1 << (k - 1)) - 1
}

/// Whether `ancestor` is `x` or lies on `x`'s direct path.
pub fn is_ancestor(ancestor: NodeIndex, x: NodeIndex) -> bool {
    common_ancestor(ancestor, x) == ancestor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_trees_match_the_rfc_figures() {
        // RFC 9420 §4.1's eight-leaf tree: root 7, 3 and 11 below it.
        assert_eq!(root(8).unwrap(), 7);
        assert_eq!((left(7).unwrap(), right(7).unwrap()), (3, 11));
        assert_eq!(parent(3, 8).unwrap(), 7);
        assert_eq!(direct_path(0, 8).unwrap(), vec![1, 3, 7]);
        assert_eq!(copath(0, 8).unwrap(), vec![2, 5, 11]);
        assert_eq!(common_ancestor(0, 6), 3);
        assert_eq!(common_ancestor(4, 14), 7);
        assert_eq!(common_ancestor(5, 5), 5);
        assert!(is_ancestor(3, 4) && !is_ancestor(11, 4));
    }

    #[test]
    fn impossible_questions_are_errors() {
        assert!(root(3).is_err());
        assert!(root(0).is_err());
        assert!(left(4).is_err());
        assert!(parent(7, 8).is_err());
        assert!(parent(15, 8).is_err());
        assert!(node_leaf(3).is_err());
        // A leaf index from a message that would overflow reaches no node of any tree.
        assert_eq!(leaf_node(u32::MAX / 2 + 5), u32::MAX);
        assert!(parent(leaf_node(u32::MAX), 8).is_err());
    }
}
