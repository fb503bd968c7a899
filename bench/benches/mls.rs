//! MLS: KeyPackage creation, one commit adding N members, joining from a Welcome, a
//! self-update in a populated and in a sparse tree, and application-message encryption plus
//! decryption, by group size — Sonet (`sonet::mls` on openmls) and mls-rs side by side, driven
//! through the same adapter as the `interop` conformance suite. Cipher suite 1
//! (X25519, AES-128-GCM, SHA-256, Ed25519), PublicMessage handshakes, tree in the Welcome.

use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use sonet_bench::Profile;
use sonet_testkit::peers::mls::{self as peers, Implementation, Joiner, Member, Style};

const SUITE: u16 = 1;
const STYLE: Style = Style {
    tree_in_welcome: true,
    encrypted_handshake: false,
};

fn implementations(profile: Profile) -> Vec<(&'static str, Box<dyn Implementation>)> {
    let mut all: Vec<(&'static str, Box<dyn Implementation>)> = vec![
        ("sonet/openmls", Box::new(peers::Sonet)),
        ("mls-rs/rustcrypto", Box::new(peers::mls_rs_rustcrypto())),
    ];
    if !profile.is_quick() {
        all.push(("mls-rs/openssl", Box::new(peers::mls_rs_openssl())));
    }
    all
}

fn group_sizes(profile: Profile) -> Vec<usize> {
    if profile.is_quick() {
        vec![10, 100]
    } else {
        vec![10, 100, 1000]
    }
}

fn identity() -> Vec<u8> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("bench-client-{}", NEXT.fetch_add(1, Ordering::Relaxed)).into_bytes()
}

fn members(n: usize) -> String {
    format!("{n} members")
}

fn joiners(imp: &dyn Implementation, count: usize) -> Vec<Box<dyn Joiner>> {
    (0..count)
        .map(|_| imp.joiner(&identity(), SUITE, STYLE).expect("KeyPackage"))
        .collect()
}

/// A group of `size` members as its creator sees it: the others are added in one commit
/// (they need not process anything for the creator's benchmarks).
fn populated(imp: &dyn Implementation, size: usize) -> Box<dyn Member> {
    let mut creator = imp
        .create_group(&identity(), SUITE, STYLE)
        .expect("group creation");
    if size > 1 {
        let others = joiners(imp, size - 1);
        let key_packages: Vec<&[u8]> = others.iter().map(|j| j.key_package()).collect();
        creator.commit_add(&key_packages).expect("add commit");
        creator.merge_own_commit().expect("merge");
    }
    creator
}

fn key_package(c: &mut Criterion) {
    let profile = Profile::from_env();
    let mut group = c.benchmark_group("mls/key-package/create");
    for (label, imp) in implementations(profile) {
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter(|| imp.joiner(&identity(), SUITE, STYLE))
        });
    }
    group.finish();
}

fn add(c: &mut Criterion) {
    let profile = Profile::from_env();
    let mut group = c.benchmark_group("mls/add/commit");
    group.sample_size(10);
    for size in group_sizes(profile) {
        for (label, imp) in implementations(profile) {
            group.bench_function(BenchmarkId::new(label, members(size)), |b| {
                b.iter_batched(
                    || {
                        let creator = imp
                            .create_group(&identity(), SUITE, STYLE)
                            .expect("group creation");
                        (creator, joiners(imp.as_ref(), size))
                    },
                    |(mut creator, others)| {
                        let key_packages: Vec<&[u8]> =
                            others.iter().map(|j| j.key_package()).collect();
                        creator.commit_add(&key_packages).expect("add commit");
                        creator.merge_own_commit().expect("merge");
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

fn join(c: &mut Criterion) {
    let profile = Profile::from_env();
    let mut group = c.benchmark_group("mls/join/welcome");
    group.sample_size(10);
    for size in group_sizes(profile).into_iter().filter(|&n| n <= 100) {
        for (label, imp) in implementations(profile) {
            group.bench_function(BenchmarkId::new(label, members(size)), |b| {
                b.iter_batched(
                    || {
                        let mut creator = populated(imp.as_ref(), size - 1);
                        let joiner = imp.joiner(&identity(), SUITE, STYLE).expect("KeyPackage");
                        let commit = creator
                            .commit_add(&[joiner.key_package()])
                            .expect("add commit");
                        (joiner, commit.welcome.expect("Welcome"))
                    },
                    |(joiner, welcome)| joiner.join(&welcome, None).expect("join"),
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

fn update(c: &mut Criterion) {
    let profile = Profile::from_env();
    for tree in ["populated", "sparse"] {
        let mut group = c.benchmark_group(format!("mls/update/{tree}"));
        group.sample_size(10);
        for size in group_sizes(profile) {
            for (label, imp) in implementations(profile) {
                // Sparse: twice the members added, then every other one removed, so half the
                // leaves are blank and the update path's resolution widens.
                let mut creator = if tree == "populated" {
                    populated(imp.as_ref(), size)
                } else {
                    let mut creator = populated(imp.as_ref(), 2 * size - 1);
                    for leaf in (1..2 * size as u32 - 1).step_by(2) {
                        creator.commit_remove(leaf).expect("remove commit");
                        creator.merge_own_commit().expect("merge");
                    }
                    creator
                };
                group.bench_function(BenchmarkId::new(label, members(size)), |b| {
                    b.iter(|| {
                        creator.commit_update().expect("update commit");
                        creator.merge_own_commit().expect("merge");
                    })
                });
            }
        }
        group.finish();
    }
}

fn message(c: &mut Criterion) {
    let profile = Profile::from_env();
    let mut group = c.benchmark_group("mls/message/encrypt+decrypt");
    for size in group_sizes(profile) {
        for (label, imp) in implementations(profile) {
            let mut sender = populated(imp.as_ref(), size - 1);
            let joiner = imp.joiner(&identity(), SUITE, STYLE).expect("KeyPackage");
            let commit = sender
                .commit_add(&[joiner.key_package()])
                .expect("add commit");
            sender.merge_own_commit().expect("merge");
            let mut receiver = joiner
                .join(&commit.welcome.expect("Welcome"), None)
                .expect("join");
            let text = [0x5a; 256];
            group.bench_function(BenchmarkId::new(label, members(size)), |b| {
                b.iter(|| {
                    let ciphertext = sender.encrypt(&text).expect("encrypt");
                    receiver.process(&ciphertext).expect("decrypt")
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = sonet_bench::config();
    targets = key_package, add, join, update, message
}
criterion_main!(benches);
