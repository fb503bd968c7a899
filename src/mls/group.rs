//! [`Group`]: one client's view of one MLS group, and the three ways to get one
//! ([`create_group`], [`join_from_welcome`], [`external_join`]).

use std::fmt;

use openmls::group::{
    GroupEpoch, GroupId, MlsGroup, MlsGroupJoinConfig, ProcessedWelcome, WireFormatPolicy,
    MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY, MIXED_PLAINTEXT_WIRE_FORMAT_POLICY,
};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    BasicCredential, CommitMessageBundle, Credential, JoinBuilder, KeyPackage, LeafNodeIndex,
    LeafNodeParameters, MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, OpenMlsProvider,
    OpenMlsRand, ProcessedMessageContent, Proposal, ProtocolMessage, SenderRatchetConfiguration,
};
use openmls::schedule::psk::ResumptionPskUsage;
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};

use super::client::ClientInner;
use super::error::{self, internal, malformed, storage, MlsError, Result};
use super::signer::SignatureKeyPair;
use super::storage::with_provider;
use super::wire::{decode_message, decode_ratchet_tree, wire_format_name};
use super::{CipherSuite, Client};
use crate::secret::SecretBytes;

/// Runtime configuration of a group, for creating and for joining it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupConfig {
    /// Put the ratchet tree in Welcome messages (the `ratchet_tree` extension of their
    /// GroupInfo). Without it, send [`Group::ratchet_tree`] to joiners out of band.
    /// Default: `true`.
    pub ratchet_tree_extension: bool,
    /// Send proposals and commits as `PublicMessage` instead of `PrivateMessage`. Both are
    /// always accepted on receipt; application messages are always encrypted.
    /// Default: `false`.
    pub plaintext_handshake: bool,
    /// How many past epochs' message secrets are kept, so application messages sent just
    /// before an epoch change still decrypt. Default: 0 (only the current epoch).
    pub max_past_epochs: usize,
    /// How many past epochs' resumption PSKs are kept ([`Group::propose_resumption_psk`]).
    /// Default: 32.
    pub resumption_psks: usize,
    /// Sender-ratchet window: how many generations back a late message may be.
    /// Default: 5.
    pub out_of_order_tolerance: u32,
    /// Sender-ratchet window: how many generations ahead a message may skip. Default: 1000.
    pub maximum_forward_distance: u32,
    /// Pad encrypted messages to a multiple of this many bytes (0: no padding).
    pub padding: usize,
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            ratchet_tree_extension: true,
            plaintext_handshake: false,
            max_past_epochs: 0,
            resumption_psks: 32,
            out_of_order_tolerance: 5,
            maximum_forward_distance: 1000,
            padding: 0,
        }
    }
}

impl GroupConfig {
    fn wire_format_policy(&self) -> WireFormatPolicy {
        // Outgoing as configured; incoming always mixed, so peers' choices interoperate.
        if self.plaintext_handshake {
            MIXED_PLAINTEXT_WIRE_FORMAT_POLICY
        } else {
            MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY
        }
    }

    fn sender_ratchet(&self) -> SenderRatchetConfiguration {
        SenderRatchetConfiguration::new(self.out_of_order_tolerance, self.maximum_forward_distance)
    }

    fn join_config(&self) -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .wire_format_policy(self.wire_format_policy())
            .padding_size(self.padding)
            .max_past_epochs(self.max_past_epochs)
            .number_of_resumption_psks(self.resumption_psks)
            .use_ratchet_tree_extension(self.ratchet_tree_extension)
            .sender_ratchet_configuration(self.sender_ratchet())
            .build()
    }
}

/// Options for [`create_group`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupOptions {
    /// The group id; random (16 bytes) if `None`.
    pub group_id: Option<Vec<u8>>,
    /// The group's runtime configuration.
    pub config: GroupConfig,
}

/// Options for [`join_from_welcome`] and [`external_join`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinOptions {
    /// The runtime configuration the joined group runs with.
    pub config: GroupConfig,
    /// Accept ratchet-tree leaves whose KeyPackage lifetime has expired (or not begun). The
    /// RFC 9420 vectors carry lifetimes that have since expired. Default: `false`.
    pub skip_lifetime_validation: bool,
}

/// Who sent a handshake or application message (RFC 9420 §6.1 `Sender`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A member, by leaf index.
    Member(u32),
    /// An external sender, by index into the group's `external_senders` extension.
    External(u32),
    /// A new member proposing its own addition.
    NewMemberProposal,
    /// A new member joining by external commit.
    NewMemberCommit,
}

