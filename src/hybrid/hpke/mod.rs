//! HPKE (RFC 9180) with the suite chosen at run time.
//!
//! The conformance suite and Sonet's hybrid envelope pick algorithms from wire ids, while the
//! `hpke` crate (rust-hpke) fixes them as type parameters; this module is the bridge:
//!
//! * ids: [`KemId`], [`KdfId`], [`AeadId`], [`Mode`] and [`Suite`], each convertible from and to
//!   its RFC 9180 / IANA code point;
//! * keys: [`derive_keypair`] (DeriveKeyPair, RFC 9180 §7.1.3), [`generate_keypair`],
//!   [`parse_private_key`];
//! * the KEM on its own: [`encap`] / [`decap`] (Encap/AuthEncap and Decap/AuthDecap, §4);
//! * contexts: [`setup_sender`] / [`setup_receiver`] (§5.1) give a [`SenderContext`] /
//!   [`ReceiverContext`] whose `seal` / `open` use sequence-number nonces (§5.2) and whose
//!   `export` is the secret export interface (§5.3);
//! * single-shot [`seal`] / [`open`] (§6.1).
//!
//! rust-hpke does the work for every KEM it has. It lacks DHKEM(X448, HKDF-SHA512), which is
//! implemented in the private `dhkem_x448` module against the crate's public `Kem` trait, so the crate's key
//! schedule and AEAD contexts serve X448 suites too.
//!
//! **Deterministic encapsulation.** `randomness: Some(bytes)` replaces the system RNG for one
//! encapsulation. For the DHKEMs the bytes are ikmE, from which the ephemeral key pair is
//! DeriveKeyPair'd; for ML-KEM they are the 32-byte message m of FIPS 203 ML-KEM.Encaps; for
//! X-Wing the 64-byte encapsulation seed. rust-hpke draws exactly
//! [`KemId::encap_randomness_len`] bytes for that step, so other lengths are refused (a DHKEM
//! ikmE of another length would be valid RFC 9180 input, but this API cannot express it).
//! Deterministic encapsulation exists for test vectors; production callers pass `None`.
//!
//! **Mode inputs** follow VerifyPSKInputs (§5.1): a PSK and its id come together, exactly in the
//! psk modes; the sender's key comes exactly in the auth modes, which only the DHKEMs support.
//! A PSK must be at least 32 bytes, the least that can hold the 32 bytes of entropy §5.1.2
//! requires. Violations are [`HpkeError`]s, never panics.

mod dhkem_x448;
mod dispatch;

#[cfg(test)]
mod tests;

use std::fmt;

use thiserror::Error;
use zeroize::Zeroizing;

use crate::secret::SecretBytes;
use dispatch::{
    with_kem, with_suite, CheckedMode, Decap, DeriveKeypair, Encap, OpenContext, ParsePrivateKey,
    SealContext, SetupReceiver, SetupSender,
};

/// The implementation the conformance reports name.
pub const PROVIDER: &str = "rust-hpke 0.15.1 + sonet X448";

/// The least PSK length accepted (RFC 9180 §5.1.2 asks for 32 bytes of entropy).
pub const MIN_PSK_LEN: usize = 32;

