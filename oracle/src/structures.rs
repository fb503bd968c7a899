//! RFC 9420's wire structures, decoded from and encoded to the TLS presentation language with the
//! oracle's own [`codec`](super::codec).
//!
//! Every structure keeps all of its fields, including extensions and capability entries the
//! oracle does not understand (GREASE values among them), so that re-encoding a decoded value is
//! byte-identical to what arrived: hashes and signatures over re-encoded structures (tree hashes,
//! LeafNodeTBS, GroupInfoTBS, ...) then cover exactly the sender's bytes. Selectors with no
//! defined layout (an unknown proposal, credential, sender or content type) are decode errors,
//! since the bytes that follow cannot be delimited.

use super::codec::{Reader, Writer};
use super::{OracleError, Result};
use sonet::secret::SecretBytes;

/// A structure with a TLS encoding.
pub trait Codec: Sized {
    /// Appends the TLS encoding of `self` to `w`.
    fn encode(&self, w: &mut Writer);
    /// Reads one value from `r` and leaves `r` after it; malformed or truncated input is
    /// [`OracleError::Decode`].
    fn decode(r: &mut Reader<'_>) -> Result<Self>;

    /// The TLS encoding of `self`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_bytes()
    }

    /// Decodes `bytes` as exactly one value; trailing bytes are an error.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish(std::any::type_name::<Self>())?;
        Ok(v)
    }
}

fn bad(what: &'static str, reason: String) -> OracleError {
    OracleError::Decode { what, reason }
}

fn opaque(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<u8>> {
    Ok(r.opaque(what)?.to_vec())
}

fn encode_all<T: Codec>(w: &mut Writer, items: &[T]) {
    w.vector(items, |w, i| i.encode(w));
}

fn decode_all<T: Codec>(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<T>> {
    r.vector(what, |r| T::decode(r))
}

fn u16s(w: &mut Writer, items: &[u16]) {
    w.vector(items, |w, v| {
        w.u16(*v);
    });
}

/// `ProtocolVersion` mls10 (RFC 9420 §6), the only version RFC 9420 defines.
pub const PROTOCOL_VERSION_MLS10: u16 = 1;

// ---------------------------------------------------------------------------------------------
// Credentials, capabilities, extensions, lifetimes (§5.3, §7.2)

/// `CredentialType` basic (§5.3, §17.5).
pub const CREDENTIAL_BASIC: u16 = 1;
/// `CredentialType` x509 (§5.3, §17.5).
pub const CREDENTIAL_X509: u16 = 2;

/// `Credential` (§5.3): a basic identity, or an X.509 chain kept as opaque certificates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// `basic`: a bare assertion of an identity, with no proof attached.
    Basic {
        /// `identity<V>`, in a format the application defines.
        identity: Vec<u8>,
    },
    /// `x509`: an X.509 certificate chain.
    X509 {
        /// Each `Certificate.cert_data`: DER, end-entity first; neither parsed nor validated here.
        certificates: Vec<Vec<u8>>,
    },
}

impl Credential {
    /// The `CredentialType` code of this credential (`CREDENTIAL_*`).
    pub fn credential_type(&self) -> u16 {
        match self {
            Credential::Basic { .. } => CREDENTIAL_BASIC,
            Credential::X509 { .. } => CREDENTIAL_X509,
        }
    }
}

impl Codec for Credential {
    fn encode(&self, w: &mut Writer) {
        match self {
            Credential::Basic { identity } => {
                w.u16(CREDENTIAL_BASIC).opaque(identity);
            }
            Credential::X509 { certificates } => {
                w.u16(CREDENTIAL_X509).vector(certificates, |w, c| {
                    w.opaque(c);
                });
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u16("credential_type")? {
            CREDENTIAL_BASIC => Ok(Credential::Basic {
                identity: opaque(r, "identity")?,
            }),
            CREDENTIAL_X509 => Ok(Credential::X509 {
                certificates: r.vector("certificates", |r| opaque(r, "cert_data"))?,
            }),
            other => Err(bad(
                "Credential",
                format!("credential type {other} has no known layout"),
            )),
        }
    }
}

/// `Capabilities` (§7.2): lists kept in their sent order, unknown values included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `ProtocolVersion`s the client supports.
    pub versions: Vec<u16>,
    /// `CipherSuite`s the client supports.
    pub cipher_suites: Vec<u16>,
    /// Non-default `ExtensionType`s supported (types 1–5 are default and not listed, §7.2).
    pub extensions: Vec<u16>,
    /// Non-default `ProposalType`s supported (types 1–7 are default and not listed, §7.2).
    pub proposals: Vec<u16>,
    /// `CredentialType`s supported; must include the leaf's own (§7.2).
    pub credentials: Vec<u16>,
}

impl Codec for Capabilities {
    fn encode(&self, w: &mut Writer) {
        u16s(w, &self.versions);
        u16s(w, &self.cipher_suites);
        u16s(w, &self.extensions);
        u16s(w, &self.proposals);
        u16s(w, &self.credentials);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            versions: r.vector("versions", |r| r.u16("version"))?,
            cipher_suites: r.vector("cipher_suites", |r| r.u16("cipher_suite"))?,
            extensions: r.vector("extensions", |r| r.u16("extension_type"))?,
            proposals: r.vector("proposals", |r| r.u16("proposal_type"))?,
            credentials: r.vector("credentials", |r| r.u16("credential_type"))?,
        })
    }
}

/// `Extension` (§13.4): any type, the data kept opaque.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// `ExtensionType` (§17.3); unknown and GREASE values are kept as sent.
    pub extension_type: u16,
    /// `extension_data<V>`, undecoded: its layout depends on the type.
    pub extension_data: Vec<u8>,
}

/// `application_id` (§5.3.3): an application's identifier for a client, in a LeafNode; not
/// authenticated by the Authentication Service.
pub const EXTENSION_APPLICATION_ID: u16 = 1;
/// `ratchet_tree` (§12.4.3.3): the public ratchet tree, in a GroupInfo.
pub const EXTENSION_RATCHET_TREE: u16 = 2;
/// `required_capabilities` (§11.1): what every member must support, in the GroupContext.
pub const EXTENSION_REQUIRED_CAPABILITIES: u16 = 3;
/// `external_pub` (§12.4.3.2): the key external commits encrypt to, in a GroupInfo.
pub const EXTENSION_EXTERNAL_PUB: u16 = 4;
/// `external_senders` (§12.1.8.1): who may send external proposals, in the GroupContext.
pub const EXTENSION_EXTERNAL_SENDERS: u16 = 5;

