//! FN-DSA on Thomas Pornin's `fn-dsa` crate, which implements the FN-DSA *draft* (pre-FIPS 206).
//! Its signatures bind a hashed public key and a context, so they are not Falcon round-3
//! signatures; the round-3 KATs belong to `pqc::falcon`.
//!
//! Key encodings have the sizes of Falcon's but are not Falcon round-3 compatible: the crate packs
//! every bit field least-significant bit first (round 3: most-significant first), and its public
//! key holds h = g/f in the NTT domain rather than h's coefficients. The registry's secret key
//! is header ‖ f ‖ g ‖ F; the crate's own encoding appends SHAKE256(public key) (64 bytes) and
//! never checks it, so that suffix is dropped on output and recomputed on input.
//!
//! The crate draws every random input from an RNG; seeding that RNG (SHAKE256 of the caller's
//! seed) is what makes key generation and signing reproducible.

use std::marker::PhantomData;

use ::fn_dsa::{
    hashed_vrfykey_from_vrfykey, sign_key_size, signature_size, vrfy_key_size, CryptoRng,
    DomainContext, KeyPairGenerator, KeyPairGenerator1024, KeyPairGenerator512, RngCore, RngError,
    SigningKey as _, SigningKey1024, SigningKey512, VerifyingKey as _, VerifyingKey1024,
    VerifyingKey512, HASH_ID_RAW, SHAKE256,
};
use zeroize::Zeroizing;

use super::{check_context, unsupported};
use crate::crypto::{
    expect_len, PqcError, SecretBytes, Signature, SignatureAlgorithm, SignatureKeyPair,
    SignedMessage, SigningRandomness,
};

const SK_WHAT: &str = "FN-DSA secret key";
const PK_WHAT: &str = "FN-DSA public key";

const DETERMINISTIC_REASON: &str =
    "FN-DSA defines no deterministic signing; pass SigningRandomness::Hedged with an RNG seed";
const INTERNAL_REASON: &str = "FN-DSA defines no internal (M') interface, only the pure one";
const EXTERNAL_MU_REASON: &str = "fn-dsa's HASH_ID_EXTMU expects the draft's own mu \
     (SHAKE256 of SHAKE256(pk) || 0 || len(ctx) || ctx || M), not ML-DSA's external mu, \
     and no published FN-DSA standard defines it yet";

/// A degree, its registry entry, and the crate types specialised to it (they size their
/// scratch buffers for one degree only, halving memory for FN-DSA-512).
pub(super) trait FnDsaParameterSet: Send + Sync + 'static {
    const ALGORITHM: SignatureAlgorithm;
    const LOGN: u32;
    type KeyPairGenerator: KeyPairGenerator;
    type SigningKey: ::fn_dsa::SigningKey;
    type VerifyingKey: ::fn_dsa::VerifyingKey;
}

pub(super) enum FnDsa512 {}
pub(super) enum FnDsa1024 {}

impl FnDsaParameterSet for FnDsa512 {
    const ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::FnDsa512;
    const LOGN: u32 = ::fn_dsa::FN_DSA_LOGN_512;
    type KeyPairGenerator = KeyPairGenerator512;
    type SigningKey = SigningKey512;
    type VerifyingKey = VerifyingKey512;
}

impl FnDsaParameterSet for FnDsa1024 {
    const ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::FnDsa1024;
    const LOGN: u32 = ::fn_dsa::FN_DSA_LOGN_1024;
    type KeyPairGenerator = KeyPairGenerator1024;
    type SigningKey = SigningKey1024;
    type VerifyingKey = VerifyingKey1024;
}

/// The `Signature` implementation shared by both degrees.
pub(super) struct FnDsa<P>(PhantomData<P>);

impl<P> FnDsa<P> {
    pub(super) const NEW: Self = Self(PhantomData);
}

impl<P: FnDsaParameterSet> Signature for FnDsa<P> {
    fn algorithm(&self) -> SignatureAlgorithm {
        P::ALGORITHM
    }

