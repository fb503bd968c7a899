//! A client of the `sonet.v1` service: connecting (plain or TLS, optionally with a client
//! certificate), signing every call with the MLS credential, and [`Member`], which drives an
//! MLS client ([`crate::mls`]) through the service — the code `sonet client`, `sonet loadgen`
//! and the end-to-end tests share.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tonic::metadata::{AsciiMetadataValue, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Request, Status, Streaming};

use super::auth::{
    self, CALL_LABEL, IDENTITY_METADATA, REGISTER_LABEL, SIGNATURE_METADATA, TIMESTAMP_METADATA,
};
use super::proto::delivery_client::DeliveryClient;
use super::proto::directory_client::DirectoryClient;
use super::proto::keys_client::KeysClient;
use super::proto::{
    CreateGroupRequest, FetchKeyPackageRequest, MailboxMessage, MessageKind,
    PublishKeyPackagesRequest, RegisterRequest, SendMessageRequest, SubmitCommitRequest,
    SubmitResponse, SubscribeRequest,
};
use crate::mls::{self, CipherSuite, Group, GroupEvent, GroupOptions, JoinOptions, MlsError};

/// Errors of the client side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The channel could not be set up or connected (bad endpoint, TLS, network).
    #[error("connection: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The service answered a call with a non-OK status.
    #[error("{}: {}", .0.code(), .0.message())]
    Status(#[from] Status),
    /// The local MLS client failed (e.g. a message it cannot process).
    #[error("MLS: {0}")]
    Mls(#[from] MlsError),
    /// The caller asked for something this member cannot do (e.g. a group it is not in).
    #[error("{0}")]
    Usage(String),
}

/// The result of a client operation.
pub type Result<T> = std::result::Result<T, ClientError>;

/// TLS settings of a client.
#[derive(Clone, Debug, Default)]
pub struct ClientTls {
    /// PEM CA certificate(s) that issued the server's certificate.
    pub ca_pem: Vec<u8>,
    /// The name the server's certificate must carry (default: the endpoint's host).
    pub domain: Option<String>,
    /// PEM certificate and key for mutual TLS.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
}

/// Opens a channel to `endpoint` (`http://host:port`, or `https://…` with `tls`).
pub async fn connect(endpoint: &str, tls: Option<&ClientTls>) -> Result<Channel> {
    let mut endpoint = Endpoint::from_shared(endpoint.to_string())?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true);
    if let Some(tls) = tls {
        super::install_tls_provider();
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&tls.ca_pem));
        if let Some(domain) = &tls.domain {
            config = config.domain_name(domain.clone());
        }
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        endpoint = endpoint.tls_config(config)?;
    }
    Ok(endpoint.connect().await?)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Signs every outgoing call with the MLS credential of `client` (see [`auth`]); with
/// `None`, calls rely on the TLS client certificate alone.
#[derive(Clone)]
pub struct CallSigner {
    credential: Option<(mls::Client, CipherSuite)>,
}

impl Interceptor for CallSigner {
    fn call(&mut self, mut request: Request<()>) -> std::result::Result<Request<()>, Status> {
        let Some((client, suite)) = &self.credential else {
            return Ok(request);
        };
        let method = request
            .extensions()
            .get::<tonic::GrpcMethod>()
            .ok_or_else(|| Status::internal("the call carries no method name to sign"))?;
        let path = format!("/{}/{}", method.service(), method.method());
        let timestamp = now_ms();
        let content = auth::call_content(&path, timestamp, client.identity());
        let signature = client
            .sign_for_service(*suite, CALL_LABEL, &content)
            .map_err(|e| Status::internal(format!("cannot sign the call: {e}")))?;
        let metadata = request.metadata_mut();
        metadata.insert_bin(
            IDENTITY_METADATA,
            MetadataValue::from_bytes(client.identity()),
        );
        let timestamp: AsciiMetadataValue = timestamp
            .to_string()
            .parse()
            .map_err(|_| Status::internal("timestamp metadata"))?;
        metadata.insert(TIMESTAMP_METADATA, timestamp);
        metadata.insert_bin(SIGNATURE_METADATA, MetadataValue::from_bytes(&signature));
        Ok(request)
    }
}

type Signed = InterceptedService<Channel, CallSigner>;

/// A channel plus the credential that signs its calls.
#[derive(Clone)]
pub struct Connection {
    channel: Channel,
    signer: CallSigner,
}

