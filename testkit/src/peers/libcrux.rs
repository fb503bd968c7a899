//! libcrux (hax-verified ML-KEM and ML-DSA) behind Sonet's `Kem` / `Signature` traits, as an
//! independent oracle for Sonet's KAT files. Only the operations those files need are mapped;
//! the rest report `Unsupported`.

use sonet::crypto::{
    Encapsulation, Kem, KemAlgorithm, KemKeyPair, PqcError, Provider, SecretBytes, Signature,
    SignatureAlgorithm, SignatureKeyPair, SignedMessage, SigningRandomness,
};

const NAME: &str = "libcrux";

fn unsupported(operation: &'static str) -> PqcError {
    PqcError::Unsupported {
        provider: NAME,
        operation,
        reason: "the libcrux oracle maps only what the KAT files exercise",
    }
}

fn length(what: &'static str, bytes: &[u8], expected: usize) -> Result<(), PqcError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(PqcError::InvalidLength {
            what,
            got: bytes.len(),
            expected,
        })
    }
}

macro_rules! libcrux_kem {
    ($ty:ident, $alg:ident, $module:ident, $pk:ident, $sk:ident, $ct:ident) => {
        struct $ty;

        impl Kem for $ty {
            fn algorithm(&self) -> KemAlgorithm {
                KemAlgorithm::$alg
            }

            fn generate_deterministic(
                &self,
                d: &[u8; 32],
                z: &[u8; 32],
            ) -> Result<KemKeyPair, PqcError> {
                let mut seed = [0u8; 64];
                seed[..32].copy_from_slice(d);
                seed[32..].copy_from_slice(z);
                let pair = libcrux_ml_kem::$module::generate_key_pair(seed);
                Ok(KemKeyPair {
                    encapsulation_key: pair.pk().to_vec(),
                    decapsulation_key: SecretBytes::new(pair.sk().to_vec()),
                })
            }

            fn encapsulate_deterministic(
                &self,
                ek: &[u8],
                m: &[u8; 32],
            ) -> Result<Encapsulation, PqcError> {
                self.check_encapsulation_key(ek)?;
                let pk = libcrux_ml_kem::$module::$pk::try_from(ek)
                    .map_err(|_| PqcError::Malformed("encapsulation key"))?;
                let (ct, ss) = libcrux_ml_kem::$module::encapsulate(&pk, *m);
                Ok(Encapsulation {
                    ciphertext: ct.as_slice().to_vec(),
                    shared_secret: SecretBytes::new(ss.to_vec()),
                })
            }

            fn decapsulate(&self, dk: &[u8], ct: &[u8]) -> Result<SecretBytes, PqcError> {
                let sizes = self.algorithm().sizes();
                length("decapsulation key", dk, sizes.decapsulation_key)?;
                length("ciphertext", ct, sizes.ciphertext)?;
                let sk = libcrux_ml_kem::$module::$sk::try_from(dk)
                    .map_err(|_| PqcError::Malformed("decapsulation key"))?;
                let ct = libcrux_ml_kem::$module::$ct::try_from(ct)
                    .map_err(|_| PqcError::Malformed("ciphertext"))?;
                if !libcrux_ml_kem::$module::validate_private_key(&sk, &ct) {
                    return Err(PqcError::InvalidDecapsulationKey);
                }
                Ok(SecretBytes::new(
                    libcrux_ml_kem::$module::decapsulate(&sk, &ct).to_vec(),
                ))
            }

            fn check_encapsulation_key(&self, ek: &[u8]) -> Result<(), PqcError> {
                length(
                    "encapsulation key",
                    ek,
                    self.algorithm().sizes().encapsulation_key,
                )?;
                let pk = libcrux_ml_kem::$module::$pk::try_from(ek)
                    .map_err(|_| PqcError::Malformed("encapsulation key"))?;
                if libcrux_ml_kem::$module::validate_public_key(&pk) {
                    Ok(())
                } else {
                    Err(PqcError::InvalidEncapsulationKey)
                }
            }

            fn check_decapsulation_key(&self, _dk: &[u8]) -> Result<(), PqcError> {
                Err(unsupported("decapsulation-key check"))
            }
        }
    };
}

libcrux_kem!(
    LibcruxMlKem512,
    MlKem512,
    mlkem512,
    MlKem512PublicKey,
    MlKem512PrivateKey,
    MlKem512Ciphertext
);
libcrux_kem!(
    LibcruxMlKem768,
    MlKem768,
    mlkem768,
    MlKem768PublicKey,
    MlKem768PrivateKey,
    MlKem768Ciphertext
);
libcrux_kem!(
    LibcruxMlKem1024,
    MlKem1024,
    mlkem1024,
    MlKem1024PublicKey,
    MlKem1024PrivateKey,
    MlKem1024Ciphertext
);