/// Errors from HPKE operations. Messages carry ids and lengths, never key material.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum HpkeError {
    /// A KEM id not in [`KemId::ALL`]; carries the id.
    #[error("unknown HPKE KEM id {0:#06x}")]
    UnknownKem(u16),
    /// A KDF id not in [`KdfId::ALL`]; carries the id.
    #[error("unknown HPKE KDF id {0:#06x}")]
    UnknownKdf(u16),
    /// An AEAD id not in [`AeadId::ALL`]; carries the id.
    #[error("unknown HPKE AEAD id {0:#06x}")]
    UnknownAead(u16),
    /// A mode id other than 0x00–0x03; carries the id.
    #[error("unknown HPKE mode {0:#04x}")]
    UnknownMode(u16),
    /// An auth mode, or a sender key for [`encap`] / [`decap`], with a KEM that has no
    /// AuthEncap/AuthDecap (ML-KEM, X-Wing).
    #[error("{kem} has no authenticated encapsulation, so the {mode} mode is unavailable")]
    AuthUnsupported {
        /// The KEM asked for.
        kem: KemId,
        /// The mode asked for (for [`encap`] / [`decap`] with a sender key, [`Mode::Auth`]).
        mode: Mode,
    },
    /// A psk mode without a PSK (or with the empty default PSK and id).
    #[error("the {0} mode requires a pre-shared key and its id")]
    MissingPsk(Mode),
    /// A non-empty PSK given in a mode that takes none (base or auth).
    #[error("the {0} mode takes no pre-shared key")]
    UnexpectedPsk(Mode),
    /// One of PSK and PSK id empty and the other not (RFC 9180 §5.1 VerifyPSKInputs).
    #[error("a pre-shared key and its id must both be non-empty or both be empty")]
    InconsistentPsk,
    /// A PSK shorter than [`MIN_PSK_LEN`] bytes; carries its length.
    #[error("the pre-shared key has {0} bytes; at least {MIN_PSK_LEN} are required")]
    PskTooShort(usize),
    /// An auth mode without the sender's key (private key to set up, public key to receive).
    #[error("the {0} mode requires the sender's key")]
    MissingSenderKey(Mode),
    /// A sender key given in a mode that takes none (base or psk).
    #[error("the {0} mode takes no sender key")]
    UnexpectedSenderKey(Mode),
    /// A key or encapsulated key that rust-hpke cannot deserialize for its KEM (e.g. one of the
    /// wrong length).
    #[error("invalid {kem} {what}: {reason}")]
    InvalidKey {
        /// The KEM it was parsed for.
        kem: KemId,
        /// Which input, e.g. `recipient public key`, `encapsulated key`.
        what: &'static str,
        /// rust-hpke's description of the failure.
        reason: String,
    },
    /// Deterministic-encapsulation randomness whose length is not
    /// [`KemId::encap_randomness_len`].
    #[error("{kem} encapsulation takes exactly {expected} bytes of randomness, got {got}")]
    RandomnessLength {
        /// The KEM asked for.
        kem: KemId,
        /// The bytes that KEM draws for one encapsulation.
        expected: usize,
        /// The bytes supplied.
        got: usize,
    },
    /// The KEM drew more or fewer bytes than were supplied for a deterministic encapsulation, so
    /// the result is discarded: rust-hpke draws differently from [`KemId::encap_randomness_len`].
    #[error(
        "the {kem} implementation did not consume exactly the {given} bytes of randomness supplied"
    )]
    RandomnessMismatch {
        /// The KEM that was run.
        kem: KemId,
        /// The number of bytes supplied.
        given: usize,
    },
    /// The operating system's random number generator (`getrandom`) failed.
    #[error("the system random number generator failed")]
    Rng,
    /// rust-hpke's (Auth)Encap failed after its inputs parsed; for a DHKEM, a Diffie-Hellman
    /// result that is all zeros (RFC 9180 §7.1.4).
    #[error("encapsulation failed (the Diffie-Hellman output was zero)")]
    Encap,
    /// rust-hpke's (Auth)Decap failed after its inputs parsed; for a DHKEM, a Diffie-Hellman
    /// result that is all zeros (RFC 9180 §7.1.4).
    #[error("decapsulation failed (the Diffie-Hellman output was zero)")]
    Decap,
    /// `seal` or `open` with the export-only AEAD ([`AeadId::ExportOnly`]).
    #[error("the export-only AEAD cannot seal or open")]
    ExportOnly,
    /// The AEAD refused to encrypt.
    #[error("encryption failed")]
    Seal,
    /// The ciphertext does not authenticate; the context's sequence number is unchanged.
    #[error("decryption failed: the ciphertext does not authenticate under this context, aad and sequence number")]
    Open,
    /// The context's sequence number reached its limit (RFC 9180 §5.2): no further message can be
    /// sealed or opened with it.
    #[error("the context has used every sequence number (RFC 9180 §5.2)")]
    MessageLimit,
    /// An export longer than 255 · Nh bytes (RFC 9180 §5.3, HKDF-Expand's limit).
    #[error("cannot export {requested} bytes; this KDF allows at most {max}")]
    ExportTooLong {
        /// L, the number of bytes asked for.
        requested: usize,
        /// 255 · Nh of the suite's KDF.
        max: usize,
    },
}

