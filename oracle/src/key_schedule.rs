//! The key schedule (RFC 9420 §8): the epoch chain, pre-shared keys (§8.4), the
//! exporter (§8.5) and the external key pair (§8.3).

use super::codec::Writer;
use super::labeled::{derive_secret, expand_with_label, nh};
use super::structures::{Codec, Extension, GroupContext, PreSharedKeyId, PROTOCOL_VERSION_MLS10};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;
use sonet::secret::SecretBytes;

/// An mls10 GroupContext (§8.1) with the given fields; the structure itself (and its encoding)
/// lives in [`structures`](super::structures).
pub fn group_context(
    cipher_suite: u16,
    group_id: &[u8],
    epoch: u64,
    tree_hash: &[u8],
    confirmed_transcript_hash: &[u8],
    extensions: Vec<Extension>,
) -> GroupContext {
    GroupContext {
        version: PROTOCOL_VERSION_MLS10,
        cipher_suite,
        group_id: group_id.to_vec(),
        epoch,
        tree_hash: tree_hash.to_vec(),
        confirmed_transcript_hash: confirmed_transcript_hash.to_vec(),
        extensions,
    }
}

/// Everything one epoch of the key schedule derives (§8, Table 4), plus the secrets on the way
/// (joiner, welcome) and the next epoch's init_secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochSecrets {
    /// ExpandWithLabel(Extract(`init_secret_[n-1]`, commit_secret), "joiner", `GroupContext_[n]`,
    /// Nh): the secret a Welcome hands to joiners.
    pub joiner_secret: SecretBytes,
    /// DeriveSecret(Extract(joiner_secret, psk_secret), "welcome"): keys a Welcome's
    /// GroupInfo (§12.4.3.1).
    pub welcome_secret: SecretBytes,
    /// ExpandWithLabel(Extract(joiner_secret, psk_secret), "epoch", `GroupContext_[n]`, Nh):
    /// the secret every field below is derived from.
    pub epoch_secret: SecretBytes,
    /// DeriveSecret(epoch_secret, "sender data"): keys PrivateMessage sender data (§6.3.2).
    pub sender_data_secret: SecretBytes,
    /// DeriveSecret(epoch_secret, "encryption"): the secret tree's root (§9).
    pub encryption_secret: SecretBytes,
    /// DeriveSecret(epoch_secret, "exporter"): MLS-Exporter's secret (§8.5).
    pub exporter_secret: SecretBytes,
    /// DeriveSecret(epoch_secret, "external"): seeds the external key pair (§8.3).
    pub external_secret: SecretBytes,
    /// DeriveSecret(epoch_secret, "confirm"): keys the confirmation tag (§6.1).
    pub confirmation_key: SecretBytes,
    /// DeriveSecret(epoch_secret, "membership"): keys PublicMessage membership tags (§6.2).
    pub membership_key: SecretBytes,
    /// DeriveSecret(epoch_secret, "resumption"): this epoch's resumption PSK (§8.6).
    pub resumption_psk: SecretBytes,
    /// DeriveSecret(epoch_secret, "authentication"): equal for members who share a view of
    /// the group (§8.7).
    pub epoch_authenticator: SecretBytes,
    /// `init_secret_[n]`, the next epoch's input.
    pub init_secret: SecretBytes,
}

impl EpochSecrets {
    /// A member's view of epoch n: from `init_secret_[n-1]`, commit_secret (Nh zero bytes if the
    /// commit had no path), psk_secret (Nh zero bytes without PSKs) and the encoded
    /// `GroupContext_[n]`.
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

/// One PSK of a commit (or Welcome), in the order they appear there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PskInput {
    /// The PSK's `PreSharedKeyID`, bound into its `PSKLabel` (§8.4).
    pub id: PreSharedKeyId,
    /// `psk_[i]` (§8.4): the external PSK's value, or the named epoch's `resumption_psk`.
    pub psk: SecretBytes,
}

/// psk_secret (§8.4): the PSKs chained in order, each bound to its ID, index and the count;
/// Nh zero bytes when there are none.
pub fn psk_secret(suite: &SuiteAlgorithms, psks: &[PskInput]) -> Result<SecretBytes> {
    let zero = vec![0u8; suite.hash_len()];
    let count = u16::try_from(psks.len())
        .map_err(|_| OracleError::Invalid(format!("{} PSKs: at most 65535", psks.len())))?;
    let mut secret = SecretBytes::new(zero.clone());
    for (index, input) in (0u16..).zip(psks) {
        let mut label = Writer::new();
        input.id.encode(&mut label);
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
    use crate::structures::Psk;
    use sonet::mls::primitives::suite;

    #[test]
    fn group_context_encodes_in_its_wire_order() {
        let ext = Extension {
            extension_type: 10,
            extension_data: vec![6],
        };
        let gc = group_context(1, b"g", 2, &[3], &[4, 5], vec![ext]);
        assert_eq!(
            gc.to_bytes(),
            [0, 1, 0, 1, 1, b'g', 0, 0, 0, 0, 0, 0, 0, 2, 1, 3, 2, 4, 5, 4, 0, 10, 1, 6]
        );
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
    fn resumption_psks_bind_their_whole_id() {
        let s = suite(1).unwrap();
        let res = |epoch: u64| PskInput {
            id: PreSharedKeyId {
                psk: Psk::Resumption {
                    usage: 1,
                    psk_group_id: vec![9, 9],
                    psk_epoch: epoch,
                },
                psk_nonce: vec![1; 32],
            },
            psk: SecretBytes::new(vec![5; 32]),
        };
        assert_ne!(
            psk_secret(s, &[res(1)]).unwrap(),
            psk_secret(s, &[res(2)]).unwrap()
        );
    }

    #[test]
    fn the_welcome_path_agrees_with_the_member_path() {
        let s = suite(3).unwrap();
        let gc = group_context(3, b"g", 1, &[0; 32], &[0; 32], vec![]).to_bytes();
        let member = EpochSecrets::derive(s, &[1; 32], &[2; 32], &[0; 32], &gc).unwrap();
        let joiner =
            EpochSecrets::from_joiner(s, member.joiner_secret.as_bytes(), &[0; 32], &gc).unwrap();
        assert_eq!(member, joiner);
        let other_gc = group_context(3, b"g", 2, &[0; 32], &[0; 32], vec![]).to_bytes();
        let other = EpochSecrets::derive(s, &[1; 32], &[2; 32], &[0; 32], &other_gc).unwrap();
        assert_ne!(member.epoch_secret, other.epoch_secret);
        assert_ne!(
            member.export(s, b"a", b"c", 16).unwrap(),
            member.export(s, b"b", b"c", 16).unwrap()
        );
    }
}
