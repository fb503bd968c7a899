//! The RFC 9420 passive-client procedure (mls-implementations `passive-client-*.json` and
//! `interop/passive/*.json`): import a KeyPackage with its private keys, join from the Welcome,
//! process every epoch's proposals and commit, and compare the epoch authenticator after the
//! join and after every epoch. Shared by the engine's tests and the `rfc9420` conformance suite.

use std::fmt;

use serde_json::Value;

use super::{join_from_welcome, CipherSuite, Client, GroupEvent, JoinOptions, MlsError};

/// The message openmls 0.9.2 gives (`LeafNodeValidationError::UnsupportedExtensions`) when it
/// rejects a leaf carrying a GREASE extension type even though its capabilities list it
/// (openmls#2156, fixed upstream after 0.9.2).
pub const OPENMLS_GREASE_REJECTION: &str = "Extensions are not acceptable.";

/// One epoch of a passive-client vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassiveEpoch {
    /// Serialized `MLSMessage`s carrying proposals, processed before the commit.
    pub proposals: Vec<Vec<u8>>,
    /// The serialized `MLSMessage` carrying the commit.
    pub commit: Vec<u8>,
    /// The epoch authenticator after the commit.
    pub epoch_authenticator: Vec<u8>,
}

/// One passive-client vector, decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassiveClientCase {
    /// The MLS cipher-suite code point (`cipher_suite`).
    pub cipher_suite: u16,
    /// `(psk_id, psk)` pairs.
    pub external_psks: Vec<(Vec<u8>, Vec<u8>)>,
    /// The joiner's serialized `MLSMessage` carrying its KeyPackage (`key_package`).
    pub key_package: Vec<u8>,
    /// The joiner's private signature key, in the encoding [`primitives`](super::primitives)
    /// describes (`signature_priv`).
    pub signature_priv: Vec<u8>,
    /// The private HPKE key of the KeyPackage's leaf node (`encryption_priv`).
    pub encryption_priv: Vec<u8>,
    /// The private HPKE key of the KeyPackage's init key (`init_priv`).
    pub init_priv: Vec<u8>,
    /// The serialized `MLSMessage` carrying the Welcome (`welcome`).
    pub welcome: Vec<u8>,
    /// The serialized ratchet tree, when the Welcome does not carry it (`ratchet_tree`).
    pub ratchet_tree: Option<Vec<u8>>,
    /// The epoch authenticator right after joining (`initial_epoch_authenticator`).
    pub initial_epoch_authenticator: Vec<u8>,
    /// The epochs to process after joining, in order (`epochs`).
    pub epochs: Vec<PassiveEpoch>,
}

fn hex_of(object: &Value, field: &str) -> Result<Vec<u8>, String> {
    let text = object
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("no string field {field:?}"))?;
    hex::decode(text).map_err(|e| format!("field {field:?} is not hex: {e}"))
}

fn array_of<'a>(object: &'a Value, field: &str) -> Result<&'a Vec<Value>, String> {
    object
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("no array field {field:?}"))
}

impl PassiveClientCase {
    /// Decodes one entry of a passive-client JSON file; a missing or malformed field is an
    /// error naming it.
    pub fn from_json(case: &Value) -> Result<Self, String> {
        let cipher_suite = case
            .get("cipher_suite")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok())
            .ok_or("no 16-bit integer field \"cipher_suite\"")?;
        let external_psks = array_of(case, "external_psks")?
            .iter()
            .map(|psk| Ok((hex_of(psk, "psk_id")?, hex_of(psk, "psk")?)))
            .collect::<Result<_, String>>()?;
        let ratchet_tree = match case.get("ratchet_tree") {
            None | Some(Value::Null) => None,
            Some(_) => Some(hex_of(case, "ratchet_tree")?),
        };
        let epochs = array_of(case, "epochs")?
            .iter()
            .enumerate()
            .map(|(e, epoch)| {
                let proposals = array_of(epoch, "proposals")?
                    .iter()
                    .map(|p| {
                        p.as_str()
                            .ok_or_else(|| "a proposal is not a string".to_owned())
                            .and_then(|t| hex::decode(t).map_err(|e| e.to_string()))
                    })
                    .collect::<Result<_, String>>()
                    .map_err(|err| format!("epoch {e}: {err}"))?;
                Ok(PassiveEpoch {
                    proposals,
                    commit: hex_of(epoch, "commit").map_err(|err| format!("epoch {e}: {err}"))?,
                    epoch_authenticator: hex_of(epoch, "epoch_authenticator")
                        .map_err(|err| format!("epoch {e}: {err}"))?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Self {
            cipher_suite,
            external_psks,
            key_package: hex_of(case, "key_package")?,
            signature_priv: hex_of(case, "signature_priv")?,
            encryption_priv: hex_of(case, "encryption_priv")?,
            init_priv: hex_of(case, "init_priv")?,
            welcome: hex_of(case, "welcome")?,
            ratchet_tree,
            initial_epoch_authenticator: hex_of(case, "initial_epoch_authenticator")?,
            epochs,
        })
    }
}

/// Where in the passive-client procedure something went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassiveStep {
    /// The case's cipher suite is unknown or the provider cannot run it.
    CipherSuite,
    /// Creating the in-memory client.
    Client,
    /// Storing one of the case's external PSKs.
    Psk,
    /// Importing the KeyPackage with its private keys.
    Import,
    /// Joining from the Welcome (the step where openmls#2156 shows).
    Join,
    /// The epoch authenticator right after joining.
    Initial,
    /// Processing a proposal of an epoch.
    Proposal {
        /// The epoch's index in [`PassiveClientCase::epochs`], from 0.
        epoch: usize,
        /// The proposal's index in [`PassiveEpoch::proposals`], from 0.
        index: usize,
    },
    /// Processing an epoch's commit.
    Commit {
        /// The epoch's index in [`PassiveClientCase::epochs`], from 0.
        epoch: usize,
    },
    /// The epoch authenticator after the epoch's commit.
    Epoch {
        /// The epoch's index in [`PassiveClientCase::epochs`], from 0.
        epoch: usize,
    },
}

impl fmt::Display for PassiveStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CipherSuite => f.write_str("cipher suite"),
            Self::Client => f.write_str("client"),
            Self::Psk => f.write_str("psk"),
            Self::Import => f.write_str("import"),
            Self::Join => f.write_str("join"),
            Self::Initial => f.write_str("initial"),
            Self::Proposal { epoch, index } => write!(f, "epoch {epoch} proposal {index}"),
            Self::Commit { epoch } => write!(f, "epoch {epoch} commit"),
            Self::Epoch { epoch } => write!(f, "epoch {epoch}"),
        }
    }
}

