//! ML-DSA (FIPS 204) on the RustCrypto `ml-dsa` crate.
//!
//! Every signing mode funnels into one call, `ExpandedSigningKey::sign_mu_randomized`: it is the
//! only signing entry point of the crate that takes a precomputed μ *and* reports failure
//! instead of panicking, and feeding it a one-shot RNG that yields exactly `rnd` makes it
//! Sign_internal with an explicit `rnd`. μ = H(tr ‖ M', 64) is therefore computed here for the
//! pure and internal modes; verification uses the crate's own μ, so the round-trip tests
//! cross-check the two.
//!
//! The crate's expanded-key decoder (`from_expanded`) asserts that every s1/s2 coefficient is in
//! [-η, η] and panics otherwise, so that range is checked here first.

use std::fmt;
use std::marker::PhantomData;

use ::ml_dsa::signature::rand_core::{TryCryptoRng, TryRng};
use ::ml_dsa::{
    EncodedVerifyingKey, ExpandedSigningKey, ExpandedSigningKeyBytes, MlDsa44, MlDsa65, MlDsa87,
    MlDsaParams, SigningKey, VerifyingKey, B32,
};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::Shake256;
use zeroize::Zeroizing;

use super::{as_array, check_context, PROVIDER_NAME};
use crate::crypto::{
    PqcError, SecretBytes, Signature, SignatureAlgorithm, SignatureKeyPair, SignedMessage,
    SigningRandomness,
};

const SEED_WHAT: &str = "ML-DSA seed";
const SK_WHAT: &str = "ML-DSA secret key";
const PK_WHAT: &str = "ML-DSA public key";
const RND_WHAT: &str = "ML-DSA rnd";
const MU_WHAT: &str = "ML-DSA external mu";

/// Byte offsets in the skEncode layout ρ ‖ K ‖ tr ‖ s1 ‖ s2 ‖ t0 (FIPS 204 Algorithm 24).
const TR_OFFSET: usize = 64;
const TR_LEN: usize = 64;
const S1_OFFSET: usize = TR_OFFSET + TR_LEN;
const MU_LEN: usize = 64;
const RND_LEN: usize = 32;

/// A parameter set's registry entry and the FIPS 204 Table 1 values the key checks need.
pub(super) trait MlDsaParameterSet: MlDsaParams + Send + Sync + 'static {
    const ALGORITHM: SignatureAlgorithm;
    /// Bound on the coefficients of s1 and s2.
    const ETA: u32;
    /// Dimensions of A (k × ℓ): s1 has ℓ polynomials, s2 has k.
    const K: usize;
    const L: usize;
}

macro_rules! ml_dsa_parameter_sets {
    ($($params:ty => $algorithm:ident, eta $eta:literal, k $k:literal, l $l:literal;)+) => {$(
        impl MlDsaParameterSet for $params {
            const ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::$algorithm;
            const ETA: u32 = $eta;
            const K: usize = $k;
            const L: usize = $l;
        }
    )+};
}

ml_dsa_parameter_sets! {
    MlDsa44 => MlDsa44, eta 2, k 4, l 4;
    MlDsa65 => MlDsa65, eta 4, k 6, l 5;
    MlDsa87 => MlDsa87, eta 2, k 8, l 7;
}

/// The `Signature` implementation shared by the three parameter sets.
pub(super) struct MlDsa<P>(PhantomData<P>);

impl<P> MlDsa<P> {
    pub(super) const NEW: Self = Self(PhantomData);
}

