//! The key schedule (RFC 9420 §8): GroupContext, the epoch chain, pre-shared keys (§8.4), the
//! exporter (§8.5) and the external key pair (§8.3).

use super::codec::{Reader, Writer};
use super::labeled::{derive_secret, expand_with_label, nh};
use super::{ReferenceError, Result};
use crate::mls::primitives::SuiteAlgorithms;
use crate::secret::SecretBytes;

/// ProtocolVersion mls10 (§6).
pub const MLS10: u16 = 1;

/// GroupContext (§8.1). Extensions are kept as `(extension_type, extension_data)` pairs: the key
/// schedule only ever needs their encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupContext {
    pub version: u16,
    pub cipher_suite: u16,
    pub group_id: Vec<u8>,
    pub epoch: u64,
    pub tree_hash: Vec<u8>,
    pub confirmed_transcript_hash: Vec<u8>,
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl GroupContext {
    /// An mls10 GroupContext.
    pub fn new(
        cipher_suite: u16,
        group_id: &[u8],
        epoch: u64,
        tree_hash: &[u8],
        confirmed_transcript_hash: &[u8],
        extensions: Vec<(u16, Vec<u8>)>,
    ) -> Self {
        Self {
            version: MLS10,
            cipher_suite,
            group_id: group_id.to_vec(),
            epoch,
            tree_hash: tree_hash.to_vec(),
            confirmed_transcript_hash: confirmed_transcript_hash.to_vec(),
            extensions,
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.u16(self.version)
            .u16(self.cipher_suite)
            .opaque(&self.group_id)
            .u64(self.epoch)
            .opaque(&self.tree_hash)
            .opaque(&self.confirmed_transcript_hash)
            .vector(&self.extensions, |w, (t, data)| {
                w.u16(*t).opaque(data);
            });
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write(&mut w);
        w.into_bytes()
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            version: r.u16("GroupContext.version")?,
            cipher_suite: r.u16("GroupContext.cipher_suite")?,
            group_id: r.opaque("GroupContext.group_id")?.to_vec(),
            epoch: r.u64("GroupContext.epoch")?,
            tree_hash: r.opaque("GroupContext.tree_hash")?.to_vec(),
            confirmed_transcript_hash: r.opaque("GroupContext.confirmed_transcript_hash")?.to_vec(),
            extensions: r.vector("GroupContext.extensions", |r| {
                Ok((
                    r.u16("Extension.extension_type")?,
                    r.opaque("Extension.extension_data")?.to_vec(),
                ))
            })?,
        })
    }

    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let gc = Self::read(&mut r)?;
        r.finish("GroupContext")?;
        Ok(gc)
    }
}

/// Everything one epoch of the key schedule derives (§8, Table 4), plus the secrets on the way
/// (joiner, welcome) and the next epoch's init_secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochSecrets {
    pub joiner_secret: SecretBytes,
    pub welcome_secret: SecretBytes,
    pub epoch_secret: SecretBytes,
    pub sender_data_secret: SecretBytes,
    pub encryption_secret: SecretBytes,
    pub exporter_secret: SecretBytes,
    pub external_secret: SecretBytes,
    pub confirmation_key: SecretBytes,
    pub membership_key: SecretBytes,
    pub resumption_psk: SecretBytes,
    pub epoch_authenticator: SecretBytes,
    /// init_secret_[n], the next epoch's input.
    pub init_secret: SecretBytes,
}

impl EpochSecrets {
    /// A member's view of epoch n: from init_secret_[n-1], commit_secret (Nh zero bytes if the
    /// commit had no path), psk_secret (Nh zero bytes without PSKs) and the encoded
    /// GroupContext_[n].
    pub fn derive(
        suite: &SuiteAlgorithms,
        init_secret: &[u8],
        commit_secret: &[u8],
        psk_secret: &[u8],
        group_context: &[u8],
    ) -> Result<Self> {
        // HKDF-Extract(salt = init_secret_[n-1], IKM = commit_secret).
        let prk = suite.extract(init_secret, commit_secret)?;
        let joiner = expand_with_label(suite, prk.as_bytes(), b"joiner", group_context, nh(suite))?;
        Self::from_joiner(suite, joiner.as_bytes(), psk_secret, group_context)
    }

