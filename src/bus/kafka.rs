//! The Kafka bus: Apache Kafka or any Kafka-API broker (the tests use tansu) through rdkafka
//! with its bundled librdkafka.
//!
//! - Producer: idempotent, `acks=all`; a publish returns when the broker acknowledged it, and
//!   librdkafka retries through broker restarts until `delivery_timeout` runs out.
//! - Ordering: records are keyed by group id, so each group's records share a partition.
//! - Consumers: a consumer group per worker pool, no auto-commit; offsets are committed after a
//!   record was processed, so a crash redelivers rather than loses.
//! - The topic is created explicitly at start-up (many brokers, tansu among them, do not
//!   auto-create topics).

use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

use super::{BusConsumer, BusError, Delivered, MessageBus, Position, Record};

/// Where and how to reach the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaSettings {
    /// `host:port[,host:port…]`.
    pub brokers: String,
    /// The topic records go to (created at start-up if missing).
    pub topic: String,
    /// Partitions of the topic when this bus creates it.
    pub partitions: i32,
    /// Replication factor of the topic when this bus creates it.
    pub replication_factor: i32,
    /// The librdkafka `client.id`.
    pub client_id: String,
    /// How long a publish may wait (retrying) for the broker's acknowledgement.
    pub delivery_timeout: Duration,
}

/// A Kafka-backed [`MessageBus`].
pub struct KafkaBus {
    settings: KafkaSettings,
    /// The producer and its generation. After a delivery timeout or a fatal error the
    /// idempotent producer's state (producer id, epoch, sequence numbers) no longer matches the
    /// broker's — tansu 0.6.0 then rejects every later produce — so it is replaced by a fresh
    /// producer, which asks for a new producer id.
    producer: RwLock<(u64, FutureProducer)>,
}

fn unavailable(e: KafkaError) -> BusError {
    BusError::Unavailable(e.to_string())
}

impl KafkaBus {
    /// Creates the producer; nothing is contacted yet (see [`MessageBus::check`]).
    pub fn new(settings: KafkaSettings) -> Result<Arc<Self>, BusError> {
        let producer = new_producer(&settings)?;
        Ok(Arc::new(KafkaBus {
            settings,
            producer: RwLock::new((0, producer)),
        }))
    }

    fn current_producer(&self) -> (u64, FutureProducer) {
        self.producer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces producer `generation` unless another task already did.
    fn replace_producer(&self, generation: u64) -> Result<(), BusError> {
        let mut current = self.producer.write().unwrap_or_else(|p| p.into_inner());
        if current.0 == generation {
            *current = (generation + 1, new_producer(&self.settings)?);
            tracing::warn!(
                generation = generation + 1,
                "Kafka producer replaced after a delivery timeout or fatal error"
            );
        }
        Ok(())
    }
}

fn new_producer(settings: &KafkaSettings) -> Result<FutureProducer, BusError> {
    base_config(settings)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set(
            "message.timeout.ms",
            settings.delivery_timeout.as_millis().to_string(),
        )
        .set("linger.ms", "1")
        .create()
        .map_err(|e| BusError::Config(e.to_string()))
}

/// Errors after which the idempotent producer's sequence state cannot be trusted.
fn poisons_producer(error: &KafkaError) -> bool {
    match error {
        KafkaError::MessageProduction(code) => matches!(
            code,
            RDKafkaErrorCode::MessageTimedOut
                | RDKafkaErrorCode::Fatal
                | RDKafkaErrorCode::OutOfOrderSequenceNumber
                | RDKafkaErrorCode::UnknownProducerId
                | RDKafkaErrorCode::InvalidProducerEpoch
                | RDKafkaErrorCode::Unknown
        ),
        _ => false,
    }
}

fn base_config(settings: &KafkaSettings) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &settings.brokers)
        .set("client.id", &settings.client_id)
        // Reconnect quickly after a broker restart.
        .set("reconnect.backoff.ms", "100")
        .set("reconnect.backoff.max.ms", "2000");
    config
}

