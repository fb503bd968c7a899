//! AEADs from aws-lc-rs 1.19.0 (`aws_lc_rs::aead`): AES-128/192/256-GCM and ChaCha20-Poly1305.
//!
//! aws-lc-rs's AEAD API takes a 96-bit `Nonce` and produces and verifies only full 128-bit tags.
//! GCM IVs of every other length (SP 800-38D §5.2.1.1 allows any length of at least one byte)
//! go through AWS-LC's EVP cipher interface instead, via the aws-lc-sys 0.47.0 bindings
//! (`EVP_aes_*_gcm` with `EVP_CTRL_AEAD_SET_IVLEN`); 96-bit IVs stay on aws-lc-rs. Both paths
//! produce and verify full 128-bit tags. Truncated GCM tags (SP 800-38D §5.2.1.2) are built on
//! top of that: sealing keeps the leftmost bytes of the full tag, and opening uses the shared
//! truncated-tag check.

use aws_lc_rs::aead::{
    Aad, Algorithm, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_192_GCM, AES_256_GCM,
    CHACHA20_POLY1305, NONCE_LEN,
};
use zeroize::Zeroize;

use super::ffi::EvpAesGcm;
use crate::crypto::aead::{
    check_inputs, open_truncated_gcm, Aead, AeadAlgorithm, AeadError, SealedParts,
};

/// The full GCM tag length, which the EVP path always produces and verifies.
const FULL_TAG_LEN: usize = 16;

/// One aws-lc-rs AEAD algorithm.
pub struct AwsLcAead {
    algorithm: AeadAlgorithm,
    aws: &'static Algorithm,
    /// AWS-LC's EVP cipher for GCM IVs other than 96 bits (`None` for ChaCha20-Poly1305, which
    /// has only 96-bit nonces).
    evp: Option<EvpAesGcm>,
}

/// AES-128-GCM: IVs of any length SP 800-38D allows, tags of every SP 800-38D length.
pub static AES_128: AwsLcAead = AwsLcAead {
    algorithm: AeadAlgorithm::Aes128Gcm,
    aws: &AES_128_GCM,
    evp: Some(EvpAesGcm::Aes128),
};
/// AES-192-GCM: IVs of any length SP 800-38D allows, tags of every SP 800-38D length.
pub static AES_192: AwsLcAead = AwsLcAead {
    algorithm: AeadAlgorithm::Aes192Gcm,
    aws: &AES_192_GCM,
    evp: Some(EvpAesGcm::Aes192),
};
/// AES-256-GCM: IVs of any length SP 800-38D allows, tags of every SP 800-38D length.
pub static AES_256: AwsLcAead = AwsLcAead {
    algorithm: AeadAlgorithm::Aes256Gcm,
    aws: &AES_256_GCM,
    evp: Some(EvpAesGcm::Aes256),
};
/// ChaCha20-Poly1305 (RFC 8439).
pub static CHACHA20: AwsLcAead = AwsLcAead {
    algorithm: AeadAlgorithm::ChaCha20Poly1305,
    aws: &CHACHA20_POLY1305,
    evp: None,
};

/// Every AEAD this provider implements.
pub static AEADS: &[&dyn Aead] = &[&AES_128, &AES_192, &AES_256, &CHACHA20];

impl AwsLcAead {
    /// Encrypts `buffer` in place and returns the full tag, through aws-lc-rs for a 96-bit IV and
    /// through EVP otherwise.
    fn seal_full(
        &self,
        key: &[u8],
        aws_key: &LessSafeKey,
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; 16], ()> {
        if nonce.len() == NONCE_LEN {
            Self::seal_full_aws(aws_key, nonce, aad, buffer)
        } else {
            self.seal_full_evp(key, nonce, aad, buffer)
        }
    }

    /// Encrypts `buffer` in place under a 96-bit nonce with aws-lc-rs and returns the full tag.
    fn seal_full_aws(
        key: &LessSafeKey,
        nonce: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; 16], ()> {
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| ())?;
        let tag = key
            .seal_in_place_separate_tag(nonce, Aad::from(aad), buffer)
            .map_err(|_| ())?;
        <[u8; 16]>::try_from(tag.as_ref()).map_err(|_| ())
    }

    /// Encrypts `buffer` in place under an IV of any length with AWS-LC's EVP interface and
    /// returns the full tag.
    fn seal_full_evp(
        &self,
        key: &[u8],
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; 16], ()> {
        self.evp.ok_or(())?.seal_in_place(key, iv, aad, buffer)
    }

    /// Decrypts `ciphertext` under an IV of any length and verifies the full `tag` with AWS-LC's
    /// EVP interface. Nothing of the plaintext is released on failure.
    fn open_full_evp(
        &self,
        key: &[u8],
        iv: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let tag = <[u8; FULL_TAG_LEN]>::try_from(tag).map_err(|_| AeadError::InvalidTagLength {
            algorithm: self.algorithm,
            got: tag.len(),
        })?;
        let mut plaintext = ciphertext.to_vec();
        let opened = self
            .evp
            .ok_or(())
            .and_then(|gcm| gcm.open_in_place(key, iv, aad, &mut plaintext, &tag));
        match opened {
            Ok(()) => Ok(plaintext),
            Err(()) => {
                plaintext.zeroize();
                Err(AeadError::AuthenticationFailed)
            }
        }
    }

    fn key(&self, key: &[u8]) -> Result<LessSafeKey, AeadError> {
        UnboundKey::new(self.aws, key)
            .map(LessSafeKey::new)
            .map_err(|_| AeadError::InvalidKeyLength {
                algorithm: self.algorithm,
                got: key.len(),
                expected: self.algorithm.key_len(),
            })
    }

    fn nonce(&self, nonce: &[u8]) -> Result<Nonce, AeadError> {
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| AeadError::InvalidNonceLength {
            algorithm: self.algorithm,
            got: nonce.len(),
        })
    }
}

