//! The two MLS implementations the `interop` suite puts in one group — Sonet (`sonet::mls` on
//! openmls) and mls-rs — behind one small interface, so a scenario can say "this member
//! commits, every other member processes" without caring which implementation each one is.
//!
//! Messages cross the boundary only as serialized RFC 9420 `MLSMessage` bytes (and the
//! `ratchet_tree` encoding for out-of-band trees): nothing in-memory is shared.

use mls_rs::client_builder::{MlsConfig, PaddingMode};
use mls_rs::group::{CommitEffect, ReceivedMessage};
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::identity::SigningIdentity;
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::{CipherSuiteProvider, CryptoProvider, ExtensionList, MlsMessage};
use mls_rs_crypto_openssl::OpensslCryptoProvider;
use mls_rs_crypto_rustcrypto::RustCryptoProvider;
use sonet::mls::{self as sonet_mls, GroupConfig, GroupEvent, GroupOptions, JoinOptions};

/// How a member frames its handshake messages and hands the ratchet tree to joiners. Each
/// implementation maps it onto its own configuration, so scenarios cover both framings and
/// both ways of delivering the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Put the ratchet tree in the Welcome's GroupInfo; otherwise the joiner gets it out of
    /// band (the committer's exported `ratchet_tree`).
    pub tree_in_welcome: bool,
    /// Send proposals and commits as `PrivateMessage`, and pad every `PrivateMessage`
    /// (Sonet: to multiples of 64 bytes, mls-rs: its step function); otherwise handshakes go
    /// as `PublicMessage` and nothing is padded.
    pub encrypted_handshake: bool,
}

impl Style {
    /// The style in words, for case details.
    pub fn describe(self) -> String {
        format!(
            "sends {} handshakes, gives joiners the ratchet tree {}",
            if self.encrypted_handshake {
                "padded PrivateMessage"
            } else {
                "PublicMessage"
            },
            if self.tree_in_welcome {
                "in the Welcome"
            } else {
                "out of band"
            }
        )
    }
}

/// The messages one commit produced.
pub struct CommitMessages {
    /// The commit, as a serialized `MLSMessage`.
    pub commit: Vec<u8>,
    /// The Welcome for the members it adds, if it adds any.
    pub welcome: Option<Vec<u8>>,
}

/// What processing one message did, in implementation-neutral terms.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// An application message's plaintext.
    Application(Vec<u8>),
    /// A commit was merged; the member is now at this epoch.
    NewEpoch(u64),
    /// A commit removed this member.
    Removed,
    /// Anything else (a proposal, say), described by the implementation.
    Other(String),
}

/// A group member of either implementation.
pub trait Member {
    /// The client's identity, which names its implementation: `mls-rs/openssl-client-3`.
    fn label(&self) -> String;
    /// The implementation's name ([`Implementation::name`]).
    fn implementation(&self) -> &'static str;
    /// How the member frames handshakes and hands out the ratchet tree.
    fn style(&self) -> Style;
    /// The basic-credential identity.
    fn identity(&self) -> Vec<u8>;
    /// The current epoch.
    fn epoch(&self) -> u64;
    /// The member's own leaf index.
    fn leaf_index(&self) -> u32;
    /// (leaf index, basic-credential identity) of every member in the current epoch.
    fn roster(&self) -> Vec<(u32, Vec<u8>)>;
    /// The current epoch's `epoch_authenticator`.
    fn epoch_authenticator(&self) -> Result<Vec<u8>, String>;
    /// The MLS exporter (RFC 9420 §8.5) of the current epoch.
    fn export_secret(&self, label: &str, context: &[u8], length: usize) -> Result<Vec<u8>, String>;
    /// The serialized RFC 9420 `ratchet_tree` of the current epoch, for out-of-band delivery.
    fn ratchet_tree(&self) -> Result<Vec<u8>, String>;
    /// An application message, as a serialized `MLSMessage`.
    fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, String>;
    /// Processes a serialized `MLSMessage` from another member.
    fn process(&mut self, message: &[u8]) -> Result<Received, String>;
    /// Commits (pending until [`merge_own_commit`](Member::merge_own_commit)) a fresh path.
    fn commit_update(&mut self) -> Result<CommitMessages, String>;
    /// Adds every KeyPackage in one commit (one Welcome for all of them).
    fn commit_add(&mut self, key_packages: &[&[u8]]) -> Result<CommitMessages, String>;
    /// Removes the member at `leaf_index` in one commit.
    fn commit_remove(&mut self, leaf_index: u32) -> Result<CommitMessages, String>;
    /// The delivery service accepted this member's pending commit: move to the new epoch.
    fn merge_own_commit(&mut self) -> Result<(), String>;
}

