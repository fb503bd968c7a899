//! `sonet.v1.Delivery`: groups, ordered commits, Welcomes, application messages, mailboxes.
//!
//! A submission is checked (caller is a member, the MLS framing names this group and the right
//! epoch and content type), appended to the bus as one [`BusRecord`] keyed by group id, and
//! acknowledged only once the bus made it durable. The delivery workers then write it into the
//! recipients' mailboxes, from which `Subscribe` streams. Commits are serialised per group: the
//! first commit for an epoch is accepted, another one for that epoch is ABORTED.

use std::pin::Pin;

use prost::Message as _;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::auth::Caller;
use super::directory::{check_identity, cipher_suite};
use super::proto::delivery_server::Delivery;
use super::proto::{
    BusRecord, CreateGroupRequest, CreateGroupResponse, GetGroupRequest, GroupState,
    MailboxMessage, MessageKind, RoutedMessage, SendMessageRequest, SubmitCommitRequest,
    SubmitProposalRequest, SubmitResponse, SubscribeRequest,
};
use super::state::{bus_status, invalid, now_ms, SharedState};
use super::store::{CommitAcceptance, GroupRecord};
use crate::bus::Record;
use crate::mls::{ContentKind, Framing};

pub const MAX_GROUP_ID_LEN: usize = 255;
/// Length in bytes of a client-chosen message id, and of the scoped id stored for it; a request
/// with an id of another length is refused.
pub const MESSAGE_ID_LEN: usize = 16;
/// Largest MLS message accepted (a Welcome to many members can be large).
pub const MAX_PAYLOAD_LEN: usize = 16 << 20;
const MAILBOX_BATCH: u32 = 256;

pub struct DeliveryService {
    pub(crate) state: SharedState,
}

/// The id a message is stored and deduplicated under: the client's id scoped to the sender,
/// so one member cannot suppress another's message by reusing its id.
pub fn scoped_message_id(sender: &[u8], client_message_id: &[u8], part: &str) -> Vec<u8> {
    let digest = Sha256::new()
        .chain_update(b"sonet.v1 message id")
        .chain_update((sender.len() as u32).to_be_bytes())
        .chain_update(sender)
        .chain_update(client_message_id)
        .chain_update(part.as_bytes())
        .finalize();
    digest[..MESSAGE_ID_LEN].to_vec()
}

/// Whether an epoch that began at `started_ms` is older than the rotation policy at `now_ms`.
fn rotation_due(now_ms: u64, started_ms: u64, rotation_ms: u64) -> bool {
    now_ms.saturating_sub(started_ms) > rotation_ms
}

fn check_group_id(group_id: &[u8]) -> Result<(), Status> {
    if group_id.is_empty() || group_id.len() > MAX_GROUP_ID_LEN {
        return Err(invalid(format!(
            "group_id must be 1 to {MAX_GROUP_ID_LEN} bytes, got {}",
            group_id.len()
        )));
    }
    Ok(())
}

fn check_message_id(message_id: &[u8]) -> Result<(), Status> {
    if message_id.len() != MESSAGE_ID_LEN {
        return Err(invalid(format!(
            "message_id must be {MESSAGE_ID_LEN} bytes, got {}",
            message_id.len()
        )));
    }
    Ok(())
}

/// Reads and checks the framing of a submitted MLS message.
fn framing(
    bytes: &[u8],
    group_id: &[u8],
    expected: ContentKind,
    field: &str,
) -> Result<Framing, Status> {
    if bytes.is_empty() || bytes.len() > MAX_PAYLOAD_LEN {
        return Err(invalid(format!(
            "{field} must be 1 to {MAX_PAYLOAD_LEN} bytes, got {}",
            bytes.len()
        )));
    }
    let framing =
        crate::mls::message_framing(bytes).map_err(|e| invalid(format!("{field}: {e}")))?;
    if framing.group_id != group_id {
        return Err(invalid(format!("{field} is framed for another group")));
    }
    if framing.content != expected {
        return Err(invalid(format!(
            "{field} carries {:?} content, expected {expected:?}",
            framing.content
        )));
    }
    Ok(framing)
}

