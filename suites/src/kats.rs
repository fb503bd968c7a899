//! Sonet's own known-answer files (`vectors/sonet/`), in the JSON layout libcrux uses for its
//! NIST KATs, generated from fixed seeds and checked under every provider — and, from
//! `cargo test`, under libcrux as a third, formally verified implementation.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Digest, Sha3_256, Shake256};
use sonet::crypto::{
    KemAlgorithm, PqcError, Provider, SignatureAlgorithm, SignedMessage, SigningRandomness,
};
use sonet_report::model::SetResult;

use crate::runner::{
    expect_eq, hex_text, providers_for, record, CaseError, CaseResult, Job, Suite,
};
use crate::vectors::read_own;

/// The `kats` suite: Sonet's own KAT files in `vectors/sonet/` (ML-KEM [`ml_kem_file`], ML-DSA
/// [`ml_dsa_file`]; committed, no upstream), each under every provider that implements its
/// parameter set. The conformance test adds libcrux's jobs through [`jobs_for`].
pub const SUITE: Suite = Suite {
    name: "kats",
    description:
        "Sonet's own ML-KEM / ML-DSA KAT files (libcrux layout), all implementations agreeing",
    jobs,
};

/// Number of entries per parameter set, as in the NIST KAT files.
pub const KATS_PER_SET: usize = 100;

/// One entry of an ML-KEM KAT file (libcrux's layout): the seeds, SHA3-256 hashes of the key pair
/// and ciphertext, and the shared secret; byte strings are hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlKemKat {
    /// The 64-byte key-generation seed d ‖ z.
    pub key_generation_seed: String,
    /// SHA3-256 of the encapsulation key.
    pub sha3_256_hash_of_public_key: String,
    /// SHA3-256 of the decapsulation key.
    pub sha3_256_hash_of_secret_key: String,
    /// The 32-byte encapsulation randomness m.
    pub encapsulation_seed: String,
    /// SHA3-256 of the ciphertext.
    pub sha3_256_hash_of_ciphertext: String,
    /// The shared secret itself, which encapsulation and decapsulation must both give.
    pub shared_secret: String,
}

/// One entry of an ML-DSA KAT file (libcrux's layout): the seed, message and signing randomness,
/// and SHA3-256 hashes of the key pair and signature; byte strings are hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlDsaKat {
    /// The 32-byte key-generation seed ξ.
    pub key_generation_seed: String,
    /// SHA3-256 of the public key.
    pub sha3_256_hash_of_verification_key: String,
    /// SHA3-256 of the secret key.
    pub sha3_256_hash_of_signing_key: String,
    /// The length of message i (0-based) is 33·(i+1), as in libcrux's files.
    pub message: String,
    /// The 32-byte randomness of hedged signing (pure ML-DSA).
    pub signing_randomness: String,
    /// SHA3-256 of the signature, which must also verify.
    pub sha3_256_hash_of_signature: String,
}

/// The KAT file of an ML-KEM parameter set in `vectors/sonet/` (`mlkem_768.json`).
pub fn ml_kem_file(alg: KemAlgorithm) -> String {
    format!("mlkem_{}.json", alg.name().trim_start_matches("ML-KEM-"))
}

/// The KAT file of an ML-DSA parameter set in `vectors/sonet/` (`mldsa_65.json`).
pub fn ml_dsa_file(alg: SignatureAlgorithm) -> String {
    format!("mldsa_{}.json", alg.name().trim_start_matches("ML-DSA-"))
}

/// The ML-DSA parameter sets that have KAT files.
pub const ML_DSA: [SignatureAlgorithm; 3] = [
    SignatureAlgorithm::MlDsa44,
    SignatureAlgorithm::MlDsa65,
    SignatureAlgorithm::MlDsa87,
];

fn sha3_hex(bytes: &[u8]) -> String {
    hex::encode(Sha3_256::digest(bytes))
}

/// The fixed seed stream: SHAKE-256 of a label naming the parameter set.
fn seed_stream(label: &str) -> impl XofReader {
    let mut xof = Shake256::default();
    xof.update(b"sonet KAT v1 ");
    xof.update(label.as_bytes());
    xof.finalize_xof()
}

