//! From run-time ids to rust-hpke's compile-time types.
//!
//! rust-hpke is generic over `<Aead, Kdf, Kem>`; Sonet chooses suites from wire ids. Each
//! operation is written once as a generic `run`, and [`with_kem`] / [`with_suite`] pick the
//! types with one `match` per algorithm family (8 KEMs × 3 KDFs × 4 AEADs instantiations).

use std::convert::Infallible;

use ::hpke::aead::{
    Aead, AeadCtxR, AeadCtxS, AesGcm128, AesGcm256, ChaCha20Poly1305, ExportOnlyAead,
};
use ::hpke::kdf::{HkdfSha256, HkdfSha384, HkdfSha512, Kdf};
use ::hpke::kem::{
    DhP256HkdfSha256, DhP384HkdfSha384, DhP521HkdfSha512, MlKem1024, MlKem768, X25519HkdfSha256,
    XWing,
};
use ::hpke::rand_core::{TryCryptoRng, TryRng};
use ::hpke::{
    Deserializable, HpkeError as CrateError, Kem, OpModeR, OpModeS, PskBundle, Serializable,
};

use super::dhkem_x448::DhkemX448;
use super::{AeadId, Encapsulation, HpkeError, KdfId, KemId, Mode, Psk, Suite};
use crate::secret::SecretBytes;

/// The bounds every KEM needs so its contexts can be boxed and sent between threads.
pub(super) trait DispatchKem: Kem + Send + Sync + 'static {}
impl<K: Kem + Send + Sync + 'static> DispatchKem for K {}

/// An operation that needs only the KEM type.
pub(super) trait KemOp {
    type Output;
    fn run<K: DispatchKem>(self) -> Self::Output;
}

/// An operation that needs the whole suite's types.
pub(super) trait SuiteOp {
    type Output;
    fn run<K: DispatchKem, F: Kdf + 'static, A: Aead + 'static>(self) -> Self::Output;
}

pub(super) fn with_kem<O: KemOp>(kem: KemId, op: O) -> O::Output {
    match kem {
        KemId::DhkemP256 => op.run::<DhP256HkdfSha256>(),
        KemId::DhkemP384 => op.run::<DhP384HkdfSha384>(),
        KemId::DhkemP521 => op.run::<DhP521HkdfSha512>(),
        KemId::DhkemX25519 => op.run::<X25519HkdfSha256>(),
        KemId::DhkemX448 => op.run::<DhkemX448>(),
        KemId::MlKem768 => op.run::<MlKem768>(),
        KemId::MlKem1024 => op.run::<MlKem1024>(),
        KemId::XWing => op.run::<XWing>(),
    }
}

pub(super) fn with_suite<O: SuiteOp>(suite: Suite, op: O) -> O::Output {
    with_kem(suite.kem, PickKdf { suite, op })
}

struct PickKdf<O> {
    suite: Suite,
    op: O,
}

impl<O: SuiteOp> KemOp for PickKdf<O> {
    type Output = O::Output;

    fn run<K: DispatchKem>(self) -> O::Output {
        let aead = self.suite.aead;
        match self.suite.kdf {
            KdfId::HkdfSha256 => pick_aead::<K, HkdfSha256, O>(aead, self.op),
            KdfId::HkdfSha384 => pick_aead::<K, HkdfSha384, O>(aead, self.op),
            KdfId::HkdfSha512 => pick_aead::<K, HkdfSha512, O>(aead, self.op),
        }
    }
}

fn pick_aead<K: DispatchKem, F: Kdf + 'static, O: SuiteOp>(aead: AeadId, op: O) -> O::Output {
    match aead {
        AeadId::Aes128Gcm => op.run::<K, F, AesGcm128>(),
        AeadId::Aes256Gcm => op.run::<K, F, AesGcm256>(),
        AeadId::ChaCha20Poly1305 => op.run::<K, F, ChaCha20Poly1305>(),
        AeadId::ExportOnly => op.run::<K, F, ExportOnlyAead>(),
    }
}

