//! Sonet's hybrid envelope, version 1: one message to one recipient, as HPKE (RFC 9180, base
//! mode) with a post-quantum or hybrid KEM, behind a self-describing header, optionally signed by
//! the sender with ML-DSA-65. The byte layout is specified in `docs/envelope.md`:
//!
//! ```text
//!  0       1               3       4                       8
//!  +-------+---------------+-------+-----------------------+------------+----------------+-------------+
//!  |version| suite id (BE) | flags | AEAD ct length L (BE) |    enc     | AEAD ct (L B)  | [signature] |
//!  +-------+---------------+-------+-----------------------+------------+----------------+-------------+
//! ```
//!
//! The 8-byte header is the AEAD's associated data (with the caller's), so any change to it
//! fails authentication; `enc` is bound through the KEM's shared secret. Every envelope performs
//! a fresh encapsulation, so no key or nonce is ever used for two envelopes.

use std::fmt;

use crate::crypto::{self, PqcError, SignatureAlgorithm, SignedMessage, SigningRandomness};
use crate::hybrid::hpke::{self, AeadId, HpkeError, KdfId, KemId, ReceiverInputs, SenderInputs};
use crate::secret::SecretBytes;

/// The version byte this module writes and the only one it reads.
pub const VERSION: u8 = 1;
/// Length of the header: version (1) ‖ suite id (2, big-endian) ‖ flags (1) ‖ L (4, big-endian).
pub const HEADER_LEN: usize = 8;
/// HPKE `info`, and the ML-DSA context string of sender signatures.
pub const INFO: &[u8] = b"sonet envelope v1";
/// Flags bit 0: the envelope ends with the sender's ML-DSA-65 signature.
pub const FLAG_SIGNED: u8 = 0x01;
/// The scheme of sender signatures: ML-DSA-65 (FIPS 204), pure interface with context [`INFO`].
pub const SIGNATURE_ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::MlDsa65;
const AEAD_TAG_LEN: usize = 16;

/// An envelope suite: the HPKE KEM, KDF and AEAD it uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum EnvelopeSuite {
    /// X-Wing + HKDF-SHA256 + AES-256-GCM; the default.
    #[default]
    XWingAes256Gcm,
    /// X-Wing + HKDF-SHA256 + ChaCha20-Poly1305.
    XWingChaCha20Poly1305,
    /// ML-KEM-768 + HKDF-SHA256 + AES-256-GCM.
    MlKem768Aes256Gcm,
    /// ML-KEM-1024 + HKDF-SHA256 + AES-256-GCM.
    MlKem1024Aes256Gcm,
}

impl EnvelopeSuite {
    /// Every envelope suite, in id order.
    pub const ALL: [EnvelopeSuite; 4] = [
        Self::XWingAes256Gcm,
        Self::XWingChaCha20Poly1305,
        Self::MlKem768Aes256Gcm,
        Self::MlKem1024Aes256Gcm,
    ];

    /// The id carried on the wire.
    pub const fn id(self) -> u16 {
        match self {
            Self::XWingAes256Gcm => 0x0001,
            Self::XWingChaCha20Poly1305 => 0x0002,
            Self::MlKem768Aes256Gcm => 0x0003,
            Self::MlKem1024Aes256Gcm => 0x0004,
        }
    }

    /// The suite with this wire id; [`EnvelopeError::UnknownSuite`] for any other.
    pub fn from_id(id: u16) -> Result<Self, EnvelopeError> {
        Self::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(EnvelopeError::UnknownSuite(id))
    }

    /// The HPKE KEM: X-Wing, ML-KEM-768 or ML-KEM-1024.
    pub const fn kem(self) -> KemId {
        match self {
            Self::XWingAes256Gcm | Self::XWingChaCha20Poly1305 => KemId::XWing,
            Self::MlKem768Aes256Gcm => KemId::MlKem768,
            Self::MlKem1024Aes256Gcm => KemId::MlKem1024,
        }
    }

