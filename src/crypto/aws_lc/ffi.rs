//! The only `unsafe` code of the library: AWS-LC's C functions that aws-lc-rs does not wrap,
//! declared and called here, each behind a safe function that checks every length the C code
//! relies on. `#![deny(unsafe_code)]` at the crate root allows it in this module alone.
//!
//! Two groups of functions:
//! - the FIPS module's deterministic ML-KEM / ML-DSA entry points ([`MlKem`], [`MlDsa`]), which
//!   the standards' vectors need;
//! - AES-GCM through AWS-LC's EVP cipher interface ([`EvpAesGcm`]), for GCM IVs other than 96
//!   bits, which aws-lc-rs's AEAD API does not take.
//!
//! # The FIPS-module entry points
//!
//! These functions are declared `OPENSSL_EXPORT` in
//! `aws-lc/crypto/fipsmodule/ml_kem/ml_kem.h` and `ml_dsa/ml_dsa.h` (AWS-LC's ACVP harness calls
//! them), but they are not in AWS-LC's public `include/openssl` headers, so aws-lc-sys generates
//! no bindings for them and aws-lc-rs does not wrap them. We declare them here ourselves.
//!
//! aws-lc-sys builds AWS-LC with every symbol renamed to carry a version prefix
//! (`aws_lc_0_47_0_`, see `generated-include/openssl/boringssl_prefix_symbols.h`), so the
//! `link_name`s below name the prefixed symbols. That prefix changes with every aws-lc-sys
//! release, which is why `Cargo.toml` pins `aws-lc-sys = "=0.47.0"` (and `aws-lc-rs = "=1.19.0"`,
//! which selects it) exactly: a different version would fail to link rather than silently bind
//! to something else. (Building aws-lc-sys with `AWS_LC_SYS_NO_PREFIX` or the FIPS crate would
//! change the prefix as well; neither is used here.)
//!
//! Return conventions differ between the two families: the `ml_kem_*` functions return **0 on
//! success** and 1 on failure, the `ml_dsa_*` functions return **1 on success** and 0 on failure.

use std::ffi::{c_int, c_void};
use std::ptr;

use aws_lc_sys::{EVP_CIPHER, EVP_CIPHER_CTX};
use zeroize::Zeroizing;

use crate::crypto::{KemAlgorithm, SignatureAlgorithm};

/// `ML_KEM_SUCCESS` in `ml_kem.h`.
const ML_KEM_SUCCESS: c_int = 0;
/// `ML_DSA_SUCCESS` in `ml_dsa.h`.
const ML_DSA_SUCCESS: c_int = 1;

/// `ml_kem_*_keypair_deterministic(public_key, public_len, secret_key, secret_len, seed)`:
/// `seed` is d ‖ z (64 bytes); the lengths are in/out (capacity in, bytes written out).
type KemKeypairFn =
    unsafe extern "C" fn(*mut u8, *mut usize, *mut u8, *mut usize, *const u8) -> c_int;
/// `ml_kem_*_encapsulate_deterministic(ciphertext, ciphertext_len, shared_secret,
/// shared_secret_len, public_key, seed)`: `seed` is m (32 bytes); lengths are in/out.
type KemEncapsFn =
    unsafe extern "C" fn(*mut u8, *mut usize, *mut u8, *mut usize, *const u8, *const u8) -> c_int;
/// `ml_kem_*_decapsulate(shared_secret, shared_secret_len, ciphertext, secret_key)`.
#[cfg(test)]
type KemDecapsFn = unsafe extern "C" fn(*mut u8, *mut usize, *const u8, *const u8) -> c_int;
/// `ml_kem_*_check_pk(public_key, len)` / `ml_kem_*_check_sk(secret_key, len)`.
type KemCheckFn = unsafe extern "C" fn(*const u8, usize) -> c_int;