/// A KEM (RFC 9180 §7.1 and the HPKE KEM registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KemId {
    /// DHKEM(P-256, HKDF-SHA256), id 0x0010.
    DhkemP256,
    /// DHKEM(P-384, HKDF-SHA384), id 0x0011.
    DhkemP384,
    /// DHKEM(P-521, HKDF-SHA512), id 0x0012.
    DhkemP521,
    /// DHKEM(X25519, HKDF-SHA256), id 0x0020.
    DhkemX25519,
    /// DHKEM(X448, HKDF-SHA512), id 0x0021; Sonet's own implementation.
    DhkemX448,
    /// ML-KEM-768 (FIPS 203) as an HPKE KEM (draft-ietf-hpke-pq), id 0x0041.
    MlKem768,
    /// ML-KEM-1024 (FIPS 203) as an HPKE KEM (draft-ietf-hpke-pq), id 0x0042.
    MlKem1024,
    /// X-Wing (draft-connolly-cfrg-xwing-kem), id 0x647a.
    XWing,
}

impl KemId {
    /// Every KEM, in code-point order.
    pub const ALL: [KemId; 8] = [
        Self::DhkemP256,
        Self::DhkemP384,
        Self::DhkemP521,
        Self::DhkemX25519,
        Self::DhkemX448,
        Self::MlKem768,
        Self::MlKem1024,
        Self::XWing,
    ];

    /// The code point in the HPKE KEM registry (`kem_id`).
    pub const fn id(self) -> u16 {
        match self {
            Self::DhkemP256 => 0x0010,
            Self::DhkemP384 => 0x0011,
            Self::DhkemP521 => 0x0012,
            Self::DhkemX25519 => 0x0020,
            Self::DhkemX448 => 0x0021,
            Self::MlKem768 => 0x0041,
            Self::MlKem1024 => 0x0042,
            Self::XWing => 0x647a,
        }
    }

    /// The registry's name, e.g. `DHKEM(X25519, HKDF-SHA256)`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DhkemP256 => "DHKEM(P-256, HKDF-SHA256)",
            Self::DhkemP384 => "DHKEM(P-384, HKDF-SHA384)",
            Self::DhkemP521 => "DHKEM(P-521, HKDF-SHA512)",
            Self::DhkemX25519 => "DHKEM(X25519, HKDF-SHA256)",
            Self::DhkemX448 => "DHKEM(X448, HKDF-SHA512)",
            Self::MlKem768 => "ML-KEM-768",
            Self::MlKem1024 => "ML-KEM-1024",
            Self::XWing => "X-Wing",
        }
    }

    /// Whether AuthEncap/AuthDecap exist, i.e. the auth and auth-psk modes: DHKEMs only.
    pub const fn supports_auth(self) -> bool {
        matches!(
            self,
            Self::DhkemP256
                | Self::DhkemP384
                | Self::DhkemP521
                | Self::DhkemX25519
                | Self::DhkemX448
        )
    }

    /// Npk.
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::DhkemP256 => 65,
            Self::DhkemP384 => 97,
            Self::DhkemP521 => 133,
            Self::DhkemX25519 => 32,
            Self::DhkemX448 => 56,
            Self::MlKem768 => 1184,
            Self::MlKem1024 => 1568,
            Self::XWing => 1216,
        }
    }

    /// Nsk. ML-KEM private keys are the 64-byte seed (d ‖ z), X-Wing's the 32-byte seed.
    pub const fn private_key_len(self) -> usize {
        match self {
            Self::DhkemP256 | Self::DhkemX25519 | Self::XWing => 32,
            Self::DhkemP384 => 48,
            Self::DhkemP521 => 66,
            Self::DhkemX448 => 56,
            Self::MlKem768 | Self::MlKem1024 => 64,
        }
    }

    /// Nenc.
    pub const fn enc_len(self) -> usize {
        match self {
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
            Self::XWing => 1120,
            dhkem => dhkem.public_key_len(),
        }
    }

    /// Nsecret.
    pub const fn shared_secret_len(self) -> usize {
        match self {
            Self::DhkemP384 => 48,
            Self::DhkemP521 | Self::DhkemX448 => 64,
            _ => 32,
        }
    }

    /// The bytes one encapsulation draws: ikmE of Nsk bytes for the DHKEMs, m for ML-KEM, the
    /// seed for X-Wing.
    pub const fn encap_randomness_len(self) -> usize {
        match self {
            Self::MlKem768 | Self::MlKem1024 => 32,
            Self::XWing => 64,
            dhkem => dhkem.private_key_len(),
        }
    }
}

impl TryFrom<u16> for KemId {
    type Error = HpkeError;

    fn try_from(id: u16) -> Result<Self, HpkeError> {
        Self::ALL
            .into_iter()
            .find(|kem| kem.id() == id)
            .ok_or(HpkeError::UnknownKem(id))
    }
}