macro_rules! libcrux_dsa {
    ($ty:ident, $alg:ident, $module:ident, $sk:ident, $vk:ident, $sig:ident) => {
        struct $ty;

        impl Signature for $ty {
            fn algorithm(&self) -> SignatureAlgorithm {
                SignatureAlgorithm::$alg
            }

            fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
                let seed: [u8; 32] = seed.try_into().map_err(|_| PqcError::InvalidLength {
                    what: "ML-DSA seed",
                    got: seed.len(),
                    expected: 32,
                })?;
                let pair = libcrux_ml_dsa::$module::generate_key_pair(seed);
                Ok(SignatureKeyPair {
                    public_key: pair.verification_key.as_slice().to_vec(),
                    secret_key: SecretBytes::new(pair.signing_key.as_slice().to_vec()),
                })
            }

            fn sign(
                &self,
                secret_key: &[u8],
                message: SignedMessage<'_>,
                randomness: SigningRandomness<'_>,
            ) -> Result<Vec<u8>, PqcError> {
                let SignedMessage::Pure { message, context } = message else {
                    return Err(unsupported("internal / external-mu signing"));
                };
                let sk: [u8; libcrux_ml_dsa::$module::$sk::len()] =
                    secret_key.try_into().map_err(|_| PqcError::InvalidLength {
                        what: "ML-DSA secret key",
                        got: secret_key.len(),
                        expected: libcrux_ml_dsa::$module::$sk::len(),
                    })?;
                let rnd: [u8; 32] = match randomness {
                    SigningRandomness::Deterministic => [0u8; 32],
                    SigningRandomness::Hedged(r) => {
                        r.try_into().map_err(|_| PqcError::InvalidLength {
                            what: "ML-DSA rnd",
                            got: r.len(),
                            expected: 32,
                        })?
                    }
                };
                let sk = libcrux_ml_dsa::$module::$sk::new(sk);
                libcrux_ml_dsa::$module::sign(&sk, message, context, rnd)
                    .map(|s| s.as_slice().to_vec())
                    .map_err(|_| PqcError::Backend {
                        provider: NAME,
                        operation: "sign",
                    })
            }

            fn verify(
                &self,
                public_key: &[u8],
                message: SignedMessage<'_>,
                signature: &[u8],
            ) -> Result<(), PqcError> {
                let SignedMessage::Pure { message, context } = message else {
                    return Err(unsupported("internal / external-mu verification"));
                };
                let vk: [u8; libcrux_ml_dsa::$module::$vk::len()] =
                    public_key.try_into().map_err(|_| PqcError::InvalidLength {
                        what: "ML-DSA public key",
                        got: public_key.len(),
                        expected: libcrux_ml_dsa::$module::$vk::len(),
                    })?;
                let sig: [u8; libcrux_ml_dsa::$module::$sig::len()] = signature
                    .try_into()
                    .map_err(|_| PqcError::InvalidSignature)?;
                let vk = libcrux_ml_dsa::$module::$vk::new(vk);
                let sig = libcrux_ml_dsa::$module::$sig::new(sig);
                libcrux_ml_dsa::$module::verify(&vk, message, context, &sig)
                    .map_err(|_| PqcError::InvalidSignature)
            }
        }
    };
}

libcrux_dsa!(
    LibcruxMlDsa44,
    MlDsa44,
    ml_dsa_44,
    MLDSA44SigningKey,
    MLDSA44VerificationKey,
    MLDSA44Signature
);
libcrux_dsa!(
    LibcruxMlDsa65,
    MlDsa65,
    ml_dsa_65,
    MLDSA65SigningKey,
    MLDSA65VerificationKey,
    MLDSA65Signature
);
libcrux_dsa!(
    LibcruxMlDsa87,
    MlDsa87,
    ml_dsa_87,
    MLDSA87SigningKey,
    MLDSA87VerificationKey,
    MLDSA87Signature
);

/// libcrux as a Sonet provider: ML-KEM and ML-DSA as far as the KAT files exercise them.
pub static PROVIDER: Provider = Provider {
    name: NAME,
    description: "libcrux-ml-kem 0.0.11 and libcrux-ml-dsa 0.0.11 (hax-verified), test oracle only",
    kems: &[&LibcruxMlKem512, &LibcruxMlKem768, &LibcruxMlKem1024],
    signatures: &[&LibcruxMlDsa44, &LibcruxMlDsa65, &LibcruxMlDsa87],
    aeads: &[],
    kdfs: &[],
};
