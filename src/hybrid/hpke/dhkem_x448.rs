//! DHKEM(X448, HKDF-SHA512), KEM id 0x0021 (RFC 9180 §4.1, §7.1).
//!
//! rust-hpke has no X448, so the KEM is written here against the crate's public [`Kem`] trait:
//! the crate's key schedule, AEAD contexts and exporter then serve X448 suites exactly as they
//! serve its own DHKEMs, and only the group-specific steps live in this file. The DH function is
//! RustCrypto's `x448` (RFC 7748); the KEM's own KDF is HKDF-SHA512 regardless of the suite KDF.

use ::hpke::hybrid_array::typenum::{U56, U64};
use ::hpke::kem::SharedSecret;
use ::hpke::rand_core::CryptoRng;
use ::hpke::{Deserializable, HpkeError, Kem, Serializable};
use hkdf::{Hkdf, HkdfExtract};
use sha2::Sha512;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// Nsk = Npk = Nenc = Ndh for X448 (RFC 9180 §7.1, Table 2).
const X448_LEN: usize = 56;

/// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (RFC 9180 §4.1).
const SUITE_ID: [u8; 5] = [b'K', b'E', b'M', 0x00, 0x21];

const VERSION_LABEL: &[u8] = b"HPKE-v1";

/// An X448 private key, stored clamped.
///
/// RFC 9180 §7.1.2 requires SerializePrivateKey to clamp its output and DeserializePrivateKey to
/// clamp its input; clamping once on the way in makes both hold.
#[derive(Clone)]
pub struct PrivateKey(Zeroizing<[u8; X448_LEN]>);

impl PrivateKey {
    fn clamped(mut bytes: [u8; X448_LEN]) -> Self {
        // decodeScalar448 (RFC 7748 §5).
        bytes[0] &= 252;
        bytes[X448_LEN - 1] |= 128;
        let key = Self(Zeroizing::new(bytes));
        bytes.zeroize();
        key
    }
}

impl ConstantTimeEq for PrivateKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl Serializable for PrivateKey {
    type OutputSize = U56;

    /// `buf` must be `Self::size()` bytes long (the trait's contract); the crate and this
    /// module only ever pass buffers of that size.
    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(self.0.as_slice());
    }
}

impl Deserializable for PrivateKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let bytes = <[u8; X448_LEN]>::try_from(encoded)
            .map_err(|_| HpkeError::IncorrectInputLength(X448_LEN, encoded.len()))?;
        // Clamped keys are never 0 mod the group order, so the zero check RFC 9180 §7.1.2
        // recommends is implied.
        Ok(Self::clamped(bytes))
    }
}

/// An X448 public key: any 56-byte string (RFC 7748 §5 accepts every u-coordinate; low-order
/// inputs are caught by the all-zero check on the DH output instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey([u8; X448_LEN]);

impl Serializable for PublicKey {
    type OutputSize = U56;

    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(&self.0);
    }
}

impl Deserializable for PublicKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        <[u8; X448_LEN]>::try_from(encoded)
            .map(Self)
            .map_err(|_| HpkeError::IncorrectInputLength(X448_LEN, encoded.len()))
    }
}

/// The encapsulated key: the ephemeral public key (Nenc = Npk).
#[derive(Clone)]
pub struct EncappedKey(PublicKey);

impl Serializable for EncappedKey {
    type OutputSize = U56;

    fn write_exact(&self, buf: &mut [u8]) {
        self.0.write_exact(buf);
    }
}

impl Deserializable for EncappedKey {
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        PublicKey::from_bytes(encoded).map(Self)
    }
}

/// DHKEM(X448, HKDF-SHA512).
pub struct DhkemX448;

/// `LabeledExtract(salt, label, ikm)` with `ikm` given in parts, so secret inputs such as
/// `dh = DH(skE, pkR) || DH(skS, pkR)` are never concatenated into a fresh buffer.
fn labeled_extract(salt: &[u8], label: &[u8], ikm: &[&[u8]]) -> Hkdf<Sha512> {
    let mut extract = HkdfExtract::<Sha512>::new(Some(salt));
    extract.input_ikm(VERSION_LABEL);
    extract.input_ikm(&SUITE_ID);
    extract.input_ikm(label);
    for part in ikm {
        extract.input_ikm(part);
    }
    let (mut prk, hkdf) = extract.finalize();
    prk.as_mut_slice().zeroize();
    hkdf
}

