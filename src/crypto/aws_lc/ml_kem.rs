//! ML-KEM (FIPS 203) from AWS-LC: the deterministic entry points of its FIPS module for
//! KeyGen_internal, Encaps_internal and the §7.2 / §7.3 input checks, aws-lc-rs's public API for
//! decapsulation and the random operations.

use std::mem;

use aws_lc_rs::kem;
use zeroize::Zeroizing;

use super::{backend, ffi};
use crate::crypto::{
    expect_len, Encapsulation, Kem, KemAlgorithm, KemKeyPair, PqcError, SecretBytes,
};

/// One ML-KEM parameter set: its registry entry, the FIPS-module entry points and the
/// aws-lc-rs algorithm.
pub(super) struct AwsLcMlKem {
    pub(super) algorithm: KemAlgorithm,
    fips: &'static ffi::MlKem,
    pub(super) public_api: &'static kem::Algorithm<kem::AlgorithmId>,
}

pub(super) static ML_KEM_512: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem512,
    fips: &ffi::ML_KEM_512,
    public_api: &kem::ML_KEM_512,
};
pub(super) static ML_KEM_768: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem768,
    fips: &ffi::ML_KEM_768,
    public_api: &kem::ML_KEM_768,
};
pub(super) static ML_KEM_1024: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem1024,
    fips: &ffi::ML_KEM_1024,
    public_api: &kem::ML_KEM_1024,
};

impl AwsLcMlKem {
    fn check_ek_len(&self, ek: &[u8]) -> Result<(), PqcError> {
        expect_len(
            "encapsulation key",
            ek,
            self.algorithm.sizes().encapsulation_key,
        )
    }

    fn check_dk_len(&self, dk: &[u8]) -> Result<(), PqcError> {
        expect_len(
            "decapsulation key",
            dk,
            self.algorithm.sizes().decapsulation_key,
        )
    }

    /// The §7.2 modulus check on an encapsulation key whose length is already checked.
    fn modulus_check(&self, ek: &[u8]) -> Result<(), PqcError> {
        if self.fips.check_pk(ek) {
            Ok(())
        } else {
            Err(PqcError::InvalidEncapsulationKey)
        }
    }

    /// The §7.3 hash check on a decapsulation key whose length is already checked.
    fn hash_check(&self, dk: &[u8]) -> Result<(), PqcError> {
        if self.fips.check_sk(dk) {
            Ok(())
        } else {
            Err(PqcError::InvalidDecapsulationKey)
        }
    }
}

impl Kem for AwsLcMlKem {
    fn algorithm(&self) -> KemAlgorithm {
        self.algorithm
    }

    fn generate_deterministic(&self, d: &[u8; 32], z: &[u8; 32]) -> Result<KemKeyPair, PqcError> {
        let mut seed = Zeroizing::new([0u8; 64]);
        let (seed_d, seed_z) = seed.split_at_mut(32);
        seed_d.copy_from_slice(d);
        seed_z.copy_from_slice(z);
        let (ek, mut dk) = self
            .fips
            .keypair_deterministic(&seed)
            .ok_or_else(|| backend("ML-KEM.KeyGen_internal"))?;
        Ok(KemKeyPair {
            encapsulation_key: ek,
            decapsulation_key: SecretBytes::new(mem::take(&mut *dk)),
        })
    }

    fn encapsulate_deterministic(
        &self,
        encapsulation_key: &[u8],
        m: &[u8; 32],
    ) -> Result<Encapsulation, PqcError> {
        self.check_ek_len(encapsulation_key)?;
        // mlkem-native repeats this check inside encapsulation, but reports its failure only as
        // a generic error; checking first gives the caller the specific one.
        self.modulus_check(encapsulation_key)?;
        let (ciphertext, mut shared_secret) = self
            .fips
            .encapsulate_deterministic(encapsulation_key, m)
            .ok_or_else(|| backend("ML-KEM.Encaps_internal"))?;
        Ok(Encapsulation {
            ciphertext,
            shared_secret: SecretBytes::new(mem::take(&mut *shared_secret)),
        })
    }