impl From<KemId> for u16 {
    fn from(kem: KemId) -> u16 {
        kem.id()
    }
}

impl fmt::Display for KemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A KDF (RFC 9180 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KdfId {
    /// HKDF-SHA256, id 0x0001.
    HkdfSha256,
    /// HKDF-SHA384, id 0x0002.
    HkdfSha384,
    /// HKDF-SHA512, id 0x0003.
    HkdfSha512,
}

impl KdfId {
    /// Every KDF, in code-point order.
    pub const ALL: [KdfId; 3] = [Self::HkdfSha256, Self::HkdfSha384, Self::HkdfSha512];

    /// The code point in the HPKE KDF registry (`kdf_id`).
    pub const fn id(self) -> u16 {
        match self {
            Self::HkdfSha256 => 0x0001,
            Self::HkdfSha384 => 0x0002,
            Self::HkdfSha512 => 0x0003,
        }
    }

    /// The registry's name, e.g. `HKDF-SHA256`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::HkdfSha256 => "HKDF-SHA256",
            Self::HkdfSha384 => "HKDF-SHA384",
            Self::HkdfSha512 => "HKDF-SHA512",
        }
    }

    /// Nh.
    pub const fn hash_len(self) -> usize {
        match self {
            Self::HkdfSha256 => 32,
            Self::HkdfSha384 => 48,
            Self::HkdfSha512 => 64,
        }
    }

    /// The longest export: HKDF-Expand yields at most 255·Nh bytes.
    pub const fn max_export_len(self) -> usize {
        255 * self.hash_len()
    }
}

impl TryFrom<u16> for KdfId {
    type Error = HpkeError;

    fn try_from(id: u16) -> Result<Self, HpkeError> {
        Self::ALL
            .into_iter()
            .find(|kdf| kdf.id() == id)
            .ok_or(HpkeError::UnknownKdf(id))
    }
}

impl From<KdfId> for u16 {
    fn from(kdf: KdfId) -> u16 {
        kdf.id()
    }
}

impl fmt::Display for KdfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An AEAD (RFC 9180 §7.3), including the export-only pseudo-AEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AeadId {
    /// AES-128-GCM, id 0x0001.
    Aes128Gcm,
    /// AES-256-GCM, id 0x0002.
    Aes256Gcm,
    /// ChaCha20-Poly1305, id 0x0003.
    ChaCha20Poly1305,
    /// Contexts that only export secrets; `seal` and `open` refuse.
    ExportOnly,
}

impl AeadId {
    /// Every AEAD, export-only last.
    pub const ALL: [AeadId; 4] = [
        Self::Aes128Gcm,
        Self::Aes256Gcm,
        Self::ChaCha20Poly1305,
        Self::ExportOnly,
    ];

    /// The code point in the HPKE AEAD registry (`aead_id`; 0xffff for export-only).
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128Gcm => 0x0001,
            Self::Aes256Gcm => 0x0002,
            Self::ChaCha20Poly1305 => 0x0003,
            Self::ExportOnly => 0xffff,
        }
    }

    /// The registry's name, e.g. `AES-128-GCM`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::ChaCha20Poly1305 => "ChaCha20-Poly1305",
            Self::ExportOnly => "Export-only",
        }
    }

    /// Nk.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
            Self::ExportOnly => 0,
        }
    }

    /// Nn.
    pub const fn nonce_len(self) -> usize {
        match self {
            Self::ExportOnly => 0,
            _ => 12,
        }
    }

    /// Nt.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::ExportOnly => 0,
            _ => 16,
        }
    }
}

impl TryFrom<u16> for AeadId {
    type Error = HpkeError;

    fn try_from(id: u16) -> Result<Self, HpkeError> {
        Self::ALL
            .into_iter()
            .find(|aead| aead.id() == id)
            .ok_or(HpkeError::UnknownAead(id))
    }
}

impl From<AeadId> for u16 {
    fn from(aead: AeadId) -> u16 {
        aead.id()
    }
}

impl fmt::Display for AeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The HPKE mode (RFC 9180 §5, Table 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// mode_base (0x00): no PSK, no sender authentication.
    #[default]
    Base,
    /// mode_psk (0x01): authenticated by a pre-shared key.
    Psk,
    /// mode_auth (0x02): authenticated by the sender's KEM key pair (DHKEMs only).
    Auth,
    /// mode_auth_psk (0x03): both.
    AuthPsk,
}