    /// The full HPKE suite (KEM, HKDF-SHA256, AEAD) the envelope is sealed with.
    pub const fn hpke(self) -> hpke::Suite {
        let aead = match self {
            Self::XWingChaCha20Poly1305 => AeadId::ChaCha20Poly1305,
            _ => AeadId::Aes256Gcm,
        };
        hpke::Suite::new(self.kem(), KdfId::HkdfSha256, aead)
    }

    /// A readable name, e.g. `X-Wing + HKDF-SHA256 + AES-256-GCM`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::XWingAes256Gcm => "X-Wing + HKDF-SHA256 + AES-256-GCM",
            Self::XWingChaCha20Poly1305 => "X-Wing + HKDF-SHA256 + ChaCha20-Poly1305",
            Self::MlKem768Aes256Gcm => "ML-KEM-768 + HKDF-SHA256 + AES-256-GCM",
            Self::MlKem1024Aes256Gcm => "ML-KEM-1024 + HKDF-SHA256 + AES-256-GCM",
        }
    }

    /// Length of the KEM ciphertext `enc` on the wire.
    pub const fn enc_len(self) -> usize {
        self.kem().enc_len()
    }
}

impl fmt::Display for EnvelopeSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Errors of the envelope layer: parse errors are precise, cryptographic failures say only
/// which check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// The version byte is not [`VERSION`].
    #[error("unknown envelope version {0}")]
    UnknownVersion(u8),
    /// The suite id is none of [`EnvelopeSuite::ALL`].
    #[error("unknown envelope suite {0:#06x}")]
    UnknownSuite(u16),
    /// A flags bit other than [`FLAG_SIGNED`] is set.
    #[error("unknown envelope flags {0:#04x}")]
    UnknownFlags(u8),
    /// Fewer bytes than the header, or than header ‖ enc ‖ L bytes ‖ signature it declares.
    #[error("envelope is truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// The bytes the header says the envelope has (at least the 8-byte header).
        needed: usize,
        /// The bytes present.
        got: usize,
    },
    /// Bytes after the declared end; carries their count.
    #[error("envelope has {0} bytes after its end")]
    TrailingBytes(usize),
    /// A declared ciphertext length L below the 16-byte tag (or one whose total length overflows).
    #[error("envelope declares an AEAD ciphertext of {0} bytes, shorter than its tag")]
    CiphertextTooShort(u32),
    /// A plaintext whose ciphertext would not fit the 32-bit length field.
    #[error("plaintext of {0} bytes is too large for one envelope")]
    TooLarge(usize),
    /// The AEAD rejected the envelope: wrong recipient key, or a modified header, `enc`,
    /// ciphertext or associated data.
    #[error("envelope authentication failed")]
    AuthenticationFailed,
    /// The sender signature does not verify under the given public key.
    #[error("sender signature does not verify")]
    SignatureInvalid,
    /// [`open`] was given no sender key for a signed envelope.
    #[error("envelope is signed; the sender's public key is needed to open it")]
    SenderKeyRequired,
    /// [`open`] was given a sender key for an unsigned envelope.
    #[error("envelope is not signed but a signed one was expected")]
    SignatureMissing,
    /// HPKE refused a key: the recipient's public key when sealing, its secret key (or, should
    /// rust-hpke refuse it, `enc`) when opening.
    #[error("recipient key: {0}")]
    InvalidRecipientKey(HpkeError),
    /// Any other HPKE failure: while sealing, generating a recipient key, or in
    /// [`recompute_keys`]. (When opening, the others are [`Self::AuthenticationFailed`].)
    #[error("HPKE: {0}")]
    Hpke(HpkeError),
    /// Signing failed, or verification failed for a reason other than an invalid signature (e.g. a
    /// sender key of the wrong length).
    #[error("sender signature: {0}")]
    Signature(PqcError),
}

