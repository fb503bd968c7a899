//! ML-KEM (FIPS 203) on the RustCrypto `ml-kem` crate.
//!
//! The crate performs the §7.2 modulus check itself whenever it parses an encapsulation key
//! (`EncapsulationKey::new`), so that check is left to it. Its expanded-key import
//! (`DecapsulationKey::from_expanded`) folds the §7.3 hash check together with a modulus check of
//! the embedded key that FIPS 203 does not ask for, and reports both as one opaque error; the hash
//! check is therefore done here, so it can be run and reported on its own.

use std::marker::PhantomData;

use ::ml_kem::{
    Ciphertext, Decapsulate, DecapsulationKey, EncapsulationKey, ExpandedDecapsulationKey, Key,
    KeyExport, Seed, B32,
};
use sha3::{Digest, Sha3_256};
use zeroize::Zeroizing;

use super::as_array;
use crate::crypto::{
    expect_len, Encapsulation, Kem, KemAlgorithm, KemKeyPair, PqcError, SecretBytes,
};

const EK_WHAT: &str = "ML-KEM encapsulation key";
const DK_WHAT: &str = "ML-KEM decapsulation key";
const CT_WHAT: &str = "ML-KEM ciphertext";

/// The calls into the crate for one parameter set. Implemented by `ml_kem_parameter_sets!`
/// because the crate's parameter trait (`KemParams`) is not nameable outside it, so the crate's
/// key types cannot be used generically from here.
pub(super) trait MlKemParameterSet: Send + Sync + 'static {
    const ALGORITHM: KemAlgorithm;

    /// ML-KEM.KeyGen_internal(d, z).
    fn keygen_internal(d: &[u8; 32], z: &[u8; 32]) -> KemKeyPair;

    /// Parses `ek`, which runs the crate's modulus check.
    fn check_encapsulation_key(ek: &[u8]) -> Result<(), PqcError>;

    /// ML-KEM.Encaps_internal(ek, m), after the crate's modulus check.
    fn encaps_internal(ek: &[u8], m: &[u8; 32]) -> Result<Encapsulation, PqcError>;

    /// ML-KEM.Decaps_internal(dk, c) on an expanded key that already passed the hash check.
    fn decaps_internal(dk: &[u8], c: &[u8]) -> Result<SecretBytes, PqcError>;
}

/// The `Kem` implementation shared by the three parameter sets.
pub(super) struct MlKem<P>(PhantomData<P>);

impl<P> MlKem<P> {
    pub(super) const NEW: Self = Self(PhantomData);
}

impl<P: MlKemParameterSet> Kem for MlKem<P> {
    fn algorithm(&self) -> KemAlgorithm {
        P::ALGORITHM
    }

    fn generate_deterministic(&self, d: &[u8; 32], z: &[u8; 32]) -> Result<KemKeyPair, PqcError> {
        Ok(P::keygen_internal(d, z))
    }

    fn encapsulate_deterministic(
        &self,
        encapsulation_key: &[u8],
        m: &[u8; 32],
    ) -> Result<Encapsulation, PqcError> {
        expect_len(
            EK_WHAT,
            encapsulation_key,
            P::ALGORITHM.sizes().encapsulation_key,
        )?;
        P::encaps_internal(encapsulation_key, m)
    }

