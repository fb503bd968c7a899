//! Property tests over every provider: round trips, and that any single bit flip in a
//! ciphertext, signature, public key or message is caught the way the standards prescribe.

use proptest::prelude::*;
use proptest::test_runner::Config;
use sonet::crypto::{
    providers, Kem, KemAlgorithm, PqcError, Signature, SignatureAlgorithm, SignatureFamily,
    SignedMessage, SigningRandomness,
};

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn kems() -> Vec<(&'static str, &'static dyn Kem)> {
    providers()
        .into_iter()
        .flat_map(|p| {
            KemAlgorithm::ALL
                .into_iter()
                .filter_map(move |a| p.kem(a).map(|k| (p.name, k)))
        })
        .collect()
}

/// Signature schemes cheap enough to sign with many times: all lattice sets and the fast
/// 128-bit SLH-DSA sets (the "s" sets take seconds per signature).
fn signers() -> Vec<(&'static str, &'static dyn Signature)> {
    let cheap = |a: &SignatureAlgorithm| match a.family() {
        SignatureFamily::SlhDsa => matches!(
            a,
            SignatureAlgorithm::SlhDsaSha2_128f | SignatureAlgorithm::SlhDsaShake128f
        ),
        _ => true,
    };
    providers()
        .into_iter()
        .flat_map(|p| {
            SignatureAlgorithm::ALL
                .iter()
                .filter(|a| cheap(a))
                .filter_map(move |a| p.signature(*a).map(|s| (p.name, s)))
        })
        .collect()
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let bit = bit % (out.len() * 8);
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

fn signing_randomness(signer: &dyn Signature, seed: &[u8; 32]) -> Vec<u8> {
    match signer.algorithm().slh_dsa_n() {
        Some(n) => seed[..n.min(32)].to_vec(),
        None => seed.to_vec(),
    }
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn kem_round_trip_agrees_on_the_secret(d in any::<[u8; 32]>(), z in any::<[u8; 32]>(), m in any::<[u8; 32]>()) {
        for (provider, kem) in kems() {
            let pair = kem.generate_deterministic(&d, &z).unwrap();
            let sizes = kem.algorithm().sizes();
            prop_assert_eq!(pair.encapsulation_key.len(), sizes.encapsulation_key);
            prop_assert_eq!(pair.decapsulation_key.len(), sizes.decapsulation_key);
            let out = kem.encapsulate_deterministic(&pair.encapsulation_key, &m).unwrap();
            prop_assert_eq!(out.ciphertext.len(), sizes.ciphertext);
            let k = kem.decapsulate(pair.decapsulation_key.as_bytes(), &out.ciphertext).unwrap();
            prop_assert_eq!(k.as_bytes(), out.shared_secret.as_bytes(), "{} {}", provider, kem.algorithm());
        }
    }

    #[test]
    fn a_flipped_ciphertext_bit_yields_a_different_secret(seed in any::<[u8; 64]>(), m in any::<[u8; 32]>(), bit in any::<usize>()) {
        for (provider, kem) in kems() {
            let pair = kem.generate_from_seed(&seed).unwrap();
            let out = kem.encapsulate_deterministic(&pair.encapsulation_key, &m).unwrap();
            // FIPS 203 implicit rejection: a modified ciphertext decapsulates without error to
            // a pseudorandom secret, never to the real one.
            let k = kem.decapsulate(pair.decapsulation_key.as_bytes(), &flip(&out.ciphertext, bit)).unwrap();
            prop_assert_ne!(k.as_bytes(), out.shared_secret.as_bytes(), "{} {}", provider, kem.algorithm());
        }
    }

    #[test]
    fn a_flipped_encapsulation_key_bit_is_rejected_or_yields_a_different_secret(seed in any::<[u8; 64]>(), m in any::<[u8; 32]>(), bit in any::<usize>()) {
        for (provider, kem) in kems() {
            let pair = kem.generate_from_seed(&seed).unwrap();
            let honest = kem.encapsulate_deterministic(&pair.encapsulation_key, &m).unwrap();
            match kem.encapsulate_deterministic(&flip(&pair.encapsulation_key, bit), &m) {
                Err(e) => prop_assert_eq!(e, PqcError::InvalidEncapsulationKey),
                Ok(tampered) => {
                    let k = kem.decapsulate(pair.decapsulation_key.as_bytes(), &tampered.ciphertext).unwrap();
                    prop_assert_ne!(k.as_bytes(), tampered.shared_secret.as_bytes(), "{} {}", provider, kem.algorithm());
                    prop_assert_ne!(tampered.shared_secret.as_bytes(), honest.shared_secret.as_bytes());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(config(6))]

    #[test]
    fn signatures_verify_and_any_flipped_bit_is_rejected(
        seed in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..200),
        context in proptest::collection::vec(any::<u8>(), 0..20),
        rnd in any::<[u8; 32]>(),
        bit in any::<usize>(),
    ) {
        for (provider, signer) in signers() {
            let alg = signer.algorithm();
            let mut keygen_seed = seed.to_vec();
            keygen_seed.resize(alg.sizes().keygen_seed, 0x5a);
            let pair = signer.generate_from_seed(&keygen_seed).unwrap();
            let rnd = signing_randomness(signer, &rnd);
            let signed = SignedMessage::Pure { message: &message, context: &context };
            let signature = signer.sign(pair.secret_key.as_bytes(), signed, SigningRandomness::Hedged(&rnd)).unwrap();
            prop_assert!(signer.verify(&pair.public_key, signed, &signature).is_ok(), "{} {}", provider, alg);

            prop_assert!(signer.verify(&pair.public_key, signed, &flip(&signature, bit)).is_err(),
                "{} {}: flipped signature bit {} accepted", provider, alg, bit);
            prop_assert!(signer.verify(&flip(&pair.public_key, bit), signed, &signature).is_err(),
                "{} {}: flipped public-key bit {} accepted", provider, alg, bit);
            let mut other = message.clone();
            other.push(0);
            let altered = SignedMessage::Pure { message: &flip(&other, bit), context: &context };
            prop_assert!(signer.verify(&pair.public_key, altered, &signature).is_err(),
                "{} {}: altered message accepted", provider, alg);
            let mut other_context = context.clone();
            other_context.push(1);
            let recontext = SignedMessage::Pure { message: &message, context: &other_context };
            prop_assert!(signer.verify(&pair.public_key, recontext, &signature).is_err(),
                "{} {}: other context accepted", provider, alg);
        }
    }
}
