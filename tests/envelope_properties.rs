//! Properties of the hybrid envelope: round trips from 0 B to 1 MiB, any single-bit flip is
//! rejected, the wrong recipient is rejected, and 100,000 envelopes to one key never repeat an
//! encapsulation or a nonce.

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::test_runner::Config;
use sonet::crypto::{providers, SignatureAlgorithm};
use sonet::hybrid::envelope::{self, Envelope, EnvelopeSuite, Sender};

const MIB: usize = 1 << 20;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn any_suite() -> impl Strategy<Value = EnvelopeSuite> {
    prop::sample::select(EnvelopeSuite::ALL.to_vec())
}

/// Lengths across the whole range with the edges (0, 1, exactly 1 MiB) drawn often.
fn payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1usize),
        Just(MIB),
        0usize..=4096,
        0usize..=MIB,
    ]
}

fn sender_keys() -> (Vec<u8>, sonet::crypto::SecretBytes) {
    let signer = providers()[0]
        .signature(SignatureAlgorithm::MlDsa65)
        .expect("ML-DSA-65 is in the default provider");
    let pair = signer.generate_from_seed(&[0x42; 32]).expect("keygen");
    (pair.public_key, pair.secret_key)
}

proptest! {
    #![proptest_config(config(16))]

    #[test]
    fn seal_open_round_trips_from_empty_to_one_mebibyte(
        suite in any_suite(),
        len in payload_len(),
        fill in any::<u8>(),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
        ikm in any::<[u8; 32]>(),
    ) {
        let (sk, pk) = envelope::derive_recipient_key(suite, &ikm);
        let plaintext = vec![fill; len];
        let sealed = envelope::seal(suite, &pk, &plaintext, &aad, None).unwrap();
        let bytes = sealed.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), envelope::HEADER_LEN + suite.enc_len() + len + 16);
        prop_assert_eq!(envelope::open_bytes(sk.as_bytes(), &bytes, &aad, None).unwrap(), plaintext);
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn any_single_bit_flip_is_rejected(
        suite in any_suite(),
        signed in any::<bool>(),
        len in 0usize..300,
        bit in any::<usize>(),
        ikm in any::<[u8; 32]>(),
    ) {
        let (sk, pk) = envelope::derive_recipient_key(suite, &ikm);
        let (sender_pk, sender_sk) = sender_keys();
        let sender = signed.then(|| Sender { secret_key: sender_sk.as_bytes(), rnd: None });
        let plaintext = vec![0x5a; len];
        let bytes = envelope::seal(suite, &pk, &plaintext, b"aad", sender).unwrap().to_bytes().unwrap();
        let expected_sender = signed.then_some(sender_pk.as_slice());
        prop_assert!(envelope::open_bytes(sk.as_bytes(), &bytes, b"aad", expected_sender).is_ok());

        let mut tampered = bytes.clone();
        let bit = bit % (tampered.len() * 8);
        tampered[bit / 8] ^= 1 << (bit % 8);
        let result = envelope::open_bytes(sk.as_bytes(), &tampered, b"aad", expected_sender);
        prop_assert!(result.is_err(), "bit {} of {} accepted", bit, tampered.len() * 8);
    }

    #[test]
    fn the_wrong_recipient_is_rejected(
        suite in any_suite(),
        ikm in any::<[u8; 32]>(),
        other in any::<[u8; 32]>(),
    ) {
        prop_assume!(ikm != other);
        let (_, pk) = envelope::derive_recipient_key(suite, &ikm);
        let (wrong_sk, _) = envelope::derive_recipient_key(suite, &other);
        let sealed = envelope::seal(suite, &pk, b"for someone else", b"", None).unwrap();
        prop_assert_eq!(
            envelope::open(wrong_sk.as_bytes(), &sealed, b"", None),
            Err(envelope::EnvelopeError::AuthenticationFailed)
        );
    }
}

/// 100,000 envelopes to one recipient: every encapsulation and every AEAD nonce differs. The
/// nonce is recomputed from the recipient's side with Sonet's own RFC 9180 key schedule, and each
/// recomputed key and nonce is checked to decrypt its envelope, so the nonces counted are the
/// ones actually used.
#[test]
fn a_hundred_thousand_envelopes_repeat_no_encapsulation_and_no_nonce() {
    const COUNT: usize = 100_000;
    let suite = EnvelopeSuite::default();
    let (sk, pk) = envelope::derive_recipient_key(suite, &[7u8; 32]);
    let aead = providers()[0]
        .aead(sonet::crypto::aead::AeadAlgorithm::Aes256Gcm)
        .expect("AES-256-GCM");
    let mut encapsulations = HashSet::with_capacity(COUNT);
    let mut nonces = HashSet::with_capacity(COUNT);
    for index in 0..COUNT {
        let plaintext = (index as u64).to_be_bytes();
        let sealed: Envelope = envelope::seal(suite, &pk, &plaintext, b"", None).unwrap();
        let keys = envelope::recompute_keys(sk.as_bytes(), &sealed).unwrap();
        // The caller's aad is empty, so the AEAD's associated data is the header alone.
        let opened = aead
            .open(
                keys.key.as_bytes(),
                &keys.nonce,
                &sealed.header().unwrap(),
                &sealed.ciphertext,
            )
            .unwrap();
        assert_eq!(opened, plaintext);
        assert!(
            encapsulations.insert(sealed.enc),
            "encapsulation repeated at {index}"
        );
        assert!(nonces.insert(keys.nonce), "nonce repeated at {index}");
    }
    assert_eq!(encapsulations.len(), COUNT);
    assert_eq!(nonces.len(), COUNT);
}