/// `ml_dsa_*_sign_internal` / `ml_dsa_extmu_*_sign_internal(private_key, sig, sig_len,
/// message_or_mu, len, pre, pre_len, rnd)`: `sig` must hold the full signature (no capacity
/// is passed), `sig_len` is out only, `rnd` is 32 bytes.
type DsaSignFn = unsafe extern "C" fn(
    *const u8,
    *mut u8,
    *mut usize,
    *const u8,
    usize,
    *const u8,
    usize,
    *const u8,
) -> c_int;
/// `ml_dsa_*_verify_internal` / `ml_dsa_extmu_*_verify_internal(public_key, sig, sig_len,
/// message_or_mu, len, pre, pre_len)`.
type DsaVerifyFn =
    unsafe extern "C" fn(*const u8, *const u8, usize, *const u8, usize, *const u8, usize) -> c_int;
/// `ml_dsa_*_keypair_internal(public_key, private_key, seed)` (ξ, 32 bytes).
#[cfg(test)]
type DsaKeypairFn = unsafe extern "C" fn(*mut u8, *mut u8, *const u8) -> c_int;

/// The symbol name of an AWS-LC function in aws-lc-sys 0.47.0's static library.
macro_rules! aws_lc_symbol {
    ($name:ident) => {
        concat!("aws_lc_0_47_0_", stringify!($name))
    };
}

/// One ML-KEM parameter set's entry points.
pub(super) struct MlKem {
    algorithm: KemAlgorithm,
    keypair_deterministic: KemKeypairFn,
    encapsulate_deterministic: KemEncapsFn,
    check_pk: KemCheckFn,
    check_sk: KemCheckFn,
}

/// One ML-DSA parameter set's entry points.
pub(super) struct MlDsa {
    algorithm: SignatureAlgorithm,
    sign_internal: DsaSignFn,
    extmu_sign_internal: DsaSignFn,
    verify_internal: DsaVerifyFn,
    extmu_verify_internal: DsaVerifyFn,
}

macro_rules! ml_kem_entry_points {
    ($table:ident = $algorithm:ident: $keypair:ident, $encaps:ident, $check_pk:ident, $check_sk:ident) => {
        extern "C" {
            #[link_name = aws_lc_symbol!($keypair)]
            fn $keypair(
                public_key: *mut u8,
                public_len: *mut usize,
                secret_key: *mut u8,
                secret_len: *mut usize,
                seed: *const u8,
            ) -> c_int;
            #[link_name = aws_lc_symbol!($encaps)]
            fn $encaps(
                ciphertext: *mut u8,
                ciphertext_len: *mut usize,
                shared_secret: *mut u8,
                shared_secret_len: *mut usize,
                public_key: *const u8,
                seed: *const u8,
            ) -> c_int;
            #[link_name = aws_lc_symbol!($check_pk)]
            fn $check_pk(public_key: *const u8, public_key_len: usize) -> c_int;
            #[link_name = aws_lc_symbol!($check_sk)]
            fn $check_sk(secret_key: *const u8, secret_key_len: usize) -> c_int;
        }
        pub(super) static $table: MlKem = MlKem {
            algorithm: KemAlgorithm::$algorithm,
            keypair_deterministic: $keypair,
            encapsulate_deterministic: $encaps,
            check_pk: $check_pk,
            check_sk: $check_sk,
        };
    };
}