impl Mode {
    /// Every mode, in id order.
    pub const ALL: [Mode; 4] = [Self::Base, Self::Psk, Self::Auth, Self::AuthPsk];

    /// The mode's value in RFC 9180 Table 1.
    pub const fn id(self) -> u8 {
        match self {
            Self::Base => 0x00,
            Self::Psk => 0x01,
            Self::Auth => 0x02,
            Self::AuthPsk => 0x03,
        }
    }

    /// The name RFC 9180 and its test vectors use: `base`, `psk`, `auth`, `auth_psk`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Psk => "psk",
            Self::Auth => "auth",
            Self::AuthPsk => "auth_psk",
        }
    }

    /// Whether the mode takes a PSK (psk, auth_psk).
    pub const fn uses_psk(self) -> bool {
        matches!(self, Self::Psk | Self::AuthPsk)
    }

    /// Whether the mode takes the sender's key (auth, auth_psk).
    pub const fn uses_auth(self) -> bool {
        matches!(self, Self::Auth | Self::AuthPsk)
    }
}

impl TryFrom<u16> for Mode {
    type Error = HpkeError;

    fn try_from(id: u16) -> Result<Self, HpkeError> {
        Self::ALL
            .into_iter()
            .find(|mode| u16::from(mode.id()) == id)
            .ok_or(HpkeError::UnknownMode(id))
    }
}

impl TryFrom<u8> for Mode {
    type Error = HpkeError;

    fn try_from(id: u8) -> Result<Self, HpkeError> {
        Self::try_from(u16::from(id))
    }
}

impl From<Mode> for u8 {
    fn from(mode: Mode) -> u8 {
        mode.id()
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A ciphersuite. Every KEM × KDF × AEAD combination is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The KEM.
    pub kem: KemId,
    /// The KDF of the key schedule.
    pub kdf: KdfId,
    /// The AEAD of the contexts.
    pub aead: AeadId,
}

impl Suite {
    /// The suite of these three algorithms.
    pub const fn new(kem: KemId, kdf: KdfId, aead: AeadId) -> Self {
        Self { kem, kdf, aead }
    }

    /// The suite of these registry code points; an unknown id is
    /// [`HpkeError::UnknownKem`] / [`UnknownKdf`](HpkeError::UnknownKdf) /
    /// [`UnknownAead`](HpkeError::UnknownAead).
    pub fn from_ids(kem: u16, kdf: u16, aead: u16) -> Result<Self, HpkeError> {
        Ok(Self::new(
            KemId::try_from(kem)?,
            KdfId::try_from(kdf)?,
            AeadId::try_from(aead)?,
        ))
    }

    /// `suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))`.
    pub fn suite_id(self) -> [u8; 10] {
        let mut id = *b"HPKE\0\0\0\0\0\0";
        id[4..6].copy_from_slice(&self.kem.id().to_be_bytes());
        id[6..8].copy_from_slice(&self.kdf.id().to_be_bytes());
        id[8..10].copy_from_slice(&self.aead.id().to_be_bytes());
        id
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}, {}", self.kem, self.kdf, self.aead)
    }
}

/// A pre-shared key and its identifier.
#[derive(Clone, Copy)]
pub struct Psk<'a> {
    /// The PSK: at least [`MIN_PSK_LEN`] bytes, or empty with an empty id for "no PSK".
    pub key: &'a [u8],
    /// The PSK's identifier (`psk_id`), non-empty exactly when the key is.
    pub id: &'a [u8],
}

impl fmt::Debug for Psk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Psk {{ key: {} bytes, id: {} bytes }}",
            self.key.len(),
            self.id.len()
        )
    }
}

/// The sender's mode inputs: the mode, the PSK for the psk modes, and the sender's private key
/// (serialized as for [`derive_keypair`]) for the auth modes.
#[derive(Clone, Copy, Default)]
pub struct SenderInputs<'a> {
    /// The mode.
    pub mode: Mode,
    /// The PSK: required in the psk modes, refused in the others.
    pub psk: Option<Psk<'a>>,
    /// The sender's serialized private key: required in the auth modes, refused in the others.
    pub sender_private_key: Option<&'a [u8]>,
}

impl<'a> SenderInputs<'a> {
    /// mode_base: no PSK, no sender key.
    pub fn base() -> Self {
        Self::default()
    }