impl Connection {
    /// Calls signed with `client`'s credential for `suite`.
    pub fn signed(channel: Channel, client: mls::Client, suite: CipherSuite) -> Self {
        Connection {
            channel,
            signer: CallSigner {
                credential: Some((client, suite)),
            },
        }
    }

    /// Calls authenticated by the TLS client certificate only.
    pub fn certificate_only(channel: Channel) -> Self {
        Connection {
            channel,
            signer: CallSigner { credential: None },
        }
    }

    /// The underlying channel, unsigned.
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    /// A `sonet.v1.Directory` client whose calls are signed (responses up to 64 MiB).
    pub fn directory(&self) -> DirectoryClient<Signed> {
        DirectoryClient::with_interceptor(self.channel.clone(), self.signer.clone())
            .max_decoding_message_size(64 << 20)
    }

    /// A `sonet.v1.Delivery` client whose calls are signed (messages up to 64 MiB).
    pub fn delivery(&self) -> DeliveryClient<Signed> {
        DeliveryClient::with_interceptor(self.channel.clone(), self.signer.clone())
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20)
    }

    /// A `sonet.v1.Keys` client whose calls are signed (messages up to 64 MiB).
    pub fn keys(&self) -> KeysClient<Signed> {
        KeysClient::with_interceptor(self.channel.clone(), self.signer.clone())
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20)
    }
}

/// The canonical name of a gRPC status code (`NOT_FOUND`), as gRPC tools print it.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// A fresh random message id.
pub fn new_message_id() -> Vec<u8> {
    let mut id = vec![0u8; super::MESSAGE_ID_LEN];
    // getrandom fails only without an OS RNG, where nothing here could work anyway.
    getrandom::fill(&mut id).unwrap_or_else(|e| panic!("OS random number generator: {e}"));
    id
}

/// What handling one mailbox message did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Joined a group from a Welcome.
    Joined {
        /// The group joined.
        group_id: Vec<u8>,
        /// The epoch joined at.
        epoch: u64,
    },
    /// A commit moved a group to `epoch`.
    Epoch {
        /// The group.
        group_id: Vec<u8>,
        /// Its epoch after the commit.
        epoch: u64,
    },
    /// This member was removed from the group.
    Removed {
        /// The group, now dropped from this member's groups.
        group_id: Vec<u8>,
    },
    /// A proposal was queued.
    Proposal {
        /// The group.
        group_id: Vec<u8>,
    },
    /// An application message.
    Message {
        /// The group.
        group_id: Vec<u8>,
        /// The sender's identity as the service recorded it (the caller that submitted the
        /// message), not read from the MLS message: MLS authenticated the sender as a group
        /// member, but nothing checks that member's credential against this identity.
        sender: Vec<u8>,
        /// The plaintext.
        data: Vec<u8>,
    },
    /// A mailbox message this member does not act on: one whose sequence number was already
    /// processed, one for a group it is not in, or its own message coming back.
    Ignored {
        /// Why, e.g. `own message`.
        reason: String,
    },
}

/// An MLS client acting through the service: registers, publishes KeyPackages, creates and
/// changes groups, sends, and processes its mailbox in order.
pub struct Member {
    /// The MLS client: identity, signature keys, KeyPackages and group state.
    pub mls: mls::Client,
    /// The cipher suite of this member's credential, KeyPackages and groups.
    pub suite: CipherSuite,
    /// The connection whose calls are signed with this member's credential.
    pub connection: Connection,
    groups: HashMap<Vec<u8>, Group>,
    /// The last mailbox sequence processed.
    pub cursor: u64,
}

impl Member {
    /// A member over `channel`, signing its calls with `mls`'s credential for `suite`; cursor 0,
    /// no groups loaded.
    pub fn new(mls: mls::Client, suite: CipherSuite, channel: Channel) -> Self {
        let connection = Connection::signed(channel, mls.clone(), suite);
        Member {
            mls,
            suite,
            connection,
            groups: HashMap::new(),
            cursor: 0,
        }
    }

    /// The MLS client's identity (the basic credential's bytes).
    pub fn identity(&self) -> &[u8] {
        self.mls.identity()
    }

    /// Continues over a new channel (after a reconnect or a server restart); the cursor and
    /// the groups are kept.
    pub fn set_channel(&mut self, channel: Channel) {
        self.connection = Connection::signed(channel, self.mls.clone(), self.suite);
    }