    fn decapsulate(
        &self,
        decapsulation_key: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, PqcError> {
        expect_len(CT_WHAT, ciphertext, P::ALGORITHM.sizes().ciphertext)?;
        self.check_decapsulation_key(decapsulation_key)?;
        P::decaps_internal(decapsulation_key, ciphertext)
    }

    fn check_encapsulation_key(&self, encapsulation_key: &[u8]) -> Result<(), PqcError> {
        expect_len(
            EK_WHAT,
            encapsulation_key,
            P::ALGORITHM.sizes().encapsulation_key,
        )?;
        P::check_encapsulation_key(encapsulation_key)
    }

    fn check_decapsulation_key(&self, decapsulation_key: &[u8]) -> Result<(), PqcError> {
        check_decapsulation_key_hash(P::ALGORITHM, decapsulation_key)
    }
}

/// FIPS 203 §7.3: length, then H(dk[384k : 768k+32]) = dk[768k+32 : 768k+64].
fn check_decapsulation_key_hash(
    algorithm: KemAlgorithm,
    decapsulation_key: &[u8],
) -> Result<(), PqcError> {
    let sizes = algorithm.sizes();
    expect_len(DK_WHAT, decapsulation_key, sizes.decapsulation_key)?;
    let dk_pke_len = 384 * algorithm.rank();
    let (_, rest) = decapsulation_key
        .split_at_checked(dk_pke_len)
        .ok_or(PqcError::InvalidDecapsulationKey)?;
    let (embedded_ek, rest) = rest
        .split_at_checked(sizes.encapsulation_key)
        .ok_or(PqcError::InvalidDecapsulationKey)?;
    let stored_hash = rest.get(..32).ok_or(PqcError::InvalidDecapsulationKey)?;
    // h is the hash of public data, so a variable-time comparison leaks nothing.
    if Sha3_256::digest(embedded_ek).as_slice() == stored_hash {
        Ok(())
    } else {
        Err(PqcError::InvalidDecapsulationKey)
    }
}

macro_rules! ml_kem_parameter_sets {
    ($($params:ty => $algorithm:ident),+ $(,)?) => {$(
        impl MlKemParameterSet for $params {
            const ALGORITHM: KemAlgorithm = KemAlgorithm::$algorithm;

            fn keygen_internal(d: &[u8; 32], z: &[u8; 32]) -> KemKeyPair {
                let mut seed = Zeroizing::new(Seed::default());
                let (seed_d, seed_z) = seed.split_at_mut(32);
                seed_d.copy_from_slice(d);
                seed_z.copy_from_slice(z);
                let dk = DecapsulationKey::<$params>::from_seed(*seed);
                // FIPS 203 defines the expanded encoding; the crate deprecates it only in
                // favour of storing seeds.
                #[allow(deprecated)]
                let expanded = Zeroizing::new(
                    ::ml_kem::ExpandedKeyEncoding::to_expanded_bytes(&dk),
                );
                KemKeyPair {
                    encapsulation_key: dk.encapsulation_key().to_bytes().to_vec(),
                    decapsulation_key: SecretBytes::new(expanded.to_vec()),
                }
            }

            fn check_encapsulation_key(ek: &[u8]) -> Result<(), PqcError> {
                let expected = Self::ALGORITHM.sizes().encapsulation_key;
                let ek: &Key<EncapsulationKey<$params>> = as_array(EK_WHAT, ek, expected)?;
                EncapsulationKey::<$params>::new(ek)
                    .map(|_| ())
                    .map_err(|_| PqcError::InvalidEncapsulationKey)
            }

            fn encaps_internal(ek: &[u8], m: &[u8; 32]) -> Result<Encapsulation, PqcError> {
                let expected = Self::ALGORITHM.sizes().encapsulation_key;
                let ek: &Key<EncapsulationKey<$params>> = as_array(EK_WHAT, ek, expected)?;
                let ek = EncapsulationKey::<$params>::new(ek)
                    .map_err(|_| PqcError::InvalidEncapsulationKey)?;
                let m = Zeroizing::new(B32::from(*m));
                let (ciphertext, shared_key) = ek.encapsulate_deterministic(&m);
                let shared_key = Zeroizing::new(shared_key);
                Ok(Encapsulation {
                    ciphertext: ciphertext.to_vec(),
                    shared_secret: SecretBytes::new(shared_key.to_vec()),
                })
            }

            fn decaps_internal(dk: &[u8], c: &[u8]) -> Result<SecretBytes, PqcError> {
                let sizes = Self::ALGORITHM.sizes();
                let dk: &ExpandedDecapsulationKey<$params> =
                    as_array(DK_WHAT, dk, sizes.decapsulation_key)?;
                let c: &Ciphertext<$params> = as_array(CT_WHAT, c, sizes.ciphertext)?;
                // Past our hash check, the import fails only when the embedded encapsulation key
                // fails the modulus check, which the crate applies although §7.3 does not.
                #[allow(deprecated)]
                let dk = DecapsulationKey::<$params>::from_expanded(dk)
                    .map_err(|_| PqcError::InvalidDecapsulationKey)?;
                let shared_key = Zeroizing::new(dk.decapsulate(c));
                Ok(SecretBytes::new(shared_key.to_vec()))
            }
        }
    )+};
}

ml_kem_parameter_sets! {
    ::ml_kem::MlKem512 => MlKem512,
    ::ml_kem::MlKem768 => MlKem768,
    ::ml_kem::MlKem1024 => MlKem1024,
}

#[cfg(test)]
mod tests {
    use super::super::test_vectors::{acvp_group, expected_case, hex_field};
    use super::super::PROVIDER;
    use super::*;
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    use sha3::Shake256;
    use sonet_testkit::pinned_json_or_skip;

