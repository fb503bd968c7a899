//! A passive member written from RFC 9420 alone: it joins from a Welcome with its KeyPackage's
//! private keys, then follows the group through every proposal and commit, recomputing the
//! ratchet tree, the transcript hashes and the whole key schedule itself. It never sends.
//!
//! It is the oracle the `rfc9420` suite runs the passive-client vector files through (the
//! mlswg files and mlspp's `interop/passive` files), and the observer of the differential run
//! that checks openmls epoch by epoch.
//!
//! What it checks: every signature (GroupInfo, framed content, UpdatePath leaf), membership tag,
//! confirmation tag, tree hash and parent-hash chain, and every derived key against the tree.
//! What it does not: the semantic validation of proposals a real client owes (§12.2: an Update's
//! or Add's LeafNode and KeyPackage checks, "path required", ExternalInit only in external
//! commits, PSK nonce length and usage, required capabilities, lifetimes). It derives; it does
//! not police. It also does not follow a ReInit into the successor group.

use std::collections::BTreeMap;

use super::codec::Reader;
use super::key_schedule::{psk_secret, EpochSecrets, PskInput};
use super::labeled::{self, derive_secret, expand_with_label};
use super::protection::{open_private, unprotect_public, verify_content};
use super::secret_tree::SecretTree;
use super::structures::{
    AuthenticatedContent, Codec, Commit, Content, Credential, Extension, GroupContext, GroupInfo,
    GroupSecrets, KeyPackage, LeafNode, MlsMessage, PreSharedKeyId, Proposal, ProposalOrRef, Psk,
    RatchetTreeNodes, Sender, Welcome, EXTENSION_EXTERNAL_SENDERS, EXTENSION_RATCHET_TREE,
};
use super::transcript::{after_commit, interim_transcript_hash, verify_confirmation_tag};
use super::tree::RatchetTree;
use super::tree_math::{self, LeafIndex, NodeIndex};
use super::treekem::{decrypt_update_path, filtered_direct_path, merge_update_path, PrivateState};
use super::{OracleError, Result};
use sonet::mls::primitives::{self, SuiteAlgorithms};
use sonet::secret::SecretBytes;

fn invalid(reason: impl Into<String>) -> OracleError {
    OracleError::Invalid(reason.into())
}

/// A node's HPKE key pair: `(private, public)`.
pub type NodeKeyPair = (SecretBytes, Vec<u8>);

/// What a joiner holds before the Welcome: its KeyPackage and the private keys that go with it,
/// plus any external PSKs it was given.
#[derive(Clone, Debug)]
pub struct JoinerKeys {
    /// The encoded `MLSMessage` or bare `KeyPackage`.
    pub key_package: Vec<u8>,
    /// The HPKE private key of the KeyPackage's `init_key`: opens the Welcome's GroupSecrets.
    pub init_private: SecretBytes,
    /// The HPKE private key of the leaf's `encryption_key`.
    pub encryption_private: SecretBytes,
    /// The private key of the leaf's `signature_key` (the KeyPackage's signer); a passive member
    /// never signs with it.
    pub signature_private: SecretBytes,
    /// `(psk_id, psk)`.
    pub external_psks: Vec<(Vec<u8>, SecretBytes)>,
}

