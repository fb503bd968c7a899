//! The module's one error type, and the mapping from openmls' errors onto it.
//!
//! openmls reports failures through ~40 error enums, most generic over the storage error. The
//! functions here fold them into [`MlsError`] so a caller (or a conformance suite) can match on
//! what went wrong with the *input*: garbage, another group, an old epoch, a replay, a bad
//! signature, a Welcome for someone else. Anything that is not about the input (a storage
//! failure, an openmls "library error") stays distinguishable as [`MlsError::Storage`] or
//! [`MlsError::Internal`]. Error messages never contain key material: openmls' own messages are
//! static strings, and storage errors are SQLite/serde messages.

use std::fmt::Display;

use openmls::error::LibraryError;
use openmls::framing::errors::MessageDecryptionError;
use openmls::framing::errors::SecretTreeError;
use openmls::group::{
    CommitBuilderStageError, CreateCommitError, ExportGroupInfoError, ExportSecretError,
    ExternalCommitBuilderError, ExternalCommitBuilderFinalizeError, MergeCommitError,
    MergePendingCommitError, MlsGroupStateError, NewGroupError, ProcessMessageError, ProposalError,
    StageCommitError, ValidationError, WelcomeError,
};
use openmls::prelude::{
    CreateMessageError, KeyPackageNewError, KeyPackageVerifyError, LeaveGroupError,
    ProposeSelfUpdateError,
};
use openmls::schedule::errors::PskError;

use super::CipherSuite;

/// Everything that can go wrong in `sonet::mls`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MlsError {
    /// The bytes do not decode as the expected TLS structure (garbage, truncation, trailing
    /// bytes).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// The structure expected, e.g. `MLSMessage`, `KeyPackage`.
        what: &'static str,
        /// The TLS decoder's message.
        reason: String,
    },
    /// A well-formed MLSMessage of the wrong kind (e.g. a KeyPackage where a Welcome belongs).
    #[error("expected {expected}, got {got}")]
    UnexpectedMessage {
        /// The kind the call takes, e.g. `Welcome`, `PublicMessage or PrivateMessage`.
        expected: &'static str,
        /// The wire format received, e.g. `KeyPackage`.
        got: &'static str,
    },
    /// A cipher-suite code point that is neither an RFC 9420 suite (1–7) nor one of openmls'
    /// draft post-quantum suites.
    #[error("unknown cipher suite 0x{0:04x}")]
    UnknownCipherSuite(u16),
    /// A registered suite the crypto provider cannot run.
    #[error("cipher suite {0} is not supported by the crypto provider")]
    UnsupportedCipherSuite(CipherSuite),
    /// An operation openmls 0.9.2 cannot perform.
    #[error("{operation} is not supported: {reason}")]
    Unsupported {
        /// The operation refused, e.g. `subgroup branching`.
        operation: &'static str,
        /// Why openmls 0.9.2 cannot do it.
        reason: &'static str,
    },
    /// The message belongs to another group.
    #[error("the message is for another group")]
    WrongGroup,
    /// The message's epoch is not the group's, nor a past epoch whose secrets are retained.
    #[error("message epoch {message} is outside the retention window (group is at epoch {group})")]
    WrongEpoch {
        /// The epoch the message carries.
        message: u64,
        /// The group's current epoch.
        group: u64,
    },
    /// The message key was already used (and deleted for forward secrecy): a replay.
    #[error("replayed message: its key was already used and deleted")]
    Replayed,
    /// The ciphertext did not decrypt (wrong key, tampered, or outside the ratchet window).
    #[error("decryption failed: {0}")]
    DecryptionFailed(String),
    /// A signature (on the message, a leaf node, a KeyPackage or a GroupInfo) did not verify.
    #[error("invalid signature")]
    InvalidSignature,
    /// A member's PublicMessage whose membership tag (the MAC over it, signature included) does
    /// not verify.
    #[error("invalid membership tag")]
    InvalidMembershipTag,
    /// The message decoded and authenticated but breaks a protocol rule.
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// The Commit (or a proposal it covers) fails validation.
    #[error("invalid commit: {0}")]
    InvalidCommit(String),
    /// The Welcome is not addressed to any KeyPackage this client holds.
    #[error("the Welcome is not addressed to any KeyPackage of this client")]
    NoMatchingKeyPackage,
    /// The Welcome has no ratchet-tree extension and no tree was supplied.
    #[error(
        "no ratchet tree: the Welcome/GroupInfo has no ratchet_tree extension and none was given"
    )]
    MissingRatchetTree,
    /// The Welcome is addressed to us but is invalid.
    #[error("invalid Welcome: {0}")]
    InvalidWelcome(String),
    /// A KeyPackage fails validation.
    #[error("invalid KeyPackage: {0}")]
    InvalidKeyPackage(String),
    /// A GroupInfo fails validation (external join).
    #[error("invalid GroupInfo: {0}")]
    InvalidGroupInfo(String),
    /// This client was removed from the group; the group is read-only now.
    #[error("this client is no longer a member of the group")]
    GroupInactive,
    /// A commit of ours is pending: merge or discard it first.
    #[error("a commit is pending; merge or discard it first")]
    PendingCommit,
    /// `merge_pending_commit` without a pending commit.
    #[error("no commit is pending")]
    NoPendingCommit,
    /// No member at this leaf index.
    #[error("no member at leaf index {0}")]
    UnknownMember(u32),
    /// No group with this id is stored for this client.
    #[error("no group with this id is stored for this client")]
    UnknownGroup,
    /// A group with this id already exists in this client's storage.
    #[error("a group with this id already exists")]
    GroupExists,
    /// A PSK (external by id, or resumption by epoch) is not available.
    #[error("pre-shared key not available: {0}")]
    PskNotFound(String),
    /// The signature private key for the client's leaf is not in storage.
    #[error("the signature key of this client's leaf is not in storage")]
    MissingSignatureKey,
    /// The database belongs to another identity.
    #[error("the database at this path belongs to another identity")]
    IdentityMismatch,
    /// A caller-supplied argument is out of range or inconsistent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The storage backend failed (SQLite, serialization).
    #[error("storage error: {0}")]
    Storage(String),
    /// openmls reported an internal ("library") error.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The result of an MLS operation.
