//! The `aws-lc` provider: ML-KEM (FIPS 203) and ML-DSA (FIPS 204) from AWS-LC, through
//! aws-lc-rs 1.19.0 and aws-lc-sys 0.47.0. AWS-LC has neither SLH-DSA nor FN-DSA, so this
//! provider offers no implementation of them.
//!
//! # Which path each operation takes
//!
//! aws-lc-rs's public API is used wherever it offers the operation:
//!
//! | operation | path |
//! | --- | --- |
//! | ML-KEM decapsulation (after our §7.3 checks) | `aws_lc_rs::kem::DecapsulationKey::new` + `decapsulate` |
//! | ML-KEM random encapsulation (after our §7.2 check) | `aws_lc_rs::kem::EncapsulationKey::new` + `encapsulate` |
//! | ML-KEM random key generation | `aws_lc_rs::kem::DecapsulationKey::generate` |
//! | ML-DSA key generation from ξ | `aws_lc_rs::signature::PqdsaKeyPair::from_seed` |
//! | ML-DSA random key generation | `PqdsaKeyPair::generate` |
//! | ML-DSA pure verification, empty context | `aws_lc_rs::signature::ML_DSA_*` verifier |
//!
//! The deterministic entry points that the standards' vectors need are not in aws-lc-rs's API:
//! ML-KEM.KeyGen_internal(d, z), ML-KEM.Encaps_internal(ek, m), the §7.2/§7.3 input checks on
//! their own, and ML-DSA.Sign_internal with a caller-chosen `rnd` (and with a context string, the
//! internal interface or external μ), plus verification with a non-empty context, the internal
//! interface or external μ. Those come straight from the AWS-LC FIPS module, which exports them
//! for its own ACVP harness (see the `ffi` module).
//!
//! All ML-DSA signing, including the trait's default `sign_random`, goes through
//! `ml_dsa_*_sign_internal`: aws-lc-rs's `PqdsaKeyPair::sign` draws `rnd` itself and takes no
//! context. The FIPS signing function signs with any bytes of the right length, so every signing
//! call first imports the expanded key through aws-lc-rs (`from_raw_private_key`), which decodes
//! it the way FIPS 204 skDecode requires (coefficients of s1, s2 within [−η, η]) and checks that
//! `tr` matches its public part; a key it rejects is never used.

use std::mem;

use aws_lc_rs::encoding::AsRawBytes;
use aws_lc_rs::kem;
use aws_lc_rs::signature::{
    KeyPair, PqdsaKeyPair, PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm, VerificationAlgorithm,
};
use zeroize::Zeroizing;

use crate::crypto::{
    expect_len, Encapsulation, Kem, KemAlgorithm, KemKeyPair, PqcError, Provider, SecretBytes,
    Signature, SignatureAlgorithm, SignatureKeyPair, SignedMessage, SigningRandomness,
};

pub mod aead;
pub mod kdf;

const PROVIDER_NAME: &str = "aws-lc";

/// The aws-lc provider: ML-KEM-512/768/1024 and ML-DSA-44/65/87.
pub static PROVIDER: Provider = Provider {
    name: PROVIDER_NAME,
    description: "aws-lc-rs 1.19.0 / aws-lc-sys 0.47.0 (AWS-LC FIPS module: mlkem-native \
                  ML-KEM, mldsa-native ML-DSA); aws-lc-rs hkdf (HKDF-Expand) + hmac (HKDF-Extract); \
                  aws-lc-rs aead (AES-128/192/256-GCM, ChaCha20-Poly1305)",
    kems: &[&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024],
    signatures: &[&ML_DSA_44, &ML_DSA_65, &ML_DSA_87],
    aeads: aead::AEADS,
    kdfs: kdf::KDFS,
};

fn backend(operation: &'static str) -> PqcError {
    PqcError::Backend {
        provider: PROVIDER_NAME,
        operation,
    }
}

/// Direct bindings to the AWS-LC FIPS module's ML-KEM / ML-DSA entry points.
///
/// These functions are declared `OPENSSL_EXPORT` in
/// `aws-lc/crypto/fipsmodule/ml_kem/ml_kem.h` and `ml_dsa/ml_dsa.h` (AWS-LC's ACVP harness calls
/// them), but they are not in AWS-LC's public `include/openssl` headers, so aws-lc-sys generates
/// no bindings for them and aws-lc-rs does not wrap them. We declare them here ourselves.
///
/// aws-lc-sys builds AWS-LC with every symbol renamed to carry a version prefix
/// (`aws_lc_0_47_0_`, see `generated-include/openssl/boringssl_prefix_symbols.h`), so the
/// `link_name`s below name the prefixed symbols. That prefix changes with every aws-lc-sys
/// release, which is why `Cargo.toml` pins `aws-lc-sys = "=0.47.0"` (and `aws-lc-rs = "=1.19.0"`,
/// which selects it) exactly: a different version would fail to link rather than silently bind
/// to something else. (Building aws-lc-sys with `AWS_LC_SYS_NO_PREFIX` or the FIPS crate would
/// change the prefix as well; neither is used here.)
///
/// Return conventions differ between the two families: the `ml_kem_*` functions return **0 on
/// success** and 1 on failure, the `ml_dsa_*` functions return **1 on success** and 0 on failure.
mod ffi {
    use std::ffi::c_int;

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
    pub(crate) type KemEncapsFn = unsafe extern "C" fn(
        *mut u8,
        *mut usize,
        *mut u8,
        *mut usize,
        *const u8,
        *const u8,
    ) -> c_int;
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
    pub(crate) type DsaVerifyFn = unsafe extern "C" fn(
        *const u8,
        *const u8,
        usize,
        *const u8,
        usize,
        *const u8,
        usize,
    ) -> c_int;
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
                assert!(s.keygen_seed == ML_DSA_SEED_LEN);
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

// ---------------------------------------------------------------------------------------------
// ML-KEM
// ---------------------------------------------------------------------------------------------

/// One ML-KEM parameter set: its registry entry, the FIPS-module entry points and the
/// aws-lc-rs algorithm.
struct AwsLcMlKem {
    algorithm: KemAlgorithm,
    fips: &'static ffi::MlKem,
    public_api: &'static kem::Algorithm<kem::AlgorithmId>,
}

static ML_KEM_512: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem512,
    fips: &ffi::ML_KEM_512,
    public_api: &kem::ML_KEM_512,
};
static ML_KEM_768: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem768,
    fips: &ffi::ML_KEM_768,
    public_api: &kem::ML_KEM_768,
};
static ML_KEM_1024: AwsLcMlKem = AwsLcMlKem {
    algorithm: KemAlgorithm::MlKem1024,
    fips: &ffi::ML_KEM_1024,
    public_api: &kem::ML_KEM_1024,
};

impl AwsLcMlKem {
    fn check_ek_len(&self, ek: &[u8]) -> Result<(), PqcError> {
        expect_len(
            "encapsulation key",
            ek,
            self.algorithm.sizes().encapsulation_key,
        )
    }