impl JoinerKeys {
    /// A fresh KeyPackage (§10) for `suite`, with a basic credential, valid from an hour ago
    /// for `days`, signed by the oracle itself; with its private keys, as a joiner keeps them.
    /// The leaf lists mls10, the suite and the basic credential as its capabilities.
    pub fn generate(suite_id: u16, identity: &[u8], days: u64) -> Result<Self> {
        let suite = primitives::suite(suite_id)?;
        let (signature_private, signature_key) = suite.generate_signature_key()?;
        let (encryption_private, encryption_key) =
            suite.derive_hpke_key_pair(super::treekem::random_secret(suite.hash_len())?.as_bytes());
        let (init_private, init_key) =
            suite.derive_hpke_key_pair(super::treekem::random_secret(suite.hash_len())?.as_bytes());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| invalid("the system clock is before 1970"))?
            .as_secs();
        let mut leaf_node = LeafNode {
            encryption_key,
            signature_key,
            credential: Credential::Basic {
                identity: identity.to_vec(),
            },
            capabilities: super::structures::Capabilities {
                versions: vec![super::structures::PROTOCOL_VERSION_MLS10],
                cipher_suites: vec![suite_id],
                extensions: Vec::new(),
                proposals: Vec::new(),
                credentials: vec![super::structures::CREDENTIAL_BASIC],
            },
            leaf_node_source: super::structures::LeafNodeSource::KeyPackage(
                super::structures::Lifetime {
                    not_before: now.saturating_sub(3600),
                    not_after: now.saturating_add(days.saturating_mul(86_400)),
                },
            ),
            extensions: Vec::new(),
            signature: Vec::new(),
        };
        leaf_node.signature = labeled::sign_with_label(
            suite,
            signature_private.as_bytes(),
            b"LeafNodeTBS",
            &leaf_node.tbs(None)?,
        )?;
        let mut key_package = KeyPackage {
            version: super::structures::PROTOCOL_VERSION_MLS10,
            cipher_suite: suite_id,
            init_key,
            leaf_node,
            extensions: Vec::new(),
            signature: Vec::new(),
        };
        key_package.signature = labeled::sign_with_label(
            suite,
            signature_private.as_bytes(),
            b"KeyPackageTBS",
            &key_package.tbs(),
        )?;
        Ok(Self {
            key_package: MlsMessage::KeyPackage(key_package).to_bytes(),
            init_private,
            encryption_private,
            signature_private,
            external_psks: Vec::new(),
        })
    }
}

/// One member's view of a group at one epoch.
#[derive(Clone, Debug)]
pub struct PassiveMember {
    pub(crate) suite: &'static SuiteAlgorithms,
    pub(crate) context: GroupContext,
    pub(crate) tree: RatchetTree,
    pub(crate) own_leaf: LeafIndex,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) secrets: EpochSecrets,
    pub(crate) secret_tree: SecretTree,
    /// HPKE key pairs `(private, public)` of the nodes this member knows, by node index; a key
    /// is dropped as soon as the tree no longer holds its public key there.
    pub(crate) node_keys: BTreeMap<NodeIndex, NodeKeyPair>,
    /// Proposals received this epoch: `(reference, proposal, sender)`.
    pub(crate) pending: Vec<(Vec<u8>, Proposal, Sender)>,
    pub(crate) external_psks: Vec<(Vec<u8>, SecretBytes)>,
    /// resumption_psk of every epoch seen, by (group_id, epoch).
    pub(crate) resumption_psks: BTreeMap<(Vec<u8>, u64), SecretBytes>,
}

/// A KeyPackage from an `MLSMessage` or bare.
pub fn decode_key_package(bytes: &[u8]) -> Result<KeyPackage> {
    match MlsMessage::from_bytes(bytes) {
        Ok(MlsMessage::KeyPackage(kp)) => Ok(kp),
        Ok(other) => Err(invalid(format!(
            "expected a KeyPackage, got wire format {}",
            other.wire_format()
        ))),
        Err(_) => KeyPackage::from_bytes(bytes),
    }
}

fn decode_welcome(bytes: &[u8]) -> Result<Welcome> {
    match MlsMessage::from_bytes(bytes)? {
        MlsMessage::Welcome(w) => Ok(w),
        other => Err(invalid(format!(
            "expected a Welcome, got wire format {}",
            other.wire_format()
        ))),
    }
}

/// Welcome key and nonce (§12.4.3.1): from welcome_secret.
fn welcome_key_nonce(
    suite: &SuiteAlgorithms,
    welcome_secret: &[u8],
) -> Result<(SecretBytes, SecretBytes)> {
    let key = expand_with_label(
        suite,
        welcome_secret,
        b"key",
        b"",
        suite.aead_key_len() as u16,
    )?;
    let nonce = expand_with_label(
        suite,
        welcome_secret,
        b"nonce",
        b"",
        suite.aead_nonce_len() as u16,
    )?;
    Ok((key, nonce))
}

