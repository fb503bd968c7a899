//! The cryptographic primitives of every MLS cipher suite Sonet runs, on the project's own
//! implementations: RFC 9420 suites 1–7 and the draft post-quantum suites
//! (draft-ietf-mls-pq-ciphersuites, under the code points openmls 0.9 uses).
//!
//! Two consumers share this module and nothing else of each other: Sonet's openmls crypto
//! provider and the independent RFC 9420 oracle (the `sonet-oracle` crate). A primitive is therefore
//! checked by its own vector files (CAVP, Wycheproof, RFC 9180, FIPS 203/204) and, through both
//! consumers, by the MLS files.
//!
//! - hash, HMAC and HKDF: SHA-2 through [`crate::crypto::default_hkdf`] and the `sha2`/`hmac`
//!   crates;
//! - AEAD: [`crate::crypto::default_aead`];
//! - HPKE: [`crate::hybrid::hpke`] (DHKEM over X25519, X448, P-256/384/521, ML-KEM, X-Wing),
//!   base mode, single-shot and setup-then-export; DeriveKeyPair as MLS peers run it
//!   ([`derive_hpke_key_pair`]: for ML-KEM and X-Wing, openmls' derivation);
//! - signatures: Ed25519 (`ed25519-dalek`), Ed448 (`ed448-goldilocks`), ECDSA over P-256/384/521
//!   with DER signatures and SEC1 uncompressed public keys (RustCrypto `p256`/`p384`/`p521`,
//!   RFC 6979 nonces), and ML-DSA-44/65/87 ([`crate::crypto::default_signature`], pure mode,
//!   empty context).
//!
//! Private signature keys are the 32-byte Ed25519 seed, the 57-byte Ed448 seed, the big-endian
//! ECDSA scalar, or the ML-DSA secret key of FIPS 204.

use std::fmt;

use thiserror::Error;

use crate::crypto;
use crate::crypto::aead::AeadAlgorithm;
use crate::crypto::kdf::HashAlgorithm;
use crate::crypto::{SignatureAlgorithm, SignedMessage, SigningRandomness};
use crate::hybrid::hpke::{self, AeadId, KdfId, KemId, ReceiverInputs, SenderInputs};
use crate::secret::SecretBytes;