macro_rules! ml_dsa_entry_points {
    ($table:ident = $algorithm:ident: $sign:ident, $extmu_sign:ident, $verify:ident, $extmu_verify:ident) => {
        extern "C" {
            #[link_name = aws_lc_symbol!($sign)]
            fn $sign(
                private_key: *const u8,
                sig: *mut u8,
                sig_len: *mut usize,
                message: *const u8,
                message_len: usize,
                pre: *const u8,
                pre_len: usize,
                rnd: *const u8,
            ) -> c_int;
            #[link_name = aws_lc_symbol!($extmu_sign)]
            fn $extmu_sign(
                private_key: *const u8,
                sig: *mut u8,
                sig_len: *mut usize,
                mu: *const u8,
                mu_len: usize,
                pre: *const u8,
                pre_len: usize,
                rnd: *const u8,
            ) -> c_int;
            #[link_name = aws_lc_symbol!($verify)]
            fn $verify(
                public_key: *const u8,
                sig: *const u8,
                sig_len: usize,
                message: *const u8,
                message_len: usize,
                pre: *const u8,
                pre_len: usize,
            ) -> c_int;
            #[link_name = aws_lc_symbol!($extmu_verify)]
            fn $extmu_verify(
                public_key: *const u8,
                sig: *const u8,
                sig_len: usize,
                mu: *const u8,
                mu_len: usize,
                pre: *const u8,
                pre_len: usize,
            ) -> c_int;
        }
        pub(super) static $table: MlDsa = MlDsa {
            algorithm: SignatureAlgorithm::$algorithm,
            sign_internal: $sign,
            extmu_sign_internal: $extmu_sign,
            verify_internal: $verify,
            extmu_verify_internal: $extmu_verify,
        };
    };
}

ml_kem_entry_points!(ML_KEM_512 = MlKem512: ml_kem_512_keypair_deterministic,
    ml_kem_512_encapsulate_deterministic, ml_kem_512_check_pk, ml_kem_512_check_sk);
ml_kem_entry_points!(ML_KEM_768 = MlKem768: ml_kem_768_keypair_deterministic,
    ml_kem_768_encapsulate_deterministic, ml_kem_768_check_pk, ml_kem_768_check_sk);
ml_kem_entry_points!(ML_KEM_1024 = MlKem1024: ml_kem_1024_keypair_deterministic,
    ml_kem_1024_encapsulate_deterministic, ml_kem_1024_check_pk, ml_kem_1024_check_sk);

ml_dsa_entry_points!(ML_DSA_44 = MlDsa44: ml_dsa_44_sign_internal, ml_dsa_extmu_44_sign_internal,
    ml_dsa_44_verify_internal, ml_dsa_extmu_44_verify_internal);
ml_dsa_entry_points!(ML_DSA_65 = MlDsa65: ml_dsa_65_sign_internal, ml_dsa_extmu_65_sign_internal,
    ml_dsa_65_verify_internal, ml_dsa_extmu_65_verify_internal);
ml_dsa_entry_points!(ML_DSA_87 = MlDsa87: ml_dsa_87_sign_internal, ml_dsa_extmu_87_sign_internal,
    ml_dsa_87_verify_internal, ml_dsa_extmu_87_verify_internal);

/// Entry points only the tests call, to cross-check aws-lc-rs's paths against the FIPS
/// module's: `ml_kem_*_decapsulate` and `ml_dsa_*_keypair_internal`.
#[cfg(test)]
pub(super) mod test_only {
    use super::{DsaKeypairFn, KemDecapsFn, ML_DSA_SUCCESS, ML_KEM_SUCCESS};
    use crate::crypto::{KemAlgorithm, SignatureAlgorithm};
    use std::ffi::c_int;

    macro_rules! test_entry_points {
        ($( $decaps:ident / $keypair:ident; )+) => {
            extern "C" {
                $(
                    #[link_name = aws_lc_symbol!($decaps)]
                    fn $decaps(
                        shared_secret: *mut u8,
                        shared_secret_len: *mut usize,
                        ciphertext: *const u8,
                        secret_key: *const u8,
                    ) -> c_int;
                    #[link_name = aws_lc_symbol!($keypair)]
                    fn $keypair(
                        public_key: *mut u8,
                        private_key: *mut u8,
                        seed: *const u8,
                    ) -> c_int;
                )+
            }
            /// ML-KEM-512/768/1024 decapsulation.
            static KEM_DECAPSULATE: [KemDecapsFn; 3] = [$( $decaps, )+];
            /// ML-DSA-44/65/87 KeyGen_internal.
            static DSA_KEYPAIR_INTERNAL: [DsaKeypairFn; 3] = [$( $keypair, )+];
        };
    }

