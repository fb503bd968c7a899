//! Message protection (RFC 9420 §6): signing and verifying FramedContent, the PublicMessage
//! membership tag, and PrivateMessage content and sender-data encryption.
//!
//! The oracle keeps no ratchet state: the caller says which generation to encrypt under, and
//! decryption derives the key of whatever generation the sender data names. Replay and
//! out-of-order windows are the engine's business.

use super::codec::Writer;
use super::labeled::{sign_with_label, verify_with_label};
use super::secret_tree::{sender_data_key_nonce, RatchetKind, SecretTree};
use super::structures::{
    framed_content_tbs, private_content_aad, sender_data_aad, AuthenticatedContent, Codec, Content,
    FramedContent, FramedContentAuthData, GroupContext, PrivateMessage, PrivateMessageContent,
    PublicMessage, Sender, SenderData, WIRE_FORMAT_PRIVATE_MESSAGE, WIRE_FORMAT_PUBLIC_MESSAGE,
};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;

const FRAMED_CONTENT_TBS: &[u8] = b"FramedContentTBS";

/// The group context a FramedContentTBS includes: only member and new-member-commit senders
/// sign over it (§6.1).
fn tbs_context(sender: Sender, context: &GroupContext) -> Option<&GroupContext> {
    match sender {
        Sender::Member(_) | Sender::NewMemberCommit => Some(context),
        Sender::External(_) | Sender::NewMemberProposal => None,
    }
}

/// The message must belong to this group and epoch (§6.3.2, §12.4.2: a message from another
/// epoch cannot be processed with this epoch's keys).
fn check_epoch(group_id: &[u8], epoch: u64, context: &GroupContext) -> Result<()> {
    if group_id != context.group_id.as_slice() || epoch != context.epoch {
        return Err(OracleError::Invalid(format!(
            "message for epoch {epoch} of another or this group, not epoch {} of this group",
            context.epoch
        )));
    }
    Ok(())
}

/// SignWithLabel(signature_key, "FramedContentTBS", FramedContentTBS).
pub fn sign_content(
    suite: &SuiteAlgorithms,
    wire_format: u16,
    content: &FramedContent,
    context: &GroupContext,
    signature_private: &[u8],
) -> Result<Vec<u8>> {
    let tbs = framed_content_tbs(wire_format, content, tbs_context(content.sender, context))?;
    sign_with_label(suite, signature_private, FRAMED_CONTENT_TBS, &tbs)
}

/// Verifies an AuthenticatedContent's signature with the sender's signature key.
pub fn verify_content(
    suite: &SuiteAlgorithms,
    content: &AuthenticatedContent,
    context: &GroupContext,
    signature_public: &[u8],
) -> Result<()> {
    let tbs = framed_content_tbs(
        content.wire_format,
        &content.content,
        tbs_context(content.content.sender, context),
    )?;
    verify_with_label(
        suite,
        signature_public,
        FRAMED_CONTENT_TBS,
        &tbs,
        &content.auth.signature,
    )
}

/// membership_tag = MAC(membership_key, AuthenticatedContentTBM) (§6.2), where
/// AuthenticatedContentTBM = `{ FramedContentTBS content_tbs; FramedContentAuthData auth; }`.
pub fn membership_tag(
    suite: &SuiteAlgorithms,
    membership_key: &[u8],
    content: &FramedContent,
    auth: &FramedContentAuthData,
    context: &GroupContext,
) -> Result<Vec<u8>> {
    let mut tbm = Writer::new();
    tbm.raw(&framed_content_tbs(
        WIRE_FORMAT_PUBLIC_MESSAGE,
        content,
        tbs_context(content.sender, context),
    )?);
    auth.encode(&mut tbm);
    Ok(suite.mac(membership_key, tbm.as_bytes()))
}

