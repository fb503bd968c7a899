//! The Kafka case groups, and the Kafka clients they share: a bus on a topic, reading records back.

pub(crate) mod consumer_group;
pub(crate) mod fault_tolerance;
pub(crate) mod ordering;
pub(crate) mod producer;
pub(crate) mod unavailable;

use std::sync::Arc;
use std::time::Duration;

use sonet::bus::kafka::{KafkaBus, KafkaSettings};
use sonet::bus::{BusConsumer, MessageBus};
use sonet_testkit::unique::unique;

use crate::conformance::service::RECEIVE_TIMEOUT;

fn kafka_bus(bootstrap: &str, topic: &str, timeout: Duration) -> Result<Arc<KafkaBus>, String> {
    KafkaBus::new(KafkaSettings {
        brokers: bootstrap.to_owned(),
        topic: topic.to_owned(),
        partitions: 3,
        replication_factor: 1,
        client_id: "sonet-service-suite".into(),
        delivery_timeout: timeout,
    })
    .map_err(|e| e.to_string())
}

async fn next_record(
    consumer: &mut Box<dyn BusConsumer>,
    wait: Duration,
) -> Result<Option<sonet::bus::Delivered>, String> {
    match tokio::time::timeout(wait, consumer.next()).await {
        Err(_) => Ok(None),
        Ok(Ok(record)) => Ok(Some(record)),
        Ok(Err(e)) => Err(format!("consumer: {e}")),
    }
}

/// Reads `count` records of `topic` from the start with a consumer group of its own.
async fn read_topic(
    bootstrap: &str,
    topic: &str,
    count: usize,
) -> Result<Vec<sonet::bus::Delivered>, String> {
    let bus = kafka_bus(bootstrap, topic, Duration::from_secs(10))?;
    let mut consumer = bus
        .consumer(&unique("suite-reader"))
        .await
        .map_err(|e| e.to_string())?;
    let mut records = Vec::with_capacity(count);
    while records.len() < count {
        match next_record(&mut consumer, RECEIVE_TIMEOUT).await? {
            Some(record) => records.push(record),
            None => {
                return Err(format!(
                    "only {} of {count} records read back within {} s",
                    records.len(),
                    RECEIVE_TIMEOUT.as_secs()
                ))
            }
        }
    }
    Ok(records)
}
