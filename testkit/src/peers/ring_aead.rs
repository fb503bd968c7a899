//! ring's AES-GCM and ChaCha20-Poly1305 behind Sonet's `Aead` trait (full 16-byte tags and
//! 96-bit nonces only, which is all the benchmarks use). The key is bound on every call, as
//! the trait hands over raw key bytes — exactly the work Sonet's own providers do per call.

use ring::aead::{
    Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305,
};
use sonet::crypto::aead::{Aead, AeadAlgorithm, AeadError, SealedParts};
use sonet::crypto::Provider;

const NAME: &str = "ring";

struct RingAead(AeadAlgorithm);

impl RingAead {
    fn key(&self, key: &[u8]) -> Result<LessSafeKey, AeadError> {
        let algorithm = match self.0 {
            AeadAlgorithm::Aes128Gcm => &AES_128_GCM,
            AeadAlgorithm::Aes256Gcm => &AES_256_GCM,
            AeadAlgorithm::ChaCha20Poly1305 => &CHACHA20_POLY1305,
            other => {
                return Err(AeadError::Unsupported {
                    provider: NAME,
                    operation: "AEAD",
                    reason: format!("ring has no {other}"),
                })
            }
        };
        UnboundKey::new(algorithm, key)
            .map(LessSafeKey::new)
            .map_err(|_| AeadError::InvalidKeyLength {
                algorithm: self.0,
                got: key.len(),
                expected: self.0.key_len(),
            })
    }

    fn nonce(&self, nonce: &[u8]) -> Result<Nonce, AeadError> {
        Nonce::try_assume_unique_for_key(nonce).map_err(|_| AeadError::InvalidNonceLength {
            algorithm: self.0,
            got: nonce.len(),
        })
    }
}

impl Aead for RingAead {
    fn algorithm(&self) -> AeadAlgorithm {
        self.0
    }

    fn seal_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        tag_len: usize,
    ) -> Result<SealedParts, AeadError> {
        if tag_len != self.0.tag_len() {
            return Err(AeadError::InvalidTagLength {
                algorithm: self.0,
                got: tag_len,
            });
        }
        let key = self.key(key)?;
        let mut ciphertext = plaintext.to_vec();
        let tag = key
            .seal_in_place_separate_tag(self.nonce(nonce)?, Aad::from(aad), &mut ciphertext)
            .map_err(|_| AeadError::TooLong { algorithm: self.0 })?;
        Ok(SealedParts {
            ciphertext,
            tag: tag.as_ref().to_vec(),
        })
    }

    fn open_detached(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
        tag: &[u8],
    ) -> Result<Vec<u8>, AeadError> {
        let key = self.key(key)?;
        let mut buffer = Vec::with_capacity(ciphertext.len() + tag.len());
        buffer.extend_from_slice(ciphertext);
        buffer.extend_from_slice(tag);
        let length = key
            .open_in_place(self.nonce(nonce)?, Aad::from(aad), &mut buffer)
            .map_err(|_| AeadError::AuthenticationFailed)?
            .len();
        buffer.truncate(length);
        Ok(buffer)
    }
}

static AES_128: RingAead = RingAead(AeadAlgorithm::Aes128Gcm);
static AES_256: RingAead = RingAead(AeadAlgorithm::Aes256Gcm);
static CHACHA: RingAead = RingAead(AeadAlgorithm::ChaCha20Poly1305);

/// ring as a Sonet provider: its three AEADs, nothing else.
pub static PROVIDER: Provider = Provider {
    name: NAME,
    description: "ring 0.17 AES-GCM and ChaCha20-Poly1305, a benchmark peer only",
    kems: &[],
    signatures: &[],
    aeads: &[&AES_128, &AES_256, &CHACHA],
    kdfs: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_round_trips_and_agrees_with_sonet() {
        let sonet = sonet::crypto::providers()[0];
        for algorithm in [
            AeadAlgorithm::Aes128Gcm,
            AeadAlgorithm::Aes256Gcm,
            AeadAlgorithm::ChaCha20Poly1305,
        ] {
            let ring = PROVIDER.aead(algorithm).unwrap();
            let ours = sonet.aead(algorithm).unwrap();
            let key = vec![7u8; algorithm.key_len()];
            let nonce = [9u8; 12];
            let sealed = ring.seal(&key, &nonce, b"aad", b"message").unwrap();
            assert_eq!(sealed, ours.seal(&key, &nonce, b"aad", b"message").unwrap());
            assert_eq!(
                ring.open(&key, &nonce, b"aad", &sealed).unwrap(),
                b"message"
            );
            let mut tampered = sealed.clone();
            tampered[0] ^= 1;
            assert!(ring.open(&key, &nonce, b"aad", &tampered).is_err());
        }
    }
}