#[async_trait]
impl MessageBus for KafkaBus {
    fn kind(&self) -> &'static str {
        "kafka"
    }

    async fn ensure_topics(&self) -> Result<(), BusError> {
        let admin: AdminClient<DefaultClientContext> = base_config(&self.settings)
            .create()
            .map_err(|e| BusError::Config(e.to_string()))?;
        let topic = NewTopic::new(
            &self.settings.topic,
            self.settings.partitions,
            TopicReplication::Fixed(self.settings.replication_factor),
        );
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let results = admin
            .create_topics([&topic], &options)
            .await
            .map_err(unavailable)?;
        for result in results {
            match result {
                Ok(_) => {}
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => {
                    return Err(BusError::Unavailable(format!(
                        "creating topic {name}: {code}"
                    )))
                }
            }
        }
        Ok(())
    }

    async fn publish(&self, record: Record) -> Result<Position, BusError> {
        let (generation, producer) = self.current_producer();
        let delivery = match producer
            .send(
                FutureRecord::to(&self.settings.topic)
                    .key(&record.key)
                    .payload(&record.value),
                self.settings.delivery_timeout,
            )
            .await
        {
            Ok(delivery) => delivery,
            Err((error, _)) => {
                if poisons_producer(&error) {
                    self.replace_producer(generation)?;
                }
                return Err(unavailable(error));
            }
        };
        Ok(Position {
            partition: delivery.partition,
            offset: delivery.offset,
        })
    }

    async fn consumer(&self, group: &str) -> Result<Box<dyn BusConsumer>, BusError> {
        let consumer: StreamConsumer = base_config(&self.settings)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            // librdkafka's default (500 ms) is the floor of delivery latency on a quiet topic.
            .set("fetch.wait.max.ms", "10")
            .create()
            .map_err(|e| BusError::Config(e.to_string()))?;
        consumer
            .subscribe(&[&self.settings.topic])
            .map_err(unavailable)?;
        Ok(Box::new(KafkaConsumer {
            consumer: Arc::new(consumer),
            topic: self.settings.topic.clone(),
        }))
    }

    async fn check(&self) -> Result<(), BusError> {
        let (_, producer) = self.current_producer();
        let topic = self.settings.topic.clone();
        tokio::task::spawn_blocking(move || {
            producer
                .client()
                .fetch_metadata(Some(&topic), Duration::from_secs(2))
                .map_err(unavailable)
                .and_then(|metadata| {
                    // A broker that answers but has lost the topic is not serving either.
                    match metadata.topics().first().and_then(|t| t.error()) {
                        Some(error) => Err(BusError::Unavailable(format!(
                            "topic {topic}: {:?}",
                            RDKafkaErrorCode::from(error)
                        ))),
                        None => Ok(()),
                    }
                })
        })
        .await
        .map_err(|e| BusError::Unavailable(e.to_string()))?
    }
}

struct KafkaConsumer {
    consumer: Arc<StreamConsumer>,
    topic: String,
}

#[async_trait]
impl BusConsumer for KafkaConsumer {
    async fn next(&mut self) -> Result<Delivered, BusError> {
        let message = self.consumer.recv().await.map_err(unavailable)?;
        Ok(Delivered {
            partition: message.partition(),
            offset: message.offset(),
            key: message.key().unwrap_or_default().to_vec(),
            value: message.payload().unwrap_or_default().to_vec(),
        })
    }

    async fn commit(&mut self, delivered: &Delivered) -> Result<(), BusError> {
        let mut offsets = TopicPartitionList::new();
        offsets
            .add_partition_offset(
                &self.topic,
                delivered.partition,
                Offset::Offset(delivered.offset + 1),
            )
            .map_err(unavailable)?;
        // Asynchronous: a synchronous commit blocks a thread until the group coordinator
        // answers, indefinitely while the broker is gone (which also stalls runtime shutdown).
        // A lost commit only means records are seen again, and delivery is idempotent.
        self.consumer
            .commit(&offsets, CommitMode::Async)
            .map_err(unavailable)
    }
}