impl Codec for Extension {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.extension_type).opaque(&self.extension_data);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            extension_type: r.u16("extension_type")?,
            extension_data: opaque(r, "extension_data")?,
        })
    }
}

/// `Lifetime` (§7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime {
    /// Start of validity, in seconds since the Unix epoch.
    pub not_before: u64,
    /// End of validity, in seconds since the Unix epoch. The oracle never checks either bound
    /// against the clock.
    pub not_after: u64,
}

impl Codec for Lifetime {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.not_before).u64(self.not_after);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            not_before: r.u64("not_before")?,
            not_after: r.u64("not_after")?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Leaf nodes, parent nodes, the ratchet tree (§7.1, §7.2, §12.4.3.3)

/// `LeafNodeSource` (§7.2) with the field its value selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafNodeSource {
    /// `key_package` (1): the leaf came from a KeyPackage, with its validity period.
    KeyPackage(Lifetime),
    /// `update` (2): the leaf was set by an Update proposal.
    Update,
    /// `commit` (3): the leaf was set by a commit's UpdatePath.
    Commit {
        /// The parent hash of the first node on the leaf's filtered direct path (§7.9.1).
        parent_hash: Vec<u8>,
    },
}

impl Codec for LeafNodeSource {
    fn encode(&self, w: &mut Writer) {
        match self {
            LeafNodeSource::KeyPackage(lifetime) => {
                w.u8(1);
                lifetime.encode(w);
            }
            LeafNodeSource::Update => {
                w.u8(2);
            }
            LeafNodeSource::Commit { parent_hash } => {
                w.u8(3).opaque(parent_hash);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8("leaf_node_source")? {
            1 => Ok(LeafNodeSource::KeyPackage(Lifetime::decode(r)?)),
            2 => Ok(LeafNodeSource::Update),
            3 => Ok(LeafNodeSource::Commit {
                parent_hash: opaque(r, "parent_hash")?,
            }),
            other => Err(bad(
                "LeafNode",
                format!("leaf node source {other} is not defined"),
            )),
        }
    }
}

/// `LeafNode` (§7.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafNode {
    /// `HPKEPublicKey` whose private key only this member holds; path secrets are encrypted
    /// to it. Unique among the tree's nodes (§7.3).
    pub encryption_key: Vec<u8>,
    /// `SignaturePublicKey` that verifies this leaf and the member's messages; unique among
    /// the leaves (§7.3).
    pub signature_key: Vec<u8>,
    /// The member's identity, which the Authentication Service binds to `signature_key`
    /// (§5.3.1); the oracle does not validate it.
    pub credential: Credential,
    /// What the client supports.
    pub capabilities: Capabilities,
    /// How the leaf came to be, with the lifetime or parent hash that source carries.
    pub leaf_node_source: LeafNodeSource,
    /// Leaf extensions; each non-default type must be in `capabilities.extensions` (§7.2).
    pub extensions: Vec<Extension>,
    /// SignWithLabel(`signature_key`, "LeafNodeTBS", [`LeafNode::tbs`]) (§5.1.2).
    pub signature: Vec<u8>,
}

impl LeafNode {
    fn encode_content(&self, w: &mut Writer) {
        w.opaque(&self.encryption_key).opaque(&self.signature_key);
        self.credential.encode(w);
        self.capabilities.encode(w);
        self.leaf_node_source.encode(w);
        encode_all(w, &self.extensions);
    }

    /// `LeafNodeTBS` (§7.2): the content, then for `update` and `commit` leaves the group and
    /// leaf index the signature binds the leaf to. `context` is ignored for key-package leaves,
    /// whose signature binds to no group.
    pub fn tbs(&self, context: Option<(&[u8], u32)>) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        self.encode_content(&mut w);
        match self.leaf_node_source {
            LeafNodeSource::KeyPackage(_) => {}
            LeafNodeSource::Update | LeafNodeSource::Commit { .. } => {
                let (group_id, leaf_index) = context.ok_or_else(|| {
                    OracleError::Invalid(
                        "an update or commit leaf's signature needs its group and leaf index"
                            .into(),
                    )
                })?;
                w.opaque(group_id).u32(leaf_index);
            }
        }
        Ok(w.into_bytes())
    }
}

impl Codec for LeafNode {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: opaque(r, "encryption_key")?,
            signature_key: opaque(r, "signature_key")?,
            credential: Credential::decode(r)?,
            capabilities: Capabilities::decode(r)?,
            leaf_node_source: LeafNodeSource::decode(r)?,
            extensions: decode_all(r, "extensions")?,
            signature: opaque(r, "signature")?,
        })
    }
}

/// `ParentNode` (§7.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentNode {
    /// `HPKEPublicKey` whose private key only the members below this node hold (§4.2).
    pub encryption_key: Vec<u8>,
    /// The parent hash of the next node above on the filtered direct path that set this node
    /// (§7.9.1); empty for the topmost node of that path.
    pub parent_hash: Vec<u8>,
    /// Leaves below this node added since it was set, which do not know its private key
    /// (§4.2). §7.1 requires increasing order; nothing here checks it.
    pub unmerged_leaves: Vec<u32>,
}

impl Codec for ParentNode {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.encryption_key).opaque(&self.parent_hash);
        w.vector(&self.unmerged_leaves, |w, l| {
            w.u32(*l);
        });
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: opaque(r, "encryption_key")?,
            parent_hash: opaque(r, "parent_hash")?,
            unmerged_leaves: r.vector("unmerged_leaves", |r| r.u32("leaf index"))?,
        })
    }
}

/// `Node` (§12.4.3.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// `node_type` leaf (1): only at even array indices.
    Leaf(LeafNode),
    /// `node_type` parent (2): only at odd array indices.
    Parent(ParentNode),
}

impl Node {
    /// The node's HPKE public key, whichever its kind.
    pub fn encryption_key(&self) -> &[u8] {
        match self {
            Node::Leaf(l) => &l.encryption_key,
            Node::Parent(p) => &p.encryption_key,
        }
    }
}