    fn check_dk_len(&self, dk: &[u8]) -> Result<(), PqcError> {
        expect_len(
            "decapsulation key",
            dk,
            self.algorithm.sizes().decapsulation_key,
        )
    }

    /// The §7.2 modulus check on an encapsulation key whose length is already checked.
    fn modulus_check(&self, ek: &[u8]) -> Result<(), PqcError> {
        // SAFETY: `ek` is a live slice and we pass its exact length; `check_pk` reads at most
        // that many bytes (it rejects any length other than the parameter set's).
        let rc = unsafe { (self.fips.check_pk)(ek.as_ptr(), ek.len()) };
        if rc == ffi::ML_KEM_SUCCESS {
            Ok(())
        } else {
            Err(PqcError::InvalidEncapsulationKey)
        }
    }

    /// The §7.3 hash check on a decapsulation key whose length is already checked.
    fn hash_check(&self, dk: &[u8]) -> Result<(), PqcError> {
        // SAFETY: as for `modulus_check`: a live slice with its exact length.
        let rc = unsafe { (self.fips.check_sk)(dk.as_ptr(), dk.len()) };
        if rc == ffi::ML_KEM_SUCCESS {
            Ok(())
        } else {
            Err(PqcError::InvalidDecapsulationKey)
        }
    }
}

impl Kem for AwsLcMlKem {
    fn algorithm(&self) -> KemAlgorithm {
        self.algorithm
    }

    fn generate_deterministic(&self, d: &[u8; 32], z: &[u8; 32]) -> Result<KemKeyPair, PqcError> {
        let sizes = self.algorithm.sizes();
        let mut seed = Zeroizing::new([0u8; 64]);
        let (seed_d, seed_z) = seed.split_at_mut(32);
        seed_d.copy_from_slice(d);
        seed_z.copy_from_slice(z);
        let mut ek = vec![0u8; sizes.encapsulation_key];
        let mut dk = Zeroizing::new(vec![0u8; sizes.decapsulation_key]);
        let (mut ek_len, mut dk_len) = (ek.len(), dk.len());
        // SAFETY: the output buffers are live, writable and exactly `ek_len` / `dk_len` bytes
        // long, and the C code refuses to write unless the capacities it is given are at least
        // the parameter set's sizes; `seed` is the 64 bytes d ‖ z the function reads.
        let rc = unsafe {
            (self.fips.keypair_deterministic)(
                ek.as_mut_ptr(),
                &mut ek_len,
                dk.as_mut_ptr(),
                &mut dk_len,
                seed.as_ptr(),
            )
        };
        if rc != ffi::ML_KEM_SUCCESS || ek_len != ek.len() || dk_len != dk.len() {
            return Err(backend("ML-KEM.KeyGen_internal"));
        }
        Ok(KemKeyPair {
            encapsulation_key: ek,
            decapsulation_key: SecretBytes::new(mem::take(&mut *dk)),
        })
    }

    fn encapsulate_deterministic(
        &self,
        encapsulation_key: &[u8],
        m: &[u8; 32],
    ) -> Result<Encapsulation, PqcError> {
        self.check_ek_len(encapsulation_key)?;
        // mlkem-native repeats this check inside encapsulation, but reports its failure only as
        // a generic error; checking first gives the caller the specific one.
        self.modulus_check(encapsulation_key)?;
        let sizes = self.algorithm.sizes();
        let mut ciphertext = vec![0u8; sizes.ciphertext];
        let mut shared_secret = Zeroizing::new(vec![0u8; sizes.shared_secret]);
        let (mut ct_len, mut ss_len) = (ciphertext.len(), shared_secret.len());
        // SAFETY: the output buffers are live, writable and as long as the capacities passed
        // (checked by the C code against the parameter set's sizes); `encapsulation_key` has
        // the parameter set's length (checked above, and the registry's sizes are asserted
        // against ml_kem.h at compile time) and `m` is the 32 bytes the function reads.
        let rc = unsafe {
            (self.fips.encapsulate_deterministic)(
                ciphertext.as_mut_ptr(),
                &mut ct_len,
                shared_secret.as_mut_ptr(),
                &mut ss_len,
                encapsulation_key.as_ptr(),
                m.as_ptr(),
            )
        };
        if rc != ffi::ML_KEM_SUCCESS || ct_len != ciphertext.len() || ss_len != shared_secret.len()
        {
            return Err(backend("ML-KEM.Encaps_internal"));
        }
        Ok(Encapsulation {
            ciphertext,
            shared_secret: SecretBytes::new(mem::take(&mut *shared_secret)),
        })
    }

    fn decapsulate(
        &self,
        decapsulation_key: &[u8],
        ciphertext: &[u8],
    ) -> Result<SecretBytes, PqcError> {
        expect_len("ciphertext", ciphertext, self.algorithm.sizes().ciphertext)?;
        self.check_dk_len(decapsulation_key)?;
        self.hash_check(decapsulation_key)?;
        let key = kem::DecapsulationKey::new(self.public_api, decapsulation_key)
            .map_err(|_| backend("ML-KEM decapsulation key import"))?;
        let secret = key
            .decapsulate(kem::Ciphertext::from(ciphertext))
            .map_err(|_| backend("ML-KEM.Decaps"))?;
        Ok(SecretBytes::from(secret.as_ref()))
    }

    fn check_encapsulation_key(&self, encapsulation_key: &[u8]) -> Result<(), PqcError> {
        self.check_ek_len(encapsulation_key)?;
        self.modulus_check(encapsulation_key)
    }

    fn check_decapsulation_key(&self, decapsulation_key: &[u8]) -> Result<(), PqcError> {
        self.check_dk_len(decapsulation_key)?;
        self.hash_check(decapsulation_key)
    }

