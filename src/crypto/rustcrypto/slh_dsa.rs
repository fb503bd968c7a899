//! SLH-DSA (FIPS 205) on the RustCrypto `slh-dsa` crate, all twelve parameter sets.
//!
//! The crate's KAT entry points (`slh_keygen_internal`, `slh_sign_internal`) copy their inputs
//! with `clone_from_slice` and panic on a wrong length, so every length is checked here first.
//! FIPS 205 has no external-μ interface.

use std::marker::PhantomData;

use ::slh_dsa::{
    ParameterSet, Sha2_128f, Sha2_128s, Sha2_192f, Sha2_192s, Sha2_256f, Sha2_256s, Shake128f,
    Shake128s, Shake192f, Shake192s, Shake256f, Shake256s, SigningKey, VerifyingKey,
};
use zeroize::Zeroizing;

use super::{check_context, unsupported};
use crate::crypto::{
    expect_len, PqcError, SecretBytes, Signature, SignatureAlgorithm, SignatureKeyPair,
    SignedMessage, SigningRandomness,
};

const SEED_WHAT: &str = "SLH-DSA seed (SK.seed ‖ SK.prf ‖ PK.seed)";
const SK_WHAT: &str = "SLH-DSA secret key";
const PK_WHAT: &str = "SLH-DSA public key";
const OPT_RAND_WHAT: &str = "SLH-DSA opt_rand";

const EXTERNAL_MU_REASON: &str = "FIPS 205 defines no external-mu interface for SLH-DSA";

/// Ties a crate parameter set to its registry entry.
pub(super) trait SlhDsaParameterSet: ParameterSet + Send + Sync + 'static {
    const ALGORITHM: SignatureAlgorithm;
}

macro_rules! slh_dsa_parameter_sets {
    ($($params:ty => $algorithm:ident),+ $(,)?) => {$(
        impl SlhDsaParameterSet for $params {
            const ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::$algorithm;
        }
    )+};
}

slh_dsa_parameter_sets! {
    Sha2_128s => SlhDsaSha2_128s,
    Sha2_128f => SlhDsaSha2_128f,
    Sha2_192s => SlhDsaSha2_192s,
    Sha2_192f => SlhDsaSha2_192f,
    Sha2_256s => SlhDsaSha2_256s,
    Sha2_256f => SlhDsaSha2_256f,
    Shake128s => SlhDsaShake128s,
    Shake128f => SlhDsaShake128f,
    Shake192s => SlhDsaShake192s,
    Shake192f => SlhDsaShake192f,
    Shake256s => SlhDsaShake256s,
    Shake256f => SlhDsaShake256f,
}

/// The `Signature` implementation shared by the twelve parameter sets.
pub(super) struct SlhDsa<P>(PhantomData<P>);

impl<P> SlhDsa<P> {
    pub(super) const NEW: Self = Self(PhantomData);
}

impl<P: SlhDsaParameterSet> SlhDsa<P> {
    /// The security parameter n; every SLH-DSA registry entry has one.
    fn n() -> usize {
        P::ALGORITHM.sizes().public_key / 2
    }
}