    fn decapsulate(
        &self,
        decapsulation_key: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, PqcError> {
        expect_len("ciphertext", ciphertext, self.algorithm.sizes().ciphertext)?;
        self.check_dk_len(decapsulation_key)?;
        self.hash_check(decapsulation_key)?;
        let key = kem::DecapsulationKey::new(self.public_api, decapsulation_key)
            .map_err(|_| backend("ML-KEM decapsulation key import"))?;
        let secret = key
            .decapsulate(kem::Ciphertext::from(ciphertext))
            .map_err(|_| backend("ML-KEM.Decaps"))?;
        Ok(SecretBytes::from(secret.as_ref()))
    }

    fn check_encapsulation_key(&self, encapsulation_key: &[u8]) -> Result<(), PqcError> {
        self.check_ek_len(encapsulation_key)?;
        self.modulus_check(encapsulation_key)
    }

    fn check_decapsulation_key(&self, decapsulation_key: &[u8]) -> Result<(), PqcError> {
        self.check_dk_len(decapsulation_key)?;
        self.hash_check(decapsulation_key)
    }

    fn generate(&self) -> Result<KemKeyPair, PqcError> {
        let key = kem::DecapsulationKey::generate(self.public_api)
            .map_err(|_| backend("ML-KEM.KeyGen"))?;
        let ek = key
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| backend("ML-KEM encapsulation key export"))?;
        let dk = key
            .key_bytes()
            .map_err(|_| backend("ML-KEM decapsulation key export"))?;
        let pair = KemKeyPair {
            encapsulation_key: ek.as_ref().to_vec(),
            decapsulation_key: SecretBytes::from(dk.as_ref()),
        };
        let sizes = self.algorithm.sizes();
        if pair.encapsulation_key.len() != sizes.encapsulation_key
            || pair.decapsulation_key.len() != sizes.decapsulation_key
        {
            return Err(backend("ML-KEM.KeyGen"));
        }
        Ok(pair)
    }

