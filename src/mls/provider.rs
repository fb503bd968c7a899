//! [`SonetCrypto`]: the crypto and randomness provider openmls runs on inside `sonet::mls`,
//! built on [`super::primitives`] (and through it on the project's own HPKE, AEAD, HKDF and
//! signature implementations) instead of openmls' RustCrypto provider, so that every suite in
//! [`primitives::SUITES`] runs: RFC 9420 suites 1–7 and openmls' draft post-quantum suites.
//!
//! Key formats are those of [`super::primitives`]: HPKE private keys are the serialized private
//! key of RFC 9180 §7.1.2 (ML-KEM: the 64-byte seed, X-Wing: the 32-byte seed), signature
//! private keys the Ed25519/Ed448 seed, the big-endian ECDSA scalar or the FIPS 204 ML-DSA
//! secret key; public keys and signatures are the RFC 9420 wire encodings (ECDSA: SEC1
//! uncompressed points and DER signatures).
//!
//! Nothing here panics on input: malformed keys, ciphertexts and lengths are
//! [`CryptoError`]s.

use openmls::prelude::tls_codec::SecretVLBytes;
use openmls_traits::crypto::OpenMlsCrypto;
use openmls_traits::random::OpenMlsRand;
use openmls_traits::types::{
    AeadType, Ciphersuite, CryptoError, ExporterSecret, HashType, HpkeAeadType, HpkeCiphertext,
    HpkeConfig, HpkeKdfType, HpkeKemType, HpkeKeyPair, SignatureScheme,
};

use super::primitives::{self, PrimitiveError, SuiteAlgorithms};
use crate::crypto::aead::AeadAlgorithm;
use crate::crypto::kdf::HashAlgorithm;
use crate::hybrid::hpke::{self, AeadId, HpkeError, KdfId, KemId};

/// openmls' crypto provider on Sonet's primitives. Stateless: randomness comes from the
/// operating system (`getrandom`) at each call, so one value may be shared freely.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SonetCrypto;

/// The randomness failure [`OpenMlsRand`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RandError {
    /// The operating system's random number generator (`getrandom`) failed.
    #[error("the system random number generator failed")]
    Rng,
}

fn hash_algorithm(hash: HashType) -> HashAlgorithm {
    match hash {
        HashType::Sha2_256 => HashAlgorithm::Sha256,
        HashType::Sha2_384 => HashAlgorithm::Sha384,
        HashType::Sha2_512 => HashAlgorithm::Sha512,
    }
}

fn aead_algorithm(aead: AeadType) -> AeadAlgorithm {
    match aead {
        AeadType::Aes128Gcm => AeadAlgorithm::Aes128Gcm,
        AeadType::Aes256Gcm => AeadAlgorithm::Aes256Gcm,
        AeadType::ChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
    }
}

fn hpke_suite(config: &HpkeConfig) -> hpke::Suite {
    let kem = match config.0 {
        HpkeKemType::DhKemP256 => KemId::DhkemP256,
        HpkeKemType::DhKemP384 => KemId::DhkemP384,
        HpkeKemType::DhKemP521 => KemId::DhkemP521,
        HpkeKemType::DhKem25519 => KemId::DhkemX25519,
        HpkeKemType::DhKem448 => KemId::DhkemX448,
        HpkeKemType::MlKem768 => KemId::MlKem768,
        HpkeKemType::MlKem1024 => KemId::MlKem1024,
        // openmls numbers this variant 0x004D (an obsolete X-Wing code point) but its own
        // provider runs it as hpke-rs' `XWingDraft06`, whose HPKE suite id carries 0x647A —
        // the id `KemId::XWing` uses. The cross-check test against openmls_rust_crypto holds
        // the two to the same bytes.
        HpkeKemType::XWingKemDraft6 => KemId::XWing,
    };
    let kdf = match config.1 {
        HpkeKdfType::HkdfSha256 => KdfId::HkdfSha256,
        HpkeKdfType::HkdfSha384 => KdfId::HkdfSha384,
        HpkeKdfType::HkdfSha512 => KdfId::HkdfSha512,
    };
    let aead = match config.2 {
        HpkeAeadType::AesGcm128 => AeadId::Aes128Gcm,
        HpkeAeadType::AesGcm256 => AeadId::Aes256Gcm,
        HpkeAeadType::ChaCha20Poly1305 => AeadId::ChaCha20Poly1305,
        HpkeAeadType::Export => AeadId::ExportOnly,
    };
    hpke::Suite::new(kem, kdf, aead)
}