/// Failures of a primitive. Messages name algorithms and lengths, never key material.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PrimitiveError {
    /// A cipher-suite code point not in [`SUITES`].
    #[error("unknown MLS cipher suite {0:#06x}")]
    UnknownSuite(u16),
    /// A SignatureScheme code point not in [`SignatureScheme::ALL`].
    #[error("unknown signature scheme {0:#06x}")]
    UnknownSignatureScheme(u16),
    /// A signature key that does not decode for its scheme (wrong length, not a curve point, a
    /// scalar out of range); also an ML-DSA private key given where its public key must be
    /// derived, and an ML-DSA verification refused for its inputs rather than the signature.
    #[error("malformed {what} for {algorithm}")]
    MalformedKey {
        /// The scheme's name, e.g. `ed25519`.
        algorithm: &'static str,
        /// Which key, e.g. `public key`.
        what: &'static str,
    },
    /// A signature that does not verify, including one that does not decode (bad DER, wrong
    /// length).
    #[error("invalid signature")]
    InvalidSignature,
    /// Signing failed (for ML-DSA, also key generation), carrying the scheme's name; the ML-DSA
    /// provider's reason, e.g. a malformed secret key, is not kept.
    #[error("signing with {0} failed")]
    SigningFailed(&'static str),
    /// The AEAD tag did not verify.
    #[error("AEAD authentication failed")]
    AeadOpen,
    /// Any other AEAD error (key, nonce or length), as the crypto layer's message.
    #[error("AEAD {0}")]
    Aead(String),
    /// An HKDF error (e.g. an output longer than 255 · Nh), as the crypto layer's message.
    #[error("HKDF: {0}")]
    Kdf(String),
    /// An HPKE error from [`crate::hybrid::hpke`].
    #[error("HPKE: {0}")]
    Hpke(#[from] hpke::HpkeError),
    /// No provider compiled into this build implements the primitive (`HKDF`, `AEAD`, `ML-DSA`).
    #[error("no {0} implementation is compiled in")]
    MissingImplementation(&'static str),
    /// The operating system's random number generator (`getrandom`) failed.
    #[error("the system random number generator failed")]
    Rng,
}

/// The result of a primitive.
pub type Result<T> = std::result::Result<T, PrimitiveError>;

/// A TLS SignatureScheme (RFC 8446 §4.2.3, and the ML-DSA code points 0x0904–0x0906 of
/// draft-ietf-tls-mldsa, as openmls 0.9 uses them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignatureScheme {
    /// `ecdsa_secp256r1_sha256` (0x0403): ECDSA over P-256 with SHA-256.
    EcdsaP256Sha256,
    /// `ecdsa_secp384r1_sha384` (0x0503): ECDSA over P-384 with SHA-384.
    EcdsaP384Sha384,
    /// `ecdsa_secp521r1_sha512` (0x0603): ECDSA over P-521 with SHA-512.
    EcdsaP521Sha512,
    /// `ed25519` (0x0807): pure Ed25519 (RFC 8032).
    Ed25519,
    /// `ed448` (0x0808): pure Ed448 (RFC 8032), empty context.
    Ed448,
    /// `mldsa44` (0x0904): ML-DSA-44 (FIPS 204), pure, empty context.
    MlDsa44,
    /// `mldsa65` (0x0905): ML-DSA-65 (FIPS 204), pure, empty context.
    MlDsa65,
    /// `mldsa87` (0x0906): ML-DSA-87 (FIPS 204), pure, empty context.
    MlDsa87,
}

impl SignatureScheme {
    /// Every scheme, in code-point order.
    pub const ALL: [SignatureScheme; 8] = [
        Self::EcdsaP256Sha256,
        Self::EcdsaP384Sha384,
        Self::EcdsaP521Sha512,
        Self::Ed25519,
        Self::Ed448,
        Self::MlDsa44,
        Self::MlDsa65,
        Self::MlDsa87,
    ];

    /// The TLS SignatureScheme code point MLS carries.
    pub const fn id(self) -> u16 {
        match self {
            Self::EcdsaP256Sha256 => 0x0403,
            Self::EcdsaP384Sha384 => 0x0503,
            Self::EcdsaP521Sha512 => 0x0603,
            Self::Ed25519 => 0x0807,
            Self::Ed448 => 0x0808,
            Self::MlDsa44 => 0x0904,
            Self::MlDsa65 => 0x0905,
            Self::MlDsa87 => 0x0906,
        }
    }

    /// The scheme with this code point; [`PrimitiveError::UnknownSignatureScheme`] for any other.
    pub fn from_id(id: u16) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(PrimitiveError::UnknownSignatureScheme(id))
    }

    /// The TLS registry's name, e.g. `ecdsa_secp256r1_sha256`, `mldsa65`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256Sha256 => "ecdsa_secp256r1_sha256",
            Self::EcdsaP384Sha384 => "ecdsa_secp384r1_sha384",
            Self::EcdsaP521Sha512 => "ecdsa_secp521r1_sha512",
            Self::Ed25519 => "ed25519",
            Self::Ed448 => "ed448",
            Self::MlDsa44 => "mldsa44",
            Self::MlDsa65 => "mldsa65",
            Self::MlDsa87 => "mldsa87",
        }
    }

    fn ml_dsa(self) -> Option<SignatureAlgorithm> {
        match self {
            Self::MlDsa44 => Some(SignatureAlgorithm::MlDsa44),
            Self::MlDsa65 => Some(SignatureAlgorithm::MlDsa65),
            Self::MlDsa87 => Some(SignatureAlgorithm::MlDsa87),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The algorithms of one MLS cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SuiteAlgorithms {
    /// The code point (RFC 9420 §17.1, or openmls' provisional one for a draft suite).
    pub id: u16,
    /// The suite's RFC 9420 (or openmls) name, e.g. `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`.
    pub name: &'static str,
    /// The suite's hash, used for hashing, HMAC and HKDF (the KDF).
    pub hash: HashAlgorithm,
    /// The suite's AEAD for message protection.
    pub aead: AeadAlgorithm,
    /// The suite's HPKE suite: its KEM, HKDF over the suite's hash, and its AEAD.
    pub hpke: hpke::Suite,
    /// The suite's signature scheme.
    pub signature: SignatureScheme,
    /// A draft-ietf-mls-pq-ciphersuites suite: provisional code point, no upstream vectors.
    pub draft: bool,
}

macro_rules! suites {
    ($( $id:literal $name:ident: $kem:ident, $aead:ident, $hash:ident, $sig:ident, $draft:literal; )+) => {
        /// Every suite Sonet runs: RFC 9420 suites 1–7, then the draft PQ suites.
        pub const SUITES: &[SuiteAlgorithms] = &[$(
            SuiteAlgorithms {
                id: $id,
                name: stringify!($name),
                hash: HashAlgorithm::$hash,
                aead: AeadAlgorithm::$aead,
                hpke: hpke::Suite::new(KemId::$kem, kdf_for(HashAlgorithm::$hash), hpke_aead_for(AeadAlgorithm::$aead)),
                signature: SignatureScheme::$sig,
                draft: $draft,
            },
        )+];
    };
}

suites! {
    0x0001 MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: DhkemX25519, Aes128Gcm, Sha256, Ed25519, false;
    0x0002 MLS_128_DHKEMP256_AES128GCM_SHA256_P256: DhkemP256, Aes128Gcm, Sha256, EcdsaP256Sha256, false;
    0x0003 MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: DhkemX25519, ChaCha20Poly1305, Sha256, Ed25519, false;
    0x0004 MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448: DhkemX448, Aes256Gcm, Sha512, Ed448, false;
    0x0005 MLS_256_DHKEMP521_AES256GCM_SHA512_P521: DhkemP521, Aes256Gcm, Sha512, EcdsaP521Sha512, false;
    0x0006 MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448: DhkemX448, ChaCha20Poly1305, Sha512, Ed448, false;
    0x0007 MLS_256_DHKEMP384_AES256GCM_SHA384_P384: DhkemP384, Aes256Gcm, Sha384, EcdsaP384Sha384, false;
    0x004D MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519: XWing, ChaCha20Poly1305, Sha256, Ed25519, true;
    0x004E MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519: XWing, Aes256Gcm, Sha384, Ed25519, true;
    0x004F MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519: XWing, Aes128Gcm, Sha256, Ed25519, true;
    0x0050 MLS_128_MLKEM768_AES256GCM_SHA384_P256: MlKem768, Aes256Gcm, Sha384, EcdsaP256Sha256, true;
    0x0051 MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65: MlKem768, Aes256Gcm, Sha384, MlDsa65, true;
    0x0052 MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44: XWing, ChaCha20Poly1305, Sha384, MlDsa44, true;
    0x0042 MLS_192_MLKEM1024_AES256GCM_SHA384_P384: MlKem1024, Aes256Gcm, Sha384, EcdsaP384Sha384, true;
    0x0906 MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87: MlKem1024, Aes256Gcm, Sha512, MlDsa87, true;
    0x0907 MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87: MlKem1024, Aes256Gcm, Sha384, MlDsa87, true;
    0xF042 MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519: MlKem768, Aes256Gcm, Sha384, Ed25519, true;
}

/// The HPKE KDF of a suite is HKDF with the suite's hash (RFC 9420 §5.1).
pub const fn kdf_for(hash: HashAlgorithm) -> KdfId {
    match hash {
        HashAlgorithm::Sha384 => KdfId::HkdfSha384,
        HashAlgorithm::Sha512 => KdfId::HkdfSha512,
        // SHA-1 is never an MLS hash; SHA-256 is the only other one.
        HashAlgorithm::Sha1 | HashAlgorithm::Sha256 => KdfId::HkdfSha256,
    }
}

/// The HPKE AEAD id of a suite's AEAD (MLS suites use AES-128-GCM, AES-256-GCM or
/// ChaCha20-Poly1305).
pub const fn hpke_aead_for(aead: AeadAlgorithm) -> AeadId {
    match aead {
        AeadAlgorithm::Aes128Gcm => AeadId::Aes128Gcm,
        AeadAlgorithm::ChaCha20Poly1305 => AeadId::ChaCha20Poly1305,
        // AES-192-GCM is never an MLS AEAD; AES-256-GCM is the only other one.
        AeadAlgorithm::Aes192Gcm | AeadAlgorithm::Aes256Gcm => AeadId::Aes256Gcm,
    }
}

/// The algorithms of the suite with this code point.
pub fn suite(id: u16) -> Result<&'static SuiteAlgorithms> {
    SUITES
        .iter()
        .find(|s| s.id == id)
        .ok_or(PrimitiveError::UnknownSuite(id))
}

impl SuiteAlgorithms {
    /// Nh: the hash (and KDF) output length.
    pub fn hash_len(&self) -> usize {
        self.hash.output_len()
    }
    /// Nk.
    pub fn aead_key_len(&self) -> usize {
        self.aead.key_len()
    }
    /// Nn.
    pub fn aead_nonce_len(&self) -> usize {
        self.aead.nonce_len()
    }

    /// The suite's hash of `data` (Nh bytes).
    pub fn hash(&self, data: &[u8]) -> Vec<u8> {
        hash(self.hash, data)
    }

    /// HMAC with the suite's hash (RFC 9420 §5.1 MAC).
    pub fn mac(&self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hmac(self.hash, key, data)
    }

    /// HKDF-Extract with the suite's hash (RFC 5869).
    pub fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes> {
        hkdf_extract(self.hash, salt, ikm)
    }

    /// HKDF-Expand with the suite's hash: `len` bytes, at most 255 · Nh.
    pub fn expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<SecretBytes> {
        hkdf_expand(self.hash, prk, info, len)
    }

    /// Seals with the suite's AEAD: `ciphertext ‖ 16-byte tag`; the key must be Nk and the nonce
    /// Nn bytes.
    pub fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        aead_seal(self.aead, key, nonce, aad, plaintext)
    }

    /// Opens `ciphertext ‖ tag` with the suite's AEAD; a tag that does not verify is
    /// [`PrimitiveError::AeadOpen`].
    pub fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        aead_open(self.aead, key, nonce, aad, ciphertext)
    }

    /// HPKE base-mode single-shot seal: `(kem_output, ciphertext)`.
    pub fn hpke_seal(
        &self,
        public_key: &[u8],
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        hpke_seal(self.hpke, public_key, info, aad, plaintext)
    }

    /// HPKE base-mode single-shot open.
    pub fn hpke_open(
        &self,
        private_key: &[u8],
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        hpke_open(self.hpke, private_key, kem_output, info, aad, ciphertext)
    }

    /// SetupBaseS then Export (the external-init secret, RFC 9420 §8.3):
    /// `(kem_output, exported_secret)`.
    pub fn hpke_export_sender(
        &self,
        public_key: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<(Vec<u8>, SecretBytes)> {
        hpke_export_sender(self.hpke, public_key, info, exporter_context, len)
    }

    /// SetupBaseR then Export.
    pub fn hpke_export_receiver(
        &self,
        private_key: &[u8],
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretBytes> {
        hpke_export_receiver(
            self.hpke,
            private_key,
            kem_output,
            info,
            exporter_context,
            len,
        )
    }

    /// DeriveKeyPair of the suite's HPKE KEM: `(private_key, public_key)`.
    pub fn derive_hpke_key_pair(&self, ikm: &[u8]) -> (SecretBytes, Vec<u8>) {
        derive_hpke_key_pair(self.hpke.kem, ikm)
    }

    /// Whether every primitive of the suite is compiled in (the HKDF and AEAD come from
    /// [`crate::crypto`], whose implementations depend on build features; HPKE and the
    /// classical signatures are always built).
    pub fn available(&self) -> Result<()> {
        kdf(self.hash)?;
        aead(self.aead)?;
        if self.signature.ml_dsa().is_some() {
            ml_dsa(self.signature)?;
        }
        Ok(())
    }

    /// A fresh key pair of the suite's signature scheme: `(private_key, public_key)`.
    pub fn generate_signature_key(&self) -> Result<(SecretBytes, Vec<u8>)> {
        generate_signature_key(self.signature)
    }

    /// Signs with the suite's signature scheme (see the free function [`sign`]).
    pub fn sign(&self, private_key: &[u8], message: &[u8]) -> Result<Vec<u8>> {
        sign(self.signature, private_key, message)
    }

    /// Verifies with the suite's signature scheme (see the free function [`verify`]).
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<()> {
        verify(self.signature, public_key, message, signature)
    }
}

/// DeriveKeyPair of any HPKE KEM as MLS uses it (tree, leaf, init and external keys):
/// `(private_key, public_key)`.
///
/// For the DHKEMs this is RFC 9180 §7.1.3. For ML-KEM and X-Wing — which only the draft PQ
/// suites use — it is the derivation openmls' own providers run (hpke-rs 0.7): the private key
/// is the seed `SHAKE256(ikm, Nsk)` (ML-KEM: the 64-byte d ‖ z, X-Wing: X-Wing draft-06's
/// 32-byte seed), not draft-ietf-hpke-pq-04's `LabeledDerive`, which
/// [`hpke::derive_keypair`] implements. Members derive each other's path keys from path
/// secrets and check them against the UpdatePath, so only this one interoperates with the
/// implementation whose provisional code points these suites are.
pub fn derive_hpke_key_pair(kem: KemId, ikm: &[u8]) -> (SecretBytes, Vec<u8>) {
    match kem {
        KemId::MlKem768 | KemId::MlKem1024 | KemId::XWing => {
            use sha3::digest::{ExtendableOutput, Update, XofReader};
            let mut seed = zeroize::Zeroizing::new(vec![0u8; kem.private_key_len()]);
            let mut shake = sha3::Shake256::default();
            shake.update(ikm);
            shake.finalize_xof().read(&mut seed);
            // Every seed of Nsk bytes is a valid ML-KEM / X-Wing private key.
            hpke::parse_private_key(kem, &seed).unwrap_or_else(|_| unreachable!())
        }
        _ => hpke::derive_keypair(kem, ikm),
    }
}

/// A NIST-curve DHKEM private key shorter than Nsk, left-padded to it: the same big-endian
/// scalar. Implementations that serialize the scalar minimally produce such keys (the mlswg
/// passive-client vectors carry 65-byte P-521 keys); RFC 9180's DeserializePrivateKey wants
/// exactly Nsk bytes.
fn canonical_private_key(kem: KemId, private_key: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let nsk = kem.private_key_len();
    let nist = matches!(kem, KemId::DhkemP256 | KemId::DhkemP384 | KemId::DhkemP521);
    let mut key = zeroize::Zeroizing::new(Vec::with_capacity(nsk.max(private_key.len())));
    if nist && !private_key.is_empty() && private_key.len() < nsk {
        key.resize(nsk - private_key.len(), 0);
    }
    key.extend_from_slice(private_key);
    key
}

/// HPKE base-mode single-shot seal under any suite: `(kem_output, ciphertext)`.
pub fn hpke_seal(
    suite: hpke::Suite,
    public_key: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, Vec<u8>)> {
    Ok(hpke::seal(
        suite,
        &SenderInputs::base(),
        public_key,
        info,
        aad,
        plaintext,
        None,
    )?)
}

/// HPKE base-mode single-shot open under any suite.
pub fn hpke_open(
    suite: hpke::Suite,
    private_key: &[u8],
    kem_output: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    let private_key = canonical_private_key(suite.kem, private_key);
    Ok(hpke::open(
        suite,
        &ReceiverInputs::base(),
        &private_key,
        kem_output,
        info,
        aad,
        ciphertext,
    )?)
}

/// SetupBaseS then Export under any suite: `(kem_output, exported_secret)`.
pub fn hpke_export_sender(
    suite: hpke::Suite,
    public_key: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<(Vec<u8>, SecretBytes)> {
    let (kem_output, context) =
        hpke::setup_sender(suite, &SenderInputs::base(), public_key, info, None)?;
    Ok((kem_output, context.export(exporter_context, len)?))
}

/// SetupBaseR then Export under any suite.
pub fn hpke_export_receiver(
    suite: hpke::Suite,
    private_key: &[u8],
    kem_output: &[u8],
    info: &[u8],
    exporter_context: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    let private_key = canonical_private_key(suite.kem, private_key);
    let context = hpke::setup_receiver(
        suite,
        &ReceiverInputs::base(),
        &private_key,
        kem_output,
        info,
    )?;
    Ok(context.export(exporter_context, len)?)
}

/// The hash of `data` with `algorithm` (the `sha1` / `sha2` crates, not a provider).
pub fn hash(algorithm: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    match algorithm {
        HashAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        HashAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

/// HMAC (RFC 2104) of `data` under `key` with `algorithm` (the `hmac` crate, not a provider).
pub fn hmac(algorithm: HashAlgorithm, key: &[u8], data: &[u8]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    fn run<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so construction cannot fail.
        let mut mac = <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
    match algorithm {
        HashAlgorithm::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, data),
        HashAlgorithm::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, data),
        HashAlgorithm::Sha384 => run::<hmac::Hmac<sha2::Sha384>>(key, data),
        HashAlgorithm::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, data),
    }
}

fn kdf(algorithm: HashAlgorithm) -> Result<&'static dyn crate::crypto::kdf::Hkdf> {
    crypto::default_hkdf(algorithm).ok_or(PrimitiveError::MissingImplementation("HKDF"))
}