impl EnvelopeError {
    /// The variant's name, as the envelope vectors record expected errors.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::UnknownVersion(_) => "UnknownVersion",
            Self::UnknownSuite(_) => "UnknownSuite",
            Self::UnknownFlags(_) => "UnknownFlags",
            Self::Truncated { .. } => "Truncated",
            Self::TrailingBytes(_) => "TrailingBytes",
            Self::CiphertextTooShort(_) => "CiphertextTooShort",
            Self::TooLarge(_) => "TooLarge",
            Self::AuthenticationFailed => "AuthenticationFailed",
            Self::SignatureInvalid => "SignatureInvalid",
            Self::SenderKeyRequired => "SenderKeyRequired",
            Self::SignatureMissing => "SignatureMissing",
            Self::InvalidRecipientKey(_) => "InvalidRecipientKey",
            Self::Hpke(_) => "Hpke",
            Self::Signature(_) => "Signature",
        }
    }
}

/// The parsed form of an envelope; `to_bytes` and `parse` are exact inverses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The suite named in the header.
    pub suite: EnvelopeSuite,
    /// The KEM encapsulation `enc`, [`EnvelopeSuite::enc_len`] bytes.
    pub enc: Vec<u8>,
    /// AEAD ciphertext including its tag.
    pub ciphertext: Vec<u8>,
    /// The sender's ML-DSA-65 signature over header ‖ enc ‖ ciphertext, if the envelope is
    /// signed.
    pub signature: Option<Vec<u8>>,
}

impl Envelope {
    fn flags(&self) -> u8 {
        if self.signature.is_some() {
            FLAG_SIGNED
        } else {
            0
        }
    }

    /// The 8-byte header (also the AEAD's associated-data prefix).
    pub fn header(&self) -> Result<[u8; HEADER_LEN], EnvelopeError> {
        header(self.suite, self.flags(), self.ciphertext.len())
    }

    /// The bytes a sender signature covers: header ‖ enc ‖ ciphertext.
    fn signed_part(&self) -> Result<Vec<u8>, EnvelopeError> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.enc.len() + self.ciphertext.len());
        out.extend_from_slice(&self.header()?);
        out.extend_from_slice(&self.enc);
        out.extend_from_slice(&self.ciphertext);
        Ok(out)
    }

    /// The wire form: header ‖ enc ‖ ciphertext ‖ signature; [`EnvelopeError::TooLarge`] if the
    /// ciphertext length does not fit in 32 bits.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        let mut out = self.signed_part()?;
        if let Some(signature) = &self.signature {
            out.extend_from_slice(signature);
        }
        Ok(out)
    }

    /// Parses the wire form; every length is checked before it is used.
    pub fn parse(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let head: &[u8; HEADER_LEN] = bytes.first_chunk().ok_or(EnvelopeError::Truncated {
            needed: HEADER_LEN,
            got: bytes.len(),
        })?;
        let [version, suite_hi, suite_lo, flags, l0, l1, l2, l3] = *head;
        if version != VERSION {
            return Err(EnvelopeError::UnknownVersion(version));
        }
        let suite = EnvelopeSuite::from_id(u16::from_be_bytes([suite_hi, suite_lo]))?;
        if flags & !FLAG_SIGNED != 0 {
            return Err(EnvelopeError::UnknownFlags(flags));
        }
        let declared = u32::from_be_bytes([l0, l1, l2, l3]);
        if (declared as usize) < AEAD_TAG_LEN {
            return Err(EnvelopeError::CiphertextTooShort(declared));
        }
        let signature_len = if flags & FLAG_SIGNED != 0 {
            SIGNATURE_ALGORITHM.sizes().signature
        } else {
            0
        };
        let needed = HEADER_LEN
            .checked_add(suite.enc_len())
            .and_then(|n| n.checked_add(declared as usize))
            .and_then(|n| n.checked_add(signature_len))
            .ok_or(EnvelopeError::CiphertextTooShort(declared))?;
        if bytes.len() < needed {
            return Err(EnvelopeError::Truncated {
                needed,
                got: bytes.len(),
            });
        }
        if bytes.len() > needed {
            return Err(EnvelopeError::TrailingBytes(bytes.len() - needed));
        }
        let rest = &bytes[HEADER_LEN..];
        let (enc, rest) = rest.split_at(suite.enc_len());
        let (ciphertext, signature) = rest.split_at(declared as usize);
        Ok(Self {
            suite,
            enc: enc.to_vec(),
            ciphertext: ciphertext.to_vec(),
            signature: (signature_len > 0).then(|| signature.to_vec()),
        })
    }
}

