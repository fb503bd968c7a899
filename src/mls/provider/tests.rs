//! [`SonetCrypto`] on its own (support derived from the primitives, bad input is an error) and
//! against openmls' RustCrypto provider, byte for byte, on every suite both run — the only
//! independent check the draft suites have, as they have no upstream vectors.

use openmls_rust_crypto::RustCrypto;
use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::random::OpenMlsRand;
use openmls_traits::types::{
    AeadType, Ciphersuite, CryptoError, HashType, HpkeCiphertext, SignatureScheme,
};

use super::*;

/// Every cipher suite openmls (with the draft PQ feature) can name.
fn every_openmls_suite() -> Vec<Ciphersuite> {
    (0..=u16::MAX)
        .filter_map(|id| Ciphersuite::try_from(id).ok())
        .collect()
}

#[test]
fn supports_agrees_with_supported_ciphersuites_and_the_primitives_table() {
    let supported = SonetCrypto.supported_ciphersuites();
    for suite in every_openmls_suite() {
        assert_eq!(
            SonetCrypto.supports(suite).is_ok(),
            supported.contains(&suite),
            "{suite:?}"
        );
        // Whatever openmls names, the primitives table has, so all of it runs.
        assert!(supported.contains(&suite), "{suite:?} is not supported");
    }
    let ids: Vec<u16> = supported.iter().map(|s| u16::from(*s)).collect();
    let table: Vec<u16> = primitives::SUITES.iter().map(|s| s.id).collect();
    assert_eq!(ids, table);
    assert_eq!(
        SonetCrypto.supports(Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519),
        Ok(())
    );
}

#[test]
fn randomness_has_the_requested_length_and_varies() {
    let a: [u8; 32] = SonetCrypto.random_array().unwrap();
    let b: [u8; 32] = SonetCrypto.random_array().unwrap();
    assert_ne!(a, b);
    assert_eq!(SonetCrypto.random_vec(77).unwrap().len(), 77);
    assert!(SonetCrypto.random_vec(0).unwrap().is_empty());
}

/// Input keying material of at least Nsk bytes for every KEM (ML-KEM's 64-byte seed is the
/// longest).
fn ikm(byte: u8) -> Vec<u8> {
    vec![byte; 64]
}

#[test]
fn hpke_and_export_round_trip_in_every_suite() {
    for suite in every_openmls_suite() {
        let config = || suite.hpke_config();
        let pair = SonetCrypto.derive_hpke_keypair(config(), &ikm(1)).unwrap();
        let sealed = SonetCrypto
            .hpke_seal(config(), &pair.public, b"info", b"aad", b"plaintext")
            .unwrap();
        assert_eq!(
            SonetCrypto
                .hpke_open(config(), &sealed, &pair.private, b"info", b"aad")
                .unwrap(),
            b"plaintext"
        );
        assert_eq!(
            SonetCrypto.hpke_open(config(), &sealed, &pair.private, b"info", b"aae"),
            Err(CryptoError::HpkeDecryptionError),
            "{suite:?}"
        );
        let (enc, exported) = SonetCrypto
            .hpke_setup_sender_and_export(config(), &pair.public, b"info", b"ctx", 32)
            .unwrap();
        let received = SonetCrypto
            .hpke_setup_receiver_and_export(config(), &enc, &pair.private, b"info", b"ctx", 32)
            .unwrap();
        assert_eq!(&*exported, &*received, "{suite:?}");
        // DeriveKeyPair is deterministic, and other input gives another key.
        let again = SonetCrypto.derive_hpke_keypair(config(), &ikm(1)).unwrap();
        assert_eq!(again.public, pair.public);
        let other = SonetCrypto.derive_hpke_keypair(config(), &ikm(2)).unwrap();
        assert_ne!(other.public, pair.public);
    }
}