/// HKDF-Extract (RFC 5869) with the default provider's HKDF over `algorithm`.
pub fn hkdf_extract(algorithm: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> Result<SecretBytes> {
    kdf(algorithm)?
        .extract(salt, ikm)
        .map_err(|e| PrimitiveError::Kdf(e.to_string()))
}

/// HKDF-Expand (RFC 5869) with the default provider's HKDF over `algorithm`: `len` bytes, at most
/// 255 · HashLen.
pub fn hkdf_expand(
    algorithm: HashAlgorithm,
    prk: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    kdf(algorithm)?
        .expand(prk, info, len)
        .map_err(|e| PrimitiveError::Kdf(e.to_string()))
}

fn aead(algorithm: AeadAlgorithm) -> Result<&'static dyn crate::crypto::aead::Aead> {
    crypto::default_aead(algorithm).ok_or(PrimitiveError::MissingImplementation("AEAD"))
}

/// Seals with the default provider's `algorithm`: `ciphertext ‖ 16-byte tag`.
pub fn aead_seal(
    algorithm: AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    aead(algorithm)?
        .seal(key, nonce, aad, plaintext)
        .map_err(|e| PrimitiveError::Aead(e.to_string()))
}

/// Opens `ciphertext ‖ tag` with the default provider's `algorithm`; a tag that does not verify
/// is [`PrimitiveError::AeadOpen`], any other failure [`PrimitiveError::Aead`].
pub fn aead_open(
    algorithm: AeadAlgorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    use crate::crypto::aead::AeadError;
    aead(algorithm)?
        .open(key, nonce, aad, ciphertext)
        .map_err(|e| match e {
            AeadError::AuthenticationFailed => PrimitiveError::AeadOpen,
            other => PrimitiveError::Aead(other.to_string()),
        })
}

