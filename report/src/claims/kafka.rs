//! Section 5 of the design document, "Kafka Integration (No More Placeholders)": each sentence
//! with the `service` suite's Kafka cases that measure it.

use crate::model::{Claim, SetResult};

use super::service::{service_claim, ServiceClaim};

pub(super) const SECTION_KAFKA: &str = "5. Kafka Integration (No More Placeholders)";

pub(super) const CLAIMS: &[ServiceClaim] = &[
    ServiceClaim {
        id: "kafka-producer",
        section: SECTION_KAFKA,
        quote: "Producer: Complete message publishing with delivery reports",
        claimed: "publishing with delivery reports",
        sets: &["kafka/producer"],
        bus: Some("kafka"),
        kinds: &[],
        how: "sonet::bus::kafka::KafkaBus (rdkafka, idempotent, acks=all) against a Kafka-API \
              broker (tansu): every publish returns its partition and offset, records of one \
              key share a partition with increasing offsets, a consumer finds each record where \
              its report said, and a publish the broker cannot take is reported as failed",
    },
    ServiceClaim {
        id: "kafka-consumer",
        section: SECTION_KAFKA,
        quote: "Consumer: Full message consumption with group management",
        claimed: "consumption with group management",
        sets: &["kafka/consumer-group"],
        bus: Some("kafka"),
        kinds: &[],
        how: "the delivery worker consumes in its consumer group and commits what it processed: \
              after a graceful shutdown a new group member starts after the last processed \
              record, a restarted server resumes with no loss and no duplicates, and another \
              consumer group reads the topic independently",
    },
    ServiceClaim {
        id: "kafka-error-handling",
        section: SECTION_KAFKA,
        quote: "Error Handling: Comprehensive error handling and recovery",
        claimed: "comprehensive error handling and recovery",
        sets: &["kafka/fault-tolerance", "kafka/unavailable"],
        bus: Some("kafka"),
        kinds: &[],
        how: "a private broker killed while messages are sent, and killed for longer than the \
              delivery timeout: health, UNAVAILABLE answers, logged outage, recovery without a \
              server restart, every message delivered once",
    },
    ServiceClaim {
        id: "kafka-fallback",
        section: SECTION_KAFKA,
        quote: "Fallback: Graceful degradation when Kafka is unavailable",
        claimed: "graceful degradation when Kafka is unavailable",
        sets: &["kafka/unavailable"],
        bus: Some("kafka"),
        kinds: &[],
        how: "Sonet deliberately has no fallback: it never switches to another store (that would \
              break per-group ordering and exactly-once delivery). What is measured is the \
              degradation: with the configured broker down the server stays up, Directory and \
              Keys keep serving, health reports NOT_SERVING (gRPC, and GET /health 503), a \
              submission gets UNAVAILABLE (retry with the same message id) and nothing is \
              written elsewhere, the outage is logged; after the broker returns, health reports \
              SERVING and the retried message must be delivered exactly once. Confirmed would \
              mean that degradation was shown, never that a fallback exists",
    },
    ServiceClaim {
        id: "kafka-streaming",
        section: SECTION_KAFKA,
        quote: "Real-time message streaming",
        claimed: "real-time streaming",
        sets: &["kafka/ordering"],
        bus: Some("kafka"),
        kinds: &["streaming"],
        how: "50 messages over Kafka, each from SendMessage to decrypted receipt on one open \
              Subscribe stream, within a bound of 1 s each (the measured p50 and maximum are in \
              the case)",
    },
    ServiceClaim {
        id: "kafka-consumer-groups",
        section: SECTION_KAFKA,
        quote: "Consumer group management",
        claimed: "consumer group management",
        sets: &["kafka/consumer-group"],
        bus: Some("kafka"),
        kinds: &[],
        how: "committed offsets per consumer group: the service's group resumes where its workers \
              stopped, a second group reads the same topic from the start independently",
    },
    ServiceClaim {
        id: "kafka-ordering",
        section: SECTION_KAFKA,
        quote: "Message ordering guarantees",
        claimed: "ordering guarantees",
        sets: &["kafka/ordering"],
        bus: Some("kafka"),
        kinds: &["ordering"],
        how: "1,000 messages of one group arrive at every member in sending order with gapless \
              mailbox sequences; with three concurrent senders every member sees each sender's \
              order and all members one common order; the group's records are keyed by group id \
              in one partition",
    },
    ServiceClaim {
        id: "kafka-fault-tolerance",
        section: SECTION_KAFKA,
        quote: "Fault tolerance and recovery",
        claimed: "fault tolerance and recovery",
        sets: &[
            "kafka/fault-tolerance",
            "kafka/unavailable",
            "kafka/consumer-group",
        ],
        bus: Some("kafka"),
        kinds: &[],
        how: "the broker SIGKILLed and restarted while 300 messages are sent (nothing \
              acknowledged during the outage, all arrive once and in order, no server restart), \
              the broker down for longer than the delivery timeout (the refused message retried \
              after recovery), and a server restart resuming from the committed offsets",
    },
];

/// The claims of section 5, in the order results.json lists them.
pub(super) fn judge(sets: &[SetResult]) -> Vec<Claim> {
    CLAIMS
        .iter()
        .map(|claim| service_claim(sets, claim))
        .collect()
}
