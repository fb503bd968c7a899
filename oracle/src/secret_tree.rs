//! The secret tree (RFC 9420 §9) and sender-data keys (§6.3.2).
//!
//! The oracle derives every value on demand from the root (`encryption_secret`) rather than
//! keeping and deleting intermediate node secrets as a real client must (§9.2): the values are
//! the same, and the derivation stays a literal transcription of the RFC. The forward-secrecy
//! bookkeeping is the engine's business, not the oracle's.

use super::labeled::{derive_tree_secret, expand_with_label, nh};
use super::tree_math::{self, NodeIndex};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;
use sonet::secret::SecretBytes;

/// Which of a leaf's two ratchets (§9.1): handshake messages (proposals, commits) and
/// application messages use separate chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatchetKind {
    /// Proposals and commits: the `handshake` ratchet.
    Handshake,
    /// Application data: the `application` ratchet.
    Application,
}

impl RatchetKind {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Handshake => b"handshake",
            Self::Application => b"application",
        }
    }
}

/// An AEAD key and nonce of one generation of a ratchet (or of the sender data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyNonce {
    /// The AEAD key, AEAD.Nk bytes.
    pub key: SecretBytes,
    /// The AEAD nonce, AEAD.Nn bytes, before a reuse guard is XORed in (§6.3.1).
    pub nonce: SecretBytes,
}

/// The secret tree of one epoch: `n_leaves` leaves under `encryption_secret`.
#[derive(Clone, Debug)]
pub struct SecretTree {
    suite: &'static SuiteAlgorithms,
    encryption_secret: SecretBytes,
    n_leaves: u32,
}

impl SecretTree {
    /// An MLS tree always has a power-of-two number of leaves (§4.1, §7.7), so any other count is
    /// refused.
    pub fn new(
        suite: &'static SuiteAlgorithms,
        encryption_secret: &[u8],
        n_leaves: u32,
    ) -> Result<Self> {
        tree_math::root(n_leaves)?;
        Ok(Self {
            suite,
            encryption_secret: SecretBytes::from(encryption_secret),
            n_leaves,
        })
    }

    /// The number of leaves, blank ones included, as in the ratchet tree.
    pub fn n_leaves(&self) -> u32 {
        self.n_leaves
    }

    /// `tree_node_[leaf]_secret`: walks from the root down to the leaf's node, taking
    /// ExpandWithLabel(secret, "tree", "left"/"right", Nh) at each step.
    pub fn leaf_secret(&self, leaf: u32) -> Result<SecretBytes> {
        if leaf >= self.n_leaves {
            return Err(OracleError::Invalid(format!(
                "leaf {leaf} is outside a secret tree of {} leaves",
                self.n_leaves
            )));
        }
        let target = tree_math::leaf_node(leaf);
        let mut node = tree_math::root(self.n_leaves)?;
        let mut secret = self.encryption_secret.clone();
        while node != target {
            // In the array layout, a descendant has a smaller index iff it is in the left
            // subtree.
            let (next, side): (NodeIndex, &[u8]) = if target < node {
                (tree_math::left(node)?, b"left")
            } else {
                (tree_math::right(node)?, b"right")
            };
            secret =
                expand_with_label(self.suite, secret.as_bytes(), b"tree", side, nh(self.suite))?;
            node = next;
        }
        Ok(secret)
    }

    /// The leaf's `kind` ratchet at generation 0 (§9.1).
    pub fn ratchet(&self, leaf: u32, kind: RatchetKind) -> Result<Ratchet> {
        let leaf_secret = self.leaf_secret(leaf)?;
        let secret = expand_with_label(
            self.suite,
            leaf_secret.as_bytes(),
            kind.label(),
            b"",
            nh(self.suite),
        )?;
        Ok(Ratchet {
            suite: self.suite,
            secret,
            generation: 0,
        })
    }

    /// The key and nonce of `leaf`'s `kind` ratchet at `generation`.
    pub fn key_nonce(&self, leaf: u32, kind: RatchetKind, generation: u32) -> Result<KeyNonce> {
        let mut ratchet = self.ratchet(leaf, kind)?;
        ratchet.advance_to(generation)?;
        ratchet.key_nonce()
    }
}

/// One hash ratchet (§9.1): `secret` is `ratchet_secret_[N]_[generation]`.
#[derive(Clone, Debug)]
pub struct Ratchet {
    suite: &'static SuiteAlgorithms,
    secret: SecretBytes,
    generation: u32,
}

impl Ratchet {
    /// The current generation j.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` of the current generation j.
    pub fn key_nonce(&self) -> Result<KeyNonce> {
        let (s, j) = (self.secret.as_bytes(), self.generation);
        Ok(KeyNonce {
            key: derive_tree_secret(self.suite, s, b"key", j, self.suite.aead_key_len() as u16)?,
            nonce: derive_tree_secret(
                self.suite,
                s,
                b"nonce",
                j,
                self.suite.aead_nonce_len() as u16,
            )?,
        })
    }

