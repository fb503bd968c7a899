//! Transcript hashes and the confirmation tag (RFC 9420 §8.2, §6.1).

use super::codec::Writer;
use super::structures::{AuthenticatedContent, Codec, Content, FramedContent};
use super::{OracleError, Result};
use sonet::mls::primitives::SuiteAlgorithms;

/// The two transcript hashes after a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// `confirmed_transcript_hash_[epoch]`: covers the commit up to its signature; goes into
    /// the new GroupContext.
    pub confirmed_transcript_hash: Vec<u8>,
    /// `interim_transcript_hash_[epoch]`: the confirmed hash with the commit's confirmation
    /// tag; the next commit's starting point.
    pub interim_transcript_hash: Vec<u8>,
}

/// `confirmed_transcript_hash_[epoch]` =
/// Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput), where the input is
/// `{ WireFormat wire_format; FramedContent content; opaque signature<V>; }`.
pub fn confirmed_transcript_hash(
    suite: &SuiteAlgorithms,
    interim_before: &[u8],
    wire_format: u16,
    content: &FramedContent,
    signature: &[u8],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(interim_before).u16(wire_format);
    content.encode(&mut w);
    w.opaque(signature);
    suite.hash(w.as_bytes())
}

/// `interim_transcript_hash_[epoch]` =
/// Hash(`confirmed_transcript_hash_[epoch]` || InterimTranscriptHashInput), the input being
/// `{ MAC confirmation_tag; }` with `MAC` an `opaque<V>`.
pub fn interim_transcript_hash(
    suite: &SuiteAlgorithms,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Vec<u8> {
    let mut w = Writer::new();
    w.raw(confirmed).opaque(confirmation_tag);
    suite.hash(w.as_bytes())
}

/// confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash) (§6.1).
pub fn confirmation_tag(
    suite: &SuiteAlgorithms,
    confirmation_key: &[u8],
    confirmed: &[u8],
) -> Vec<u8> {
    suite.mac(confirmation_key, confirmed)
}

/// Both hashes after the commit `commit` (an AuthenticatedContent carrying a Commit and its
/// confirmation tag), from the interim hash before it.
pub fn after_commit(
    suite: &SuiteAlgorithms,
    interim_before: &[u8],
    commit: &AuthenticatedContent,
) -> Result<Transcript> {
    if !matches!(commit.content.content, Content::Commit(_)) {
        return Err(OracleError::Invalid(
            "only a commit updates the transcript hashes".into(),
        ));
    }
    let tag = commit
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or_else(|| OracleError::Invalid("commit without a confirmation tag".into()))?;
    let confirmed = confirmed_transcript_hash(
        suite,
        interim_before,
        commit.wire_format,
        &commit.content,
        &commit.auth.signature,
    );
    Ok(Transcript {
        interim_transcript_hash: interim_transcript_hash(suite, &confirmed, tag),
        confirmed_transcript_hash: confirmed,
    })
}

/// Checks a commit's confirmation tag against the confirmed transcript hash it produced.
pub fn verify_confirmation_tag(
    suite: &SuiteAlgorithms,
    confirmation_key: &[u8],
    confirmed: &[u8],
    tag: &[u8],
) -> Result<()> {
    // The oracle sees only test and differential data, so a plain comparison (not constant time)
    // is enough here.
    if confirmation_tag(suite, confirmation_key, confirmed) == tag {
        Ok(())
    } else {
        Err(OracleError::Invalid(
            "confirmation tag does not verify".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structures::{Commit, FramedContentAuthData, Sender, WIRE_FORMAT_PUBLIC_MESSAGE};
    use sonet::mls::primitives::suite;

    fn commit(tag: Option<Vec<u8>>) -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: WIRE_FORMAT_PUBLIC_MESSAGE,
            content: FramedContent {
                group_id: b"g".to_vec(),
                epoch: 4,
                sender: Sender::Member(1),
                authenticated_data: vec![],
                content: Content::Commit(Commit {
                    proposals: vec![],
                    path: None,
                }),
            },
            auth: FramedContentAuthData {
                signature: vec![7; 64],
                confirmation_tag: tag,
            },
        }
    }

    #[test]
    fn the_interim_hash_chains_the_confirmation_tag_onto_the_confirmed_hash() {
        let s = suite(1).unwrap();
        let key = [2u8; 32];
        let mut ac = commit(None);
        let confirmed =
            confirmed_transcript_hash(s, &[1; 32], ac.wire_format, &ac.content, &ac.auth.signature);
        let tag = confirmation_tag(s, &key, &confirmed);
        ac.auth.confirmation_tag = Some(tag.clone());
        let t = after_commit(s, &[1; 32], &ac).unwrap();
        assert_eq!(t.confirmed_transcript_hash, confirmed);
        assert_eq!(
            t.interim_transcript_hash,
            interim_transcript_hash(s, &confirmed, &tag)
        );
        // The confirmed hash covers the signature but not the tag.
        assert_ne!(
            after_commit(s, &[0; 32], &ac)
                .unwrap()
                .confirmed_transcript_hash,
            confirmed
        );
        verify_confirmation_tag(s, &key, &confirmed, &tag).unwrap();
        assert!(verify_confirmation_tag(s, &[3; 32], &confirmed, &tag).is_err());
        assert!(after_commit(s, &[1; 32], &commit(None)).is_err());
    }
}