fn malformed(scheme: SignatureScheme, what: &'static str) -> PrimitiveError {
    PrimitiveError::MalformedKey {
        algorithm: scheme.name(),
        what,
    }
}

fn random<const N: usize>() -> Result<zeroize::Zeroizing<[u8; N]>> {
    let mut bytes = zeroize::Zeroizing::new([0u8; N]);
    getrandom::fill(&mut *bytes).map_err(|_| PrimitiveError::Rng)?;
    Ok(bytes)
}

/// A fresh signature key pair: `(private_key, public_key)`.
pub fn generate_signature_key(scheme: SignatureScheme) -> Result<(SecretBytes, Vec<u8>)> {
    let private = match scheme {
        SignatureScheme::Ed25519 => SecretBytes::from(&random::<32>()?[..]),
        SignatureScheme::Ed448 => SecretBytes::from(&random::<57>()?[..]),
        SignatureScheme::EcdsaP256Sha256 => ecdsa_scalar::<p256::NistP256>()?,
        SignatureScheme::EcdsaP384Sha384 => ecdsa_scalar::<p384::NistP384>()?,
        SignatureScheme::EcdsaP521Sha512 => ecdsa_scalar::<p521::NistP521>()?,
        SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87 => {
            let pair = ml_dsa(scheme)?
                .generate()
                .map_err(|_| PrimitiveError::SigningFailed(scheme.name()))?;
            return Ok((pair.secret_key, pair.public_key));
        }
    };
    let public = signature_public_key(scheme, private.as_bytes())?;
    Ok((private, public))
}