/// Appends `messages` to the bus as one record keyed by the group.
async fn publish_routed(
    state: &SharedState,
    group_id: &[u8],
    messages: Vec<RoutedMessage>,
) -> Result<(), Status> {
    let record = Record {
        key: group_id.to_vec(),
        value: BusRecord { messages }.encode_to_vec(),
    };
    state.bus.publish(record).await.map_err(|e| {
        state
            .metrics
            .inc("sonet_bus_errors_total", &[("operation", "publish")]);
        bus_status(e)
    })?;
    Ok(())
}

impl DeliveryService {
    /// The group, which the caller must be a member of.
    async fn member_group(&self, caller: &Caller, group_id: &[u8]) -> Result<GroupRecord, Status> {
        let id = group_id.to_vec();
        let group = self
            .state
            .db(move |store| store.group(&id))
            .await?
            .ok_or_else(|| Status::not_found("no such group"))?;
        if !group.members.contains(&caller.identity) {
            return Err(Status::permission_denied(
                "the caller is not a member of this group",
            ));
        }
        Ok(group)
    }

    /// Appends `messages` to the bus as one record keyed by the group.
    async fn publish(&self, group_id: &[u8], messages: Vec<RoutedMessage>) -> Result<(), Status> {
        publish_routed(&self.state, group_id, messages).await
    }

    fn routed(
        caller: &Caller,
        group_id: &[u8],
        message_id: Vec<u8>,
        kind: MessageKind,
        epoch: u64,
        payload: Vec<u8>,
        recipients: Vec<Vec<u8>>,
    ) -> RoutedMessage {
        RoutedMessage {
            message: Some(MailboxMessage {
                sequence: 0,
                message_id,
                group_id: group_id.to_vec(),
                kind: kind as i32,
                sender: caller.identity.clone(),
                epoch,
                payload,
                ratchet_tree: Vec::new(),
                accepted_at_ms: now_ms(),
            }),
            recipients,
        }
    }

    async fn create_group_inner(
        &self,
        request: Request<CreateGroupRequest>,
    ) -> Result<Response<CreateGroupResponse>, Status> {
        let caller = self.state.authenticate(&request).await?;
        let CreateGroupRequest {
            group_id,
            cipher_suite: suite,
        } = request.into_inner();
        check_group_id(&group_id)?;
        let suite = cipher_suite(&self.state, suite)?;
        let (id, creator) = (group_id.clone(), caller.identity.clone());
        self.state
            .db(move |store| store.create_group(&id, suite.id(), &creator, now_ms()))
            .await?;
        self.state
            .metrics
            .inc("sonet_group_operations_total", &[("operation", "create")]);
        self.state.audit(
            "group.create",
            &caller,
            &format!("group {} suite {}", hex::encode(&group_id), suite.name()),
        );
        Ok(Response::new(CreateGroupResponse { epoch: 0 }))
    }