    /// mode_psk with this PSK.
    pub fn psk(psk: Psk<'a>) -> Self {
        Self {
            mode: Mode::Psk,
            psk: Some(psk),
            sender_private_key: None,
        }
    }

    /// mode_auth with the sender's private key.
    pub fn auth(sender_private_key: &'a [u8]) -> Self {
        Self {
            mode: Mode::Auth,
            psk: None,
            sender_private_key: Some(sender_private_key),
        }
    }

    /// mode_auth_psk with the sender's private key and a PSK.
    pub fn auth_psk(sender_private_key: &'a [u8], psk: Psk<'a>) -> Self {
        Self {
            mode: Mode::AuthPsk,
            psk: Some(psk),
            sender_private_key: Some(sender_private_key),
        }
    }
}

impl fmt::Debug for SenderInputs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderInputs")
            .field("mode", &self.mode)
            .field("psk", &self.psk)
            .field(
                "sender_private_key",
                &self.sender_private_key.map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The recipient's mode inputs: the mode, the PSK for the psk modes, and the sender's public key
/// for the auth modes.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReceiverInputs<'a> {
    /// The mode; must match the sender's.
    pub mode: Mode,
    /// The PSK: required in the psk modes, refused in the others.
    pub psk: Option<Psk<'a>>,
    /// The sender's serialized public key: required in the auth modes, refused in the others.
    pub sender_public_key: Option<&'a [u8]>,
}

impl<'a> ReceiverInputs<'a> {
    /// mode_base: no PSK, no sender key.
    pub fn base() -> Self {
        Self::default()
    }

    /// mode_psk with this PSK.
    pub fn psk(psk: Psk<'a>) -> Self {
        Self {
            mode: Mode::Psk,
            psk: Some(psk),
            sender_public_key: None,
        }
    }

    /// mode_auth with the sender's public key.
    pub fn auth(sender_public_key: &'a [u8]) -> Self {
        Self {
            mode: Mode::Auth,
            psk: None,
            sender_public_key: Some(sender_public_key),
        }
    }

    /// mode_auth_psk with the sender's public key and a PSK.
    pub fn auth_psk(sender_public_key: &'a [u8], psk: Psk<'a>) -> Self {
        Self {
            mode: Mode::AuthPsk,
            psk: Some(psk),
            sender_public_key: Some(sender_public_key),
        }
    }
}

/// VerifyPSKInputs (RFC 9180 §5.1) plus the auth-mode rules; the checked inputs are what the
/// dispatch layer may rely on (rust-hpke's post-quantum KEMs panic on sender keys).
fn check_mode<'a>(
    kem: KemId,
    mode: Mode,
    psk: Option<Psk<'a>>,
    sender_key: Option<&'a [u8]>,
) -> Result<CheckedMode<'a>, HpkeError> {
    if mode.uses_auth() && !kem.supports_auth() {
        return Err(HpkeError::AuthUnsupported { kem, mode });
    }
    let psk = match psk {
        Some(p) if p.key.is_empty() != p.id.is_empty() => return Err(HpkeError::InconsistentPsk),
        // Empty key and id are RFC 9180's default_psk / default_psk_id: no PSK.
        Some(p) if p.key.is_empty() => None,
        other => other,
    };
    match (mode.uses_psk(), psk) {
        (true, None) => return Err(HpkeError::MissingPsk(mode)),
        (false, Some(_)) => return Err(HpkeError::UnexpectedPsk(mode)),
        (true, Some(p)) if p.key.len() < MIN_PSK_LEN => {
            return Err(HpkeError::PskTooShort(p.key.len()))
        }
        _ => {}
    }
    match (mode.uses_auth(), sender_key) {
        (true, None) => Err(HpkeError::MissingSenderKey(mode)),
        (false, Some(_)) => Err(HpkeError::UnexpectedSenderKey(mode)),
        _ => Ok(CheckedMode {
            mode,
            psk,
            sender_key,
        }),
    }
}