/// A random scalar in [1, n−1], encoded big-endian at the field size.
fn ecdsa_scalar<C>() -> Result<SecretBytes>
where
    C: elliptic_curve::CurveArithmetic,
{
    use elliptic_curve::ff::PrimeField;
    loop {
        let mut repr = <C::Scalar as PrimeField>::Repr::default();
        getrandom::fill(AsMut::<[u8]>::as_mut(&mut repr)).map_err(|_| PrimitiveError::Rng)?;
        // Rejection sampling: retry the (negligibly rare) zero or out-of-range draws.
        let scalar: Option<C::Scalar> = C::Scalar::from_repr(repr).into();
        if let Some(scalar) = scalar {
            if !bool::from(elliptic_curve::ff::Field::is_zero(&scalar)) {
                let bytes = SecretBytes::from(AsRef::<[u8]>::as_ref(&repr));
                zeroize::Zeroize::zeroize(AsMut::<[u8]>::as_mut(&mut repr));
                return Ok(bytes);
            }
        }
    }
}

/// The public key of a private signature key (ML-DSA keys carry theirs inside; FIPS 204's secret
/// key encoding does not, so ML-DSA is refused here).
pub fn signature_public_key(scheme: SignatureScheme, private_key: &[u8]) -> Result<Vec<u8>> {
    match scheme {
        SignatureScheme::Ed25519 => {
            let seed: [u8; 32] = private_key
                .try_into()
                .map_err(|_| malformed(scheme, "private key"))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed)
                .verifying_key()
                .to_bytes()
                .to_vec())
        }
        SignatureScheme::Ed448 => {
            let key = ed448_goldilocks::SigningKey::try_from(private_key)
                .map_err(|_| malformed(scheme, "private key"))?;
            Ok(key.verifying_key().to_bytes().to_vec())
        }
        SignatureScheme::EcdsaP256Sha256 => ecdsa_public::<p256::NistP256>(scheme, private_key),
        SignatureScheme::EcdsaP384Sha384 => ecdsa_public::<p384::NistP384>(scheme, private_key),
        SignatureScheme::EcdsaP521Sha512 => ecdsa_public::<p521::NistP521>(scheme, private_key),
        SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87 => {
            Err(malformed(scheme, "private key without its public key"))
        }
    }
}