/// openmls' signature scheme as a primitive one (both use the TLS code points).
pub(crate) fn signature_scheme(
    scheme: SignatureScheme,
) -> Result<primitives::SignatureScheme, CryptoError> {
    primitives::SignatureScheme::from_id(scheme as u16)
        .map_err(|_| CryptoError::UnsupportedSignatureScheme)
}

/// The primitives of `suite`, if Sonet runs it: `primitives` lists it, every one of its
/// primitives is compiled in, and openmls' own definition of the suite names the same
/// algorithms (a disagreement would make a suite that only interoperates with itself).
fn suite_algorithms(suite: Ciphersuite) -> Result<&'static SuiteAlgorithms, CryptoError> {
    let algorithms =
        primitives::suite(u16::from(suite)).map_err(|_| CryptoError::UnsupportedCiphersuite)?;
    let agrees = hash_algorithm(suite.hash_algorithm()) == algorithms.hash
        && aead_algorithm(suite.aead_algorithm()) == algorithms.aead
        && hpke_suite(&suite.hpke_config()) == algorithms.hpke
        && signature_scheme(suite.signature_algorithm()) == Ok(algorithms.signature);
    if agrees && algorithms.available().is_ok() {
        Ok(algorithms)
    } else {
        Err(CryptoError::UnsupportedCiphersuite)
    }
}

/// The error of a signature operation. A signature that does not verify, in any way, is
/// `InvalidSignature`; a key that does not decode is `InvalidPublicKey` when verifying.
fn signature_error(e: PrimitiveError, verifying: bool) -> CryptoError {
    match e {
        PrimitiveError::InvalidSignature => CryptoError::InvalidSignature,
        PrimitiveError::MalformedKey { .. } if verifying => CryptoError::InvalidPublicKey,
        PrimitiveError::MalformedKey { .. } => CryptoError::CryptoLibraryError,
        PrimitiveError::UnknownSignatureScheme(_) | PrimitiveError::MissingImplementation(_) => {
            CryptoError::UnsupportedSignatureScheme
        }
        PrimitiveError::Rng => CryptoError::InsufficientRandomness,
        _ => CryptoError::SigningError,
    }
}

/// Checks the AEAD key and nonce lengths here, so that the primitive's errors that remain
/// are authentication (on open) or library failures.
fn check_aead_lengths(alg: AeadType, key: &[u8], nonce: &[u8]) -> Result<(), CryptoError> {
    if key.len() == alg.key_size() && nonce.len() == alg.nonce_size() {
        Ok(())
    } else {
        Err(CryptoError::InvalidLength)
    }
}

fn random_bytes(out: &mut [u8]) -> Result<(), RandError> {
    getrandom::fill(out).map_err(|_| RandError::Rng)
}

impl OpenMlsRand for SonetCrypto {
    type Error = RandError;

    fn random_array<const N: usize>(&self) -> Result<[u8; N], RandError> {
        let mut out = [0u8; N];
        random_bytes(&mut out)?;
        Ok(out)
    }

    fn random_vec(&self, len: usize) -> Result<Vec<u8>, RandError> {
        let mut out = vec![0u8; len];
        random_bytes(&mut out)?;
        Ok(out)
    }
}

impl OpenMlsCrypto for SonetCrypto {
    fn supports(&self, ciphersuite: Ciphersuite) -> Result<(), CryptoError> {
        suite_algorithms(ciphersuite).map(drop)
    }

    fn supported_ciphersuites(&self) -> Vec<Ciphersuite> {
        primitives::SUITES
            .iter()
            .filter_map(|s| Ciphersuite::try_from(s.id).ok())
            .filter(|&suite| self.supports(suite).is_ok())
            .collect()
    }

    fn hkdf_extract(
        &self,
        hash_type: HashType,
        salt: &[u8],
        ikm: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        primitives::hkdf_extract(hash_algorithm(hash_type), salt, ikm)
            .map(|prk| SecretVLBytes::from(prk.as_bytes()))
            .map_err(|_| CryptoError::CryptoLibraryError)
    }

    fn hmac(
        &self,
        hash_type: HashType,
        key: &[u8],
        message: &[u8],
    ) -> Result<SecretVLBytes, CryptoError> {
        Ok(primitives::hmac(hash_algorithm(hash_type), key, message).into())
    }

    fn hkdf_expand(
        &self,
        hash_type: HashType,
        prk: &[u8],
        info: &[u8],
        okm_len: usize,
    ) -> Result<SecretVLBytes, CryptoError> {
        // The only failures are RFC 5869's preconditions (PRK of at least HashLen bytes,
        // L ≤ 255·HashLen), as openmls_rust_crypto reports them.
        primitives::hkdf_expand(hash_algorithm(hash_type), prk, info, okm_len)
            .map(|okm| SecretVLBytes::from(okm.as_bytes()))
            .map_err(|_| CryptoError::HkdfOutputLengthInvalid)
    }