#[test]
fn bad_keys_ciphertexts_and_lengths_are_errors_not_panics() {
    for suite in every_openmls_suite() {
        let config = || suite.hpke_config();
        let pair = SonetCrypto.derive_hpke_keypair(config(), &ikm(3)).unwrap();
        let sealed = SonetCrypto
            .hpke_seal(config(), &pair.public, b"", b"", b"x")
            .unwrap();
        for bad_public in [&[][..], &[0u8; 5][..], &pair.public[1..]] {
            assert!(
                SonetCrypto
                    .hpke_seal(config(), bad_public, b"", b"", b"x")
                    .is_err(),
                "{suite:?}"
            );
            assert!(SonetCrypto
                .hpke_setup_sender_and_export(config(), bad_public, b"", b"", 32)
                .is_err());
        }
        let mut long_enc = sealed.kem_output.as_slice().to_vec();
        long_enc.push(0);
        for bad_enc in [&[][..], &sealed.kem_output.as_slice()[1..], &long_enc[..]] {
            let input = HpkeCiphertext {
                kem_output: bad_enc.to_vec().into(),
                ciphertext: sealed.ciphertext.clone(),
            };
            assert_eq!(
                SonetCrypto.hpke_open(config(), &input, &pair.private, b"", b""),
                Err(CryptoError::HpkeDecryptionError),
                "{suite:?}"
            );
            assert_eq!(
                SonetCrypto
                    .hpke_setup_receiver_and_export(config(), bad_enc, &pair.private, b"", b"", 8)
                    .map(drop),
                Err(CryptoError::ReceiverSetupError)
            );
        }
        // (Not without its first byte: a NIST scalar starting with a zero byte would be the
        // same key, which is accepted.)
        let short_private = &pair.private[..pair.private.len() - 1];
        for bad_private in [&[][..], short_private, &[0xFF; 200][..]] {
            assert_eq!(
                SonetCrypto.hpke_open(config(), &sealed, bad_private, b"", b""),
                Err(CryptoError::HpkeDecryptionError),
                "{suite:?}"
            );
        }
        let truncated = HpkeCiphertext {
            kem_output: sealed.kem_output.clone(),
            ciphertext: sealed.ciphertext.as_slice()[..4].to_vec().into(),
        };
        assert_eq!(
            SonetCrypto.hpke_open(config(), &truncated, &pair.private, b"", b""),
            Err(CryptoError::HpkeDecryptionError)
        );
        let too_long = 255 * suite.hash_length() + 1;
        assert_eq!(
            SonetCrypto
                .hpke_setup_sender_and_export(config(), &pair.public, b"", b"", too_long)
                .map(drop),
            Err(CryptoError::ExporterError)
        );

        // Signatures: keys and signatures of the wrong shape.
        let scheme = suite.signature_algorithm();
        let (private, public) = SonetCrypto.signature_key_gen(scheme).unwrap();
        let signature = SonetCrypto.sign(scheme, b"data", &private).unwrap();
        SonetCrypto
            .verify_signature(scheme, b"data", &public, &signature)
            .unwrap();
        for bad_signature in [&[][..], &signature[1..], &[0u8; 8][..]] {
            assert_eq!(
                SonetCrypto.verify_signature(scheme, b"data", &public, bad_signature),
                Err(CryptoError::InvalidSignature),
                "{suite:?}"
            );
        }
        for bad_public in [&[][..], &public[1..]] {
            assert_eq!(
                SonetCrypto.verify_signature(scheme, b"data", bad_public, &signature),
                Err(CryptoError::InvalidPublicKey),
                "{suite:?}"
            );
        }
        // (A shorter ECDSA scalar is the same integer, padded, so only these two are malformed
        // in every scheme.)
        let mut long_private = private.clone();
        long_private.push(1);
        for bad_private in [&[][..], &long_private[..]] {
            assert!(
                SonetCrypto.sign(scheme, b"data", bad_private).is_err(),
                "{suite:?}"
            );
        }
    }

    // AEAD and KDF preconditions.
    for alg in [
        AeadType::Aes128Gcm,
        AeadType::Aes256Gcm,
        AeadType::ChaCha20Poly1305,
    ] {
        let key = vec![7; alg.key_size()];
        let nonce = vec![9; alg.nonce_size()];
        let sealed = SonetCrypto
            .aead_encrypt(alg, &key, b"pt", &nonce, b"aad")
            .unwrap();
        assert_eq!(
            SonetCrypto
                .aead_decrypt(alg, &key, &sealed, &nonce, b"aad")
                .unwrap(),
            b"pt"
        );
        assert_eq!(
            SonetCrypto.aead_decrypt(alg, &key, &sealed, &nonce, b"aae"),
            Err(CryptoError::AeadDecryptionError)
        );
        assert_eq!(
            SonetCrypto.aead_decrypt(alg, &key, &sealed[..3], &nonce, b"aad"),
            Err(CryptoError::AeadDecryptionError)
        );
        assert_eq!(
            SonetCrypto.aead_encrypt(alg, &key[1..], b"pt", &nonce, b""),
            Err(CryptoError::InvalidLength)
        );
        assert_eq!(
            SonetCrypto.aead_decrypt(alg, &key, &sealed, &nonce[1..], b"aad"),
            Err(CryptoError::InvalidLength)
        );
    }
    for hash in [HashType::Sha2_256, HashType::Sha2_384, HashType::Sha2_512] {
        let prk = vec![1; hash.size()];
        assert_eq!(
            SonetCrypto
                .hkdf_expand(hash, &prk, b"", 255 * hash.size())
                .unwrap()
                .as_slice()
                .len(),
            255 * hash.size()
        );
        assert_eq!(
            SonetCrypto.hkdf_expand(hash, &prk, b"", 255 * hash.size() + 1),
            Err(CryptoError::HkdfOutputLengthInvalid)
        );
        assert_eq!(
            SonetCrypto.hkdf_expand(hash, &prk[1..], b"", 16),
            Err(CryptoError::HkdfOutputLengthInvalid)
        );
    }
}

/// The suites openmls' RustCrypto provider runs (1–3 and most draft suites): there the two
/// providers must be interchangeable.
fn shared_suites() -> Vec<Ciphersuite> {
    let rust = RustCrypto::default();
    every_openmls_suite()
        .into_iter()
        .filter(|s| rust.supports(*s).is_ok())
        .collect()
}