impl From<&openmls::prelude::Sender> for Sender {
    fn from(sender: &openmls::prelude::Sender) -> Self {
        use openmls::prelude::Sender as S;
        match sender {
            S::Member(leaf) => Sender::Member(leaf.u32()),
            // The index is a TLS uint32; openmls keeps its accessor crate-private.
            S::External(index) => Sender::External(
                index
                    .tls_serialize_detached()
                    .ok()
                    .and_then(|b| <[u8; 4]>::try_from(b.as_slice()).ok())
                    .map_or(u32::MAX, u32::from_be_bytes),
            ),
            S::NewMemberProposal => Sender::NewMemberProposal,
            S::NewMemberCommit => Sender::NewMemberCommit,
        }
    }
}

/// The type of a queued proposal (RFC 9420 §17.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalKind {
    /// Add a member (its KeyPackage).
    Add,
    /// Update the sender's own leaf.
    Update,
    /// Removal of the member at this leaf index.
    Remove(u32),
    /// Inject a pre-shared key (external or resumption) into the next key schedule.
    PreSharedKey,
    /// Reinitialise the group with new parameters (RFC 9420 §12.1.5).
    ReInit,
    /// External init: a new member's external commit (only inside a commit).
    ExternalInit,
    /// Replace the group context extensions.
    GroupContextExtensions,
    /// The sender removes itself (draft-ietf-mls-extensions SelfRemove).
    SelfRemove,
    /// Another (custom) proposal type, by code point.
    Other(u16),
}

impl From<&Proposal> for ProposalKind {
    fn from(proposal: &Proposal) -> Self {
        match proposal {
            Proposal::Add(_) => Self::Add,
            Proposal::Update(_) => Self::Update,
            Proposal::Remove(remove) => Self::Remove(remove.removed().u32()),
            Proposal::PreSharedKey(_) => Self::PreSharedKey,
            Proposal::ReInit(_) => Self::ReInit,
            Proposal::ExternalInit(_) => Self::ExternalInit,
            Proposal::GroupContextExtensions(_) => Self::GroupContextExtensions,
            Proposal::SelfRemove => Self::SelfRemove,
            Proposal::Custom(custom) => Self::Other(custom.proposal_type()),
        }
    }
}

/// What processing one incoming message did.
#[derive(Clone, PartialEq, Eq)]
pub enum GroupEvent {
    /// An application message, decrypted.
    Application {
        /// The sender's leaf index.
        sender: u32,
        /// The plaintext (confidential: `Debug` shows only its length).
        data: Vec<u8>,
    },
    /// A proposal, validated and queued for the next commit.
    ProposalQueued {
        /// Who proposed it.
        sender: Sender,
        /// What it proposes.
        kind: ProposalKind,
    },
    /// A commit, validated and merged: the group is now at `epoch`.
    CommitMerged {
        /// The group's epoch after the commit.
        epoch: u64,
    },
    /// A commit that removed this client, merged: the group is now inactive.
    Removed {
        /// The epoch the removing commit created.
        epoch: u64,
    },
    /// An echo of a `PrivateMessage` this client sent (it cannot be decrypted by its sender);
    /// nothing changed.
    OwnMessage,
}

impl fmt::Debug for GroupEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Application plaintext is confidential: show only its length.
            Self::Application { sender, data } => f
                .debug_struct("Application")
                .field("sender", sender)
                .field("len", &data.len())
                .finish(),
            Self::ProposalQueued { sender, kind } => f
                .debug_struct("ProposalQueued")
                .field("sender", sender)
                .field("kind", kind)
                .finish(),
            Self::CommitMerged { epoch } => f
                .debug_struct("CommitMerged")
                .field("epoch", epoch)
                .finish(),
            Self::Removed { epoch } => f.debug_struct("Removed").field("epoch", epoch).finish(),
            Self::OwnMessage => f.write_str("OwnMessage"),
        }
    }
}

/// The messages a commit produces: the Commit for the group, a Welcome when it adds members,
/// and (with the ratchet-tree extension enabled) a GroupInfo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitOutput {
    /// Serialized `MLSMessage` (PublicMessage or PrivateMessage) for the current members.
    pub commit: Vec<u8>,
    /// Serialized `MLSMessage` (Welcome) for the added members.
    pub welcome: Option<Vec<u8>>,
    /// Serialized `MLSMessage` (GroupInfo) of the new epoch.
    pub group_info: Option<Vec<u8>>,
}