impl Codec for Node {
    fn encode(&self, w: &mut Writer) {
        match self {
            Node::Leaf(leaf) => {
                w.u8(1);
                leaf.encode(w);
            }
            Node::Parent(parent) => {
                w.u8(2);
                parent.encode(w);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8("node_type")? {
            1 => Ok(Node::Leaf(LeafNode::decode(r)?)),
            2 => Ok(Node::Parent(ParentNode::decode(r)?)),
            other => Err(bad("Node", format!("node type {other} is not defined"))),
        }
    }
}

/// `optional<Node> ratchet_tree<V>` (§12.4.3.3), as sent (trailing blanks may be truncated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatchetTreeNodes(pub Vec<Option<Node>>);

impl Codec for RatchetTreeNodes {
    fn encode(&self, w: &mut Writer) {
        w.vector(&self.0, |w, n| {
            w.optional(n.as_ref(), |w, n| n.encode(w));
        });
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self(r.vector("ratchet_tree", |r| {
            r.optional("node", Node::decode)
        })?))
    }
}

// ---------------------------------------------------------------------------------------------
// Update paths (§7.6)

/// `HPKECiphertext` (§5.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HpkeCiphertext {
    /// The HPKE encapsulated key (`enc` of SetupBaseS).
    pub kem_output: Vec<u8>,
    /// The HPKE AEAD ciphertext, tag included.
    pub ciphertext: Vec<u8>,
}

impl Codec for HpkeCiphertext {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.kem_output).opaque(&self.ciphertext);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            kem_output: opaque(r, "kem_output")?,
            ciphertext: opaque(r, "ciphertext")?,
        })
    }
}

/// `UpdatePathNode` (§7.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdatePathNode {
    /// The node's new HPKE public key, derived from its path secret (§7.4).
    pub encryption_key: Vec<u8>,
    /// The node's path secret, EncryptWithLabel("UpdatePathNode", provisional
    /// GroupContext), once per node of the copath child's resolution (members added by the
    /// same commit excluded), in resolution order (§7.6).
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

impl Codec for UpdatePathNode {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.encryption_key);
        encode_all(w, &self.encrypted_path_secret);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: opaque(r, "encryption_key")?,
            encrypted_path_secret: decode_all(r, "encrypted_path_secret")?,
        })
    }
}

/// `UpdatePath` (§7.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdatePath {
    /// The committer's new leaf: source `commit`, re-signed.
    pub leaf_node: LeafNode,
    /// One entry per node of the committer's filtered direct path, bottom up (§7.6).
    pub nodes: Vec<UpdatePathNode>,
}

impl Codec for UpdatePath {
    fn encode(&self, w: &mut Writer) {
        self.leaf_node.encode(w);
        encode_all(w, &self.nodes);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            leaf_node: LeafNode::decode(r)?,
            nodes: decode_all(r, "nodes")?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Key packages (§10)

/// `KeyPackage` (§10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPackage {
    /// The `ProtocolVersion`; must equal the enclosing MLSMessage's (§10).
    pub version: u16,
    /// The `CipherSuite` every key in the package belongs to.
    pub cipher_suite: u16,
    /// `HPKEPublicKey` a Welcome's GroupSecrets are encrypted to; must differ from the leaf's
    /// `encryption_key` (§10.1).
    pub init_key: Vec<u8>,
    /// The leaf an Add puts in the tree; its source must be `key_package`.
    pub leaf_node: LeafNode,
    /// KeyPackage extensions; unknown ones are kept and ignored (§13.4).
    pub extensions: Vec<Extension>,
    /// SignWithLabel(`leaf_node.signature_key`, "KeyPackageTBS", [`KeyPackage::tbs`]).
    pub signature: Vec<u8>,
}

impl KeyPackage {
    fn encode_content(&self, w: &mut Writer) {
        w.u16(self.version)
            .u16(self.cipher_suite)
            .opaque(&self.init_key);
        self.leaf_node.encode(w);
        encode_all(w, &self.extensions);
    }

    /// `KeyPackageTBS`: everything but the signature.
    pub fn tbs(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_content(&mut w);
        w.into_bytes()
    }
}

impl Codec for KeyPackage {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            version: r.u16("version")?,
            cipher_suite: r.u16("cipher_suite")?,
            init_key: opaque(r, "init_key")?,
            leaf_node: LeafNode::decode(r)?,
            extensions: decode_all(r, "extensions")?,
            signature: opaque(r, "signature")?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Proposals and commits (§12)

/// `PreSharedKeyID` (§8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreSharedKeyId {
    /// Which PSK: the `psktype` and the fields it selects.
    pub psk: Psk,
    /// Fresh and random for each injection, KDF.Nh bytes long (§8.4, §12.1.4); nothing here
    /// checks its length.
    pub psk_nonce: Vec<u8>,
}

/// The `psktype`-selected part of a [`PreSharedKeyId`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Psk {
    /// `external` (1): a PSK the application provisioned.
    External {
        /// The application's name for the PSK.
        psk_id: Vec<u8>,
    },
    /// `resumption` (2): the `resumption_psk` of an earlier epoch (§8.6).
    Resumption {
        /// `ResumptionPSKUsage`: 1 application, 2 reinit, 3 branch; any value decodes.
        usage: u8,
        /// The group whose epoch supplies the PSK.
        psk_group_id: Vec<u8>,
        /// The epoch whose `resumption_psk` is used.
        psk_epoch: u64,
    },
}

impl Codec for PreSharedKeyId {
    fn encode(&self, w: &mut Writer) {
        match &self.psk {
            Psk::External { psk_id } => {
                w.u8(1).opaque(psk_id);
            }
            Psk::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                w.u8(2).u8(*usage).opaque(psk_group_id).u64(*psk_epoch);
            }
        }
        w.opaque(&self.psk_nonce);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let psk = match r.u8("psktype")? {
            1 => Psk::External {
                psk_id: opaque(r, "psk_id")?,
            },
            2 => Psk::Resumption {
                usage: r.u8("usage")?,
                psk_group_id: opaque(r, "psk_group_id")?,
                psk_epoch: r.u64("psk_epoch")?,
            },
            other => {
                return Err(bad(
                    "PreSharedKeyID",
                    format!("PSK type {other} is not defined"),
                ))
            }
        };
        Ok(Self {
            psk,
            psk_nonce: opaque(r, "psk_nonce")?,
        })
    }
}