/// The [`KATS_PER_SET`] entries of `alg`'s file, computed with `provider` from a SHAKE-256 seed
/// stream fixed by the parameter set's name; an error when the provider lacks `alg`.
pub fn generate_ml_kem(provider: &Provider, alg: KemAlgorithm) -> Result<Vec<MlKemKat>, PqcError> {
    let kem = provider
        .kem(alg)
        .ok_or(PqcError::UnknownAlgorithm(alg.name().into()))?;
    let mut seeds = seed_stream(alg.name());
    let mut kats = Vec::with_capacity(KATS_PER_SET);
    for _ in 0..KATS_PER_SET {
        let mut keygen_seed = [0u8; 64];
        let mut encaps_seed = [0u8; 32];
        seeds.read(&mut keygen_seed);
        seeds.read(&mut encaps_seed);
        let pair = kem.generate_from_seed(&keygen_seed)?;
        let out = kem.encapsulate_deterministic(&pair.encapsulation_key, &encaps_seed)?;
        kats.push(MlKemKat {
            key_generation_seed: hex::encode(keygen_seed),
            sha3_256_hash_of_public_key: sha3_hex(&pair.encapsulation_key),
            sha3_256_hash_of_secret_key: sha3_hex(pair.decapsulation_key.as_bytes()),
            encapsulation_seed: hex::encode(encaps_seed),
            sha3_256_hash_of_ciphertext: sha3_hex(&out.ciphertext),
            shared_secret: hex::encode(out.shared_secret.as_bytes()),
        });
    }
    Ok(kats)
}

/// The [`KATS_PER_SET`] entries of `alg`'s file, computed with `provider` from a SHAKE-256 seed
/// stream fixed by the parameter set's name; an error when the provider lacks `alg`.
pub fn generate_ml_dsa(
    provider: &Provider,
    alg: SignatureAlgorithm,
) -> Result<Vec<MlDsaKat>, PqcError> {
    let signer = provider
        .signature(alg)
        .ok_or(PqcError::UnknownAlgorithm(alg.name().into()))?;
    let mut seeds = seed_stream(alg.name());
    let mut kats = Vec::with_capacity(KATS_PER_SET);
    for i in 0..KATS_PER_SET {
        let mut keygen_seed = [0u8; 32];
        let mut message = vec![0u8; 33 * (i + 1)];
        let mut randomness = [0u8; 32];
        seeds.read(&mut keygen_seed);
        seeds.read(&mut message);
        seeds.read(&mut randomness);
        let pair = signer.generate_from_seed(&keygen_seed)?;
        let signature = signer.sign(
            pair.secret_key.as_bytes(),
            SignedMessage::pure(&message),
            SigningRandomness::Hedged(&randomness),
        )?;
        kats.push(MlDsaKat {
            key_generation_seed: hex::encode(keygen_seed),
            sha3_256_hash_of_verification_key: sha3_hex(&pair.public_key),
            sha3_256_hash_of_signing_key: sha3_hex(pair.secret_key.as_bytes()),
            message: hex::encode(&message),
            signing_randomness: hex::encode(randomness),
            sha3_256_hash_of_signature: sha3_hex(&signature),
        });
    }
    Ok(kats)
}

/// Writes every KAT file into `dir`, generated with `provider`; returns the paths written.
pub fn write_all(provider: &Provider, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let mut write = |name: String, json: Result<String, serde_json::Error>| -> Result<(), String> {
        let path = dir.join(name);
        let mut text = json.map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(())
    };
    for alg in KemAlgorithm::ALL {
        let kats = generate_ml_kem(provider, alg).map_err(|e| e.to_string())?;
        write(ml_kem_file(alg), serde_json::to_string_pretty(&kats))?;
    }
    for alg in ML_DSA {
        let kats = generate_ml_dsa(provider, alg).map_err(|e| e.to_string())?;
        write(ml_dsa_file(alg), serde_json::to_string_pretty(&kats))?;
    }
    Ok(written)
}

fn jobs() -> Vec<Job> {
    jobs_for(providers_for(|_| true))
}