impl CommitOutput {
    fn from_bundle(bundle: CommitMessageBundle) -> Result<Self> {
        let (commit, welcome, group_info) = bundle.into_messages();
        let bytes = |m: MlsMessageOut| m.to_bytes().map_err(internal);
        Ok(Self {
            commit: bytes(commit)?,
            welcome: welcome.map(bytes).transpose()?,
            group_info: group_info.map(bytes).transpose()?,
        })
    }
}

/// A group member as seen in the current epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's leaf index.
    pub leaf_index: u32,
    /// The basic credential's identity (a non-basic credential's raw content).
    pub identity: Vec<u8>,
    /// The member's signature public key, in its scheme's encoding.
    pub signature_key: Vec<u8>,
}

/// One client's state in one MLS group.
///
/// Commits are two-phase, as RFC 9420 §14 intends with a delivery service that orders
/// handshake messages: [`add_members`](Group::add_members), [`remove_members`](Group::remove_members),
/// [`self_update`](Group::self_update) and [`commit_pending`](Group::commit_pending) return the
/// messages and leave the commit *pending*; call [`merge_pending_commit`](Group::merge_pending_commit)
/// once the delivery service accepted it (or [`process`](Group::process) its echo, for a
/// `PublicMessage` commit), or [`discard_pending_commit`](Group::discard_pending_commit) if
/// another commit won (processing that other commit also drops it). Every commit also covers
/// all proposals queued in the current epoch. Received proposals are validated and queued
/// automatically; received commits are validated and merged.
///
/// Every method that changes state is one storage transaction: if it fails, nothing of it is
/// stored and the in-memory state is reloaded from storage, so the group keeps working after
/// any rejected input.
pub struct Group {
    client: Client,
    suite: CipherSuite,
    mls: MlsGroup,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &hex::encode(self.group_id()))
            .field("suite", &self.suite)
            .field("epoch", &self.epoch())
            .field("own_leaf_index", &self.own_leaf_index())
            .field("active", &self.is_active())
            .field("pending_commit", &self.has_pending_commit())
            .finish()
    }
}

/// Creates a group with `client` as its only member.
pub fn create_group(client: &Client, suite: CipherSuite, options: &GroupOptions) -> Result<Group> {
    suite.require_supported()?;
    if options.group_id.as_ref().is_some_and(|id| id.is_empty()) {
        return Err(MlsError::InvalidArgument("empty group id".into()));
    }
    let inner = &client.inner;
    let config = &options.config;
    let mls = with_provider!(&inner.backend, &inner.crypto, |p, meta| {
        let signer = inner.default_signer(p, meta, suite)?;
        let group_id = match &options.group_id {
            Some(id) => GroupId::from_slice(id),
            None => GroupId::from_slice(&p.rand().random_vec(16).map_err(internal)?),
        };
        let mls = MlsGroup::builder()
            .with_group_id(group_id)
            .ciphersuite(suite.to_openmls())
            .with_wire_format_policy(config.wire_format_policy())
            .padding_size(config.padding)
            .max_past_epochs(config.max_past_epochs)
            .number_of_resumption_psks(config.resumption_psks)
            .use_ratchet_tree_extension(config.ratchet_tree_extension)
            .sender_ratchet_configuration(config.sender_ratchet())
            .with_capabilities(inner.capabilities())
            .build(p, &signer, inner.credential_with_key(&signer))
            .map_err(error::new_group)?;
        meta.add_group(mls.group_id().as_slice())?;
        Ok(mls)
    })?;
    Ok(Group {
        client: client.clone(),
        suite,
        mls,
    })
}