/// `ReInit` (§12.1.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReInit {
    /// The new group's ID.
    pub group_id: Vec<u8>,
    /// The new group's `ProtocolVersion`; not lower than the current one (§12.1.5).
    pub version: u16,
    /// The new group's `CipherSuite`.
    pub cipher_suite: u16,
    /// The new group's GroupContext extensions.
    pub extensions: Vec<Extension>,
}

impl Codec for ReInit {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id)
            .u16(self.version)
            .u16(self.cipher_suite);
        encode_all(w, &self.extensions);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: opaque(r, "group_id")?,
            version: r.u16("version")?,
            cipher_suite: r.u16("cipher_suite")?,
            extensions: decode_all(r, "extensions")?,
        })
    }
}

/// `ProposalType` add (§12.1.1, §17.4).
pub const PROPOSAL_ADD: u16 = 1;
/// `ProposalType` update (§12.1.2).
pub const PROPOSAL_UPDATE: u16 = 2;
/// `ProposalType` remove (§12.1.3).
pub const PROPOSAL_REMOVE: u16 = 3;
/// `ProposalType` psk (§12.1.4).
pub const PROPOSAL_PSK: u16 = 4;
/// `ProposalType` reinit (§12.1.5).
pub const PROPOSAL_REINIT: u16 = 5;
/// `ProposalType` external_init (§12.1.6).
pub const PROPOSAL_EXTERNAL_INIT: u16 = 6;
/// `ProposalType` group_context_extensions (§12.1.7).
pub const PROPOSAL_GROUP_CONTEXT_EXTENSIONS: u16 = 7;

/// `Proposal` (§12.1). The bodies encode on their own (`Add`, `Update`, ... in the RFC) through
/// [`Proposal::encode_body`] / [`Proposal::decode_body`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// `add` (§12.1.1): puts the KeyPackage's leaf in the leftmost blank leaf.
    Add {
        /// The new member's KeyPackage.
        key_package: KeyPackage,
    },
    /// `update` (§12.1.2): replaces the sender's leaf and blanks its direct path.
    Update {
        /// The sender's new leaf, source `update`.
        leaf_node: LeafNode,
    },
    /// `remove` (§12.1.3): blanks a leaf and its direct path, then truncates the tree.
    Remove {
        /// The leaf index of the member to remove; must be a non-blank leaf.
        removed: u32,
    },
    /// `psk` (§12.1.4): injects a PSK into the next epoch's key schedule.
    PreSharedKey {
        /// The PSK to inject.
        psk: PreSharedKeyId,
    },
    /// `reinit` (§12.1.5): ends the group in favour of a new one with these parameters.
    ReInit(ReInit),
    /// `external_init` (§12.1.6): carries an external joiner's new init secret.
    ExternalInit {
        /// SetupBaseS(`external_pub`)'s KEM output, from which members recover the init
        /// secret with the external private key (§8.3).
        kem_output: Vec<u8>,
    },
    /// `group_context_extensions` (§12.1.7): replaces the GroupContext extensions.
    GroupContextExtensions {
        /// The whole new list: nothing is carried over that is not in it.
        extensions: Vec<Extension>,
    },
}

impl Proposal {
    /// The `ProposalType` code (`PROPOSAL_*`).
    pub fn proposal_type(&self) -> u16 {
        match self {
            Proposal::Add { .. } => PROPOSAL_ADD,
            Proposal::Update { .. } => PROPOSAL_UPDATE,
            Proposal::Remove { .. } => PROPOSAL_REMOVE,
            Proposal::PreSharedKey { .. } => PROPOSAL_PSK,
            Proposal::ReInit(_) => PROPOSAL_REINIT,
            Proposal::ExternalInit { .. } => PROPOSAL_EXTERNAL_INIT,
            Proposal::GroupContextExtensions { .. } => PROPOSAL_GROUP_CONTEXT_EXTENSIONS,
        }
    }

    /// The body without the type, e.g. the RFC's `Add` struct.
    pub fn encode_body(&self, w: &mut Writer) {
        match self {
            Proposal::Add { key_package } => key_package.encode(w),
            Proposal::Update { leaf_node } => leaf_node.encode(w),
            Proposal::Remove { removed } => {
                w.u32(*removed);
            }
            Proposal::PreSharedKey { psk } => psk.encode(w),
            Proposal::ReInit(reinit) => reinit.encode(w),
            Proposal::ExternalInit { kem_output } => {
                w.opaque(kem_output);
            }
            Proposal::GroupContextExtensions { extensions } => encode_all(w, extensions),
        }
    }

    /// Decodes the body a proposal type selects.
    pub fn decode_body(proposal_type: u16, r: &mut Reader<'_>) -> Result<Self> {
        Ok(match proposal_type {
            PROPOSAL_ADD => Proposal::Add {
                key_package: KeyPackage::decode(r)?,
            },
            PROPOSAL_UPDATE => Proposal::Update {
                leaf_node: LeafNode::decode(r)?,
            },
            PROPOSAL_REMOVE => Proposal::Remove {
                removed: r.u32("removed")?,
            },
            PROPOSAL_PSK => Proposal::PreSharedKey {
                psk: PreSharedKeyId::decode(r)?,
            },
            PROPOSAL_REINIT => Proposal::ReInit(ReInit::decode(r)?),
            PROPOSAL_EXTERNAL_INIT => Proposal::ExternalInit {
                kem_output: opaque(r, "kem_output")?,
            },
            PROPOSAL_GROUP_CONTEXT_EXTENSIONS => Proposal::GroupContextExtensions {
                extensions: decode_all(r, "extensions")?,
            },
            other => {
                return Err(bad(
                    "Proposal",
                    format!("proposal type {other} has no known layout"),
                ))
            }
        })
    }
}

impl Codec for Proposal {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.proposal_type());
        self.encode_body(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let proposal_type = r.u16("proposal_type")?;
        Self::decode_body(proposal_type, r)
    }
}

/// `ProposalOrRef` (§12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProposalOrRef {
    /// Boxed: a proposal by value is far larger than a reference.
    Proposal(Box<Proposal>),
    /// `reference` (2): a `ProposalRef`, the RefHash of the AuthenticatedContent that carried
    /// the proposal (§5.2).
    Reference(Vec<u8>),
}