impl<P: MlDsaParameterSet> Signature for MlDsa<P> {
    fn algorithm(&self) -> SignatureAlgorithm {
        P::ALGORITHM
    }

    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
        let xi: &B32 = as_array(SEED_WHAT, seed, P::ALGORITHM.sizes().keygen_seed)?;
        let signing_key = SigningKey::<P>::from_seed(xi);
        let verifying_key: &VerifyingKey<P> = signing_key.as_ref();
        // FIPS 204 defines the expanded encoding (skEncode); the crate deprecates it only in
        // favour of storing seeds.
        #[allow(deprecated)]
        let expanded = Zeroizing::new(signing_key.expanded_key().to_expanded());
        Ok(SignatureKeyPair {
            public_key: verifying_key.encode().to_vec(),
            secret_key: SecretBytes::new(expanded.to_vec()),
        })
    }

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError> {
        let encoded_key: &ExpandedSigningKeyBytes<P> =
            as_array(SK_WHAT, secret_key, P::ALGORITHM.sizes().secret_key)?;
        let tr = secret_key
            .get(TR_OFFSET..TR_OFFSET + TR_LEN)
            .ok_or(PqcError::Malformed(SK_WHAT))?;
        let mu = message_representative(tr, message)?;
        let rnd = match randomness {
            SigningRandomness::Deterministic => Zeroizing::new([0u8; RND_LEN]),
            SigningRandomness::Hedged(rnd) => Zeroizing::new(
                rnd.try_into()
                    .map_err(|_| invalid_length(RND_WHAT, rnd, RND_LEN))?,
            ),
        };
        check_secret_vector_ranges::<P>(secret_key)?;

        #[allow(deprecated)] // the expanded form is what ACVP and Wycheproof "noseed" provide
        let signing_key = ExpandedSigningKey::<P>::from_expanded(encoded_key);
        let signature = signing_key
            .sign_mu_randomized(&mu.into(), &mut OneShotRnd(Some(&*rnd)))
            // Rejection sampling gives up after 2^16 nonces, which for a well-formed key does
            // not happen; a crafted key with in-range coefficients can still cause it.
            .map_err(|_| PqcError::Backend {
                provider: PROVIDER_NAME,
                operation: "ML-DSA signing",
            })?;
        Ok(signature.encode().to_vec())
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError> {
        let encoded_key: &EncodedVerifyingKey<P> =
            as_array(PK_WHAT, public_key, P::ALGORITHM.sizes().public_key)?;
        // Caller errors in the message are reported before looking at the signature.
        match message {
            SignedMessage::Pure { context, .. } => check_context(context)?,
            SignedMessage::ExternalMu(mu) if mu.len() != MU_LEN => {
                return Err(invalid_length(MU_WHAT, mu, MU_LEN));
            }
            _ => {}
        }
        // pkDecode accepts every byte string of the right length (t1 packs 10-bit values).
        let verifying_key = VerifyingKey::<P>::decode(encoded_key);
        // A wrong length, a malformed hint encoding or ‖z‖∞ ≥ γ1 − β all make the signature
        // invalid rather than the call erroneous.
        let signature = ::ml_dsa::Signature::<P>::try_from(signature)
            .map_err(|_| PqcError::InvalidSignature)?;
        let valid = match message {
            SignedMessage::Pure { message, context } => {
                verifying_key.verify_with_context(message, context, &signature)
            }
            SignedMessage::Internal(formatted) => {
                verifying_key.verify_internal(formatted, &signature)
            }
            SignedMessage::ExternalMu(mu) => {
                let mu = mu
                    .try_into()
                    .map_err(|_| invalid_length(MU_WHAT, mu, MU_LEN))?;
                verifying_key.verify_mu(mu, &signature)
            }
        };
        if valid {
            Ok(())
        } else {
            Err(PqcError::InvalidSignature)
        }
    }
}

fn invalid_length(what: &'static str, bytes: &[u8], expected: usize) -> PqcError {
    PqcError::InvalidLength {
        what,
        got: bytes.len(),
        expected,
    }
}