    fn generate(&self) -> Result<KemKeyPair, PqcError> {
        let key = kem::DecapsulationKey::generate(self.public_api)
            .map_err(|_| backend("ML-KEM.KeyGen"))?;
        let ek = key
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| backend("ML-KEM encapsulation key export"))?;
        let dk = key
            .key_bytes()
            .map_err(|_| backend("ML-KEM decapsulation key export"))?;
        let pair = KemKeyPair {
            encapsulation_key: ek.as_ref().to_vec(),
            decapsulation_key: SecretBytes::from(dk.as_ref()),
        };
        let sizes = self.algorithm.sizes();
        if pair.encapsulation_key.len() != sizes.encapsulation_key
            || pair.decapsulation_key.len() != sizes.decapsulation_key
        {
            return Err(backend("ML-KEM.KeyGen"));
        }
        Ok(pair)
    }

    fn encapsulate(&self, encapsulation_key: &[u8]) -> Result<Encapsulation, PqcError> {
        self.check_ek_len(encapsulation_key)?;
        self.modulus_check(encapsulation_key)?;
        let key = kem::EncapsulationKey::new(self.public_api, encapsulation_key)
            .map_err(|_| backend("ML-KEM encapsulation key import"))?;
        let (ciphertext, secret) = key.encapsulate().map_err(|_| backend("ML-KEM.Encaps"))?;
        let sizes = self.algorithm.sizes();
        if ciphertext.as_ref().len() != sizes.ciphertext
            || secret.as_ref().len() != sizes.shared_secret
        {
            return Err(backend("ML-KEM.Encaps"));
        }
        Ok(Encapsulation {
            ciphertext: ciphertext.as_ref().to_vec(),
            shared_secret: SecretBytes::from(secret.as_ref()),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ML-DSA
// ---------------------------------------------------------------------------------------------

const ML_DSA_SEED_LEN: usize = 32;
const ML_DSA_RND_LEN: usize = 32;
const ML_DSA_MU_LEN: usize = 64;
/// rnd for the deterministic variant (FIPS 204 Algorithm 2 line 5, deterministic branch).
const ZERO_RND: [u8; ML_DSA_RND_LEN] = [0; ML_DSA_RND_LEN];

/// One ML-DSA parameter set: its registry entry, the FIPS-module entry points and the
/// aws-lc-rs algorithms.
struct AwsLcMlDsa {
    algorithm: SignatureAlgorithm,
    fips: &'static ffi::MlDsa,
    signing: &'static PqdsaSigningAlgorithm,
    verification: &'static PqdsaVerificationAlgorithm,
}

static ML_DSA_44: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa44,
    fips: &ffi::ML_DSA_44,
    signing: &aws_lc_rs::signature::ML_DSA_44_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_44,
};
static ML_DSA_65: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa65,
    fips: &ffi::ML_DSA_65,
    signing: &aws_lc_rs::signature::ML_DSA_65_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_65,
};
static ML_DSA_87: AwsLcMlDsa = AwsLcMlDsa {
    algorithm: SignatureAlgorithm::MlDsa87,
    fips: &ffi::ML_DSA_87,
    signing: &aws_lc_rs::signature::ML_DSA_87_SIGNING,
    verification: &aws_lc_rs::signature::ML_DSA_87,
};

/// What the FIPS-module internal functions take for one [`SignedMessage`]: the entry-point kind,
/// the message (or μ), and the `pre` prefix hashed in front of it.
struct InternalInput<'a> {
    external_mu: bool,
    message: &'a [u8],
    pre: Vec<u8>,
}

impl<'a> InternalInput<'a> {
    fn new(message: SignedMessage<'a>) -> Result<Self, PqcError> {
        Ok(match message {
            // M' = 0 ‖ |ctx| ‖ ctx ‖ M, with 0 ‖ |ctx| ‖ ctx passed as `pre`.
            SignedMessage::Pure { message, context } => {
                let len = u8::try_from(context.len())
                    .map_err(|_| PqcError::ContextTooLong(context.len()))?;
                let mut pre = Vec::with_capacity(2 + context.len());
                pre.extend_from_slice(&[0, len]);
                pre.extend_from_slice(context);
                Self {
                    external_mu: false,
                    message,
                    pre,
                }
            }
            SignedMessage::Internal(m) => Self {
                external_mu: false,
                message: m,
                pre: Vec::new(),
            },
            SignedMessage::ExternalMu(mu) => {
                expect_len("external mu", mu, ML_DSA_MU_LEN)?;
                Self {
                    external_mu: true,
                    message: mu,
                    pre: Vec::new(),
                }
            }
        })
    }
}

impl AwsLcMlDsa {
    /// Exports an aws-lc-rs key pair as (pk, expanded sk), checking the registry's sizes.
    fn export(&self, pair: &PqdsaKeyPair) -> Result<SignatureKeyPair, PqcError> {
        let sizes = self.algorithm.sizes();
        let public_key = pair.public_key().as_ref().to_vec();
        let raw = pair
            .private_key()
            .as_raw_bytes()
            .map_err(|_| backend("ML-DSA secret key export"))?;
        let secret_key = SecretBytes::from(raw.as_ref());
        if public_key.len() != sizes.public_key || secret_key.len() != sizes.secret_key {
            return Err(backend("ML-DSA key export"));
        }
        Ok(SignatureKeyPair {
            public_key,
            secret_key,
        })
    }

    fn check_pk_len(&self, pk: &[u8]) -> Result<(), PqcError> {
        expect_len("public key", pk, self.algorithm.sizes().public_key)
    }

    fn check_sk_len(&self, sk: &[u8]) -> Result<(), PqcError> {
        expect_len("secret key", sk, self.algorithm.sizes().secret_key)
    }
}