#[test]
fn agrees_with_openmls_rust_crypto_on_every_shared_suite() {
    let rust = RustCrypto::default();
    let shared = shared_suites();
    // What openmls_rust_crypto 0.6 runs; if it gains or loses suites, look at the list again.
    assert_eq!(shared.len(), 12, "{shared:?}");
    for suite in shared {
        let config = || suite.hpke_config();
        let hash = suite.hash_algorithm();

        assert_eq!(
            SonetCrypto.hash(hash, b"abc").unwrap(),
            rust.hash(hash, b"abc").unwrap()
        );
        assert_eq!(
            SonetCrypto.hmac(hash, b"key", b"msg").unwrap().as_slice(),
            rust.hmac(hash, b"key", b"msg").unwrap().as_slice()
        );
        let prk = SonetCrypto.hkdf_extract(hash, b"salt", b"ikm").unwrap();
        assert_eq!(
            prk.as_slice(),
            rust.hkdf_extract(hash, b"salt", b"ikm").unwrap().as_slice()
        );
        assert_eq!(
            SonetCrypto
                .hkdf_expand(hash, prk.as_slice(), b"info", 100)
                .unwrap()
                .as_slice(),
            rust.hkdf_expand(hash, prk.as_slice(), b"info", 100)
                .unwrap()
                .as_slice()
        );
        let aead = suite.aead_algorithm();
        let key = vec![3; aead.key_size()];
        let nonce = vec![4; aead.nonce_size()];
        assert_eq!(
            SonetCrypto
                .aead_encrypt(aead, &key, b"data", &nonce, b"aad")
                .unwrap(),
            rust.aead_encrypt(aead, &key, b"data", &nonce, b"aad")
                .unwrap()
        );

        // DeriveKeyPair: the same public key from the same input. (Private keys may be encoded
        // differently; each provider only ever opens with its own.)
        let ours = SonetCrypto.derive_hpke_keypair(config(), &ikm(5)).unwrap();
        let theirs = rust.derive_hpke_keypair(config(), &ikm(5)).unwrap();
        assert_eq!(ours.public, theirs.public, "{suite:?}: DeriveKeyPair");

        // HPKE across the providers, both ways, and the external-init export.
        let sealed = SonetCrypto
            .hpke_seal(config(), &ours.public, b"info", b"aad", b"to rust")
            .unwrap();
        assert_eq!(
            rust.hpke_open(config(), &sealed, &theirs.private, b"info", b"aad")
                .unwrap(),
            b"to rust",
            "{suite:?}"
        );
        let sealed = rust
            .hpke_seal(config(), &theirs.public, b"info", b"aad", b"to sonet")
            .unwrap();
        assert_eq!(
            SonetCrypto
                .hpke_open(config(), &sealed, &ours.private, b"info", b"aad")
                .unwrap(),
            b"to sonet",
            "{suite:?}"
        );
        let (enc, exported) = SonetCrypto
            .hpke_setup_sender_and_export(config(), &ours.public, b"info", b"ctx", 48)
            .unwrap();
        let received = rust
            .hpke_setup_receiver_and_export(config(), &enc, &theirs.private, b"info", b"ctx", 48)
            .unwrap();
        assert_eq!(&*exported, &*received, "{suite:?}: export");
        let (enc, exported) = rust
            .hpke_setup_sender_and_export(config(), &theirs.public, b"info", b"ctx", 48)
            .unwrap();
        let received = SonetCrypto
            .hpke_setup_receiver_and_export(config(), &enc, &ours.private, b"info", b"ctx", 48)
            .unwrap();
        assert_eq!(&*exported, &*received, "{suite:?}: export");

        // Signatures verify across the providers, both ways.
        let scheme = suite.signature_algorithm();
        let (private, public) = SonetCrypto.signature_key_gen(scheme).unwrap();
        let signature = SonetCrypto.sign(scheme, b"signed", &private).unwrap();
        rust.verify_signature(scheme, b"signed", &public, &signature)
            .unwrap_or_else(|e| panic!("{suite:?}: {e:?}"));
        let (private, public) = rust.signature_key_gen(scheme).unwrap();
        let signature = rust.sign(scheme, b"signed", &private).unwrap();
        SonetCrypto
            .verify_signature(scheme, b"signed", &public, &signature)
            .unwrap_or_else(|e| panic!("{suite:?}: {e:?}"));
    }
}

#[test]
fn signature_schemes_map_by_code_point() {
    for scheme in [
        SignatureScheme::ECDSA_SECP256R1_SHA256,
        SignatureScheme::ECDSA_SECP384R1_SHA384,
        SignatureScheme::ECDSA_SECP521R1_SHA512,
        SignatureScheme::ED25519,
        SignatureScheme::ED448,
        SignatureScheme::MLDSA44,
        SignatureScheme::MLDSA65,
        SignatureScheme::MLDSA87,
    ] {
        assert_eq!(signature_scheme(scheme).map(|s| s.id()), Ok(scheme as u16));
    }
}