    /// Registers the identity with its credential key (idempotent).
    pub async fn register(&self) -> Result<bool> {
        let public_key = self.mls.signature_public_key(self.suite)?;
        let proof = self
            .mls
            .sign_for_service(self.suite, REGISTER_LABEL, self.identity())?;
        let response = self
            .connection
            .directory()
            .register(RegisterRequest {
                identity: self.identity().to_vec(),
                signature_scheme: u32::from(mls::signature_scheme(self.suite)),
                signature_public_key: public_key,
                proof,
            })
            .await?;
        Ok(response.into_inner().created)
    }

    /// Publishes `count` fresh KeyPackages, plus a last-resort one when `last_resort`.
    pub async fn publish_key_packages(&self, count: usize, last_resort: bool) -> Result<u32> {
        let mut key_packages = (0..count)
            .map(|_| self.mls.key_package(self.suite))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if last_resort {
            key_packages.push(self.mls.key_package(self.suite)?);
        }
        let response = self
            .connection
            .directory()
            .publish_key_packages(PublishKeyPackagesRequest {
                last_resort: last_resort.then_some(count as u32),
                key_packages,
            })
            .await?;
        Ok(response.into_inner().stored)
    }

    /// Creates a group on the service and locally.
    pub async fn create_group(&mut self, group_id: &[u8]) -> Result<()> {
        self.connection
            .delivery()
            .create_group(CreateGroupRequest {
                group_id: group_id.to_vec(),
                cipher_suite: u32::from(self.suite.id()),
            })
            .await?;
        let group = mls::create_group(
            &self.mls,
            self.suite,
            &GroupOptions {
                group_id: Some(group_id.to_vec()),
                ..GroupOptions::default()
            },
        )?;
        self.groups.insert(group_id.to_vec(), group);
        Ok(())
    }

    /// Loads every active group stored in the MLS client's storage that is not loaded yet (a
    /// client reopened from its SQLite file); returns how many were loaded.
    pub fn load_groups(&mut self) -> Result<usize> {
        let mut loaded = 0;
        for group_id in self.mls.group_ids()? {
            if self.groups.contains_key(&group_id) {
                continue;
            }
            let group = self.mls.load_group(&group_id)?;
            if group.is_active() {
                self.groups.insert(group_id, group);
                loaded += 1;
            }
        }
        Ok(loaded)
    }

    /// The groups this member is in.
    pub fn group_ids(&self) -> Vec<Vec<u8>> {
        let mut ids: Vec<Vec<u8>> = self.groups.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The loaded group with this id; [`ClientError::Usage`] if this member is not in it.
    pub fn group(&self, group_id: &[u8]) -> Result<&Group> {
        self.groups
            .get(group_id)
            .ok_or_else(|| ClientError::Usage(format!("not in group {}", hex::encode(group_id))))
    }

    fn group_mut(&mut self, group_id: &[u8]) -> Result<&mut Group> {
        self.groups
            .get_mut(group_id)
            .ok_or_else(|| ClientError::Usage(format!("not in group {}", hex::encode(group_id))))
    }

    /// Submits the pending commit; merges it when accepted, discards it when refused.
    async fn submit_pending(
        &mut self,
        group_id: &[u8],
        output: mls::CommitOutput,
        added: Vec<Vec<u8>>,
        removed: Vec<Vec<u8>>,
    ) -> Result<SubmitResponse> {
        let message_id = new_message_id();
        let request = SubmitCommitRequest {
            group_id: group_id.to_vec(),
            message_id,
            commit: output.commit,
            added,
            removed,
            welcome: output.welcome.unwrap_or_default(),
            ratchet_tree: Vec::new(),
        };
        let mut delivery = self.connection.delivery();
        let mut attempt = 0;
        let result = loop {
            match delivery.submit_commit(request.clone()).await {
                // The bus did not acknowledge: the same message id makes a retry safe.
                Err(status) if status.code() == Code::Unavailable && attempt < 20 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
                }
                other => break other,
            }
        };
        let group = self.group_mut(group_id)?;
        match result {
            Ok(response) => {
                group.merge_pending_commit()?;
                Ok(response.into_inner())
            }
            Err(status) => {
                group.discard_pending_commit()?;
                Err(status.into())
            }
        }
    }