impl Codec for ProposalOrRef {
    fn encode(&self, w: &mut Writer) {
        match self {
            ProposalOrRef::Proposal(p) => {
                w.u8(1);
                p.encode(w);
            }
            ProposalOrRef::Reference(reference) => {
                w.u8(2).opaque(reference);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8("ProposalOrRefType")? {
            1 => Ok(ProposalOrRef::Proposal(Box::new(Proposal::decode(r)?))),
            2 => Ok(ProposalOrRef::Reference(opaque(r, "reference")?)),
            other => Err(bad("ProposalOrRef", format!("type {other} is not defined"))),
        }
    }
}

/// `Commit` (§12.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    /// The proposals covered, by value or by reference; Adds and PSKs take effect in this
    /// order (§12.3).
    pub proposals: Vec<ProposalOrRef>,
    /// The committer's UpdatePath: required when `proposals` is empty or holds an update, remove,
    /// external_init or group_context_extensions (§12.4).
    pub path: Option<UpdatePath>,
}

impl Codec for Commit {
    fn encode(&self, w: &mut Writer) {
        encode_all(w, &self.proposals);
        w.optional(self.path.as_ref(), |w, p| p.encode(w));
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            proposals: decode_all(r, "proposals")?,
            path: r.optional("path", UpdatePath::decode)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Group context and framing (§6, §8.1)

/// `GroupContext` (§8.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupContext {
    /// The `ProtocolVersion`; any value decodes.
    pub version: u16,
    /// The group's `CipherSuite`.
    pub cipher_suite: u16,
    /// The application's identifier for the group, constant across epochs.
    pub group_id: Vec<u8>,
    /// 0 at creation, one more after each commit.
    pub epoch: u64,
    /// The tree hash of the ratchet tree's root (§7.8).
    pub tree_hash: Vec<u8>,
    /// The running hash over the commits so far (§8.2); empty at epoch 0.
    pub confirmed_transcript_hash: Vec<u8>,
    /// GroupContext extensions; every member must support each of them (§13.4).
    pub extensions: Vec<Extension>,
}

impl Codec for GroupContext {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.version)
            .u16(self.cipher_suite)
            .opaque(&self.group_id)
            .u64(self.epoch)
            .opaque(&self.tree_hash)
            .opaque(&self.confirmed_transcript_hash);
        encode_all(w, &self.extensions);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            version: r.u16("version")?,
            cipher_suite: r.u16("cipher_suite")?,
            group_id: opaque(r, "group_id")?,
            epoch: r.u64("epoch")?,
            tree_hash: opaque(r, "tree_hash")?,
            confirmed_transcript_hash: opaque(r, "confirmed_transcript_hash")?,
            extensions: decode_all(r, "extensions")?,
        })
    }
}

/// `Sender` (§6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// `member` (1), with the sender's leaf index.
    Member(u32),
    /// `external` (2), with the sender's index in `external_senders` (§12.1.8.1).
    External(u32),
    /// `new_member_proposal` (3): a client proposing its own Add (§12.1.8).
    NewMemberProposal,
    /// `new_member_commit` (4): a client joining by external commit (§12.4.3.2).
    NewMemberCommit,
}

impl Codec for Sender {
    fn encode(&self, w: &mut Writer) {
        match self {
            Sender::Member(leaf) => {
                w.u8(1).u32(*leaf);
            }
            Sender::External(index) => {
                w.u8(2).u32(*index);
            }
            Sender::NewMemberProposal => {
                w.u8(3);
            }
            Sender::NewMemberCommit => {
                w.u8(4);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        match r.u8("sender_type")? {
            1 => Ok(Sender::Member(r.u32("leaf_index")?)),
            2 => Ok(Sender::External(r.u32("sender_index")?)),
            3 => Ok(Sender::NewMemberProposal),
            4 => Ok(Sender::NewMemberCommit),
            other => Err(bad("Sender", format!("sender type {other} is not defined"))),
        }
    }
}

/// `ContentType` application (§6).
pub const CONTENT_APPLICATION: u8 = 1;
/// `ContentType` proposal (§6).
pub const CONTENT_PROPOSAL: u8 = 2;
/// `ContentType` commit (§6).
pub const CONTENT_COMMIT: u8 = 3;

/// The `content_type`-selected body of a `FramedContent` or `PrivateMessageContent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// `application`: the `application_data<V>` bytes.
    Application(Vec<u8>),
    /// `proposal`: one proposal.
    Proposal(Proposal),
    /// `commit`: a commit.
    Commit(Commit),
}

impl Content {
    /// The `ContentType` code (`CONTENT_*`).
    pub fn content_type(&self) -> u8 {
        match self {
            Content::Application(_) => CONTENT_APPLICATION,
            Content::Proposal(_) => CONTENT_PROPOSAL,
            Content::Commit(_) => CONTENT_COMMIT,
        }
    }

    /// The body alone, without the content type.
    pub fn encode_body(&self, w: &mut Writer) {
        match self {
            Content::Application(data) => {
                w.opaque(data);
            }
            Content::Proposal(p) => p.encode(w),
            Content::Commit(c) => c.encode(w),
        }
    }

    /// Decodes the body `content_type` selects; an undefined type is [`OracleError::Decode`].
    pub fn decode_body(content_type: u8, r: &mut Reader<'_>) -> Result<Self> {
        match content_type {
            CONTENT_APPLICATION => Ok(Content::Application(opaque(r, "application_data")?)),
            CONTENT_PROPOSAL => Ok(Content::Proposal(Proposal::decode(r)?)),
            CONTENT_COMMIT => Ok(Content::Commit(Commit::decode(r)?)),
            other => Err(bad(
                "FramedContent",
                format!("content type {other} is not defined"),
            )),
        }
    }
}

/// `FramedContent` (§6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramedContent {
    /// The group the content is for.
    pub group_id: Vec<u8>,
    /// The epoch it is sent in (for a commit, the epoch before the one it creates).
    pub epoch: u64,
    /// Who sent it, which selects the key that verifies the signature (§6.1).
    pub sender: Sender,
    /// Application data authenticated with the content, never encrypted.
    pub authenticated_data: Vec<u8>,
    /// The body; its `content_type` follows from the variant.
    pub content: Content,
}