    async fn submit_commit_inner(
        &self,
        request: Request<SubmitCommitRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let caller = self.state.authenticate(&request).await?;
        let SubmitCommitRequest {
            group_id,
            message_id,
            commit,
            added,
            removed,
            welcome,
            ratchet_tree,
        } = request.into_inner();
        check_group_id(&group_id)?;
        check_message_id(&message_id)?;
        let framing = framing(&commit, &group_id, ContentKind::Commit, "commit")?;
        for identity in added.iter().chain(&removed) {
            check_identity(identity)?;
        }
        if added.is_empty() != welcome.is_empty() {
            return Err(invalid(
                "a Welcome is required exactly when the commit adds members",
            ));
        }
        if welcome.len() > MAX_PAYLOAD_LEN || ratchet_tree.len() > MAX_PAYLOAD_LEN {
            return Err(invalid(format!(
                "welcome and ratchet_tree are limited to {MAX_PAYLOAD_LEN} bytes"
            )));
        }
        let scoped = scoped_message_id(&caller.identity, &message_id, "commit");

        // One commit at a time per group, from the epoch check until it is recorded.
        let ordered = self.state.group_lock(&group_id).lock_owned().await;
        let group = self.member_group(&caller, &group_id).await?;
        if !welcome.is_empty() {
            let suite = crate::mls::welcome_suite(&welcome)
                .map_err(|e| invalid(format!("welcome: {e}")))?;
            if suite.id() != group.cipher_suite {
                return Err(invalid(
                    "the Welcome is for another cipher suite than the group's",
                ));
            }
        }
        if framing.epoch != group.epoch {
            let (id, epoch) = (group_id.clone(), framing.epoch);
            let accepted = self
                .state
                .db(move |store| store.commit_of_epoch(&id, epoch))
                .await?;
            if accepted.as_deref() == Some(scoped.as_slice()) {
                return Ok(Response::new(SubmitResponse {
                    epoch: framing.epoch + 1,
                    message_id: scoped,
                    duplicate: true,
                }));
            }
            if framing.epoch < group.epoch {
                self.state.metrics.inc("sonet_commits_rejected_total", &[]);
                return Err(Status::aborted(format!(
                    "epoch {} already has a commit; the group is at epoch {} — process the pending messages and retry",
                    framing.epoch, group.epoch
                )));
            }
            return Err(Status::failed_precondition(format!(
                "commit is for epoch {} but the group is at epoch {}",
                framing.epoch, group.epoch
            )));
        }
        for identity in &removed {
            if !group.members.contains(identity) {
                return Err(invalid(format!(
                    "removed identity {:?} is not a member",
                    String::from_utf8_lossy(identity)
                )));
            }
        }
        for identity in &added {
            if group.members.contains(identity) && !removed.contains(identity) {
                return Err(invalid(format!(
                    "added identity {:?} is already a member",
                    String::from_utf8_lossy(identity)
                )));
            }
            let id = identity.clone();
            if self
                .state
                .db(move |store| store.identity(&id))
                .await?
                .is_none()
            {
                return Err(invalid(format!(
                    "added identity {:?} is not registered",
                    String::from_utf8_lossy(identity)
                )));
            }
        }

        // Everyone in the group before this commit learns of it, removed members included.
        let recipients: Vec<Vec<u8>> = group
            .members
            .iter()
            .filter(|m| **m != caller.identity)
            .cloned()
            .collect();
        let mut messages = vec![Self::routed(
            &caller,
            &group_id,
            scoped.clone(),
            MessageKind::Commit,
            framing.epoch,
            commit,
            recipients,
        )];
        if !welcome.is_empty() {
            let mut routed = Self::routed(
                &caller,
                &group_id,
                scoped_message_id(&caller.identity, &message_id, "welcome"),
                MessageKind::Welcome,
                framing.epoch + 1,
                welcome,
                added.clone(),
            );
            if let Some(message) = routed.message.as_mut() {
                message.ratchet_tree = ratchet_tree;
            }
            messages.push(routed);
        }
        let (id, message, add, remove) = (
            group_id.clone(),
            scoped.clone(),
            added.clone(),
            removed.clone(),
        );
        let state = self.state.clone();
        // Publishing and recording run as one task that a cancelled call cannot cut in half,
        // holding the group's lock throughout: once the commit may be on the log, the group's
        // epoch moves with it.
        let acceptance = tokio::spawn(async move {
            let _ordered = ordered;
            publish_routed(&state, &id, messages).await?;
            state
                .db(move |store| {
                    store.accept_commit(&id, framing.epoch, &message, &add, &remove, now_ms())
                })
                .await
        })
        .await
        .map_err(|e| Status::internal(format!("commit task failed: {e}")))??;
        let epoch = match acceptance {
            CommitAcceptance::Accepted { epoch } | CommitAcceptance::Duplicate { epoch } => epoch,
        };
        self.state
            .metrics
            .inc("sonet_messages_accepted_total", &[("kind", "commit")]);
        for (list, operation) in [(&added, "add"), (&removed, "remove")] {
            if !list.is_empty() {
                self.state.metrics.add(
                    "sonet_group_operations_total",
                    &[("operation", operation)],
                    list.len() as u64,
                );
            }
        }
        let names = |list: &[Vec<u8>]| {
            list.iter()
                .map(|i| String::from_utf8_lossy(i).into_owned())
                .collect::<Vec<_>>()
                .join(",")
        };
        self.state.audit(
            "group.commit",
            &caller,
            &format!(
                "group {} epoch {} → {epoch} added [{}] removed [{}]",
                hex::encode(&group_id),
                framing.epoch,
                names(&added),
                names(&removed)
            ),
        );
        Ok(Response::new(SubmitResponse {
            epoch,
            message_id: scoped,
            duplicate: matches!(acceptance, CommitAcceptance::Duplicate { .. }),
        }))
    }