    /// Adds `identities` (one KeyPackage fetched for each) in one commit.
    pub async fn invite(
        &mut self,
        group_id: &[u8],
        identities: &[Vec<u8>],
    ) -> Result<SubmitResponse> {
        let mut key_packages = Vec::with_capacity(identities.len());
        for identity in identities {
            let response = self
                .connection
                .directory()
                .fetch_key_package(FetchKeyPackageRequest {
                    identity: identity.clone(),
                    cipher_suite: u32::from(self.suite.id()),
                })
                .await?;
            key_packages.push(response.into_inner().key_package);
        }
        let output = self.group_mut(group_id)?.add_members(&key_packages)?;
        self.submit_pending(group_id, output, identities.to_vec(), Vec::new())
            .await
    }

    /// Removes the members with these identities in one commit.
    pub async fn remove(
        &mut self,
        group_id: &[u8],
        identities: &[Vec<u8>],
    ) -> Result<SubmitResponse> {
        let group = self.group_mut(group_id)?;
        let leaves: Vec<u32> = group
            .members()
            .into_iter()
            .filter(|m| identities.contains(&m.identity))
            .map(|m| m.leaf_index)
            .collect();
        if leaves.len() != identities.len() {
            return Err(ClientError::Usage("not every identity is a member".into()));
        }
        let output = group.remove_members(&leaves)?;
        self.submit_pending(group_id, output, Vec::new(), identities.to_vec())
            .await
    }

    /// A self-update (fresh leaf key material) in one commit.
    pub async fn update(&mut self, group_id: &[u8]) -> Result<SubmitResponse> {
        let output = self.group_mut(group_id)?.self_update()?;
        self.submit_pending(group_id, output, Vec::new(), Vec::new())
            .await
    }

    /// Encrypts and sends an application message, retrying with the same id while the bus is
    /// unavailable; returns the service's message id.
    pub async fn send(&mut self, group_id: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let message = self.group_mut(group_id)?.encrypt(plaintext)?;
        let request = SendMessageRequest {
            group_id: group_id.to_vec(),
            message_id: new_message_id(),
            message,
        };
        let mut delivery = self.connection.delivery();
        let mut attempt = 0u64;
        loop {
            match delivery.send_message(request.clone()).await {
                Ok(response) => return Ok(response.into_inner().message_id),
                Err(status) if status.code() == Code::Unavailable && attempt < 40 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250 * attempt.min(8))).await;
                }
                Err(status) => return Err(status.into()),
            }
        }
    }

    /// The mailbox stream after this member's cursor.
    pub async fn subscribe(&self) -> Result<Streaming<MailboxMessage>> {
        Ok(self
            .connection
            .delivery()
            .subscribe(SubscribeRequest { after: self.cursor })
            .await?
            .into_inner())
    }

    /// Processes one mailbox message (they must come in sequence order) and advances the
    /// cursor.
    pub fn handle(&mut self, message: MailboxMessage) -> Result<Received> {
        if message.sequence <= self.cursor {
            return Ok(Received::Ignored {
                reason: format!("sequence {} already processed", message.sequence),
            });
        }
        let received = self.apply(&message);
        // A message this member cannot process would fail the same way again; the cursor moves
        // on and the error is reported.
        self.cursor = message.sequence;
        received
    }

    fn apply(&mut self, message: &MailboxMessage) -> Result<Received> {
        let group_id = message.group_id.clone();
        if message.kind == MessageKind::Welcome as i32 {
            let tree =
                (!message.ratchet_tree.is_empty()).then_some(message.ratchet_tree.as_slice());
            let group =
                mls::join_from_welcome(&self.mls, &message.payload, tree, &JoinOptions::default())?;
            let epoch = group.epoch();
            self.groups.insert(group_id.clone(), group);
            return Ok(Received::Joined { group_id, epoch });
        }
        let Some(group) = self.groups.get_mut(&group_id) else {
            return Ok(Received::Ignored {
                reason: format!("not in group {}", hex::encode(&group_id)),
            });
        };
        Ok(match group.process(&message.payload)? {
            GroupEvent::Application { data, .. } => Received::Message {
                group_id,
                sender: message.sender.clone(),
                data,
            },
            GroupEvent::CommitMerged { epoch } => Received::Epoch { group_id, epoch },
            GroupEvent::Removed { .. } => {
                self.groups.remove(&group_id);
                Received::Removed { group_id }
            }
            GroupEvent::ProposalQueued { .. } => Received::Proposal { group_id },
            GroupEvent::OwnMessage => Received::Ignored {
                reason: "own message".into(),
            },
        })
    }
}