impl<P: SlhDsaParameterSet> Signature for SlhDsa<P> {
    fn algorithm(&self) -> SignatureAlgorithm {
        P::ALGORITHM
    }

    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
        let n = Self::n();
        expect_len(SEED_WHAT, seed, P::ALGORITHM.sizes().keygen_seed)?;
        let too_short = || PqcError::Malformed(SEED_WHAT);
        let (sk_seed, rest) = seed.split_at_checked(n).ok_or_else(too_short)?;
        let (sk_prf, pk_seed) = rest.split_at_checked(n).ok_or_else(too_short)?;
        let signing_key = SigningKey::<P>::slh_keygen_internal(sk_seed, sk_prf, pk_seed);
        let verifying_key: &VerifyingKey<P> = signing_key.as_ref();
        let secret_key = Zeroizing::new(signing_key.to_bytes());
        Ok(SignatureKeyPair {
            public_key: verifying_key.to_vec(),
            secret_key: SecretBytes::new(secret_key.to_vec()),
        })
    }

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError> {
        expect_len(SK_WHAT, secret_key, P::ALGORITHM.sizes().secret_key)?;
        // None makes the crate use PK.seed, the deterministic variant of FIPS 205 Algorithm 19.
        let opt_rand = match randomness {
            SigningRandomness::Deterministic => None,
            SigningRandomness::Hedged(opt_rand) => {
                expect_len(OPT_RAND_WHAT, opt_rand, Self::n())?;
                Some(opt_rand)
            }
        };
        let (context, message) = pure_or_internal(message, "SLH-DSA external-mu signing")?;
        let signing_key =
            SigningKey::<P>::try_from(secret_key).map_err(|_| PqcError::Malformed(SK_WHAT))?;
        let signature = match context {
            Some(context) => signing_key
                .try_sign_with_context(message, context, opt_rand)
                .map_err(|_| PqcError::ContextTooLong(context.len()))?,
            None => signing_key.slh_sign_internal(&[message], opt_rand),
        };
        Ok(signature.to_vec())
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError> {
        expect_len(PK_WHAT, public_key, P::ALGORITHM.sizes().public_key)?;
        let verifying_key =
            VerifyingKey::<P>::try_from(public_key).map_err(|_| PqcError::Malformed(PK_WHAT))?;
        let (context, message) = pure_or_internal(message, "SLH-DSA external-mu verification")?;
        // The encoding has no structure beyond its length: every field is a hash value.
        let signature = ::slh_dsa::Signature::<P>::try_from(signature)
            .map_err(|_| PqcError::InvalidSignature)?;
        let outcome = match context {
            Some(context) => verifying_key.try_verify_with_context(message, context, &signature),
            None => verifying_key.slh_verify_internal(&[message], &signature),
        };
        outcome.map_err(|_| PqcError::InvalidSignature)
    }
}