fn ecdsa_public<C>(scheme: SignatureScheme, private_key: &[u8]) -> Result<Vec<u8>>
where
    C: elliptic_curve::CurveArithmetic,
    C::AffinePoint: elliptic_curve::sec1::ToSec1Point<C>,
    C::FieldBytesSize: elliptic_curve::sec1::ModulusSize,
{
    use elliptic_curve::sec1::ToSec1Point;
    let secret = elliptic_curve::SecretKey::<C>::from_slice(private_key)
        .map_err(|_| malformed(scheme, "private key"))?;
    // SEC1 uncompressed, as RFC 9420 §5.1.1 requires for ECDSA keys.
    Ok(secret
        .public_key()
        .as_affine()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec())
}

fn ml_dsa(scheme: SignatureScheme) -> Result<&'static dyn crate::crypto::Signature> {
    let algorithm = scheme
        .ml_dsa()
        .ok_or(PrimitiveError::UnknownSignatureScheme(scheme.id()))?;
    crypto::default_signature(algorithm).ok_or(PrimitiveError::MissingImplementation("ML-DSA"))
}

/// ECDSA over one NIST curve crate (`p256`, `p384`, `p521`): the three differ only in their
/// types, which share no trait the signing key and DER signature go through.
macro_rules! ecdsa_sign {
    ($curve:ident, $scheme:expr, $private_key:expr, $message:expr) => {{
        let key = $curve::ecdsa::SigningKey::from_slice($private_key)
            .map_err(|_| malformed($scheme, "private key"))?;
        let signature: $curve::ecdsa::Signature = signature::Signer::try_sign(&key, $message)
            .map_err(|_| PrimitiveError::SigningFailed($scheme.name()))?;
        Ok(signature.to_der().as_bytes().to_vec())
    }};
}