/// `LabeledExpand(prk, label, info, L)` with `info` given in parts.
///
/// Every caller asks for 56 or 64 bytes, far below HKDF-SHA512's 255·64-byte limit, so the
/// expansion cannot fail; the trait methods that call it have no error channel to report one.
fn labeled_expand(prk: &Hkdf<Sha512>, label: &[u8], info: &[&[u8]], out: &mut [u8]) {
    let length = u16::try_from(out.len())
        .expect("KEM outputs are at most 64 bytes")
        .to_be_bytes();
    let mut labeled_info: Vec<&[u8]> = vec![&length, VERSION_LABEL, &SUITE_ID, label];
    labeled_info.extend_from_slice(info);
    prk.expand_multi_info(&labeled_info, out)
        .expect("KEM outputs are within HKDF-SHA512's 16320-byte limit");
}

/// `ExtractAndExpand(dh, kem_context)` (RFC 9180 §4.1), writing Nsecret = 64 bytes.
fn extract_and_expand(dh: &[&[u8]], kem_context: &[&[u8]]) -> SharedSecret<DhkemX448> {
    let eae_prk = labeled_extract(b"", b"eae_prk", dh);
    let mut shared_secret = SharedSecret::<DhkemX448>::default();
    labeled_expand(
        &eae_prk,
        b"shared_secret",
        kem_context,
        shared_secret.0.as_mut_slice(),
    );
    shared_secret
}

/// `DH(sk, pk)`, or `None` for the all-zero output that RFC 9180 §7.1.4 requires senders and
/// recipients to reject (it results from low-order public keys).
fn dh(sk: &PrivateKey, pk: &PublicKey) -> Option<Zeroizing<[u8; X448_LEN]>> {
    // `x448` takes the scalar by value, so a copy of the key briefly lives in its frame; the
    // crate offers no borrowed-scalar entry point.
    let shared = Zeroizing::new(::x448::x448_unchecked(*sk.0, pk.0));
    if bool::from(shared.as_slice().ct_eq(&[0u8; X448_LEN][..])) {
        None
    } else {
        Some(shared)
    }
}

/// Encap / AuthEncap with a given ephemeral key (RFC 9180 §4.1).
fn encap_with_ephemeral(
    pk_r: &PublicKey,
    sender: Option<(&PrivateKey, &PublicKey)>,
    sk_e: &PrivateKey,
) -> Result<(SharedSecret<DhkemX448>, EncappedKey), HpkeError> {
    let pk_e = DhkemX448::sk_to_pk(sk_e);
    let dh_e = dh(sk_e, pk_r).ok_or(HpkeError::EncapError)?;
    let shared_secret = match sender {
        None => extract_and_expand(&[dh_e.as_slice()], &[&pk_e.0, &pk_r.0]),
        Some((sk_s, pk_s)) => {
            let dh_s = dh(sk_s, pk_r).ok_or(HpkeError::EncapError)?;
            extract_and_expand(
                &[dh_e.as_slice(), dh_s.as_slice()],
                &[&pk_e.0, &pk_r.0, &pk_s.0],
            )
        }
    };
    Ok((shared_secret, EncappedKey(pk_e)))
}

impl Kem for DhkemX448 {
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;
    type EncappedKey = EncappedKey;
    /// Nsecret = Nh of HKDF-SHA512.
    type NSecret = U64;

    const KEM_ID: u16 = 0x0021;

    fn sk_to_pk(sk: &PrivateKey) -> PublicKey {
        PublicKey(::x448::x448_unchecked(*sk.0, ::x448::X448_BASEPOINT_BYTES))
    }

    /// RFC 9180 §7.1.3 for X448: `sk = LabeledExpand(dkp_prk, "sk", "", 56)`, used as is
    /// (every 56-byte string is a valid X448 key once clamped).
    fn derive_keypair(ikm: &[u8]) -> (PrivateKey, PublicKey) {
        let dkp_prk = labeled_extract(b"", b"dkp_prk", &[ikm]);
        let mut sk = [0u8; X448_LEN];
        labeled_expand(&dkp_prk, b"sk", &[], &mut sk);
        let sk = PrivateKey::clamped(sk);
        let pk = Self::sk_to_pk(&sk);
        (sk, pk)
    }