impl Signature for AwsLcMlDsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn generate_from_seed(&self, seed: &[u8]) -> Result<SignatureKeyPair, PqcError> {
        expect_len("seed", seed, self.algorithm.sizes().keygen_seed)?;
        let pair = PqdsaKeyPair::from_seed(self.signing, seed)
            .map_err(|_| backend("ML-DSA.KeyGen_internal"))?;
        self.export(&pair)
    }

    fn sign(
        &self,
        secret_key: &[u8],
        message: SignedMessage<'_>,
        randomness: SigningRandomness<'_>,
    ) -> Result<Vec<u8>, PqcError> {
        self.check_sk_len(secret_key)?;
        PqdsaKeyPair::from_raw_private_key(self.signing, secret_key).map_err(|_| {
            PqcError::Malformed("ML-DSA secret key (rejected by aws-lc's key import)")
        })?;
        let rnd: &[u8; ML_DSA_RND_LEN] = match randomness {
            SigningRandomness::Deterministic => &ZERO_RND,
            SigningRandomness::Hedged(rnd) => {
                rnd.try_into().map_err(|_| PqcError::InvalidLength {
                    what: "rnd",
                    got: rnd.len(),
                    expected: ML_DSA_RND_LEN,
                })?
            }
        };
        let input = InternalInput::new(message)?;
        let sign = if input.external_mu {
            self.fips.extmu_sign_internal
        } else {
            self.fips.sign_internal
        };
        let mut signature = vec![0u8; self.algorithm.sizes().signature];
        let mut sig_len = 0usize;
        // SAFETY: `secret_key` has the parameter set's secret-key length (checked above; the
        // registry's sizes are asserted against ml_dsa.h at compile time), which is what the C
        // code reads; `signature` is a writable buffer of exactly the signature length it
        // writes; the message (or μ, whose length is checked to be 64) and `pre` are live slices
        // passed with their lengths; `rnd` is 32 bytes.
        let rc = unsafe {
            sign(
                secret_key.as_ptr(),
                signature.as_mut_ptr(),
                &mut sig_len,
                input.message.as_ptr(),
                input.message.len(),
                input.pre.as_ptr(),
                input.pre.len(),
                rnd.as_ptr(),
            )
        };
        if rc != ffi::ML_DSA_SUCCESS || sig_len != signature.len() {
            return Err(backend("ML-DSA.Sign_internal"));
        }
        Ok(signature)
    }

    fn verify(
        &self,
        public_key: &[u8],
        message: SignedMessage<'_>,
        signature: &[u8],
    ) -> Result<(), PqcError> {
        self.check_pk_len(public_key)?;
        let input = InternalInput::new(message)?;
        if signature.len() != self.algorithm.sizes().signature {
            return Err(PqcError::InvalidSignature);
        }
        if let SignedMessage::Pure {
            message,
            context: [],
        } = message
        {
            // aws-lc-rs's verifier implements the pure interface with an empty context.
            return self
                .verification
                .verify_sig(public_key, message, signature)
                .map_err(|_| PqcError::InvalidSignature);
        }
        let verify = if input.external_mu {
            self.fips.extmu_verify_internal
        } else {
            self.fips.verify_internal
        };
        // SAFETY: `public_key` has the parameter set's public-key length (checked above), which
        // is what the C code reads; every other pointer is a live slice passed with its length.
        let rc = unsafe {
            verify(
                public_key.as_ptr(),
                signature.as_ptr(),
                signature.len(),
                input.message.as_ptr(),
                input.message.len(),
                input.pre.as_ptr(),
                input.pre.len(),
            )
        };
        if rc == ffi::ML_DSA_SUCCESS {
            Ok(())
        } else {
            Err(PqcError::InvalidSignature)
        }
    }

    fn generate(&self) -> Result<SignatureKeyPair, PqcError> {
        let pair = PqdsaKeyPair::generate(self.signing).map_err(|_| backend("ML-DSA.KeyGen"))?;
        self.export(&pair)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_lc_rs::signature::UnparsedPublicKey;
    use serde_json::Value;
    use sha3::digest::{ExtendableOutput, Update, XofReader};
    use sha3::Shake256;

    use super::*;
    use sonet_testkit::vectors::pinned_json;

    const KEMS: [&AwsLcMlKem; 3] = [&ML_KEM_512, &ML_KEM_768, &ML_KEM_1024];
    const DSAS: [&AwsLcMlDsa; 3] = [&ML_DSA_44, &ML_DSA_65, &ML_DSA_87];

    fn shake256(parts: &[&[u8]], out_len: usize) -> Vec<u8> {
        let mut h = Shake256::default();
        for p in parts {
            h.update(p);
        }
        let mut out = vec![0u8; out_len];
        h.finalize_xof().read(&mut out);
        out
    }

    /// μ = H(H(pk, 64) ‖ M', 64) (FIPS 204 Algorithm 7 line 6, with tr from line 1).
    fn external_mu(pk: &[u8], m_prime: &[u8]) -> Vec<u8> {
        let tr = shake256(&[pk], 64);
        shake256(&[&tr, m_prime], 64)
    }

    // ----- ACVP vector loading -----------------------------------------------------------------

    /// One ACVP test case: its group's fields (without `tests`), the prompt and the expected
    /// result.
    struct Case {
        group: Value,
        prompt: Value,
        expected: Value,
    }

    /// Every case of the ACVP set `set`; `None` when the vectors are absent (the test is
    /// skipped).
    fn acvp_cases(set: &str) -> Option<Vec<Case>> {
        let prompt = pinned_json(&format!("acvp/{set}/prompt.json"))?;
        let expected = pinned_json(&format!("acvp/{set}/expectedResults.json"))?;
        let mut results = HashMap::new();
        for group in expected["testGroups"].as_array().expect("testGroups") {
            for test in group["tests"].as_array().expect("tests") {
                results.insert(test["tcId"].as_u64().expect("tcId"), test.clone());
            }
        }
        let mut cases = Vec::new();
        for group in prompt["testGroups"].as_array().expect("testGroups") {
            let mut header = group.clone();
            header.as_object_mut().expect("group").remove("tests");
            for test in group["tests"].as_array().expect("tests") {
                let id = test["tcId"].as_u64().expect("tcId");
                cases.push(Case {
                    group: header.clone(),
                    prompt: test.clone(),
                    expected: results.remove(&id).expect("expected result for tcId"),
                });
            }
        }
        assert!(!cases.is_empty(), "{set} has no test cases");
        Some(cases)
    }

    fn field<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("missing string field {key:?} in {v}"))
    }

    fn hex_field(v: &Value, key: &str) -> Vec<u8> {
        hex::decode(field(v, key)).unwrap_or_else(|e| panic!("{key}: {e}"))
    }

    fn array32(bytes: &[u8]) -> [u8; 32] {
        bytes.try_into().expect("32 bytes")
    }

    fn kem_for(case: &Case) -> &'static dyn Kem {
        let alg: KemAlgorithm = field(&case.group, "parameterSet").parse().unwrap();
        PROVIDER.kem(alg).expect("provider has every ML-KEM")
    }

    fn dsa_for(case: &Case) -> &'static dyn Signature {
        let alg: SignatureAlgorithm = field(&case.group, "parameterSet").parse().unwrap();
        PROVIDER.signature(alg).expect("provider has every ML-DSA")
    }

    /// Decapsulation straight through the FIPS module's `ml_kem_*_decapsulate`.
    fn fips_decapsulate(kem: &AwsLcMlKem, dk: &[u8], ct: &[u8]) -> Vec<u8> {
        let sizes = kem.algorithm.sizes();
        assert_eq!(dk.len(), sizes.decapsulation_key);
        assert_eq!(ct.len(), sizes.ciphertext);
        let index = KemAlgorithm::ALL
            .iter()
            .position(|&a| a == kem.algorithm)
            .unwrap();
        let mut ss = vec![0u8; sizes.shared_secret];
        let mut ss_len = ss.len();
        // SAFETY: `dk` and `ct` have the parameter set's lengths (asserted above), which is what
        // the C code reads; `ss` is writable with its capacity passed.
        let rc = unsafe {
            ffi::test_only::KEM_DECAPSULATE[index](
                ss.as_mut_ptr(),
                &mut ss_len,
                ct.as_ptr(),
                dk.as_ptr(),
            )
        };
        assert_eq!(rc, ffi::ML_KEM_SUCCESS);
        assert_eq!(ss_len, ss.len());
        ss
    }

    /// ML-DSA.KeyGen_internal straight through the FIPS module.
    fn fips_dsa_keypair(dsa: &AwsLcMlDsa, seed: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
        let sizes = dsa.algorithm.sizes();
        let index = DSAS
            .iter()
            .position(|d| d.algorithm == dsa.algorithm)
            .unwrap();
        let mut pk = vec![0u8; sizes.public_key];
        let mut sk = vec![0u8; sizes.secret_key];
        // SAFETY: the buffers have the parameter set's sizes (asserted against ml_dsa.h at
        // compile time), which is what the C code writes; the seed is 32 bytes.
        let rc = unsafe {
            ffi::test_only::DSA_KEYPAIR_INTERNAL[index](
                pk.as_mut_ptr(),
                sk.as_mut_ptr(),
                seed.as_ptr(),
            )
        };
        assert_eq!(rc, ffi::ML_DSA_SUCCESS);
        (pk, sk)
    }

    // ----- provider ---------------------------------------------------------------------------

    #[test]
    fn provider_lists_every_ml_kem_and_ml_dsa_with_aws_lc_sizes() {
        assert_eq!(PROVIDER.name, "aws-lc");
        assert!(PROVIDER.description.contains("aws-lc-rs 1.19.0"));
        assert!(PROVIDER.description.contains("aws-lc-sys 0.47.0"));
        for alg in KemAlgorithm::ALL {
            let kem = PROVIDER.kem(alg).expect("ML-KEM present");
            assert_eq!(kem.algorithm(), alg);
            // The registry's sizes agree with what aws-lc-rs produces.
            let pair = kem.generate().unwrap();
            assert_eq!(pair.encapsulation_key.len(), alg.sizes().encapsulation_key);
            assert_eq!(pair.decapsulation_key.len(), alg.sizes().decapsulation_key);
        }
        assert_eq!(PROVIDER.kems.len(), 3);
        for &alg in SignatureAlgorithm::ALL {
            let found = PROVIDER.signature(alg);
            assert_eq!(
                found.is_some(),
                alg.family() == crate::crypto::SignatureFamily::MlDsa,
                "{alg}"
            );
        }
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            assert_eq!(dsa.signing.public_key_len(), sizes.public_key);
            assert_eq!(dsa.signing.signature_len(), sizes.signature);
            assert_eq!(dsa.signing.seed_len(), sizes.keygen_seed);
        }
    }

    // ----- ML-KEM -------------------------------------------------------------------------------

    #[test]
    fn ml_kem_round_trips_for_every_parameter_set() {
        for kem in KEMS {
            let sizes = kem.algorithm.sizes();
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            kem.check_encapsulation_key(&pair.encapsulation_key)
                .unwrap();
            kem.check_decapsulation_key(pair.decapsulation_key.as_bytes())
                .unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            assert_eq!(enc.ciphertext.len(), sizes.ciphertext);
            assert_eq!(enc.shared_secret.len(), sizes.shared_secret);
            let ss = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &enc.ciphertext)
                .unwrap();
            assert_eq!(ss, enc.shared_secret, "{}", kem.algorithm);

            // The randomised paths (aws-lc-rs) round-trip too.
            let pair = kem.generate().unwrap();
            let enc = kem.encapsulate(&pair.encapsulation_key).unwrap();
            let ss = kem
                .decapsulate(pair.decapsulation_key.as_bytes(), &enc.ciphertext)
                .unwrap();
            assert_eq!(ss, enc.shared_secret, "{}", kem.algorithm);
        }
    }

    #[test]
    fn ml_kem_is_deterministic_in_its_seeds() {
        for kem in KEMS {
            let a = kem.generate_deterministic(&[5; 32], &[6; 32]).unwrap();
            let b = kem.generate_deterministic(&[5; 32], &[6; 32]).unwrap();
            assert_eq!(a.encapsulation_key, b.encapsulation_key);
            assert_eq!(a.decapsulation_key, b.decapsulation_key);
            // z is stored at the end of dk and does not affect ek.
            let c = kem.generate_deterministic(&[5; 32], &[7; 32]).unwrap();
            assert_eq!(a.encapsulation_key, c.encapsulation_key);
            assert_ne!(a.decapsulation_key, c.decapsulation_key);
            let dk = a.decapsulation_key.as_bytes();
            assert_eq!(&dk[dk.len() - 32..], &[6; 32]);

            let e1 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[9; 32])
                .unwrap();
            let e2 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[9; 32])
                .unwrap();
            let e3 = kem
                .encapsulate_deterministic(&a.encapsulation_key, &[10; 32])
                .unwrap();
            assert_eq!(e1.ciphertext, e2.ciphertext);
            assert_eq!(e1.shared_secret, e2.shared_secret);
            assert_ne!(e1.ciphertext, e3.ciphertext);
            assert_ne!(e1.shared_secret, e3.shared_secret);
        }
    }

    #[test]
    fn ml_kem_rejects_an_encapsulation_key_with_a_coefficient_of_q() {
        for kem in KEMS {
            let mut ek = kem
                .generate_deterministic(&[1; 32], &[2; 32])
                .unwrap()
                .encapsulation_key;
            // The first 12-bit coefficient := 3329 = 0xD01 (little-endian bit packing).
            ek[0] = 0x01;
            ek[1] = (ek[1] & 0xF0) | 0x0D;
            assert_eq!(
                kem.check_encapsulation_key(&ek),
                Err(PqcError::InvalidEncapsulationKey)
            );
            assert_eq!(
                kem.encapsulate_deterministic(&ek, &[3; 32]).unwrap_err(),
                PqcError::InvalidEncapsulationKey
            );
            assert_eq!(
                kem.encapsulate(&ek).unwrap_err(),
                PqcError::InvalidEncapsulationKey
            );
            // 3328 = q - 1 is in range.
            ek[0] = 0x00;
            ek[1] = (ek[1] & 0xF0) | 0x0D;
            kem.check_encapsulation_key(&ek).unwrap();
            // The coefficient in the top 12 bits of a 3-byte group, too: 0xFFF.
            let mut ek2 = ek.clone();
            ek2[4] |= 0xF0;
            ek2[5] = 0xFF;
            assert_eq!(
                kem.check_encapsulation_key(&ek2),
                Err(PqcError::InvalidEncapsulationKey)
            );
        }
    }

    #[test]
    fn ml_kem_rejects_a_decapsulation_key_with_a_corrupted_hash() {
        for kem in KEMS {
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let mut dk = pair.decapsulation_key.as_bytes().to_vec();
            // dk = dk_PKE ‖ ek ‖ H(ek) ‖ z: flip a bit of H(ek).
            let h = dk.len() - 64;
            dk[h] ^= 0x01;
            assert_eq!(
                kem.check_decapsulation_key(&dk),
                Err(PqcError::InvalidDecapsulationKey)
            );
            assert_eq!(
                kem.decapsulate(&dk, &enc.ciphertext).unwrap_err(),
                PqcError::InvalidDecapsulationKey
            );
            // Corrupting the embedded ek instead breaks H(ek) = h just the same.
            let mut dk = pair.decapsulation_key.as_bytes().to_vec();
            dk[384 * kem.algorithm.rank() + 5] ^= 0x80;
            assert_eq!(
                kem.decapsulate(&dk, &enc.ciphertext).unwrap_err(),
                PqcError::InvalidDecapsulationKey
            );
        }
    }

    #[test]
    fn ml_kem_checks_every_length() {
        for kem in KEMS {
            let sizes = kem.algorithm.sizes();
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let ek = &pair.encapsulation_key;
            let dk = pair.decapsulation_key.as_bytes();
            let ct = &enc.ciphertext;

            let mut long_ek = ek.clone();
            long_ek.push(0);
            for bad in [&ek[..ek.len() - 1], &long_ek[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "encapsulation key",
                    got: bad.len(),
                    expected: sizes.encapsulation_key,
                };
                assert_eq!(kem.check_encapsulation_key(bad).unwrap_err(), want);
                assert_eq!(
                    kem.encapsulate_deterministic(bad, &[3; 32]).unwrap_err(),
                    want
                );
                assert_eq!(kem.encapsulate(bad).unwrap_err(), want);
            }
            let mut long_dk = dk.to_vec();
            long_dk.push(0);
            for bad in [&dk[..dk.len() - 1], &long_dk[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "decapsulation key",
                    got: bad.len(),
                    expected: sizes.decapsulation_key,
                };
                assert_eq!(kem.check_decapsulation_key(bad).unwrap_err(), want);
                assert_eq!(kem.decapsulate(bad, ct).unwrap_err(), want);
            }
            let mut long_ct = ct.clone();
            long_ct.push(0);
            for bad in [&ct[..ct.len() - 1], &long_ct[..], &[][..]] {
                assert_eq!(
                    kem.decapsulate(dk, bad).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "ciphertext",
                        got: bad.len(),
                        expected: sizes.ciphertext,
                    }
                );
            }
        }
    }

    #[test]
    fn ml_kem_wrong_ciphertext_gives_the_implicit_rejection_secret() {
        for kem in KEMS {
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let dk = pair.decapsulation_key.as_bytes();
            let mut ct = enc.ciphertext.clone();
            ct[0] ^= 0x01;
            let ss = kem.decapsulate(dk, &ct).unwrap();
            assert_ne!(ss, enc.shared_secret);
            // K̄ = J(z ‖ c) (FIPS 203 Algorithm 18 line 7), z the last 32 bytes of dk.
            let z = &dk[dk.len() - 32..];
            assert_eq!(ss.as_bytes(), shake256(&[z, &ct], 32));
            assert_eq!(kem.decapsulate(dk, &ct).unwrap(), ss);
        }
    }

    #[test]
    fn ml_kem_acvp_key_generation() {
        let mut n = 0;
        let Some(cases) = acvp_cases("ML-KEM-keyGen-FIPS203/v1.1.0.40") else {
            return;
        };
        for case in cases {
            let kem = kem_for(&case);
            let d = array32(&hex_field(&case.prompt, "d"));
            let z = array32(&hex_field(&case.prompt, "z"));
            let pair = kem.generate_deterministic(&d, &z).unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(
                pair.encapsulation_key,
                hex_field(&case.expected, "ek"),
                "tcId {id}"
            );
            assert_eq!(
                pair.decapsulation_key.as_bytes(),
                hex_field(&case.expected, "dk"),
                "tcId {id}"
            );
            n += 1;
        }
        assert_eq!(n, 75);
    }

    #[test]
    fn ml_kem_acvp_encapsulation_decapsulation_and_key_checks() {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let Some(cases) = acvp_cases("ML-KEM-encapDecap-FIPS203/v1.1.0.40") else {
            return;
        };
        for case in cases {
            let kem = kem_for(&case);
            let function = field(&case.group, "function");
            let id = &case.prompt["tcId"];
            match function {
                "encapsulation" => {
                    let ek = hex_field(&case.prompt, "ek");
                    let m = array32(&hex_field(&case.prompt, "m"));
                    let enc = kem.encapsulate_deterministic(&ek, &m).unwrap();
                    assert_eq!(enc.ciphertext, hex_field(&case.expected, "c"), "tcId {id}");
                    assert_eq!(
                        enc.shared_secret.as_bytes(),
                        hex_field(&case.expected, "k"),
                        "tcId {id}"
                    );
                }
                "decapsulation" => {
                    let dk = hex_field(&case.prompt, "dk");
                    let c = hex_field(&case.prompt, "c");
                    let k = kem.decapsulate(&dk, &c).unwrap();
                    assert_eq!(k.as_bytes(), hex_field(&case.expected, "k"), "tcId {id}");
                }
                "encapsulationKeyCheck" => {
                    let ek = hex_field(&case.prompt, "ek");
                    let passed = case.expected["testPassed"].as_bool().unwrap();
                    let result = kem.check_encapsulation_key(&ek);
                    assert_eq!(result.is_ok(), passed, "tcId {id}: {result:?}");
                    if !passed {
                        // Whatever the check rejects, encapsulation rejects too.
                        assert!(kem.encapsulate_deterministic(&ek, &[0; 32]).is_err());
                    }
                }
                "decapsulationKeyCheck" => {
                    let dk = hex_field(&case.prompt, "dk");
                    let passed = case.expected["testPassed"].as_bool().unwrap();
                    let result = kem.check_decapsulation_key(&dk);
                    assert_eq!(result.is_ok(), passed, "tcId {id}: {result:?}");
                    if !passed {
                        let ct = vec![0u8; kem.algorithm().sizes().ciphertext];
                        assert!(kem.decapsulate(&dk, &ct).is_err());
                    }
                }
                other => panic!("unexpected function {other:?}"),
            }
            *counts.entry(function.to_owned()).or_default() += 1;
        }
        assert_eq!(counts["encapsulation"], 75);
        assert_eq!(counts["decapsulation"], 30);
        assert_eq!(counts["encapsulationKeyCheck"], 30);
        assert_eq!(counts["decapsulationKeyCheck"], 30);
    }

    // ----- ML-DSA -------------------------------------------------------------------------------

    const MESSAGE: &[u8] = b"Sonet aws-lc provider test message";
    const CONTEXT: &[u8] = b"sonet-context";

    #[test]
    fn ml_dsa_round_trips_for_every_parameter_set_and_message_form() {
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            assert_eq!(pair.public_key.len(), sizes.public_key);
            assert_eq!(pair.secret_key.len(), sizes.secret_key);
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());

            let pure = SignedMessage::Pure {
                message: MESSAGE,
                context: CONTEXT,
            };
            let m_prime = pure.formatted().unwrap();
            let mu = external_mu(pk, &m_prime);
            let forms = [
                pure,
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(&m_prime),
                SignedMessage::ExternalMu(&mu),
            ];
            for form in forms {
                for rnd in [
                    SigningRandomness::Deterministic,
                    SigningRandomness::Hedged(&[8; 32]),
                ] {
                    let sig = dsa.sign(sk, form, rnd).unwrap();
                    assert_eq!(sig.len(), sizes.signature);
                    dsa.verify(pk, form, &sig)
                        .unwrap_or_else(|e| panic!("{} {form:?}: {e}", dsa.algorithm));
                }
            }
            // Pure with ctx, internal M' = 0 ‖ |ctx| ‖ ctx ‖ M and external μ of that M' are the
            // same signing input, so the deterministic signatures agree.
            let d = SigningRandomness::Deterministic;
            let by_pure = dsa.sign(sk, pure, d).unwrap();
            assert_eq!(
                dsa.sign(sk, SignedMessage::Internal(&m_prime), d).unwrap(),
                by_pure
            );
            assert_eq!(
                dsa.sign(sk, SignedMessage::ExternalMu(&mu), d).unwrap(),
                by_pure
            );

            // Random key generation and hedged signing (aws-lc-rs paths), with and without ctx.
            let pair = dsa.generate().unwrap();
            for ctx in [&[][..], CONTEXT] {
                let sig = dsa
                    .sign_random(pair.secret_key.as_bytes(), MESSAGE, ctx)
                    .unwrap();
                let form = SignedMessage::Pure {
                    message: MESSAGE,
                    context: ctx,
                };
                dsa.verify(&pair.public_key, form, &sig).unwrap();
            }
        }
    }

    #[test]
    fn ml_dsa_is_deterministic_in_seed_and_rnd() {
        for dsa in DSAS {
            let a = dsa.generate_from_seed(&[4; 32]).unwrap();
            let b = dsa.generate_from_seed(&[4; 32]).unwrap();
            let c = dsa.generate_from_seed(&[5; 32]).unwrap();
            assert_eq!(a.public_key, b.public_key);
            assert_eq!(a.secret_key, b.secret_key);
            assert_ne!(a.public_key, c.public_key);

            let sk = a.secret_key.as_bytes();
            let msg = SignedMessage::pure(MESSAGE);
            let det = |r| dsa.sign(sk, msg, r).unwrap();
            let d1 = det(SigningRandomness::Deterministic);
            assert_eq!(d1, det(SigningRandomness::Deterministic));
            // The deterministic variant is rnd = 0³².
            assert_eq!(d1, det(SigningRandomness::Hedged(&[0; 32])));
            let h1 = det(SigningRandomness::Hedged(&[1; 32]));
            assert_eq!(h1, det(SigningRandomness::Hedged(&[1; 32])));
            assert_ne!(h1, d1);
            assert_ne!(h1, det(SigningRandomness::Hedged(&[2; 32])));
        }
    }

    #[test]
    fn ml_dsa_rejects_altered_signatures_messages_and_keys() {
        for dsa in DSAS {
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            let other = dsa.generate_from_seed(&[5; 32]).unwrap();
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());
            let pure = SignedMessage::Pure {
                message: MESSAGE,
                context: CONTEXT,
            };
            let m_prime = pure.formatted().unwrap();
            let mu = external_mu(pk, &m_prime);
            for form in [
                pure,
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(&m_prime),
                SignedMessage::ExternalMu(&mu),
            ] {
                let sig = dsa
                    .sign(sk, form, SigningRandomness::Deterministic)
                    .unwrap();
                dsa.verify(pk, form, &sig).unwrap();
                for bit in [0, 7, 8 * 100 + 3, 8 * sig.len() - 1] {
                    let mut bad = sig.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert_eq!(
                        dsa.verify(pk, form, &bad),
                        Err(PqcError::InvalidSignature),
                        "{} {form:?} bit {bit}",
                        dsa.algorithm
                    );
                }
                assert_eq!(
                    dsa.verify(&other.public_key, form, &sig),
                    Err(PqcError::InvalidSignature)
                );
            }
            let sig = dsa
                .sign(sk, pure, SigningRandomness::Deterministic)
                .unwrap();
            for wrong in [
                SignedMessage::Pure {
                    message: b"another message",
                    context: CONTEXT,
                },
                SignedMessage::Pure {
                    message: MESSAGE,
                    context: b"another context",
                },
                SignedMessage::pure(MESSAGE),
                SignedMessage::Internal(MESSAGE),
            ] {
                assert_eq!(dsa.verify(pk, wrong, &sig), Err(PqcError::InvalidSignature));
            }
        }
    }

    #[test]
    fn ml_dsa_checks_lengths_context_and_randomness() {
        for dsa in DSAS {
            let sizes = dsa.algorithm.sizes();
            let pair = dsa.generate_from_seed(&[4; 32]).unwrap();
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());
            let msg = SignedMessage::pure(MESSAGE);
            let d = SigningRandomness::Deterministic;
            let sig = dsa.sign(sk, msg, d).unwrap();

            for seed in [&[0u8; 31][..], &[0u8; 33][..], &[][..]] {
                assert_eq!(
                    dsa.generate_from_seed(seed).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "seed",
                        got: seed.len(),
                        expected: 32
                    }
                );
            }
            let mut long_sk = sk.to_vec();
            long_sk.push(0);
            for bad in [&sk[..sk.len() - 1], &long_sk[..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "secret key",
                    got: bad.len(),
                    expected: sizes.secret_key,
                };
                assert_eq!(dsa.sign(bad, msg, d).unwrap_err(), want);
                assert_eq!(dsa.sign_random(bad, MESSAGE, &[]).unwrap_err(), want);
            }
            let mut long_pk = pk.clone();
            long_pk.push(0);
            for bad in [&pk[..pk.len() - 1], &long_pk[..], &[][..]] {
                assert_eq!(
                    dsa.verify(bad, msg, &sig).unwrap_err(),
                    PqcError::InvalidLength {
                        what: "public key",
                        got: bad.len(),
                        expected: sizes.public_key
                    }
                );
            }
            for rnd in [&[0u8; 31][..], &[0u8; 33][..], &[][..]] {
                assert_eq!(
                    dsa.sign(sk, msg, SigningRandomness::Hedged(rnd))
                        .unwrap_err(),
                    PqcError::InvalidLength {
                        what: "rnd",
                        got: rnd.len(),
                        expected: 32
                    }
                );
            }
            let long_ctx = [0u8; 256];
            let too_long = SignedMessage::Pure {
                message: MESSAGE,
                context: &long_ctx,
            };
            assert_eq!(
                dsa.sign(sk, too_long, d).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            assert_eq!(
                dsa.verify(pk, too_long, &sig).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            assert_eq!(
                dsa.sign_random(sk, MESSAGE, &long_ctx).unwrap_err(),
                PqcError::ContextTooLong(256)
            );
            // 255 bytes of context are allowed.
            let max_ctx = SignedMessage::Pure {
                message: MESSAGE,
                context: &long_ctx[..255],
            };
            let s = dsa.sign(sk, max_ctx, d).unwrap();
            dsa.verify(pk, max_ctx, &s).unwrap();

            for mu in [&[0u8; 63][..], &[0u8; 65][..], &[][..]] {
                let want = PqcError::InvalidLength {
                    what: "external mu",
                    got: mu.len(),
                    expected: 64,
                };
                let form = SignedMessage::ExternalMu(mu);
                assert_eq!(dsa.sign(sk, form, d).unwrap_err(), want);
                assert_eq!(dsa.verify(pk, form, &sig).unwrap_err(), want);
            }
            // A signature of the wrong length is simply invalid.
            let mut long_sig = sig.clone();
            long_sig.push(0);
            for bad in [&sig[..sig.len() - 1], &long_sig[..], &[][..]] {
                assert_eq!(dsa.verify(pk, msg, bad), Err(PqcError::InvalidSignature));
                let internal = SignedMessage::Internal(MESSAGE);
                assert_eq!(
                    dsa.verify(pk, internal, bad),
                    Err(PqcError::InvalidSignature)
                );
            }
            // Arbitrary bytes of the right length as a secret key: an error or a signature that
            // does not verify, never a panic.
            let junk = vec![0xA5u8; sizes.secret_key];
            if let Ok(sig) = dsa.sign(&junk, msg, d) {
                assert!(dsa.verify(pk, msg, &sig).is_err());
            }
            let _ = dsa.sign_random(&junk, MESSAGE, &[]);
        }
    }

    #[test]
    fn ml_dsa_acvp_key_generation() {
        let mut n = 0;
        let Some(cases) = acvp_cases("ML-DSA-keyGen-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let pair = dsa
                .generate_from_seed(&hex_field(&case.prompt, "seed"))
                .unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(
                pair.public_key,
                hex_field(&case.expected, "pk"),
                "tcId {id}"
            );
            assert_eq!(
                pair.secret_key.as_bytes(),
                hex_field(&case.expected, "sk"),
                "tcId {id}"
            );
            n += 1;
        }
        assert_eq!(n, 75);
    }

    /// The 65370b8 sigGen vectors exercise ML-DSA.Sign_internal: `message` is M' itself.
    #[test]
    fn ml_dsa_acvp_signature_generation() {
        let (mut deterministic, mut hedged) = (0, 0);
        let Some(cases) = acvp_cases("ML-DSA-sigGen-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let sk = hex_field(&case.prompt, "sk");
            let message = hex_field(&case.prompt, "message");
            let rnd;
            let randomness = if case.group["deterministic"].as_bool().unwrap() {
                deterministic += 1;
                SigningRandomness::Deterministic
            } else {
                hedged += 1;
                rnd = hex_field(&case.prompt, "rnd");
                SigningRandomness::Hedged(&rnd)
            };
            let form = SignedMessage::Internal(&message);
            let sig = dsa.sign(&sk, form, randomness).unwrap();
            let id = &case.prompt["tcId"];
            assert_eq!(sig, hex_field(&case.expected, "signature"), "tcId {id}");
        }
        assert_eq!((deterministic, hedged), (30, 30));
    }

    #[test]
    fn ml_dsa_acvp_signature_verification() {
        let (mut valid, mut invalid) = (0, 0);
        let Some(cases) = acvp_cases("ML-DSA-sigVer-FIPS204/65370b8") else {
            return;
        };
        for case in cases {
            let dsa = dsa_for(&case);
            let pk = hex_field(&case.group, "pk");
            let message = hex_field(&case.prompt, "message");
            let sig = hex_field(&case.prompt, "signature");
            let passed = case.expected["testPassed"].as_bool().unwrap();
            let result = dsa.verify(&pk, SignedMessage::Internal(&message), &sig);
            let id = &case.prompt["tcId"];
            if passed {
                assert_eq!(result, Ok(()), "tcId {id}");
                valid += 1;
            } else {
                assert_eq!(result, Err(PqcError::InvalidSignature), "tcId {id}");
                invalid += 1;
            }
        }
        assert!(valid > 0 && invalid > 0);
    }

    // ----- aws-lc-rs public API vs FIPS-module entry points -------------------------------------

    #[test]
    fn aws_lc_rs_public_api_agrees_with_fips_entry_points() {
        for kem in KEMS {
            let alg = kem.algorithm;
            let pair = kem.generate_deterministic(&[1; 32], &[2; 32]).unwrap();
            let dk_bytes = pair.decapsulation_key.as_bytes();
            let enc = kem
                .encapsulate_deterministic(&pair.encapsulation_key, &[3; 32])
                .unwrap();
            let public_dk = kem::DecapsulationKey::new(kem.public_api, dk_bytes).unwrap();

            // aws-lc-rs decapsulates what the deterministic FIPS entry point encapsulated, and
            // agrees with the FIPS decapsulation, for a good and a tampered ciphertext.
            let mut tampered = enc.ciphertext.clone();
            tampered[10] ^= 0x40;
            for ct in [&enc.ciphertext, &tampered] {
                let public = public_dk.decapsulate(ct.as_slice().into()).unwrap();
                assert_eq!(
                    public.as_ref(),
                    fips_decapsulate(kem, dk_bytes, ct),
                    "{alg}"
                );
            }
            let public = public_dk
                .decapsulate(enc.ciphertext.as_slice().into())
                .unwrap();
            assert_eq!(public.as_ref(), enc.shared_secret.as_bytes(), "{alg}");

            // aws-lc-rs's random encapsulation to a deterministically generated key.
            let public_ek =
                kem::EncapsulationKey::new(kem.public_api, &pair.encapsulation_key).unwrap();
            let (ct, ss) = public_ek.encapsulate().unwrap();
            assert_eq!(
                ss.as_ref(),
                fips_decapsulate(kem, dk_bytes, ct.as_ref()),
                "{alg}"
            );

            // A key from aws-lc-rs's random key generation works with the FIPS entry points.
            let random = kem.generate().unwrap();
            kem.check_decapsulation_key(random.decapsulation_key.as_bytes())
                .unwrap();
            let enc = kem
                .encapsulate_deterministic(&random.encapsulation_key, &[7; 32])
                .unwrap();
            assert_eq!(
                fips_decapsulate(kem, random.decapsulation_key.as_bytes(), &enc.ciphertext),
                enc.shared_secret.as_bytes()
            );
        }

        for dsa in DSAS {
            let alg = dsa.algorithm;
            let seed = [4u8; 32];
            // PqdsaKeyPair::from_seed agrees with ML-DSA.KeyGen_internal.
            let pair = dsa.generate_from_seed(&seed).unwrap();
            let (fips_pk, fips_sk) = fips_dsa_keypair(dsa, &seed);
            assert_eq!(pair.public_key, fips_pk, "{alg}");
            assert_eq!(pair.secret_key.as_bytes(), fips_sk, "{alg}");
            let (pk, sk) = (&pair.public_key, pair.secret_key.as_bytes());

            // A pure-interface signature from the FIPS sign_internal verifies with aws-lc-rs's
            // public verifier.
            let sig = dsa
                .sign(
                    sk,
                    SignedMessage::pure(MESSAGE),
                    SigningRandomness::Hedged(&[9; 32]),
                )
                .unwrap();
            UnparsedPublicKey::new(dsa.verification, pk)
                .verify(MESSAGE, &sig)
                .unwrap();
            let mut bad = sig.clone();
            bad[0] ^= 1;
            assert!(UnparsedPublicKey::new(dsa.verification, pk)
                .verify(MESSAGE, &bad)
                .is_err());

            // An aws-lc-rs signature verifies through the FIPS verify_internal path, as M'.
            let public = PqdsaKeyPair::from_seed(dsa.signing, &seed).unwrap();
            assert_eq!(public.public_key().as_ref(), pk.as_slice());
            let mut sig = vec![0u8; alg.sizes().signature];
            public.sign(MESSAGE, &mut sig).unwrap();
            let m_prime = SignedMessage::pure(MESSAGE).formatted().unwrap();
            dsa.verify(pk, SignedMessage::Internal(&m_prime), &sig)
                .unwrap();
            dsa.verify(
                pk,
                SignedMessage::ExternalMu(&external_mu(pk, &m_prime)),
                &sig,
            )
            .unwrap();
            dsa.verify(pk, SignedMessage::pure(MESSAGE), &sig).unwrap();
        }
    }
}