/// Why a passive-client vector did not go through.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PassiveClientError {
    /// The engine returned an error.
    #[error("{step}: {error}")]
    Engine {
        /// The step that failed.
        step: PassiveStep,
        /// The engine's error.
        error: MlsError,
    },
    /// The epoch authenticator differs from the vector's.
    #[error("{step}: epoch authenticator mismatch")]
    AuthenticatorMismatch {
        /// [`PassiveStep::Initial`] or [`PassiveStep::Epoch`].
        step: PassiveStep,
    },
    /// A commit was processed but did not merge.
    #[error("{step}: unexpected {event}")]
    UnexpectedEvent {
        /// The [`PassiveStep::Commit`] whose message it was.
        step: PassiveStep,
        /// The [`GroupEvent`] processing gave, in `Debug` form.
        event: String,
    },
}

impl PassiveClientError {
    /// The engine error, if the engine returned one.
    pub fn engine_error(&self) -> Option<&MlsError> {
        match self {
            Self::Engine { error, .. } => Some(error),
            _ => None,
        }
    }

    /// True exactly when the join failed because openmls 0.9.2 rejects a leaf with a GREASE
    /// extension (openmls#2156).
    pub fn is_openmls_grease_rejection(&self) -> bool {
        matches!(
            self,
            Self::Engine {
                step: PassiveStep::Join,
                error: MlsError::InvalidWelcome(message),
            } if message == OPENMLS_GREASE_REJECTION
        )
    }
}

/// Runs one passive-client vector through the engine's public API; returns the number of
/// epochs processed (every epoch authenticator matched).
pub fn run_passive_client(case: &PassiveClientCase) -> Result<usize, PassiveClientError> {
    let engine = |step| move |error| PassiveClientError::Engine { step, error };
    // Checked first: decoding the KeyPackage of a suite the provider cannot run fails with a
    // less precise error (its signature cannot be verified).
    CipherSuite::from_id(case.cipher_suite)
        .and_then(|suite| suite.require_supported())
        .map_err(engine(PassiveStep::CipherSuite))?;
    let client = Client::in_memory(b"passive").map_err(engine(PassiveStep::Client))?;
    for (psk_id, psk) in &case.external_psks {
        client
            .store_external_psk(psk_id, psk)
            .map_err(engine(PassiveStep::Psk))?;
    }
    client
        .import_key_package(
            &case.key_package,
            &case.init_priv,
            &case.encryption_priv,
            Some(&case.signature_priv),
        )
        .map_err(engine(PassiveStep::Import))?;
    let options = JoinOptions {
        skip_lifetime_validation: true,
        ..JoinOptions::default()
    };
    let mut group = join_from_welcome(
        &client,
        &case.welcome,
        case.ratchet_tree.as_deref(),
        &options,
    )
    .map_err(engine(PassiveStep::Join))?;
    if group.epoch_authenticator().as_bytes() != case.initial_epoch_authenticator.as_slice() {
        return Err(PassiveClientError::AuthenticatorMismatch {
            step: PassiveStep::Initial,
        });
    }
    for (epoch, vector) in case.epochs.iter().enumerate() {
        for (index, proposal) in vector.proposals.iter().enumerate() {
            group
                .process(proposal)
                .map_err(engine(PassiveStep::Proposal { epoch, index }))?;
        }
        let step = PassiveStep::Commit { epoch };
        match group.process(&vector.commit).map_err(engine(step))? {
            GroupEvent::CommitMerged { .. } => {}
            other => {
                return Err(PassiveClientError::UnexpectedEvent {
                    step,
                    event: format!("{other:?}"),
                })
            }
        }
        if group.epoch_authenticator().as_bytes() != vector.epoch_authenticator.as_slice() {
            return Err(PassiveClientError::AuthenticatorMismatch {
                step: PassiveStep::Epoch { epoch },
            });
        }
    }
    Ok(case.epochs.len())
}
