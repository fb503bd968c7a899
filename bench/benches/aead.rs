//! AEAD seal/open throughput: Sonet's providers and ring, through Sonet's `Aead` trait.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sonet::crypto::aead::AeadAlgorithm;
use sonet_bench::{implementations, Profile};

const SIZES: [usize; 4] = [64, 1024, 16 * 1024, 1024 * 1024];

fn aead(c: &mut Criterion) {
    sonet_bench::record_defaults();
    let algorithms: &[AeadAlgorithm] = if Profile::from_env().is_quick() {
        &[AeadAlgorithm::Aes256Gcm]
    } else {
        &[
            AeadAlgorithm::Aes128Gcm,
            AeadAlgorithm::Aes256Gcm,
            AeadAlgorithm::ChaCha20Poly1305,
        ]
    };
    for &algorithm in algorithms {
        let key = vec![0x42; algorithm.key_len()];
        let nonce = [0x24; 12];
        for operation in ["seal", "open"] {
            let mut group = c.benchmark_group(format!("aead/{}/{operation}", algorithm.name()));
            for size in SIZES {
                group.throughput(Throughput::Bytes(size as u64));
                let plaintext = vec![0x5a; size];
                for (label, provider) in implementations() {
                    let Some(aead) = provider.aead(algorithm) else {
                        continue;
                    };
                    let sealed = aead
                        .seal(&key, &nonce, b"", &plaintext)
                        .expect("sealing a benchmark input");
                    group.bench_function(BenchmarkId::new(label, size), |b| {
                        if operation == "seal" {
                            b.iter(|| aead.seal(&key, &nonce, b"", black_box(&plaintext)))
                        } else {
                            b.iter(|| aead.open(&key, &nonce, b"", black_box(&sealed)))
                        }
                    });
                }
            }
            group.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = sonet_bench::config();
    targets = aead
}
criterion_main!(benches);