/// See [`ecdsa_sign`]: a SEC1 public key and a DER signature.
macro_rules! ecdsa_verify {
    ($curve:ident, $scheme:expr, $public_key:expr, $message:expr, $signature:expr) => {{
        let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes($public_key)
            .map_err(|_| malformed($scheme, "public key"))?;
        let signature = $curve::ecdsa::Signature::from_der($signature)
            .map_err(|_| PrimitiveError::InvalidSignature)?;
        signature::Verifier::verify(&key, $message, &signature)
            .map_err(|_| PrimitiveError::InvalidSignature)
    }};
}

/// Signs `message` (the whole message: ECDSA hashes it with the scheme's hash, EdDSA and ML-DSA
/// sign it directly). ECDSA and EdDSA are deterministic; ML-DSA is hedged.
pub fn sign(scheme: SignatureScheme, private_key: &[u8], message: &[u8]) -> Result<Vec<u8>> {
    match scheme {
        SignatureScheme::Ed25519 => {
            use ed25519_dalek::Signer;
            let seed: [u8; 32] = private_key
                .try_into()
                .map_err(|_| malformed(scheme, "private key"))?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed)
                .sign(message)
                .to_bytes()
                .to_vec())
        }
        SignatureScheme::Ed448 => {
            let key = ed448_goldilocks::SigningKey::try_from(private_key)
                .map_err(|_| malformed(scheme, "private key"))?;
            Ok(key.sign_raw(message).to_bytes().to_vec())
        }
        SignatureScheme::EcdsaP256Sha256 => ecdsa_sign!(p256, scheme, private_key, message),
        SignatureScheme::EcdsaP384Sha384 => ecdsa_sign!(p384, scheme, private_key, message),
        SignatureScheme::EcdsaP521Sha512 => ecdsa_sign!(p521, scheme, private_key, message),
        SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87 => {
            let rnd = random::<32>()?;
            ml_dsa(scheme)?
                .sign(
                    private_key,
                    SignedMessage::pure(message),
                    SigningRandomness::Hedged(&rnd[..]),
                )
                .map_err(|_| PrimitiveError::SigningFailed(scheme.name()))
        }
    }
}