fn header(
    suite: EnvelopeSuite,
    flags: u8,
    ciphertext_len: usize,
) -> Result<[u8; HEADER_LEN], EnvelopeError> {
    let len = u32::try_from(ciphertext_len).map_err(|_| EnvelopeError::TooLarge(ciphertext_len))?;
    let [s0, s1] = suite.id().to_be_bytes();
    let [l0, l1, l2, l3] = len.to_be_bytes();
    Ok([VERSION, s0, s1, flags, l0, l1, l2, l3])
}

fn associated_data(header: &[u8; HEADER_LEN], aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + aad.len());
    out.extend_from_slice(header);
    out.extend_from_slice(aad);
    out
}

/// A recipient key pair for `suite`'s KEM, derived from `ikm` (HPKE DeriveKeyPair).
pub fn derive_recipient_key(suite: EnvelopeSuite, ikm: &[u8]) -> (SecretBytes, Vec<u8>) {
    hpke::derive_keypair(suite.kem(), ikm)
}

/// A fresh recipient key pair from the OS RNG.
pub fn generate_recipient_key(
    suite: EnvelopeSuite,
) -> Result<(SecretBytes, Vec<u8>), EnvelopeError> {
    hpke::generate_keypair(suite.kem()).map_err(EnvelopeError::Hpke)
}

/// The sender's signing key and how to sign.
#[derive(Clone, Copy, Debug)]
pub struct Sender<'a> {
    /// ML-DSA-65 secret key (expanded encoding).
    pub secret_key: &'a [u8],
    /// `None` signs hedged with fresh OS randomness; `Some` fixes `rnd` (for vectors).
    pub rnd: Option<&'a [u8]>,
}

/// Seals `plaintext` to `recipient_public_key` with fresh randomness.
pub fn seal(
    suite: EnvelopeSuite,
    recipient_public_key: &[u8],
    plaintext: &[u8],
    aad: &[u8],
    sender: Option<Sender<'_>>,
) -> Result<Envelope, EnvelopeError> {
    seal_with_randomness(suite, recipient_public_key, plaintext, aad, sender, None)
}

/// Seals with caller-supplied encapsulation randomness (`Some`, exactly the KEM's length), for
/// reproducible vectors; `None` draws it from the OS RNG. Never reuse randomness outside tests.
pub fn seal_with_randomness(
    suite: EnvelopeSuite,
    recipient_public_key: &[u8],
    plaintext: &[u8],
    aad: &[u8],
    sender: Option<Sender<'_>>,
    encapsulation_randomness: Option<&[u8]>,
) -> Result<Envelope, EnvelopeError> {
    let flags = if sender.is_some() { FLAG_SIGNED } else { 0 };
    let ciphertext_len = plaintext
        .len()
        .checked_add(AEAD_TAG_LEN)
        .ok_or(EnvelopeError::TooLarge(plaintext.len()))?;
    let header = header(suite, flags, ciphertext_len)?;
    let (enc, mut context) = hpke::setup_sender(
        suite.hpke(),
        &SenderInputs::base(),
        recipient_public_key,
        INFO,
        encapsulation_randomness,
    )
    .map_err(|e| match e {
        HpkeError::InvalidKey { .. } => EnvelopeError::InvalidRecipientKey(e),
        other => EnvelopeError::Hpke(other),
    })?;
    let ciphertext = context
        .seal(&associated_data(&header, aad), plaintext)
        .map_err(EnvelopeError::Hpke)?;
    let mut envelope = Envelope {
        suite,
        enc,
        ciphertext,
        signature: None,
    };
    if let Some(sender) = sender {
        // The flag is part of the signed header, so set a placeholder before signing.
        envelope.signature = Some(Vec::new());
        let signed = envelope.signed_part()?;
        let signer = signer()?;
        let message = SignedMessage::Pure {
            message: &signed,
            context: INFO,
        };
        let signature = match sender.rnd {
            Some(rnd) => signer.sign(sender.secret_key, message, SigningRandomness::Hedged(rnd)),
            None => signer.sign_random(sender.secret_key, &signed, INFO),
        }
        .map_err(EnvelopeError::Signature)?;
        envelope.signature = Some(signature);
    }
    Ok(envelope)
}