pub type Result<T, E = MlsError> = std::result::Result<T, E>;

pub(crate) fn storage(e: impl Display) -> MlsError {
    MlsError::Storage(e.to_string())
}

pub(crate) fn internal(e: impl Display) -> MlsError {
    MlsError::Internal(e.to_string())
}

pub(crate) fn malformed(what: &'static str, e: impl Display) -> MlsError {
    MlsError::Malformed {
        what,
        reason: e.to_string(),
    }
}

pub(crate) fn library(e: LibraryError) -> MlsError {
    internal(e)
}

pub(crate) fn group_state(e: MlsGroupStateError) -> MlsError {
    match e {
        MlsGroupStateError::UseAfterEviction => MlsError::GroupInactive,
        MlsGroupStateError::PendingCommit => MlsError::PendingCommit,
        MlsGroupStateError::NoPendingCommit => MlsError::NoPendingCommit,
        MlsGroupStateError::LibraryError(e) => library(e),
        other => internal(other),
    }
}

/// openmls reports both "no secrets retained for that past epoch" and "ratchet generation too
/// old" as `TooDistantInThePast`; for a message from a past epoch it is the former.
pub(crate) fn secret_tree(e: SecretTreeError, message_epoch: u64, group_epoch: u64) -> MlsError {
    match e {
        SecretTreeError::SecretReuseError => MlsError::Replayed,
        SecretTreeError::TooDistantInThePast if message_epoch < group_epoch => {
            MlsError::WrongEpoch {
                message: message_epoch,
                group: group_epoch,
            }
        }
        other => MlsError::DecryptionFailed(other.to_string()),
    }
}

pub(crate) fn decryption(
    e: MessageDecryptionError,
    message_epoch: u64,
    group_epoch: u64,
) -> MlsError {
    match e {
        MessageDecryptionError::SecretTreeError(e) => secret_tree(e, message_epoch, group_epoch),
        MessageDecryptionError::LibraryError(e) => library(e),
        other => MlsError::DecryptionFailed(other.to_string()),
    }
}

