//! `sonet-oracle`: an independent implementation of RFC 9420 (MLS), the oracle Sonet's
//! conformance suites check MLS against. The protocol's derivations are written from the RFC on
//! Sonet's own primitives ([`sonet::mls::primitives`]) and secrets ([`sonet::secret`]) — the only
//! parts of `sonet` it uses — and share no code with openmls: openmls is not a dependency of
//! this crate, so nothing here can name it. The `rfc9420` suite checks every field of the mlswg
//! vector files with it (provider `sonet-oracle`), and its differential run checks openmls
//! against it epoch by epoch; the oracle can also join and follow a group as a passive member
//! ([`passive::PassiveMember`]), GREASEing peers included.
//!
//! - [`codec`]: the TLS presentation language with MLS's variable-length vectors;
//! - [`tree_math`]: array-based tree math (Appendix C);
//! - [`structures`]: the wire structures (§5–§12), byte-exact round trips;
//! - [`tree`]: the ratchet tree: resolution, tree and parent hashes, validation, Add/Update/Remove;
//! - [`treekem`]: path secrets, creating, merging and decrypting UpdatePaths, the commit secret;
//! - [`labeled`]: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret, SignWithLabel,
//!   EncryptWithLabel;
//! - [`secret_tree`]: the secret tree, per-leaf handshake/application ratchets, sender-data keys;
//! - [`key_schedule`]: the epoch chain, PSK secret, MLS-Exporter, external key pair;
//! - [`transcript`]: confirmed and interim transcript hashes, the confirmation tag;
//! - [`protection`]: PublicMessage and PrivateMessage protect/unprotect.
//!
//! Nothing here is meant for production messaging: it favours transparency over speed and keeps
//! secrets in [`SecretBytes`](sonet::secret::SecretBytes) only where they leave the module.

pub mod codec;
pub mod key_schedule;
pub mod labeled;
pub mod passive;
pub mod protection;
pub mod secret_tree;
pub mod structures;
pub mod transcript;
pub mod tree;
pub mod tree_math;
pub mod treekem;

use thiserror::Error;

use sonet::mls::primitives::PrimitiveError;

/// Why the oracle refused or failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OracleError {
    #[error("cannot decode {what}: {reason}")]
    /// Bytes that are not an encoding RFC 9420 allows, e.g. truncated, with trailing bytes, a
    /// non-minimal or reserved length prefix, a bad `optional` byte, an undefined selector.
    Decode {
        /// The structure or field being read, e.g. `LeafNode` or `epoch`.
        what: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    #[error("tree math: {0}")]
    /// A leaf count or node index the array tree math (Appendix C) refuses: a count that is
    /// not a power of two, a node outside the tree, a leaf where a parent is needed.
    TreeMath(String),
    #[error("invalid: {0}")]
    /// Well-formed input that fails a check RFC 9420 requires (a MAC tag, tree hash,
    /// parent-hash chain, key uniqueness, epoch or sender, a received tree's leaf signatures),
    /// arguments that do not fit together, or a local failure (no randomness, a clock before
    /// 1970); the message says which.
    Invalid(String),
    /// Something RFC 9420 defines that the oracle deliberately does not do.
    #[error("not implemented by the oracle: {0}")]
    Unsupported(String),
    /// A PSK the member was not given (an unknown external id, or an epoch it never saw).
    #[error("PSK not available: {0}")]
    UnknownPsk(String),
    #[error(transparent)]
    /// A cryptographic primitive refused: among others a signature that does not verify, an
    /// AEAD or HPKE ciphertext that does not open, an unknown cipher suite.
    Primitive(#[from] PrimitiveError),
}

/// The oracle's result type.
pub type Result<T> = std::result::Result<T, OracleError>;