    /// Proposals and application messages: routed to every other member, in group order.
    async fn submit_to_group(
        &self,
        caller: Caller,
        group_id: Vec<u8>,
        message_id: Vec<u8>,
        payload: Vec<u8>,
        kind: MessageKind,
    ) -> Result<Response<SubmitResponse>, Status> {
        check_group_id(&group_id)?;
        check_message_id(&message_id)?;
        let (content, field, label) = match kind {
            MessageKind::Proposal => (ContentKind::Proposal, "proposal", "proposal"),
            _ => (ContentKind::Application, "message", "application"),
        };
        let framing = framing(&payload, &group_id, content, field)?;
        if kind == MessageKind::Application && framing.wire_format != "PrivateMessage" {
            return Err(invalid("application messages must be PrivateMessages"));
        }
        let group = self.member_group(&caller, &group_id).await?;
        if framing.epoch > group.epoch
            || (kind == MessageKind::Proposal && framing.epoch != group.epoch)
        {
            return Err(Status::failed_precondition(format!(
                "{field} is for epoch {} but the group is at epoch {}",
                framing.epoch, group.epoch
            )));
        }
        let scoped = scoped_message_id(&caller.identity, &message_id, label);
        let recipients = group
            .members
            .iter()
            .filter(|m| **m != caller.identity)
            .cloned()
            .collect();
        let routed = Self::routed(
            &caller,
            &group_id,
            scoped.clone(),
            kind,
            framing.epoch,
            payload,
            recipients,
        );
        self.publish(&group_id, vec![routed]).await?;
        self.state
            .metrics
            .inc("sonet_messages_accepted_total", &[("kind", label)]);
        Ok(Response::new(SubmitResponse {
            epoch: group.epoch,
            message_id: scoped,
            duplicate: false,
        }))
    }
}

type MailboxStream = Pin<Box<dyn Stream<Item = Result<MailboxMessage, Status>> + Send>>;

#[tonic::async_trait]
impl Delivery for DeliveryService {
    async fn create_group(
        &self,
        request: Request<CreateGroupRequest>,
    ) -> Result<Response<CreateGroupResponse>, Status> {
        self.state.observe(
            "Delivery/CreateGroup",
            self.create_group_inner(request).await,
        )
    }

    async fn submit_commit(
        &self,
        request: Request<SubmitCommitRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        self.state.observe(
            "Delivery/SubmitCommit",
            self.submit_commit_inner(request).await,
        )
    }