/// Signs `content` and frames it as a PublicMessage, with a membership tag for a member sender.
/// A commit needs its `confirmation_tag` (computed from the transcript by the caller); other
/// content must have none.
pub fn protect_public(
    suite: &SuiteAlgorithms,
    content: FramedContent,
    confirmation_tag: Option<Vec<u8>>,
    context: &GroupContext,
    signature_private: &[u8],
    membership_key: &[u8],
) -> Result<PublicMessage> {
    if matches!(content.content, Content::Application(_)) {
        // §6: application messages MUST use PrivateMessage, never PublicMessage.
        return Err(OracleError::Invalid(
            "application data must be sent as a PrivateMessage".into(),
        ));
    }
    check_epoch(&content.group_id, content.epoch, context)?;
    let auth = FramedContentAuthData {
        signature: sign_content(
            suite,
            WIRE_FORMAT_PUBLIC_MESSAGE,
            &content,
            context,
            signature_private,
        )?,
        confirmation_tag,
    };
    check_confirmation_tag_presence(&content.content, &auth)?;
    let membership_tag = match content.sender {
        Sender::Member(_) => Some(membership_tag(
            suite,
            membership_key,
            &content,
            &auth,
            context,
        )?),
        _ => None,
    };
    Ok(PublicMessage {
        content,
        auth,
        membership_tag,
    })
}

fn check_confirmation_tag_presence(content: &Content, auth: &FramedContentAuthData) -> Result<()> {
    if auth.confirmation_tag.is_some() != matches!(content, Content::Commit(_)) {
        return Err(OracleError::Invalid(
            "a confirmation tag belongs to commits and only to them".into(),
        ));
    }
    Ok(())
}

/// Checks a PublicMessage's epoch, membership tag (member senders) and signature, and returns
/// its AuthenticatedContent.
pub fn unprotect_public(
    suite: &SuiteAlgorithms,
    message: &PublicMessage,
    context: &GroupContext,
    signature_public: &[u8],
    membership_key: &[u8],
) -> Result<AuthenticatedContent> {
    check_epoch(&message.content.group_id, message.content.epoch, context)?;
    if matches!(message.content.content, Content::Application(_)) {
        return Err(OracleError::Invalid(
            "application data in a PublicMessage".into(),
        ));
    }
    match (message.content.sender, &message.membership_tag) {
        (Sender::Member(_), Some(tag)) => {
            let want = membership_tag(
                suite,
                membership_key,
                &message.content,
                &message.auth,
                context,
            )?;
            if &want != tag {
                return Err(OracleError::Invalid(
                    "membership tag does not verify".into(),
                ));
            }
        }
        (Sender::Member(_), None) => {
            return Err(OracleError::Invalid(
                "member PublicMessage without a membership tag".into(),
            ))
        }
        (_, Some(_)) => {
            return Err(OracleError::Invalid(
                "membership tag on a non-member PublicMessage".into(),
            ))
        }
        (_, None) => {}
    }
    let content = AuthenticatedContent {
        wire_format: WIRE_FORMAT_PUBLIC_MESSAGE,
        content: message.content.clone(),
        auth: message.auth.clone(),
    };
    verify_content(suite, &content, context, signature_public)?;
    Ok(content)
}

/// The per-message choices a PrivateMessage sender makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrivateParams {
    /// The generation of the sender's ratchet to encrypt under.
    pub generation: u32,
    /// Random in a real client (§6.3.1); XORed into the first four bytes of the nonce.
    pub reuse_guard: [u8; 4],
    /// How many zero bytes of padding to append to the content.
    pub padding: usize,
}

fn ratchet_kind(content: &Content) -> RatchetKind {
    match content {
        Content::Application(_) => RatchetKind::Application,
        Content::Proposal(_) | Content::Commit(_) => RatchetKind::Handshake,
    }
}

fn guarded_nonce(nonce: &[u8], reuse_guard: [u8; 4]) -> Result<Vec<u8>> {
    if nonce.len() < reuse_guard.len() {
        return Err(OracleError::Invalid(
            "AEAD nonce shorter than the reuse guard".into(),
        ));
    }
    let mut nonce = nonce.to_vec();
    for (n, g) in nonce.iter_mut().zip(reuse_guard) {
        *n ^= g;
    }
    Ok(nonce)
}