/// Hands out exactly the bytes it was given. rust-hpke takes encapsulation randomness only from
/// an RNG, so this is how a caller's ikmE (or ML-KEM's m, or X-Wing's seed) reaches it. Running
/// short is recorded rather than panicking, and [`ReplayRng::finish`] turns it, or leftover
/// bytes, into an error: either means the KEM drew a different amount than the size table in
/// [`KemId::encap_randomness_len`] promised, and the result must not be used.
pub(super) struct ReplayRng<'a> {
    rest: &'a [u8],
    given: usize,
    overdrawn: bool,
}

impl<'a> ReplayRng<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            given: bytes.len(),
            overdrawn: false,
        }
    }

    pub(super) fn finish(self, kem: KemId) -> Result<(), HpkeError> {
        if self.overdrawn || !self.rest.is_empty() {
            Err(HpkeError::RandomnessMismatch {
                kem,
                given: self.given,
            })
        } else {
            Ok(())
        }
    }
}

impl TryRng for ReplayRng<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut word = [0u8; 4];
        self.try_fill_bytes(&mut word)?;
        Ok(u32::from_le_bytes(word))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut word = [0u8; 8];
        self.try_fill_bytes(&mut word)?;
        Ok(u64::from_le_bytes(word))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        match self.rest.split_at_checked(dst.len()) {
            Some((taken, rest)) => {
                dst.copy_from_slice(taken);
                self.rest = rest;
            }
            None => {
                self.overdrawn = true;
                self.rest = &[];
                dst.fill(0);
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for ReplayRng<'_> {}

/// A serialized secret, written straight into the buffer that becomes the [`SecretBytes`].
fn serialize_secret<T: Serializable>(value: &T) -> SecretBytes {
    let mut out = vec![0u8; T::size()];
    value.write_exact(&mut out);
    SecretBytes::new(out)
}

fn serialize<T: Serializable>(value: &T) -> Vec<u8> {
    let mut out = vec![0u8; T::size()];
    value.write_exact(&mut out);
    out
}

fn parse<T: Deserializable>(kem: KemId, what: &'static str, bytes: &[u8]) -> Result<T, HpkeError> {
    T::from_bytes(bytes).map_err(|e| HpkeError::InvalidKey {
        kem,
        what,
        reason: e.to_string(),
    })
}

type Keypair<K> = (<K as Kem>::PrivateKey, <K as Kem>::PublicKey);

/// The sender's identity key pair from its private key.
fn sender_keypair<K: Kem>(
    kem: KemId,
    sk_s: Option<&[u8]>,
) -> Result<Option<Keypair<K>>, HpkeError> {
    sk_s.map(|bytes| {
        let sk = parse::<K::PrivateKey>(kem, "sender private key", bytes)?;
        let pk = K::sk_to_pk(&sk);
        Ok((sk, pk))
    })
    .transpose()
}

fn psk_bundle(psk: Option<Psk<'_>>) -> Result<PskBundle<'_>, HpkeError> {
    let (key, id) = psk.map_or((&[][..], &[][..]), |p| (p.key, p.id));
    PskBundle::new(key, id).map_err(|_| HpkeError::InconsistentPsk)
}

pub(super) struct DeriveKeypair<'a> {
    pub ikm: &'a [u8],
}

impl KemOp for DeriveKeypair<'_> {
    type Output = (SecretBytes, Vec<u8>);

    fn run<K: DispatchKem>(self) -> Self::Output {
        let (sk, pk) = K::derive_keypair(self.ikm);
        (serialize_secret(&sk), serialize(&pk))
    }
}

/// DeserializePrivateKey then SerializePrivateKey, and the matching public key.
pub(super) struct ParsePrivateKey<'a> {
    pub kem: KemId,
    pub sk: &'a [u8],
}

