//! Authenticated encryption: AES-GCM (NIST SP 800-38D) and ChaCha20-Poly1305 (RFC 8439) behind
//! one trait, implemented by each provider.

use std::fmt;

/// An AEAD algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AeadAlgorithm {
    /// AES-128 in GCM (SP 800-38D): 16-byte key.
    Aes128Gcm,
    /// AES-192 in GCM (SP 800-38D): 24-byte key.
    Aes192Gcm,
    /// AES-256 in GCM (SP 800-38D): 32-byte key.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439 §2.8): 32-byte key, 12-byte nonce, 16-byte tag only.
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// Every AEAD algorithm, in report order.
    pub const ALL: [AeadAlgorithm; 4] = [
        Self::Aes128Gcm,
        Self::Aes192Gcm,
        Self::Aes256Gcm,
        Self::ChaCha20Poly1305,
    ];

    /// The name reports use, e.g. `AES-128-GCM`, `ChaCha20-Poly1305`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes192Gcm => "AES-192-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::ChaCha20Poly1305 => "ChaCha20-Poly1305",
        }
    }

    /// The key length in bytes (16, 24 or 32).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes192Gcm => 24,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// The recommended nonce length (96 bits); GCM also defines other IV lengths.
    pub const fn nonce_len(self) -> usize {
        12
    }

    /// The full tag length.
    pub const fn tag_len(self) -> usize {
        16
    }

    const fn is_gcm(self) -> bool {
        !matches!(self, Self::ChaCha20Poly1305)
    }
}

impl fmt::Display for AeadAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Errors of the AEAD layer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AeadError {
    /// The key is not [`AeadAlgorithm::key_len`] bytes.
    #[error("{algorithm} key has length {got}, expected {expected}")]
    InvalidKeyLength {
        /// The algorithm called.
        algorithm: AeadAlgorithm,
        /// The key's length in bytes.
        got: usize,
        /// The algorithm's key length in bytes.
        expected: usize,
    },
    /// The nonce length is not allowed: ChaCha20-Poly1305 takes exactly 12 bytes; GCM takes any
    /// length from 1 byte to 2^61 − 1 bytes (an empty IV is refused, CVE-2017-7822).
    #[error("{algorithm} does not accept a {got}-byte nonce")]
    InvalidNonceLength {
        /// The algorithm called.
        algorithm: AeadAlgorithm,
        /// The nonce's length in bytes.
        got: usize,
    },
    /// The tag length is not allowed: ChaCha20-Poly1305 has only the 16-byte tag; GCM allows 16,
    /// 15, 14, 13, 12, 8 and 4 bytes (SP 800-38D §5.2.1.2).
    #[error("{algorithm} does not define a {got}-byte tag")]
    InvalidTagLength {
        /// The algorithm called.
        algorithm: AeadAlgorithm,
        /// The tag length asked for or given, in bytes.
        got: usize,
    },
    /// The text or associated data exceeds what one key and nonce may process: for GCM 2^36 − 32
    /// bytes of text and 2^61 − 1 bytes of associated data (SP 800-38D §5.2.1.1), for
    /// ChaCha20-Poly1305 (2^32 − 1) · 64 bytes of text (RFC 8439 §2.8); also a backend's own
    /// per-nonce limit.
    #[error("input is longer than {algorithm} can process under one nonce")]
    TooLong {
        /// The algorithm called.
        algorithm: AeadAlgorithm,
    },
    /// The tag did not verify: the ciphertext, associated data, nonce or key is not the one
    /// sealed. Nothing of the plaintext is released.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// The standard allows the input but this provider cannot process it (rustcrypto: GCM IVs
    /// longer than 512 bytes).
    #[error("{provider} does not support {operation}: {reason}")]
    Unsupported {
        /// The provider's name, e.g. `rustcrypto`.
        provider: &'static str,
        /// The operation refused: `seal` or `open`.
        operation: &'static str,
        /// Why the provider cannot process it.
        reason: String,
    },
}

/// The GCM tag lengths SP 800-38D §5.2.1.2 allows, in bytes: 128, 120, 112, 104 and 96 bits, and
/// 64 and 32 bits for the applications its Appendix C describes.
pub(super) const GCM_TAG_LENS: [usize; 7] = [16, 15, 14, 13, 12, 8, 4];