/// The default ML-DSA-65 implementation (the fastest conformant provider compiled in).
fn signer() -> Result<&'static dyn crypto::Signature, EnvelopeError> {
    crate::crypto::default_signature(SIGNATURE_ALGORITHM).ok_or(EnvelopeError::Signature(
        PqcError::UnknownAlgorithm(SIGNATURE_ALGORITHM.name().to_owned()),
    ))
}

/// Opens an envelope. With `sender_public_key`, the envelope must carry a valid ML-DSA-65
/// signature by that key; a signed envelope cannot be opened without one.
pub fn open(
    recipient_secret_key: &[u8],
    envelope: &Envelope,
    aad: &[u8],
    sender_public_key: Option<&[u8]>,
) -> Result<Vec<u8>, EnvelopeError> {
    match (&envelope.signature, sender_public_key) {
        (Some(_), None) => return Err(EnvelopeError::SenderKeyRequired),
        (None, Some(_)) => return Err(EnvelopeError::SignatureMissing),
        (Some(signature), Some(public_key)) => {
            let signed = envelope.signed_part()?;
            signer()?
                .verify(
                    public_key,
                    SignedMessage::Pure {
                        message: &signed,
                        context: INFO,
                    },
                    signature,
                )
                .map_err(|e| match e {
                    PqcError::InvalidSignature => EnvelopeError::SignatureInvalid,
                    other => EnvelopeError::Signature(other),
                })?;
        }
        (None, None) => {}
    }
    let header = envelope.header()?;
    let mut context = hpke::setup_receiver(
        envelope.suite.hpke(),
        &ReceiverInputs::base(),
        recipient_secret_key,
        &envelope.enc,
        INFO,
    )
    .map_err(|e| match e {
        HpkeError::InvalidKey { .. } => EnvelopeError::InvalidRecipientKey(e),
        // A KEM that rejects the encapsulation is, to the caller, a forged envelope.
        _ => EnvelopeError::AuthenticationFailed,
    })?;
    context
        .open(&associated_data(&header, aad), &envelope.ciphertext)
        .map_err(|_| EnvelopeError::AuthenticationFailed)
}

/// Parses and opens wire bytes.
pub fn open_bytes(
    recipient_secret_key: &[u8],
    bytes: &[u8],
    aad: &[u8],
    sender_public_key: Option<&[u8]>,
) -> Result<Vec<u8>, EnvelopeError> {
    open(
        recipient_secret_key,
        &Envelope::parse(bytes)?,
        aad,
        sender_public_key,
    )
}

/// The AEAD key and nonce an envelope was sealed under.
#[derive(Debug)]
pub struct AuditedKeys {
    /// The AEAD key (Nk bytes) from the key schedule.
    pub key: SecretBytes,
    /// The AEAD nonce: `base_nonce`, as the first message of a context uses it.
    pub nonce: [u8; 12],
}