impl Codec for FramedContent {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id).u64(self.epoch);
        self.sender.encode(w);
        w.opaque(&self.authenticated_data)
            .u8(self.content.content_type());
        self.content.encode_body(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let group_id = opaque(r, "group_id")?;
        let epoch = r.u64("epoch")?;
        let sender = Sender::decode(r)?;
        let authenticated_data = opaque(r, "authenticated_data")?;
        let content_type = r.u8("content_type")?;
        Ok(Self {
            group_id,
            epoch,
            sender,
            authenticated_data,
            content: Content::decode_body(content_type, r)?,
        })
    }
}

/// `WireFormat` mls_public_message (§6, §17.2).
pub const WIRE_FORMAT_PUBLIC_MESSAGE: u16 = 1;
/// `WireFormat` mls_private_message (§6, §17.2).
pub const WIRE_FORMAT_PRIVATE_MESSAGE: u16 = 2;
/// `WireFormat` mls_welcome (§6, §17.2).
pub const WIRE_FORMAT_WELCOME: u16 = 3;
/// `WireFormat` mls_group_info (§6, §17.2).
pub const WIRE_FORMAT_GROUP_INFO: u16 = 4;
/// `WireFormat` mls_key_package (§6, §17.2).
pub const WIRE_FORMAT_KEY_PACKAGE: u16 = 5;

/// `FramedContentTBS` (§6.1): what a sender signs. `context` must be given exactly for member and
/// new-member-commit senders.
pub fn framed_content_tbs(
    wire_format: u16,
    content: &FramedContent,
    context: Option<&GroupContext>,
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.u16(PROTOCOL_VERSION_MLS10).u16(wire_format);
    content.encode(&mut w);
    match (content.sender, context) {
        (Sender::Member(_) | Sender::NewMemberCommit, Some(ctx)) => ctx.encode(&mut w),
        (Sender::External(_) | Sender::NewMemberProposal, None) => {}
        (sender, ctx) => {
            return Err(OracleError::Invalid(format!(
                "FramedContentTBS for a {sender:?} sender {} a group context",
                if ctx.is_some() { "takes no" } else { "needs" }
            )))
        }
    }
    Ok(w.into_bytes())
}

/// `FramedContentAuthData` (§6.1): the confirmation tag is present exactly for commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FramedContentAuthData {
    /// SignWithLabel(sender's key, "FramedContentTBS", [`framed_content_tbs`]) (§6.1).
    pub signature: Vec<u8>,
    /// MAC(confirmation_key, confirmed_transcript_hash) of the epoch the commit creates;
    /// `Some` exactly for commits.
    pub confirmation_tag: Option<Vec<u8>>,
}

impl FramedContentAuthData {
    /// Appends the signature, then the tag if present: the content type, not a presence byte,
    /// says whether a tag is there.
    pub fn encode(&self, w: &mut Writer) {
        w.opaque(&self.signature);
        if let Some(tag) = &self.confirmation_tag {
            w.opaque(tag);
        }
    }

    /// Reads the auth data of content of type `content_type`: a confirmation tag follows the
    /// signature only for commits.
    pub fn decode(content_type: u8, r: &mut Reader<'_>) -> Result<Self> {
        let signature = opaque(r, "signature")?;
        let confirmation_tag = if content_type == CONTENT_COMMIT {
            Some(opaque(r, "confirmation_tag")?)
        } else {
            None
        };
        Ok(Self {
            signature,
            confirmation_tag,
        })
    }

    fn check_matches(&self, content: &Content) -> Result<()> {
        if self.confirmation_tag.is_some() != (content.content_type() == CONTENT_COMMIT) {
            return Err(OracleError::Invalid(
                "a confirmation tag belongs to commits and only to them".into(),
            ));
        }
        Ok(())
    }
}

/// `AuthenticatedContent` (§6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// The `WireFormat` the content is framed in, which the signature covers.
    pub wire_format: u16,
    /// The signed content.
    pub content: FramedContent,
    /// Its signature and, for a commit, confirmation tag.
    pub auth: FramedContentAuthData,
}

impl Codec for AuthenticatedContent {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.wire_format);
        self.content.encode(w);
        self.auth.encode(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let wire_format = r.u16("wire_format")?;
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode(content.content.content_type(), r)?;
        Ok(Self {
            wire_format,
            content,
            auth,
        })
    }
}

/// `PublicMessage` (§6.2): the membership tag is present exactly for member senders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicMessage {
    /// The content, in the clear.
    pub content: FramedContent,
    /// Its signature and, for a commit, confirmation tag.
    pub auth: FramedContentAuthData,
    /// MAC(membership_key, AuthenticatedContentTBM) (§6.2). Decoding reads one exactly for
    /// member senders; encoding writes whatever is here, so keep it to those.
    pub membership_tag: Option<Vec<u8>>,
}

impl Codec for PublicMessage {
    fn encode(&self, w: &mut Writer) {
        self.content.encode(w);
        self.auth.encode(w);
        if let Some(tag) = &self.membership_tag {
            w.opaque(tag);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode(content.content.content_type(), r)?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(opaque(r, "membership_tag")?),
            _ => None,
        };
        Ok(Self {
            content,
            auth,
            membership_tag,
        })
    }
}

/// `PrivateMessage` (§6.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateMessage {
    /// The group, in the clear.
    pub group_id: Vec<u8>,
    /// The epoch, in the clear.
    pub epoch: u64,
    /// The encrypted content's `ContentType`, in the clear: it selects the ratchet
    /// (application or handshake) and the body's layout.
    pub content_type: u8,
    /// Application data, authenticated through PrivateContentAAD but not encrypted.
    pub authenticated_data: Vec<u8>,
    /// The SenderData, AEAD-encrypted under keys from sender_data_secret and the
    /// ciphertext's sample (§6.3.2).
    pub encrypted_sender_data: Vec<u8>,
    /// The PrivateMessageContent, AEAD-encrypted under the sender's ratchet key and nonce with
    /// the reuse guard applied (§6.3.1).
    pub ciphertext: Vec<u8>,
}

impl Codec for PrivateMessage {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id)
            .u64(self.epoch)
            .u8(self.content_type)
            .opaque(&self.authenticated_data)
            .opaque(&self.encrypted_sender_data)
            .opaque(&self.ciphertext);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: opaque(r, "group_id")?,
            epoch: r.u64("epoch")?,
            content_type: r.u8("content_type")?,
            authenticated_data: opaque(r, "authenticated_data")?,
            encrypted_sender_data: opaque(r, "encrypted_sender_data")?,
            ciphertext: opaque(r, "ciphertext")?,
        })
    }
}

