//! RFC 9420 (MLS) vectors from mlswg/mls-implementations, through `sonet::mls` (openmls 0.9.2,
//! `engine`):
//! the passive-client files and the mlspp `interop/passive` files (join, process every epoch,
//! compare every epoch authenticator), `messages.json` (every structure decodes and re-encodes
//! byte-identically with openmls' public TLS codec types), `deserialization.json` (the
//! variable-length-vector length prefix) and `welcome.json` (decrypt and check a Welcome with
//! `sonet::mls::inspect_welcome`).
//!
//! The same suite runs the passive-client and `messages.json` files a second time, and the files
//! that test single derivations (tree math, crypto basics, secret tree, key schedule, PSKs, transcript hashes,
//! message protection, tree validation, tree operations, TreeKEM), through the independent
//! oracle `sonet_oracle` (`oracle` and `oracle_tree`, provider `sonet-oracle`);
//! then the differential run and Sonet's draft-PQ vectors ([`differential`]). `files` holds
//! what they share.

pub mod differential;
mod engine;
mod files;
mod oracle;
mod oracle_tree;

use crate::runner::{Job, Suite};
use engine::{deserialization_set, messages_set, passive_set, welcome_set, PROVIDER};
use files::{INTEROP_FILES, PASSIVE_FILES};

/// The `rfc9420` suite: the mlswg/mls-implementations files under `mls/` through `sonet::mls`
/// (provider `openmls`) and through the oracle (provider `sonet-oracle`), the differential run
/// and Sonet's draft-PQ vectors (see the module documentation).
pub const SUITE: Suite = Suite {
    name: "rfc9420",
    description: "MLS (RFC 9420): the mlswg vector files through sonet::mls (openmls 0.9.2 on \
                  SonetCrypto) and through the independent oracle sonet-oracle; a \
                  seeded differential run (openmls vs the oracle, all seven suites, groups up to \
                  64); self-generated passive-client vectors for the draft PQ suites",
    jobs,
};

fn jobs() -> Vec<Job> {
    let mut jobs = Vec::new();
    for file in PASSIVE_FILES {
        jobs.push(Job::new(SUITE.name, file, PROVIDER, move |store, set| {
            passive_set(store, file, false, set)
        }));
    }
    for file in INTEROP_FILES {
        jobs.push(Job::new(SUITE.name, file, PROVIDER, move |store, set| {
            passive_set(store, file, true, set)
        }));
    }
    jobs.push(Job::new(
        SUITE.name,
        "mls/messages.json",
        PROVIDER,
        messages_set,
    ));
    jobs.push(Job::new(
        SUITE.name,
        "mls/deserialization.json",
        PROVIDER,
        deserialization_set,
    ));
    jobs.push(Job::new(
        SUITE.name,
        "mls/welcome.json",
        PROVIDER,
        welcome_set,
    ));
    jobs.extend(oracle::jobs(SUITE.name));
    jobs.extend(oracle_tree::jobs(SUITE.name));
    jobs.extend(oracle::passive_jobs(SUITE.name));
    jobs.extend(differential::jobs(SUITE.name));
    jobs
}
