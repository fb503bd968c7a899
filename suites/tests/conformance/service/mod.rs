//! Suite `service`: the messaging service, live. Every job starts real servers in this process
//! (`sonet::service::start` on port 0, storage in a temporary folder, its own tokio runtime),
//! drives real MLS clients (`sonet::service::client::Member`) over real TCP on 127.0.0.1, and
//! records one case per check, with the measured fact as the detail. Case parameters name the
//! message bus ("embedded" or "kafka"); the case kind names the design-document area it
//! measures (judged in `sonet_report::claims::{grpc, kafka}`).
//!
//! Sets (each one job, run per bus):
//! - `grpc/health`, `grpc/reflection`, `grpc/endpoints`, `grpc/errors`: on the embedded bus and
//!   on Kafka; `grpc/tls`: once (TLS does not involve the bus);
//! - `kafka/producer`, `kafka/consumer-group`, `kafka/ordering`, `kafka/fault-tolerance`,
//!   `kafka/unavailable`: on Kafka only.
//!
//! Kafka jobs use `SONET_KAFKA_BROKERS` when it is set and a private tansu broker (from
//! `SONET_TANSU_BIN`) otherwise; the jobs that kill the broker always use a private one. Every
//! job uses topics of its own. Without a broker every Kafka case is `unsupported`, with the
//! reason — never a pass, never missing.
//!
//! Layout: one file per set under `grpc/` and `kafka/` (the Kafka clients the sets share in
//! `kafka/mod.rs`); `job` runs one job, `recording` records its planned cases, `logs` captures
//! the service's log events, `helpers` holds what the sets share.

mod grpc;
mod helpers;
mod job;
mod kafka;
mod logs;
mod recording;

use std::time::Duration;

use sonet::mls::CipherSuite;
use sonet_suites::runner::{Job, Suite};

use self::job::run_job;

pub const SUITE: Suite = Suite {
    name: "service",
    description: "the gRPC service and its message buses, live: servers started in process, \
                  real MLS clients over TCP, the embedded bus and Kafka (tansu)",
    jobs,
};

const MLS_SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(30);
const SERVING_TIMEOUT: Duration = Duration::from_secs(60);
/// A job that takes longer than this fails its remaining cases.
const JOB_TIMEOUT: Duration = Duration::from_secs(240);

/// Why Kafka cases are unsupported when no broker is configured.
pub const NO_BROKER: &str = "no Kafka broker: run `cargo xtask broker start`";
const NO_PRIVATE_BROKER: &str = "no Kafka broker this check may kill: it starts a private tansu \
                                 broker from SONET_TANSU_BIN (`cargo xtask broker install`), \
                                 which is unset";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum BusKind {
    Embedded,
    Kafka,
}

impl BusKind {
    fn name(self) -> &'static str {
        match self {
            BusKind::Embedded => "embedded",
            BusKind::Kafka => "kafka",
        }
    }
}

/// A planned case: id and kind (the claim area).
type Plan = &'static [(&'static str, &'static str)];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SetId {
    Health,
    Reflection,
    Tls,
    Endpoints,
    Errors,
    Producer,
    ConsumerGroup,
    Ordering,
    FaultTolerance,
    Unavailable,
}

struct SetDef {
    id: SetId,
    name: &'static str,
    buses: &'static [BusKind],
    /// Needs a broker of its own that it may kill.
    private_broker: bool,
    plan: Plan,
}

const BOTH: &[BusKind] = &[BusKind::Embedded, BusKind::Kafka];
const EMBEDDED: &[BusKind] = &[BusKind::Embedded];
const KAFKA: &[BusKind] = &[BusKind::Kafka];

const HEALTH_PLAN: Plan = &[
    ("Check \"\" (server)", "health"),
    ("Check sonet.v1.Delivery", "health"),
    ("Check sonet.v1.Directory and sonet.v1.Keys", "health"),
    ("Check an unknown service", "health"),
    ("Watch \"\"", "health"),
    ("GET /health", "health"),
    ("GET /metrics", "health"),
];

const REFLECTION_PLAN: Plan = &[
    ("v1 ListServices", "reflection"),
    ("v1alpha ListServices", "reflection"),
    ("v1 FileContainingSymbol sonet.v1.Delivery", "reflection"),
    (
        "v1 FileContainingSymbol grpc.health.v1.Health",
        "reflection",
    ),
    ("v1 unknown symbol", "reflection"),
];

const TLS_PLAN: Plan = &[
    ("TLS: signed calls, MLS messages end to end", "tls"),
    ("TLS: plaintext client refused", "tls"),
    ("TLS: client trusting another CA refused", "tls"),
    ("mTLS: certificate common name is the identity", "tls"),
    ("mTLS: signature of another identity refused", "tls"),
    ("mTLS: registering another identity refused", "tls"),
    ("mTLS: no client certificate refused", "tls"),
    ("mTLS: certificate of another CA refused", "tls"),
];