    fn kem(algorithm: KemAlgorithm) -> &'static dyn Kem {
        PROVIDER
            .kem(algorithm)
            .expect("every ML-KEM set is provided")
    }

    fn key_pair(algorithm: KemAlgorithm) -> KemKeyPair {
        kem(algorithm)
            .generate_deterministic(&[7; 32], &[9; 32])
            .unwrap()
    }

    /// Overwrites the `index`-th 12-bit coefficient of the ByteEncode12 part of `ek`.
    fn set_coefficient(ek: &mut [u8], index: usize, value: u16) {
        let base = index / 2 * 3;
        let [low, high] = value.to_le_bytes();
        if index.is_multiple_of(2) {
            ek[base] = low;
            ek[base + 1] = (ek[base + 1] & 0xF0) | (high & 0x0F);
        } else {
            ek[base + 1] = (ek[base + 1] & 0x0F) | (low << 4);
            ek[base + 2] = (value >> 4) as u8;
        }
    }

    #[test]
    fn round_trip_every_parameter_set() {
        for algorithm in KemAlgorithm::ALL {
            let sizes = algorithm.sizes();
            let kem = kem(algorithm);
            let pair = kem.generate().unwrap();
            assert_eq!(pair.encapsulation_key.len(), sizes.encapsulation_key);
            assert_eq!(pair.decapsulation_key.len(), sizes.decapsulation_key);
            let sent = kem.encapsulate(&pair.encapsulation_key).unwrap();
            assert_eq!(sent.ciphertext.len(), sizes.ciphertext);
            assert_eq!(sent.shared_secret.len(), sizes.shared_secret);
            let received = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &sent.ciphertext)
                .unwrap();
            assert_eq!(received, sent.shared_secret, "{algorithm}");
        }
    }

    #[test]
    fn generation_and_encapsulation_are_deterministic() {
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let first = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let again = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            assert_eq!(first.encapsulation_key, again.encapsulation_key);
            assert_eq!(first.decapsulation_key, again.decapsulation_key);

            // z only enters the decapsulation key (implicit rejection), never ek.
            let other_z = kem.generate_deterministic(&[1; 32], &[3; 32]).unwrap();
            assert_eq!(first.encapsulation_key, other_z.encapsulation_key);
            assert_ne!(first.decapsulation_key, other_z.decapsulation_key);

            let a = kem
                .encapsulate_deterministic(&first.encapsulation_key, &[5; 32])
                .unwrap();
            let b = kem
                .encapsulate_deterministic(&first.encapsulation_key, &[5; 32])
                .unwrap();
            assert_eq!(a.ciphertext, b.ciphertext);
            assert_eq!(a.shared_secret, b.shared_secret);
        }
    }

    #[test]
    fn modified_ciphertext_yields_the_implicit_rejection_secret() {
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let pair = key_pair(algorithm);
            let sent = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[4; 32])
                .unwrap();
            let mut ciphertext = sent.ciphertext.clone();
            ciphertext[0] ^= 1;
            let rejected = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &ciphertext)
                .expect("implicit rejection is not an error");
            assert_ne!(rejected, sent.shared_secret);

            // FIPS 203 Algorithm 18: K̄ = J(z ‖ c) = SHAKE256(z ‖ c, 32), z the last 32 dk bytes.
            let dk = pair.decapsulation_key.as_bytes();
            let z = &dk[dk.len() - 32..];
            let mut shake = Shake256::default();
            shake.update(z);
            shake.update(&ciphertext);
            let mut expected = [0u8; 32];
            shake.finalize_xof().read(&mut expected);
            assert_eq!(rejected.as_bytes(), expected, "{algorithm}");
        }
    }

    #[test]
    fn encapsulation_key_with_coefficient_of_q_is_rejected() {
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let pair = key_pair(algorithm);
            let last = 256 * algorithm.rank() - 1;
            for index in [0, 1, last] {
                let mut ek = pair.encapsulation_key.clone();
                set_coefficient(&mut ek, index, 3328);
                assert_eq!(kem.check_encapsulation_key(&ek), Ok(()), "q-1 is in range");

                set_coefficient(&mut ek, index, 3329);
                assert_eq!(
                    kem.check_encapsulation_key(&ek),
                    Err(PqcError::InvalidEncapsulationKey),
                    "{algorithm} coefficient {index}"
                );
                assert_eq!(
                    kem.encapsulate_deterministic(&ek, &[0; 32]).unwrap_err(),
                    PqcError::InvalidEncapsulationKey
                );

                set_coefficient(&mut ek, index, 0xFFF);
                assert_eq!(
                    kem.check_encapsulation_key(&ek),
                    Err(PqcError::InvalidEncapsulationKey)
                );
            }
        }
    }

    #[test]
    fn decapsulation_key_with_corrupted_hash_is_rejected() {
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let pair = key_pair(algorithm);
            let sent = kem.encapsulate(&pair.encapsulation_key).unwrap();
            let good = pair.decapsulation_key.as_bytes();
            assert_eq!(kem.check_decapsulation_key(good), Ok(()));

            let hash_offset = 384 * algorithm.rank() + algorithm.sizes().encapsulation_key;
            let embedded_ek_offset = 384 * algorithm.rank() + 5;
            for offset in [hash_offset, hash_offset + 31, embedded_ek_offset] {
                let mut dk = good.to_vec();
                dk[offset] ^= 0x80;
                assert_eq!(
                    kem.check_decapsulation_key(&dk),
                    Err(PqcError::InvalidDecapsulationKey),
                    "{algorithm} byte {offset}"
                );
                assert_eq!(
                    kem.decapsulate(&dk, &sent.ciphertext).unwrap_err(),
                    PqcError::InvalidDecapsulationKey
                );
            }
        }
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        for algorithm in KemAlgorithm::ALL {
            let sizes = algorithm.sizes();
            let kem = kem(algorithm);
            let pair = key_pair(algorithm);
            let sent = kem.encapsulate(&pair.encapsulation_key).unwrap();
            let dk = pair.decapsulation_key.as_bytes();
            let is_length_error = |e: PqcError| matches!(e, PqcError::InvalidLength { .. });

            for ek in [
                &pair.encapsulation_key[1..],
                &[pair.encapsulation_key.as_slice(), &[0]].concat(),
                &[],
            ] {
                assert!(is_length_error(
                    kem.encapsulate_deterministic(ek, &[0; 32]).unwrap_err()
                ));
                assert!(is_length_error(
                    kem.check_encapsulation_key(ek).unwrap_err()
                ));
            }
            for bad_dk in [&dk[1..], &[dk, &[0]].concat()] {
                assert_eq!(
                    kem.decapsulate(bad_dk, &sent.ciphertext).unwrap_err(),
                    PqcError::InvalidLength {
                        what: DK_WHAT,
                        got: bad_dk.len(),
                        expected: sizes.decapsulation_key
                    }
                );
                assert!(is_length_error(
                    kem.check_decapsulation_key(bad_dk).unwrap_err()
                ));
            }
            for ct in [
                &sent.ciphertext[1..],
                &[sent.ciphertext.as_slice(), &[0]].concat(),
            ] {
                assert_eq!(
                    kem.decapsulate(dk, ct).unwrap_err(),
                    PqcError::InvalidLength {
                        what: CT_WHAT,
                        got: ct.len(),
                        expected: sizes.ciphertext
                    }
                );
            }
        }
    }

    #[test]
    fn acvp_key_generation_first_case_of_each_set() {
        let dir = "acvp/ML-KEM-keyGen-FIPS203/v1.1.0.40";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        for algorithm in KemAlgorithm::ALL {
            let (group, expected_group) =
                acvp_group(&prompt, &expected, algorithm.name(), |_| true);
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let d: [u8; 32] = hex_field(case, "d").try_into().unwrap();
            let z: [u8; 32] = hex_field(case, "z").try_into().unwrap();
            let pair = kem(algorithm).generate_deterministic(&d, &z).unwrap();
            assert_eq!(
                pair.encapsulation_key,
                hex_field(result, "ek"),
                "{algorithm}"
            );
            assert_eq!(
                pair.decapsulation_key.as_bytes(),
                hex_field(result, "dk"),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn acvp_encapsulation_and_decapsulation_first_case_of_each_set() {
        let dir = "acvp/ML-KEM-encapDecap-FIPS203/v1.1.0.40";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let (group, expected_group) = acvp_group(&prompt, &expected, algorithm.name(), |g| {
                g["function"] == "encapsulation"
            });
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let m: [u8; 32] = hex_field(case, "m").try_into().unwrap();
            let sent = kem
                .encapsulate_deterministic(&hex_field(case, "ek"), &m)
                .unwrap();
            assert_eq!(sent.ciphertext, hex_field(result, "c"), "{algorithm}");
            assert_eq!(sent.shared_secret.as_bytes(), hex_field(result, "k"));

            let (group, expected_group) = acvp_group(&prompt, &expected, algorithm.name(), |g| {
                g["function"] == "decapsulation"
            });
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let shared = kem
                .decapsulate(&hex_field(case, "dk"), &hex_field(case, "c"))
                .unwrap();
            assert_eq!(shared.as_bytes(), hex_field(result, "k"), "{algorithm}");
        }
    }

    #[test]
    fn acvp_key_checks_agree_with_every_case() {
        let dir = "acvp/ML-KEM-encapDecap-FIPS203/v1.1.0.40";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        let mut checked = 0;
        for algorithm in KemAlgorithm::ALL {
            let kem = kem(algorithm);
            let zero_ciphertext = vec![0u8; algorithm.sizes().ciphertext];
            for (function, field) in [
                ("encapsulationKeyCheck", "ek"),
                ("decapsulationKeyCheck", "dk"),
            ] {
                let (group, expected_group) =
                    acvp_group(&prompt, &expected, algorithm.name(), |g| {
                        g["function"] == function
                    });
                for case in group["tests"].as_array().unwrap() {
                    let passed = expected_case(expected_group, case)["testPassed"]
                        .as_bool()
                        .unwrap();
                    let key = hex_field(case, field);
                    // The standalone check and the operation it guards must agree.
                    let (check, operation) = match field {
                        "ek" => (
                            kem.check_encapsulation_key(&key),
                            kem.encapsulate_deterministic(&key, &[0; 32]).map(|_| ()),
                        ),
                        _ => (
                            kem.check_decapsulation_key(&key),
                            kem.decapsulate(&key, &zero_ciphertext).map(|_| ()),
                        ),
                    };
                    let id = format!("{algorithm} tcId {}", case["tcId"]);
                    assert_eq!(check.is_ok(), passed, "{id}");
                    assert_eq!(operation.is_ok(), passed, "{id}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 60, "only {checked} key-check cases found");
    }
}
