//! AEADs from RustCrypto's `aes-gcm` 0.11 and `chacha20poly1305` 0.11.
//!
//! # GCM IV lengths
//!
//! SP 800-38D allows an IV of any length from 1 bit up; `aes-gcm` fixes the length in the type
//! (`AesGcm<Aes, NonceSize>`) and derives J0 by GHASH (§7.1 step 2) for every length but 96 bits.
//! The `Aead` trait takes the IV at run time, so this module instantiates `AesGcm` once per byte
//! length and picks the instantiation by the IV's length. It does so for every length from 1 to
//! [`MAX_IV_LEN`] bytes: the contiguous range for which `hybrid-array` (the array type `aes-gcm`
//! uses) defines a size. Longer IVs are [`AeadError::Unsupported`]; IVs that are not a whole
//! number of bytes cannot be expressed through the byte-slice API at all.
//!
//! To keep that to one instantiation per length rather than one per length and key size, the AES
//! key size is chosen at run time (`AnyAes`).
//!
//! # Truncated GCM tags
//!
//! `aes-gcm` verifies only tags of the length its type fixes (and 32- and 64-bit ones only
//! behind its `hazmat` feature). Sonet instead computes the full 128-bit tag and truncates it:
//! SP 800-38D §7.1 step 8 defines the t-bit tag as the leftmost t bits of that value, and §7.2
//! step 7 verifies by recomputing it and comparing.

use aes_gcm::aead::array::{Array, ArraySize, AssocArraySize};
use aes_gcm::aead::consts::U16;
use aes_gcm::aes::cipher::{BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use aes_gcm::{AeadInOut, KeyInit};
use chacha20poly1305::ChaCha20Poly1305 as ChaChaPoly;
use zeroize::Zeroize;

use crate::crypto::aead::{
    check_inputs, open_truncated_gcm, Aead, AeadAlgorithm, AeadError, SealedParts,
};

const PROVIDER_NAME: &str = "rustcrypto";

/// The longest GCM IV, in bytes, this provider instantiates `aes-gcm` for (4096 bits).
pub const MAX_IV_LEN: usize = 512;

const FULL_TAG: usize = 16;

/// AES-GCM with a 128-, 192- or 256-bit key, from `aes-gcm`.
pub struct Gcm {
    algorithm: AeadAlgorithm,
}

/// AES-128-GCM: IVs of 1 to [`MAX_IV_LEN`] bytes, tags of every SP 800-38D length.
pub static AES_128_GCM: Gcm = Gcm {
    algorithm: AeadAlgorithm::Aes128Gcm,
};
/// AES-192-GCM: IVs of 1 to [`MAX_IV_LEN`] bytes, tags of every SP 800-38D length.
pub static AES_192_GCM: Gcm = Gcm {
    algorithm: AeadAlgorithm::Aes192Gcm,
};
/// AES-256-GCM: IVs of 1 to [`MAX_IV_LEN`] bytes, tags of every SP 800-38D length.
pub static AES_256_GCM: Gcm = Gcm {
    algorithm: AeadAlgorithm::Aes256Gcm,
};

/// ChaCha20-Poly1305 (RFC 8439), from `chacha20poly1305`.
pub struct ChaCha20Poly1305;

/// ChaCha20-Poly1305 (RFC 8439).
pub static CHACHA20_POLY1305: ChaCha20Poly1305 = ChaCha20Poly1305;

/// Every AEAD this provider implements.
pub static AEADS: &[&dyn Aead] = &[&AES_128_GCM, &AES_192_GCM, &AES_256_GCM, &CHACHA20_POLY1305];

/// AES whose key size is known only at run time. `AesGcm` is generic over its block cipher so
/// that other AES implementations can be substituted; this one dispatches to RustCrypto's `aes`.
enum AnyAes {
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

impl AnyAes {
    /// `key` has already been checked against the algorithm's key length.
    fn new(algorithm: AeadAlgorithm, key: &[u8]) -> Result<Self, AeadError> {
        let invalid = || AeadError::InvalidKeyLength {
            algorithm,
            got: key.len(),
            expected: algorithm.key_len(),
        };
        Ok(match key.len() {
            16 => Self::Aes128(Aes128::new_from_slice(key).map_err(|_| invalid())?),
            24 => Self::Aes192(Aes192::new_from_slice(key).map_err(|_| invalid())?),
            32 => Self::Aes256(Aes256::new_from_slice(key).map_err(|_| invalid())?),
            _ => return Err(invalid()),
        })
    }
}

impl BlockSizeUser for AnyAes {
    type BlockSize = U16;
}

impl BlockCipherEncrypt for AnyAes {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        match self {
            Self::Aes128(aes) => aes.encrypt_with_backend(f),
            Self::Aes192(aes) => aes.encrypt_with_backend(f),
            Self::Aes256(aes) => aes.encrypt_with_backend(f),
        }
    }
}

/// One keyed `aes-gcm` instance, its IV length fixed by its type, behind a vtable so that the
/// code around it is written once for all lengths.
trait KeyedGcm {
    /// Encrypts `buffer` in place and returns the full 128-bit tag.
    fn seal(&self, iv: &[u8], aad: &[u8], buffer: &mut [u8]) -> Result<[u8; FULL_TAG], ()>;

    /// Verifies a full tag and only then decrypts `buffer` in place.
    fn open(
        &self,
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; FULL_TAG],
    ) -> Result<(), ()>;
}

