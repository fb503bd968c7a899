//! The `aws-lc` provider: ML-KEM (FIPS 203) and ML-DSA (FIPS 204) from AWS-LC, through
//! aws-lc-rs 1.19.0 and aws-lc-sys 0.47.0. AWS-LC has neither SLH-DSA nor FN-DSA, so this
//! provider offers no implementation of them.
//!
//! # Which path each operation takes
//!
//! aws-lc-rs's public API is used wherever it offers the operation:
//!
//! | operation | path |
//! | --- | --- |
//! | ML-KEM decapsulation (after our §7.3 checks) | `aws_lc_rs::kem::DecapsulationKey::new` + `decapsulate` |
//! | ML-KEM random encapsulation (after our §7.2 check) | `aws_lc_rs::kem::EncapsulationKey::new` + `encapsulate` |
//! | ML-KEM random key generation | `aws_lc_rs::kem::DecapsulationKey::generate` |
//! | ML-DSA key generation from ξ | `aws_lc_rs::signature::PqdsaKeyPair::from_seed` |
//! | ML-DSA random key generation | `PqdsaKeyPair::generate` |
//! | ML-DSA pure verification, empty context | `aws_lc_rs::signature::ML_DSA_*` verifier |
//!
//! The deterministic entry points that the standards' vectors need are not in aws-lc-rs's API:
//! ML-KEM.KeyGen_internal(d, z), ML-KEM.Encaps_internal(ek, m), the §7.2/§7.3 input checks on
//! their own, and ML-DSA.Sign_internal with a caller-chosen `rnd` (and with a context string, the
//! internal interface or external μ), plus verification with a non-empty context, the internal
//! interface or external μ. Those come straight from the AWS-LC FIPS module, which exports them
//! for its own ACVP harness (see the `ffi` module).
//!
//! All ML-DSA signing, including the trait's default `sign_random`, goes through
//! `ml_dsa_*_sign_internal`: aws-lc-rs's `PqdsaKeyPair::sign` draws `rnd` itself and takes no
//! context. The FIPS signing function signs with any bytes of the right length, so every signing
//! call first imports the expanded key through aws-lc-rs (`from_raw_private_key`), which decodes
//! it the way FIPS 204 skDecode requires (coefficients of s1, s2 within [−η, η]) and checks that
//! `tr` matches its public part; a key it rejects is never used.
//!
//! The provider's primitives live one family per module: `ml_kem`, `ml_dsa`, `aead`, `kdf`;
//! `ffi` declares the FIPS-module entry points and wraps AWS-LC's EVP interface.

pub mod aead;
// The one exception to the crate's `deny(unsafe_code)`: every call into C, each with a SAFETY
// comment, behind safe functions that check the lengths the C code relies on.
#[allow(unsafe_code)]
mod ffi;
pub mod kdf;
mod ml_dsa;
mod ml_kem;

use crate::crypto::{PqcError, Provider};

const PROVIDER_NAME: &str = "aws-lc";

/// The aws-lc provider: ML-KEM-512/768/1024 and ML-DSA-44/65/87.
pub static PROVIDER: Provider = Provider {
    name: PROVIDER_NAME,
    description: "aws-lc-rs 1.19.0 / aws-lc-sys 0.47.0 (AWS-LC FIPS module: mlkem-native \
                  ML-KEM, mldsa-native ML-DSA); aws-lc-rs hkdf (HKDF-Expand) + hmac (HKDF-Extract); \
                  aws-lc-rs aead (AES-128/192/256-GCM, ChaCha20-Poly1305)",
    kems: &[&ml_kem::ML_KEM_512, &ml_kem::ML_KEM_768, &ml_kem::ML_KEM_1024],
    signatures: &[&ml_dsa::ML_DSA_44, &ml_dsa::ML_DSA_65, &ml_dsa::ML_DSA_87],
    aeads: aead::AEADS,
    kdfs: kdf::KDFS,
};

fn backend(operation: &'static str) -> PqcError {
    PqcError::Backend {
        provider: PROVIDER_NAME,
        operation,
    }
}

/// What the ML-KEM and ML-DSA tests share: ACVP vector loading, the FIPS-module entry points
/// called directly, and the hashes of FIPS 204's external μ.
#[cfg(test)]
mod test_support {
    use std::collections::HashMap;

    use serde_json::Value;
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    use sha3::Shake256;

    use super::ml_dsa::{AwsLcMlDsa, ML_DSA_44, ML_DSA_65, ML_DSA_87};
    use super::ml_kem::{AwsLcMlKem, ML_KEM_1024, ML_KEM_512, ML_KEM_768};
    use super::{ffi, PROVIDER};
    use crate::crypto::{Kem, KemAlgorithm, Signature, SignatureAlgorithm};
    use sonet_testkit::vectors::pinned_json;

