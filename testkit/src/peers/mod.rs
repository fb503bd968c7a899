//! Peer implementations behind Sonet's own interfaces (feature `peers`): libcrux ML-KEM and
//! ML-DSA behind `Kem` / `Signature`, mls-rs beside Sonet's MLS engine behind one MLS member
//! interface, ring's AEADs behind `Aead`. Only the suites' conformance harness and the
//! benchmarks enable the feature, so the product never links a peer.

pub mod libcrux;
pub mod mls;
pub mod ring_aead;