impl KemOp for ParsePrivateKey<'_> {
    type Output = Result<(SecretBytes, Vec<u8>), HpkeError>;

    fn run<K: DispatchKem>(self) -> Self::Output {
        let sk = parse::<K::PrivateKey>(self.kem, "private key", self.sk)?;
        Ok((serialize_secret(&sk), serialize(&K::sk_to_pk(&sk))))
    }
}

/// Encap / AuthEncap. The caller has checked that a sender key comes only with a DHKEM: the
/// crate's post-quantum KEMs assert on one.
pub(super) struct Encap<'a> {
    pub kem: KemId,
    pub pk_r: &'a [u8],
    pub sk_s: Option<&'a [u8]>,
    pub randomness: &'a [u8],
}

impl KemOp for Encap<'_> {
    type Output = Result<Encapsulation, HpkeError>;

    fn run<K: DispatchKem>(self) -> Self::Output {
        let pk_r = parse::<K::PublicKey>(self.kem, "recipient public key", self.pk_r)?;
        let sender = sender_keypair::<K>(self.kem, self.sk_s)?;
        let mut rng = ReplayRng::new(self.randomness);
        let result = K::encap_with_rng(&pk_r, sender.as_ref().map(|(sk, pk)| (sk, pk)), &mut rng);
        rng.finish(self.kem)?;
        let (shared_secret, enc) = result.map_err(|_| HpkeError::Encap)?;
        Ok(Encapsulation {
            enc: serialize(&enc),
            shared_secret: SecretBytes::from(shared_secret.0.as_slice()),
        })
    }
}

/// Decap / AuthDecap; as for [`Encap`], a sender key only ever comes with a DHKEM.
pub(super) struct Decap<'a> {
    pub kem: KemId,
    pub enc: &'a [u8],
    pub sk_r: &'a [u8],
    pub pk_s: Option<&'a [u8]>,
}

impl KemOp for Decap<'_> {
    type Output = Result<SecretBytes, HpkeError>;

    fn run<K: DispatchKem>(self) -> Self::Output {
        let enc = parse::<K::EncappedKey>(self.kem, "encapsulated key", self.enc)?;
        let sk_r = parse::<K::PrivateKey>(self.kem, "recipient private key", self.sk_r)?;
        let pk_s = self
            .pk_s
            .map(|bytes| parse::<K::PublicKey>(self.kem, "sender public key", bytes))
            .transpose()?;
        let shared_secret = K::decap(&sk_r, pk_s.as_ref(), &enc).map_err(|_| HpkeError::Decap)?;
        Ok(SecretBytes::from(shared_secret.0.as_slice()))
    }
}

/// A sender context with its types erased.
pub(super) trait SealContext: Send + Sync {
    fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CrateError>;
    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), CrateError>;
}

impl<A: Aead, F: Kdf, K: Kem> SealContext for AeadCtxS<A, F, K>
where
    Self: Send + Sync,
{
    fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CrateError> {
        AeadCtxS::seal(self, plaintext, aad)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), CrateError> {
        AeadCtxS::export(self, exporter_context, out)
    }
}

/// A receiver context with its types erased.
pub(super) trait OpenContext: Send + Sync {
    fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CrateError>;
    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), CrateError>;
}

impl<A: Aead, F: Kdf, K: Kem> OpenContext for AeadCtxR<A, F, K>
where
    Self: Send + Sync,
{
    fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CrateError> {
        AeadCtxR::open(self, ciphertext, aad)
    }

    fn export(&self, exporter_context: &[u8], out: &mut [u8]) -> Result<(), CrateError> {
        AeadCtxR::export(self, exporter_context, out)
    }
}

/// Mode inputs after [`super::check_mode`]: the PSK is present exactly when the mode uses one,
/// the sender key exactly when the mode authenticates, and only with a DHKEM.
pub(super) struct CheckedMode<'a> {
    pub mode: Mode,
    pub psk: Option<Psk<'a>>,
    pub sender_key: Option<&'a [u8]>,
}