    test_entry_points! {
        ml_kem_512_decapsulate / ml_dsa_44_keypair_internal;
        ml_kem_768_decapsulate / ml_dsa_65_keypair_internal;
        ml_kem_1024_decapsulate / ml_dsa_87_keypair_internal;
    }

    /// ML-KEM.Decaps straight through the FIPS module; `None` for wrong lengths or a failure.
    pub(in super::super) fn decapsulate(
        algorithm: KemAlgorithm,
        dk: &[u8],
        ct: &[u8],
    ) -> Option<Vec<u8>> {
        let sizes = algorithm.sizes();
        if dk.len() != sizes.decapsulation_key || ct.len() != sizes.ciphertext {
            return None;
        }
        let index = KemAlgorithm::ALL.iter().position(|&a| a == algorithm)?;
        let mut ss = vec![0u8; sizes.shared_secret];
        let mut ss_len = ss.len();
        // SAFETY: `dk` and `ct` have the parameter set's lengths (checked above), which is what
        // the C code reads; `ss` is writable with its capacity passed.
        let rc = unsafe {
            KEM_DECAPSULATE[index](ss.as_mut_ptr(), &mut ss_len, ct.as_ptr(), dk.as_ptr())
        };
        (rc == ML_KEM_SUCCESS && ss_len == ss.len()).then_some(ss)
    }

    /// ML-DSA.KeyGen_internal(ξ) straight through the FIPS module: `(pk, sk)`.
    pub(in super::super) fn dsa_keypair_internal(
        algorithm: SignatureAlgorithm,
        seed: &[u8; 32],
    ) -> Option<(Vec<u8>, Vec<u8>)> {
        let index = [
            SignatureAlgorithm::MlDsa44,
            SignatureAlgorithm::MlDsa65,
            SignatureAlgorithm::MlDsa87,
        ]
        .iter()
        .position(|&a| a == algorithm)?;
        let sizes = algorithm.sizes();
        let mut pk = vec![0u8; sizes.public_key];
        let mut sk = vec![0u8; sizes.secret_key];
        // SAFETY: the buffers have the parameter set's sizes (asserted against ml_dsa.h at
        // compile time), which is what the C code writes; the seed is 32 bytes.
        let rc =
            unsafe { DSA_KEYPAIR_INTERNAL[index](pk.as_mut_ptr(), sk.as_mut_ptr(), seed.as_ptr()) };
        (rc == ML_DSA_SUCCESS).then_some((pk, sk))
    }
}

// The FFI calls below trust the registry's sizes for buffers the C code reads or writes without
// a length (the ML-KEM secret key and ciphertext, the ML-DSA keys and signature); these checks
// tie the registry to the constants of `ml_kem.h` / `ml_dsa.h` at compile time.
macro_rules! assert_sizes {
    ($( kem $kem:ident: ek $ek:literal, dk $dk:literal, ct $ct:literal; )+
     $( dsa $dsa:ident: pk $pk:literal, sk $sk:literal, sig $sig:literal; )+) => {
        $(
            const _: () = {
                let s = KemAlgorithm::$kem.sizes();
                assert!(s.encapsulation_key == $ek && s.decapsulation_key == $dk);
                assert!(s.ciphertext == $ct && s.shared_secret == 32);
            };
        )+
        $(
            const _: () = {
                let s = SignatureAlgorithm::$dsa.sizes();
                assert!(s.public_key == $pk && s.secret_key == $sk && s.signature == $sig);
                assert!(s.keygen_seed == super::ml_dsa::ML_DSA_SEED_LEN);
            };
        )+
    };
}

assert_sizes! {
    kem MlKem512: ek 800, dk 1632, ct 768;
    kem MlKem768: ek 1184, dk 2400, ct 1088;
    kem MlKem1024: ek 1568, dk 3168, ct 1568;
    dsa MlDsa44: pk 1312, sk 2560, sig 2420;
    dsa MlDsa65: pk 1952, sk 4032, sig 3309;
    dsa MlDsa87: pk 2592, sk 4896, sig 4627;
}