/// μ for each interface: H(tr ‖ M', 64) (FIPS 204 Algorithm 7 line 6), or as given.
fn message_representative(tr: &[u8], message: SignedMessage<'_>) -> Result<[u8; MU_LEN], PqcError> {
    let mut shake = Shake256::default();
    shake.update(tr);
    match message {
        SignedMessage::Pure { message, context } => {
            check_context(context)?;
            let context_len =
                u8::try_from(context.len()).map_err(|_| PqcError::ContextTooLong(context.len()))?;
            shake.update(&[0, context_len]);
            shake.update(context);
            shake.update(message);
        }
        SignedMessage::Internal(formatted) => shake.update(formatted),
        SignedMessage::ExternalMu(mu) => {
            return mu
                .try_into()
                .map_err(|_| invalid_length(MU_WHAT, mu, MU_LEN));
        }
    }
    let mut mu = [0u8; MU_LEN];
    shake.finalize_xof().read(&mut mu);
    Ok(mu)
}

/// Rejects an expanded key whose s1 or s2 holds a coefficient outside [-η, η]. skEncode stores
/// each as η − s in bitlen(2η) bits, so valid packed values are exactly 0..=2η. The scan does not
/// stop early, so its timing does not depend on where a bad coefficient sits.
fn check_secret_vector_ranges<P: MlDsaParameterSet>(secret_key: &[u8]) -> Result<(), PqcError> {
    let bits = if P::ETA == 2 { 3 } else { 4 };
    let packed_len = (P::L + P::K) * 32 * bits;
    let packed = secret_key
        .get(S1_OFFSET..S1_OFFSET + packed_len)
        .ok_or(PqcError::Malformed(SK_WHAT))?;
    let mask = (1u32 << bits) - 1;
    let max = 2 * P::ETA;
    let mut pending = 0u32;
    let mut pending_bits = 0;
    let mut out_of_range = 0u32;
    for &byte in packed {
        pending |= u32::from(byte) << pending_bits;
        pending_bits += 8;
        while pending_bits >= bits {
            // max − value underflows into the top bit exactly when value > max.
            out_of_range |= max.wrapping_sub(pending & mask) >> 31;
            pending >>= bits;
            pending_bits -= bits;
        }
    }
    if out_of_range == 0 {
        Ok(())
    } else {
        Err(PqcError::Malformed(SK_WHAT))
    }
}

/// An RNG that yields one caller-chosen `rnd` and then fails, turning the crate's randomized
/// signer into Sign_internal with an explicit `rnd`.
struct OneShotRnd<'a>(Option<&'a [u8; RND_LEN]>);

#[derive(Debug)]
struct RndAlreadyUsed;

impl fmt::Display for RndAlreadyUsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the signer asked for other randomness than one 32-byte rnd")
    }
}

impl std::error::Error for RndAlreadyUsed {}

impl TryRng for OneShotRnd<'_> {
    type Error = RndAlreadyUsed;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Err(RndAlreadyUsed)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Err(RndAlreadyUsed)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        match self.0.take() {
            Some(rnd) if dst.len() == rnd.len() => {
                dst.copy_from_slice(rnd);
                Ok(())
            }
            _ => Err(RndAlreadyUsed),
        }
    }
}

impl TryCryptoRng for OneShotRnd<'_> {}

#[cfg(test)]
mod tests {
    use super::super::test_vectors::{acvp_group, expected_case, hex_field};
    use super::super::PROVIDER;
    use super::*;
    use sonet_testkit::pinned_json_or_skip;

    const ALGORITHMS: [SignatureAlgorithm; 3] = [
        SignatureAlgorithm::MlDsa44,
        SignatureAlgorithm::MlDsa65,
        SignatureAlgorithm::MlDsa87,
    ];