    /// Any seed length is accepted: it only seeds the RNG the crate's key generation draws from.
    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
        let registry_sk_len = P::ALGORITHM.sizes().secret_key;
        // Sized by the crate's own functions, as `keygen` asserts on them.
        let mut crate_sk = Zeroizing::new(vec![0u8; sign_key_size(P::LOGN)]);
        let mut public_key = vec![0u8; vrfy_key_size(P::LOGN)];
        P::KeyPairGenerator::default().keygen(
            P::LOGN,
            &mut ShakeRng::new(seed),
            &mut crate_sk,
            &mut public_key,
        );
        let secret_key = crate_sk.get(..registry_sk_len).ok_or(PqcError::Backend {
            provider: super::PROVIDER_NAME,
            operation: "FN-DSA key generation",
        })?;
        Ok(SignatureKeyPair {
            public_key,
            secret_key: SecretBytes::from(secret_key),
        })
    }

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError> {
        expect_len(SK_WHAT, secret_key, P::ALGORITHM.sizes().secret_key)?;
        let (message, context) = pure_only(message, Operation::Signing)?;
        let rng_seed = match randomness {
            SigningRandomness::Deterministic => {
                return Err(unsupported(
                    "FN-DSA deterministic signing",
                    DETERMINISTIC_REASON,
                ));
            }
            SigningRandomness::Hedged(seed) => seed,
        };
        let mut signing_key = decode_signing_key::<P>(secret_key)?;
        let mut signature = vec![0u8; signature_size(P::LOGN)];
        signing_key
            .sign(
                &mut ShakeRng::new(rng_seed),
                &DomainContext(context),
                &HASH_ID_RAW,
                message,
                &mut signature,
            )
            // The crate gives up after 27 failed attempts (probability < 2^-256 for a real key)
            // and takes that as proof of an invalid key.
            .ok_or(PqcError::Malformed(SK_WHAT))?;
        Ok(signature)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError> {
        let sizes = P::ALGORITHM.sizes();
        expect_len(PK_WHAT, public_key, sizes.public_key)?;
        let (message, context) = pure_only(message, Operation::Verification)?;
        // Rejects a wrong header or degree and any coefficient ≥ q.
        let verifying_key =
            P::VerifyingKey::decode(public_key).ok_or(PqcError::Malformed(PK_WHAT))?;
        // Signatures use the padded format only, so any other length is invalid.
        if signature.len() == sizes.signature
            && verifying_key.verify(signature, &DomainContext(context), &HASH_ID_RAW, message)
        {
            Ok(())
        } else {
            Err(PqcError::InvalidSignature)
        }
    }
}

#[derive(Clone, Copy)]
enum Operation {
    Signing,
    Verification,
}

/// The message and context of the pure interface, the only one FN-DSA defines.
fn pure_only(message: SignedMessage<'_>, operation: Operation) -> Result<(&[u8], &[u8]), PqcError> {
    let (internal, external_mu) = match operation {
        Operation::Signing => (
            "FN-DSA internal-interface signing",
            "FN-DSA external-mu signing",
        ),
        Operation::Verification => (
            "FN-DSA internal-interface verification",
            "FN-DSA external-mu verification",
        ),
    };
    match message {
        SignedMessage::Pure { message, context } => {
            check_context(context)?;
            Ok((message, context))
        }
        SignedMessage::Internal(_) => Err(unsupported(internal, INTERNAL_REASON)),
        SignedMessage::ExternalMu(_) => Err(unsupported(external_mu, EXTERNAL_MU_REASON)),
    }
}

/// Decodes a registry-format secret key (header ‖ f ‖ g ‖ F, length already checked) into the
/// crate's signer, supplying the SHAKE256(public key) suffix the crate's encoding carries.
fn decode_signing_key<P: FnDsaParameterSet>(secret_key: &[u8]) -> Result<P::SigningKey, PqcError> {
    let malformed = || PqcError::Malformed(SK_WHAT);
    let mut crate_sk = Zeroizing::new(vec![0u8; sign_key_size(P::LOGN)]);
    crate_sk
        .get_mut(..secret_key.len())
        .ok_or_else(malformed)?
        .copy_from_slice(secret_key);
    // Decoding derives the public key from f and g and never reads the stored hash, so a
    // zero placeholder is enough to learn the public key to hash.
    let provisional = P::SigningKey::decode(&crate_sk).ok_or_else(malformed)?;
    let mut public_key = vec![0u8; vrfy_key_size(P::LOGN)];
    provisional.to_verifying_key(&mut public_key);
    drop(provisional);
    crate_sk
        .get_mut(secret_key.len()..)
        .ok_or_else(malformed)?
        .copy_from_slice(&hashed_vrfykey_from_vrfykey(&public_key));
    P::SigningKey::decode(&crate_sk).ok_or_else(malformed)
}

