//! ML-DSA (FIPS 204) from AWS-LC: key generation from ξ and pure verification with an empty
//! context through aws-lc-rs's public API; signing (every form) and the other verifications
//! through the FIPS module's internal entry points.

use aws_lc_rs::encoding::AsRawBytes;
use aws_lc_rs::signature::{
    KeyPair, PqdsaKeyPair, PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm, VerificationAlgorithm,
};

use super::{backend, ffi};
use crate::crypto::{
    expect_len, PqcError, SecretBytes, Signature, SignatureAlgorithm, SignatureKeyPair,
    SignedMessage, SigningRandomness,
};

pub(super) const ML_DSA_SEED_LEN: usize = 32;
const ML_DSA_RND_LEN: usize = 32;
const ML_DSA_MU_LEN: usize = 64;
/// rnd for the deterministic variant (FIPS 204 Algorithm 2 line 5, deterministic branch).
const ZERO_RND: [u8; ML_DSA_RND_LEN] = [0; ML_DSA_RND_LEN];

/// One ML-DSA parameter set: its registry entry, the FIPS-module entry points and the
/// aws-lc-rs algorithms.
pub(super) struct AwsLcMlDsa {
    pub(super) algorithm: SignatureAlgorithm,
    fips: &'static ffi::MlDsa,
    pub(super) signing: &'static PqdsaSigningAlgorithm,
    pub(super) verification: &'static PqdsaVerificationAlgorithm,
}

pub(super) static ML_DSA_44: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa44,
    fips: &ffi::ML_DSA_44,
    signing: &aws_lc_rs::signature::ML_DSA_44_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_44,
};
pub(super) static ML_DSA_65: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa65,
    fips: &ffi::ML_DSA_65,
    signing: &aws_lc_rs::signature::ML_DSA_65_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_65,
};
pub(super) static ML_DSA_87: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa87,
    fips: &ffi::ML_DSA_87,
    signing: &aws_lc_rs::signature::ML_DSA_87_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_87,
};

/// What the FIPS-module internal functions take for one [`SignedMessage`]: the entry-point kind,
/// the message (or μ), and the `pre` prefix hashed in front of it.
struct InternalInput<'a> {
    external_mu: bool,
    message: &'a [u8],
    pre: Vec<u8>,
}

impl<'a> InternalInput<'a> {
    fn new(message: SignedMessage<'a>) -> Result<Self, PqcError> {
        Ok(match message {
            // M' = 0 ‖ |ctx| ‖ ctx ‖ M, with 0 ‖ |ctx| ‖ ctx passed as `pre`.
            SignedMessage::Pure { message, context } => {
                let len = u8::try_from(context.len())
                    .map_err(|_| PqcError::ContextTooLong(context.len()))?;
                let mut pre = Vec::with_capacity(2 + context.len());
                pre.extend_from_slice(&[0, len]);
                pre.extend_from_slice(context);
                Self {
                    external_mu: false,
                    message,
                    pre,
                }
            }
            SignedMessage::Internal(m) => Self {
                external_mu: false,
                message: m,
                pre: Vec::new(),
            },
            SignedMessage::ExternalMu(mu) => {
                expect_len("external mu", mu, ML_DSA_MU_LEN)?;
                Self {
                    external_mu: true,
                    message: mu,
                    pre: Vec::new(),
                }
            }
        })
    }
}

impl AwsLcMlDsa {
    /// Exports an aws-lc-rs key pair as (pk, expanded sk), checking the registry's sizes.
    fn export(&self, pair: &PqdsaKeyPair) -> Result<SignatureKeyPair, PqcError> {
        let sizes = self.algorithm.sizes();
        let public_key = pair.public_key().as_ref().to_vec();
        let raw = pair
            .private_key()
            .as_raw_bytes()
            .map_err(|_| backend("ML-DSA secret key export"))?;
        let secret_key = SecretBytes::from(raw.as_ref());
        if public_key.len() != sizes.public_key || secret_key.len() != sizes.secret_key {
            return Err(backend("ML-DSA key export"));
        }
        Ok(SignatureKeyPair {
            public_key,
            secret_key,
        })
    }

    fn check_pk_len(&self, pk: &[u8]) -> Result<(), PqcError> {
        expect_len("public key", pk, self.algorithm.sizes().public_key)
    }

    fn check_sk_len(&self, sk: &[u8]) -> Result<(), PqcError> {
        expect_len("secret key", sk, self.algorithm.sizes().secret_key)
    }
}