/// The context (pure interface) or `None` (internal interface), and the message; SLH-DSA has
/// nothing else.
fn pure_or_internal<'a>(
    message: SignedMessage<'a>,
    operation: &'static str,
) -> Result<(Option<&'a [u8]>, &'a [u8]), PqcError> {
    match message {
        SignedMessage::Pure { message, context } => {
            check_context(context)?;
            Ok((Some(context), message))
        }
        SignedMessage::Internal(formatted) => Ok((None, formatted)),
        SignedMessage::ExternalMu(_) => Err(unsupported(operation, EXTERNAL_MU_REASON)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_vectors::{acvp_group, expected_case, hex_field};
    use super::super::PROVIDER;
    use super::*;
    use crate::crypto::SignatureFamily;
    use sonet_testkit::pinned_json_or_skip;

    fn all() -> impl Iterator<Item = SignatureAlgorithm> {
        SignatureAlgorithm::ALL
            .iter()
            .copied()
            .filter(|a| a.family() == SignatureFamily::SlhDsa)
    }

    /// The fast ("f") sets plus one small ("s") set: "s" signing takes a second or more.
    fn signing_test_sets() -> impl Iterator<Item = SignatureAlgorithm> {
        all().filter(|a| a.name().ends_with('f') || *a == SignatureAlgorithm::SlhDsaShake128s)
    }

    fn scheme(algorithm: SignatureAlgorithm) -> &'static dyn Signature {
        PROVIDER
            .signature(algorithm)
            .expect("every SLH-DSA set is provided")
    }

    fn seed(algorithm: SignatureAlgorithm, byte: u8) -> Vec<u8> {
        vec![byte; algorithm.sizes().keygen_seed]
    }

    #[test]
    fn every_parameter_set_is_provided_with_registry_sizes() {
        assert_eq!(all().count(), 12);
        for algorithm in all() {
            let pair = scheme(algorithm).generate().unwrap();
            let sizes = algorithm.sizes();
            assert_eq!(pair.public_key.len(), sizes.public_key, "{algorithm}");
            assert_eq!(pair.secret_key.len(), sizes.secret_key, "{algorithm}");
        }
    }

    #[test]
    fn generation_is_deterministic_and_lays_out_the_seed() {
        for algorithm in all() {
            let n = algorithm.slh_dsa_n().unwrap();
            let scheme = scheme(algorithm);
            let seed: Vec<u8> = (0..algorithm.sizes().keygen_seed as u8).collect();
            let first = scheme.generate_from_seed(&seed).unwrap();
            let again = scheme.generate_from_seed(&seed).unwrap();
            assert_eq!(first.public_key, again.public_key);
            assert_eq!(first.secret_key, again.secret_key);
            // FIPS 205 §9.1: SK = SK.seed ‖ SK.prf ‖ PK.seed ‖ PK.root, PK = PK.seed ‖ PK.root.
            let sk = first.secret_key.as_bytes();
            assert_eq!(&sk[..3 * n], seed.as_slice());
            assert_eq!(&sk[2 * n..], first.public_key.as_slice());
        }
    }

    #[test]
    fn round_trip_and_determinism_on_fast_sets_and_one_small_set() {
        for algorithm in signing_test_sets() {
            let n = algorithm.slh_dsa_n().unwrap();
            let scheme = scheme(algorithm);
            let pair = scheme.generate_from_seed(&seed(algorithm, 1)).unwrap();
            let sk = pair.secret_key.as_bytes();
            let message = SignedMessage::Pure {
                message: b"message",
                context: b"context",
            };
            let deterministic = scheme
                .sign(sk, message, SigningRandomness::Deterministic)
                .unwrap();
            assert_eq!(deterministic.len(), algorithm.sizes().signature);
            assert_eq!(
                scheme.verify(&pair.public_key, message, &deterministic),
                Ok(())
            );
            assert_eq!(
                deterministic,
                scheme
                    .sign(sk, message, SigningRandomness::Deterministic)
                    .unwrap(),
                "{algorithm}"
            );
            // The deterministic variant is opt_rand = PK.seed.
            let pk_seed = &pair.public_key[..n];
            assert_eq!(
                deterministic,
                scheme
                    .sign(sk, message, SigningRandomness::Hedged(pk_seed))
                    .unwrap()
            );

            // The internal interface over M' = 0 ‖ |ctx| ‖ ctx ‖ M is the same signature.
            let formatted = message.formatted().unwrap();
            let internal = SignedMessage::Internal(&formatted);
            assert_eq!(
                scheme.verify(&pair.public_key, internal, &deterministic),
                Ok(())
            );

            let hedged = scheme
                .sign(sk, internal, SigningRandomness::Hedged(&vec![9; n]))
                .unwrap();
            assert_ne!(hedged, deterministic);
            assert_eq!(scheme.verify(&pair.public_key, internal, &hedged), Ok(()));
            assert_eq!(scheme.verify(&pair.public_key, message, &hedged), Ok(()));
        }
    }

    #[test]
    fn modified_signature_message_or_context_is_invalid() {
        let algorithm = SignatureAlgorithm::SlhDsaSha2_128f;
        let scheme = scheme(algorithm);
        let pair = scheme.generate_from_seed(&seed(algorithm, 2)).unwrap();
        let message = SignedMessage::Pure {
            message: b"m",
            context: b"c",
        };
        let signature = scheme
            .sign(
                pair.secret_key.as_bytes(),
                message,
                SigningRandomness::Deterministic,
            )
            .unwrap();
        // The randomizer R, a FORS secret, and the last authentication-path node.
        for position in [0, 20, signature.len() - 1] {
            let mut flipped = signature.clone();
            flipped[position] ^= 0x01;
            assert_eq!(
                scheme.verify(&pair.public_key, message, &flipped),
                Err(PqcError::InvalidSignature),
                "byte {position}"
            );
        }
        for other in [
            SignedMessage::Pure {
                message: b"n",
                context: b"c",
            },
            SignedMessage::pure(b"m"),
            SignedMessage::Internal(b"m"),
        ] {
            assert_eq!(
                scheme.verify(&pair.public_key, other, &signature),
                Err(PqcError::InvalidSignature)
            );
        }
    }

    #[test]
    fn wrong_lengths_external_mu_and_long_contexts_are_rejected() {
        for algorithm in all() {
            let sizes = algorithm.sizes();
            let n = algorithm.slh_dsa_n().unwrap();
            let scheme = scheme(algorithm);
            let sk = vec![0u8; sizes.secret_key];
            let pk = vec![0u8; sizes.public_key];
            let signature = vec![0u8; sizes.signature];
            let message = SignedMessage::pure(b"m");
            let det = SigningRandomness::Deterministic;
            let is_length_error = |e: PqcError| matches!(e, PqcError::InvalidLength { .. });

            for length in [sizes.keygen_seed - 1, sizes.keygen_seed + 1, 0] {
                assert!(is_length_error(
                    scheme.generate_from_seed(&vec![0; length]).unwrap_err()
                ));
            }
            for length in [sizes.secret_key - 1, sizes.secret_key + 1] {
                assert!(is_length_error(
                    scheme.sign(&vec![0; length], message, det).unwrap_err()
                ));
            }
            for length in [n - 1, n + 1] {
                let opt_rand = vec![0; length];
                assert!(is_length_error(
                    scheme
                        .sign(&sk, message, SigningRandomness::Hedged(&opt_rand))
                        .unwrap_err()
                ));
            }
            for length in [sizes.public_key - 1, sizes.public_key + 1] {
                assert!(is_length_error(
                    scheme
                        .verify(&vec![0; length], message, &signature)
                        .unwrap_err()
                ));
            }
            for length in [sizes.signature - 1, sizes.signature + 1] {
                assert_eq!(
                    scheme.verify(&pk, message, &vec![0; length]),
                    Err(PqcError::InvalidSignature)
                );
            }
            let long_context = SignedMessage::Pure {
                message: b"m",
                context: &[0; 256],
            };
            assert_eq!(
                scheme.sign(&sk, long_context, det),
                Err(PqcError::ContextTooLong(256))
            );
            assert_eq!(
                scheme.verify(&pk, long_context, &signature),
                Err(PqcError::ContextTooLong(256))
            );
            let mu = SignedMessage::ExternalMu(&[0; 64]);
            let unsupported = |e| {
                matches!(
                    e,
                    PqcError::Unsupported {
                        provider: "rustcrypto",
                        ..
                    }
                )
            };
            assert!(unsupported(scheme.sign(&sk, mu, det).unwrap_err()));
            assert!(unsupported(scheme.verify(&pk, mu, &signature).unwrap_err()));
        }
    }

    #[test]
    fn acvp_key_generation_first_case_of_each_set() {
        let dir = "acvp/SLH-DSA-keyGen-FIPS205/v1.1.0.38";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        for algorithm in all() {
            let (group, expected_group) =
                acvp_group(&prompt, &expected, algorithm.name(), |_| true);
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let seed = [
                hex_field(case, "skSeed"),
                hex_field(case, "skPrf"),
                hex_field(case, "pkSeed"),
            ]
            .concat();
            let pair = scheme(algorithm).generate_from_seed(&seed).unwrap();
            assert_eq!(pair.public_key, hex_field(result, "pk"), "{algorithm}");
            assert_eq!(
                pair.secret_key.as_bytes(),
                hex_field(result, "sk"),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn acvp_signature_generation_first_shake_128f_cases() {
        let dir = "acvp/SLH-DSA-sigGen-FIPS205/v1.1.0.35";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        let algorithm = SignatureAlgorithm::SlhDsaShake128f;
        let scheme = scheme(algorithm);
        for deterministic in [true, false] {
            let (group, expected_group) = acvp_group(&prompt, &expected, algorithm.name(), |g| {
                g["deterministic"] == deterministic
            });
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let opt_rand = (!deterministic).then(|| hex_field(case, "additionalRandomness"));
            let randomness = match &opt_rand {
                Some(r) => SigningRandomness::Hedged(r),
                None => SigningRandomness::Deterministic,
            };
            let sk = hex_field(case, "sk");
            let message = hex_field(case, "message");
            let signature = scheme
                .sign(&sk, SignedMessage::Internal(&message), randomness)
                .unwrap();
            let expected_signature = hex_field(result, "signature");
            assert_eq!(signature, expected_signature, "tcId {}", case["tcId"]);

            let pk = &sk[2 * algorithm.slh_dsa_n().unwrap()..];
            assert_eq!(
                scheme.verify(pk, SignedMessage::Internal(&message), &expected_signature),
                Ok(())
            );
        }
    }
}