/// The path secrets from `start` up the filtered direct path, each node's key pair checked
/// against the tree: `(node, private_key)` for each, and the commit secret after the root.
pub(crate) fn walk_path_secrets(
    suite: &SuiteAlgorithms,
    tree: &RatchetTree,
    nodes: &[NodeIndex],
    path_secret: &[u8],
) -> Result<(Vec<(NodeIndex, NodeKeyPair)>, SecretBytes)> {
    let mut keys = Vec::new();
    let mut secret = SecretBytes::from(path_secret);
    for &x in nodes {
        let node_secret = derive_secret(suite, secret.as_bytes(), b"node")?;
        let (private, public) = suite.derive_hpke_key_pair(node_secret.as_bytes());
        let in_tree = tree
            .node(x)
            .map(|n| n.encryption_key().to_vec())
            .ok_or_else(|| invalid(format!("path secret for blank node {x}")))?;
        if in_tree != public {
            return Err(invalid(format!(
                "the path secret for node {x} derives a key the tree does not hold"
            )));
        }
        keys.push((x, (private, public)));
        secret = derive_secret(suite, secret.as_bytes(), b"path")?;
    }
    Ok((keys, secret))
}

impl PassiveMember {
    /// Joins from a Welcome (§12.4.3.1), with the ratchet tree from the GroupInfo's extension or
    /// given out of band.
    pub fn join(keys: &JoinerKeys, welcome: &[u8], ratchet_tree: Option<&[u8]>) -> Result<Self> {
        let key_package = decode_key_package(&keys.key_package)?;
        let suite = primitives::suite(key_package.cipher_suite)?;
        let welcome = decode_welcome(welcome)?;
        if welcome.cipher_suite != key_package.cipher_suite {
            return Err(invalid(
                "the Welcome's cipher suite is not the KeyPackage's",
            ));
        }
        let own_ref = labeled::key_package_ref(suite, &key_package.to_bytes());
        let entry = welcome
            .secrets
            .iter()
            .find(|s| s.new_member == own_ref)
            .ok_or_else(|| invalid("the Welcome holds no secrets for this KeyPackage"))?;
        // The plaintext holds the joiner secret: wiped once decoded.
        let plaintext = SecretBytes::new(labeled::decrypt_with_label(
            suite,
            keys.init_private.as_bytes(),
            b"Welcome",
            &welcome.encrypted_group_info,
            &entry.encrypted_group_secrets.kem_output,
            &entry.encrypted_group_secrets.ciphertext,
        )?);
        let group_secrets = GroupSecrets::from_bytes(plaintext.as_bytes())?;

        // The GroupInfo is needed to name resumption PSKs' groups, but a joiner knows none of
        // those epochs: only external PSKs can be resolved here.
        let mut member_psks = Vec::new();
        for id in &group_secrets.psks {
            if matches!(id.psk, Psk::Resumption { .. }) {
                return Err(OracleError::Unsupported(
                    "a Welcome naming a resumption PSK: a joiner that only has its KeyPackage \
                     cannot know an earlier epoch's secret"
                        .into(),
                ));
            }
            member_psks.push(PskInput {
                id: id.clone(),
                psk: Self::lookup_psk(&keys.external_psks, &BTreeMap::new(), id)?,
            });
        }
        let psk = psk_secret(suite, &member_psks)?;
        let member = suite.extract(group_secrets.joiner_secret.as_bytes(), psk.as_bytes())?;
        let welcome_secret = derive_secret(suite, member.as_bytes(), b"welcome")?;
        let (key, nonce) = welcome_key_nonce(suite, welcome_secret.as_bytes())?;
        let group_info = GroupInfo::from_bytes(&suite.aead_open(
            key.as_bytes(),
            nonce.as_bytes(),
            b"",
            &welcome.encrypted_group_info,
        )?)?;
        let context = group_info.group_context.clone();
        if context.cipher_suite != key_package.cipher_suite {
            return Err(invalid(
                "the GroupInfo's cipher suite is not the KeyPackage's",
            ));
        }

        let tree_bytes = match group_info
            .extensions
            .iter()
            .find(|e| e.extension_type == EXTENSION_RATCHET_TREE)
        {
            Some(Extension { extension_data, .. }) => extension_data.clone(),
            None => ratchet_tree
                .ok_or_else(|| invalid("no ratchet tree in the Welcome and none given"))?
                .to_vec(),
        };
        let tree = RatchetTree::from_nodes(RatchetTreeNodes::from_bytes(&tree_bytes)?)?;
        if tree.root_tree_hash(suite)? != context.tree_hash {
            return Err(invalid(
                "the ratchet tree does not match the GroupInfo's tree hash",
            ));
        }
        tree.validate(suite, &context.group_id)?;
        let signer = tree
            .leaf(group_info.signer)
            .ok_or_else(|| invalid("the GroupInfo signer is not a member"))?;
        labeled::verify_with_label(
            suite,
            &signer.signature_key,
            b"GroupInfoTBS",
            &group_info.tbs(),
            &group_info.signature,
        )?;

        let own_leaf = (0..tree.n_leaves())
            .find(|&l| tree.leaf(l) == Some(&key_package.leaf_node))
            .ok_or_else(|| invalid("the KeyPackage's leaf is not in the tree"))?;
        let mut node_keys = BTreeMap::new();
        node_keys.insert(
            tree_math::leaf_node(own_leaf),
            (
                keys.encryption_private.clone(),
                key_package.leaf_node.encryption_key.clone(),
            ),
        );
        if let Some(path_secret) = &group_secrets.path_secret {
            let n = tree.n_leaves();
            let ancestor = tree_math::common_ancestor(
                tree_math::leaf_node(own_leaf),
                tree_math::leaf_node(group_info.signer),
            );
            let mut nodes = vec![ancestor];
            nodes.extend(
                tree_math::direct_path(ancestor, n)?
                    .into_iter()
                    .filter(|&x| tree.node(x).is_some()),
            );
            let (keys, _) = walk_path_secrets(suite, &tree, &nodes, path_secret.as_bytes())?;
            node_keys.extend(keys);
        }

        let encoded_context = context.to_bytes();
        let secrets = EpochSecrets::from_joiner(
            suite,
            group_secrets.joiner_secret.as_bytes(),
            psk.as_bytes(),
            &encoded_context,
        )?;
        let tag = suite.mac(
            secrets.confirmation_key.as_bytes(),
            &context.confirmed_transcript_hash,
        );
        if tag != group_info.confirmation_tag {
            return Err(invalid("the GroupInfo's confirmation tag does not verify"));
        }
        let interim = interim_transcript_hash(
            suite,
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        );
        // A joiner's epoch keys come from the Welcome; the group's init secret for the next
        // epoch is among them.
        let secret_tree =
            SecretTree::new(suite, secrets.encryption_secret.as_bytes(), tree.n_leaves())?;
        let mut resumption_psks = BTreeMap::new();
        resumption_psks.insert(
            (context.group_id.clone(), context.epoch),
            secrets.resumption_psk.clone(),
        );
        Ok(Self {
            suite,
            context,
            tree,
            own_leaf,
            interim_transcript_hash: interim,
            secrets,
            secret_tree,
            node_keys,
            external_psks: keys.external_psks.clone(),
            resumption_psks,
            pending: Vec::new(),
        })
    }