    /// A joiner's view (§12.4.3.1): the schedule from joiner_secret on, as a Welcome gives it.
    pub fn from_joiner(
        suite: &SuiteAlgorithms,
        joiner_secret: &[u8],
        psk_secret: &[u8],
        group_context: &[u8],
    ) -> Result<Self> {
        let member = suite.extract(joiner_secret, psk_secret)?;
        let member = member.as_bytes();
        let welcome_secret = derive_secret(suite, member, b"welcome")?;
        let epoch_secret = expand_with_label(suite, member, b"epoch", group_context, nh(suite))?;
        let e = epoch_secret.as_bytes();
        Ok(Self {
            joiner_secret: SecretBytes::from(joiner_secret),
            welcome_secret,
            sender_data_secret: derive_secret(suite, e, b"sender data")?,
            encryption_secret: derive_secret(suite, e, b"encryption")?,
            exporter_secret: derive_secret(suite, e, b"exporter")?,
            external_secret: derive_secret(suite, e, b"external")?,
            confirmation_key: derive_secret(suite, e, b"confirm")?,
            membership_key: derive_secret(suite, e, b"membership")?,
            resumption_psk: derive_secret(suite, e, b"resumption")?,
            epoch_authenticator: derive_secret(suite, e, b"authentication")?,
            init_secret: derive_secret(suite, e, b"init")?,
            epoch_secret,
        })
    }

    /// The external key pair (§8.3): DeriveKeyPair(external_secret), `(private, public)`.
    pub fn external_key_pair(&self, suite: &SuiteAlgorithms) -> (SecretBytes, Vec<u8>) {
        suite.derive_hpke_key_pair(self.external_secret.as_bytes())
    }

    /// MLS-Exporter with this epoch's exporter_secret.
    pub fn export(
        &self,
        suite: &SuiteAlgorithms,
        label: &[u8],
        context: &[u8],
        length: u16,
    ) -> Result<SecretBytes> {
        mls_exporter(
            suite,
            self.exporter_secret.as_bytes(),
            label,
            context,
            length,
        )
    }
}

/// MLS-Exporter(Label, Context, Length) =
/// ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length) (§8.5).
pub fn mls_exporter(
    suite: &SuiteAlgorithms,
    exporter_secret: &[u8],
    label: &[u8],
    context: &[u8],
    length: u16,
) -> Result<SecretBytes> {
    let secret = derive_secret(suite, exporter_secret, label)?;
    expand_with_label(
        suite,
        secret.as_bytes(),
        b"exported",
        &suite.hash(context),
        length,
    )
}

/// ResumptionPSKUsage (§8.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumptionPskUsage {
    Application,
    Reinit,
    Branch,
}

impl ResumptionPskUsage {
    fn code(self) -> u8 {
        match self {
            Self::Application => 1,
            Self::Reinit => 2,
            Self::Branch => 3,
        }
    }

    fn from_code(code: u8) -> Result<Self> {
        match code {
            1 => Ok(Self::Application),
            2 => Ok(Self::Reinit),
            3 => Ok(Self::Branch),
            other => Err(ReferenceError::Decode {
                what: "ResumptionPSKUsage",
                reason: format!("unknown or reserved value {other}"),
            }),
        }
    }
}

/// The `psktype`-selected part of a PreSharedKeyID (§8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Psk {
    External {
        psk_id: Vec<u8>,
    },
    Resumption {
        usage: ResumptionPskUsage,
        psk_group_id: Vec<u8>,
        psk_epoch: u64,
    },
}

/// PreSharedKeyID (§8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreSharedKeyId {
    pub psk: Psk,
    pub psk_nonce: Vec<u8>,
}

impl PreSharedKeyId {
    pub fn write(&self, w: &mut Writer) {
        match &self.psk {
            Psk::External { psk_id } => {
                w.u8(1).opaque(psk_id);
            }
            Psk::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                w.u8(2)
                    .u8(usage.code())
                    .opaque(psk_group_id)
                    .u64(*psk_epoch);
            }
        }
        w.opaque(&self.psk_nonce);
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Self> {
        let psk = match r.u8("PreSharedKeyID.psktype")? {
            1 => Psk::External {
                psk_id: r.opaque("PreSharedKeyID.psk_id")?.to_vec(),
            },
            2 => Psk::Resumption {
                usage: ResumptionPskUsage::from_code(r.u8("PreSharedKeyID.usage")?)?,
                psk_group_id: r.opaque("PreSharedKeyID.psk_group_id")?.to_vec(),
                psk_epoch: r.u64("PreSharedKeyID.psk_epoch")?,
            },
            other => {
                return Err(ReferenceError::Decode {
                    what: "PreSharedKeyID.psktype",
                    reason: format!("unknown or reserved PSKType {other}"),
                })
            }
        };
        Ok(Self {
            psk,
            psk_nonce: r.opaque("PreSharedKeyID.psk_nonce")?.to_vec(),
        })
    }
}