pub(super) struct SetupSender<'a> {
    pub kem: KemId,
    pub mode: CheckedMode<'a>,
    pub pk_r: &'a [u8],
    pub info: &'a [u8],
    pub randomness: &'a [u8],
}

impl SuiteOp for SetupSender<'_> {
    type Output = Result<(Vec<u8>, Box<dyn SealContext>), HpkeError>;

    fn run<K: DispatchKem, F: Kdf + 'static, A: Aead + 'static>(self) -> Self::Output {
        let pk_r = parse::<K::PublicKey>(self.kem, "recipient public key", self.pk_r)?;
        let sender = sender_keypair::<K>(self.kem, self.mode.sender_key)?;
        let bundle = psk_bundle(self.mode.psk)?;
        let mode = match (self.mode.mode, sender) {
            (Mode::Base, None) => OpModeS::Base,
            (Mode::Psk, None) => OpModeS::Psk(bundle),
            (Mode::Auth, Some(keypair)) => OpModeS::Auth(keypair),
            (Mode::AuthPsk, Some(keypair)) => OpModeS::AuthPsk(keypair, bundle),
            (mode @ (Mode::Auth | Mode::AuthPsk), None) => {
                return Err(HpkeError::MissingSenderKey(mode))
            }
            (mode @ (Mode::Base | Mode::Psk), Some(_)) => {
                return Err(HpkeError::UnexpectedSenderKey(mode))
            }
        };
        let mut rng = ReplayRng::new(self.randomness);
        let result = ::hpke::setup_sender_with_rng::<A, F, K>(&mode, &pk_r, self.info, &mut rng);
        rng.finish(self.kem)?;
        // Encapsulation is the only step of SetupS that can fail.
        let (enc, context) = result.map_err(|_| HpkeError::Encap)?;
        Ok((serialize(&enc), Box::new(context)))
    }
}

pub(super) struct SetupReceiver<'a> {
    pub kem: KemId,
    pub mode: CheckedMode<'a>,
    pub sk_r: &'a [u8],
    pub enc: &'a [u8],
    pub info: &'a [u8],
}

impl SuiteOp for SetupReceiver<'_> {
    type Output = Result<Box<dyn OpenContext>, HpkeError>;

    fn run<K: DispatchKem, F: Kdf + 'static, A: Aead + 'static>(self) -> Self::Output {
        let sk_r = parse::<K::PrivateKey>(self.kem, "recipient private key", self.sk_r)?;
        let enc = parse::<K::EncappedKey>(self.kem, "encapsulated key", self.enc)?;
        let pk_s = self
            .mode
            .sender_key
            .map(|bytes| parse::<K::PublicKey>(self.kem, "sender public key", bytes))
            .transpose()?;
        let bundle = psk_bundle(self.mode.psk)?;
        let mode = match (self.mode.mode, pk_s) {
            (Mode::Base, None) => OpModeR::Base,
            (Mode::Psk, None) => OpModeR::Psk(bundle),
            (Mode::Auth, Some(pk)) => OpModeR::Auth(pk),
            (Mode::AuthPsk, Some(pk)) => OpModeR::AuthPsk(pk, bundle),
            (mode @ (Mode::Auth | Mode::AuthPsk), None) => {
                return Err(HpkeError::MissingSenderKey(mode))
            }
            (mode @ (Mode::Base | Mode::Psk), Some(_)) => {
                return Err(HpkeError::UnexpectedSenderKey(mode))
            }
        };
        // Decapsulation is the only step of SetupR that can fail.
        let context = ::hpke::setup_receiver::<A, F, K>(&mode, &sk_r, &enc, self.info)
            .map_err(|_| HpkeError::Decap)?;
        Ok(Box::new(context))
    }
}