impl<N: ArraySize> KeyedGcm for aes_gcm::AesGcm<AnyAes, N> {
    fn seal(&self, iv: &[u8], aad: &[u8], buffer: &mut [u8]) -> Result<[u8; FULL_TAG], ()> {
        let iv = Array::<u8, N>::try_from(iv).map_err(|_| ())?;
        let tag = self
            .encrypt_inout_detached(&iv, aad, buffer.into())
            .map_err(|_| ())?;
        Ok(tag.into())
    }

    fn open(
        &self,
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; FULL_TAG],
    ) -> Result<(), ()> {
        let iv = Array::<u8, N>::try_from(iv).map_err(|_| ())?;
        self.decrypt_inout_detached(&iv, aad, buffer.into(), &Array::from(*tag))
            .map_err(|_| ())
    }
}

type Instantiate = fn(AnyAes) -> Box<dyn KeyedGcm>;

fn instantiate<const IV_LEN: usize>(aes: AnyAes) -> Box<dyn KeyedGcm>
where
    [u8; IV_LEN]: AssocArraySize,
{
    Box::new(aes_gcm::AesGcm::<
        AnyAes,
        <[u8; IV_LEN] as AssocArraySize>::Size,
    >::from(aes))
}

/// `BY_IV_LEN[a][b][c]` instantiates `aes-gcm` for IVs of 64a + 8b + c + 1 bytes. Const generics
/// cannot be computed from a loop variable, so the 512 entries are spelled out by this macro,
/// three octal digits at a time.
macro_rules! iv_len_table {
    ($($a:literal)*) => {
        [$(iv_len_table!(@b $a; 0 1 2 3 4 5 6 7)),*]
    };
    (@b $a:literal; $($b:literal)*) => {
        [$(iv_len_table!(@c $a $b; 0 1 2 3 4 5 6 7)),*]
    };
    (@c $a:literal $b:literal; $($c:literal)*) => {
        [$(instantiate::<{ 64 * $a + 8 * $b + $c + 1 }> as Instantiate),*]
    };
}

static BY_IV_LEN: [[[Instantiate; 8]; 8]; 8] = iv_len_table!(0 1 2 3 4 5 6 7);

impl Gcm {
    /// Key and IV checked, the `aes-gcm` instance for this IV length.
    fn keyed(
        &self,
        key: &[u8],
        iv: &[u8],
        operation: &'static str,
    ) -> Result<Box<dyn KeyedGcm>, AeadError> {
        let aes = AnyAes::new(self.algorithm, key)?;
        let instantiate = iv
            .len()
            .checked_sub(1)
            .and_then(|i| BY_IV_LEN.get(i / 64)?.get(i / 8 % 8)?.get(i % 8))
            .ok_or_else(|| AeadError::Unsupported {
                provider: PROVIDER_NAME,
                operation,
                reason: format!(
                    "aes-gcm fixes the IV length in its type, and Sonet instantiates it for IVs \
                     of 1 to {MAX_IV_LEN} bytes (the contiguous lengths hybrid-array defines), \
                     not for a {}-byte IV",
                    iv.len()
                ),
            })?;
        Ok(instantiate(aes))
    }
}

impl Aead for Gcm {
    fn algorithm(&self) -> AeadAlgorithm {
        self.algorithm
    }