/// A client with one fresh KeyPackage, not yet in the group.
pub trait Joiner {
    /// The KeyPackage, as a serialized `MLSMessage`.
    fn key_package(&self) -> &[u8];
    /// Joins from a Welcome; `ratchet_tree` is the out-of-band tree, if the Welcome has none.
    fn join(
        self: Box<Self>,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<Box<dyn Member>, String>;
}

/// One MLS implementation (with one crypto provider) that can create groups and join them.
pub trait Implementation: Send + Sync {
    /// The implementation and its crypto provider: `sonet/openmls`, `mls-rs/rustcrypto`.
    fn name(&self) -> &'static str;
    /// Whether this implementation's crypto provider runs this RFC 9420 suite.
    fn supports(&self, suite: u16) -> bool;
    /// A new group of one with this `identity`, in cipher suite `suite`.
    fn create_group(
        &self,
        identity: &[u8],
        suite: u16,
        style: Style,
    ) -> Result<Box<dyn Member>, String>;
    /// A client with this `identity` and a fresh KeyPackage for `suite`.
    fn joiner(&self, identity: &[u8], suite: u16, style: Style) -> Result<Box<dyn Joiner>, String>;
}

// ---------------------------------------------------------------------------------------------
// Sonet

/// Sonet's MLS engine (`sonet::mls`, on openmls).
pub struct Sonet;

fn sonet_suite(suite: u16) -> Result<sonet_mls::CipherSuite, String> {
    sonet_mls::CipherSuite::from_id(suite).map_err(|e| e.to_string())
}

fn sonet_config(style: Style) -> GroupConfig {
    GroupConfig {
        ratchet_tree_extension: style.tree_in_welcome,
        plaintext_handshake: !style.encrypted_handshake,
        padding: if style.encrypted_handshake { 64 } else { 0 },
        ..GroupConfig::default()
    }
}

fn engine(e: sonet_mls::MlsError) -> String {
    format!("sonet::mls: {e}")
}

struct SonetMember {
    group: sonet_mls::Group,
    style: Style,
}

struct SonetJoiner {
    client: sonet_mls::Client,
    key_package: Vec<u8>,
    style: Style,
}

impl Implementation for Sonet {
    fn name(&self) -> &'static str {
        "sonet"
    }

    fn supports(&self, suite: u16) -> bool {
        sonet_suite(suite).is_ok_and(sonet_mls::CipherSuite::is_supported)
    }

    fn create_group(
        &self,
        identity: &[u8],
        suite: u16,
        style: Style,
    ) -> Result<Box<dyn Member>, String> {
        let client = sonet_mls::Client::in_memory(identity).map_err(engine)?;
        let options = GroupOptions {
            group_id: None,
            config: sonet_config(style),
        };
        let group =
            sonet_mls::create_group(&client, sonet_suite(suite)?, &options).map_err(engine)?;
        Ok(Box::new(SonetMember { group, style }))
    }

    fn joiner(&self, identity: &[u8], suite: u16, style: Style) -> Result<Box<dyn Joiner>, String> {
        let client = sonet_mls::Client::in_memory(identity).map_err(engine)?;
        let key_package = client.key_package(sonet_suite(suite)?).map_err(engine)?;
        Ok(Box::new(SonetJoiner {
            client,
            key_package,
            style,
        }))
    }
}