    pub(super) const KEMS: [&AwsLcMlKem; 3] = [&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024];
    pub(super) const DSAS: [&AwsLcMlDsa; 3] = [&ML_DSA_44, &ML_DSA_65, &ML_DSA_87];

    pub(super) fn shake256(parts: &[&[u8]], out_len: usize) -> Vec<u8> {
        let mut h = Shake256::default();
        for p in parts {
            h.update(p);
        }
        let mut out = vec![0u8; out_len];
        h.finalize_xof().read(&mut out);
        out
    }

    /// μ = H(H(pk, 64) ‖ M', 64) (FIPS 204 Algorithm 7 line 6, with tr from line 1).
    pub(super) fn external_mu(pk: &[u8], m_prime: &[u8]) -> Vec<u8> {
        let tr = shake256(&[pk], 64);
        shake256(&[&tr, m_prime], 64)
    }

    // ----- ACVP vector loading -----------------------------------------------------------------

    /// One ACVP test case: its group's fields (without `tests`), the prompt and the expected
    /// result.
    pub(super) struct Case {
        pub(super) group: Value,
        pub(super) prompt: Value,
        pub(super) expected: Value,
    }

    /// Every case of the ACVP set `set`; `None` when the vectors are absent (the test is
    /// skipped).
    pub(super) fn acvp_cases(set: &str) -> Option<Vec<Case>> {
        let prompt = pinned_json(&format!("acvp/{set}/prompt.json"))?;
        let expected = pinned_json(&format!("acvp/{set}/expectedResults.json"))?;
        let mut results = HashMap::new();
        for group in expected["testGroups"].as_array().expect("testGroups") {
            for test in group["tests"].as_array().expect("tests") {
                results.insert(test["tcId"].as_u64().expect("tcId"), test.clone());
            }
        }
        let mut cases = Vec::new();
        for group in prompt["testGroups"].as_array().expect("testGroups") {
            let mut header = group.clone();
            header.as_object_mut().expect("group").remove("tests");
            for test in group["tests"].as_array().expect("tests") {
                let id = test["tcId"].as_u64().expect("tcId");
                cases.push(Case {
                    group: header.clone(),
                    prompt: test.clone(),
                    expected: results.remove(&id).expect("expected result for tcId"),
                });
            }
        }
        assert!(!cases.is_empty(), "{set} has no test cases");
        Some(cases)
    }