/// The caller's randomness, checked against what the KEM draws, or fresh system randomness.
fn encap_randomness(
    kem: KemId,
    randomness: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, HpkeError> {
    let expected = kem.encap_randomness_len();
    match randomness {
        Some(bytes) if bytes.len() == expected => Ok(Zeroizing::new(bytes.to_vec())),
        Some(bytes) => Err(HpkeError::RandomnessLength {
            kem,
            expected,
            got: bytes.len(),
        }),
        None => {
            let mut fresh = Zeroizing::new(vec![0u8; expected]);
            getrandom::fill(&mut fresh).map_err(|_| HpkeError::Rng)?;
            Ok(fresh)
        }
    }
}

/// DeriveKeyPair(ikm) (RFC 9180 §7.1.3; draft-ietf-hpke-pq for ML-KEM and X-Wing): the
/// serialized private key and public key. RFC 9180 asks for at least Nsk bytes of entropy in
/// `ikm`; shorter input is accepted, as the RFC does not forbid it, but is the caller's risk.
///
/// X25519 and X448 private keys come out clamped, as SerializePrivateKey must (§7.1.2).
pub fn derive_keypair(kem: KemId, ikm: &[u8]) -> (SecretBytes, Vec<u8>) {
    with_kem(kem, DeriveKeypair { ikm })
}

/// A fresh key pair from Nsk bytes of system randomness (as rust-hpke's `gen_keypair`).
pub fn generate_keypair(kem: KemId) -> Result<(SecretBytes, Vec<u8>), HpkeError> {
    let mut ikm = Zeroizing::new(vec![0u8; kem.private_key_len()]);
    getrandom::fill(&mut ikm).map_err(|_| HpkeError::Rng)?;
    Ok(derive_keypair(kem, &ikm))
}

/// DeserializePrivateKey then SerializePrivateKey, and the public key: validates a private key,
/// puts it in canonical form (X25519/X448 clamped, §7.1.2) and derives its public key.
pub fn parse_private_key(
    kem: KemId,
    private_key: &[u8],
) -> Result<(SecretBytes, Vec<u8>), HpkeError> {
    with_kem(
        kem,
        ParsePrivateKey {
            kem,
            sk: private_key,
        },
    )
}

/// The result of [`encap`].
#[derive(Debug)]
pub struct Encapsulation {
    /// The encapsulated key `enc` (Nenc bytes) for the recipient.
    pub enc: Vec<u8>,
    /// The KEM shared secret (Nsecret bytes).
    pub shared_secret: SecretBytes,
}

/// Encap(pkR), or AuthEncap(pkR, skS) when `sender_private_key` is given (DHKEMs only). See the
/// module documentation for `randomness`.
pub fn encap(
    kem: KemId,
    recipient_public_key: &[u8],
    sender_private_key: Option<&[u8]>,
    randomness: Option<&[u8]>,
) -> Result<Encapsulation, HpkeError> {
    if sender_private_key.is_some() && !kem.supports_auth() {
        return Err(HpkeError::AuthUnsupported {
            kem,
            mode: Mode::Auth,
        });
    }
    let randomness = encap_randomness(kem, randomness)?;
    with_kem(
        kem,
        Encap {
            kem,
            pk_r: recipient_public_key,
            sk_s: sender_private_key,
            randomness: &randomness,
        },
    )
}

/// Decap(enc, skR), or AuthDecap(enc, skR, pkS) when `sender_public_key` is given (DHKEMs only).
pub fn decap(
    kem: KemId,
    enc: &[u8],
    recipient_private_key: &[u8],
    sender_public_key: Option<&[u8]>,
) -> Result<SecretBytes, HpkeError> {
    if sender_public_key.is_some() && !kem.supports_auth() {
        return Err(HpkeError::AuthUnsupported {
            kem,
            mode: Mode::Auth,
        });
    }
    with_kem(
        kem,
        Decap {
            kem,
            enc,
            sk_r: recipient_private_key,
            pk_s: sender_public_key,
        },
    )
}

/// The sender's encryption context (RFC 9180 §5.2, §5.3).
pub struct SenderContext {
    suite: Suite,
    inner: Box<dyn SealContext>,
}

impl SenderContext {
    /// The suite the context was set up with.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Seal(aad, pt) under the next sequence number; a failure leaves the sequence unchanged.
    pub fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, HpkeError> {
        // rust-hpke panics when an export-only context is asked to encrypt.
        if self.suite.aead == AeadId::ExportOnly {
            return Err(HpkeError::ExportOnly);
        }
        self.inner.seal(aad, plaintext).map_err(|e| match e {
            ::hpke::HpkeError::MessageLimitReached => HpkeError::MessageLimit,
            _ => HpkeError::Seal,
        })
    }

    /// Export(exporter_context, L).
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretBytes, HpkeError> {
        export_with(self.suite, len, |out| {
            self.inner.export(exporter_context, out)
        })
    }
}

impl fmt::Debug for SenderContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderContext")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

/// The recipient's decryption context (RFC 9180 §5.2, §5.3).
pub struct ReceiverContext {
    suite: Suite,
    inner: Box<dyn OpenContext>,
}

impl ReceiverContext {
    /// The suite the context was set up with.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Open(aad, ct) under the next sequence number; a failure leaves the sequence unchanged, so
    /// a forged message does not desynchronise the context.
    pub fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, HpkeError> {
        // rust-hpke panics when an export-only context is asked to decrypt.
        if self.suite.aead == AeadId::ExportOnly {
            return Err(HpkeError::ExportOnly);
        }
        self.inner.open(aad, ciphertext).map_err(|e| match e {
            ::hpke::HpkeError::MessageLimitReached => HpkeError::MessageLimit,
            _ => HpkeError::Open,
        })
    }

    /// Export(exporter_context, L).
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretBytes, HpkeError> {
        export_with(self.suite, len, |out| {
            self.inner.export(exporter_context, out)
        })
    }
}

impl fmt::Debug for ReceiverContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverContext")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

fn export_with(
    suite: Suite,
    len: usize,
    export: impl FnOnce(&mut [u8]) -> Result<(), ::hpke::HpkeError>,
) -> Result<SecretBytes, HpkeError> {
    let max = suite.kdf.max_export_len();
    let too_long = HpkeError::ExportTooLong {
        requested: len,
        max,
    };
    if len > max {
        return Err(too_long);
    }
    let mut out = Zeroizing::new(vec![0u8; len]);
    export(&mut out).map_err(|_| too_long)?;
    Ok(SecretBytes::new(std::mem::take(&mut *out)))
}

/// SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS (RFC 9180 §5.1): returns `enc` for the
/// recipient and the sender's context. See the module documentation for `randomness`.
pub fn setup_sender(
    suite: Suite,
    inputs: &SenderInputs<'_>,
    recipient_public_key: &[u8],
    info: &[u8],
    randomness: Option<&[u8]>,
) -> Result<(Vec<u8>, SenderContext), HpkeError> {
    let mode = check_mode(
        suite.kem,
        inputs.mode,
        inputs.psk,
        inputs.sender_private_key,
    )?;
    let randomness = encap_randomness(suite.kem, randomness)?;
    let (enc, inner) = with_suite(
        suite,
        SetupSender {
            kem: suite.kem,
            mode,
            pk_r: recipient_public_key,
            info,
            randomness: &randomness,
        },
    )?;
    Ok((enc, SenderContext { suite, inner }))
}

/// SetupBaseR / SetupPSKR / SetupAuthR / SetupAuthPSKR (RFC 9180 §5.1).
pub fn setup_receiver(
    suite: Suite,
    inputs: &ReceiverInputs<'_>,
    recipient_private_key: &[u8],
    enc: &[u8],
    info: &[u8],
) -> Result<ReceiverContext, HpkeError> {
    let mode = check_mode(suite.kem, inputs.mode, inputs.psk, inputs.sender_public_key)?;
    let inner = with_suite(
        suite,
        SetupReceiver {
            kem: suite.kem,
            mode,
            sk_r: recipient_private_key,
            enc,
            info,
        },
    )?;
    Ok(ReceiverContext { suite, inner })
}

/// Single-shot `Seal<MODE>` (RFC 9180 §6.1): `(enc, ct)`.
pub fn seal(
    suite: Suite,
    inputs: &SenderInputs<'_>,
    recipient_public_key: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    randomness: Option<&[u8]>,
) -> Result<(Vec<u8>, Vec<u8>), HpkeError> {
    // Refuse before encapsulating rather than after.
    if suite.aead == AeadId::ExportOnly {
        return Err(HpkeError::ExportOnly);
    }
    let (enc, mut context) = setup_sender(suite, inputs, recipient_public_key, info, randomness)?;
    let ciphertext = context.seal(aad, plaintext)?;
    Ok((enc, ciphertext))
}

/// Single-shot `Open<MODE>` (RFC 9180 §6.1).
pub fn open(
    suite: Suite,
    inputs: &ReceiverInputs<'_>,
    recipient_private_key: &[u8],
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, HpkeError> {
    if suite.aead == AeadId::ExportOnly {
        return Err(HpkeError::ExportOnly);
    }
    setup_receiver(suite, inputs, recipient_private_key, enc, info)?.open(aad, ciphertext)
}