/// Verifies a signature over the whole `message`; any failure, including a malformed signature,
/// is [`PrimitiveError::InvalidSignature`], and a malformed public key is
/// [`PrimitiveError::MalformedKey`].
pub fn verify(
    scheme: SignatureScheme,
    public_key: &[u8],
    message: &[u8],
    signature_bytes: &[u8],
) -> Result<()> {
    fn invalid<E>(_: E) -> PrimitiveError {
        PrimitiveError::InvalidSignature
    }
    match scheme {
        SignatureScheme::Ed25519 => {
            let public: [u8; 32] = public_key
                .try_into()
                .map_err(|_| malformed(scheme, "public key"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
                .map_err(|_| malformed(scheme, "public key"))?;
            let signature = ed25519_dalek::Signature::from_slice(signature_bytes)
                .map_err(|_| PrimitiveError::InvalidSignature)?;
            key.verify_strict(message, &signature).map_err(invalid)
        }
        SignatureScheme::Ed448 => {
            let key = ed448_goldilocks::VerifyingKey::from_bytes(
                public_key
                    .try_into()
                    .map_err(|_| malformed(scheme, "public key"))?,
            )
            .map_err(|_| malformed(scheme, "public key"))?;
            let signature = ed448_goldilocks::Signature::try_from(signature_bytes)
                .map_err(|_| PrimitiveError::InvalidSignature)?;
            key.verify_raw(&signature, message).map_err(invalid)
        }
        SignatureScheme::EcdsaP256Sha256 => {
            ecdsa_verify!(p256, scheme, public_key, message, signature_bytes)
        }
        SignatureScheme::EcdsaP384Sha384 => {
            ecdsa_verify!(p384, scheme, public_key, message, signature_bytes)
        }
        SignatureScheme::EcdsaP521Sha512 => {
            ecdsa_verify!(p521, scheme, public_key, message, signature_bytes)
        }
        SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87 => {
            ml_dsa(scheme)?
                .verify(public_key, SignedMessage::pure(message), signature_bytes)
                .map_err(|e| match e {
                    crate::crypto::PqcError::InvalidSignature => PrimitiveError::InvalidSignature,
                    _ => malformed(scheme, "public key or signature"),
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_is_listed_once_with_consistent_algorithms() {
        for (i, s) in SUITES.iter().enumerate() {
            assert!(SUITES[..i].iter().all(|t| t.id != s.id), "{} twice", s.name);
            assert_eq!(suite(s.id).map(|t| t.name), Ok(s.name));
            assert_eq!(s.draft, s.id > 7, "{}", s.name);
            assert_eq!(s.hpke.kdf, kdf_for(s.hash));
        }
        assert_eq!(
            suite(0x0008).map(|s| s.id),
            Err(PrimitiveError::UnknownSuite(8))
        );
    }

    #[test]
    fn every_signature_scheme_signs_verifies_and_rejects_a_changed_message() {
        for scheme in SignatureScheme::ALL {
            let (private, public) = generate_signature_key(scheme).unwrap();
            let signature = sign(scheme, private.as_bytes(), b"message").unwrap();
            verify(scheme, &public, b"message", &signature).unwrap();
            assert_eq!(
                verify(scheme, &public, b"messagf", &signature),
                Err(PrimitiveError::InvalidSignature),
                "{scheme}"
            );
            let mut truncated = signature.clone();
            truncated.pop();
            assert!(verify(scheme, &public, b"message", &truncated).is_err());
            if !matches!(
                scheme,
                SignatureScheme::MlDsa44 | SignatureScheme::MlDsa65 | SignatureScheme::MlDsa87
            ) {
                assert_eq!(
                    signature_public_key(scheme, private.as_bytes()).unwrap(),
                    public
                );
            }
            assert!(matches!(
                verify(scheme, &public[1..], b"message", &signature),
                Err(PrimitiveError::MalformedKey { .. })
            ));
        }
    }

    #[test]
    fn a_nist_hpke_private_key_without_its_leading_zero_bytes_still_opens() {
        let s = suite(0x0005).unwrap();
        // About half of all P-521 scalars start with a zero byte; the first such ikm will do.
        let (private, public) = (0u8..=255)
            .map(|i| s.derive_hpke_key_pair(&[i; 66]))
            .find(|(private, _)| private.as_bytes()[0] == 0)
            .unwrap();
        let (kem_output, ct) = s.hpke_seal(&public, b"", b"", b"pt").unwrap();
        let short = &private.as_bytes()[1..];
        assert_eq!(short.len(), 65);
        assert_eq!(
            s.hpke_open(short, &kem_output, b"", b"", &ct).unwrap(),
            b"pt"
        );
        let (kem_output, exported) = s.hpke_export_sender(&public, b"", b"c", 16).unwrap();
        assert_eq!(
            s.hpke_export_receiver(short, &kem_output, b"", b"c", 16)
                .unwrap(),
            exported
        );
    }

    #[test]
    fn pq_kems_derive_their_seed_with_shake256_as_openmls_does() {
        use sha3::digest::{ExtendableOutput, Update, XofReader};
        for (kem, nsk) in [
            (KemId::MlKem768, 64),
            (KemId::MlKem1024, 64),
            (KemId::XWing, 32),
        ] {
            let (private, public) = derive_hpke_key_pair(kem, b"input keying material");
            let mut seed = vec![0u8; nsk];
            let mut shake = sha3::Shake256::default();
            shake.update(b"input keying material");
            shake.finalize_xof().read(&mut seed);
            assert_eq!(private.as_bytes(), seed, "{kem}");
            let parsed = hpke::parse_private_key(kem, &seed).unwrap();
            assert_eq!(parsed.1, public);
        }
        // The DHKEMs keep RFC 9180's DeriveKeyPair.
        assert_eq!(
            derive_hpke_key_pair(KemId::DhkemX25519, &[1; 32]),
            hpke::derive_keypair(KemId::DhkemX25519, &[1; 32])
        );
    }

    #[test]
    fn every_suite_round_trips_hpke_and_aead() {
        for s in SUITES {
            let (private, public) = s.derive_hpke_key_pair(&[7u8; 64]);
            let (kem_output, ct) = s.hpke_seal(&public, b"info", b"aad", b"secret").unwrap();
            assert_eq!(
                s.hpke_open(private.as_bytes(), &kem_output, b"info", b"aad", &ct)
                    .unwrap(),
                b"secret"
            );
            assert!(s
                .hpke_open(private.as_bytes(), &kem_output, b"infp", b"aad", &ct)
                .is_err());
            let (kem_output, exported) =
                s.hpke_export_sender(&public, b"info", b"ctx", 40).unwrap();
            assert_eq!(exported.len(), 40);
            assert_eq!(
                s.hpke_export_receiver(private.as_bytes(), &kem_output, b"info", b"ctx", 40)
                    .unwrap(),
                exported
            );
            assert_ne!(
                s.hpke_export_receiver(private.as_bytes(), &kem_output, b"info", b"ctx2", 40)
                    .unwrap(),
                exported
            );
            s.available().unwrap();
            let key = vec![1u8; s.aead_key_len()];
            let nonce = vec![2u8; s.aead_nonce_len()];
            let sealed = s.aead_seal(&key, &nonce, b"aad", b"pt").unwrap();
            assert_eq!(s.aead_open(&key, &nonce, b"aad", &sealed).unwrap(), b"pt");
            assert_eq!(
                s.aead_open(&key, &nonce, b"aae", &sealed),
                Err(PrimitiveError::AeadOpen)
            );
            assert_eq!(s.hash(b"").len(), s.hash_len());
            assert_eq!(s.mac(b"k", b"d").len(), s.hash_len());
        }
    }
}