    fn lookup_psk(
        external: &[(Vec<u8>, SecretBytes)],
        resumption: &BTreeMap<(Vec<u8>, u64), SecretBytes>,
        id: &PreSharedKeyId,
    ) -> Result<SecretBytes> {
        match &id.psk {
            Psk::External { psk_id } => external
                .iter()
                .find(|(i, _)| i == psk_id)
                .map(|(_, psk)| psk.clone())
                .ok_or_else(|| {
                    OracleError::UnknownPsk(format!("external {}", hex::encode(psk_id)))
                }),
            Psk::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => resumption
                .get(&(psk_group_id.clone(), *psk_epoch))
                .cloned()
                .ok_or_else(|| {
                    OracleError::UnknownPsk(format!(
                        "resumption PSK of group {} epoch {psk_epoch}",
                        hex::encode(psk_group_id)
                    ))
                }),
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.context.epoch
    }

    /// This epoch's `epoch_authenticator` (§8.7), which passive-client vectors compare.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.secrets.epoch_authenticator.as_bytes()
    }

    /// The current `GroupContext.tree_hash`.
    pub fn tree_hash(&self) -> &[u8] {
        &self.context.tree_hash
    }

    /// The current `GroupContext.confirmed_transcript_hash`.
    pub fn confirmed_transcript_hash(&self) -> &[u8] {
        &self.context.confirmed_transcript_hash
    }

    /// Every secret of the current epoch's key schedule.
    pub fn secrets(&self) -> &EpochSecrets {
        &self.secrets
    }

    /// The encoded ratchet tree (`optional<Node> ratchet_tree<V>`, trailing blanks omitted).
    pub fn ratchet_tree(&self) -> Vec<u8> {
        self.tree.encode()
    }