impl MlKem {
    /// The FIPS 203 §7.2 modulus check on an encapsulation key; `false` for a key of any length
    /// other than the parameter set's.
    pub(super) fn check_pk(&self, ek: &[u8]) -> bool {
        // SAFETY: `ek` is a live slice and we pass its exact length; `check_pk` reads at most
        // that many bytes (it rejects any length other than the parameter set's).
        unsafe { (self.check_pk)(ek.as_ptr(), ek.len()) == ML_KEM_SUCCESS }
    }

    /// The FIPS 203 §7.3 hash check on a decapsulation key; `false` for a key of any length
    /// other than the parameter set's.
    pub(super) fn check_sk(&self, dk: &[u8]) -> bool {
        // SAFETY: as for `check_pk`: a live slice with its exact length.
        unsafe { (self.check_sk)(dk.as_ptr(), dk.len()) == ML_KEM_SUCCESS }
    }

    /// ML-KEM.KeyGen_internal(d, z) with `seed` = d ‖ z: `(ek, dk)`, or `None` on a failure.
    pub(super) fn keypair_deterministic(
        &self,
        seed: &[u8; 64],
    ) -> Option<(Vec<u8>, Zeroizing<Vec<u8>>)> {
        let sizes = self.algorithm.sizes();
        let mut ek = vec![0u8; sizes.encapsulation_key];
        let mut dk = Zeroizing::new(vec![0u8; sizes.decapsulation_key]);
        let (mut ek_len, mut dk_len) = (ek.len(), dk.len());
        // SAFETY: the output buffers are live, writable and exactly `ek_len` / `dk_len` bytes
        // long, and the C code refuses to write unless the capacities it is given are at least
        // the parameter set's sizes; `seed` is the 64 bytes d ‖ z the function reads.
        let rc = unsafe {
            (self.keypair_deterministic)(
                ek.as_mut_ptr(),
                &mut ek_len,
                dk.as_mut_ptr(),
                &mut dk_len,
                seed.as_ptr(),
            )
        };
        (rc == ML_KEM_SUCCESS && ek_len == ek.len() && dk_len == dk.len()).then_some((ek, dk))
    }

    /// ML-KEM.Encaps_internal(ek, m): `(ciphertext, shared secret)`, or `None` for an
    /// encapsulation key of the wrong length or a failure (the modulus check included).
    pub(super) fn encapsulate_deterministic(
        &self,
        ek: &[u8],
        m: &[u8; 32],
    ) -> Option<(Vec<u8>, Zeroizing<Vec<u8>>)> {
        let sizes = self.algorithm.sizes();
        if ek.len() != sizes.encapsulation_key {
            return None;
        }
        let mut ciphertext = vec![0u8; sizes.ciphertext];
        let mut shared_secret = Zeroizing::new(vec![0u8; sizes.shared_secret]);
        let (mut ct_len, mut ss_len) = (ciphertext.len(), shared_secret.len());
        // SAFETY: the output buffers are live, writable and as long as the capacities passed
        // (checked by the C code against the parameter set's sizes); `ek` has the parameter
        // set's length (checked above, and the registry's sizes are asserted against ml_kem.h
        // at compile time) and `m` is the 32 bytes the function reads.
        let rc = unsafe {
            (self.encapsulate_deterministic)(
                ciphertext.as_mut_ptr(),
                &mut ct_len,
                shared_secret.as_mut_ptr(),
                &mut ss_len,
                ek.as_ptr(),
                m.as_ptr(),
            )
        };
        (rc == ML_KEM_SUCCESS && ct_len == ciphertext.len() && ss_len == shared_secret.len())
            .then_some((ciphertext, shared_secret))
    }
}