    fn scheme(algorithm: SignatureAlgorithm) -> &'static dyn Signature {
        PROVIDER
            .signature(algorithm)
            .expect("every ML-DSA set is provided")
    }

    fn key_pair(algorithm: SignatureAlgorithm) -> SignatureKeyPair {
        scheme(algorithm).generate_from_seed(&[42; 32]).unwrap()
    }

    fn shake256_64(parts: &[&[u8]]) -> [u8; 64] {
        let mut shake = Shake256::default();
        for part in parts {
            shake.update(part);
        }
        let mut out = [0u8; 64];
        shake.finalize_xof().read(&mut out);
        out
    }

    #[test]
    fn round_trip_every_parameter_set_and_interface() {
        for algorithm in ALGORITHMS {
            let sizes = algorithm.sizes();
            let scheme = scheme(algorithm);
            let pair = scheme.generate().unwrap();
            assert_eq!(pair.public_key.len(), sizes.public_key);
            assert_eq!(pair.secret_key.len(), sizes.secret_key);
            let sk = pair.secret_key.as_bytes();
            let mu = [3u8; 64];
            for message in [
                SignedMessage::pure(b"hello"),
                SignedMessage::Pure {
                    message: b"hello",
                    context: b"ctx",
                },
                SignedMessage::Internal(b"raw M'"),
                SignedMessage::ExternalMu(&mu),
            ] {
                let signature = scheme
                    .sign(sk, message, SigningRandomness::Hedged(&[8; 32]))
                    .unwrap();
                assert_eq!(signature.len(), sizes.signature);
                assert_eq!(
                    scheme.verify(&pair.public_key, message, &signature),
                    Ok(()),
                    "{algorithm} {message:?}"
                );
            }
            let signature = scheme.sign_random(sk, b"hello", b"").unwrap();
            scheme
                .verify(&pair.public_key, SignedMessage::pure(b"hello"), &signature)
                .unwrap();
        }
    }

    #[test]
    fn interfaces_agree_on_the_message_representative() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
            let sk = pair.secret_key.as_bytes();
            let (message, context) = (&b"message"[..], &b"context"[..]);
            let pure = SignedMessage::Pure { message, context };
            let formatted = pure.formatted().unwrap();
            let tr = shake256_64(&[&pair.public_key]);
            let mu = shake256_64(&[&tr, &formatted]);

            let sign = |m| {
                scheme
                    .sign(sk, m, SigningRandomness::Deterministic)
                    .unwrap()
            };
            let by_pure = sign(pure);
            assert_eq!(by_pure, sign(SignedMessage::Internal(&formatted)));
            assert_eq!(by_pure, sign(SignedMessage::ExternalMu(&mu)));
            for m in [
                pure,
                SignedMessage::Internal(&formatted),
                SignedMessage::ExternalMu(&mu),
            ] {
                assert_eq!(scheme.verify(&pair.public_key, m, &by_pure), Ok(()));
            }
        }
    }

    #[test]
    fn generation_and_deterministic_signing_are_reproducible() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let first = key_pair(algorithm);
            let again = key_pair(algorithm);
            assert_eq!(first.public_key, again.public_key);
            assert_eq!(first.secret_key, again.secret_key);
            let other = scheme.generate_from_seed(&[43; 32]).unwrap();
            assert_ne!(first.public_key, other.public_key);

            let sk = first.secret_key.as_bytes();
            let message = SignedMessage::pure(b"m");
            let sign = |r| scheme.sign(sk, message, r).unwrap();
            let deterministic = sign(SigningRandomness::Deterministic);
            assert_eq!(deterministic, sign(SigningRandomness::Deterministic));
            assert_eq!(deterministic, sign(SigningRandomness::Hedged(&[0; 32])));
            let hedged = sign(SigningRandomness::Hedged(&[1; 32]));
            assert_ne!(deterministic, hedged);
            assert_eq!(hedged, sign(SigningRandomness::Hedged(&[1; 32])));
        }
    }

    #[test]
    fn modified_signature_message_or_context_is_invalid() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
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
            let len = signature.len();
            // c̃, z, the hint indices and the hint counters.
            for position in [0, 100, len - 100, len - 1] {
                let mut flipped = signature.clone();
                flipped[position] ^= 0x01;
                assert_eq!(
                    scheme.verify(&pair.public_key, message, &flipped),
                    Err(PqcError::InvalidSignature),
                    "{algorithm} byte {position}"
                );
            }
            for other in [
                SignedMessage::Pure {
                    message: b"n",
                    context: b"c",
                },
                SignedMessage::Pure {
                    message: b"m",
                    context: b"d",
                },
                SignedMessage::pure(b"m"),
                SignedMessage::Internal(b"m"),
            ] {
                assert_eq!(
                    scheme.verify(&pair.public_key, other, &signature),
                    Err(PqcError::InvalidSignature)
                );
            }
            let other_key = scheme.generate_from_seed(&[1; 32]).unwrap();
            assert_eq!(
                scheme.verify(&other_key.public_key, message, &signature),
                Err(PqcError::InvalidSignature)
            );
        }
    }

    #[test]
    fn wrong_lengths_and_long_contexts_are_rejected() {
        for algorithm in ALGORITHMS {
            let sizes = algorithm.sizes();
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
            let sk = pair.secret_key.as_bytes();
            let pk = &pair.public_key;
            let message = SignedMessage::pure(b"m");
            let signature = scheme
                .sign(sk, message, SigningRandomness::Deterministic)
                .unwrap();
            let is_length_error = |e: PqcError| matches!(e, PqcError::InvalidLength { .. });
            let det = SigningRandomness::Deterministic;

            for seed in [&[0u8; 31][..], &[0; 33], &[]] {
                assert!(is_length_error(
                    scheme.generate_from_seed(seed).unwrap_err()
                ));
            }
            for bad_sk in [&sk[1..], &[sk, &[0]].concat()] {
                assert_eq!(
                    scheme.sign(bad_sk, message, det).unwrap_err(),
                    PqcError::InvalidLength {
                        what: SK_WHAT,
                        got: bad_sk.len(),
                        expected: sizes.secret_key
                    }
                );
            }
            for bad_pk in [&pk[1..], &[pk.as_slice(), &[0]].concat()] {
                assert!(is_length_error(
                    scheme.verify(bad_pk, message, &signature).unwrap_err()
                ));
            }
            for bad_signature in [&signature[1..], &[signature.as_slice(), &[0]].concat()] {
                assert_eq!(
                    scheme.verify(pk, message, bad_signature),
                    Err(PqcError::InvalidSignature)
                );
            }
            for rnd in [&[0u8; 31][..], &[0; 33]] {
                assert!(is_length_error(
                    scheme
                        .sign(sk, message, SigningRandomness::Hedged(rnd))
                        .unwrap_err()
                ));
            }
            let short_mu = SignedMessage::ExternalMu(&[0; 63]);
            assert!(is_length_error(scheme.sign(sk, short_mu, det).unwrap_err()));
            assert!(is_length_error(
                scheme.verify(pk, short_mu, &signature).unwrap_err()
            ));
            let long_context = SignedMessage::Pure {
                message: b"m",
                context: &[0; 256],
            };
            assert_eq!(
                scheme.sign(sk, long_context, det),
                Err(PqcError::ContextTooLong(256))
            );
            assert_eq!(
                scheme.verify(pk, long_context, &signature),
                Err(PqcError::ContextTooLong(256))
            );
        }
    }

    #[test]
    fn secret_key_with_out_of_range_coefficient_is_malformed_not_a_panic() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
            let s1_len = match algorithm {
                SignatureAlgorithm::MlDsa44 => 4 * 96,
                SignatureAlgorithm::MlDsa65 => 5 * 128,
                _ => 7 * 96,
            };
            // The first packed value of s1, then of s2, set to all ones (7 or 15 > 2η).
            for offset in [S1_OFFSET, S1_OFFSET + s1_len] {
                let mut sk = pair.secret_key.as_bytes().to_vec();
                sk[offset] |= 0x0F;
                assert_eq!(
                    scheme.sign(
                        &sk,
                        SignedMessage::pure(b"m"),
                        SigningRandomness::Deterministic
                    ),
                    Err(PqcError::Malformed(SK_WHAT)),
                    "{algorithm} offset {offset}"
                );
            }
        }
    }

    #[test]
    fn acvp_key_generation_first_case_of_each_set() {
        let dir = "acvp/ML-DSA-keyGen-FIPS204/65370b8";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        for algorithm in ALGORITHMS {
            let (group, expected_group) =
                acvp_group(&prompt, &expected, algorithm.name(), |_| true);
            let case = &group["tests"][0];
            let result = expected_case(expected_group, case);
            let pair = scheme(algorithm)
                .generate_from_seed(&hex_field(case, "seed"))
                .unwrap();
            assert_eq!(pair.public_key, hex_field(result, "pk"), "{algorithm}");
            assert_eq!(
                pair.secret_key.as_bytes(),
                hex_field(result, "sk"),
                "{algorithm}"
            );
        }
    }

    /// Signing from an ACVP expanded key through the internal interface, both variants.
    #[test]
    fn acvp_signature_generation_first_case_of_each_group() {
        let dir = "acvp/ML-DSA-sigGen-FIPS204/65370b8";
        let prompt = pinned_json_or_skip!(format!("{dir}/prompt.json"));
        let expected = pinned_json_or_skip!(format!("{dir}/expectedResults.json"));
        for algorithm in ALGORITHMS {
            for deterministic in [true, false] {
                let (group, expected_group) =
                    acvp_group(&prompt, &expected, algorithm.name(), |g| {
                        g["deterministic"] == deterministic
                    });
                let case = &group["tests"][0];
                let result = expected_case(expected_group, case);
                let rnd = (!deterministic).then(|| hex_field(case, "rnd"));
                let randomness = match &rnd {
                    Some(rnd) => SigningRandomness::Hedged(rnd),
                    None => SigningRandomness::Deterministic,
                };
                let message = hex_field(case, "message");
                let signature = scheme(algorithm)
                    .sign(
                        &hex_field(case, "sk"),
                        SignedMessage::Internal(&message),
                        randomness,
                    )
                    .unwrap();
                assert_eq!(
                    signature,
                    hex_field(result, "signature"),
                    "{algorithm} tcId {}",
                    case["tcId"]
                );
            }
        }
    }

    /// Wycheproof's expanded ("noseed") keys: the baseline case and the external-μ boundary
    /// cases (rejection-loop edge cases from the ACVP draft) sign to the expected bytes, and the
    /// keys with an out-of-range s1 or s2 are refused instead of reaching the crate's panicking
    /// decoder.
    #[test]
    fn wycheproof_noseed_known_answers_and_out_of_range_keys() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let file = format!(
                "wycheproof/mldsa_{}_sign_noseed_test.json",
                &algorithm.name()[7..]
            );
            let vectors = pinned_json_or_skip!(file);
            let (mut external_mu, mut out_of_range) = (0, 0);
            for group in vectors["testGroups"].as_array().unwrap() {
                let sk = hex_field(group, "privateKey");
                for case in group["tests"].as_array().unwrap() {
                    let has_flag =
                        |flag: &str| case["flags"].as_array().unwrap().iter().any(|f| f == flag);
                    let id = format!("{file} tcId {}", case["tcId"]);
                    let det = SigningRandomness::Deterministic;
                    if case["tcId"] == 1 {
                        let message = hex_field(case, "msg");
                        let signature = scheme.sign(&sk, SignedMessage::pure(&message), det);
                        assert_eq!(signature.unwrap(), hex_field(case, "sig"), "{id}");
                    } else if has_flag("Internal") {
                        let mu = hex_field(case, "mu");
                        let signature = scheme.sign(&sk, SignedMessage::ExternalMu(&mu), det);
                        assert_eq!(signature.unwrap(), hex_field(case, "sig"), "{id}");
                        external_mu += 1;
                    } else if has_flag("InvalidPrivateKey") {
                        let message = hex_field(case, "msg");
                        assert_eq!(
                            scheme.sign(&sk, SignedMessage::pure(&message), det),
                            Err(PqcError::Malformed(SK_WHAT)),
                            "{id}"
                        );
                        out_of_range += 1;
                    }
                }
            }
            assert!(external_mu > 0, "{file} has external-mu cases");
            assert_eq!(out_of_range, 2, "{file}: one s1 and one s2 case");
        }
    }
}
