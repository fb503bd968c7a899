//! ML-KEM, ML-DSA, SLH-DSA and FN-DSA: key generation, encapsulation/decapsulation, signing and
//! verification for every parameter set, Sonet's providers and libcrux side by side; and ML-DSA
//! signing over the CCTV benchmark message sets, whose rejection counts are representative.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sonet::crypto::{
    KemAlgorithm, SignatureAlgorithm, SignatureFamily, SignedMessage, SigningRandomness,
};
use sonet_bench::{implementations, Profile};
use sonet_suites::vectors::VectorStore;

const MESSAGE: &[u8] = b"Sonet benchmark message: 32 byte";

fn kem(c: &mut Criterion) {
    sonet_bench::record_defaults();
    for algorithm in KemAlgorithm::ALL {
        let name = algorithm.name();
        let kems: Vec<_> = implementations()
            .into_iter()
            .filter_map(|(label, p)| p.kem(algorithm).map(|k| (label, k)))
            .collect();
        let mut group = c.benchmark_group(format!("kem/{name}/keygen"));
        for (label, kem) in &kems {
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| kem.generate())
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("kem/{name}/encaps"));
        for (label, kem) in &kems {
            let pair = kem.generate().expect("key generation");
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| kem.encapsulate(black_box(&pair.encapsulation_key)))
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("kem/{name}/decaps"));
        for (label, kem) in &kems {
            let pair = kem.generate().expect("key generation");
            let sent = kem
                .encapsulate(&pair.encapsulation_key)
                .expect("encapsulation");
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| {
                    kem.decapsulate(
                        black_box(pair.decapsulation_key.as_bytes()),
                        &sent.ciphertext,
                    )
                })
            });
        }
        group.finish();
    }
}

/// The quick profile leaves out SLH-DSA's slow ("s") and larger parameter sets: one 128s
/// signature takes about two seconds.
fn selected(algorithm: SignatureAlgorithm, profile: Profile) -> bool {
    !(profile.is_quick()
        && algorithm.family() == SignatureFamily::SlhDsa
        && !algorithm.name().ends_with("128f"))
}

fn signatures(c: &mut Criterion) {
    let profile = Profile::from_env();
    for &algorithm in SignatureAlgorithm::ALL {
        if !selected(algorithm, profile) {
            continue;
        }
        let name = algorithm.name();
        // SLH-DSA "s" signing takes about two seconds: ten samples, not the profile's count.
        let samples = if algorithm.family() == SignatureFamily::SlhDsa {
            10
        } else {
            profile.criterion_sample_size()
        };
        let signers: Vec<_> = implementations()
            .into_iter()
            .filter_map(|(label, p)| p.signature(algorithm).map(|s| (label, s)))
            .collect();
        let mut group = c.benchmark_group(format!("sig/{name}/keygen"));
        group.sample_size(samples);
        for (label, signer) in &signers {
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| signer.generate())
            });
        }
        group.finish();
        // Hedged signing: fresh randomness per signature averages ML-DSA's and FN-DSA's
        // rejection loops over the iterations.
        let mut group = c.benchmark_group(format!("sig/{name}/sign"));
        group.sample_size(samples);
        for (label, signer) in &signers {
            let pair = signer.generate().expect("key generation");
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| signer.sign_random(pair.secret_key.as_bytes(), black_box(MESSAGE), b""))
            });
        }
        group.finish();
        let mut group = c.benchmark_group(format!("sig/{name}/verify"));
        group.sample_size(samples);
        for (label, signer) in &signers {
            let pair = signer.generate().expect("key generation");
            let signature = signer
                .sign_random(pair.secret_key.as_bytes(), MESSAGE, b"")
                .expect("signing");
            group.bench_function(BenchmarkId::from_parameter(label), |b| {
                b.iter(|| {
                    signer.verify(
                        &pair.public_key,
                        SignedMessage::pure(black_box(MESSAGE)),
                        &signature,
                    )
                })
            });
        }
        group.finish();
    }
}

/// CCTV's ML-DSA benchmark: every message of the set signed deterministically, empty context,
/// key from the all-zero seed. Throughput is in signatures, so the per-signature mean is
/// representative of ML-DSA's rejection sampling.
fn cctv_signing(c: &mut Criterion) {
    let store = match VectorStore::from_env() {
        Ok(store) => store,
        Err(e) => {
            eprintln!("skipping the CCTV ML-DSA signing benchmark: {e}");
            return;
        }
    };
    for algorithm in [
        SignatureAlgorithm::MlDsa44,
        SignatureAlgorithm::MlDsa65,
        SignatureAlgorithm::MlDsa87,
    ] {
        let name = algorithm.name();
        let path = format!("cctv/ML-DSA/benchmark/{name}.json");
        let messages: Vec<String> = match store
            .read_json(&path)
            .map_err(|e| e.to_string())
            .and_then(|(json, _)| serde_json::from_value(json).map_err(|e| e.to_string()))
        {
            Ok(messages) => messages,
            Err(e) => {
                eprintln!("skipping CCTV signing for {name}: {e}");
                continue;
            }
        };
        let mut group = c.benchmark_group(format!("sig/{name}/sign-cctv"));
        group.throughput(Throughput::Elements(messages.len() as u64));
        for (label, provider) in implementations() {
            let Some(signer) = provider.signature(algorithm) else {
                continue;
            };
            let pair = signer
                .generate_from_seed(&[0u8; 32])
                .expect("key generation");
            group.bench_function(BenchmarkId::from_parameter(&label), |b| {
                b.iter(|| {
                    for message in &messages {
                        let signed = signer.sign(
                            pair.secret_key.as_bytes(),
                            SignedMessage::pure(message.as_bytes()),
                            SigningRandomness::Deterministic,
                        );
                        black_box(signed).expect("signing a CCTV message");
                    }
                })
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = sonet_bench::config();
    targets = kem, signatures, cctv_signing
}
criterion_main!(benches);
