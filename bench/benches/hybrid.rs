//! The hybrid envelope (X-Wing + HKDF-SHA256 + AES-256-GCM) against classical-only HPKE
//! (DHKEM(X25519) + HKDF-SHA256 + AES-256-GCM, RFC 9180 base mode) across payload sizes: the
//! report finds the size above which the post-quantum overhead is below 5 %.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sonet::hybrid::envelope::{self, EnvelopeSuite};
use sonet::hybrid::hpke::{self, AeadId, KdfId, KemId, ReceiverInputs, SenderInputs, Suite};
use sonet_bench::Profile;

/// The benchmark function name of the hybrid envelope (the report pairs it with [`CLASSICAL`]).
pub const ENVELOPE: &str = "envelope/X-Wing+AES-256-GCM";
/// The benchmark function name of classical-only HPKE, the baseline of the overhead ratio.
pub const CLASSICAL: &str = "hpke/X25519+AES-256-GCM";

fn sizes(profile: Profile) -> Vec<usize> {
    let all = [
        64,
        256,
        1024,
        4096,
        16 * 1024,
        64 * 1024,
        256 * 1024,
        1024 * 1024,
    ];
    if profile.is_quick() {
        vec![64, 1024, 16 * 1024, 256 * 1024, 1024 * 1024]
    } else {
        all.to_vec()
    }
}

fn hybrid(c: &mut Criterion) {
    let suite = EnvelopeSuite::XWingAes256Gcm;
    let (envelope_sk, envelope_pk) = envelope::derive_recipient_key(suite, &[0x11; 32]);
    let classical = Suite::new(KemId::DhkemX25519, KdfId::HkdfSha256, AeadId::Aes256Gcm);
    let (classical_sk, classical_pk) = hpke::derive_keypair(KemId::DhkemX25519, &[0x22; 32]);
    let sizes = sizes(Profile::from_env());

    let mut group = c.benchmark_group("hybrid/seal");
    for &size in &sizes {
        group.throughput(Throughput::Bytes(size as u64));
        let plaintext = vec![0x5a; size];
        group.bench_function(BenchmarkId::new(ENVELOPE, size), |b| {
            b.iter(|| envelope::seal(suite, &envelope_pk, black_box(&plaintext), b"", None))
        });
        group.bench_function(BenchmarkId::new(CLASSICAL, size), |b| {
            b.iter(|| {
                hpke::seal(
                    classical,
                    &SenderInputs::base(),
                    &classical_pk,
                    b"",
                    b"",
                    black_box(&plaintext),
                    None,
                )
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("hybrid/open");
    for &size in &sizes {
        group.throughput(Throughput::Bytes(size as u64));
        let plaintext = vec![0x5a; size];
        let sealed = envelope::seal(suite, &envelope_pk, &plaintext, b"", None)
            .expect("sealing an envelope");
        let (enc, ciphertext) = hpke::seal(
            classical,
            &SenderInputs::base(),
            &classical_pk,
            b"",
            b"",
            &plaintext,
            None,
        )
        .expect("HPKE seal");
        group.bench_function(BenchmarkId::new(ENVELOPE, size), |b| {
            b.iter(|| envelope::open(envelope_sk.as_bytes(), black_box(&sealed), b"", None))
        });
        group.bench_function(BenchmarkId::new(CLASSICAL, size), |b| {
            b.iter(|| {
                hpke::open(
                    classical,
                    &ReceiverInputs::base(),
                    classical_sk.as_bytes(),
                    &enc,
                    b"",
                    b"",
                    black_box(&ciphertext),
                )
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = sonet_bench::config();
    targets = hybrid
}
criterion_main!(benches);