    fn seal_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        tag_len: usize,
    ) -> Result<SealedParts, AeadError> {
        check_inputs(
            self.algorithm,
            key,
            nonce,
            tag_len,
            aad.len(),
            plaintext.len(),
        )?;
        let gcm = self.keyed(key, nonce, "seal")?;
        let mut ciphertext = plaintext.to_vec();
        let full = match gcm.seal(nonce, aad, &mut ciphertext) {
            Ok(full) => full,
            Err(()) => {
                ciphertext.zeroize();
                // The lengths the standard allows were checked above and are the crate's limits.
                return Err(AeadError::TooLong {
                    algorithm: self.algorithm,
                });
            }
        };
        // §7.1 step 8: T = MSB_t(GCTR(J0, S)).
        let tag = full
            .get(..tag_len)
            .ok_or(AeadError::InvalidTagLength {
                algorithm: self.algorithm,
                got: tag_len,
            })?
            .to_vec();
        Ok(SealedParts { ciphertext, tag })
    }

    fn open_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        check_inputs(
            self.algorithm,
            key,
            nonce,
            tag.len(),
            aad.len(),
            ciphertext.len(),
        )?;
        let gcm = self.keyed(key, nonce, "open")?;
        match <&[u8; FULL_TAG]>::try_from(tag) {
            Ok(full) => {
                let mut buffer = ciphertext.to_vec();
                // aes-gcm verifies before it decrypts, so on failure `buffer` still holds the
                // ciphertext.
                gcm.open(nonce, aad, &mut buffer, full)
                    .map_err(|()| AeadError::AuthenticationFailed)?;
                Ok(buffer)
            }
            Err(_) => open_truncated_gcm(
                |aad, buffer| gcm.seal(nonce, aad, buffer),
                aad,
                ciphertext,
                tag,
            ),
        }
    }
}

impl ChaCha20Poly1305 {
    fn cipher(key: &[u8]) -> Result<ChaChaPoly, AeadError> {
        ChaChaPoly::new_from_slice(key).map_err(|_| AeadError::InvalidKeyLength {
            algorithm: AeadAlgorithm::ChaCha20Poly1305,
            got: key.len(),
            expected: AeadAlgorithm::ChaCha20Poly1305.key_len(),
        })
    }

    fn nonce(nonce: &[u8]) -> Result<chacha20poly1305::Nonce, AeadError> {
        chacha20poly1305::Nonce::try_from(nonce).map_err(|_| AeadError::InvalidNonceLength {
            algorithm: AeadAlgorithm::ChaCha20Poly1305,
            got: nonce.len(),
        })
    }
}