/// Joins a group from a Welcome (a serialized `MLSMessage`) addressed to one of `client`'s
/// KeyPackages. `ratchet_tree` (a serialized RFC 9420 `ratchet_tree`, as
/// [`Group::ratchet_tree`] exports it) is needed when the Welcome's GroupInfo has no
/// `ratchet_tree` extension, and ignored otherwise. The KeyPackage is consumed.
pub fn join_from_welcome(
    client: &Client,
    welcome: &[u8],
    ratchet_tree: Option<&[u8]>,
    options: &JoinOptions,
) -> Result<Group> {
    let welcome = decode_message(welcome, "Welcome", |body| match body {
        MlsMessageBodyIn::Welcome(welcome) => Some(welcome),
        _ => None,
    })?;
    let suite = CipherSuite::from_openmls(welcome.ciphersuite())?;
    suite.require_supported()?;
    let tree = decode_ratchet_tree(ratchet_tree)?;
    let inner = &client.inner;
    let join_config = options.config.join_config();
    let mls = with_provider!(&inner.backend, &inner.crypto, |p, meta| {
        let processed =
            ProcessedWelcome::new_from_welcome(p, &join_config, welcome).map_err(error::welcome)?;
        let mut builder = JoinBuilder::new(p, processed);
        if let Some(tree) = tree {
            builder = builder.with_ratchet_tree(tree);
        }
        if options.skip_lifetime_validation {
            builder = builder.skip_lifetime_validation();
        }
        let mls = builder
            .build()
            .map_err(error::welcome)?
            .into_group(p)
            .map_err(error::welcome)?;
        meta.add_group(mls.group_id().as_slice())?;
        Ok(mls)
    })?;
    Ok(Group {
        client: client.clone(),
        suite,
        mls,
    })
}

/// Joins a group by external commit (RFC 9420 §12.4.3.2) from its GroupInfo (a serialized
/// `MLSMessage`, e.g. from [`Group::group_info`]), which must carry the `external_pub`
/// extension; `ratchet_tree` is needed if it has no `ratchet_tree` extension.
///
/// Returns the group, already at the new epoch, and the Commit to send to the members. If the
/// delivery service rejects the Commit (another commit won the epoch), [`Group::delete`] the
/// returned group and join again from a fresh GroupInfo.
pub fn external_join(
    client: &Client,
    group_info: &[u8],
    ratchet_tree: Option<&[u8]>,
    options: &JoinOptions,
) -> Result<(Group, CommitOutput)> {
    let group_info = decode_message(group_info, "GroupInfo", |body| match body {
        MlsMessageBodyIn::GroupInfo(group_info) => Some(group_info),
        _ => None,
    })?;
    let suite = CipherSuite::from_openmls(group_info.ciphersuite())?;
    suite.require_supported()?;
    let tree = decode_ratchet_tree(ratchet_tree)?;
    let inner = &client.inner;
    let join_config = options.config.join_config();
    let (mls, output) = with_provider!(&inner.backend, &inner.crypto, |p, meta| {
        let signer = inner.default_signer(p, meta, suite)?;
        let mut builder = MlsGroup::external_commit_builder().with_config(join_config.clone());
        if let Some(tree) = tree {
            builder = builder.with_ratchet_tree(tree);
        }
        if options.skip_lifetime_validation {
            builder = builder.skip_lifetime_validation();
        }
        let (mls, bundle) = builder
            .build_group(p, group_info, inner.credential_with_key(&signer))
            .map_err(error::external_commit)?
            .leaf_node_parameters(
                LeafNodeParameters::builder()
                    .with_capabilities(inner.capabilities())
                    .build(),
            )
            .load_psks(p.storage())
            .map_err(error::create_commit)?
            .build(p.rand(), p.crypto(), &signer, |_| true)
            .map_err(error::create_commit)?
            .finalize(p)
            .map_err(error::external_finalize)?;
        meta.add_group(mls.group_id().as_slice())?;
        Ok((mls, CommitOutput::from_bundle(bundle)?))
    })?;
    Ok((
        Group {
            client: client.clone(),
            suite,
            mls,
        },
        output,
    ))
}

/// A KeyPackage from an `MLSMessage`, fully validated (including its lifetime).
fn decode_key_package(inner: &ClientInner, bytes: &[u8]) -> Result<KeyPackage> {
    decode_message(bytes, "KeyPackage", |body| match body {
        MlsMessageBodyIn::KeyPackage(kp) => Some(kp),
        _ => None,
    })?
    .validate(&inner.crypto, openmls::prelude::ProtocolVersion::Mls10)
    .map_err(error::key_package_verify)
}

/// The signature key of `mls`'s own leaf, from storage.
fn leaf_signer<P: OpenMlsProvider>(mls: &MlsGroup, p: &P) -> Result<SignatureKeyPair> {
    let leaf = mls.own_leaf_node().ok_or(MlsError::GroupInactive)?;
    SignatureKeyPair::read(
        p.storage(),
        leaf.signature_key().as_slice(),
        mls.ciphersuite().signature_algorithm(),
    )
    .map_err(storage)?
    .ok_or(MlsError::MissingSignatureKey)
}

fn identity_of(credential: &Credential) -> Vec<u8> {
    match BasicCredential::try_from(credential.clone()) {
        Ok(basic) => basic.identity().to_vec(),
        Err(_) => credential.serialized_content().to_vec(),
    }
}