/// `message_epoch` / `group_epoch` fill in [`MlsError::WrongEpoch`].
pub(crate) fn validation(e: ValidationError, message_epoch: u64, group_epoch: u64) -> MlsError {
    match e {
        ValidationError::WrongGroupId => MlsError::WrongGroup,
        ValidationError::WrongEpoch | ValidationError::NoPastEpochData => MlsError::WrongEpoch {
            message: message_epoch,
            group: group_epoch,
        },
        ValidationError::InvalidSignature | ValidationError::InvalidLeafNodeSignature => {
            MlsError::InvalidSignature
        }
        ValidationError::InvalidMembershipTag => MlsError::InvalidMembershipTag,
        ValidationError::UnableToDecrypt(e) => decryption(e, message_epoch, group_epoch),
        ValidationError::LibraryError(e) => library(e),
        other => MlsError::InvalidMessage(other.to_string()),
    }
}

pub(crate) fn stage_commit(e: StageCommitError) -> MlsError {
    match e {
        StageCommitError::LibraryError(e) => library(e),
        StageCommitError::PskError(e) => psk(e),
        other => MlsError::InvalidCommit(other.to_string()),
    }
}

pub(crate) fn process<E: Display>(
    e: ProcessMessageError<E>,
    message_epoch: u64,
    group_epoch: u64,
) -> MlsError {
    match e {
        ProcessMessageError::LibraryError(e) => library(e),
        ProcessMessageError::StorageError(e) => storage(e),
        ProcessMessageError::ValidationError(e) => validation(e, message_epoch, group_epoch),
        ProcessMessageError::GroupStateError(e) => group_state(e),
        ProcessMessageError::InvalidCommit(e) => stage_commit(e),
        other => MlsError::InvalidMessage(other.to_string()),
    }
}

pub(crate) fn merge<E: Display>(e: MergeCommitError<E>) -> MlsError {
    match e {
        MergeCommitError::LibraryError(e) => library(e),
        MergeCommitError::StorageError(e) => storage(e),
    }
}

pub(crate) fn merge_pending<E: Display>(e: MergePendingCommitError<E>) -> MlsError {
    match e {
        MergePendingCommitError::MlsGroupStateError(e) => group_state(e),
        MergePendingCommitError::MergeCommitError(e) => merge(e),
    }
}

pub(crate) fn psk(e: PskError) -> MlsError {
    match e {
        PskError::KeyNotFound => MlsError::PskNotFound("no PSK stored for this id".into()),
        PskError::Storage => MlsError::Storage("PSK storage failed".into()),
        PskError::LibraryError(e) => library(e),
        other => MlsError::InvalidArgument(other.to_string()),
    }
}

pub(crate) fn create_commit(e: CreateCommitError) -> MlsError {
    match e {
        CreateCommitError::LibraryError(e) => library(e),
        CreateCommitError::PskError(e) => psk(e),
        CreateCommitError::ProposalValidationError(e) => MlsError::InvalidArgument(e.to_string()),
        other => internal(other),
    }
}

pub(crate) fn stage<E: Display>(e: CommitBuilderStageError<E>) -> MlsError {
    match e {
        CommitBuilderStageError::LibraryError(e) => library(e),
        CommitBuilderStageError::KeyStoreError(e) => storage(e),
    }
}

pub(crate) fn proposal<E: Display>(e: ProposalError<E>) -> MlsError {
    match e {
        ProposalError::LibraryError(e) => library(e),
        ProposalError::GroupStateError(e) => group_state(e),
        ProposalError::StorageError(e) => storage(e),
        other => MlsError::InvalidArgument(other.to_string()),
    }
}

pub(crate) fn propose_update<E: Display>(e: ProposeSelfUpdateError<E>) -> MlsError {
    match e {
        ProposeSelfUpdateError::LibraryError(e) => library(e),
        ProposeSelfUpdateError::GroupStateError(e) => group_state(e),
        ProposeSelfUpdateError::StorageError(e) => storage(e),
        other => internal(other),
    }
}

pub(crate) fn leave<E: Display>(e: LeaveGroupError<E>) -> MlsError {
    match e {
        LeaveGroupError::LibraryError(e) => library(e),
        LeaveGroupError::GroupStateError(e) => group_state(e),
        LeaveGroupError::StorageError(e) => storage(e),
        other => internal(other),
    }
}

pub(crate) fn create_message(e: CreateMessageError) -> MlsError {
    match e {
        CreateMessageError::LibraryError(e) => library(e),
        CreateMessageError::GroupStateError(e) => group_state(e),
    }
}