    fn decap(
        sk_r: &PrivateKey,
        pk_s: Option<&PublicKey>,
        enc: &EncappedKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        let pk_r = Self::sk_to_pk(sk_r);
        let dh_e = dh(sk_r, &enc.0).ok_or(HpkeError::DecapError)?;
        match pk_s {
            None => Ok(extract_and_expand(
                &[dh_e.as_slice()],
                &[&enc.0 .0, &pk_r.0],
            )),
            Some(pk_s) => {
                let dh_s = dh(sk_r, pk_s).ok_or(HpkeError::DecapError)?;
                Ok(extract_and_expand(
                    &[dh_e.as_slice(), dh_s.as_slice()],
                    &[&enc.0 .0, &pk_r.0, &pk_s.0],
                ))
            }
        }
    }

    /// The ephemeral key is `DeriveKeyPair` of Nsk random bytes, as the crate does for its own
    /// DHKEMs, so deterministic encapsulation from ikmE works the same way for every DHKEM.
    fn encap_with_rng(
        pk_r: &PublicKey,
        sender: Option<(&PrivateKey, &PublicKey)>,
        csprng: &mut impl CryptoRng,
    ) -> Result<(SharedSecret<Self>, EncappedKey), HpkeError> {
        let (sk_e, _) = Self::gen_keypair_with_rng(csprng);
        encap_with_ephemeral(pk_r, sender, &sk_e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7748 §6.2: Alice's and Bob's keys and their shared secret.
    #[test]
    fn rfc7748_diffie_hellman() {
        let alice_sk = hex::decode(
            "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf5\
             74a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
        )
        .unwrap();
        let bob_pk = hex::decode(
            "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972\
             fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
        )
        .unwrap();
        let alice_pk = "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c\
                        22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0";
        let shared = "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b\
                      b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d";
        let sk = PrivateKey::from_bytes(&alice_sk).unwrap();
        assert_eq!(hex::encode(DhkemX448::sk_to_pk(&sk).0), alice_pk);
        let pk = PublicKey::from_bytes(&bob_pk).unwrap();
        assert_eq!(hex::encode(*dh(&sk, &pk).unwrap()), shared);
    }

    #[test]
    fn all_zero_shared_secret_is_rejected() {
        let (sk, _) = DhkemX448::derive_keypair(b"ikm");
        // u = 0 and u = 1 are low-order points: the DH output is all zero.
        for u in [0u8, 1] {
            let mut bytes = [0u8; X448_LEN];
            bytes[0] = u;
            let enc = EncappedKey(PublicKey(bytes));
            assert!(dh(&sk, &enc.0).is_none());
            assert_eq!(
                DhkemX448::decap(&sk, None, &enc).err(),
                Some(HpkeError::DecapError)
            );
            assert_eq!(
                encap_with_ephemeral(&enc.0, None, &sk).err(),
                Some(HpkeError::EncapError)
            );
        }
    }

    #[test]
    fn private_keys_are_clamped_both_ways() {
        let sk = PrivateKey::from_bytes(&[0xff; X448_LEN]).unwrap();
        let out = sk.to_bytes();
        assert_eq!(out[0], 0xfc);
        assert_eq!(out[X448_LEN - 1], 0xff);
        let sk = PrivateKey::from_bytes(&[0u8; X448_LEN]).unwrap();
        assert_eq!(sk.to_bytes()[X448_LEN - 1], 0x80);
    }

    #[test]
    fn wrong_lengths_are_errors() {
        assert_eq!(
            PrivateKey::from_bytes(&[1; 55]).err(),
            Some(HpkeError::IncorrectInputLength(56, 55))
        );
        assert_eq!(
            PublicKey::from_bytes(&[1; 57]).err(),
            Some(HpkeError::IncorrectInputLength(56, 57))
        );
        assert!(EncappedKey::from_bytes(&[]).is_err());
    }
}