impl Signature for AwsLcMlDsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
        expect_len("seed", seed, self.algorithm.sizes().keygen_seed)?;
        let pair = PqdsaKeyPair::from_seed(self.signing, seed)
            .map_err(|_| backend("ML-DSA.KeyGen_internal"))?;
        self.export(&pair)
    }

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError> {
        self.check_sk_len(secret_key)?;
        PqdsaKeyPair::from_raw_private_key(self.signing, secret_key).map_err(|_| {
            PqcError::Malformed("ML-DSA secret key (rejected by aws-lc's key import)")
        })?;
        let rnd: &[u8; ML_DSA_RND_LEN] = match randomness {
            SigningRandomness::Deterministic => &ZERO_RND,
            SigningRandomness::Hedged(rnd) => {
                rnd.try_into().map_err(|_| PqcError::InvalidLength {
                    what: "rnd",
                    got: rnd.len(),
                    expected: ML_DSA_RND_LEN,
                })?
            }
        };
        let input = InternalInput::new(message)?;
        self.fips
            .sign_internal(
                input.external_mu,
                secret_key,
                input.message,
                &input.pre,
                rnd,
            )
            .ok_or_else(|| backend("ML-DSA.Sign_internal"))
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError> {
        self.check_pk_len(public_key)?;
        let input = InternalInput::new(message)?;
        if signature.len() != self.algorithm.sizes().signature {
            return Err(PqcError::InvalidSignature);
        }
        if let SignedMessage::Pure {
            message,
            context: [],
        } = message
        {
            // aws-lc-rs's verifier implements the pure interface with an empty context.
            return self
                .verification
                .verify_sig(public_key, message, signature)
                .map_err(|_| PqcError::InvalidSignature);
        }
        if self.fips.verify_internal(
            input.external_mu,
            public_key,
            signature,
            input.message,
            &input.pre,
        ) {
            Ok(())
        } else {
            Err(PqcError::InvalidSignature)
        }
    }

    fn generate(&self) -> Result<SignatureKeyPair, PqcError> {
        let pair = PqdsaKeyPair::generate(self.signing).map_err(|_| backend("ML-DSA.KeyGen"))?;
        self.export(&pair)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn ml_dsa_round_trips_for_every_parameter_set_and_message_form() {
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            assert_eq!(pair.public_key.len(), sizes.public_key);
            assert_eq!(pair.secret_key.len(), sizes.secret_key);
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());

            let pure = SignedMessage::Pure {
                message: MESSAGE,
                context: CONTEXT,
            };
            let m_prime = pure.formatted().unwrap();
            let mu = external_mu(pk, &m_prime);
            let forms = [
                pure,
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(&m_prime),
                SignedMessage::ExternalMu(&mu),
            ];
            for form in forms {
                for rnd in [
                    SigningRandomness::Deterministic,
                    SigningRandomness::Hedged(&[8; 32]),
                ] {
                    let sig = dsa.sign(sk, form, rnd).unwrap();
                    assert_eq!(sig.len(), sizes.signature);
                    dsa.verify(pk, form, &sig)
                        .unwrap_or_else(|e| panic!("{} {form:?}: {e}", dsa.algorithm));
                }
            }
            // Pure with ctx, internal M' = 0 ‖ |ctx| ‖ ctx ‖ M and external μ of that M' are the
            // same signing input, so the deterministic signatures agree.
            let d = SigningRandomness::Deterministic;
            let by_pure = dsa.sign(sk, pure, d).unwrap();
            assert_eq!(
                dsa.sign(sk, SignedMessage::Internal(&m_prime), d).unwrap(),
                by_pure
            );
            assert_eq!(
                dsa.sign(sk, SignedMessage::ExternalMu(&mu), d).unwrap(),
                by_pure
            );

            // Random key generation and hedged signing (aws-lc-rs paths), with and without ctx.
            let pair = dsa.generate().unwrap();
            for ctx in [&[][..], CONTEXT] {
                let sig = dsa
                    .sign_random(pair.secret_key.as_bytes(), MESSAGE, ctx)
                    .unwrap();
                let form = SignedMessage::Pure {
                    message: MESSAGE,
                    context: ctx,
                };
                dsa.verify(&pair.public_key, form, &sig).unwrap();
            }
        }
    }

    #[test]
    fn ml_dsa_is_deterministic_in_seed_and_rnd() {
        for dsa in DSAS {
            let a = dsa.generate_from_seed(&[4; 32]).unwrap();
            let b = dsa.generate_from_seed(&[4; 32]).unwrap();
            let c = dsa.generate_from_seed(&[5; 32]).unwrap();
            assert_eq!(a.public_key, b.public_key);
            assert_eq!(a.secret_key, b.secret_key);
            assert_ne!(a.public_key, c.public_key);

            let sk = a.secret_key.as_bytes();
            let msg = SignedMessage::pure(MESSAGE);
            let det = |r| dsa.sign(sk, msg, r).unwrap();
            let d1 = det(SigningRandomness::Deterministic);
            assert_eq!(d1, det(SigningRandomness::Deterministic));
            // The deterministic variant is rnd = 0³².
            assert_eq!(d1, det(SigningRandomness::Hedged(&[0; 32])));
            let h1 = det(SigningRandomness::Hedged(&[1; 32]));
            assert_eq!(h1, det(SigningRandomness::Hedged(&[1; 32])));
            assert_ne!(h1, d1);
            assert_ne!(h1, det(SigningRandomness::Hedged(&[2; 32])));
        }
    }

    #[test]
    fn ml_dsa_rejects_altered_signatures_messages_and_keys() {
        for dsa in DSAS {
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            let other = dsa.generate_from_seed(&[5; 32]).unwrap();
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());
            let pure = SignedMessage::Pure {
                message: MESSAGE,
                context: CONTEXT,
            };
            let m_prime = pure.formatted().unwrap();
            let mu = external_mu(pk, &m_prime);
            for form in [
                pure,
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(&m_prime),
                SignedMessage::ExternalMu(&mu),
            ] {
                let sig = dsa
                    .sign(sk, form, SigningRandomness::Deterministic)
                    .unwrap();
                dsa.verify(pk, form, &sig).unwrap();
                for bit in [0, 7, 8 * 100 + 3, 8 * sig.len() - 1] {
                    let mut bad = sig.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert_eq!(
                        dsa.verify(pk, form, &bad),
                        Err(PqcError::InvalidSignature),
                        "{} {form:?} bit {bit}",
                        dsa.algorithm
                    );
                }
                assert_eq!(
                    dsa.verify(&other.public_key, form, &sig),
                    Err(PqcError::InvalidSignature)
                );
            }
            let sig = dsa
                .sign(sk, pure, SigningRandomness::Deterministic)
                .unwrap();
            for wrong in [
                SignedMessage::Pure {
                    message: b"another message",
                    context: CONTEXT,
                },
                SignedMessage::Pure {
                    message: MESSAGE,
                    context: b"another context",
                },
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(MESSAGE),
            ] {
                assert_eq!(dsa.verify(pk, wrong, &sig), Err(PqcError::InvalidSignature));
            }
        }
    }

    #[test]
    fn ml_dsa_checks_lengths_context_and_randomness() {
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());
            let msg = SignedMessage::pure(MESSAGE);
            let d = SigningRandomness::Deterministic;
            let sig = dsa.sign(sk, msg, d).unwrap();

            for seed in [&[0u8; 31][..], &[0u8; 33][..], &[][..]] {
                assert_eq!(
                    dsa.generate_from_seed(seed).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "seed",
                        got: seed.len(),
                        expected: 32
                    }
                );
            }
            let mut long_sk = sk.to_vec();
            long_sk.push(0);
            for bad in [&sk[..sk.len() - 1], &long_sk[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "secret key",
                    got: bad.len(),
                    expected: sizes.secret_key,
                };
                assert_eq!(dsa.sign(bad, msg, d).unwrap_err(), want);
                assert_eq!(dsa.sign_random(bad, MESSAGE, &[]).unwrap_err(), want);
            }
            let mut long_pk = pk.clone();
            long_pk.push(0);
            for bad in [&pk[..pk.len() - 1], &long_pk[..], &[][..]] {
                assert_eq!(
                    dsa.verify(bad, msg, &sig).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "public key",
                        got: bad.len(),
                        expected: sizes.public_key
                    }
                );
            }
            for rnd in [&[0u8; 31][..], &[0u8; 33][..], &[][..]] {
                assert_eq!(
                    dsa.sign(sk, msg, SigningRandomness::Hedged(rnd))
                        .unwrap_err(),
                    PqcError::InvalidLength {
                        what: "rnd",
                        got: rnd.len(),
                        expected: 32
                    }
                );
            }
            let long_ctx = [0u8; 256];
            let too_long = SignedMessage::Pure {
                message: MESSAGE,
                context: &long_ctx,
            };
            assert_eq!(
                dsa.sign(sk, too_long, d).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            assert_eq!(
                dsa.verify(pk, too_long, &sig).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            assert_eq!(
                dsa.sign_random(sk, MESSAGE, &long_ctx).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            // 255 bytes of context are allowed.
            let max_ctx = SignedMessage::Pure {
                message: MESSAGE,
                context: &long_ctx[..255],
            };
            let s = dsa.sign(sk, max_ctx, d).unwrap();
            dsa.verify(pk, max_ctx, &s).unwrap();

            for mu in [&[0u8; 63][..], &[0u8; 65][..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "external mu",
                    got: mu.len(),
                    expected: 64,
                };
                let form = SignedMessage::ExternalMu(mu);
                assert_eq!(dsa.sign(sk, form, d).unwrap_err(), want);
                assert_eq!(dsa.verify(pk, form, &sig).unwrap_err(), want);
            }
            // A signature of the wrong length is simply invalid.
            let mut long_sig = sig.clone();
            long_sig.push(0);
            for bad in [&sig[..sig.len() - 1], &long_sig[..], &[][..]] {
                assert_eq!(dsa.verify(pk, msg, bad), Err(PqcError::InvalidSignature));
                let internal = SignedMessage::Internal(MESSAGE);
                assert_eq!(
                    dsa.verify(pk, internal, bad),
                    Err(PqcError::InvalidSignature)
                );
            }
            // Arbitrary bytes of the right length as a secret key: an error or a signature that
            // does not verify, never a panic.
            let junk = vec![0xA5u8; sizes.secret_key];
            if let Ok(sig) = dsa.sign(&junk, msg, d) {
                assert!(dsa.verify(pk, msg, &sig).is_err());
            }
            let _ = dsa.sign_random(&junk, MESSAGE, &[]);
        }
    }

    #[test]
    fn ml_dsa_acvp_key_generation() {
        let mut n = 0;
        let Some(cases) = acvp_cases("ML-DSA-keyGen-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let pair = dsa
                .generate_from_seed(&hex_field(&case.prompt, "seed"))
                .unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(
                pair.public_key,
                hex_field(&case.expected, "pk"),
                "tcId {id}"
            );
            assert_eq!(
                pair.secret_key.as_bytes(),
                hex_field(&case.expected, "sk"),
                "tcId {id}"
            );
            n += 1;
        }
        assert_eq!(n, 75);
    }

    /// The 65370b8 sigGen vectors exercise ML-DSA.Sign_internal: `message` is M' itself.
    #[test]
    fn ml_dsa_acvp_signature_generation() {
        let (mut deterministic, mut hedged) = (0, 0);
        let Some(cases) = acvp_cases("ML-DSA-sigGen-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let sk = hex_field(&case.prompt, "sk");
            let message = hex_field(&case.prompt, "message");
            let rnd;
            let randomness = if case.group["deterministic"].as_bool().unwrap() {
                deterministic += 1;
                SigningRandomness::Deterministic
            } else {
                hedged += 1;
                rnd = hex_field(&case.prompt, "rnd");
                SigningRandomness::Hedged(&rnd)
            };
            let form = SignedMessage::Internal(&message);
            let sig = dsa.sign(&sk, form, randomness).unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(sig, hex_field(&case.expected, "signature"), "tcId {id}");
        }
        assert_eq!((deterministic, hedged), (30, 30));
    }

    #[test]
    fn ml_dsa_acvp_signature_verification() {
        let (mut valid, mut invalid) = (0, 0);
        let Some(cases) = acvp_cases("ML-DSA-sigVer-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let pk = hex_field(&case.group, "pk");
            let message = hex_field(&case.prompt, "message");
            let sig = hex_field(&case.prompt, "signature");
            let passed = case.expected["testPassed"].as_bool().unwrap();
            let result = dsa.verify(&pk, SignedMessage::Internal(&message), &sig);
            let id = &case.prompt["tcId"];
            if passed {
                assert_eq!(result, Ok(()), "tcId {id}");
                valid += 1;
            } else {
                assert_eq!(result, Err(PqcError::InvalidSignature), "tcId {id}");
                invalid += 1;
            }
        }
        assert!(valid > 0 && invalid > 0);
    }
}