    fn encapsulate(&self, encapsulation_key: &[u8]) -> Result<Encapsulation, PqcError> {
        self.check_ek_len(encapsulation_key)?;
        self.modulus_check(encapsulation_key)?;
        let key = kem::EncapsulationKey::new(self.public_api, encapsulation_key)
            .map_err(|_| backend("ML-KEM encapsulation key import"))?;
        let (ciphertext, secret) = key.encapsulate().map_err(|_| backend("ML-KEM.Encaps"))?;
        let sizes = self.algorithm.sizes();
        if ciphertext.as_ref().len() != sizes.ciphertext
            || secret.as_ref().len() != sizes.shared_secret
        {
            return Err(backend("ML-KEM.Encaps"));
        }
        Ok(Encapsulation {
            ciphertext: ciphertext.as_ref().to_vec(),
            shared_secret: SecretBytes::from(secret.as_ref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::test_support::*;
    use super::*;

    #[test]
    fn ml_kem_round_trips_for_every_parameter_set() {
        for kem in KEMS {
            let sizes = kem.algorithm.sizes();
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            kem.check_encapsulation_key(&pair.encapsulation_key)
                .unwrap();
            kem.check_decapsulation_key(pair.decapsulation_key.as_bytes())
                .unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            assert_eq!(enc.ciphertext.len(), sizes.ciphertext);
            assert_eq!(enc.shared_secret.len(), sizes.shared_secret);
            let ss = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &enc.ciphertext)
                .unwrap();
            assert_eq!(ss, enc.shared_secret, "{}", kem.algorithm);

            // The randomised paths (aws-lc-rs) round-trip too.
            let pair = kem.generate().unwrap();
            let enc = kem.encapsulate(&pair.encapsulation_key).unwrap();
            let ss = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &enc.ciphertext)
                .unwrap();
            assert_eq!(ss, enc.shared_secret, "{}", kem.algorithm);
        }
    }

    #[test]
    fn ml_kem_is_deterministic_in_its_seeds() {
        for kem in KEMS {
            let a = kem.generate_deterministic(&[5; 32], &[6; 32]).unwrap();
            let b = kem.generate_deterministic(&[5; 32], &[6; 32]).unwrap();
            assert_eq!(a.encapsulation_key, b.encapsulation_key);
            assert_eq!(a.decapsulation_key, b.decapsulation_key);
            // z is stored at the end of dk and does not affect ek.
            let c = kem.generate_deterministic(&[5; 32], &[7; 32]).unwrap();
            assert_eq!(a.encapsulation_key, c.encapsulation_key);
            assert_ne!(a.decapsulation_key, c.decapsulation_key);
            let dk = a.decapsulation_key.as_bytes();
            assert_eq!(&dk[dk.len() - 32..], &[6; 32]);

            let e1 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[9; 32])
                .unwrap();
            let e2 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[9; 32])
                .unwrap();
            let e3 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[10; 32])
                .unwrap();
            assert_eq!(e1.ciphertext, e2.ciphertext);
            assert_eq!(e1.shared_secret, e2.shared_secret);
            assert_ne!(e1.ciphertext, e3.ciphertext);
            assert_ne!(e1.shared_secret, e3.shared_secret);
        }
    }

    #[test]
    fn ml_kem_rejects_an_encapsulation_key_with_a_coefficient_of_q() {
        for kem in KEMS {
            let mut ek = kem
                .generate_deterministic(&[1; 32], &[2; 32])
                .unwrap()
                .encapsulation_key;
            // The first 12-bit coefficient := 3329 = 0xD01 (little-endian bit packing).
            ek[0] = 0x01;
            ek[1] = (ek[1] & 0xF0) | 0x0D;
            assert_eq!(
                kem.check_encapsulation_key(&ek),
                Err(PqcError::InvalidEncapsulationKey)
            );
            assert_eq!(
                kem.encapsulate_deterministic(&ek, &[3; 32]).unwrap_err(),
                PqcError::InvalidEncapsulationKey
            );
            assert_eq!(
                kem.encapsulate(&ek).unwrap_err(),
                PqcError::InvalidEncapsulationKey
            );
            // 3328 = q - 1 is in range.
            ek[0] = 0x00;
            ek[1] = (ek[1] & 0xF0) | 0x0D;
            kem.check_encapsulation_key(&ek).unwrap();
            // The coefficient in the top 12 bits of a 3-byte group, too: 0xFFF.
            let mut ek2 = ek.clone();
            ek2[4] |= 0xF0;
            ek2[5] = 0xFF;
            assert_eq!(
                kem.check_encapsulation_key(&ek2),
                Err(PqcError::InvalidEncapsulationKey)
            );
        }
    }

    #[test]
    fn ml_kem_rejects_a_decapsulation_key_with_a_corrupted_hash() {
        for kem in KEMS {
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let mut dk = pair.decapsulation_key.as_bytes().to_vec();
            // dk = dk_PKE ‖ ek ‖ H(ek) ‖ z: flip a bit of H(ek).
            let h = dk.len() - 64;
            dk[h] ^= 0x01;
            assert_eq!(
                kem.check_decapsulation_key(&dk),
                Err(PqcError::InvalidDecapsulationKey)
            );
            assert_eq!(
                kem.decapsulate(&dk, &enc.ciphertext).unwrap_err(),
                PqcError::InvalidDecapsulationKey
            );
            // Corrupting the embedded ek instead breaks H(ek) = h just the same.
            let mut dk = pair.decapsulation_key.as_bytes().to_vec();
            dk[384 * kem.algorithm.rank() + 5] ^= 0x80;
            assert_eq!(
                kem.decapsulate(&dk, &enc.ciphertext).unwrap_err(),
                PqcError::InvalidDecapsulationKey
            );
        }
    }

    #[test]
    fn ml_kem_checks_every_length() {
        for kem in KEMS {
            let sizes = kem.algorithm.sizes();
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let ek = &pair.encapsulation_key;
            let dk = pair.decapsulation_key.as_bytes();
            let ct = &enc.ciphertext;

            let mut long_ek = ek.clone();
            long_ek.push(0);
            for bad in [&ek[..ek.len() - 1], &long_ek[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "encapsulation key",
                    got: bad.len(),
                    expected: sizes.encapsulation_key,
                };
                assert_eq!(kem.check_encapsulation_key(bad).unwrap_err(), want);
                assert_eq!(
                    kem.encapsulate_deterministic(bad, &[3; 32]).unwrap_err(),
                    want
                );
                assert_eq!(kem.encapsulate(bad).unwrap_err(), want);
            }
            let mut long_dk = dk.to_vec();
            long_dk.push(0);
            for bad in [&dk[..dk.len() - 1], &long_dk[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "decapsulation key",
                    got: bad.len(),
                    expected: sizes.decapsulation_key,
                };
                assert_eq!(kem.check_decapsulation_key(bad).unwrap_err(), want);
                assert_eq!(kem.decapsulate(bad, ct).unwrap_err(), want);
            }
            let mut long_ct = ct.clone();
            long_ct.push(0);
            for bad in [&ct[..ct.len() - 1], &long_ct[..], &[][..]] {
                assert_eq!(
                    kem.decapsulate(dk, bad).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "ciphertext",
                        got: bad.len(),
                        expected: sizes.ciphertext,
                    }
                );
            }
        }
    }

    #[test]
    fn ml_kem_wrong_ciphertext_gives_the_implicit_rejection_secret() {
        for kem in KEMS {
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let dk = pair.decapsulation_key.as_bytes();
            let mut ct = enc.ciphertext.clone();
            ct[0] ^= 0x01;
            let ss = kem.decapsulate(dk, &ct).unwrap();
            assert_ne!(ss, enc.shared_secret);
            // K̄ = J(z ‖ c) (FIPS 203 Algorithm 18 line 7), z the last 32 bytes of dk.
            let z = &dk[dk.len() - 32..];
            assert_eq!(ss.as_bytes(), shake256(&[z, &ct], 32));
            assert_eq!(kem.decapsulate(dk, &ct).unwrap(), ss);
        }
    }

    #[test]
    fn ml_kem_acvp_key_generation() {
        let mut n = 0;
        let Some(cases) = acvp_cases("ML-KEM-keyGen-FIPS203/v1.1.0.40") else {
            return;
        };
        for case in cases {
            let kem = kem_for(&case);
            let d = array32(&hex_field(&case.prompt, "d"));
            let z = array32(&hex_field(&case.prompt, "z"));
            let pair = kem.generate_deterministic(&d, &z).unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(
                pair.encapsulation_key,
                hex_field(&case.expected, "ek"),
                "tcId {id}"
            );
            assert_eq!(
                pair.decapsulation_key.as_bytes(),
                hex_field(&case.expected, "dk"),
                "tcId {id}"
            );
            n += 1;
        }
        assert_eq!(n, 75);
    }

    #[test]
    fn ml_kem_acvp_encapsulation_decapsulation_and_key_checks() {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let Some(cases) = acvp_cases("ML-KEM-encapDecap-FIPS203/v1.1.0.40") else {
            return;
        };
        for case in cases {
            let kem = kem_for(&case);
            let function = field(&case.group, "function");
            let id = &case.prompt["tcId"];
            match function {
                "encapsulation" => {
                    let ek = hex_field(&case.prompt, "ek");
                    let m = array32(&hex_field(&case.prompt, "m"));
                    let enc = kem.encapsulate_deterministic(&ek, &m).unwrap();
                    assert_eq!(enc.ciphertext, hex_field(&case.expected, "c"), "tcId {id}");
                    assert_eq!(
                        enc.shared_secret.as_bytes(),
                        hex_field(&case.expected, "k"),
                        "tcId {id}"
                    );
                }
                "decapsulation" => {
                    let dk = hex_field(&case.prompt, "dk");
                    let c = hex_field(&case.prompt, "c");
                    let k = kem.decapsulate(&dk, &c).unwrap();
                    assert_eq!(k.as_bytes(), hex_field(&case.expected, "k"), "tcId {id}");
                }
                "encapsulationKeyCheck" => {
                    let ek = hex_field(&case.prompt, "ek");
                    let passed = case.expected["testPassed"].as_bool().unwrap();
                    let result = kem.check_encapsulation_key(&ek);
                    assert_eq!(result.is_ok(), passed, "tcId {id}: {result:?}");
                    if !passed {
                        // Whatever the check rejects, encapsulation rejects too.
                        assert!(kem.encapsulate_deterministic(&ek, &[0; 32]).is_err());
                    }
                }
                "decapsulationKeyCheck" => {
                    let dk = hex_field(&case.prompt, "dk");
                    let passed = case.expected["testPassed"].as_bool().unwrap();
                    let result = kem.check_decapsulation_key(&dk);
                    assert_eq!(result.is_ok(), passed, "tcId {id}: {result:?}");
                    if !passed {
                        let ct = vec![0u8; kem.algorithm().sizes().ciphertext];
                        assert!(kem.decapsulate(&dk, &ct).is_err());
                    }
                }
                other => panic!("unexpected function {other:?}"),
            }
            *counts.entry(function.to_owned()).or_default() += 1;
        }
        assert_eq!(counts["encapsulation"], 75);
        assert_eq!(counts["decapsulation"], 30);
        assert_eq!(counts["encapsulationKeyCheck"], 30);
        assert_eq!(counts["decapsulationKeyCheck"], 30);
    }
}