impl MlDsa {
    /// ML-DSA.Sign_internal (or its external-μ form) over `pre ‖ message` with randomness `rnd`;
    /// `None` for a secret key of the wrong length or a failure.
    pub(super) fn sign_internal(
        &self,
        external_mu: bool,
        secret_key: &[u8],
        message: &[u8],
        pre: &[u8],
        rnd: &[u8; 32],
    ) -> Option<Vec<u8>> {
        let sizes = self.algorithm.sizes();
        if secret_key.len() != sizes.secret_key {
            return None;
        }
        let sign = if external_mu {
            self.extmu_sign_internal
        } else {
            self.sign_internal
        };
        let mut signature = vec![0u8; sizes.signature];
        let mut sig_len = 0usize;
        // SAFETY: `secret_key` has the parameter set's secret-key length (checked above; the
        // registry's sizes are asserted against ml_dsa.h at compile time), which is what the C
        // code reads; `signature` is a writable buffer of exactly the signature length it
        // writes; the message (or μ) and `pre` are live slices passed with their lengths; `rnd`
        // is 32 bytes.
        let rc = unsafe {
            sign(
                secret_key.as_ptr(),
                signature.as_mut_ptr(),
                &mut sig_len,
                message.as_ptr(),
                message.len(),
                pre.as_ptr(),
                pre.len(),
                rnd.as_ptr(),
            )
        };
        (rc == ML_DSA_SUCCESS && sig_len == signature.len()).then_some(signature)
    }

    /// ML-DSA.Verify_internal (or its external-μ form); `false` for a public key of the wrong
    /// length or an invalid signature.
    pub(super) fn verify_internal(
        &self,
        external_mu: bool,
        public_key: &[u8],
        signature: &[u8],
        message: &[u8],
        pre: &[u8],
    ) -> bool {
        if public_key.len() != self.algorithm.sizes().public_key {
            return false;
        }
        let verify = if external_mu {
            self.extmu_verify_internal
        } else {
            self.verify_internal
        };
        // SAFETY: `public_key` has the parameter set's public-key length (checked above), which
        // is what the C code reads; every other pointer is a live slice passed with its length.
        let rc = unsafe {
            verify(
                public_key.as_ptr(),
                signature.as_ptr(),
                signature.len(),
                message.as_ptr(),
                message.len(),
                pre.as_ptr(),
                pre.len(),
            )
        };
        rc == ML_DSA_SUCCESS
    }
}

// ---------------------------------------------------------------------------------------------
// AES-GCM through the EVP interface
// ---------------------------------------------------------------------------------------------

/// The full GCM tag length, which the EVP path always produces and verifies.
const FULL_TAG_LEN: usize = 16;

/// AES-GCM with IVs of any non-zero length (SP 800-38D §5.2.1.1) through AWS-LC's EVP cipher
/// interface (`EVP_aes_*_gcm` with `EVP_CTRL_AEAD_SET_IVLEN`), producing and verifying full
/// 128-bit tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EvpAesGcm {
    Aes128,
    Aes192,
    Aes256,
}

/// An `EVP_CIPHER_CTX`, freed on drop.
struct CipherCtx(*mut EVP_CIPHER_CTX);

impl CipherCtx {
    fn new() -> Result<Self, ()> {
        // SAFETY: `EVP_CIPHER_CTX_new` takes no arguments and returns either a fresh context
        // owned by the caller or null on allocation failure, which is checked here.
        let ctx = unsafe { aws_lc_sys::EVP_CIPHER_CTX_new() };
        if ctx.is_null() {
            Err(())
        } else {
            Ok(Self(ctx))
        }
    }
}

impl Drop for CipherCtx {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from `EVP_CIPHER_CTX_new`, is non-null, is owned only by this
        // guard and is freed exactly once, here. Freeing also cleanses the key schedule.
        unsafe { aws_lc_sys::EVP_CIPHER_CTX_free(self.0) };
    }
}

/// `EVP_EncryptUpdate` or `EVP_DecryptUpdate`.
type UpdateFn =
    unsafe extern "C" fn(*mut EVP_CIPHER_CTX, *mut u8, *mut c_int, *const u8, c_int) -> c_int;