impl Joiner for SonetJoiner {
    fn key_package(&self) -> &[u8] {
        &self.key_package
    }

    fn join(
        self: Box<Self>,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<Box<dyn Member>, String> {
        let options = JoinOptions {
            config: sonet_config(self.style),
            skip_lifetime_validation: false,
        };
        let group = sonet_mls::join_from_welcome(&self.client, welcome, ratchet_tree, &options)
            .map_err(engine)?;
        Ok(Box::new(SonetMember {
            group,
            style: self.style,
        }))
    }
}

impl SonetMember {
    fn commit(output: sonet_mls::CommitOutput) -> CommitMessages {
        CommitMessages {
            commit: output.commit,
            welcome: output.welcome,
        }
    }
}

impl Member for SonetMember {
    fn label(&self) -> String {
        String::from_utf8_lossy(self.group.client().identity()).into_owned()
    }

    fn implementation(&self) -> &'static str {
        "sonet"
    }

    fn style(&self) -> Style {
        self.style
    }

    fn identity(&self) -> Vec<u8> {
        self.group.client().identity().to_vec()
    }

    fn epoch(&self) -> u64 {
        self.group.epoch()
    }

    fn leaf_index(&self) -> u32 {
        self.group.own_leaf_index()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group
            .members()
            .into_iter()
            .map(|m| (m.leaf_index, m.identity))
            .collect()
    }

    fn epoch_authenticator(&self) -> Result<Vec<u8>, String> {
        Ok(self.group.epoch_authenticator().as_bytes().to_vec())
    }

    fn export_secret(&self, label: &str, context: &[u8], length: usize) -> Result<Vec<u8>, String> {
        self.group
            .export_secret(label, context, length)
            .map(|s| s.as_bytes().to_vec())
            .map_err(engine)
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>, String> {
        self.group.ratchet_tree().map_err(engine)
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        self.group.encrypt(plaintext).map_err(engine)
    }

    fn process(&mut self, message: &[u8]) -> Result<Received, String> {
        Ok(match self.group.process(message).map_err(engine)? {
            GroupEvent::Application { data, .. } => Received::Application(data),
            GroupEvent::CommitMerged { epoch } => Received::NewEpoch(epoch),
            GroupEvent::Removed { .. } => Received::Removed,
            other => Received::Other(format!("{other:?}")),
        })
    }

    fn commit_update(&mut self) -> Result<CommitMessages, String> {
        self.group.self_update().map(Self::commit).map_err(engine)
    }

    fn commit_add(&mut self, key_packages: &[&[u8]]) -> Result<CommitMessages, String> {
        self.group
            .add_members(key_packages)
            .map(Self::commit)
            .map_err(engine)
    }

    fn commit_remove(&mut self, leaf_index: u32) -> Result<CommitMessages, String> {
        self.group
            .remove_members(&[leaf_index])
            .map(Self::commit)
            .map_err(engine)
    }

    fn merge_own_commit(&mut self) -> Result<(), String> {
        self.group.merge_pending_commit().map(drop).map_err(engine)
    }
}

// ---------------------------------------------------------------------------------------------
// mls-rs

/// mls-rs with one of its crypto providers.
pub struct MlsRs<P> {
    name: &'static str,
    crypto: P,
}

/// mls-rs on its RustCrypto provider.
pub fn mls_rs_rustcrypto() -> MlsRs<RustCryptoProvider> {
    MlsRs {
        name: "mls-rs/rustcrypto",
        crypto: RustCryptoProvider::default(),
    }
}

/// mls-rs on its OpenSSL provider (the system libssl).
pub fn mls_rs_openssl() -> MlsRs<OpensslCryptoProvider> {
    MlsRs {
        name: "mls-rs/openssl",
        crypto: OpensslCryptoProvider::default(),
    }
}

fn peer(e: impl std::fmt::Display) -> String {
    format!("mls-rs: {e}")
}

fn rules(style: Style) -> DefaultMlsRules {
    DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new()
                .with_ratchet_tree_extension(style.tree_in_welcome)
                .with_always_out_of_band_ratchet_tree(!style.tree_in_welcome),
        )
        .with_encryption_options(EncryptionOptions::new(
            style.encrypted_handshake,
            if style.encrypted_handshake {
                PaddingMode::StepFunction
            } else {
                PaddingMode::None
            },
        ))
}