/// One PSK of a commit (or Welcome), in the order they appear there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskInput {
    pub id: PreSharedKeyId,
    pub psk: SecretBytes,
}

/// psk_secret (§8.4): the PSKs chained in order, each bound to its ID, index and the count;
/// Nh zero bytes when there are none.
pub fn psk_secret(suite: &SuiteAlgorithms, psks: &[PskInput]) -> Result<SecretBytes> {
    let zero = vec![0u8; suite.hash_len()];
    let count = u16::try_from(psks.len())
        .map_err(|_| ReferenceError::Invalid(format!("{} PSKs: at most 65535", psks.len())))?;
    let mut secret = SecretBytes::new(zero.clone());
    for (index, input) in (0u16..).zip(psks) {
        let mut label = Writer::new();
        input.id.write(&mut label);
        label.u16(index).u16(count);
        // psk_extracted_[i] = Extract(salt = 0, IKM = psk_[i]).
        let extracted = suite.extract(&zero, input.psk.as_bytes())?;
        let psk_input = expand_with_label(
            suite,
            extracted.as_bytes(),
            b"derived psk",
            label.as_bytes(),
            nh(suite),
        )?;
        // psk_secret_[i] = Extract(salt = psk_input_[i-1], IKM = psk_secret_[i-1]).
        secret = suite.extract(psk_input.as_bytes(), secret.as_bytes())?;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mls::primitives::suite;

    #[test]
    fn group_context_round_trips_in_its_wire_order() {
        let gc = GroupContext::new(1, b"g", 2, &[3], &[4, 5], vec![(10, vec![6])]);
        let bytes = gc.encode();
        assert_eq!(
            bytes,
            [0, 1, 0, 1, 1, b'g', 0, 0, 0, 0, 0, 0, 0, 2, 1, 3, 2, 4, 5, 4, 0, 10, 1, 6]
        );
        assert_eq!(GroupContext::decode(&bytes).unwrap(), gc);
        assert!(GroupContext::decode(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn no_psks_give_a_zero_psk_secret_and_order_matters() {
        let s = suite(1).unwrap();
        assert_eq!(psk_secret(s, &[]).unwrap().as_bytes(), &[0u8; 32]);
        let ext = |id: u8| PskInput {
            id: PreSharedKeyId {
                psk: Psk::External { psk_id: vec![id] },
                psk_nonce: vec![0; 32],
            },
            psk: SecretBytes::new(vec![id; 32]),
        };
        let ab = psk_secret(s, &[ext(1), ext(2)]).unwrap();
        let ba = psk_secret(s, &[ext(2), ext(1)]).unwrap();
        assert_ne!(ab, ba);
        assert_ne!(ab.as_bytes(), &[0u8; 32]);
    }

    #[test]
    fn resumption_psk_ids_round_trip_and_bad_types_are_refused() {
        let id = PreSharedKeyId {
            psk: Psk::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: vec![9, 9],
                psk_epoch: 7,
            },
            psk_nonce: vec![1],
        };
        let mut w = Writer::new();
        id.write(&mut w);
        let bytes = w.into_bytes();
        assert_eq!(bytes, [2, 3, 2, 9, 9, 0, 0, 0, 0, 0, 0, 0, 7, 1, 1]);
        let mut r = Reader::new(&bytes);
        assert_eq!(PreSharedKeyId::read(&mut r).unwrap(), id);
        assert!(PreSharedKeyId::read(&mut Reader::new(&[0, 0])).is_err());
        assert!(PreSharedKeyId::read(&mut Reader::new(&[2, 0, 0])).is_err());
    }

    #[test]
    fn the_welcome_path_agrees_with_the_member_path() {
        let s = suite(3).unwrap();
        let gc = GroupContext::new(3, b"g", 1, &[0; 32], &[0; 32], vec![]).encode();
        let member = EpochSecrets::derive(s, &[1; 32], &[2; 32], &[0; 32], &gc).unwrap();
        let joiner =
            EpochSecrets::from_joiner(s, member.joiner_secret.as_bytes(), &[0; 32], &gc).unwrap();
        assert_eq!(member, joiner);
        let other_gc = GroupContext::new(3, b"g", 2, &[0; 32], &[0; 32], vec![]).encode();
        let other = EpochSecrets::derive(s, &[1; 32], &[2; 32], &[0; 32], &other_gc).unwrap();
        assert_ne!(member.epoch_secret, other.epoch_secret);
        assert_ne!(
            member.export(s, b"a", b"c", 16).unwrap(),
            member.export(s, b"b", b"c", 16).unwrap()
        );
    }
}
