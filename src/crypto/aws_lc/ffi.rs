//! Direct bindings to the AWS-LC FIPS module's ML-KEM / ML-DSA entry points.
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

use std::ffi::c_int;

use crate::crypto::{KemAlgorithm, SignatureAlgorithm};

/// `ML_KEM_SUCCESS` in `ml_kem.h`.
pub(crate) const ML_KEM_SUCCESS: c_int = 0;
/// `ML_DSA_SUCCESS` in `ml_dsa.h`.
pub(crate) const ML_DSA_SUCCESS: c_int = 1;

/// `ml_kem_*_keypair_deterministic(public_key, public_len, secret_key, secret_len, seed)`:
/// `seed` is d ‖ z (64 bytes); the lengths are in/out (capacity in, bytes written out).
pub(crate) type KemKeypairFn =
    unsafe extern "C" fn(*mut u8, *mut usize, *mut u8, *mut usize, *const u8) -> c_int;
/// `ml_kem_*_encapsulate_deterministic(ciphertext, ciphertext_len, shared_secret,
/// shared_secret_len, public_key, seed)`: `seed` is m (32 bytes); lengths are in/out.
pub(crate) type KemEncapsFn =
    unsafe extern "C" fn(*mut u8, *mut usize, *mut u8, *mut usize, *const u8, *const u8) -> c_int;
/// `ml_kem_*_decapsulate(shared_secret, shared_secret_len, ciphertext, secret_key)`.
#[cfg(test)]
pub(crate) type KemDecapsFn =
    unsafe extern "C" fn(*mut u8, *mut usize, *const u8, *const u8) -> c_int;
/// `ml_kem_*_check_pk(public_key, len)` / `ml_kem_*_check_sk(secret_key, len)`.
pub(crate) type KemCheckFn = unsafe extern "C" fn(*const u8, usize) -> c_int;

/// `ml_dsa_*_sign_internal` / `ml_dsa_extmu_*_sign_internal(private_key, sig, sig_len,
/// message_or_mu, len, pre, pre_len, rnd)`: `sig` must hold the full signature (no capacity
/// is passed), `sig_len` is out only, `rnd` is 32 bytes.
pub(crate) type DsaSignFn = unsafe extern "C" fn(
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
pub(crate) type DsaVerifyFn =
    unsafe extern "C" fn(*const u8, *const u8, usize, *const u8, usize, *const u8, usize) -> c_int;
/// `ml_dsa_*_keypair_internal(public_key, private_key, seed)` (ξ, 32 bytes).
#[cfg(test)]
pub(crate) type DsaKeypairFn = unsafe extern "C" fn(*mut u8, *mut u8, *const u8) -> c_int;

/// The symbol name of an AWS-LC function in aws-lc-sys 0.47.0's static library.
macro_rules! aws_lc_symbol {
    ($name:ident) => {
        concat!("aws_lc_0_47_0_", stringify!($name))
    };
}

/// One ML-KEM parameter set's entry points.
pub(crate) struct MlKem {
    pub(crate) keypair_deterministic: KemKeypairFn,
    pub(crate) encapsulate_deterministic: KemEncapsFn,
    pub(crate) check_pk: KemCheckFn,
    pub(crate) check_sk: KemCheckFn,
}

/// One ML-DSA parameter set's entry points.
pub(crate) struct MlDsa {
    pub(crate) sign_internal: DsaSignFn,
    pub(crate) extmu_sign_internal: DsaSignFn,
    pub(crate) verify_internal: DsaVerifyFn,
    pub(crate) extmu_verify_internal: DsaVerifyFn,
}

macro_rules! ml_kem_entry_points {
    ($table:ident: $keypair:ident, $encaps:ident, $check_pk:ident, $check_sk:ident) => {
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
        pub(crate) static $table: MlKem = MlKem {
            keypair_deterministic: $keypair,
            encapsulate_deterministic: $encaps,
            check_pk: $check_pk,
            check_sk: $check_sk,
        };
    };
}

macro_rules! ml_dsa_entry_points {
    ($table:ident: $sign:ident, $extmu_sign:ident, $verify:ident, $extmu_verify:ident) => {
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
        pub(crate) static $table: MlDsa = MlDsa {
            sign_internal: $sign,
            extmu_sign_internal: $extmu_sign,
            verify_internal: $verify,
            extmu_verify_internal: $extmu_verify,
        };
    };
}

ml_kem_entry_points!(ML_KEM_512: ml_kem_512_keypair_deterministic,
    ml_kem_512_encapsulate_deterministic, ml_kem_512_check_pk, ml_kem_512_check_sk);
ml_kem_entry_points!(ML_KEM_768: ml_kem_768_keypair_deterministic,
    ml_kem_768_encapsulate_deterministic, ml_kem_768_check_pk, ml_kem_768_check_sk);
ml_kem_entry_points!(ML_KEM_1024: ml_kem_1024_keypair_deterministic,
    ml_kem_1024_encapsulate_deterministic, ml_kem_1024_check_pk, ml_kem_1024_check_sk);

ml_dsa_entry_points!(ML_DSA_44: ml_dsa_44_sign_internal, ml_dsa_extmu_44_sign_internal,
    ml_dsa_44_verify_internal, ml_dsa_extmu_44_verify_internal);
ml_dsa_entry_points!(ML_DSA_65: ml_dsa_65_sign_internal, ml_dsa_extmu_65_sign_internal,
    ml_dsa_65_verify_internal, ml_dsa_extmu_65_verify_internal);
ml_dsa_entry_points!(ML_DSA_87: ml_dsa_87_sign_internal, ml_dsa_extmu_87_sign_internal,
    ml_dsa_87_verify_internal, ml_dsa_extmu_87_verify_internal);

/// Entry points only the tests call, to cross-check aws-lc-rs's paths against the FIPS
/// module's: `(ml_kem_*_decapsulate, ml_dsa_*_keypair_internal)` per parameter set.
#[cfg(test)]
pub(crate) mod test_only {
    use super::{DsaKeypairFn, KemDecapsFn};
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
            pub(crate) static KEM_DECAPSULATE: [KemDecapsFn; 3] = [$( $decaps, )+];
            /// ML-DSA-44/65/87 KeyGen_internal.
            pub(crate) static DSA_KEYPAIR_INTERNAL: [DsaKeypairFn; 3] = [$( $keypair, )+];
        };
    }

    test_entry_points! {
        ml_kem_512_decapsulate / ml_dsa_44_keypair_internal;
        ml_kem_768_decapsulate / ml_dsa_65_keypair_internal;
        ml_kem_1024_decapsulate / ml_dsa_87_keypair_internal;
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