impl<P> MlsRs<P>
where
    P: CryptoProvider + Clone + Send + Sync + 'static,
{
    fn client(
        &self,
        identity: &[u8],
        suite: u16,
        style: Style,
    ) -> Result<mls_rs::Client<impl MlsConfig>, String> {
        let cipher_suite = mls_rs::CipherSuite::from(suite);
        let provider = self
            .crypto
            .cipher_suite_provider(cipher_suite)
            .ok_or_else(|| format!("{} does not run cipher suite {suite}", self.name))?;
        let (secret, public) = provider
            .signature_key_generate()
            .map_err(|e| format!("mls-rs: signature key generation: {e:?}"))?;
        let credential = BasicCredential::new(identity.to_vec()).into_credential();
        Ok(mls_rs::Client::builder()
            .identity_provider(BasicIdentityProvider::new())
            .crypto_provider(self.crypto.clone())
            .mls_rules(rules(style))
            .signing_identity(
                SigningIdentity::new(credential, public),
                secret,
                cipher_suite,
            )
            .build())
    }
}

struct MlsRsMember<C: MlsConfig> {
    implementation: &'static str,
    style: Style,
    identity: Vec<u8>,
    group: mls_rs::Group<C>,
}

struct MlsRsJoiner<C: MlsConfig> {
    implementation: &'static str,
    style: Style,
    identity: Vec<u8>,
    client: mls_rs::Client<C>,
    key_package: Vec<u8>,
}

impl<P> Implementation for MlsRs<P>
where
    P: CryptoProvider + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn supports(&self, suite: u16) -> bool {
        self.crypto
            .cipher_suite_provider(mls_rs::CipherSuite::from(suite))
            .is_some()
    }

    fn create_group(
        &self,
        identity: &[u8],
        suite: u16,
        style: Style,
    ) -> Result<Box<dyn Member>, String> {
        let client = self.client(identity, suite, style)?;
        let group = client
            .create_group(ExtensionList::default(), ExtensionList::default(), None)
            .map_err(peer)?;
        Ok(Box::new(MlsRsMember {
            implementation: self.name,
            style,
            identity: identity.to_vec(),
            group,
        }))
    }

    fn joiner(&self, identity: &[u8], suite: u16, style: Style) -> Result<Box<dyn Joiner>, String> {
        let client = self.client(identity, suite, style)?;
        let key_package = client
            .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
            .and_then(|m| m.to_bytes())
            .map_err(peer)?;
        Ok(Box::new(MlsRsJoiner {
            implementation: self.name,
            style,
            identity: identity.to_vec(),
            client,
            key_package,
        }))
    }
}

fn decode(bytes: &[u8]) -> Result<MlsMessage, String> {
    MlsMessage::from_bytes(bytes).map_err(peer)
}

impl<C: MlsConfig + 'static> Joiner for MlsRsJoiner<C> {
    fn key_package(&self) -> &[u8] {
        &self.key_package
    }

    fn join(
        self: Box<Self>,
        welcome: &[u8],
        ratchet_tree: Option<&[u8]>,
    ) -> Result<Box<dyn Member>, String> {
        let tree = ratchet_tree
            .map(mls_rs::group::ExportedTree::from_bytes)
            .transpose()
            .map_err(peer)?;
        let (group, _info) = self
            .client
            .join_group(tree, &decode(welcome)?, None)
            .map_err(peer)?;
        Ok(Box::new(MlsRsMember {
            implementation: self.implementation,
            style: self.style,
            identity: self.identity,
            group,
        }))
    }
}

