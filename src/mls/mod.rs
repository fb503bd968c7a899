//! MLS (RFC 9420) engine over openmls 0.9: a small, typed layer that a service, a test or a
//! conformance suite can drive with bytes in and bytes out.
//!
//! - [`CipherSuite`] names the seven RFC 9420 suites ([`CipherSuite::ALL`]) and, marked
//!   [`CipherSuite::is_draft`], the draft post-quantum suites of draft-ietf-mls-pq-ciphersuites
//!   under openmls' names and provisional code points ([`CipherSuite::DRAFT_PQ`]: ML-KEM, X-Wing,
//!   ML-DSA; no upstream vectors exist for them). [`CipherSuite::is_supported`] asks the crypto
//!   provider.
//! - [`SonetCrypto`] is that provider: openmls' `OpenMlsCrypto` and `OpenMlsRand` on
//!   [`primitives`] (the project's own HPKE, AEAD, HKDF and signatures, randomness from the OS),
//!   running every suite above. Signature keys of every scheme (Ed25519, Ed448, ECDSA
//!   P-256/384/521, ML-DSA-44/65/87) are Sonet's own, kept in openmls' storage.
//! - [`Client`] is an identity with its signature keys, KeyPackages and external PSKs, backed by
//!   SQLite ([`Client::open`], the service default) or memory ([`Client::in_memory`]).
//! - [`create_group`], [`join_from_welcome`] and [`external_join`] give a [`Group`], which adds,
//!   removes, updates, proposes, commits, encrypts, [`processes`](Group::process) incoming
//!   messages into [`GroupEvent`]s, and exports secrets and the epoch authenticator.
//! - [`inspect_welcome`] decrypts and checks a Welcome (GroupInfo signature, confirmation tag)
//!   before joining, without a ratchet tree or any client state.
//! - Every failure is an [`MlsError`]; nothing panics on input.
//! - [`primitives`] is also the foundation of the oracle, the workspace crate `sonet-oracle`: a
//!   second, independent implementation of RFC 9420 written from the RFC on [`primitives`] alone
//!   (no openmls code or types), which the `rfc9420` conformance suite checks every mlswg vector
//!   file with and which follows openmls' groups epoch by epoch in the differential run. It is
//!   not part of this crate, and nothing here depends on it.
//!
//! All messages are serialized `MLSMessage`s (RFC 9420 §6), as other implementations exchange
//! them. Secrets handed out ([`Group::export_secret`], [`Group::epoch_authenticator`]) are
//! [`SecretBytes`](crate::secret::SecretBytes): zeroized on drop, `Debug` shows only the length.
//!
//! Limits of openmls 0.9.2 that show through: ReInit and branch (resumption PSKs with usage
//! `reinit`/`branch`) return [`MlsError::Unsupported`]; a leaf that carries a GREASE extension
//! is rejected even when its capabilities list it (openmls#2156, fixed upstream after 0.9.2),
//! which blocks groups with GREASEing peers such as mlspp.
//!
//! The draft suites interoperate with openmls' own providers (a test holds [`SonetCrypto`] to
//! openmls_rust_crypto byte for byte on every suite both run), which derive ML-KEM and X-Wing
//! HPKE keys as hpke-rs 0.7 does rather than as draft-ietf-hpke-pq-04 does
//! ([`primitives::derive_hpke_key_pair`]); peers following the newer HPKE draft would not
//! agree on path keys.
//!
//! ```
//! use sonet::mls::{create_group, join_from_welcome, CipherSuite, Client, GroupEvent, GroupOptions, JoinOptions};
//!
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
//! let alice = Client::in_memory(b"alice")?;
//! let bob = Client::in_memory(b"bob")?;
//!
//! let mut group = create_group(&alice, suite, &GroupOptions::default())?;
//! let commit = group.add_members(&[bob.key_package(suite)?])?;
//! group.merge_pending_commit()?; // once the delivery service accepted the commit
//! let welcome = commit.welcome.expect("an add commit has a Welcome");
//! let mut bobs = join_from_welcome(&bob, &welcome, None, &JoinOptions::default())?;
//!
//! let ciphertext = group.encrypt(b"hi Bob")?;
//! assert_eq!(
//!     bobs.process(&ciphertext)?,
//!     GroupEvent::Application { sender: 0, data: b"hi Bob".to_vec() }
//! );
//! assert_eq!(group.epoch_authenticator(), bobs.epoch_authenticator());
//! # Ok::<(), sonet::mls::MlsError>(())
//! ```

mod client;
mod error;
mod group;
mod passive;
pub mod primitives;
mod provider;
mod routing;
mod signer;
pub(crate) mod storage;
mod suite;
mod welcome;
mod wire;

#[cfg(test)]
mod tests;

pub use client::Client;
pub use error::{MlsError, Result};
pub use group::{
    create_group, external_join, join_from_welcome, CommitOutput, Group, GroupConfig, GroupEvent,
    GroupOptions, JoinOptions, Member, ProposalKind, Sender,
};
pub use passive::{
    run_passive_client, PassiveClientCase, PassiveClientError, PassiveEpoch, PassiveStep,
    OPENMLS_GREASE_REJECTION,
};
pub use provider::{RandError, SonetCrypto};
pub use routing::{
    key_package_credential, message_framing, signature_scheme, verify_service_signature,
    welcome_suite, ContentKind, Framing, KeyPackageCredential,
};
pub use suite::CipherSuite;
pub use welcome::{inspect_welcome, WelcomeInspection};