    /// `ratchet_secret_[N]_[j+1]` = DeriveTreeSecret(`ratchet_secret_[N]_[j]`, "secret", j, Nh).
    pub fn advance(&mut self) -> Result<()> {
        let next = self.generation.checked_add(1).ok_or_else(|| {
            OracleError::Invalid("ratchet generation would exceed 2^32 - 1".into())
        })?;
        self.secret = derive_tree_secret(
            self.suite,
            self.secret.as_bytes(),
            b"secret",
            self.generation,
            nh(self.suite),
        )?;
        self.generation = next;
        Ok(())
    }

    /// Ratchets forward to `generation`; a ratchet never goes back (its past secrets are gone
    /// in a real client), so an earlier generation is refused.
    pub fn advance_to(&mut self, generation: u32) -> Result<()> {
        // A generation comes from a message: without a bound, one message could cost 2^32
        // derivations.
        if generation.saturating_sub(self.generation) > MAX_FORWARD_DISTANCE {
            return Err(OracleError::Invalid(format!(
                "generation {generation} is more than {MAX_FORWARD_DISTANCE} ahead of the \
                 ratchet's {}",
                self.generation
            )));
        }
        if generation < self.generation {
            return Err(OracleError::Invalid(format!(
                "ratchet is at generation {}, cannot go back to {generation}",
                self.generation
            )));
        }
        while self.generation < generation {
            self.advance()?;
        }
        Ok(())
    }
}

/// How far one message may move a ratchet forward (openmls' default is 1000; the vectors go to
/// a few hundred).
pub const MAX_FORWARD_DISTANCE: u32 = 1 << 16;

/// sender_data_key / sender_data_nonce (§6.3.2), keyed by the first Nh bytes of the content
/// ciphertext (all of it if shorter).
pub fn sender_data_key_nonce(
    suite: &SuiteAlgorithms,
    sender_data_secret: &[u8],
    ciphertext: &[u8],
) -> Result<KeyNonce> {
    let sample = &ciphertext[..ciphertext.len().min(suite.hash_len())];
    Ok(KeyNonce {
        key: expand_with_label(
            suite,
            sender_data_secret,
            b"key",
            sample,
            suite.aead_key_len() as u16,
        )?,
        nonce: expand_with_label(
            suite,
            sender_data_secret,
            b"nonce",
            sample,
            suite.aead_nonce_len() as u16,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonet::mls::primitives::suite;

    #[test]
    fn a_one_leaf_tree_uses_the_encryption_secret_as_the_leaf_secret() {
        let s = suite(1).unwrap();
        let tree = SecretTree::new(s, &[7; 32], 1).unwrap();
        assert!(SecretTree::new(s, &[7; 32], 3).is_err());
        assert_eq!(tree.leaf_secret(0).unwrap().as_bytes(), &[7; 32]);
        assert!(tree.leaf_secret(1).is_err());
    }

    #[test]
    fn leaves_descend_left_and_right_from_the_root() {
        let s = suite(1).unwrap();
        let root = [3u8; 32];
        let tree = SecretTree::new(s, &root, 2).unwrap();
        let left = expand_with_label(s, &root, b"tree", b"left", 32).unwrap();
        let right = expand_with_label(s, &root, b"tree", b"right", 32).unwrap();
        assert_eq!(tree.leaf_secret(0).unwrap(), left);
        assert_eq!(tree.leaf_secret(1).unwrap(), right);
        // Four leaves: leaf 2 (node 4) is the left child of the root's right child (node 5).
        let tree = SecretTree::new(s, &root, 4).unwrap();
        let r = expand_with_label(s, &root, b"tree", b"right", 32).unwrap();
        let leaf2 = expand_with_label(s, r.as_bytes(), b"tree", b"left", 32).unwrap();
        assert_eq!(tree.leaf_secret(2).unwrap(), leaf2);
    }

    #[test]
    fn ratchets_move_forward_only_and_separate_handshake_from_application() {
        let s = suite(1).unwrap();
        let tree = SecretTree::new(s, &[1; 32], 4).unwrap();
        let mut r = tree.ratchet(2, RatchetKind::Handshake).unwrap();
        let g0 = r.key_nonce().unwrap();
        assert_eq!(g0.key.len(), 16);
        assert_eq!(g0.nonce.len(), 12);
        r.advance_to(3).unwrap();
        assert_eq!(r.generation(), 3);
        assert_ne!(r.key_nonce().unwrap(), g0);
        assert_eq!(
            r.key_nonce().unwrap(),
            tree.key_nonce(2, RatchetKind::Handshake, 3).unwrap()
        );
        assert!(r.advance_to(2).is_err());
        assert_ne!(tree.key_nonce(2, RatchetKind::Application, 0).unwrap(), g0);
    }

    #[test]
    fn sender_data_keys_sample_at_most_nh_bytes() {
        let s = suite(1).unwrap();
        let long = [5u8; 40];
        let a = sender_data_key_nonce(s, &[9; 32], &long).unwrap();
        let b = sender_data_key_nonce(s, &[9; 32], &long[..32]).unwrap();
        let c = sender_data_key_nonce(s, &[9; 32], &long[..31]).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