impl<C: MlsConfig> MlsRsMember<C> {
    fn commit(output: mls_rs::group::CommitOutput) -> Result<CommitMessages, String> {
        let welcome = match output.welcome_messages.as_slice() {
            [] => None,
            [welcome] => Some(welcome.to_bytes().map_err(peer)?),
            more => return Err(format!("mls-rs produced {} Welcome messages", more.len())),
        };
        Ok(CommitMessages {
            commit: output.commit_message.to_bytes().map_err(peer)?,
            welcome,
        })
    }
}

impl<C: MlsConfig> Member for MlsRsMember<C> {
    fn label(&self) -> String {
        String::from_utf8_lossy(&self.identity).into_owned()
    }

    fn implementation(&self) -> &'static str {
        self.implementation
    }

    fn style(&self) -> Style {
        self.style
    }

    fn identity(&self) -> Vec<u8> {
        self.identity.clone()
    }

    fn epoch(&self) -> u64 {
        self.group.current_epoch()
    }

    fn leaf_index(&self) -> u32 {
        self.group.current_member_index()
    }

    fn roster(&self) -> Vec<(u32, Vec<u8>)> {
        self.group
            .roster()
            .members_iter()
            .map(|m| {
                let identity = m
                    .signing_identity
                    .credential
                    .as_basic()
                    .map(|b| b.identifier.clone())
                    .unwrap_or_default();
                (m.index, identity)
            })
            .collect()
    }

    fn epoch_authenticator(&self) -> Result<Vec<u8>, String> {
        self.group
            .epoch_authenticator()
            .map(|s| s.as_bytes().to_vec())
            .map_err(peer)
    }

    fn export_secret(&self, label: &str, context: &[u8], length: usize) -> Result<Vec<u8>, String> {
        self.group
            .export_secret(label.as_bytes(), context, length)
            .map(|s| s.as_bytes().to_vec())
            .map_err(peer)
    }

    fn ratchet_tree(&self) -> Result<Vec<u8>, String> {
        self.group.export_tree().to_bytes().map_err(peer)
    }

    fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        self.group
            .encrypt_application_message(plaintext, Vec::new())
            .and_then(|m| m.to_bytes())
            .map_err(peer)
    }

    fn process(&mut self, message: &[u8]) -> Result<Received, String> {
        let received = self
            .group
            .process_incoming_message(decode(message)?)
            .map_err(peer)?;
        Ok(match received {
            ReceivedMessage::ApplicationMessage(description) => {
                Received::Application(description.data().to_vec())
            }
            ReceivedMessage::Commit(description) => match description.effect {
                CommitEffect::NewEpoch(_) => Received::NewEpoch(self.group.current_epoch()),
                CommitEffect::Removed { .. } => Received::Removed,
                CommitEffect::ReInit(_) => Received::Other("ReInit commit".into()),
            },
            other => Received::Other(format!("{other:?}")),
        })
    }

    fn commit_update(&mut self) -> Result<CommitMessages, String> {
        // An empty commit carries an UpdatePath (RFC 9420 §12.4): a full self-update.
        let output = self.group.commit_builder().build().map_err(peer)?;
        Self::commit(output)
    }

    fn commit_add(&mut self, key_packages: &[&[u8]]) -> Result<CommitMessages, String> {
        let mut builder = self.group.commit_builder();
        for key_package in key_packages {
            builder = builder.add_member(decode(key_package)?).map_err(peer)?;
        }
        Self::commit(builder.build().map_err(peer)?)
    }

    fn commit_remove(&mut self, leaf_index: u32) -> Result<CommitMessages, String> {
        let output = self
            .group
            .commit_builder()
            .remove_member(leaf_index)
            .and_then(|b| b.build())
            .map_err(peer)?;
        Self::commit(output)
    }

    fn merge_own_commit(&mut self) -> Result<(), String> {
        self.group.apply_pending_commit().map(drop).map_err(peer)
    }
}