/// `PrivateMessageContent` (§6.3.1): the body, its auth data, then zero padding to the end of the
/// plaintext.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateMessageContent {
    /// The body; its type is the PrivateMessage's `content_type`.
    pub content: Content,
    /// Its signature and, for a commit, confirmation tag.
    pub auth: FramedContentAuthData,
    /// How many zero bytes follow `auth`.
    pub padding: usize,
}

impl PrivateMessageContent {
    /// The plaintext to encrypt; [`OracleError::Invalid`] if a confirmation tag is present on
    /// anything but a commit, or missing from a commit.
    pub fn encode(&self) -> Result<Vec<u8>> {
        self.auth.check_matches(&self.content)?;
        let mut w = Writer::new();
        self.content.encode_body(&mut w);
        self.auth.encode(&mut w);
        w.raw(&vec![0u8; self.padding]);
        Ok(w.into_bytes())
    }

    /// Decodes a decrypted plaintext; any non-zero padding byte is an error (§6.3.1).
    pub fn decode(content_type: u8, plaintext: &[u8]) -> Result<Self> {
        let mut r = Reader::new(plaintext);
        let content = Content::decode_body(content_type, &mut r)?;
        let auth = FramedContentAuthData::decode(content_type, &mut r)?;
        let padding = r.take(r.remaining(), "padding")?;
        if padding.iter().any(|&b| b != 0) {
            return Err(bad("PrivateMessageContent", "non-zero padding".to_owned()));
        }
        Ok(Self {
            content,
            auth,
            padding: padding.len(),
        })
    }
}

/// `PrivateContentAAD` (§6.3.1).
pub fn private_content_aad(
    group_id: &[u8],
    epoch: u64,
    content_type: u8,
    authenticated_data: &[u8],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.opaque(group_id)
        .u64(epoch)
        .u8(content_type)
        .opaque(authenticated_data);
    w.into_bytes()
}

/// `SenderData` (§6.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderData {
    /// The sender's leaf; the receiver must check it is non-blank (§6.3.2).
    pub leaf_index: u32,
    /// The generation of the sender's ratchet that keyed the content.
    pub generation: u32,
    /// Random bytes XORed into the first four bytes of the content nonce (§6.3.1).
    pub reuse_guard: [u8; 4],
}

impl Codec for SenderData {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.leaf_index)
            .u32(self.generation)
            .raw(&self.reuse_guard);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let leaf_index = r.u32("leaf_index")?;
        let generation = r.u32("generation")?;
        let mut reuse_guard = [0u8; 4];
        reuse_guard.copy_from_slice(r.take(4, "reuse_guard")?);
        Ok(Self {
            leaf_index,
            generation,
            reuse_guard,
        })
    }
}

/// `SenderDataAAD` (§6.3.2).
pub fn sender_data_aad(group_id: &[u8], epoch: u64, content_type: u8) -> Vec<u8> {
    let mut w = Writer::new();
    w.opaque(group_id).u64(epoch).u8(content_type);
    w.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Group info and welcome (§12.4.3)

/// `GroupInfo` (§12.4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupInfo {
    /// The group's state in the epoch described.
    pub group_context: GroupContext,
    /// GroupInfo extensions (e.g. `ratchet_tree`, `external_pub`); unknown ones are ignored.
    pub extensions: Vec<Extension>,
    /// The confirmation tag of the commit that started the epoch (§12.4.3).
    pub confirmation_tag: Vec<u8>,
    /// The leaf index of the member that signed.
    pub signer: u32,
    /// SignWithLabel(signer's key, "GroupInfoTBS", [`GroupInfo::tbs`]).
    pub signature: Vec<u8>,
}

impl GroupInfo {
    fn encode_content(&self, w: &mut Writer) {
        self.group_context.encode(w);
        encode_all(w, &self.extensions);
        w.opaque(&self.confirmation_tag).u32(self.signer);
    }

    /// `GroupInfoTBS`: everything but the signature.
    pub fn tbs(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode_content(&mut w);
        w.into_bytes()
    }
}

impl Codec for GroupInfo {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_context: GroupContext::decode(r)?,
            extensions: decode_all(r, "extensions")?,
            confirmation_tag: opaque(r, "confirmation_tag")?,
            signer: r.u32("signer")?,
            signature: opaque(r, "signature")?,
        })
    }
}

/// `GroupSecrets` (§12.4.3.1). The joiner and path secrets are secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSecrets {
    /// The new epoch's joiner_secret (§8).
    pub joiner_secret: SecretBytes,
    /// The path secret of the lowest common ancestor of the committer's and the joiner's
    /// leaves, when the commit had a path (§12.4.3.1).
    pub path_secret: Option<SecretBytes>,
    /// The commit's PSKs, in the commit's order (§8.4).
    pub psks: Vec<PreSharedKeyId>,
}

impl Codec for GroupSecrets {
    fn encode(&self, w: &mut Writer) {
        w.opaque(self.joiner_secret.as_bytes());
        w.optional(self.path_secret.as_ref(), |w, s| {
            w.opaque(s.as_bytes());
        });
        encode_all(w, &self.psks);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            joiner_secret: SecretBytes::from(r.opaque("joiner_secret")?),
            path_secret: r.optional("path_secret", |r| {
                Ok(SecretBytes::from(r.opaque("path_secret")?))
            })?,
            psks: decode_all(r, "psks")?,
        })
    }
}

/// `EncryptedGroupSecrets` (§12.4.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptedGroupSecrets {
    /// The `KeyPackageRef` of the joiner's KeyPackage (§5.2).
    pub new_member: Vec<u8>,
    /// EncryptWithLabel(init_key, "Welcome", encrypted_group_info, GroupSecrets)
    /// (§12.4.3.1).
    pub encrypted_group_secrets: HpkeCiphertext,
}

impl Codec for EncryptedGroupSecrets {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.new_member);
        self.encrypted_group_secrets.encode(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            new_member: opaque(r, "new_member")?,
            encrypted_group_secrets: HpkeCiphertext::decode(r)?,
        })
    }
}

/// `Welcome` (§12.4.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    /// The group's `CipherSuite`.
    pub cipher_suite: u16,
    /// One entry per joiner the Welcome is for.
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// The GroupInfo, AEAD-encrypted under welcome_key and welcome_nonce, both derived
    /// from welcome_secret (§12.4.3.1).
    pub encrypted_group_info: Vec<u8>,
}