    fn hash(&self, hash_type: HashType, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(primitives::hash(hash_algorithm(hash_type), data))
    }

    fn aead_encrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        data: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        check_aead_lengths(alg, key, nonce)?;
        primitives::aead_seal(aead_algorithm(alg), key, nonce, aad, data)
            .map_err(|_| CryptoError::CryptoLibraryError)
    }

    fn aead_decrypt(
        &self,
        alg: AeadType,
        key: &[u8],
        ct_tag: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        check_aead_lengths(alg, key, nonce)?;
        primitives::aead_open(aead_algorithm(alg), key, nonce, aad, ct_tag).map_err(|e| match e {
            PrimitiveError::AeadOpen => CryptoError::AeadDecryptionError,
            _ => CryptoError::CryptoLibraryError,
        })
    }

    fn signature_key_gen(&self, alg: SignatureScheme) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let (private, public) = primitives::generate_signature_key(signature_scheme(alg)?)
            .map_err(|e| signature_error(e, false))?;
        // The trait hands the private key out as a plain vector; `private` itself is zeroized.
        Ok((private.as_bytes().to_vec(), public))
    }

    fn verify_signature(
        &self,
        alg: SignatureScheme,
        data: &[u8],
        pk: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        primitives::verify(signature_scheme(alg)?, pk, data, signature)
            .map_err(|e| signature_error(e, true))
    }

    fn sign(&self, alg: SignatureScheme, data: &[u8], key: &[u8]) -> Result<Vec<u8>, CryptoError> {
        primitives::sign(signature_scheme(alg)?, key, data).map_err(|e| signature_error(e, false))
    }

    fn hpke_seal(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        aad: &[u8],
        ptxt: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        let (kem_output, ciphertext) =
            primitives::hpke_seal(hpke_suite(&config), pk_r, info, aad, ptxt).map_err(
                |e| match e {
                    PrimitiveError::Hpke(HpkeError::InvalidKey { .. }) => {
                        CryptoError::InvalidPublicKey
                    }
                    PrimitiveError::Hpke(HpkeError::Rng) => CryptoError::InsufficientRandomness,
                    _ => CryptoError::HpkeEncryptionError,
                },
            )?;
        Ok(HpkeCiphertext {
            kem_output: kem_output.into(),
            ciphertext: ciphertext.into(),
        })
    }

    fn hpke_open(
        &self,
        config: HpkeConfig,
        input: &HpkeCiphertext,
        sk_r: &[u8],
        info: &[u8],
        aad: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        primitives::hpke_open(
            hpke_suite(&config),
            sk_r,
            input.kem_output.as_slice(),
            info,
            aad,
            input.ciphertext.as_slice(),
        )
        .map_err(|_| CryptoError::HpkeDecryptionError)
    }

    fn hpke_setup_sender_and_export(
        &self,
        config: HpkeConfig,
        pk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<(Vec<u8>, ExporterSecret), CryptoError> {
        let (kem_output, secret) = primitives::hpke_export_sender(
            hpke_suite(&config),
            pk_r,
            info,
            exporter_context,
            exporter_length,
        )
        .map_err(|e| match e {
            PrimitiveError::Hpke(HpkeError::ExportTooLong { .. }) => CryptoError::ExporterError,
            PrimitiveError::Hpke(HpkeError::Rng) => CryptoError::InsufficientRandomness,
            _ => CryptoError::SenderSetupError,
        })?;
        Ok((kem_output, secret.as_bytes().to_vec().into()))
    }

    fn hpke_setup_receiver_and_export(
        &self,
        config: HpkeConfig,
        enc: &[u8],
        sk_r: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        exporter_length: usize,
    ) -> Result<ExporterSecret, CryptoError> {
        let secret = primitives::hpke_export_receiver(
            hpke_suite(&config),
            sk_r,
            enc,
            info,
            exporter_context,
            exporter_length,
        )
        .map_err(|e| match e {
            PrimitiveError::Hpke(HpkeError::ExportTooLong { .. }) => CryptoError::ExporterError,
            _ => CryptoError::ReceiverSetupError,
        })?;
        Ok(secret.as_bytes().to_vec().into())
    }

    fn derive_hpke_keypair(
        &self,
        config: HpkeConfig,
        ikm: &[u8],
    ) -> Result<HpkeKeyPair, CryptoError> {
        let (private, public) = primitives::derive_hpke_key_pair(hpke_suite(&config).kem, ikm);
        Ok(HpkeKeyPair {
            private: private.as_bytes().into(),
            public,
        })
    }
}

#[cfg(test)]
mod tests;