    async fn submit_proposal(
        &self,
        request: Request<SubmitProposalRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            let SubmitProposalRequest {
                group_id,
                message_id,
                proposal,
            } = request.into_inner();
            self.submit_to_group(
                caller,
                group_id,
                message_id,
                proposal,
                MessageKind::Proposal,
            )
            .await
        }
        .await;
        self.state.observe("Delivery/SubmitProposal", result)
    }

    async fn send_message(
        &self,
        request: Request<SendMessageRequest>,
    ) -> Result<Response<SubmitResponse>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            let SendMessageRequest {
                group_id,
                message_id,
                message,
            } = request.into_inner();
            self.submit_to_group(
                caller,
                group_id,
                message_id,
                message,
                MessageKind::Application,
            )
            .await
        }
        .await;
        self.state.observe("Delivery/SendMessage", result)
    }

    async fn get_group(
        &self,
        request: Request<GetGroupRequest>,
    ) -> Result<Response<GroupState>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            let group_id = request.into_inner().group_id;
            check_group_id(&group_id)?;
            let group = self.member_group(&caller, &group_id).await?;
            let rotation = self.state.settings.epoch_rotation.as_millis() as u64;

            Ok(Response::new(GroupState {
                group_id,
                cipher_suite: u32::from(group.cipher_suite),
                epoch: group.epoch,
                members: group.members,
                epoch_started_at_ms: group.epoch_started_at_ms,
                rotation_due: rotation_due(now_ms(), group.epoch_started_at_ms, rotation),
            }))
        }
        .await;
        self.state.observe("Delivery/GetGroup", result)
    }

    type SubscribeStream = MailboxStream;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let result = async {
            let caller = self.state.authenticate(&request).await?;
            let mut after = request.into_inner().after;
            let (sender, receiver) = mpsc::channel(MAILBOX_BATCH as usize);
            let state = self.state.clone();
            tokio::spawn(async move {
                state.metrics.adjust("sonet_subscribers", true);
                let mut version = state.mailbox_version.subscribe();
                let mut shutdown = state.shutdown.clone();
                'stream: loop {
                    if *shutdown.borrow() {
                        break;
                    }
                    // Mark the version seen before reading, so a delivery after the read wakes us.
                    version.borrow_and_update();
                    let recipient = caller.identity.clone();
                    let batch = state
                        .db(move |store| store.mailbox_after(&recipient, after, MAILBOX_BATCH))
                        .await;
                    match batch {
                        Err(status) => {
                            let _ = sender.send(Err(status)).await;
                            break;
                        }
                        Ok(batch) if !batch.is_empty() => {
                            for message in batch {
                                after = message.sequence;
                                if sender.send(Ok(message)).await.is_err() {
                                    break 'stream;
                                }
                            }
                            continue;
                        }
                        Ok(_) => {}
                    }
                    tokio::select! {
                        changed = version.changed() => if changed.is_err() { break },
                        _ = shutdown.changed() => {},
                        _ = sender.closed() => break,
                    }
                }
                state.metrics.adjust("sonet_subscribers", false);
            });
            Ok(Response::new(
                Box::pin(ReceiverStream::new(receiver)) as MailboxStream
            ))
        }
        .await;
        self.state.observe("Delivery/Subscribe", result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_is_due_once_the_epoch_outlives_the_policy() {
        let day = 24 * 3600 * 1000;
        assert!(!rotation_due(day, 0, day));
        assert!(rotation_due(day + 1, 0, day));
        // A clock that went backwards never makes rotation due.
        assert!(!rotation_due(0, day, day));
    }

    #[test]
    fn message_ids_are_scoped_to_their_sender() {
        let id = [7u8; MESSAGE_ID_LEN];
        assert_ne!(
            scoped_message_id(b"alice", &id, "application"),
            scoped_message_id(b"bob", &id, "application")
        );
        assert_ne!(
            scoped_message_id(b"alice", &id, "commit"),
            scoped_message_id(b"alice", &id, "welcome")
        );
        assert_eq!(
            scoped_message_id(b"alice", &id, "commit").len(),
            MESSAGE_ID_LEN
        );
    }
}
