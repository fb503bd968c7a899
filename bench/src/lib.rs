//! Sonet's criterion benchmarks and the peers they are compared with. The peers' adapters live
//! in `sonet_testkit::peers` (shared with the conformance suites), which only test and
//! benchmark crates enable, so the product never links a peer.
//!
//! Every implementation — Sonet's providers and the peers — is measured through the same Sonet
//! trait (`Aead`, `Kem`, `Signature`), so a ratio compares implementations, not APIs: each call
//! takes raw key bytes and returns an owned `Vec`, whoever implements it.
//!
//! Benchmark ids follow one scheme that `cargo xtask bench` parses: group
//! `<area>/<algorithm>/<operation>` (area `aead`, `kem`, `sig`, `hybrid`, `mls`), function = the
//! implementation (`sonet/<provider>` for Sonet's own, the peer's name otherwise), and for
//! size-dependent groups the parameter is the input size in bytes (`<n> members` for MLS).
//!
//! `SONET_BENCH_PROFILE=quick` (what `cargo xtask verify` runs) measures briefly and skips the
//! slowest parameter sets; `full` (the default, `cargo xtask bench`) measures everything.

use std::time::Duration;

use std::collections::BTreeMap;

use criterion::Criterion;
use sonet::crypto::aead::AeadAlgorithm;
use sonet::crypto::{default_for_aead, default_for_kem, default_for_signature};
use sonet::crypto::{KemAlgorithm, Provider, SignatureAlgorithm};
use sonet_testkit::peers::{libcrux, ring_aead};

/// How long and how much to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A few seconds per group, the slow parameter sets left out: for `cargo xtask verify`.
    Quick,
    /// Criterion's statistics with longer measurement, every parameter set.
    Full,
}

impl Profile {
    /// `SONET_BENCH_PROFILE` (`quick` or `full`); `full` when unset.
    pub fn from_env() -> Self {
        match std::env::var("SONET_BENCH_PROFILE").as_deref() {
            Ok("quick") => Self::Quick,
            _ => Self::Full,
        }
    }

    /// Whether this is the quick profile, in which the benches leave cases out: AEADs other than
    /// AES-256-GCM, the slow SLH-DSA sets, some payload and group sizes, the mls-rs/openssl peer.
    pub fn is_quick(self) -> bool {
        self == Self::Quick
    }

    /// The sample count `criterion()` configures.
    pub fn criterion_sample_size(self) -> usize {
        match self {
            Self::Quick => 10,
            Self::Full => 50,
        }
    }

    /// The criterion configuration for this profile (command-line flags still override it).
    pub fn criterion(self) -> Criterion {
        let c = Criterion::default().without_plots();
        match self {
            Self::Quick => c
                .warm_up_time(Duration::from_millis(200))
                .measurement_time(Duration::from_millis(600))
                .sample_size(self.criterion_sample_size()),
            Self::Full => c
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3))
                .sample_size(self.criterion_sample_size()),
        }
    }
}

/// The criterion configuration the benchmark binaries start from.
pub fn config() -> Criterion {
    Profile::from_env().criterion()
}

/// The function id of one of Sonet's providers: `sonet/<provider>`.
pub fn sonet_label(provider: &Provider) -> String {
    format!("sonet/{}", provider.name)
}

/// Sonet's providers, then the peers, as (label, provider) pairs.
pub fn implementations() -> Vec<(String, &'static Provider)> {
    let mut all: Vec<(String, &'static Provider)> = sonet::crypto::providers()
        .into_iter()
        .map(|p| (sonet_label(p), p))
        .collect();
    all.push((libcrux::PROVIDER.name.to_owned(), &libcrux::PROVIDER));
    all.push((ring_aead::PROVIDER.name.to_owned(), &ring_aead::PROVIDER));
    all
}

/// The file next to criterion's output that names each algorithm's default Sonet provider.
pub const DEFAULTS_FILE: &str = "sonet-defaults.json";

/// Records, under `$CRITERION_HOME`, which Sonet provider is the default for each algorithm
/// (`aead/AES-256-GCM` → `sonet/aws-lc`), so `cargo xtask bench` can hold the defaults against
/// the measurements. Without `CRITERION_HOME` (a plain `cargo bench`) nothing is written.
pub fn record_defaults() {
    let Some(home) = std::env::var_os("CRITERION_HOME") else {
        return;
    };
    let mut defaults = BTreeMap::new();
    for algorithm in AeadAlgorithm::ALL {
        if let Some(p) = default_for_aead(algorithm) {
            defaults.insert(format!("aead/{}", algorithm.name()), sonet_label(p));
        }
    }
    for algorithm in KemAlgorithm::ALL {
        if let Some(p) = default_for_kem(algorithm) {
            defaults.insert(format!("kem/{}", algorithm.name()), sonet_label(p));
        }
    }
    for &algorithm in SignatureAlgorithm::ALL {
        if let Some(p) = default_for_signature(algorithm) {
            defaults.insert(format!("sig/{}", algorithm.name()), sonet_label(p));
        }
    }
    let path = std::path::Path::new(&home).join(DEFAULTS_FILE);
    let written = std::fs::create_dir_all(&home)
        .map_err(|e| e.to_string())
        .and_then(|()| serde_json::to_vec_pretty(&defaults).map_err(|e| e.to_string()))
        .and_then(|json| std::fs::write(&path, json).map_err(|e| e.to_string()));
    if let Err(e) = written {
        eprintln!(
            "warning: cannot record the default providers in {}: {e}",
            path.display()
        );
    }
}