    pub(super) fn field<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("missing string field {key:?} in {v}"))
    }

    pub(super) fn hex_field(v: &Value, key: &str) -> Vec<u8> {
        hex::decode(field(v, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
    }

    pub(super) fn array32(bytes: &[u8]) -> [u8; 32] {
        bytes.try_into().expect("32 bytes")
    }

    pub(super) fn kem_for(case: &Case) -> &'static dyn Kem {
        let alg: KemAlgorithm = field(&case.group, "parameterSet").parse().unwrap();
        PROVIDER.kem(alg).expect("provider has every ML-KEM")
    }

    pub(super) fn dsa_for(case: &Case) -> &'static dyn Signature {
        let alg: SignatureAlgorithm = field(&case.group, "parameterSet").parse().unwrap();
        PROVIDER.signature(alg).expect("provider has every ML-DSA")
    }

    /// Decapsulation straight through the FIPS module's `ml_kem_*_decapsulate`.
    pub(super) fn fips_decapsulate(kem: &AwsLcMlKem, dk: &[u8], ct: &[u8]) -> Vec<u8> {
        ffi::test_only::decapsulate(kem.algorithm, dk, ct).expect("FIPS ML-KEM decapsulation")
    }

    /// ML-DSA.KeyGen_internal straight through the FIPS module.
    pub(super) fn fips_dsa_keypair(dsa: &AwsLcMlDsa, seed: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
        ffi::test_only::dsa_keypair_internal(dsa.algorithm, seed)
            .expect("FIPS ML-DSA KeyGen_internal")
    }

    pub(super) const MESSAGE: &[u8] = b"Sonet aws-lc provider test message";
    pub(super) const CONTEXT: &[u8] = b"sonet-context";
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::kem;
    use aws_lc_rs::signature::{KeyPair, PqdsaKeyPair, UnparsedPublicKey};

    use super::test_support::*;
    use super::*;
    use crate::crypto::{
        Kem, KemAlgorithm, Signature, SignatureAlgorithm, SignedMessage, SigningRandomness,
    };

    #[test]
    fn provider_lists_every_ml_kem_and_ml_dsa_with_aws_lc_sizes() {
        assert_eq!(PROVIDER.name, "aws-lc");
        assert!(PROVIDER.description.contains("aws-lc-rs 1.19.0"));
        assert!(PROVIDER.description.contains("aws-lc-sys 0.47.0"));
        for alg in KemAlgorithm::ALL {
            let kem = PROVIDER.kem(alg).expect("ML-KEM present");
            assert_eq!(kem.algorithm(), alg);
            // The registry's sizes agree with what aws-lc-rs produces.
            let pair = kem.generate().unwrap();
            assert_eq!(pair.encapsulation_key.len(), alg.sizes().encapsulation_key);
            assert_eq!(pair.decapsulation_key.len(), alg.sizes().decapsulation_key);
        }
        assert_eq!(PROVIDER.kems.len(), 3);
        for &alg in SignatureAlgorithm::ALL {
            let found = PROVIDER.signature(alg);
            assert_eq!(
                found.is_some(),
                alg.family() == crate::crypto::SignatureFamily::MlDsa,
                "{alg}"
            );
        }
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            assert_eq!(dsa.signing.public_key_len(), sizes.public_key);
            assert_eq!(dsa.signing.signature_len(), sizes.signature);
            assert_eq!(dsa.signing.seed_len(), sizes.keygen_seed);
        }
    }

    // ----- aws-lc-rs public API vs FIPS-module entry points -------------------------------------

    #[test]
    fn aws_lc_rs_public_api_agrees_with_fips_entry_points() {
        for kem in KEMS {
            let alg = kem.algorithm;
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let dk_bytes = pair.decapsulation_key.as_bytes();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let public_dk = kem::DecapsulationKey::new(kem.public_api, dk_bytes).unwrap();

            // aws-lc-rs decapsulates what the deterministic FIPS entry point encapsulated, and
            // agrees with the FIPS decapsulation, for a good and a tampered ciphertext.
            let mut tampered = enc.ciphertext.clone();
            tampered[10] ^= 0x40;
            for ct in [&enc.ciphertext, &tampered] {
                let public = public_dk.decapsulate(ct.as_slice().into()).unwrap();
                assert_eq!(
                    public.as_ref(),
                    fips_decapsulate(kem, dk_bytes, ct),
                    "{alg}"
                );
            }
            let public = public_dk
                .decapsulate(enc.ciphertext.as_slice().into())
                .unwrap();
            assert_eq!(public.as_ref(), enc.shared_secret.as_bytes(), "{alg}");

            // aws-lc-rs's random encapsulation to a deterministically generated key.
            let public_ek =
                kem::EncapsulationKey::new(kem.public_api, &pair.encapsulation_key).unwrap();
            let (ct, ss) = public_ek.encapsulate().unwrap();
            assert_eq!(
                ss.as_ref(),
                fips_decapsulate(kem, dk_bytes, ct.as_ref()),
                "{alg}"
            );

            // A key from aws-lc-rs's random key generation works with the FIPS entry points.
            let random = kem.generate().unwrap();
            kem.check_decapsulation_key(random.decapsulation_key.as_bytes())
                .unwrap();
            let enc = kem
                .encapsulate_deterministic(&random.encapsulation_key, &[7; 32])
                .unwrap();
            assert_eq!(
                fips_decapsulate(kem, random.decapsulation_key.as_bytes(), &enc.ciphertext),
                enc.shared_secret.as_bytes()
            );
        }

        for dsa in DSAS {
            let alg = dsa.algorithm;
            let seed = [4u8; 32];
            // PqdsaKeyPair::from_seed agrees with ML-DSA.KeyGen_internal.
            let pair = dsa.generate_from_seed(&seed).unwrap();
            let (fips_pk, fips_sk) = fips_dsa_keypair(dsa, &seed);
            assert_eq!(pair.public_key, fips_pk, "{alg}");
            assert_eq!(pair.secret_key.as_bytes(), fips_sk, "{alg}");
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());

            // A pure-interface signature from the FIPS sign_internal verifies with aws-lc-rs's
            // public verifier.
            let sig = dsa
                .sign(
                    sk,
                    SignedMessage::pure(MESSAGE),
                    SigningRandomness::Hedged(&[9; 32]),
                )
                .unwrap();
            UnparsedPublicKey::new(dsa.verification, pk)
                .verify(MESSAGE, &sig)
                .unwrap();
            let mut bad = sig.clone();
            bad[0] ^= 1;
            assert!(UnparsedPublicKey::new(dsa.verification, pk)
                .verify(MESSAGE, &bad)
                .is_err());

            // An aws-lc-rs signature verifies through the FIPS verify_internal path, as M'.
            let public = PqdsaKeyPair::from_seed(dsa.signing, &seed).unwrap();
            assert_eq!(public.public_key().as_ref(), pk.as_slice());
            let mut sig = vec![0u8; alg.sizes().signature];
            public.sign(MESSAGE, &mut sig).unwrap();
            let m_prime = SignedMessage::pure(MESSAGE).formatted().unwrap();
            dsa.verify(pk, SignedMessage::Internal(&m_prime), &sig)
                .unwrap();
            dsa.verify(
                pk,
                SignedMessage::ExternalMu(&external_mu(pk, &m_prime)),
                &sig,
            )
            .unwrap();
            dsa.verify(pk, SignedMessage::pure(MESSAGE), &sig).unwrap();
        }
    }
}