    /// This member's leaf index.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// Leaf `l` of the current tree, or `None` if it is blank or outside the tree.
    pub fn leaf(&self, l: LeafIndex) -> Option<&LeafNode> {
        self.tree.leaf(l)
    }

    /// MLS-Exporter at this epoch.
    pub fn export(&self, label: &[u8], context: &[u8], length: u16) -> Result<SecretBytes> {
        self.secrets.export(self.suite, label, context, length)
    }

    /// The signature key the sender of a PublicMessage or PrivateMessage signs with (§6.1): a
    /// member's leaf, an external sender from the group's `external_senders` extension, or for
    /// new members the leaf they bring.
    fn sender_signature_key(&self, content: &AuthenticatedContent) -> Result<Vec<u8>> {
        match (&content.content.sender, &content.content.content) {
            (Sender::Member(l), _) => self
                .tree
                .leaf(*l)
                .map(|leaf| leaf.signature_key.clone())
                .ok_or_else(|| invalid(format!("sender leaf {l} is not a member"))),
            (Sender::External(i), _) => {
                let extension = self
                    .context
                    .extensions
                    .iter()
                    .find(|e| e.extension_type == EXTENSION_EXTERNAL_SENDERS)
                    .ok_or_else(|| invalid("external sender without external_senders"))?;
                // ExternalSender { SignaturePublicKey signature_key; Credential credential; }
                let senders =
                    Reader::new(&extension.extension_data).vector("external_senders", |r| {
                        let key = r.opaque("signature_key")?.to_vec();
                        Credential::decode(r)?;
                        Ok(key)
                    })?;
                senders
                    .get(*i as usize)
                    .cloned()
                    .ok_or_else(|| invalid(format!("no external sender {i}")))
            }
            (Sender::NewMemberProposal, Content::Proposal(Proposal::Add { key_package })) => {
                Ok(key_package.leaf_node.signature_key.clone())
            }
            (
                Sender::NewMemberCommit,
                Content::Commit(Commit {
                    path: Some(path), ..
                }),
            ) => Ok(path.leaf_node.signature_key.clone()),
            (sender, _) => Err(invalid(format!(
                "a {sender:?} sender cannot send this content"
            ))),
        }
    }

    /// Processes one `MLSMessage` (a PublicMessage or PrivateMessage of this group and epoch):
    /// a proposal is kept for the commit that references it, a commit moves the group to its
    /// next epoch, application data is returned.
    pub fn process(&mut self, message: &[u8]) -> Result<Processed> {
        let suite = self.suite;
        let content = match MlsMessage::from_bytes(message)? {
            MlsMessage::PublicMessage(m) => {
                let key = self.sender_signature_key(&AuthenticatedContent {
                    wire_format: super::structures::WIRE_FORMAT_PUBLIC_MESSAGE,
                    content: m.content.clone(),
                    auth: m.auth.clone(),
                })?;
                unprotect_public(
                    suite,
                    &m,
                    &self.context,
                    &key,
                    self.secrets.membership_key.as_bytes(),
                )?
            }
            MlsMessage::PrivateMessage(m) => {
                let (content, _) = open_private(
                    suite,
                    &m,
                    &self.context,
                    &self.secret_tree,
                    self.secrets.sender_data_secret.as_bytes(),
                )?;
                let key = self.sender_signature_key(&content)?;
                verify_content(suite, &content, &self.context, &key)?;
                content
            }
            other => {
                return Err(invalid(format!(
                    "a group message was expected, got wire format {}",
                    other.wire_format()
                )))
            }
        };
        match &content.content.content {
            Content::Application(data) => Ok(Processed::Application(data.clone())),
            Content::Proposal(proposal) => {
                let reference = labeled::proposal_ref(suite, &content.to_bytes());
                self.pending
                    .push((reference, proposal.clone(), content.content.sender));
                Ok(Processed::Proposal)
            }
            Content::Commit(commit) => {
                self.apply_commit(&content, commit)?;
                Ok(Processed::Commit {
                    epoch: self.context.epoch,
                })
            }
        }
    }