/// SP 800-38D §5.2.1.1: len(P) ≤ 2^39 − 256 bits.
const GCM_MAX_TEXT: u64 = (1 << 36) - 32;

/// SP 800-38D §5.2.1.1: len(A) and len(IV) ≤ 2^64 − 1 bits, i.e. 2^61 − 1 whole bytes.
const GCM_MAX_AAD_OR_IV: u64 = (1 << 61) - 1;

/// RFC 8439 §2.8: the 32-bit block counter starts at 1, so at most 2^32 − 1 blocks of 64 bytes.
const CHACHA_MAX_TEXT: u64 = ((1 << 32) - 1) * 64;

/// The checks the standards impose, made by every provider before it calls its library and in
/// one order (key, nonce, tag, lengths), so that all providers refuse the same input with the
/// same error and a provider's own limits are reported only for inputs the standard allows.
pub(super) fn check_inputs(
    algorithm: AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    tag_len: usize,
    aad_len: usize,
    text_len: usize,
) -> Result<(), AeadError> {
    if key.len() != algorithm.key_len() {
        return Err(AeadError::InvalidKeyLength {
            algorithm,
            got: key.len(),
            expected: algorithm.key_len(),
        });
    }
    let nonce_ok = if algorithm.is_gcm() {
        // SP 800-38D §5.2.1.1: 1 ≤ len(IV) ≤ 2^64 − 1 bits; an empty IV would make J0 depend
        // on the key alone (CVE-2017-7822).
        !nonce.is_empty() && (nonce.len() as u64) <= GCM_MAX_AAD_OR_IV
    } else {
        nonce.len() == algorithm.nonce_len()
    };
    if !nonce_ok {
        return Err(AeadError::InvalidNonceLength {
            algorithm,
            got: nonce.len(),
        });
    }
    let tag_ok = if algorithm.is_gcm() {
        GCM_TAG_LENS.contains(&tag_len)
    } else {
        tag_len == algorithm.tag_len()
    };
    if !tag_ok {
        return Err(AeadError::InvalidTagLength {
            algorithm,
            got: tag_len,
        });
    }
    let (max_text, max_aad) = if algorithm.is_gcm() {
        (GCM_MAX_TEXT, GCM_MAX_AAD_OR_IV)
    } else {
        (CHACHA_MAX_TEXT, u64::MAX)
    };
    if text_len as u64 > max_text || aad_len as u64 > max_aad {
        return Err(AeadError::TooLong { algorithm });
    }
    Ok(())
}

/// A ciphertext and its tag, kept apart (as CAVP and some protocols carry them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedParts {
    /// The ciphertext, as long as the plaintext.
    pub ciphertext: Vec<u8>,
    /// The authentication tag: the leftmost `tag_len` bytes of the full 16-byte tag.
    pub tag: Vec<u8>,
}

/// An AEAD implementation.
pub trait Aead: Send + Sync {
    /// The algorithm this implementation runs.
    fn algorithm(&self) -> AeadAlgorithm;

    /// Encrypts and authenticates; the tag is `tag_len` bytes (the full 16, or for GCM a
    /// truncation allowed by SP 800-38D §5.2.1.2: 12–16, 8 or 4 bytes).
    fn seal_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        tag_len: usize,
    ) -> Result<SealedParts, AeadError>;

    /// Verifies the tag (of whatever allowed length it has) and decrypts.
    fn open_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError>;

    /// Encrypts to `ciphertext ‖ tag` with the full tag.
    fn seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let SealedParts {
            mut ciphertext,
            tag,
        } = self.seal_detached(key, nonce, aad, plaintext, self.algorithm().tag_len())?;
        ciphertext.extend_from_slice(&tag);
        Ok(ciphertext)
    }

    /// Opens `ciphertext ‖ tag` with the full tag.
    fn open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        sealed: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let tag_len = self.algorithm().tag_len();
        let split = sealed
            .len()
            .checked_sub(tag_len)
            .ok_or(AeadError::AuthenticationFailed)?;
        let (ciphertext, tag) = sealed.split_at(split);
        self.open_detached(key, nonce, aad, ciphertext, tag)
    }
}