pub(crate) fn export_secret(e: ExportSecretError) -> MlsError {
    match e {
        ExportSecretError::KeyLengthTooLong => {
            MlsError::InvalidArgument("exported secret length exceeds 65535 bytes".into())
        }
        ExportSecretError::GroupStateError(e) => group_state(e),
        ExportSecretError::LibraryError(e) => library(e),
    }
}

pub(crate) fn export_group_info(e: ExportGroupInfoError) -> MlsError {
    match e {
        ExportGroupInfoError::LibraryError(e) => library(e),
        other => internal(other),
    }
}

pub(crate) fn new_group<E: Display>(e: NewGroupError<E>) -> MlsError {
    match e {
        NewGroupError::GroupAlreadyExists => MlsError::GroupExists,
        NewGroupError::StorageError(e) => storage(e),
        NewGroupError::LibraryError(e) => library(e),
        other => MlsError::InvalidArgument(other.to_string()),
    }
}

pub(crate) fn key_package_new(e: KeyPackageNewError) -> MlsError {
    match e {
        KeyPackageNewError::LibraryError(e) => library(e),
        KeyPackageNewError::StorageError => MlsError::Storage("writing the KeyPackage".into()),
        other => internal(other),
    }
}

pub(crate) fn key_package_verify(e: KeyPackageVerifyError) -> MlsError {
    match e {
        KeyPackageVerifyError::InvalidSignature
        | KeyPackageVerifyError::InvalidLeafNodeSignature => MlsError::InvalidSignature,
        KeyPackageVerifyError::LibraryError(e) => library(e),
        other => MlsError::InvalidKeyPackage(other.to_string()),
    }
}

pub(crate) fn welcome<E: Display>(e: WelcomeError<E>) -> MlsError {
    match e {
        WelcomeError::NoMatchingKeyPackage | WelcomeError::JoinerSecretNotFound => {
            MlsError::NoMatchingKeyPackage
        }
        WelcomeError::MissingRatchetTree => MlsError::MissingRatchetTree,
        WelcomeError::InvalidGroupInfoSignature => MlsError::InvalidSignature,
        WelcomeError::UnsupportedCiphersuite(cs) => match CipherSuite::from_openmls(cs) {
            Ok(suite) => MlsError::UnsupportedCipherSuite(suite),
            Err(e) => e,
        },
        WelcomeError::Psk(e) => psk(e),
        WelcomeError::StorageError(e) => storage(e),
        WelcomeError::LibraryError(e) => library(e),
        other => MlsError::InvalidWelcome(other.to_string()),
    }
}

pub(crate) fn external_commit<E: Display>(e: ExternalCommitBuilderError<E>) -> MlsError {
    match e {
        ExternalCommitBuilderError::MissingRatchetTree => MlsError::MissingRatchetTree,
        ExternalCommitBuilderError::UnsupportedCiphersuite(cs) => {
            match CipherSuite::from_openmls(cs) {
                Ok(suite) => MlsError::UnsupportedCipherSuite(suite),
                Err(e) => e,
            }
        }
        ExternalCommitBuilderError::StorageError(e) => storage(e),
        ExternalCommitBuilderError::LibraryError(e) => library(e),
        other => MlsError::InvalidGroupInfo(other.to_string()),
    }
}

pub(crate) fn external_finalize<E: Display>(e: ExternalCommitBuilderFinalizeError<E>) -> MlsError {
    match e {
        ExternalCommitBuilderFinalizeError::LibraryError(e) => library(e),
        ExternalCommitBuilderFinalizeError::StorageError(e) => storage(e),
        ExternalCommitBuilderFinalizeError::MergeCommitError(e) => merge_pending(e),
    }
}

pub(crate) fn propose_add<E: Display>(e: openmls::group::ProposeAddMemberError<E>) -> MlsError {
    use openmls::group::ProposeAddMemberError as P;
    match e {
        P::LibraryError(e) => library(e),
        P::GroupStateError(e) => group_state(e),
        P::StorageError(e) => storage(e),
        other => MlsError::InvalidKeyPackage(other.to_string()),
    }
}

pub(crate) fn propose_remove<E: Display>(
    e: openmls::group::ProposeRemoveMemberError<E>,
) -> MlsError {
    use openmls::group::ProposeRemoveMemberError as P;
    match e {
        P::LibraryError(e) => library(e),
        P::GroupStateError(e) => group_state(e),
        P::StorageError(e) => storage(e),
        P::UnknownMember => MlsError::InvalidArgument("no member at this leaf index".into()),
    }
}