    /// The proposals a commit covers, with their senders, in the commit's order.
    fn resolve_proposals(
        &self,
        commit: &Commit,
        committer: Sender,
    ) -> Result<Vec<(Proposal, Sender)>> {
        commit
            .proposals
            .iter()
            .map(|p| match p {
                ProposalOrRef::Proposal(proposal) => Ok(((**proposal).clone(), committer)),
                ProposalOrRef::Reference(r) => self
                    .pending
                    .iter()
                    .find(|(reference, _, _)| reference == r)
                    .map(|(_, proposal, sender)| (proposal.clone(), *sender))
                    .ok_or_else(|| {
                        invalid(format!(
                            "the commit references unknown proposal {}",
                            hex::encode(r)
                        ))
                    }),
            })
            .collect()
    }

    /// Applies a commit (§12.4.2): proposals in the RFC's order, the UpdatePath, the transcript
    /// hashes, PSKs, and the key schedule, whose confirmation tag must match the commit's.
    fn apply_commit(&mut self, content: &AuthenticatedContent, commit: &Commit) -> Result<()> {
        let suite = self.suite;
        let committer = content.content.sender;
        let proposals = self.resolve_proposals(commit, committer)?;
        let mut tree = self.tree.clone();
        let mut extensions = self.context.extensions.clone();
        let mut psk_ids = Vec::new();
        let mut external_init = None;
        // §12.3: GroupContextExtensions, then Updates, Removes, Adds; PSKs and ExternalInit
        // feed the key schedule.
        for (proposal, _) in &proposals {
            if let Proposal::GroupContextExtensions { extensions: new } = proposal {
                extensions = new.clone();
            }
        }
        for (proposal, sender) in &proposals {
            if let Proposal::Update { leaf_node } = proposal {
                let Sender::Member(l) = sender else {
                    return Err(invalid("an Update proposal from a non-member"));
                };
                if *l == self.own_leaf {
                    return Err(invalid("a passive member never proposes its own update"));
                }
                tree.update_leaf(*l, leaf_node.clone())?;
            }
        }
        for (proposal, _) in &proposals {
            if let Proposal::Remove { removed } = proposal {
                if *removed == self.own_leaf {
                    return Err(invalid("this member was removed from the group"));
                }
                tree.remove_leaf(*removed)?;
            }
        }
        let mut added = Vec::new();
        for (proposal, _) in &proposals {
            match proposal {
                Proposal::Add { key_package } => {
                    added.push(tree.add_leaf(key_package.leaf_node.clone())?);
                }
                Proposal::PreSharedKey { psk } => psk_ids.push(psk.clone()),
                Proposal::ExternalInit { kem_output } => external_init = Some(kem_output.clone()),
                Proposal::ReInit(_) => {
                    return Err(OracleError::Unsupported(
                        "ReInit: the passive oracle does not follow a group into its successor"
                            .into(),
                    ))
                }
                _ => {}
            }
        }

        let mut next_context = self.context.clone();
        next_context.epoch = self
            .context
            .epoch
            .checked_add(1)
            .ok_or_else(|| invalid("epoch overflow"))?;
        next_context.extensions = extensions;

        let mut new_keys = Vec::new();
        let commit_secret = match &commit.path {
            None => SecretBytes::new(vec![0u8; suite.hash_len()]),
            Some(path) => {
                let sender = match committer {
                    Sender::Member(l) => l,
                    // An external joiner's leaf goes where an Add would put it (§12.4.3.2).
                    Sender::NewMemberCommit => tree.add_leaf(path.leaf_node.clone())?,
                    other => return Err(invalid(format!("a commit from a {other:?} sender"))),
                };
                let tree_before = tree.clone();
                merge_update_path(&mut tree, suite, sender, path, &self.context.group_id)?;
                let keys = self
                    .node_keys
                    .iter()
                    .filter(|(x, (_, public))| {
                        tree_before.node(**x).map(|n| n.encryption_key()) == Some(public.as_slice())
                    })
                    .map(|(x, (private, _))| (*x, private.clone()))
                    .collect();
                let received = decrypt_update_path(
                    &tree_before,
                    &tree,
                    suite,
                    &PrivateState {
                        leaf: self.own_leaf,
                        keys,
                    },
                    sender,
                    path,
                    &next_context,
                    &added,
                )?;
                let above: Vec<NodeIndex> = filtered_direct_path(&tree_before, sender)?
                    .into_iter()
                    .map(|(p, _)| p)
                    .skip_while(|&p| p != received.node)
                    .collect();
                let (keys, _) =
                    walk_path_secrets(suite, &tree, &above, received.path_secret.as_bytes())?;
                new_keys = keys;
                received.commit_secret
            }
        };
        next_context.tree_hash = tree.root_tree_hash(suite)?;
        let transcript = after_commit(suite, &self.interim_transcript_hash, content)?;
        next_context.confirmed_transcript_hash = transcript.confirmed_transcript_hash.clone();

        let psks = psk_ids
            .iter()
            .map(|id| {
                Ok(PskInput {
                    id: id.clone(),
                    psk: Self::lookup_psk(&self.external_psks, &self.resumption_psks, id)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let psk = psk_secret(suite, &psks)?;
        let init_secret = match &external_init {
            // §8.3: the external joiner's init secret, recovered with the external key pair.
            Some(kem_output) => {
                let (private, _) = self.secrets.external_key_pair(suite);
                suite.hpke_export_receiver(
                    private.as_bytes(),
                    kem_output,
                    b"",
                    b"MLS 1.0 external init secret",
                    suite.hash_len(),
                )?
            }
            None => self.secrets.init_secret.clone(),
        };
        let secrets = EpochSecrets::derive(
            suite,
            init_secret.as_bytes(),
            commit_secret.as_bytes(),
            psk.as_bytes(),
            &next_context.to_bytes(),
        )?;
        let tag = content
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or_else(|| invalid("commit without a confirmation tag"))?;
        verify_confirmation_tag(
            suite,
            secrets.confirmation_key.as_bytes(),
            &transcript.confirmed_transcript_hash,
            tag,
        )?;

        self.secret_tree =
            SecretTree::new(suite, secrets.encryption_secret.as_bytes(), tree.n_leaves())?;
        self.node_keys.extend(new_keys);
        self.node_keys.retain(|x, (_, public)| {
            tree.node(*x).map(|n| n.encryption_key()) == Some(public.as_slice())
        });
        self.tree = tree;
        self.context = next_context;
        self.interim_transcript_hash = transcript.interim_transcript_hash;
        self.resumption_psks.insert(
            (self.context.group_id.clone(), self.context.epoch),
            secrets.resumption_psk.clone(),
        );
        self.secrets = secrets;
        self.pending.clear();
        Ok(())
    }
}

/// What [`PassiveMember::process`] did with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Processed {
    /// Application data, decrypted and its signature verified.
    Application(Vec<u8>),
    /// A proposal, verified and kept for the commit that covers it.
    Proposal,
    /// A commit, verified and applied.
    Commit {
        /// The epoch the commit moved the group to.
        epoch: u64,
    },
}

/// Runs one passive-client test vector (mls-implementations `passive-client-*.json`, mlspp's
/// `interop/passive/*.json`): joins with the vector's KeyPackage and private keys, processes
/// every epoch's proposals and commit, and compares the epoch authenticator after the join and
/// after each epoch. Returns the number of epochs followed; an error names where it stopped.
pub fn run_passive_client_vector(
    case: &sonet::mls::PassiveClientCase,
) -> std::result::Result<usize, (String, OracleError)> {
    let keys = JoinerKeys {
        key_package: case.key_package.clone(),
        init_private: SecretBytes::from(case.init_priv.as_slice()),
        encryption_private: SecretBytes::from(case.encryption_priv.as_slice()),
        signature_private: SecretBytes::from(case.signature_priv.as_slice()),
        external_psks: case
            .external_psks
            .iter()
            .map(|(id, psk)| (id.clone(), SecretBytes::from(psk.as_slice())))
            .collect(),
    };
    let mut member = PassiveMember::join(&keys, &case.welcome, case.ratchet_tree.as_deref())
        .map_err(|e| ("join".to_owned(), e))?;
    if member.epoch_authenticator() != case.initial_epoch_authenticator.as_slice() {
        return Err((
            "join".to_owned(),
            invalid("the epoch authenticator after joining differs from the vector's"),
        ));
    }
    for (i, epoch) in case.epochs.iter().enumerate() {
        let step = |what: &str| format!("epoch {} ({what})", i + 1);
        for (p, proposal) in epoch.proposals.iter().enumerate() {
            member
                .process(proposal)
                .map_err(|e| (step(&format!("proposal {p}")), e))?;
        }
        match member
            .process(&epoch.commit)
            .map_err(|e| (step("commit"), e))?
        {
            Processed::Commit { .. } => {}
            other => {
                return Err((
                    step("commit"),
                    invalid(format!("the commit message held {other:?}")),
                ))
            }
        }
        if member.epoch_authenticator() != epoch.epoch_authenticator.as_slice() {
            return Err((
                step("epoch authenticator"),
                invalid("the epoch authenticator differs from the vector's"),
            ));
        }
    }
    Ok(case.epochs.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sonet::mls::PassiveClientCase;
    use sonet_testkit::vectors::pinned_json;

    /// Entry `index` of a passive-client file; `None` when the vectors are absent (the calling
    /// test is then skipped, and says so).
    fn case(file: &str, index: usize) -> Option<PassiveClientCase> {
        let cases = pinned_json(file)?;
        Some(PassiveClientCase::from_json(&cases[index]).unwrap())
    }

    /// The commit-handling cases; `None` when the vectors are absent.
    fn commit_cases() -> Option<Vec<PassiveClientCase>> {
        let cases = pinned_json("mls/passive-client-handling-commit.json")?;
        Some(
            cases
                .as_array()
                .unwrap()
                .iter()
                .map(|c| PassiveClientCase::from_json(c).unwrap())
                .collect(),
        )
    }

    /// A commit-handling case with at least one epoch, for cipher suite `suite`.
    fn commit_case(cases: &[PassiveClientCase], suite: u16) -> PassiveClientCase {
        cases
            .iter()
            .find(|c| c.cipher_suite == suite && !c.epochs.is_empty())
            .unwrap()
            .clone()
    }

    #[test]
    fn follows_a_vector_and_notices_a_different_authenticator() {
        let Some(cases) = commit_cases() else {
            return;
        };
        for suite in 1..=7 {
            let mut c = commit_case(&cases, suite);
            assert_eq!(run_passive_client_vector(&c).unwrap(), c.epochs.len());
            let last = c.epochs.len() - 1;
            c.epochs[last].epoch_authenticator[0] ^= 1;
            let (step, _) = run_passive_client_vector(&c).unwrap_err();
            assert!(
                step.contains("epoch authenticator"),
                "suite {suite}: {step}"
            );
        }
    }

    #[test]
    fn a_tampered_commit_or_wrong_key_is_refused_not_followed() {
        let Some(cases) = commit_cases() else {
            return;
        };
        let good = commit_case(&cases, 1);
        let mut tampered = good.clone();
        let commit = &mut tampered.epochs[0].commit;
        let at = commit.len() - 3;
        commit[at] ^= 0x40;
        let (step, _) = run_passive_client_vector(&tampered).unwrap_err();
        assert_eq!(step, "epoch 1 (commit)");

        let mut wrong_init = good.clone();
        wrong_init.init_priv = commit_case(&cases, 3).init_priv;
        let (step, _) = run_passive_client_vector(&wrong_init).unwrap_err();
        assert_eq!(step, "join");

        let mut garbage = good;
        garbage.welcome.truncate(10);
        assert!(run_passive_client_vector(&garbage).is_err());
    }

    #[test]
    fn joins_mlspp_groups_whose_leaves_carry_grease_extensions() {
        // The mlspp interop files GREASE extension types (RFC 9420 §13.5) — what openmls 0.9.2
        // rejects; the oracle must accept them.
        let Some(c) = case("mls/interop/passive/welcome_join.json", 0) else {
            return;
        };
        let member = {
            let keys = JoinerKeys {
                key_package: c.key_package.clone(),
                init_private: SecretBytes::from(c.init_priv.as_slice()),
                encryption_private: SecretBytes::from(c.encryption_priv.as_slice()),
                signature_private: SecretBytes::from(c.signature_priv.as_slice()),
                external_psks: Vec::new(),
            };
            PassiveMember::join(&keys, &c.welcome, c.ratchet_tree.as_deref()).unwrap()
        };
        let grease = (0..member.tree.n_leaves())
            .filter_map(|l| member.leaf(l))
            .flat_map(|leaf| leaf.extensions.iter().map(|e| e.extension_type))
            .any(|t| t & 0x0f0f == 0x0a0a);
        assert!(grease, "the vector was expected to carry GREASE extensions");
        assert_eq!(member.epoch_authenticator(), c.initial_epoch_authenticator);
    }
}