impl Aead for AwsLcAead {
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
        let aws_key = self.key(key)?;
        let mut ciphertext = plaintext.to_vec();
        match self.seal_full(key, &aws_key, nonce, aad, &mut ciphertext) {
            // A truncated tag is the leftmost bytes of the full one (SP 800-38D §7.1 step 8).
            Ok(full) => Ok(SealedParts {
                ciphertext,
                tag: full.get(..tag_len).unwrap_or(&full).to_vec(),
            }),
            Err(()) => {
                ciphertext.zeroize();
                // Key and nonce are checked, so what AWS-LC can still refuse is the length
                // (its per-nonce maximum), short of an allocation failure in the EVP path.
                Err(AeadError::TooLong {
                    algorithm: self.algorithm,
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
            self.algorithm,
            key,
            nonce,
            tag.len(),
            aad.len(),
            ciphertext.len(),
        )?;
        let aws_key = self.key(key)?;
        if tag.len() != self.aws.tag_len() {
            return open_truncated_gcm(
                |aad, buffer| self.seal_full(key, &aws_key, nonce, aad, buffer),
                aad,
                ciphertext,
                tag,
            );
        }
        if nonce.len() != NONCE_LEN {
            return self.open_full_evp(key, nonce, aad, ciphertext, tag);
        }
        let nonce = self.nonce(nonce)?;
        let mut plaintext = vec![0u8; ciphertext.len()];
        if aws_key
            .open_separate_gather(nonce, Aad::from(aad), ciphertext, tag, &mut plaintext)
            .is_err()
        {
            // aws-lc-rs documents that the output may have been written to on failure.
            plaintext.zeroize();
            return Err(AeadError::AuthenticationFailed);
        }
        Ok(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::test_support::{self, cavp_record, key_for};
    use crate::crypto::aead::GCM_TAG_LENS;
    use crate::crypto::rustcrypto::aead as rustcrypto;

    #[test]
    fn every_aead_round_trips() {
        test_support::every_aead_round_trips(AEADS);
    }

    #[test]
    fn tampering_is_rejected() {
        // Truncated tags are checked against the rustcrypto provider below.
        test_support::every_aead_rejects_tampering(AEADS, test_support::full_tag_len);
    }

    #[test]
    fn invalid_lengths_are_rejected() {
        test_support::every_aead_rejects_invalid_lengths(AEADS);
    }

    #[test]
    fn other_gcm_iv_lengths_match_rustcrypto_and_reject_tampering() {
        for gcm in [&AES_128, &AES_192, &AES_256] {
            let key = key_for(gcm.algorithm);
            let other = rustcrypto::AEADS
                .iter()
                .find(|a| a.algorithm() == gcm.algorithm)
                .expect("rustcrypto implements every GCM");
            for iv_len in [1usize, 8, 11, 13, 16, 17, 64, 128, 300] {
                let iv: Vec<u8> = (0..iv_len).map(|i| (i * 13 + 5) as u8).collect();
                for pt_len in [0usize, 1, 16, 33] {
                    let plaintext: Vec<u8> = (0..pt_len).map(|i| (i * 7 + 1) as u8).collect();
                    for aad in [&b""[..], b"ad", &[9u8; 40]] {
                        for tag_len in GCM_TAG_LENS {
                            let what = format!(
                                "{} iv {iv_len} pt {pt_len} aad {} tag {tag_len}",
                                gcm.algorithm,
                                aad.len()
                            );
                            let ours = gcm
                                .seal_detached(&key, &iv, aad, &plaintext, tag_len)
                                .unwrap_or_else(|e| panic!("{what}: {e}"));
                            let theirs = other
                                .seal_detached(&key, &iv, aad, &plaintext, tag_len)
                                .unwrap();
                            assert_eq!(ours, theirs, "{what}");
                            assert_eq!(
                                gcm.open_detached(&key, &iv, aad, &ours.ciphertext, &ours.tag)
                                    .as_deref(),
                                Ok(&plaintext[..]),
                                "{what}"
                            );
                            let mut bad_tag = ours.tag.clone();
                            bad_tag[tag_len - 1] ^= 0x80;
                            assert_eq!(
                                gcm.open_detached(&key, &iv, aad, &ours.ciphertext, &bad_tag),
                                Err(AeadError::AuthenticationFailed),
                                "{what}"
                            );
                            assert_eq!(
                                gcm.open_detached(&key, &iv, b"other", &ours.ciphertext, &ours.tag),
                                Err(AeadError::AuthenticationFailed),
                                "{what}"
                            );
                            if let Some(first) = ours.ciphertext.first() {
                                let mut bad_ct = ours.ciphertext.clone();
                                bad_ct[0] = first ^ 1;
                                assert_eq!(
                                    gcm.open_detached(&key, &iv, aad, &bad_ct, &ours.tag),
                                    Err(AeadError::AuthenticationFailed),
                                    "{what}"
                                );
                            }
                            let mut bad_iv = iv.clone();
                            bad_iv[0] ^= 1;
                            assert_eq!(
                                gcm.open_detached(&key, &bad_iv, aad, &ours.ciphertext, &ours.tag),
                                Err(AeadError::AuthenticationFailed),
                                "{what}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn truncated_gcm_tags_match_rustcrypto_and_reject_tampering() {
        for gcm in [&AES_128, &AES_192, &AES_256] {
            let key = key_for(gcm.algorithm);
            let other = rustcrypto::AEADS
                .iter()
                .find(|a| a.algorithm() == gcm.algorithm)
                .expect("rustcrypto implements every GCM");
            for tag_len in GCM_TAG_LENS.into_iter().filter(|&t| t != 16) {
                let nonce = [7u8; 12];
                let ours = gcm
                    .seal_detached(&key, &nonce, b"ad", b"message", tag_len)
                    .unwrap();
                let theirs = other
                    .seal_detached(&key, &nonce, b"ad", b"message", tag_len)
                    .unwrap();
                assert_eq!(ours, theirs, "{tag_len}-byte tag");
                assert_eq!(
                    gcm.open_detached(&key, &nonce, b"ad", &ours.ciphertext, &ours.tag)
                        .unwrap(),
                    b"message"
                );
                let mut bad_tag = ours.tag.clone();
                bad_tag[0] ^= 1;
                assert_eq!(
                    gcm.open_detached(&key, &nonce, b"ad", &ours.ciphertext, &bad_tag),
                    Err(AeadError::AuthenticationFailed)
                );
                assert_eq!(
                    gcm.open_detached(&key, &nonce, b"other", &ours.ciphertext, &ours.tag),
                    Err(AeadError::AuthenticationFailed)
                );
            }
        }
    }

    #[test]
    fn agrees_with_the_rustcrypto_provider() {
        for aead in AEADS {
            let other = rustcrypto::AEADS
                .iter()
                .find(|a| a.algorithm() == aead.algorithm())
                .expect("rustcrypto implements every algorithm");
            let key = key_for(aead.algorithm());
            for len in [0usize, 1, 16, 33, 300] {
                let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
                let nonce = [len as u8; 12];
                assert_eq!(
                    aead.seal(&key, &nonce, b"ad", &plaintext),
                    other.seal(&key, &nonce, b"ad", &plaintext),
                    "{} {len}",
                    aead.algorithm()
                );
            }
        }
    }

    #[test]
    fn cavp_known_answers() {
        for (gcm, file) in [
            (&AES_128, "cavp/gcm/gcmEncryptExtIV128.rsp"),
            (&AES_192, "cavp/gcm/gcmEncryptExtIV192.rsp"),
            (&AES_256, "cavp/gcm/gcmEncryptExtIV256.rsp"),
        ] {
            let Some(record) = cavp_record(
                file,
                &[
                    ("IVlen", "96"),
                    ("PTlen", "408"),
                    ("AADlen", "720"),
                    ("Taglen", "128"),
                ],
            ) else {
                return;
            };
            let parts = gcm
                .seal_detached(&record.key, &record.iv, &record.aad, &record.pt, 16)
                .expect("seal");
            assert_eq!(parts.ciphertext, record.ct, "{file}");
            assert_eq!(parts.tag, record.tag, "{file}");
        }
        let Some(record) = cavp_record(
            "cavp/gcm/gcmDecrypt128.rsp",
            &[
                ("IVlen", "96"),
                ("PTlen", "104"),
                ("AADlen", "160"),
                ("Taglen", "128"),
            ],
        ) else {
            return;
        };
        let opened = AES_128
            .open_detached(
                &record.key,
                &record.iv,
                &record.aad,
                &record.ct,
                &record.tag,
            )
            .expect("open");
        assert_eq!(opened, record.pt);
    }

    #[test]
    fn chacha20_poly1305_rfc8439_known_answer() {
        test_support::rfc8439_known_answer(&CHACHA20);
    }
}
