//! The message bus between the gRPC front end and the delivery workers: an ordered, durable log
//! of opaque records keyed by group id.
//!
//! Two implementations of [`MessageBus`]:
//! - [`embedded`]: an in-process, fsync'd append-only log under the storage directory; the
//!   default when no broker is configured.
//! - `kafka` (feature `kafka`): Apache Kafka or any Kafka-API broker through rdkafka with its
//!   bundled librdkafka — idempotent producer, `acks=all`, records keyed by group id (one
//!   partition per group keeps its order), consumer groups with offsets committed only after a
//!   record was processed.
//!
//! Delivery is at least once: a worker that fails between processing a record and committing
//! its offset sees the record again. Records therefore carry message ids, and everything
//! downstream is idempotent on them.

pub mod embedded;
#[cfg(feature = "kafka")]
pub mod kafka;

use std::sync::Arc;

use async_trait::async_trait;

/// Errors of the bus layer.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The bus cannot be reached or did not acknowledge in time; retrying may succeed.
    #[error("message bus unavailable: {0}")]
    Unavailable(String),
    /// Reading or writing the embedded bus's files failed.
    #[error("message bus storage {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The embedded log holds a frame that fails its checks where a whole frame should be, or a
    /// consumer-group offset file does not parse.
    #[error("message bus log {path} is corrupt at byte {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// Byte position of the bad frame (0 for an offset file).
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting or request the bus refuses: a bad consumer-group name, an oversized record, or a
    /// Kafka client configuration librdkafka rejects.
    #[error("message bus configuration: {0}")]
    Config(String),
    /// The bus's writer or log watcher has stopped (the bus is shutting down).
    #[error("message bus closed")]
    Closed,
}

impl BusError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        BusError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// A record to append: ordered with every other record of the same key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The ordering key: the group id.
    pub key: Vec<u8>,
    /// The opaque payload (the service stores an encoded `sonet.v1` `BusRecord` here).
    pub value: Vec<u8>,
}

/// A record read back by a consumer, with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The partition it came from (always 0 on the embedded bus).
    pub partition: i32,
    /// Its offset in the partition (the frame's byte position on the embedded bus).
    pub offset: i64,
    /// The record's key.
    pub key: Vec<u8>,
    /// The record's value.
    pub value: Vec<u8>,
}

/// Where an appended record landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The partition (always 0 on the embedded bus).
    pub partition: i32,
    /// The offset in the partition (the frame's byte position on the embedded bus).
    pub offset: i64,
}

/// An ordered, durable log of records.
#[async_trait]
pub trait MessageBus: Send + Sync {
    /// "embedded" or "kafka".
    fn kind(&self) -> &'static str;

    /// Creates the topic the service uses if it does not exist (brokers such as tansu do not
    /// auto-create topics).
    async fn ensure_topics(&self) -> Result<(), BusError>;

    /// Appends a record and returns once it is durable (fsync'd / acknowledged by all in-sync
    /// replicas). An error means the record may or may not have been appended: callers retry
    /// with the same message id.
    async fn publish(&self, record: Record) -> Result<Position, BusError>;

    /// A consumer in consumer group `group`, starting after the group's committed position.
    async fn consumer(&self, group: &str) -> Result<Box<dyn BusConsumer>, BusError>;

    /// Whether the bus answers now.
    async fn check(&self) -> Result<(), BusError>;
}

/// A member of a consumer group.
#[async_trait]
pub trait BusConsumer: Send {
    /// The next record, waiting for one.
    async fn next(&mut self) -> Result<Delivered, BusError>;

    /// Marks `delivered` and everything before it in its partition as processed.
    async fn commit(&mut self, delivered: &Delivered) -> Result<(), BusError>;
}

/// A bus shared by the service's tasks.
pub type SharedBus = Arc<dyn MessageBus>;