impl Codec for Welcome {
    fn encode(&self, w: &mut Writer) {
        w.u16(self.cipher_suite);
        encode_all(w, &self.secrets);
        w.opaque(&self.encrypted_group_info);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            cipher_suite: r.u16("cipher_suite")?,
            secrets: decode_all(r, "secrets")?,
            encrypted_group_info: opaque(r, "encrypted_group_info")?,
        })
    }
}

/// `MLSMessage` (§6): the version must be mls10.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MlsMessage {
    /// `mls_public_message`.
    PublicMessage(PublicMessage),
    /// `mls_private_message`.
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`.
    Welcome(Welcome),
    /// `mls_group_info`.
    GroupInfo(GroupInfo),
    /// `mls_key_package`.
    KeyPackage(KeyPackage),
}

impl MlsMessage {
    /// The `WireFormat` code (`WIRE_FORMAT_*`).
    pub fn wire_format(&self) -> u16 {
        match self {
            MlsMessage::PublicMessage(_) => WIRE_FORMAT_PUBLIC_MESSAGE,
            MlsMessage::PrivateMessage(_) => WIRE_FORMAT_PRIVATE_MESSAGE,
            MlsMessage::Welcome(_) => WIRE_FORMAT_WELCOME,
            MlsMessage::GroupInfo(_) => WIRE_FORMAT_GROUP_INFO,
            MlsMessage::KeyPackage(_) => WIRE_FORMAT_KEY_PACKAGE,
        }
    }
}

impl Codec for MlsMessage {
    fn encode(&self, w: &mut Writer) {
        w.u16(PROTOCOL_VERSION_MLS10).u16(self.wire_format());
        match self {
            MlsMessage::PublicMessage(m) => m.encode(w),
            MlsMessage::PrivateMessage(m) => m.encode(w),
            MlsMessage::Welcome(m) => m.encode(w),
            MlsMessage::GroupInfo(m) => m.encode(w),
            MlsMessage::KeyPackage(m) => m.encode(w),
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let version = r.u16("version")?;
        if version != PROTOCOL_VERSION_MLS10 {
            return Err(bad(
                "MLSMessage",
                format!("protocol version {version} is not mls10"),
            ));
        }
        Ok(match r.u16("wire_format")? {
            WIRE_FORMAT_PUBLIC_MESSAGE => MlsMessage::PublicMessage(PublicMessage::decode(r)?),
            WIRE_FORMAT_PRIVATE_MESSAGE => MlsMessage::PrivateMessage(PrivateMessage::decode(r)?),
            WIRE_FORMAT_WELCOME => MlsMessage::Welcome(Welcome::decode(r)?),
            WIRE_FORMAT_GROUP_INFO => MlsMessage::GroupInfo(GroupInfo::decode(r)?),
            WIRE_FORMAT_KEY_PACKAGE => MlsMessage::KeyPackage(KeyPackage::decode(r)?),
            other => {
                return Err(bad(
                    "MLSMessage",
                    format!("wire format {other} is not defined"),
                ))
            }
        })
    }
}

/// How a `messages.json` field is encoded (mlswg test-vectors.md, "Messages").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageField {
    /// An `MLSMessage`.
    MlsMessage,
    /// `optional<Node> ratchet_tree<V>`.
    RatchetTree,
    /// A `GroupSecrets`.
    GroupSecrets,
    /// A proposal body of the given type, without the type (the RFC's `Add`, `Update`, ...).
    ProposalBody(u16),
    /// A `Commit`.
    Commit,
}

/// The fields of a `messages.json` entry and how each is encoded.
pub const MESSAGE_FIELDS: [(&str, MessageField); 17] = [
    ("mls_welcome", MessageField::MlsMessage),
    ("mls_group_info", MessageField::MlsMessage),
    ("mls_key_package", MessageField::MlsMessage),
    ("ratchet_tree", MessageField::RatchetTree),
    ("group_secrets", MessageField::GroupSecrets),
    ("add_proposal", MessageField::ProposalBody(PROPOSAL_ADD)),
    (
        "update_proposal",
        MessageField::ProposalBody(PROPOSAL_UPDATE),
    ),
    (
        "remove_proposal",
        MessageField::ProposalBody(PROPOSAL_REMOVE),
    ),
    (
        "pre_shared_key_proposal",
        MessageField::ProposalBody(PROPOSAL_PSK),
    ),
    (
        "re_init_proposal",
        MessageField::ProposalBody(PROPOSAL_REINIT),
    ),
    (
        "external_init_proposal",
        MessageField::ProposalBody(PROPOSAL_EXTERNAL_INIT),
    ),
    (
        "group_context_extensions_proposal",
        MessageField::ProposalBody(PROPOSAL_GROUP_CONTEXT_EXTENSIONS),
    ),
    ("commit", MessageField::Commit),
    ("public_message_application", MessageField::MlsMessage),
    ("public_message_proposal", MessageField::MlsMessage),
    ("public_message_commit", MessageField::MlsMessage),
    ("private_message", MessageField::MlsMessage),
];

/// Decodes `bytes` as `field` and re-encodes it: the round trip the messages vectors test.
/// For MLS messages, also returns the wire format so callers can check the expected kind.
pub fn round_trip(field: MessageField, bytes: &[u8]) -> Result<(Vec<u8>, Option<u16>)> {
    Ok(match field {
        MessageField::MlsMessage => {
            let m = MlsMessage::from_bytes(bytes)?;
            (m.to_bytes(), Some(m.wire_format()))
        }
        MessageField::RatchetTree => (RatchetTreeNodes::from_bytes(bytes)?.to_bytes(), None),
        MessageField::GroupSecrets => (GroupSecrets::from_bytes(bytes)?.to_bytes(), None),
        MessageField::Commit => (Commit::from_bytes(bytes)?.to_bytes(), None),
        MessageField::ProposalBody(proposal_type) => {
            let mut r = Reader::new(bytes);
            let p = Proposal::decode_body(proposal_type, &mut r)?;
            r.finish("proposal body")?;
            let mut w = Writer::new();
            p.encode_body(&mut w);
            (w.into_bytes(), None)
        }
    })
}

#[cfg(test)]
mod tests;