/// Verifies a GCM tag shorter than 128 bits with nothing but full-tag sealing.
///
/// A truncated tag is the leftmost bytes of the full one (SP 800-38D §7.1 step 8), but neither
/// backend computes the tag over a given ciphertext without verifying a full tag. GCM encrypts by
/// XORing a keystream that depends only on the key and IV (GCTR from inc32(J0), §7.1 step 3), so
/// sealing the ciphertext yields the candidate plaintext, and sealing that yields the ciphertext
/// again with its full tag. The candidate is returned only if the leftmost bytes of that tag equal
/// `tag` (compared in constant time); otherwise it is wiped. `seal_full(aad, buffer)` encrypts
/// `buffer` in place under the caller's key and IV and returns the full tag.
pub(super) fn open_truncated_gcm(
    seal_full: impl Fn(&[u8], &mut [u8]) -> Result<[u8; 16], ()>,
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, AeadError> {
    use subtle::ConstantTimeEq;
    use zeroize::Zeroize;

    let mut plaintext = ciphertext.to_vec();
    // The associated data does not affect the keystream, and this tag is discarded.
    if seal_full(&[], &mut plaintext).is_err() {
        plaintext.zeroize();
        return Err(AeadError::AuthenticationFailed);
    }
    let mut resealed = plaintext.clone();
    let verified = match seal_full(aad, &mut resealed) {
        Ok(full) => full
            .get(..tag.len())
            .is_some_and(|prefix| bool::from(prefix.ct_eq(tag))),
        Err(()) => false,
    };
    // Holds the plaintext still if the second seal failed.
    resealed.zeroize();
    if verified {
        Ok(plaintext)
    } else {
        plaintext.zeroize();
        Err(AeadError::AuthenticationFailed)
    }
}

#[cfg(test)]
pub(super) mod test_support {
    use std::collections::HashMap;

    use super::{Aead, AeadAlgorithm, AeadError, GCM_TAG_LENS};
    use sonet_testkit::vectors::pinned_text;

    /// One record of a NIST CAVP GCMVS `.rsp` file.
    pub struct GcmRecord {
        pub key: Vec<u8>,
        pub iv: Vec<u8>,
        pub aad: Vec<u8>,
        pub pt: Vec<u8>,
        pub ct: Vec<u8>,
        pub tag: Vec<u8>,
    }

    /// The first record of the pinned CAVP file `file` (e.g. `cavp/gcm/gcmDecrypt128.rsp`) in the
    /// section whose `[Name = value]` headers include every `(name, value)` of `section` and
    /// that carries a plaintext (not a `FAIL` entry); `None` when the vectors are absent (the
    /// test is skipped).
    pub fn cavp_record(file: &str, section: &[(&str, &str)]) -> Option<GcmRecord> {
        let text = pinned_text(file)?;
        let mut headers: HashMap<String, String> = HashMap::new();
        let mut fields: Option<HashMap<String, String>> = None;
        let in_section = |headers: &HashMap<String, String>| {
            section
                .iter()
                .all(|(name, value)| headers.get(*name).map(String::as_str) == Some(*value))
        };
        for line in text.lines().chain(std::iter::once("")) {
            let line = line.trim();
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                if let Some((name, value)) = header.split_once('=') {
                    headers.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            } else if line == "FAIL" {
                fields = None;
            } else if let Some((name, value)) = line.split_once('=') {
                let (name, value) = (name.trim(), value.trim());
                if name == "Count" {
                    fields = in_section(&headers).then(HashMap::new);
                }
                if let Some(fields) = fields.as_mut() {
                    fields.insert(name.to_owned(), value.to_owned());
                }
            } else if line.is_empty() {
                if let Some(done) = fields.take().filter(|f| f.contains_key("PT")) {
                    let hex_of = |name: &str| hex::decode(&done[name]).expect("hex field");
                    return Some(GcmRecord {
                        key: hex_of("Key"),
                        iv: hex_of("IV"),
                        aad: hex_of("AAD"),
                        pt: hex_of("PT"),
                        ct: hex_of("CT"),
                        tag: hex_of("Tag"),
                    });
                }
            }
        }
        panic!("no record with a plaintext in {section:?} of {file}")
    }

    pub fn key_for(algorithm: AeadAlgorithm) -> Vec<u8> {
        (0..algorithm.key_len()).map(|i| i as u8 ^ 0x5a).collect()
    }

    /// Seal and open with the full tag, for every plaintext length around the block sizes.
    pub fn round_trip(aead: &dyn Aead) {
        let algorithm = aead.algorithm();
        let key = key_for(algorithm);
        let nonce = [7u8; 12];
        for len in [0usize, 1, 15, 16, 17, 63, 64, 65, 1000] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 31) as u8).collect();
            let sealed = aead.seal(&key, &nonce, b"aad", &plaintext).expect("seal");
            assert_eq!(sealed.len(), len + algorithm.tag_len(), "{algorithm} {len}");
            if len > 0 {
                assert_ne!(&sealed[..len], plaintext.as_slice(), "{algorithm} {len}");
            }
            let opened = aead.open(&key, &nonce, b"aad", &sealed).expect("open");
            assert_eq!(opened, plaintext, "{algorithm} {len}");
        }
    }

    /// [`round_trip`] for each of a provider's AEADs.
    pub fn every_aead_round_trips(aeads: &[&dyn Aead]) {
        for aead in aeads {
            round_trip(*aead);
        }
    }

    /// Every tag length the standards allow for `algorithm`: those of SP 800-38D §5.2.1.2 for
    /// GCM, the one 16-byte tag for ChaCha20-Poly1305.
    pub fn every_tag_len(algorithm: AeadAlgorithm) -> &'static [usize] {
        if algorithm.is_gcm() {
            &GCM_TAG_LENS
        } else {
            &[16]
        }
    }

    /// The full 16-byte tag only.
    #[cfg(feature = "aws-lc")]
    pub fn full_tag_len(_: AeadAlgorithm) -> &'static [usize] {
        &[16]
    }

    /// [`tampering_is_rejected`] for each of a provider's AEADs, with each tag length `tag_lens`
    /// gives for its algorithm.
    pub fn every_aead_rejects_tampering(
        aeads: &[&dyn Aead],
        tag_lens: fn(AeadAlgorithm) -> &'static [usize],
    ) {
        for aead in aeads {
            for &tag_len in tag_lens(aead.algorithm()) {
                tampering_is_rejected(*aead, tag_len);
            }
        }
    }

    /// Any change to the ciphertext, tag, associated data, nonce or key is refused, for a tag of
    /// `tag_len` bytes.
    pub fn tampering_is_rejected(aead: &dyn Aead, tag_len: usize) {
        let algorithm = aead.algorithm();
        let key = key_for(algorithm);
        let nonce = [9u8; 12];
        let aad = b"header";
        let parts = aead
            .seal_detached(&key, &nonce, aad, b"attack at dawn", tag_len)
            .expect("seal");
        assert_eq!(parts.tag.len(), tag_len);
        let open = |key: &[u8], nonce: &[u8], aad: &[u8], ct: &[u8], tag: &[u8]| {
            aead.open_detached(key, nonce, aad, ct, tag)
        };
        assert_eq!(
            open(&key, &nonce, aad, &parts.ciphertext, &parts.tag).as_deref(),
            Ok(&b"attack at dawn"[..])
        );
        let flip = |bytes: &[u8], at: usize| {
            let mut out = bytes.to_vec();
            out[at] ^= 1;
            out
        };
        let failed = Err(AeadError::AuthenticationFailed);
        for at in [0, parts.ciphertext.len() - 1] {
            let ct = flip(&parts.ciphertext, at);
            assert_eq!(open(&key, &nonce, aad, &ct, &parts.tag), failed, "ct[{at}]");
        }
        for at in [0, tag_len - 1] {
            let tag = flip(&parts.tag, at);
            assert_eq!(
                open(&key, &nonce, aad, &parts.ciphertext, &tag),
                failed,
                "tag[{at}]"
            );
        }
        let aads: [&[u8]; 3] = [b"headeR", b"", b"header\0"];
        for other in aads {
            assert_eq!(
                open(&key, &nonce, other, &parts.ciphertext, &parts.tag),
                failed,
                "aad {other:?}"
            );
        }
        let other_nonce = flip(&nonce, 11);
        assert_eq!(
            open(&key, &other_nonce, aad, &parts.ciphertext, &parts.tag),
            failed
        );
        let other_key = flip(&key, 0);
        assert_eq!(
            open(&other_key, &nonce, aad, &parts.ciphertext, &parts.tag),
            failed
        );
        let short = &parts.ciphertext[..parts.ciphertext.len() - 1];
        assert_eq!(open(&key, &nonce, aad, short, &parts.tag), failed);
    }

    /// [`invalid_lengths_are_rejected`] for each of a provider's AEADs.
    pub fn every_aead_rejects_invalid_lengths(aeads: &[&dyn Aead]) {
        for aead in aeads {
            invalid_lengths_are_rejected(*aead);
        }
    }

    /// Lengths the standards forbid are refused with the matching error.
    pub fn invalid_lengths_are_rejected(aead: &dyn Aead) {
        let algorithm = aead.algorithm();
        let key = key_for(algorithm);
        let nonce = [1u8; 12];
        for bad_key in [algorithm.key_len() - 1, algorithm.key_len() + 1, 0] {
            let err = aead
                .seal_detached(&vec![0; bad_key], &nonce, b"", b"m", 16)
                .unwrap_err();
            assert_eq!(
                err,
                AeadError::InvalidKeyLength {
                    algorithm,
                    got: bad_key,
                    expected: algorithm.key_len()
                }
            );
            let err = aead
                .open_detached(&vec![0; bad_key], &nonce, b"", b"m", &[0; 16])
                .unwrap_err();
            assert!(matches!(err, AeadError::InvalidKeyLength { .. }), "{err}");
        }
        let bad_tags: &[usize] = if algorithm == AeadAlgorithm::ChaCha20Poly1305 {
            &[0, 4, 8, 12, 15, 17]
        } else {
            &[0, 1, 3, 5, 7, 9, 11, 17, 32]
        };
        for &tag_len in bad_tags {
            let invalid = || AeadError::InvalidTagLength {
                algorithm,
                got: tag_len,
            };
            assert_eq!(
                aead.seal_detached(&key, &nonce, b"", b"m", tag_len),
                Err(invalid()),
                "seal, {tag_len}-byte tag"
            );
            assert_eq!(
                aead.open_detached(&key, &nonce, b"", b"m", &vec![0; tag_len]),
                Err(invalid()),
                "open, {tag_len}-byte tag"
            );
        }
        let bad_nonces: &[usize] = if algorithm == AeadAlgorithm::ChaCha20Poly1305 {
            &[0, 8, 11, 13, 16, 24]
        } else {
            &[0]
        };
        for &len in bad_nonces {
            let invalid = || AeadError::InvalidNonceLength {
                algorithm,
                got: len,
            };
            assert_eq!(
                aead.seal_detached(&key, &vec![0; len], b"", b"m", 16),
                Err(invalid())
            );
            assert_eq!(
                aead.open_detached(&key, &vec![0; len], b"", b"m", &[0; 16]),
                Err(invalid())
            );
        }
        // `open` of something shorter than a tag.
        assert_eq!(
            aead.open(&key, &nonce, b"", &[0; 15]),
            Err(AeadError::AuthenticationFailed)
        );
    }

    /// RFC 8439 §2.8.2, the AEAD_CHACHA20_POLY1305 example.
    pub fn rfc8439_known_answer(aead: &dyn Aead) {
        let key: Vec<u8> = (0x80..=0x9f).collect();
        let nonce = hex::decode("070000004041424344454647").expect("hex");
        let aad = hex::decode("50515253c0c1c2c3c4c5c6c7").expect("hex");
        let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one \
                          tip for the future, sunscreen would be it.";
        let ciphertext = hex::decode(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
             3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
             92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
             3ff4def08e4b7a9de576d26586cec64b6116",
        )
        .expect("hex");
        let tag = hex::decode("1ae10b594f09e26a7e902ecbd0600691").expect("hex");
        let parts = aead
            .seal_detached(&key, &nonce, &aad, plaintext, 16)
            .expect("seal");
        assert_eq!(parts.ciphertext, ciphertext);
        assert_eq!(parts.tag, tag);
        let opened = aead
            .open_detached(&key, &nonce, &aad, &ciphertext, &tag)
            .expect("open");
        assert_eq!(opened, plaintext);
    }
}
