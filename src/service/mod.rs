//! The messaging service: a tonic gRPC server with the `sonet.v1` API — key directory,
//! delivery service, PQC and hybrid key operations — plus `grpc.health.v1`, server reflection,
//! plain-HTTP `/health` and `/metrics`, TLS (optionally mutual) through rustls, a YAML
//! configuration and a structured audit log.
//!
//! The server routes ciphertext only: it never holds a member's MLS private state or any
//! plaintext. Submissions go onto the [message bus](crate::bus) (Kafka, or the embedded log by
//! default) and reach mailboxes through the delivery workers.

pub mod auth;
pub mod client;
pub mod config;
mod delivery;
mod directory;
mod keys;
mod metrics;
pub mod proto;
mod server;
mod state;
mod store;
mod worker;

pub use config::{ConfigError, Settings};

/// Makes aws-lc-rs the process-wide rustls crypto provider unless one is installed already.
/// tonic's TLS uses the process default, which rustls cannot pick by itself when more than one
/// provider is compiled in (as in a workspace build with peers that use ring).
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
}
pub use delivery::{scoped_message_id, MESSAGE_ID_LEN};
pub use keys::KeyAlgorithm;
pub use server::{start, RunningServer, ServerError};