/// The KAT jobs for the given implementations (the test harness adds libcrux here).
pub fn jobs_for(providers: Vec<&'static Provider>) -> Vec<Job> {
    let mut jobs = Vec::new();
    for provider in providers {
        for alg in KemAlgorithm::ALL {
            if provider.kem(alg).is_none() {
                continue;
            }
            let file = ml_kem_file(alg);
            jobs.push(Job::new(
                SUITE.name,
                format!("sonet/{file}"),
                provider.name,
                move |_, set| {
                    let kats: Vec<MlKemKat> = read_kats(&file, set)?;
                    for (index, kat) in kats.iter().enumerate() {
                        record(
                            set,
                            format!("kat {index}"),
                            alg.name(),
                            "keygen+encaps+decaps",
                            check_ml_kem(provider, alg, kat),
                        );
                    }
                    Ok(())
                },
            ));
        }
        for alg in ML_DSA {
            if provider.signature(alg).is_none() {
                continue;
            }
            let file = ml_dsa_file(alg);
            jobs.push(Job::new(
                SUITE.name,
                format!("sonet/{file}"),
                provider.name,
                move |_, set| {
                    let kats: Vec<MlDsaKat> = read_kats(&file, set)?;
                    for (index, kat) in kats.iter().enumerate() {
                        record(
                            set,
                            format!("kat {index}"),
                            alg.name(),
                            "keygen+sign+verify",
                            check_ml_dsa(provider, alg, kat),
                        );
                    }
                    Ok(())
                },
            ));
        }
    }
    jobs
}

fn read_kats<T: for<'de> Deserialize<'de>>(
    file: &str,
    set: &mut SetResult,
) -> Result<Vec<T>, String> {
    let (bytes, source) = read_own(file)?;
    set.sources = vec![source];
    let kats: Vec<T> = serde_json::from_slice(&bytes).map_err(|e| format!("{file}: {e}"))?;
    set.expected_cases = Some(KATS_PER_SET as u64);
    Ok(kats)
}

fn expect_hash(what: &str, bytes: &[u8], want_hex: &str) -> Result<(), CaseError> {
    expect_eq(what, &Sha3_256::digest(bytes), &hex_text(what, want_hex)?)
}

fn check_ml_kem(provider: &Provider, alg: KemAlgorithm, kat: &MlKemKat) -> CaseResult {
    let kem = provider
        .kem(alg)
        .ok_or_else(|| CaseError::Unsupported(format!("{} lacks {alg}", provider.name)))?;
    let pair =
        kem.generate_from_seed(&hex_text("key_generation_seed", &kat.key_generation_seed)?)?;
    expect_hash(
        "SHA3-256(ek)",
        &pair.encapsulation_key,
        &kat.sha3_256_hash_of_public_key,
    )?;
    expect_hash(
        "SHA3-256(dk)",
        pair.decapsulation_key.as_bytes(),
        &kat.sha3_256_hash_of_secret_key,
    )?;
    let m = hex_text("encapsulation_seed", &kat.encapsulation_seed)?;
    let m: [u8; 32] = m
        .as_slice()
        .try_into()
        .map_err(|_| CaseError::Fail("encapsulation_seed is not 32 bytes".into()))?;
    let out = kem.encapsulate_deterministic(&pair.encapsulation_key, &m)?;
    expect_hash(
        "SHA3-256(c)",
        &out.ciphertext,
        &kat.sha3_256_hash_of_ciphertext,
    )?;
    let want = hex_text("shared_secret", &kat.shared_secret)?;
    expect_eq("shared secret", out.shared_secret.as_bytes(), &want)?;
    let k = kem.decapsulate(pair.decapsulation_key.as_bytes(), &out.ciphertext)?;
    expect_eq("decapsulated shared secret", k.as_bytes(), &want)?;
    Ok("key, ciphertext and shared-secret hashes match".into())
}

fn check_ml_dsa(provider: &Provider, alg: SignatureAlgorithm, kat: &MlDsaKat) -> CaseResult {
    let signer = provider
        .signature(alg)
        .ok_or_else(|| CaseError::Unsupported(format!("{} lacks {alg}", provider.name)))?;
    let pair =
        signer.generate_from_seed(&hex_text("key_generation_seed", &kat.key_generation_seed)?)?;
    expect_hash(
        "SHA3-256(vk)",
        &pair.public_key,
        &kat.sha3_256_hash_of_verification_key,
    )?;
    expect_hash(
        "SHA3-256(sk)",
        pair.secret_key.as_bytes(),
        &kat.sha3_256_hash_of_signing_key,
    )?;
    let message = hex_text("message", &kat.message)?;
    let randomness = hex_text("signing_randomness", &kat.signing_randomness)?;
    let signature = signer.sign(
        pair.secret_key.as_bytes(),
        SignedMessage::pure(&message),
        SigningRandomness::Hedged(&randomness),
    )?;
    expect_hash(
        "SHA3-256(signature)",
        &signature,
        &kat.sha3_256_hash_of_signature,
    )?;
    signer.verify(&pair.public_key, SignedMessage::pure(&message), &signature)?;
    Ok("key and signature hashes match; signature verifies".into())
}