/// Passes associated data (no output) to `update` in `c_int`-sized chunks.
fn evp_aad(ctx: &CipherCtx, update: UpdateFn, aad: &[u8]) -> Result<(), ()> {
    for chunk in aad.chunks(c_int::MAX as usize) {
        let len = c_int::try_from(chunk.len()).map_err(|_| ())?;
        let mut out_len: c_int = 0;
        // SAFETY: `ctx.0` is a live context initialised for AES-GCM with key and IV; a null
        // output pointer makes `update` absorb `chunk` (valid for `len` bytes) as associated data;
        // `out_len` is a valid `c_int` to write.
        let ok = unsafe { update(ctx.0, ptr::null_mut(), &mut out_len, chunk.as_ptr(), len) };
        if ok != 1 {
            return Err(());
        }
    }
    Ok(())
}

/// Encrypts or decrypts `buffer` in place through `update` in `c_int`-sized chunks.
fn evp_text_in_place(ctx: &CipherCtx, update: UpdateFn, buffer: &mut [u8]) -> Result<(), ()> {
    for chunk in buffer.chunks_mut(c_int::MAX as usize) {
        let len = c_int::try_from(chunk.len()).map_err(|_| ())?;
        let mut out_len: c_int = 0;
        let p = chunk.as_mut_ptr();
        // SAFETY: `ctx.0` is a live AES-GCM context with key and IV set; `p` is valid for reads
        // and writes of `len` bytes, and AWS-LC allows input and output to alias exactly (GCM is
        // a stream mode, so no more than `len` bytes are written); `out_len` is a valid `c_int`.
        let ok = unsafe { update(ctx.0, p, &mut out_len, p.cast_const(), len) };
        if ok != 1 || out_len != len {
            return Err(());
        }
    }
    Ok(())
}