const ENDPOINTS_PLAN: Plan = &[
    ("E2EE: create group", "e2ee"),
    ("E2EE: invite (Welcome)", "e2ee"),
    ("E2EE: send and receive", "e2ee"),
    ("MLS: add commit", "mls"),
    ("MLS: self-update commit (key update)", "mls"),
    ("MLS: remove commit", "mls"),
    ("MLS: commits accepted in order", "mls"),
    ("keys: generate ML-KEM-768", "key-management"),
    (
        "keys: exchange (encapsulate, decapsulate)",
        "key-management",
    ),
    ("keys: rotate", "key-management"),
    ("keys: list", "key-management"),
    ("PQC: sign and verify ML-DSA-65", "pqc"),
    (
        "PQC: sign and verify FN-DSA-512 and SLH-DSA-SHA2-128f",
        "pqc",
    ),
    ("PQC: seal and open X-Wing envelope (hybrid)", "pqc"),
    ("PQC: seal and open ML-KEM-768 envelope", "pqc"),
];

const ERRORS_PLAN: Plan = &[
    ("INVALID_ARGUMENT: not an MLS message", "errors"),
    ("INVALID_ARGUMENT: 3-byte message id", "errors"),
    ("INVALID_ARGUMENT: unknown cipher suite", "errors"),
    ("INVALID_ARGUMENT: pre-standard algorithm name", "errors"),
    ("UNAUTHENTICATED: no credentials", "errors"),
    ("UNAUTHENTICATED: key not the registered one", "errors"),
    ("PERMISSION_DENIED: non-member posts", "errors"),
    ("PERMISSION_DENIED: non-member reads the group", "errors"),
    (
        "PERMISSION_DENIED: non-administrator uses a service key",
        "errors",
    ),
    ("NOT_FOUND: unknown group", "errors"),
    ("ABORTED: second commit of an epoch", "errors"),
    ("connection works afterwards", "errors"),
    ("refusals logged and counted", "errors"),
];

const PRODUCER_PLAN: Plan = &[
    ("delivery reports: partition and offset", "producer"),
    ("records keyed by group id share a partition", "producer"),
    ("delivery reports match the log", "producer"),
    ("failed delivery reported", "producer"),
];

const CONSUMER_GROUP_PLAN: Plan = &[
    ("delivered through the consumer group", "consumer-group"),
    ("offsets committed at shutdown", "consumer-group"),
    ("restart resumes: no loss, no duplicates", "consumer-group"),
    (
        "another consumer group reads independently",
        "consumer-group",
    ),
];

const ORDERING_PLAN: Plan = &[
    ("1,000 messages of one group in order", "ordering"),
    ("concurrent senders: one order for every member", "ordering"),
    ("records keyed by group id in one partition", "ordering"),
    ("live stream latency", "streaming"),
];

const FAULT_PLAN: Plan = &[
    (
        "nothing acknowledged while the broker is down",
        "fault-tolerance",
    ),
    ("recovers without a server restart", "fault-tolerance"),
    ("all messages arrive once, in order", "fault-tolerance"),
];

const UNAVAILABLE_PLAN: Plan = &[
    ("health NOT_SERVING with the broker down", "degradation"),
    ("GET /health 503", "degradation"),
    ("Directory and Keys keep serving", "degradation"),
    (
        "send refused with UNAVAILABLE, no other store",
        "degradation",
    ),
    ("SERVING again after the broker restarts", "degradation"),
    ("retried message delivered exactly once", "degradation"),
    ("outage logged", "degradation"),
];

const SETS: &[SetDef] = &[
    SetDef {
        id: SetId::Health,
        name: "grpc/health",
        buses: BOTH,
        private_broker: false,
        plan: HEALTH_PLAN,
    },
    SetDef {
        id: SetId::Reflection,
        name: "grpc/reflection",
        buses: BOTH,
        private_broker: false,
        plan: REFLECTION_PLAN,
    },
    SetDef {
        id: SetId::Tls,
        name: "grpc/tls",
        buses: EMBEDDED,
        private_broker: false,
        plan: TLS_PLAN,
    },
    SetDef {
        id: SetId::Endpoints,
        name: "grpc/endpoints",
        buses: BOTH,
        private_broker: false,
        plan: ENDPOINTS_PLAN,
    },
    SetDef {
        id: SetId::Errors,
        name: "grpc/errors",
        buses: BOTH,
        private_broker: false,
        plan: ERRORS_PLAN,
    },
    SetDef {
        id: SetId::Producer,
        name: "kafka/producer",
        buses: KAFKA,
        private_broker: false,
        plan: PRODUCER_PLAN,
    },
    SetDef {
        id: SetId::ConsumerGroup,
        name: "kafka/consumer-group",
        buses: KAFKA,
        private_broker: false,
        plan: CONSUMER_GROUP_PLAN,
    },
    SetDef {
        id: SetId::Ordering,
        name: "kafka/ordering",
        buses: KAFKA,
        private_broker: false,
        plan: ORDERING_PLAN,
    },
    SetDef {
        id: SetId::FaultTolerance,
        name: "kafka/fault-tolerance",
        buses: KAFKA,
        private_broker: true,
        plan: FAULT_PLAN,
    },
    SetDef {
        id: SetId::Unavailable,
        name: "kafka/unavailable",
        buses: KAFKA,
        private_broker: true,
        plan: UNAVAILABLE_PLAN,
    },
];

fn jobs() -> Vec<Job> {
    let mut jobs = Vec::new();
    for def in SETS {
        for &bus in def.buses {
            jobs.push(Job::new(
                SUITE.name,
                def.name,
                bus.name(),
                move |_store, set| {
                    run_job(def, bus, set);
                    Ok(())
                },
            ));
        }
    }
    jobs
}