impl Aead for ChaCha20Poly1305 {
    fn algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::ChaCha20Poly1305
    }

    fn seal_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        tag_len: usize,
    ) -> Result<SealedParts, AeadError> {
        check_inputs(
            self.algorithm(),
            key,
            nonce,
            tag_len,
            aad.len(),
            plaintext.len(),
        )?;
        let cipher = Self::cipher(key)?;
        let nonce = Self::nonce(nonce)?;
        let mut ciphertext = plaintext.to_vec();
        match cipher.encrypt_inout_detached(&nonce, aad, ciphertext.as_mut_slice().into()) {
            Ok(tag) => Ok(SealedParts {
                ciphertext,
                tag: tag.to_vec(),
            }),
            Err(_) => {
                ciphertext.zeroize();
                // The crate refuses only inputs of 2^32 − 1 blocks or more.
                Err(AeadError::TooLong {
                    algorithm: self.algorithm(),
                })
            }
        }
    }

    fn open_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        check_inputs(
            self.algorithm(),
            key,
            nonce,
            tag.len(),
            aad.len(),
            ciphertext.len(),
        )?;
        let cipher = Self::cipher(key)?;
        let nonce = Self::nonce(nonce)?;
        let tag =
            chacha20poly1305::Tag::try_from(tag).map_err(|_| AeadError::InvalidTagLength {
                algorithm: self.algorithm(),
                got: tag.len(),
            })?;
        let mut buffer = ciphertext.to_vec();
        // The crate checks the Poly1305 tag (in constant time) before it decrypts, so on failure
        // `buffer` still holds the ciphertext.
        cipher
            .decrypt_inout_detached(&nonce, aad, buffer.as_mut_slice().into(), &tag)
            .map_err(|_| AeadError::AuthenticationFailed)?;
        Ok(buffer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::test_support::{self, cavp_record, key_for};
    use crate::crypto::aead::GCM_TAG_LENS;

    const GCMS: [&Gcm; 3] = [&AES_128_GCM, &AES_192_GCM, &AES_256_GCM];

    #[test]
    fn every_aead_round_trips() {
        test_support::every_aead_round_trips(AEADS);
    }

    #[test]
    fn tampering_is_rejected_for_every_tag_length() {
        test_support::every_aead_rejects_tampering(AEADS, test_support::every_tag_len);
    }

    #[test]
    fn invalid_lengths_are_rejected() {
        test_support::every_aead_rejects_invalid_lengths(AEADS);
    }

    #[test]
    fn a_truncated_tag_is_the_leftmost_bytes_of_the_full_tag() {
        for gcm in GCMS {
            let key = key_for(gcm.algorithm);
            let nonce = [3u8; 12];
            let full = gcm
                .seal_detached(&key, &nonce, b"aad", b"a message of some length", 16)
                .expect("seal");
            for tag_len in GCM_TAG_LENS {
                let parts = gcm
                    .seal_detached(&key, &nonce, b"aad", b"a message of some length", tag_len)
                    .expect("seal");
                assert_eq!(parts.ciphertext, full.ciphertext);
                assert_eq!(parts.tag, full.tag[..tag_len]);
                let opened = gcm
                    .open_detached(&key, &nonce, b"aad", &full.ciphertext, &full.tag[..tag_len])
                    .expect("open");
                assert_eq!(opened, b"a message of some length");
            }
        }
    }

    #[test]
    fn gcm_takes_every_iv_length_up_to_the_limit() {
        let key = key_for(AeadAlgorithm::Aes128Gcm);
        let mut previous: Option<Vec<u8>> = None;
        for len in 1..=MAX_IV_LEN {
            // IVs that differ only in length must give different J0 (§7.1 step 2 hashes the
            // length), hence different ciphertexts.
            let iv = vec![0u8; len];
            let sealed = AES_128_GCM
                .seal(&key, &iv, b"", b"sixteen byte msg")
                .expect("seal");
            assert_ne!(previous.as_ref(), Some(&sealed), "IV of {len} bytes");
            assert_eq!(
                AES_128_GCM.open(&key, &iv, b"", &sealed).as_deref(),
                Ok(&b"sixteen byte msg"[..])
            );
            previous = Some(sealed);
        }
        let too_long = vec![0u8; MAX_IV_LEN + 1];
        for result in [
            AES_128_GCM
                .seal_detached(&key, &too_long, b"", b"m", 16)
                .map(|_| ()),
            AES_128_GCM
                .open_detached(&key, &too_long, b"", b"m", &[0; 16])
                .map(|_| ()),
        ] {
            assert!(
                matches!(
                    &result,
                    Err(AeadError::Unsupported {
                        provider: "rustcrypto",
                        ..
                    })
                ),
                "{result:?}"
            );
        }
    }

    #[test]
    fn cavp_encrypt_known_answer_with_a_long_iv_and_a_96_bit_tag() {
        let Some(record) = cavp_record(
            "cavp/gcm/gcmEncryptExtIV128.rsp",
            &[
                ("IVlen", "1024"),
                ("PTlen", "408"),
                ("AADlen", "720"),
                ("Taglen", "96"),
            ],
        ) else {
            return;
        };
        let parts = AES_128_GCM
            .seal_detached(&record.key, &record.iv, &record.aad, &record.pt, 12)
            .expect("seal");
        assert_eq!(parts.ciphertext, record.ct);
        assert_eq!(parts.tag, record.tag);
    }

    #[test]
    fn cavp_decrypt_known_answer_with_a_one_byte_iv_and_a_32_bit_tag() {
        let Some(record) = cavp_record(
            "cavp/gcm/gcmDecrypt256.rsp",
            &[
                ("IVlen", "8"),
                ("PTlen", "128"),
                ("AADlen", "128"),
                ("Taglen", "32"),
            ],
        ) else {
            return;
        };
        let opened = AES_256_GCM
            .open_detached(
                &record.key,
                &record.iv,
                &record.aad,
                &record.ct,
                &record.tag,
            )
            .expect("open");
        assert_eq!(opened, record.pt);
        let mut tag = record.tag.clone();
        tag[3] ^= 0x80;
        assert_eq!(
            AES_256_GCM.open_detached(&record.key, &record.iv, &record.aad, &record.ct, &tag),
            Err(AeadError::AuthenticationFailed)
        );
    }

    #[test]
    fn chacha20_poly1305_rfc8439_known_answer() {
        test_support::rfc8439_known_answer(&CHACHA20_POLY1305);
    }
}