impl EvpAesGcm {
    fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 => 24,
            Self::Aes256 => 32,
        }
    }

    fn cipher(self) -> *const EVP_CIPHER {
        // SAFETY: `EVP_aes_*_gcm` take no arguments and return a static cipher table.
        unsafe {
            match self {
                Self::Aes128 => aws_lc_sys::EVP_aes_128_gcm(),
                Self::Aes192 => aws_lc_sys::EVP_aes_192_gcm(),
                Self::Aes256 => aws_lc_sys::EVP_aes_256_gcm(),
            }
        }
    }

    /// Creates an EVP GCM context for encryption (`encrypt`) or decryption with `key` and an IV
    /// of any non-zero length.
    fn context(self, key: &[u8], iv: &[u8], encrypt: bool) -> Result<CipherCtx, ()> {
        if key.len() != self.key_len() || iv.is_empty() {
            return Err(());
        }
        let iv_len = c_int::try_from(iv.len()).map_err(|_| ())?;
        let init = if encrypt {
            aws_lc_sys::EVP_EncryptInit_ex
        } else {
            aws_lc_sys::EVP_DecryptInit_ex
        };
        let ctx = CipherCtx::new()?;
        let cipher = self.cipher();
        if cipher.is_null() {
            return Err(());
        }
        // SAFETY: `ctx.0` is a live context; `cipher` is a static AES-GCM cipher; null engine,
        // key and IV just select the cipher, so the IV length can be set before the IV is given.
        if unsafe { init(ctx.0, cipher, ptr::null_mut(), ptr::null(), ptr::null()) } != 1 {
            return Err(());
        }
        // SAFETY: `ctx.0` has the GCM cipher selected; SET_IVLEN reads only `arg` (checked > 0)
        // and not `ptr`.
        let ok = unsafe {
            aws_lc_sys::EVP_CIPHER_CTX_ctrl(
                ctx.0,
                aws_lc_sys::EVP_CTRL_AEAD_SET_IVLEN as c_int,
                iv_len,
                ptr::null_mut(),
            )
        };
        if ok != 1 {
            return Err(());
        }
        // SAFETY: `ctx.0` has the cipher selected and the IV length set to `iv.len()`; `key` is
        // valid for the cipher's key length (checked above) and `iv` for `iv.len()` bytes; a null
        // cipher keeps the selected one. Both are copied into the context.
        if unsafe {
            init(
                ctx.0,
                ptr::null(),
                ptr::null_mut(),
                key.as_ptr(),
                iv.as_ptr(),
            )
        } != 1
        {
            return Err(());
        }
        Ok(ctx)
    }

    /// Encrypts `buffer` in place under an IV of any non-zero length and returns the full tag.
    pub(super) fn seal_in_place(
        self,
        key: &[u8],
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
    ) -> Result<[u8; FULL_TAG_LEN], ()> {
        let ctx = self.context(key, iv, true)?;
        evp_aad(&ctx, aws_lc_sys::EVP_EncryptUpdate, aad)?;
        evp_text_in_place(&ctx, aws_lc_sys::EVP_EncryptUpdate, buffer)?;
        let mut out_len: c_int = 0;
        let mut final_block = [0u8; 16];
        // SAFETY: `ctx.0` is a live encryption context; GCM's final step writes no output, but
        // `final_block` is a valid block-sized buffer anyway; `out_len` is a valid `c_int`.
        let ok = unsafe {
            aws_lc_sys::EVP_EncryptFinal_ex(ctx.0, final_block.as_mut_ptr(), &mut out_len)
        };
        if ok != 1 || out_len != 0 {
            return Err(());
        }
        let mut tag = [0u8; FULL_TAG_LEN];
        // SAFETY: `ctx.0` has finished encrypting; GET_TAG copies `arg` (16, the full tag) bytes
        // into `ptr`, which `tag` is valid for.
        let ok = unsafe {
            aws_lc_sys::EVP_CIPHER_CTX_ctrl(
                ctx.0,
                aws_lc_sys::EVP_CTRL_AEAD_GET_TAG as c_int,
                FULL_TAG_LEN as c_int,
                tag.as_mut_ptr().cast::<c_void>(),
            )
        };
        if ok != 1 {
            return Err(());
        }
        Ok(tag)
    }

    /// Decrypts `buffer` in place under an IV of any non-zero length and verifies the full
    /// `tag`. On `Err` the buffer holds unauthenticated bytes, which the caller must wipe and
    /// never release.
    pub(super) fn open_in_place(
        self,
        key: &[u8],
        iv: &[u8],
        aad: &[u8],
        buffer: &mut [u8],
        tag: &[u8; FULL_TAG_LEN],
    ) -> Result<(), ()> {
        let ctx = self.context(key, iv, false)?;
        let mut tag_copy = *tag;
        // SAFETY: `ctx.0` is a live decryption context; SET_TAG copies `arg` (16) bytes from
        // `ptr`, which `tag_copy` is valid for (it is not written to).
        let ok = unsafe {
            aws_lc_sys::EVP_CIPHER_CTX_ctrl(
                ctx.0,
                aws_lc_sys::EVP_CTRL_AEAD_SET_TAG as c_int,
                FULL_TAG_LEN as c_int,
                tag_copy.as_mut_ptr().cast::<c_void>(),
            )
        };
        if ok != 1 {
            return Err(());
        }
        evp_aad(&ctx, aws_lc_sys::EVP_DecryptUpdate, aad)?;
        evp_text_in_place(&ctx, aws_lc_sys::EVP_DecryptUpdate, buffer)?;
        let mut out_len: c_int = 0;
        let mut final_block = [0u8; 16];
        // SAFETY: `ctx.0` is a live decryption context with the expected tag set; GCM's final
        // step writes no output, but `final_block` is a valid block-sized buffer anyway;
        // `out_len` is a valid `c_int`. It returns 0 if the tag does not verify.
        let ok = unsafe {
            aws_lc_sys::EVP_DecryptFinal_ex(ctx.0, final_block.as_mut_ptr(), &mut out_len)
        };
        if ok != 1 || out_len != 0 {
            return Err(());
        }
        Ok(())
    }
}