enum ProposeKind {
    Add(Box<KeyPackage>),
    Remove(LeafNodeIndex),
    SelfUpdate,
    Leave,
    ExternalPsk(Vec<u8>),
    ResumptionPsk(u64),
}

enum CommitKind {
    Add(Vec<KeyPackage>),
    Remove(Vec<LeafNodeIndex>),
    SelfUpdate,
    Pending,
}

impl Client {
    /// Loads a stored group to continue it.
    pub fn load_group(&self, group_id: &[u8]) -> Result<Group> {
        Group::load(self, group_id)
    }
}

impl Group {
    /// Loads a stored group of `client`.
    pub fn load(client: &Client, group_id: &[u8]) -> Result<Group> {
        let inner = &client.inner;
        let mls = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            MlsGroup::load(p.storage(), &GroupId::from_slice(group_id))
                .map_err(storage)?
                .ok_or(MlsError::UnknownGroup)
        })?;
        Ok(Group {
            client: client.clone(),
            suite: CipherSuite::from_openmls(mls.ciphersuite())?,
            mls,
        })
    }

    /// The client this group belongs to.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The group id.
    pub fn group_id(&self) -> &[u8] {
        self.mls.group_id().as_slice()
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.suite
    }

    /// The current epoch number (0 at creation, +1 per merged commit).
    pub fn epoch(&self) -> u64 {
        self.mls.epoch().as_u64()
    }

    /// The current epoch's `epoch_authenticator` (RFC 9420 §8.7): equal for all members that
    /// agree on the epoch.
    pub fn epoch_authenticator(&self) -> SecretBytes {
        SecretBytes::new(self.mls.epoch_authenticator().as_slice().to_vec())
    }

    /// `MLS-Exporter(label, context, length)` of the current epoch (RFC 9420 §8.5).
    pub fn export_secret(&self, label: &str, context: &[u8], length: usize) -> Result<SecretBytes> {
        self.mls
            .export_secret(&self.client.inner.crypto, label, context, length)
            .map(SecretBytes::new)
            .map_err(error::export_secret)
    }

    /// The members of the current epoch, by leaf index.
    pub fn members(&self) -> Vec<Member> {
        self.mls
            .members()
            .map(|m| Member {
                leaf_index: m.index.u32(),
                identity: identity_of(&m.credential),
                signature_key: m.signature_key,
            })
            .collect()
    }

    /// This client's leaf index in the current epoch.
    pub fn own_leaf_index(&self) -> u32 {
        self.mls.own_leaf_index().u32()
    }

    /// `false` once this client has been removed.
    pub fn is_active(&self) -> bool {
        self.mls.is_active()
    }

    /// Whether a commit of this client awaits [`Group::merge_pending_commit`] or
    /// [`Group::discard_pending_commit`].
    pub fn has_pending_commit(&self) -> bool {
        self.mls.pending_commit().is_some()
    }

    /// How many proposals are queued for the next commit.
    pub fn pending_proposals(&self) -> usize {
        self.mls.pending_proposals().count()
    }

    /// The serialized ratchet tree of the current epoch (RFC 9420 §12.4.3.3), for joiners
    /// whose Welcome or GroupInfo does not carry it.
    pub fn ratchet_tree(&self) -> Result<Vec<u8>> {
        self.mls
            .export_ratchet_tree()
            .tls_serialize_detached()
            .map_err(internal)
    }

    /// A signed GroupInfo of the current epoch (serialized `MLSMessage`) with the
    /// `external_pub` extension, for [`external_join`]; with the ratchet tree in it if asked.
    pub fn group_info(&self, with_ratchet_tree: bool) -> Result<Vec<u8>> {
        self.ensure_active()?;
        let inner = &self.client.inner;
        let mls = &self.mls;
        with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            let signer = leaf_signer(mls, p)?;
            mls.export_group_info(p.crypto(), &signer, with_ratchet_tree)
                .map_err(error::export_group_info)?
                .to_bytes()
                .map_err(internal)
        })
    }

    /// Encrypts an application message (a `PrivateMessage`) for the current epoch.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.ensure_active()?;
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            let signer = leaf_signer(mls, p)?;
            mls.create_message(p, &signer, plaintext)
                .map_err(error::create_message)?
                .to_bytes()
                .map_err(internal)
        });
        self.recover(result)
    }

    /// Commits adding the members whose KeyPackages (serialized `MLSMessage`s) are given.
    /// The output carries the Welcome for them. The commit is pending until merged.
    pub fn add_members<K: AsRef<[u8]>>(&mut self, key_packages: &[K]) -> Result<CommitOutput> {
        if key_packages.is_empty() {
            return Err(MlsError::InvalidArgument("no KeyPackages to add".into()));
        }
        let kps = key_packages
            .iter()
            .map(|kp| decode_key_package(&self.client.inner, kp.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        for kp in &kps {
            if kp.ciphersuite() != self.mls.ciphersuite() {
                return Err(MlsError::InvalidKeyPackage(
                    "the KeyPackage's cipher suite is not the group's".into(),
                ));
            }
        }
        self.commit(CommitKind::Add(kps))
    }

    /// Commits removing the members at these leaf indices. Pending until merged.
    pub fn remove_members(&mut self, leaf_indices: &[u32]) -> Result<CommitOutput> {
        if leaf_indices.is_empty() {
            return Err(MlsError::InvalidArgument("no members to remove".into()));
        }
        let mut leaves = Vec::with_capacity(leaf_indices.len());
        for &index in leaf_indices {
            if index == self.own_leaf_index() {
                return Err(MlsError::InvalidArgument(
                    "a member cannot remove itself; use leave()".into(),
                ));
            }
            let leaf = LeafNodeIndex::new(index);
            if self.mls.member_at(leaf).is_none() {
                return Err(MlsError::UnknownMember(index));
            }
            leaves.push(leaf);
        }
        self.commit(CommitKind::Remove(leaves))
    }

    /// Commits a fresh leaf (new HPKE key) with an UpdatePath. Pending until merged.
    pub fn self_update(&mut self) -> Result<CommitOutput> {
        self.commit(CommitKind::SelfUpdate)
    }

    /// Commits the queued proposals (own and received). Pending until merged.
    pub fn commit_pending(&mut self) -> Result<CommitOutput> {
        self.commit(CommitKind::Pending)
    }

    fn commit(&mut self, kind: CommitKind) -> Result<CommitOutput> {
        self.ensure_operational()?;
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            let signer = leaf_signer(mls, p)?;
            let builder = mls.commit_builder().consume_proposal_store(true);
            let builder = match kind {
                CommitKind::Add(kps) => builder.propose_adds(kps),
                CommitKind::Remove(leaves) => builder.propose_removals(leaves),
                CommitKind::SelfUpdate => builder.force_self_update(true),
                CommitKind::Pending => builder,
            };
            let bundle = builder
                .load_psks(p.storage())
                .map_err(error::create_commit)?
                .build(p.rand(), p.crypto(), &signer, |_| true)
                .map_err(error::create_commit)?
                .stage_commit(p)
                .map_err(error::stage)?;
            CommitOutput::from_bundle(bundle)
        });
        self.recover(result)
    }

    /// Merges this client's pending commit (after the delivery service accepted it) and
    /// returns the new epoch.
    pub fn merge_pending_commit(&mut self) -> Result<u64> {
        if !self.has_pending_commit() {
            return Err(MlsError::NoPendingCommit);
        }
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            mls.merge_pending_commit(p).map_err(error::merge_pending)?;
            Ok(mls.epoch().as_u64())
        });
        self.recover(result)
    }

    /// Drops this client's pending commit (another commit won the epoch).
    pub fn discard_pending_commit(&mut self) -> Result<()> {
        if !self.has_pending_commit() {
            return Err(MlsError::NoPendingCommit);
        }
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            mls.clear_pending_commit(p.storage()).map_err(storage)
        });
        self.recover(result)
    }

    /// Proposes adding the member whose KeyPackage (serialized `MLSMessage`) is given.
    /// Returns the proposal message; it is also queued here for [`Group::commit_pending`].
    pub fn propose_add(&mut self, key_package: &[u8]) -> Result<Vec<u8>> {
        let kp = decode_key_package(&self.client.inner, key_package)?;
        self.propose(ProposeKind::Add(Box::new(kp)))
    }

    /// Proposes removing the member at `leaf_index`.
    pub fn propose_remove(&mut self, leaf_index: u32) -> Result<Vec<u8>> {
        let leaf = LeafNodeIndex::new(leaf_index);
        if self.mls.member_at(leaf).is_none() {
            return Err(MlsError::UnknownMember(leaf_index));
        }
        self.propose(ProposeKind::Remove(leaf))
    }

    /// Proposes updating this client's leaf (fresh HPKE key). Another member must commit it.
    pub fn propose_self_update(&mut self) -> Result<Vec<u8>> {
        self.propose(ProposeKind::SelfUpdate)
    }

    /// Proposes leaving the group (a Remove proposal for this client's own leaf). Another
    /// member must commit it; this client then processes that commit as [`GroupEvent::Removed`].
    pub fn leave(&mut self) -> Result<Vec<u8>> {
        self.propose(ProposeKind::Leave)
    }

    /// Proposes injecting the external PSK `psk_id` (stored with
    /// [`Client::store_external_psk`]; every member needs it) into the next epoch's key
    /// schedule.
    pub fn propose_external_psk(&mut self, psk_id: &[u8]) -> Result<Vec<u8>> {
        self.propose(ProposeKind::ExternalPsk(psk_id.to_vec()))
    }

    /// Proposes injecting this group's resumption PSK of a past `epoch` (RFC 9420 §8.6, usage
    /// `application`) into the next epoch's key schedule. The epoch must still be retained
    /// ([`GroupConfig::resumption_psks`]) by every member.
    pub fn propose_resumption_psk(&mut self, epoch: u64) -> Result<Vec<u8>> {
        if self
            .mls
            .get_past_resumption_psk(GroupEpoch::from(epoch))
            .is_none()
        {
            return Err(MlsError::PskNotFound(format!(
                "no resumption secret retained for epoch {epoch}"
            )));
        }
        self.propose(ProposeKind::ResumptionPsk(epoch))
    }

    /// Re-initialising the group (RFC 9420 §11.2, ReInit proposal + resumption PSK with usage
    /// `reinit`): not supported by openmls 0.9.2.
    pub fn reinit(&mut self, _suite: CipherSuite) -> Result<Vec<u8>> {
        Err(MlsError::Unsupported {
            operation: "group re-initialisation (ReInit)",
            reason: "openmls 0.9.2 has no API to propose ReInit, and a joiner's Welcome is \
                     processed with an empty resumption-PSK store \
                     (ProcessedWelcome::new_from_welcome), so a `reinit` PSK cannot be resolved",
        })
    }

    /// Branching a subgroup (RFC 9420 §11.3, resumption PSK with usage `branch`): not
    /// supported by openmls 0.9.2.
    pub fn branch(&mut self, _members: &[u32]) -> Result<Group> {
        Err(MlsError::Unsupported {
            operation: "subgroup branching",
            reason: "openmls 0.9.2 cannot create a group whose first epoch injects another \
                     group's resumption PSK, and processes a Welcome with an empty \
                     resumption-PSK store, so a `branch` PSK cannot be resolved",
        })
    }

    fn propose(&mut self, kind: ProposeKind) -> Result<Vec<u8>> {
        self.ensure_operational()?;
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            let signer = leaf_signer(mls, p)?;
            let message = match kind {
                ProposeKind::Add(kp) => mls
                    .propose_add_member(p, &signer, &kp)
                    .map(|(m, _)| m)
                    .map_err(error::propose_add)?,
                ProposeKind::Remove(leaf) => mls
                    .propose_remove_member(p, &signer, leaf)
                    .map(|(m, _)| m)
                    .map_err(error::propose_remove)?,
                ProposeKind::SelfUpdate => mls
                    .propose_self_update(p, &signer, LeafNodeParameters::default())
                    .map(|(m, _)| m)
                    .map_err(error::propose_update)?,
                ProposeKind::Leave => mls.leave_group(p, &signer).map_err(error::leave)?,
                ProposeKind::ExternalPsk(psk_id) => {
                    if !inner.has_external_psk(p, &psk_id)? {
                        return Err(MlsError::PskNotFound(
                            "no external PSK stored under this id".into(),
                        ));
                    }
                    let id = PreSharedKeyId::new(
                        mls.ciphersuite(),
                        p.rand(),
                        Psk::External(ExternalPsk::new(psk_id)),
                    )
                    .map_err(internal)?;
                    mls.propose_pre_shared_key(p, &signer, id)
                        .map(|(m, _)| m)
                        .map_err(error::proposal)?
                }
                ProposeKind::ResumptionPsk(epoch) => {
                    let nonce = p
                        .rand()
                        .random_vec(mls.ciphersuite().hash_length())
                        .map_err(internal)?;
                    let id = PreSharedKeyId::resumption(
                        ResumptionPskUsage::Application,
                        mls.group_id().clone(),
                        GroupEpoch::from(epoch),
                        nonce,
                    );
                    mls.propose_pre_shared_key(p, &signer, id)
                        .map(|(m, _)| m)
                        .map_err(error::proposal)?
                }
            };
            message.to_bytes().map_err(internal)
        });
        self.recover(result)
    }

    /// Processes one incoming message (a serialized `MLSMessage`: PublicMessage or
    /// PrivateMessage): decrypts application messages, queues valid proposals, validates and
    /// merges commits. Every rejection is a typed [`MlsError`] and leaves the group unchanged.
    pub fn process(&mut self, message: &[u8]) -> Result<GroupEvent> {
        let message =
            MlsMessageIn::tls_deserialize_exact(message).map_err(|e| malformed("MLSMessage", e))?;
        let got = wire_format_name(message.wire_format());
        let message: ProtocolMessage =
            message
                .try_into_protocol_message()
                .map_err(|_| MlsError::UnexpectedMessage {
                    expected: "PublicMessage or PrivateMessage",
                    got,
                })?;
        if message.group_id() != self.mls.group_id() {
            return Err(MlsError::WrongGroup);
        }
        self.ensure_active()?;
        let message_epoch = message.epoch().as_u64();
        let group_epoch = self.epoch();
        if message_epoch > group_epoch {
            // openmls would try the current epoch's keys and fail to decrypt.
            return Err(MlsError::WrongEpoch {
                message: message_epoch,
                group: group_epoch,
            });
        }
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        let result = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
            let processed = mls
                .process_message(p, message)
                .map_err(|e| error::process(e, message_epoch, group_epoch))?;
            let sender = Sender::from(processed.sender());
            match processed.into_content() {
                ProcessedMessageContent::ApplicationMessage(app) => {
                    let Sender::Member(sender) = sender else {
                        return Err(MlsError::InvalidMessage(
                            "application message from a non-member".into(),
                        ));
                    };
                    Ok(GroupEvent::Application {
                        sender,
                        data: app.into_bytes(),
                    })
                }
                ProcessedMessageContent::ProposalMessage(proposal)
                | ProcessedMessageContent::ExternalJoinProposalMessage(proposal) => {
                    let kind = ProposalKind::from(proposal.proposal());
                    mls.store_pending_proposal(p.storage(), *proposal)
                        .map_err(storage)?;
                    Ok(GroupEvent::ProposalQueued { sender, kind })
                }
                ProcessedMessageContent::StagedCommitMessage(staged) => {
                    let removed = staged.self_removed();
                    mls.merge_staged_commit(p, *staged).map_err(error::merge)?;
                    let epoch = mls.epoch().as_u64();
                    Ok(if removed {
                        GroupEvent::Removed { epoch }
                    } else {
                        GroupEvent::CommitMerged { epoch }
                    })
                }
                ProcessedMessageContent::OwnPendingCommit => {
                    mls.merge_pending_commit(p).map_err(error::merge_pending)?;
                    Ok(GroupEvent::CommitMerged {
                        epoch: mls.epoch().as_u64(),
                    })
                }
                ProcessedMessageContent::OwnPrivateMessage => Ok(GroupEvent::OwnMessage),
            }
        });
        self.recover(result)
    }

    /// Deletes the group's state from this client's storage.
    pub fn delete(mut self) -> Result<()> {
        let inner = &self.client.inner;
        let mls = &mut self.mls;
        with_provider!(&inner.backend, &inner.crypto, |p, meta| {
            let id = mls.group_id().as_slice().to_vec();
            mls.delete(p.storage()).map_err(storage)?;
            meta.remove_group(&id)
        })
    }

    fn ensure_active(&self) -> Result<()> {
        if self.mls.is_active() {
            Ok(())
        } else {
            Err(MlsError::GroupInactive)
        }
    }

    fn ensure_operational(&self) -> Result<()> {
        self.ensure_active()?;
        if self.has_pending_commit() {
            return Err(MlsError::PendingCommit);
        }
        Ok(())
    }

    /// After a failed operation its storage writes were undone; reload the in-memory state so
    /// it matches (openmls may have changed it before failing).
    fn recover<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            let inner = &self.client.inner;
            let id = self.mls.group_id().clone();
            let reloaded = with_provider!(&inner.backend, &inner.crypto, |p, _meta| {
                MlsGroup::load(p.storage(), &id).map_err(storage)
            });
            if let Ok(Some(mls)) = reloaded {
                self.mls = mls;
            }
        }
        result
    }
}