/// Recomputes, for audit, the AEAD key and nonce an envelope was sealed under: the recipient
/// decapsulates `enc` and runs the RFC 9180 §5.1 key schedule (base mode) with Sonet's own HKDF,
/// independently of the HPKE implementation that sealed it. The first (and only) message of an
/// HPKE context uses `base_nonce` itself.
pub fn recompute_keys(
    recipient_secret_key: &[u8],
    envelope: &Envelope,
) -> Result<AuditedKeys, EnvelopeError> {
    let suite = envelope.suite.hpke();
    let shared_secret = hpke::decap(suite.kem, &envelope.enc, recipient_secret_key, None)
        .map_err(EnvelopeError::Hpke)?;
    let kdf = crate::crypto::providers()
        .into_iter()
        .find_map(|p| p.hkdf(crate::crypto::kdf::HashAlgorithm::Sha256))
        .ok_or(EnvelopeError::Hpke(HpkeError::UnknownKdf(1)))?;
    let suite_id = suite.suite_id();
    let labeled = |label: &[u8], ikm: &[u8]| {
        let mut out = Vec::with_capacity(7 + suite_id.len() + label.len() + ikm.len());
        out.extend_from_slice(b"HPKE-v1");
        out.extend_from_slice(&suite_id);
        out.extend_from_slice(label);
        out.extend_from_slice(ikm);
        out
    };
    let extract = |salt: &[u8], label: &[u8], ikm: &[u8]| {
        kdf.extract(salt, &labeled(label, ikm))
            .map_err(|_| EnvelopeError::Hpke(HpkeError::Decap))
    };
    let psk_id_hash = extract(b"", b"psk_id_hash", b"")?;
    let info_hash = extract(b"", b"info_hash", INFO)?;
    let mut key_schedule_context = vec![0u8];
    key_schedule_context.extend_from_slice(psk_id_hash.as_bytes());
    key_schedule_context.extend_from_slice(info_hash.as_bytes());
    let secret = extract(shared_secret.as_bytes(), b"secret", b"")?;
    let expand = |label: &[u8], len: usize| {
        let mut info = u16::try_from(len).unwrap_or(0).to_be_bytes().to_vec();
        info.extend_from_slice(&labeled(label, &key_schedule_context));
        kdf.expand(secret.as_bytes(), &info, len)
            .map_err(|_| EnvelopeError::Hpke(HpkeError::Decap))
    };
    let key = expand(b"key", suite.aead.key_len())?;
    let nonce = expand(b"base_nonce", 12)?;
    let nonce = <[u8; 12]>::try_from(nonce.as_bytes())
        .map_err(|_| EnvelopeError::Hpke(HpkeError::Decap))?;
    Ok(AuditedKeys { key, nonce })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender_keys() -> (Vec<u8>, SecretBytes) {
        let pair = signer().unwrap().generate_from_seed(&[3u8; 32]).unwrap();
        (pair.public_key, pair.secret_key)
    }

    #[test]
    fn every_suite_round_trips_signed_and_unsigned() {
        let (sender_pk, sender_sk) = sender_keys();
        for suite in EnvelopeSuite::ALL {
            let (sk, pk) = derive_recipient_key(suite, &[suite.id() as u8; 32]);
            let plain = seal(suite, &pk, b"hello", b"ad", None).unwrap();
            let bytes = plain.to_bytes().unwrap();
            assert_eq!(Envelope::parse(&bytes).unwrap(), plain);
            assert_eq!(bytes.len(), HEADER_LEN + suite.enc_len() + 5 + AEAD_TAG_LEN);
            assert_eq!(
                open_bytes(sk.as_bytes(), &bytes, b"ad", None).unwrap(),
                b"hello"
            );

            let sender = Sender {
                secret_key: sender_sk.as_bytes(),
                rnd: None,
            };
            let signed = seal(suite, &pk, b"hi", b"", Some(sender)).unwrap();
            let bytes = signed.to_bytes().unwrap();
            assert_eq!(bytes[3], FLAG_SIGNED);
            assert_eq!(
                open_bytes(sk.as_bytes(), &bytes, b"", Some(&sender_pk)).unwrap(),
                b"hi"
            );
            assert_eq!(
                open_bytes(sk.as_bytes(), &bytes, b"", None),
                Err(EnvelopeError::SenderKeyRequired)
            );
        }
    }

    #[test]
    fn parse_errors_are_typed() {
        let (_, pk) = derive_recipient_key(EnvelopeSuite::default(), &[1u8; 32]);
        let bytes = seal(EnvelopeSuite::default(), &pk, b"x", b"", None)
            .unwrap()
            .to_bytes()
            .unwrap();
        let mut wrong = bytes.clone();
        wrong[0] = 2;
        assert_eq!(
            Envelope::parse(&wrong),
            Err(EnvelopeError::UnknownVersion(2))
        );
        let mut wrong = bytes.clone();
        wrong[2] = 0x99;
        assert_eq!(
            Envelope::parse(&wrong),
            Err(EnvelopeError::UnknownSuite(0x0099))
        );
        let mut wrong = bytes.clone();
        wrong[3] = 0x80;
        assert_eq!(
            Envelope::parse(&wrong),
            Err(EnvelopeError::UnknownFlags(0x80))
        );
        assert!(matches!(
            Envelope::parse(&bytes[..bytes.len() - 1]),
            Err(EnvelopeError::Truncated { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Envelope::parse(&longer),
            Err(EnvelopeError::TrailingBytes(1))
        );
        assert!(matches!(
            Envelope::parse(&[]),
            Err(EnvelopeError::Truncated { .. })
        ));
        let mut short = bytes.clone();
        short[4..8].copy_from_slice(&3u32.to_be_bytes());
        assert_eq!(
            Envelope::parse(&short),
            Err(EnvelopeError::CiphertextTooShort(3))
        );
        let mut huge = bytes;
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            Envelope::parse(&huge),
            Err(EnvelopeError::Truncated { .. })
        ));
    }

    #[test]
    fn header_aad_and_recipient_are_bound() {
        let suite = EnvelopeSuite::MlKem768Aes256Gcm;
        let (sk, pk) = derive_recipient_key(suite, &[5u8; 64]);
        let envelope = seal(suite, &pk, b"payload", b"aad", None).unwrap();
        assert_eq!(
            open(sk.as_bytes(), &envelope, b"other aad", None),
            Err(EnvelopeError::AuthenticationFailed)
        );
        let (other_sk, _) = derive_recipient_key(suite, &[6u8; 64]);
        assert_eq!(
            open(other_sk.as_bytes(), &envelope, b"aad", None),
            Err(EnvelopeError::AuthenticationFailed)
        );
        // The same enc and ciphertext presented under the other AES suite with the same KEM
        // would need a different header: suites 1 and 3 differ in KEM, so take the AEAD swap.
        let xwing = EnvelopeSuite::XWingAes256Gcm;
        let (xsk, xpk) = derive_recipient_key(xwing, &[7u8; 32]);
        let mut swapped = seal(xwing, &xpk, b"payload", b"", None).unwrap();
        swapped.suite = EnvelopeSuite::XWingChaCha20Poly1305;
        assert_eq!(
            open(xsk.as_bytes(), &swapped, b"", None),
            Err(EnvelopeError::AuthenticationFailed)
        );
    }

    #[test]
    fn the_audited_key_schedule_decrypts_every_suite() {
        use crate::crypto::aead::AeadAlgorithm;
        for suite in EnvelopeSuite::ALL {
            let (sk, pk) = derive_recipient_key(suite, &[11u8; 64]);
            let envelope = seal(suite, &pk, b"audited", b"ad", None).unwrap();
            let keys = recompute_keys(sk.as_bytes(), &envelope).unwrap();
            let algorithm = match suite {
                EnvelopeSuite::XWingChaCha20Poly1305 => AeadAlgorithm::ChaCha20Poly1305,
                _ => AeadAlgorithm::Aes256Gcm,
            };
            let aead = crate::crypto::default_aead(algorithm).unwrap();
            let aad = associated_data(&envelope.header().unwrap(), b"ad");
            let plain = aead
                .open(keys.key.as_bytes(), &keys.nonce, &aad, &envelope.ciphertext)
                .unwrap();
            assert_eq!(plain, b"audited", "{suite}");
        }
    }

    #[test]
    fn deterministic_sealing_reproduces_the_same_bytes() {
        let suite = EnvelopeSuite::default();
        let (_, pk) = derive_recipient_key(suite, &[9u8; 32]);
        let randomness = [4u8; 64];
        let a = seal_with_randomness(suite, &pk, b"m", b"", None, Some(&randomness)).unwrap();
        let b = seal_with_randomness(suite, &pk, b"m", b"", None, Some(&randomness)).unwrap();
        assert_eq!(a, b);
        let c = seal(suite, &pk, b"m", b"", None).unwrap();
        assert_ne!(a.enc, c.enc);
    }
}