/// SHAKE256(seed) as a byte stream, in the crate's rand_core 0.6 interface.
struct ShakeRng(SHAKE256);

impl ShakeRng {
    fn new(seed: &[u8]) -> Self {
        let mut shake = SHAKE256::new();
        shake.inject(seed);
        shake.flip();
        Self(shake)
    }
}

impl RngCore for ShakeRng {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        self.0.extract(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.0.extract(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.extract(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RngError> {
        self.0.extract(dest);
        Ok(())
    }
}

impl CryptoRng for ShakeRng {}

#[cfg(test)]
mod tests {
    use super::super::PROVIDER;
    use super::*;
    use sonet_testkit::vectors::pinned_text;

    const ALGORITHMS: [SignatureAlgorithm; 2] =
        [SignatureAlgorithm::FnDsa512, SignatureAlgorithm::FnDsa1024];

    fn scheme(algorithm: SignatureAlgorithm) -> &'static dyn Signature {
        PROVIDER
            .signature(algorithm)
            .expect("both FN-DSA sets are provided")
    }

    fn key_pair(algorithm: SignatureAlgorithm) -> SignatureKeyPair {
        scheme(algorithm)
            .generate_from_seed(b"fn-dsa test seed")
            .unwrap()
    }

    fn sign_hedged(
        algorithm: SignatureAlgorithm,
        sk: &[u8],
        m: SignedMessage,
        seed: &[u8],
    ) -> Vec<u8> {
        scheme(algorithm)
            .sign(sk, m, SigningRandomness::Hedged(seed))
            .unwrap()
    }

    /// `pk` and `sk` of the first ("count = 0") record of a Falcon round-3 KAT file; `None` when
    /// the vectors are absent (the test is skipped).
    fn first_round3_key_pair(file: &str) -> Option<(Vec<u8>, Vec<u8>)> {
        let text = pinned_text(&format!("fndsa/{file}"))?;
        let field = |name: &str| {
            let prefix = format!("{name} = ");
            let line = text
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("{file} has no {name}"));
            hex::decode(line[prefix.len()..].trim()).unwrap()
        };
        Some((field("pk"), field("sk")))
    }

    #[test]
    fn crate_encodings_match_the_registry_sizes() {
        fn check<P: FnDsaParameterSet>() {
            let sizes = P::ALGORITHM.sizes();
            assert_eq!(vrfy_key_size(P::LOGN), sizes.public_key);
            assert_eq!(sign_key_size(P::LOGN), sizes.secret_key + 64);
            assert_eq!(signature_size(P::LOGN), sizes.signature);
        }
        check::<FnDsa512>();
        check::<FnDsa1024>();
    }

    #[test]
    fn round_trip_both_degrees() {
        for algorithm in ALGORITHMS {
            let sizes = algorithm.sizes();
            let scheme = scheme(algorithm);
            let pair = scheme.generate().unwrap();
            assert_eq!(pair.public_key.len(), sizes.public_key);
            assert_eq!(pair.secret_key.len(), sizes.secret_key);
            let sk = pair.secret_key.as_bytes();
            for message in [
                SignedMessage::pure(b""),
                SignedMessage::Pure {
                    message: b"message",
                    context: b"context",
                },
            ] {
                let signature = sign_hedged(algorithm, sk, message, b"rng seed");
                assert_eq!(signature.len(), sizes.signature);
                assert_eq!(scheme.verify(&pair.public_key, message, &signature), Ok(()));
            }
            let signature = scheme.sign_random(sk, b"m", b"c").unwrap();
            let message = SignedMessage::Pure {
                message: b"m",
                context: b"c",
            };
            assert_eq!(scheme.verify(&pair.public_key, message, &signature), Ok(()));
        }
    }

    #[test]
    fn seeded_generation_and_signing_are_reproducible() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let first = key_pair(algorithm);
            let again = key_pair(algorithm);
            assert_eq!(first.public_key, again.public_key);
            assert_eq!(first.secret_key, again.secret_key);
            let other = scheme.generate_from_seed(b"another seed").unwrap();
            assert_ne!(first.public_key, other.public_key);

            let sk = first.secret_key.as_bytes();
            let message = SignedMessage::pure(b"m");
            let signature = sign_hedged(algorithm, sk, message, b"seed");
            assert_eq!(signature, sign_hedged(algorithm, sk, message, b"seed"));
            assert_ne!(
                signature,
                sign_hedged(algorithm, sk, message, b"other seed")
            );
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
            let signature = sign_hedged(algorithm, pair.secret_key.as_bytes(), message, b"s");
            // Header, nonce, and the first compressed coefficient of s2.
            for position in [0, 1, 41] {
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
                SignedMessage::pure(b"m"),
            ] {
                assert_eq!(
                    scheme.verify(&pair.public_key, other, &signature),
                    Err(PqcError::InvalidSignature)
                );
            }
        }
    }

    #[test]
    fn undefined_interfaces_are_unsupported() {
        for algorithm in ALGORITHMS {
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
            let sk = pair.secret_key.as_bytes();
            let signature = vec![0u8; algorithm.sizes().signature];
            let unsupported = |e: PqcError, reason: &str| {
                assert!(
                    matches!(e, PqcError::Unsupported { provider: "rustcrypto", reason: r, .. } if r == reason),
                    "{e:?}"
                )
            };
            let hedged = SigningRandomness::Hedged(b"s");
            unsupported(
                scheme
                    .sign(
                        sk,
                        SignedMessage::pure(b"m"),
                        SigningRandomness::Deterministic,
                    )
                    .unwrap_err(),
                DETERMINISTIC_REASON,
            );
            for (message, reason) in [
                (SignedMessage::Internal(b"m"), INTERNAL_REASON),
                (SignedMessage::ExternalMu(&[0; 64]), EXTERNAL_MU_REASON),
            ] {
                unsupported(scheme.sign(sk, message, hedged).unwrap_err(), reason);
                unsupported(
                    scheme
                        .verify(&pair.public_key, message, &signature)
                        .unwrap_err(),
                    reason,
                );
            }
        }
    }

    #[test]
    fn wrong_lengths_malformed_keys_and_long_contexts_are_rejected() {
        for algorithm in ALGORITHMS {
            let sizes = algorithm.sizes();
            let scheme = scheme(algorithm);
            let pair = key_pair(algorithm);
            let sk = pair.secret_key.as_bytes();
            let pk = &pair.public_key;
            let message = SignedMessage::pure(b"m");
            let hedged = SigningRandomness::Hedged(b"s");
            let signature = sign_hedged(algorithm, sk, message, b"s");
            let is_length_error = |e: PqcError| matches!(e, PqcError::InvalidLength { .. });

            for bad_sk in [&sk[1..], &[sk, &[0]].concat(), &[sk, &[0; 64]].concat()] {
                assert!(is_length_error(
                    scheme.sign(bad_sk, message, hedged).unwrap_err()
                ));
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

            // A header naming the other degree, and f[0] = -2^(bits-1), which the encoding
            // reserves as invalid.
            let mut wrong_header = sk.to_vec();
            wrong_header[0] ^= 0x03;
            let f_bits = if algorithm == SignatureAlgorithm::FnDsa512 {
                6
            } else {
                5
            };
            let mut bad_coefficients = sk.to_vec();
            bad_coefficients[1] = (bad_coefficients[1] & !((1 << f_bits) - 1)) | 1 << (f_bits - 1);
            for bad_sk in [wrong_header, bad_coefficients, vec![0; sizes.secret_key]] {
                assert_eq!(
                    scheme.sign(&bad_sk, message, hedged),
                    Err(PqcError::Malformed(SK_WHAT))
                );
            }
            // The first 14-bit coefficient of h (packed LSB first) set to 16383 ≥ q = 12289.
            let mut bad_pk = pk.clone();
            bad_pk[1] = 0xFF;
            bad_pk[2] |= 0x3F;
            assert_eq!(
                scheme.verify(&bad_pk, message, &signature),
                Err(PqcError::Malformed(PK_WHAT))
            );

            let long_context = SignedMessage::Pure {
                message: b"m",
                context: &[0; 256],
            };
            assert_eq!(
                scheme.sign(sk, long_context, hedged),
                Err(PqcError::ContextTooLong(256))
            );
            assert_eq!(
                scheme.verify(pk, long_context, &signature),
                Err(PqcError::ContextTooLong(256))
            );
        }
    }

    /// `count` values of `bits` bits each, most-significant bit first (Falcon round 3) or
    /// least-significant bit first (the crate).
    fn unpack(bytes: &[u8], bits: usize, count: usize, msb_first: bool) -> Vec<u32> {
        (0..count)
            .map(|value| {
                (0..bits).fold(0u32, |acc, k| {
                    let position = value * bits + k;
                    let bit = if msb_first {
                        (bytes[position / 8] >> (7 - position % 8)) & 1
                    } else {
                        (bytes[position / 8] >> (position % 8)) & 1
                    };
                    if msb_first {
                        acc << 1 | u32::from(bit)
                    } else {
                        acc | u32::from(bit) << k
                    }
                })
            })
            .collect()
    }

    /// The inverse of `unpack` for the crate's least-significant-bit-first order.
    fn pack_lsb_first(values: &[u32], bits: usize) -> Vec<u8> {
        let mut out = vec![0u8; values.len() * bits / 8];
        for (index, value) in values.iter().enumerate() {
            for k in 0..bits {
                let position = index * bits + k;
                out[position / 8] |= (((value >> k) & 1) as u8) << (position % 8);
            }
        }
        out
    }

    /// The values of h at the n roots of X^n + 1 mod q = 12289 (the odd powers of a primitive
    /// 2n-th root of unity), sorted: the NTT of h without committing to its output order.
    fn sorted_evaluations(h: &[u32]) -> Vec<u32> {
        const Q: u64 = 12289;
        let pow = |mut base: u64, mut exponent: u64| {
            let mut result = 1;
            while exponent > 0 {
                if exponent & 1 == 1 {
                    result = result * base % Q;
                }
                base = base * base % Q;
                exponent >>= 1;
            }
            result
        };
        let n = h.len() as u64;
        // 11 generates the multiplicative group mod 12289.
        let zeta = pow(11, (Q - 1) / (2 * n));
        let mut values: Vec<u32> = (0..n)
            .map(|i| {
                let x = pow(zeta, 2 * i + 1);
                h.iter()
                    .rev()
                    .fold(0, |acc, &c| (acc * x + u64::from(c)) % Q) as u32
            })
            .collect();
        values.sort_unstable();
        values
    }

    /// A Falcon round-3 KAT key pair, re-packed into the crate's bit order, is accepted (the
    /// crate recomputes G from f, g, F and checks it is small), and the public key the crate
    /// derives is the NTT of the KAT's h.
    #[test]
    fn falcon_round3_kat_key_matches_after_repacking() {
        fn check<P: FnDsaParameterSet>(file: &str, fg_bits: usize) {
            let n = 1usize << P::LOGN;
            let Some((kat_pk, kat_sk)) = first_round3_key_pair(file) else {
                return;
            };
            let scheme = scheme(P::ALGORITHM);
            assert_eq!(
                scheme.sign(
                    &kat_sk,
                    SignedMessage::pure(b"m"),
                    SigningRandomness::Hedged(b"s")
                ),
                Err(PqcError::Malformed(SK_WHAT)),
                "round-3 bytes as they are"
            );

            let fg_len = n * fg_bits / 8;
            let (header, rest) = kat_sk.split_at(1);
            let (f, rest) = rest.split_at(fg_len);
            let (g, capital_f) = rest.split_at(fg_len);
            let repack = |field| pack_lsb_first(&unpack(field, fg_bits, n, true), fg_bits);
            // F uses 8 bits per coefficient, which both bit orders encode identically.
            let sk = [header, &repack(f), &repack(g), capital_f].concat();
            let signing_key = decode_signing_key::<P>(&sk).unwrap();
            let mut pk = vec![0u8; vrfy_key_size(P::LOGN)];
            signing_key.to_verifying_key(&mut pk);

            assert_eq!(pk[0], kat_pk[0], "header");
            let kat_h = unpack(&kat_pk[1..], 14, n, true);
            let mut crate_h_ntt = unpack(&pk[1..], 14, n, false);
            crate_h_ntt.sort_unstable();
            assert_eq!(crate_h_ntt, sorted_evaluations(&kat_h), "{file}");

            let message = SignedMessage::pure(b"interop");
            let signature = scheme
                .sign(&sk, message, SigningRandomness::Hedged(b"seed"))
                .unwrap();
            assert_eq!(scheme.verify(&pk, message, &signature), Ok(()));
        }
        check::<FnDsa512>("falcon512-KAT.rsp", 6);
        check::<FnDsa1024>("falcon1024-KAT.rsp", 5);
    }
}