/// Signs `content` (from a member) and encrypts it as a PrivateMessage (§6.3).
#[allow(clippy::too_many_arguments)]
pub fn protect_private(
    suite: &SuiteAlgorithms,
    content: FramedContent,
    confirmation_tag: Option<Vec<u8>>,
    context: &GroupContext,
    signature_private: &[u8],
    secret_tree: &SecretTree,
    sender_data_secret: &[u8],
    params: PrivateParams,
) -> Result<PrivateMessage> {
    check_epoch(&content.group_id, content.epoch, context)?;
    let Sender::Member(leaf) = content.sender else {
        return Err(OracleError::Invalid(
            "only members send PrivateMessages".into(),
        ));
    };
    let auth = FramedContentAuthData {
        signature: sign_content(
            suite,
            WIRE_FORMAT_PRIVATE_MESSAGE,
            &content,
            context,
            signature_private,
        )?,
        confirmation_tag,
    };
    check_confirmation_tag_presence(&content.content, &auth)?;
    let content_type = content.content.content_type();
    let keys = secret_tree.key_nonce(leaf, ratchet_kind(&content.content), params.generation)?;
    let plaintext = PrivateMessageContent {
        content: content.content,
        auth,
        padding: params.padding,
    }
    .encode()?;
    let aad = private_content_aad(
        &content.group_id,
        content.epoch,
        content_type,
        &content.authenticated_data,
    );
    let ciphertext = suite.aead_seal(
        keys.key.as_bytes(),
        &guarded_nonce(keys.nonce.as_bytes(), params.reuse_guard)?,
        &aad,
        &plaintext,
    )?;
    let sender_data = SenderData {
        leaf_index: leaf,
        generation: params.generation,
        reuse_guard: params.reuse_guard,
    };
    let sd_keys = sender_data_key_nonce(suite, sender_data_secret, &ciphertext)?;
    let encrypted_sender_data = suite.aead_seal(
        sd_keys.key.as_bytes(),
        sd_keys.nonce.as_bytes(),
        &sender_data_aad(&content.group_id, content.epoch, content_type),
        &sender_data.to_bytes(),
    )?;
    Ok(PrivateMessage {
        group_id: content.group_id,
        epoch: content.epoch,
        content_type,
        authenticated_data: content.authenticated_data,
        encrypted_sender_data,
        ciphertext,
    })
}

/// Decrypts a PrivateMessage's sender data and content, without checking the signature (the
/// caller finds the sender's key from the returned leaf index; see [`unprotect_private`]).
pub fn open_private(
    suite: &SuiteAlgorithms,
    message: &PrivateMessage,
    context: &GroupContext,
    secret_tree: &SecretTree,
    sender_data_secret: &[u8],
) -> Result<(AuthenticatedContent, SenderData)> {
    check_epoch(&message.group_id, message.epoch, context)?;
    let sd_keys = sender_data_key_nonce(suite, sender_data_secret, &message.ciphertext)?;
    let sender_data = SenderData::from_bytes(&suite.aead_open(
        sd_keys.key.as_bytes(),
        sd_keys.nonce.as_bytes(),
        &sender_data_aad(&message.group_id, message.epoch, message.content_type),
        &message.encrypted_sender_data,
    )?)?;
    // The kind of ratchet follows from the content type, known before decryption.
    let kind = match message.content_type {
        super::structures::CONTENT_APPLICATION => RatchetKind::Application,
        super::structures::CONTENT_PROPOSAL | super::structures::CONTENT_COMMIT => {
            RatchetKind::Handshake
        }
        other => {
            return Err(OracleError::Invalid(format!(
                "content type {other} is not defined"
            )))
        }
    };
    let keys = secret_tree.key_nonce(sender_data.leaf_index, kind, sender_data.generation)?;
    let plaintext = suite.aead_open(
        keys.key.as_bytes(),
        &guarded_nonce(keys.nonce.as_bytes(), sender_data.reuse_guard)?,
        &private_content_aad(
            &message.group_id,
            message.epoch,
            message.content_type,
            &message.authenticated_data,
        ),
        &message.ciphertext,
    )?;
    let inner = PrivateMessageContent::decode(message.content_type, &plaintext)?;
    let content = AuthenticatedContent {
        wire_format: WIRE_FORMAT_PRIVATE_MESSAGE,
        content: FramedContent {
            group_id: message.group_id.clone(),
            epoch: message.epoch,
            sender: Sender::Member(sender_data.leaf_index),
            authenticated_data: message.authenticated_data.clone(),
            content: inner.content,
        },
        auth: inner.auth,
    };
    Ok((content, sender_data))
}

/// [`open_private`], then the signature check with the sender's key.
pub fn unprotect_private(
    suite: &SuiteAlgorithms,
    message: &PrivateMessage,
    context: &GroupContext,
    secret_tree: &SecretTree,
    sender_data_secret: &[u8],
    signature_public: &[u8],
) -> Result<(AuthenticatedContent, SenderData)> {
    let (content, sender_data) =
        open_private(suite, message, context, secret_tree, sender_data_secret)?;
    verify_content(suite, &content, context, signature_public)?;
    Ok((content, sender_data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_schedule::group_context;
    use crate::structures::Proposal;
    use sonet::mls::primitives::suite;

    fn setup() -> (
        &'static SuiteAlgorithms,
        GroupContext,
        Vec<u8>,
        Vec<u8>,
        SecretTree,
    ) {
        let s = suite(1).unwrap();
        let gc = group_context(1, b"group", 5, &[1; 32], &[2; 32], vec![]);
        let (sk, pk) = s.generate_signature_key().unwrap();
        let tree = SecretTree::new(s, &[3; 32], 4).unwrap();
        (s, gc, sk.as_bytes().to_vec(), pk, tree)
    }

    fn framed(content: Content) -> FramedContent {
        FramedContent {
            group_id: b"group".to_vec(),
            epoch: 5,
            sender: Sender::Member(2),
            authenticated_data: b"ad".to_vec(),
            content,
        }
    }

    #[test]
    fn public_messages_round_trip_and_tampering_is_caught() {
        let (s, gc, sk, pk, _) = setup();
        let content = framed(Content::Proposal(Proposal::Remove { removed: 1 }));
        let msg = protect_public(s, content.clone(), None, &gc, &sk, &[4; 32]).unwrap();
        let ac = unprotect_public(s, &msg, &gc, &pk, &[4; 32]).unwrap();
        assert_eq!(ac.content, content);
        assert!(unprotect_public(s, &msg, &gc, &pk, &[5; 32]).is_err());
        let mut other_epoch = gc.clone();
        other_epoch.tree_hash = vec![9; 32];
        // The signature and tag cover the whole group context, not just group id and epoch.
        assert!(unprotect_public(s, &msg, &other_epoch, &pk, &[4; 32]).is_err());
        let app = framed(Content::Application(b"hi".to_vec()));
        assert!(protect_public(s, app, None, &gc, &sk, &[4; 32]).is_err());
    }

    #[test]
    fn private_messages_round_trip_under_the_named_generation() {
        let (s, gc, sk, pk, tree) = setup();
        let content = framed(Content::Application(b"hello".to_vec()));
        let params = PrivateParams {
            generation: 6,
            reuse_guard: [1, 2, 3, 4],
            padding: 9,
        };
        let msg =
            protect_private(s, content.clone(), None, &gc, &sk, &tree, &[7; 32], params).unwrap();
        let (ac, sd) = unprotect_private(s, &msg, &gc, &tree, &[7; 32], &pk).unwrap();
        assert_eq!(ac.content, content);
        assert_eq!(ac.wire_format, WIRE_FORMAT_PRIVATE_MESSAGE);
        assert_eq!((sd.leaf_index, sd.generation), (2, 6));
        // Wrong sender-data secret, or a flipped ciphertext bit, is refused.
        assert!(open_private(s, &msg, &gc, &tree, &[8; 32]).is_err());
        let mut bad = msg.clone();
        bad.ciphertext[0] ^= 1;
        assert!(open_private(s, &bad, &gc, &tree, &[7; 32]).is_err());
        // A commit without its confirmation tag cannot be framed.
        let commit = framed(Content::Commit(crate::structures::Commit {
            proposals: vec![],
            path: None,
        }));
        assert!(protect_private(s, commit, None, &gc, &sk, &tree, &[7; 32], params).is_err());
    }
}
