//! Suite `service`: the messaging service, live. Every job starts real servers in this process
//! (`sonet::service::start` on port 0, storage in a temporary folder, its own tokio runtime),
//! drives real MLS clients (`sonet::service::client::Member`) over real TCP on 127.0.0.1, and
//! records one case per check, with the measured fact as the detail. Case parameters name the
//! message bus ("embedded" or "kafka"); the case kind names the design-document area it
//! measures (see `claims::service_result_claims`).
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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prost::Message as _;
use sonet::bus::kafka::{KafkaBus, KafkaSettings};
use sonet::bus::{BusConsumer, MessageBus, Record};
use sonet::crypto::{KemAlgorithm, SignatureAlgorithm, SignedMessage};
use sonet::hybrid::envelope::{self, EnvelopeSuite};
use sonet::mls::{self, CipherSuite};
use sonet::service::client::{
    code_name, connect, new_message_id, ClientError, ClientTls, Connection, Member, Received,
};
use sonet::service::proto::{
    key_ref, CreateGroupRequest, DecapsulateRequest, EncapsulateRequest, GenerateKeyRequest,
    GetGroupRequest, GroupState, KeyInfo, KeyRef, ListKeysRequest, MailboxMessage, OpenRequest,
    PublicKey, RotateKeyRequest, SealRequest, SendMessageRequest, ServiceKey, SignRequest,
    SubmitCommitRequest, VerifyRequest,
};
use sonet::service::{self, RunningServer, Settings};
use sonet_report::model::SetResult;
use sonet_suites::runner::{record, CaseError, Job, Suite};
use sonet_testkit::tansu::Tansu;
use sonet_testkit::unique::unique;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

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

// ---- recording ---------------------------------------------------------------------------------

/// Records the planned cases of one set; whatever was not recorded when the job ends is
/// recorded as failed ("not reached") or unsupported, so every set always has its planned cases.
struct Recorder<'a> {
    set: &'a mut SetResult,
    params: &'static str,
    plan: Plan,
    recorded: Vec<bool>,
}

impl<'a> Recorder<'a> {
    fn new(set: &'a mut SetResult, params: &'static str, plan: Plan) -> Self {
        set.expected_cases = Some(plan.len() as u64);
        Recorder {
            set,
            params,
            plan,
            recorded: vec![false; plan.len()],
        }
    }

    fn put(&mut self, id: &str, result: Result<String, CaseError>) {
        let Some(index) = self.plan.iter().position(|(planned, _)| *planned == id) else {
            self.set.error = Some(format!("the job recorded an unplanned case {id:?}"));
            return;
        };
        if self.recorded[index] {
            self.set.error = Some(format!("the job recorded case {id:?} twice"));
            return;
        }
        self.recorded[index] = true;
        let kind = self.plan[index].1;
        record(self.set, id.to_owned(), self.params, kind, result);
    }

    /// Records a check.
    fn check(&mut self, id: &str, result: Result<String, String>) {
        self.put(id, result.map_err(CaseError::Fail));
    }

    /// Records a check that later steps depend on: a failure ends the job.
    fn must<T>(&mut self, id: &str, result: Result<(T, String), String>) -> Result<T, String> {
        match result {
            Ok((value, detail)) => {
                self.check(id, Ok(detail));
                Ok(value)
            }
            Err(detail) => {
                self.check(id, Err(detail));
                Err(format!("{id} failed"))
            }
        }
    }

    fn finish(&mut self, why: Result<String, String>) {
        for index in 0..self.plan.len() {
            if self.recorded[index] {
                continue;
            }
            let id = self.plan[index].0;
            let result = match &why {
                Ok(unsupported) => Err(CaseError::Unsupported(unsupported.clone())),
                Err(reason) => Err(CaseError::Fail(format!("not reached: {reason}"))),
            };
            self.put(id, result);
        }
    }
}

// ---- captured logs ------------------------------------------------------------------------------

/// One tracing event of the service (targets `sonet…`, INFO and above).
#[derive(Clone, Debug)]
struct LogEvent {
    level: tracing::Level,
    target: String,
    fields: Vec<(String, String)>,
}

impl LogEvent {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

type Logs = Arc<Mutex<Vec<LogEvent>>>;

/// A minimal tracing subscriber that keeps the service's events of one job, installed on the
/// job's runtime threads only — what `sonet serve` writes to its log and audit log.
struct Capture {
    events: Logs,
    next_span: AtomicU64,
}

struct FieldVisitor<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("sonet") && *metadata.level() <= tracing::Level::INFO
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut FieldVisitor(&mut fields));
        if let Ok(mut events) = self.events.lock() {
            events.push(LogEvent {
                level: *event.metadata().level(),
                target: event.metadata().target().to_owned(),
                fields,
            });
        }
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

fn logged(logs: &Logs) -> Vec<LogEvent> {
    logs.lock().map(|l| l.clone()).unwrap_or_default()
}

// ---- running a job ------------------------------------------------------------------------------

/// The bus a job's servers use.
enum BusEnv {
    Embedded,
    Kafka {
        bootstrap: String,
        topic: String,
        /// A broker of this job's own, which it may kill.
        private: Option<Tansu>,
    },
}

struct Env {
    bus: BusEnv,
    logs: Logs,
}

impl Env {
    fn bus_name(&self) -> &'static str {
        match self.bus {
            BusEnv::Embedded => "embedded",
            BusEnv::Kafka { .. } => "kafka",
        }
    }

    fn broker(&mut self) -> Result<&mut Tansu, String> {
        match &mut self.bus {
            BusEnv::Kafka {
                private: Some(tansu),
                ..
            } => Ok(tansu),
            _ => Err("this check needs a private broker".into()),
        }
    }

    fn kafka(&self) -> Result<(&str, &str), String> {
        match &self.bus {
            BusEnv::Kafka {
                bootstrap, topic, ..
            } => Ok((bootstrap, topic)),
            BusEnv::Embedded => Err("this check needs Kafka".into()),
        }
    }
}

/// The Kafka broker of a job.
enum Broker {
    /// `SONET_KAFKA_BROKERS`.
    Shared(String),
    /// A tansu broker of the job's own.
    Private(Tansu),
    /// No broker configured: the cases are unsupported, with this reason.
    Missing(&'static str),
    /// A broker is configured but could not be started: the cases fail.
    Broken(String),
}

fn broker_for(private_needed: bool) -> Broker {
    if !private_needed {
        if let Ok(bootstrap) = std::env::var("SONET_KAFKA_BROKERS") {
            if !bootstrap.trim().is_empty() {
                return Broker::Shared(bootstrap.trim().to_owned());
            }
        }
    }
    match Tansu::start() {
        Some(Ok(tansu)) => Broker::Private(tansu),
        Some(Err(e)) => Broker::Broken(format!("cannot start a private tansu broker: {e}")),
        None if private_needed
            && std::env::var("SONET_KAFKA_BROKERS").is_ok_and(|b| !b.is_empty()) =>
        {
            Broker::Missing(NO_PRIVATE_BROKER)
        }
        None => Broker::Missing(NO_BROKER),
    }
}

fn run_job(def: &'static SetDef, bus: BusKind, set: &mut SetResult) {
    let mut rec = Recorder::new(set, bus.name(), def.plan);
    let bus_env = match bus {
        BusKind::Embedded => BusEnv::Embedded,
        BusKind::Kafka => match broker_for(def.private_broker) {
            Broker::Missing(reason) => {
                rec.finish(Ok(reason.to_owned()));
                return;
            }
            Broker::Broken(error) => {
                rec.finish(Err(error));
                return;
            }
            Broker::Shared(bootstrap) => BusEnv::Kafka {
                bootstrap,
                topic: unique(&format!("sonet-suite-{}", def.name.replace('/', "-"))),
                private: None,
            },
            Broker::Private(tansu) => BusEnv::Kafka {
                bootstrap: tansu.bootstrap(),
                topic: unique(&format!("sonet-suite-{}", def.name.replace('/', "-"))),
                private: Some(tansu),
            },
        },
    };
    let logs: Logs = Arc::default();
    let dispatch = tracing::Dispatch::new(Capture {
        events: Arc::clone(&logs),
        next_span: AtomicU64::new(0),
    });
    let thread_dispatch = dispatch.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // The runtime's threads live as long as the runtime: keep the default for good.
            std::mem::forget(tracing::dispatcher::set_default(&thread_dispatch));
        })
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            rec.finish(Err(format!("cannot start a tokio runtime: {e}")));
            return;
        }
    };
    let mut env = Env { bus: bus_env, logs };
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        tracing::dispatcher::with_default(&dispatch, || {
            runtime.block_on(async {
                let work = async {
                    match def.id {
                        SetId::Health => health(&mut rec, &mut env).await,
                        SetId::Reflection => reflection(&mut rec, &mut env).await,
                        SetId::Tls => tls(&mut rec, &mut env).await,
                        SetId::Endpoints => endpoints(&mut rec, &mut env).await,
                        SetId::Errors => errors(&mut rec, &mut env).await,
                        SetId::Producer => producer(&mut rec, &mut env).await,
                        SetId::ConsumerGroup => consumer_group(&mut rec, &mut env).await,
                        SetId::Ordering => ordering(&mut rec, &mut env).await,
                        SetId::FaultTolerance => fault_tolerance(&mut rec, &mut env).await,
                        SetId::Unavailable => unavailable(&mut rec, &mut env).await,
                    }
                };
                match tokio::time::timeout(JOB_TIMEOUT, work).await {
                    Ok(result) => result,
                    Err(_) => Err(format!(
                        "the job timed out after {} s",
                        JOB_TIMEOUT.as_secs()
                    )),
                }
            })
        })
    }));
    runtime.shutdown_timeout(Duration::from_secs(5));
    let why = match outcome {
        Ok(Ok(())) => Err("the job ended without checking it".to_owned()),
        Ok(Err(error)) => Err(error),
        Err(panic) => Err(format!(
            "the job panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    };
    rec.finish(why);
    // Dropping the env stops a private broker and removes its data.
    drop(env);
}

// ---- helpers ------------------------------------------------------------------------------------

fn status_text(status: &Status) -> String {
    format!(
        "status {}: message: {}",
        code_name(status.code()),
        status.message()
    )
}

fn client_error(error: ClientError) -> String {
    match error {
        ClientError::Status(status) => status_text(&status),
        other => other.to_string(),
    }
}

fn st(status: Status) -> String {
    status_text(&status)
}

/// The call must fail with `want`.
fn expect_code<T>(result: Result<T, Status>, want: Code) -> Result<String, String> {
    match result {
        Err(status) if status.code() == want => Ok(status_text(&status)),
        Err(status) => Err(format!(
            "expected {}, got {}",
            code_name(want),
            status_text(&status)
        )),
        Ok(_) => Err(format!(
            "expected {}, but the call succeeded",
            code_name(want)
        )),
    }
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

fn name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn names(list: &[Vec<u8>]) -> Vec<String> {
    list.iter().map(|i| name(i)).collect()
}

struct TlsFiles {
    dir: PathBuf,
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    mutual: bool,
}

impl TlsFiles {
    /// A CA and a server certificate for localhost / 127.0.0.1, written under `dir`.
    fn new(dir: &Path, mutual: bool, ca_name: &str) -> Result<TlsFiles, String> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let e = |e: rcgen::Error| format!("rcgen: {e}");
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, ca_name);
        let ca = rcgen::CertifiedIssuer::self_signed(params, KeyPair::generate().map_err(e)?)
            .map_err(e)?;
        let write = |file: &str, text: &str| {
            std::fs::write(dir.join(file), text).map_err(|e| format!("{file}: {e}"))
        };
        write("ca.pem", &ca.pem())?;
        let tls = TlsFiles {
            dir: dir.to_path_buf(),
            ca,
            mutual,
        };
        let (cert, key) = tls.certificate("localhost", &["localhost", "127.0.0.1"])?;
        write("server.pem", &cert)?;
        write("server.key", &key)?;
        Ok(tls)
    }

    /// `(cert, key)` PEM with subject CN `common_name`, issued by this CA.
    fn certificate(&self, common_name: &str, names: &[&str]) -> Result<(String, String), String> {
        use rcgen::{CertificateParams, DnType, KeyPair};
        let e = |e: rcgen::Error| format!("rcgen: {e}");
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .map_err(e)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().map_err(e)?;
        let cert = params.signed_by(&key, &*self.ca).map_err(e)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    fn yaml(&self) -> String {
        let mut yaml = format!(
            "    tls_enabled: true\n    tls_cert: \"{}\"\n    tls_key: \"{}\"\n",
            self.dir.join("server.pem").display(),
            self.dir.join("server.key").display()
        );
        if self.mutual {
            yaml += &format!("    client_ca: \"{}\"\n", self.dir.join("ca.pem").display());
        }
        yaml
    }

    fn client(&self, identity: Option<&str>) -> Result<ClientTls, String> {
        Ok(ClientTls {
            ca_pem: self.ca.pem().into_bytes(),
            domain: Some("localhost".into()),
            identity: match identity {
                Some(name) => {
                    let (cert, key) = self.certificate(name, &[])?;
                    Some((cert.into_bytes(), key.into_bytes()))
                }
                None => None,
            },
        })
    }
}

/// A server under test with its storage folder (removed when dropped).
struct Service {
    dir: PathBuf,
    yaml: String,
    server: Option<RunningServer>,
    tls: Option<TlsFiles>,
}

#[derive(Default)]
struct Options {
    tls: Option<TlsFiles>,
    /// Extra `kafka:` keys (indented two spaces).
    kafka_extra: &'static str,
}

impl Service {
    async fn start(env: &Env, options: Options) -> Result<Service, String> {
        let dir = std::env::temp_dir().join(unique("sonet-suite-service"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut yaml = format!(
            "security:\n  grpc:\n    port: 0\n    admin_identities: [\"admin\"]\n{}storage:\n  path: \"{}\"\n",
            options.tls.as_ref().map(TlsFiles::yaml).unwrap_or_default(),
            dir.join("data").display()
        );
        if let BusEnv::Kafka {
            bootstrap, topic, ..
        } = &env.bus
        {
            yaml += &format!(
                "kafka:\n  brokers: \"{bootstrap}\"\n  topic: \"{topic}\"\n  partitions: 3\n  consumer_group: \"{topic}-delivery\"\n  health_check_interval_ms: 200\n{}",
                if options.kafka_extra.is_empty() {
                    "  delivery_timeout_ms: 60000\n"
                } else {
                    options.kafka_extra
                }
            );
        }
        let mut service = Service {
            dir,
            yaml,
            server: None,
            tls: options.tls,
        };
        service.launch().await?;
        Ok(service)
    }

    async fn launch(&mut self) -> Result<(), String> {
        let settings = Settings::parse(&self.yaml, "service-suite.yaml")
            .map_err(|e| format!("configuration: {e}"))?;
        let server = service::start(settings)
            .await
            .map_err(|e| format!("the server does not start: {e}"))?;
        self.server = Some(server);
        self.wait_for(ServingStatus::Serving).await.map(|_| ())
    }

    fn server(&self) -> Result<&RunningServer, String> {
        self.server
            .as_ref()
            .ok_or_else(|| "no server running".to_owned())
    }

    fn address(&self) -> Result<SocketAddr, String> {
        Ok(self.server()?.local_addr())
    }

    fn endpoint(&self) -> Result<String, String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        Ok(format!("{scheme}://{}", self.address()?))
    }

    async fn channel(&self) -> Result<Channel, String> {
        // With mutual TLS, a certificate of a neutral identity (health probes, setup).
        let tls = match &self.tls {
            Some(t) => Some(t.client(t.mutual.then_some("probe"))?),
            None => None,
        };
        connect(&self.endpoint()?, tls.as_ref())
            .await
            .map_err(client_error)
    }

    async fn health(&self, service: &str) -> Result<i32, Status> {
        let channel = self.channel().await.map_err(Status::unavailable)?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await?;
        Ok(response.into_inner().status)
    }

    /// Waits until health (service "") reports `want`; returns how long it took.
    async fn wait_for(&self, want: ServingStatus) -> Result<Duration, String> {
        let started = Instant::now();
        loop {
            let now = self.health("").await;
            if matches!(now, Ok(status) if status == want as i32) {
                return Ok(started.elapsed());
            }
            if started.elapsed() > SERVING_TIMEOUT {
                return Err(format!(
                    "health never reported {} within {} s (last: {})",
                    want.as_str_name(),
                    SERVING_TIMEOUT.as_secs(),
                    match now {
                        Ok(status) => serving_name(status),
                        Err(status) => status_text(&status),
                    }
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Graceful shutdown.
    async fn stop(&mut self) -> Result<(), String> {
        let server = self.server.take().ok_or("no server running")?;
        server
            .shutdown()
            .await
            .map_err(|e| format!("graceful shutdown: {e}"))
    }

    /// A registered member with published KeyPackages on `channel`.
    async fn member(&self, identity: &str, channel: Channel) -> Result<Member, String> {
        let client = mls::Client::in_memory(identity.as_bytes()).map_err(|e| e.to_string())?;
        let member = Member::new(client, MLS_SUITE, channel);
        member.register().await.map_err(client_error)?;
        member
            .publish_key_packages(4, true)
            .await
            .map_err(client_error)?;
        Ok(member)
    }

    /// `names[0]` creates a group and invites the others, who join from their Welcomes.
    async fn group(
        &self,
        names: &[&str],
        channel: Channel,
    ) -> Result<(Vec<u8>, Vec<Member>), String> {
        let mut members = Vec::new();
        for identity in names {
            members.push(self.member(identity, channel.clone()).await?);
        }
        let group_id = unique("group").into_bytes();
        members[0]
            .create_group(&group_id)
            .await
            .map_err(client_error)?;
        let others: Vec<Vec<u8>> = names[1..].iter().map(|n| n.as_bytes().to_vec()).collect();
        members[0]
            .invite(&group_id, &others)
            .await
            .map_err(client_error)?;
        for member in &mut members[1..] {
            let joined = receive(member, 1).await?;
            ensure(
                matches!(&joined[0].1, Received::Joined { group_id: g, .. } if *g == group_id),
                || format!("expected a Welcome, got {}", event(&joined[0].1)),
            )?;
        }
        Ok((group_id, members))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serving_name(status: i32) -> String {
    ServingStatus::try_from(status)
        .map(|s| s.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("status {status}"))
}

/// Takes exactly `count` messages from `member`'s mailbox (after its cursor), handling each.
async fn receive(
    member: &mut Member,
    count: usize,
) -> Result<Vec<(MailboxMessage, Received)>, String> {
    let who = name(member.identity());
    let mut stream = member.subscribe().await.map_err(client_error)?;
    let mut received = Vec::with_capacity(count);
    while received.len() < count {
        let message = tokio::time::timeout(RECEIVE_TIMEOUT, stream.message())
            .await
            .map_err(|_| {
                format!(
                    "{who}: only {} of {count} messages arrived within {} s",
                    received.len(),
                    RECEIVE_TIMEOUT.as_secs()
                )
            })?
            .map_err(|s| format!("{who}: mailbox stream: {}", status_text(&s)))?
            .ok_or_else(|| {
                format!(
                    "{who}: mailbox stream ended after {} of {count} messages",
                    received.len()
                )
            })?;
        let sequence = message.sequence;
        let handled = member
            .handle(message.clone())
            .map_err(|e| format!("{who}: handling mailbox sequence {sequence}: {e}"))?;
        received.push((message, handled));
    }
    Ok(received)
}

/// Nothing more arrives in `member`'s mailbox for `wait`.
async fn expect_silence(member: &Member, wait: Duration) -> Result<(), String> {
    let mut stream = member.subscribe().await.map_err(client_error)?;
    match tokio::time::timeout(wait, stream.message()).await {
        Err(_) => Ok(()),
        Ok(next) => Err(format!(
            "{}: unexpected mailbox message {:?}",
            name(member.identity()),
            next.map(|m| m.map(|m| (m.sequence, m.kind)))
        )),
    }
}

fn texts(received: &[(MailboxMessage, Received)]) -> Vec<String> {
    received
        .iter()
        .filter_map(|(_, r)| match r {
            Received::Message { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect()
}

/// A mailbox event in a failure message, without raw byte arrays.
fn event(received: &Received) -> String {
    match received {
        Received::Joined { group_id, epoch } => {
            format!("joined {} at epoch {epoch}", name(group_id))
        }
        Received::Epoch { group_id, epoch } => format!("{} moved to epoch {epoch}", name(group_id)),
        Received::Removed { group_id } => format!("removed from {}", name(group_id)),
        Received::Proposal { group_id } => format!("a proposal in {}", name(group_id)),
        Received::Message { sender, data, .. } => format!(
            "message {:?} from {}",
            String::from_utf8_lossy(data),
            name(sender)
        ),
        Received::Ignored { reason } => format!("ignored ({reason})"),
    }
}

async fn get_group(connection: &Connection, group_id: &[u8]) -> Result<GroupState, Status> {
    Ok(connection
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.to_vec(),
        })
        .await?
        .into_inner())
}

struct HttpResponse {
    status: u16,
    content_type: String,
    body: String,
}

async fn http_get(address: SocketAddr, path: &str) -> Result<HttpResponse, String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let work = async {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| format!("connect {address}: {e}"))?;
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .map_err(|e| format!("read: {e}"))?;
        Ok::<_, String>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .map_err(|_| format!("GET {path}: no answer within 10 s"))??;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path}: malformed HTTP response {response:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("GET {path}: no status in {head:?}"))?;
    let content_type = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    Ok(HttpResponse {
        status,
        content_type,
        body: body.to_owned(),
    })
}

/// The value of one Prometheus sample line (`name{labels} value`), if present.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// Checks the Prometheus text exposition format line by line; returns the number of samples.
fn prometheus_samples(text: &str) -> Result<usize, String> {
    let mut samples = 0;
    let mut typed = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        let bad = || format!("line {}: {line:?} is not Prometheus text", number + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.split_whitespace();
            match words.next() {
                Some("HELP") => {}
                Some("TYPE") => {
                    let metric = words.next().ok_or_else(bad)?;
                    let kind = words.next().ok_or_else(bad)?;
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(bad());
                    }
                    typed.insert(metric.to_owned());
                }
                _ => return Err(bad()),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').ok_or_else(bad)?;
        value.parse::<f64>().map_err(|_| bad())?;
        let metric = match series.split_once('{') {
            Some((metric, labels)) => {
                if !labels.ends_with('}') {
                    return Err(bad());
                }
                metric
            }
            None => series,
        };
        let valid_name = !metric.is_empty()
            && metric
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !metric.starts_with(|c: char| c.is_ascii_digit());
        if !valid_name || !typed.contains(metric) {
            return Err(format!("{}: sample of an undeclared metric", bad()));
        }
        samples += 1;
    }
    Ok(samples)
}

// ---- grpc/health --------------------------------------------------------------------------------

async fn health(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let mut client = HealthClient::new(channel.clone());
    let check = |service: &'static str| {
        let mut client = client.clone();
        async move {
            client
                .check(HealthCheckRequest {
                    service: service.to_owned(),
                })
                .await
                .map(|r| r.into_inner().status)
        }
    };
    let serving = ServingStatus::Serving as i32;
    let result = match check("").await {
        Ok(status) if status == serving => {
            Ok("grpc.health.v1.Health/Check service \"\": SERVING".to_owned())
        }
        Ok(status) => Err(format!("service \"\": {}", serving_name(status))),
        Err(status) => Err(st(status)),
    };
    rec.check("Check \"\" (server)", result);
    let result = match check("sonet.v1.Delivery").await {
        Ok(status) if status == serving => Ok(format!(
            "sonet.v1.Delivery: SERVING (it follows the {} bus)",
            env.bus_name()
        )),
        Ok(status) => Err(format!("sonet.v1.Delivery: {}", serving_name(status))),
        Err(status) => Err(st(status)),
    };
    rec.check("Check sonet.v1.Delivery", result);
    let mut found = Vec::new();
    let mut failure = None;
    for name in ["sonet.v1.Directory", "sonet.v1.Keys"] {
        match check(name).await {
            Ok(status) if status == serving => found.push(format!("{name}: SERVING")),
            Ok(status) => failure = Some(format!("{name}: {}", serving_name(status))),
            Err(status) => failure = Some(format!("{name}: {}", st(status))),
        }
    }
    rec.check(
        "Check sonet.v1.Directory and sonet.v1.Keys",
        failure.map_or_else(|| Ok(found.join("; ")), Err),
    );
    rec.check(
        "Check an unknown service",
        expect_code(check("sonet.v1.NoSuchService").await, Code::NotFound)
            .map(|d| format!("sonet.v1.NoSuchService: {d} (as the health protocol requires)")),
    );
    let watched = async {
        let mut stream = client
            .watch(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map_err(st)?
            .into_inner();
        let first = tokio::time::timeout(Duration::from_secs(5), stream.message())
            .await
            .map_err(|_| "no Watch update within 5 s".to_owned())?
            .map_err(st)?
            .ok_or("the Watch stream ended at once")?;
        ensure(first.status == serving, || {
            format!("Watch sent {}", serving_name(first.status))
        })?;
        Ok("Watch streams the server's status: first update SERVING".to_owned())
    }
    .await;
    rec.check("Watch \"\"", watched);

    let address = service.address()?;
    let result = async {
        let response = http_get(address, "/health").await?;
        ensure(response.status == 200, || {
            format!(
                "GET /health: HTTP {}: {}",
                response.status,
                response.body.trim()
            )
        })?;
        ensure(
            response.content_type.starts_with("application/json"),
            || format!("GET /health: content type {:?}", response.content_type),
        )?;
        let json: serde_json::Value = serde_json::from_str(&response.body)
            .map_err(|e| format!("GET /health: not JSON ({e}): {:?}", response.body))?;
        ensure(
            json["status"] == "SERVING" && json["bus"] == env.bus_name() && json["bus_up"] == true,
            || format!("GET /health: {json}"),
        )?;
        Ok(format!("HTTP 200 application/json {}", json))
    }
    .await;
    rec.check("GET /health", result);

    // One registration, to see it counted.
    service.member("alice", channel.clone()).await?;
    let result = async {
        let response = http_get(address, "/metrics").await?;
        ensure(response.status == 200, || {
            format!("GET /metrics: HTTP {}", response.status)
        })?;
        ensure(response.content_type.starts_with("text/plain"), || {
            format!("GET /metrics: content type {:?}", response.content_type)
        })?;
        let samples = prometheus_samples(&response.body)?;
        let up = metric(&response.body, "sonet_bus_up");
        ensure(up == Some(1.0), || {
            format!("sonet_bus_up is {up:?}, expected 1")
        })?;
        let registered = metric(
            &response.body,
            "sonet_rpc_total{method=\"Directory/Register\",code=\"OK\"}",
        );
        ensure(registered == Some(1.0), || {
            format!("Directory/Register OK counted {registered:?}, expected 1")
        })?;
        Ok(format!(
            "HTTP 200 {}: {samples} samples, every line valid Prometheus text; sonet_bus_up 1, \
             sonet_rpc_total{{method=\"Directory/Register\",code=\"OK\"}} 1",
            response.content_type
        ))
    }
    .await;
    rec.check("GET /metrics", result);
    Ok(())
}

// ---- grpc/reflection ----------------------------------------------------------------------------

async fn reflection(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::{ServerReflectionRequest, ServerReflectionResponse};

    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let expected = [
        "sonet.v1.Directory",
        "sonet.v1.Delivery",
        "sonet.v1.Keys",
        "grpc.health.v1.Health",
    ];
    let ask = |request: MessageRequest| {
        let channel = channel.clone();
        async move {
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(request),
            };
            let mut responses = ServerReflectionClient::new(channel)
                .server_reflection_info(tokio_stream::iter([request]))
                .await
                .map_err(st)?
                .into_inner();
            let response: ServerReflectionResponse = responses
                .message()
                .await
                .map_err(st)?
                .ok_or("no reflection response")?;
            response
                .message_response
                .ok_or_else(|| "empty reflection response".to_owned())
        }
    };
    let listed = |names: Vec<String>, protocol: &str| {
        let missing: Vec<&str> = expected
            .iter()
            .filter(|e| !names.iter().any(|n| n == *e))
            .copied()
            .collect();
        if missing.is_empty() {
            Ok(format!("{protocol} lists {}", names.join(", ")))
        } else {
            Err(format!("{protocol}: {missing:?} missing from {names:?}"))
        }
    };
    let result = match ask(MessageRequest::ListServices(String::new())).await {
        Ok(MessageResponse::ListServicesResponse(list)) => {
            listed(list.service.into_iter().map(|s| s.name).collect(), "v1")
        }
        Ok(other) => Err(format!("unexpected response {other:?}")),
        Err(e) => Err(e),
    };
    rec.check("v1 ListServices", result);

    let result = async {
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let response = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .map_err(st)?
            .into_inner()
            .message()
            .await
            .map_err(st)?
            .ok_or("no v1alpha reflection response")?;
        match response.message_response {
            Some(MessageResponse::ListServicesResponse(list)) => listed(
                list.service.into_iter().map(|s| s.name).collect(),
                "v1alpha",
            ),
            other => Err(format!("unexpected v1alpha response {other:?}")),
        }
    }
    .await;
    rec.check("v1alpha ListServices", result);

    // grpcurl describe: the file that defines a symbol, decoded.
    let describe = |symbol: &'static str,
                    service: &'static str,
                    methods: &'static [&'static str]| {
        let ask = &ask;
        async move {
            let files = match ask(MessageRequest::FileContainingSymbol(symbol.to_owned())).await? {
                MessageResponse::FileDescriptorResponse(files) => files.file_descriptor_proto,
                other => return Err(format!("unexpected response {other:?}")),
            };
            for bytes in &files {
                let file = prost_types::FileDescriptorProto::decode(bytes.as_slice())
                    .map_err(|e| format!("a returned file descriptor does not decode: {e}"))?;
                let Some(found) = file
                    .service
                    .iter()
                    .find(|s| format!("{}.{}", file.package(), s.name()) == service)
                else {
                    continue;
                };
                let declared: BTreeSet<&str> = found.method.iter().map(|m| m.name()).collect();
                let wanted: BTreeSet<&str> = methods.iter().copied().collect();
                ensure(declared == wanted, || {
                    format!("{service} declares {declared:?}, expected {wanted:?}")
                })?;
                return Ok(format!(
                    "{} file descriptor(s); {} declares {service} with {}",
                    files.len(),
                    file.name(),
                    methods.join(", ")
                ));
            }
            Err(format!("no returned file declares {service}"))
        }
    };
    rec.check(
        "v1 FileContainingSymbol sonet.v1.Delivery",
        describe(
            "sonet.v1.Delivery",
            "sonet.v1.Delivery",
            &[
                "CreateGroup",
                "SubmitCommit",
                "SubmitProposal",
                "SendMessage",
                "GetGroup",
                "Subscribe",
            ],
        )
        .await,
    );
    rec.check(
        "v1 FileContainingSymbol grpc.health.v1.Health",
        describe(
            "grpc.health.v1.Health",
            "grpc.health.v1.Health",
            &["Check", "Watch"],
        )
        .await,
    );
    // The reflection protocol answers an unknown symbol with an ErrorResponse; tonic-reflection
    // ends the stream with the same code instead. Either way the client must learn NOT_FOUND.
    let result = async {
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::FileContainingSymbol(
                "sonet.v1.NoSuchService".into(),
            )),
        };
        let mut responses = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .map_err(st)?
            .into_inner();
        match responses.message().await {
            Ok(Some(ServerReflectionResponse {
                message_response: Some(MessageResponse::ErrorResponse(error)),
                ..
            })) if error.error_code == Code::NotFound as i32 => Ok(format!(
                "sonet.v1.NoSuchService: ErrorResponse NOT_FOUND: {}",
                error.error_message
            )),
            Err(status) if status.code() == Code::NotFound => Ok(format!(
                "sonet.v1.NoSuchService: the stream ends with {} (tonic-reflection's form of \
                 the protocol's ErrorResponse)",
                status_text(&status)
            )),
            Err(status) => Err(format!("expected NOT_FOUND, got {}", status_text(&status))),
            Ok(other) => Err(format!("expected NOT_FOUND, got {other:?}")),
        }
    }
    .await;
    rec.check("v1 unknown symbol", result);
    Ok(())
}

// ---- grpc/tls -----------------------------------------------------------------------------------

async fn tls(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let dir = std::env::temp_dir().join(unique("sonet-suite-tls"));
    let result = tls_checks(rec, env, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn tls_checks(rec: &mut Recorder<'_>, env: &mut Env, dir: &Path) -> Result<(), String> {
    let other_ca = TlsFiles::new(&dir.join("other"), false, "another CA")?;
    // TLS, calls signed with MLS credentials.
    let service = Service::start(
        env,
        Options {
            tls: Some(TlsFiles::new(&dir.join("tls"), false, "sonet suite CA")?),
            ..Options::default()
        },
    )
    .await?;
    let result = async {
        let channel = service.channel().await?;
        let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
        members[0]
            .send(&group_id, b"over TLS")
            .await
            .map_err(client_error)?;
        let received = texts(&receive(&mut members[1], 1).await?);
        ensure(received == ["over TLS"], || format!("bob got {received:?}"))?;
        Ok(format!(
            "{}: register, KeyPackages, create group, invite, Welcome, send; bob decrypted \"over TLS\"",
            service.endpoint()?
        ))
    }
    .await;
    rec.check("TLS: signed calls, MLS messages end to end", result);

    let plain = format!("http://{}", service.address()?);
    let result = match connect(&plain, None).await {
        Err(e) => Ok(format!(
            "plaintext HTTP/2 to the TLS port: connection refused: {e}"
        )),
        Ok(channel) => {
            let member = Member::new(
                mls::Client::in_memory(b"plain").map_err(|e| e.to_string())?,
                MLS_SUITE,
                channel,
            );
            match member.register().await {
                Err(e) => Ok(format!(
                    "plaintext HTTP/2 to the TLS port: the call fails: {}",
                    client_error(e)
                )),
                Ok(_) => Err("a plaintext call to the TLS port succeeded".to_owned()),
            }
        }
    };
    rec.check("TLS: plaintext client refused", result);

    let result = match connect(&service.endpoint()?, Some(&other_ca.client(None)?)).await {
        Err(e) => Ok(format!("handshake fails: {e}")),
        Ok(channel) => match HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
        {
            Err(status) => Ok(format!("the call fails: {}", status_text(&status))),
            Ok(_) => Err("a client that does not trust the server's CA got an answer".into()),
        },
    };
    rec.check("TLS: client trusting another CA refused", result);
    drop(service);

    // Mutual TLS: the certificate's common name is the identity.
    let mtls = TlsFiles::new(&dir.join("mtls"), true, "sonet suite mTLS CA")?;
    let carol_tls = mtls.client(Some("carol"))?;
    let dave_tls = mtls.client(Some("dave"))?;
    let service = Service::start(
        env,
        Options {
            tls: Some(mtls),
            ..Options::default()
        },
    )
    .await?;
    let endpoint = service.endpoint()?;
    let carol_channel = connect(&endpoint, Some(&carol_tls))
        .await
        .map_err(client_error)?;
    let result = async {
        let carol = Member::new(
            mls::Client::in_memory(b"carol").map_err(|e| e.to_string())?,
            MLS_SUITE,
            carol_channel.clone(),
        );
        carol.register().await.map_err(client_error)?;
        let by_certificate = Connection::certificate_only(carol_channel.clone());
        by_certificate
            .delivery()
            .create_group(CreateGroupRequest {
                group_id: b"carols group".to_vec(),
                cipher_suite: u32::from(MLS_SUITE.id()),
            })
            .await
            .map_err(st)?;
        let state = get_group(&by_certificate, b"carols group")
            .await
            .map_err(st)?;
        ensure(state.members == [b"carol".to_vec()], || {
            format!("group members {:?}", names(&state.members))
        })?;
        Ok(
            "unsigned calls over the certificate CN=carol act as carol: CreateGroup, then \
            GetGroup lists [\"carol\"]"
                .to_owned(),
        )
    }
    .await;
    rec.check("mTLS: certificate common name is the identity", result);

    let result = async {
        let dave_channel = connect(&endpoint, Some(&dave_tls))
            .await
            .map_err(client_error)?;
        let dave = Member::new(
            mls::Client::in_memory(b"dave").map_err(|e| e.to_string())?,
            MLS_SUITE,
            dave_channel,
        );
        dave.register().await.map_err(client_error)?;
        // Dave's valid signature, sent over carol's certificate.
        let mismatched = Connection::signed(carol_channel.clone(), dave.mls.clone(), MLS_SUITE);
        expect_code(
            get_group(&mismatched, b"carols group").await,
            Code::Unauthenticated,
        )
        .map(|d| format!("dave's signature over carol's certificate: {d}"))
    }
    .await;
    rec.check("mTLS: signature of another identity refused", result);

    let result = async {
        let erin = Member::new(
            mls::Client::in_memory(b"erin").map_err(|e| e.to_string())?,
            MLS_SUITE,
            carol_channel.clone(),
        );
        match erin.register().await {
            Err(ClientError::Status(status)) => {
                expect_code::<()>(Err(status), Code::PermissionDenied)
            }
            Err(other) => Err(other.to_string()),
            Ok(_) => Err("registered erin over carol's certificate".into()),
        }
        .map(|d| format!("registering erin over carol's certificate: {d}"))
    }
    .await;
    rec.check("mTLS: registering another identity refused", result);

    let anonymous = ClientTls {
        identity: None,
        ..carol_tls.clone()
    };
    let result = match connect(&endpoint, Some(&anonymous)).await {
        Err(e) => Ok(format!("handshake without a client certificate fails: {e}")),
        Ok(channel) => {
            match get_group(&Connection::certificate_only(channel), b"carols group").await {
                Err(status) => Ok(format!(
                    "without a client certificate the call fails: {}",
                    status_text(&status)
                )),
                Ok(_) => Err("a client without a certificate was served".into()),
            }
        }
    };
    rec.check("mTLS: no client certificate refused", result);

    let stranger = ClientTls {
        identity: other_ca.client(Some("carol"))?.identity,
        ..carol_tls.clone()
    };
    let result = match connect(&endpoint, Some(&stranger)).await {
        Err(e) => Ok(format!(
            "handshake with CN=carol issued by another CA fails: {e}"
        )),
        Ok(channel) => {
            match get_group(&Connection::certificate_only(channel), b"carols group").await {
                Err(status) => Ok(format!(
                    "CN=carol issued by another CA: the call fails: {}",
                    status_text(&status)
                )),
                Ok(_) => Err("a certificate of another CA was accepted as carol".into()),
            }
        }
    };
    rec.check("mTLS: certificate of another CA refused", result);
    Ok(())
}

// ---- grpc/endpoints -----------------------------------------------------------------------------

fn service_key(key_id: &str, version: u32) -> Option<ServiceKey> {
    Some(ServiceKey {
        key_id: key_id.to_owned(),
        version,
    })
}

fn service_ref(key_id: &str, version: u32) -> Option<KeyRef> {
    Some(KeyRef {
        key: Some(key_ref::Key::Service(ServiceKey {
            key_id: key_id.to_owned(),
            version,
        })),
    })
}

/// Every member's group agrees on epoch, epoch authenticator and an exported secret.
fn agree(members: &[&Member], group_id: &[u8]) -> Result<(u64, Vec<u8>), String> {
    let mut seen: Option<(u64, Vec<u8>, Vec<u8>)> = None;
    for member in members {
        let group = member.group(group_id).map_err(client_error)?;
        let authenticator = group.epoch_authenticator().as_bytes().to_vec();
        let exported = group
            .export_secret("sonet service suite", b"", 32)
            .map_err(|e| e.to_string())?
            .as_bytes()
            .to_vec();
        match &seen {
            None => seen = Some((group.epoch(), authenticator, exported)),
            Some((epoch, a, x)) => ensure(
                group.epoch() == *epoch && authenticator == *a && exported == *x,
                || {
                    format!(
                        "{} disagrees: epoch {} vs {epoch}",
                        name(member.identity()),
                        group.epoch()
                    )
                },
            )?,
        }
    }
    let (epoch, authenticator, _) = seen.ok_or("no members")?;
    Ok((epoch, authenticator))
}

async fn endpoints(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let admin = service.member("admin", channel.clone()).await?;
    let mut alice = service.member("alice", channel.clone()).await?;
    let mut bob = service.member("bob", channel.clone()).await?;
    let mut carol = service.member("carol", channel.clone()).await?;
    let group_id = unique("group").into_bytes();
    let mut epochs = Vec::new();

    // E2EE.
    let result = async {
        alice.create_group(&group_id).await.map_err(client_error)?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(state.epoch == 0 && state.members == [b"alice".to_vec()], || {
            format!("GetGroup: epoch {}, members {:?}", state.epoch, names(&state.members))
        })?;
        Ok(((), format!(
            "CreateGroup: the service holds the group at epoch 0 with members [\"alice\"], suite {}",
            state.cipher_suite
        )))
    }
    .await;
    rec.must("E2EE: create group", result)?;
    let result = async {
        let response = alice
            .invite(&group_id, &[b"bob".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let joined = receive(&mut bob, 1).await?;
        let (message, joined_event) = &joined[0];
        ensure(
            matches!(joined_event, Received::Joined { epoch: 1, .. }),
            || format!("bob: {}", event(joined_event)),
        )?;
        Ok((
            (),
            format!(
                "FetchKeyPackage + SubmitCommit with a Welcome: epoch {}; bob joined from a \
             {}-byte Welcome at epoch 1",
                response.epoch,
                message.payload.len()
            ),
        ))
    }
    .await;
    rec.must("E2EE: invite (Welcome)", result)?;
    let result = async {
        alice
            .send(&group_id, b"hello bob")
            .await
            .map_err(client_error)?;
        let got = receive(&mut bob, 1).await?;
        ensure(texts(&got) == ["hello bob"], || {
            format!("bob got {}", event(&got[0].1))
        })?;
        let ciphertext = &got[0].0.payload;
        ensure(!ciphertext.windows(9).any(|w| w == b"hello bob"), || {
            "the routed payload contains the plaintext".to_owned()
        })?;
        bob.send(&group_id, b"hello alice")
            .await
            .map_err(client_error)?;
        let got_back = receive(&mut alice, 1).await?;
        ensure(texts(&got_back) == ["hello alice"], || {
            format!("alice got {}", event(&got_back[0].1))
        })?;
        Ok((
            (),
            format!(
            "SendMessage + Subscribe: alice → bob and bob → alice decrypted; the {}-byte payload \
             the service routed holds no plaintext",
            ciphertext.len()
        ),
        ))
    }
    .await;
    rec.must("E2EE: send and receive", result)?;

    // MLS operations.
    let result = async {
        let response = alice
            .invite(&group_id, &[b"carol".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let bob_saw = receive(&mut bob, 1).await?;
        ensure(
            matches!(bob_saw[0].1, Received::Epoch { epoch: 2, .. }),
            || format!("bob: {}", event(&bob_saw[0].1)),
        )?;
        let carol_saw = receive(&mut carol, 1).await?;
        ensure(
            matches!(carol_saw[0].1, Received::Joined { epoch: 2, .. }),
            || format!("carol: {}", event(&carol_saw[0].1)),
        )?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(state.epoch == 2 && state.members.len() == 3, || {
            format!(
                "GetGroup: epoch {}, members {:?}",
                state.epoch,
                names(&state.members)
            )
        })?;
        let (epoch, _) = agree(&[&alice, &bob, &carol], &group_id)?;
        Ok((
            (),
            format!(
            "add commit accepted at epoch {}; bob processed it, carol joined; members {:?}; all \
             three agree on epoch {epoch}'s authenticator and exporter",
            response.epoch,
            names(&state.members)
        ),
        ))
    }
    .await;
    rec.must("MLS: add commit", result)?;
    let result = async {
        let before = agree(&[&alice, &bob, &carol], &group_id)?.1;
        let response = bob.update(&group_id).await.map_err(client_error)?;
        epochs.push(response.epoch);
        for member in [&mut alice, &mut carol] {
            let saw = receive(member, 1).await?;
            ensure(matches!(saw[0].1, Received::Epoch { epoch: 3, .. }), || {
                format!("{}: {}", name(member.identity()), event(&saw[0].1))
            })?;
        }
        let (epoch, after) = agree(&[&alice, &bob, &carol], &group_id)?;
        ensure(after != before, || {
            "the epoch authenticator did not change".into()
        })?;
        Ok((
            (),
            format!(
                "bob's self-update commit accepted (epoch {}); alice and carol processed it; all \
             agree on epoch {epoch}, whose authenticator differs from the previous epoch's",
                response.epoch
            ),
        ))
    }
    .await;
    rec.must("MLS: self-update commit (key update)", result)?;
    let result = async {
        let response = alice
            .remove(&group_id, &[b"carol".to_vec()])
            .await
            .map_err(client_error)?;
        epochs.push(response.epoch);
        let bob_saw = receive(&mut bob, 1).await?;
        ensure(
            matches!(bob_saw[0].1, Received::Epoch { epoch: 4, .. }),
            || format!("bob: {}", event(&bob_saw[0].1)),
        )?;
        let carol_saw = receive(&mut carol, 1).await?;
        ensure(matches!(carol_saw[0].1, Received::Removed { .. }), || {
            format!("carol: {}", event(&carol_saw[0].1))
        })?;
        let state = get_group(&alice.connection, &group_id).await.map_err(st)?;
        ensure(
            state.epoch == 4 && state.members == [b"alice".to_vec(), b"bob".to_vec()],
            || {
                format!(
                    "GetGroup: epoch {}, members {:?}",
                    state.epoch,
                    names(&state.members)
                )
            },
        )?;
        let carol_reads = expect_code(
            get_group(&carol.connection, &group_id).await,
            Code::PermissionDenied,
        )?;
        agree(&[&alice, &bob], &group_id)?;
        Ok((
            (),
            format!(
            "remove commit accepted (epoch {}); carol learnt she was removed, members now {:?}; \
             carol's GetGroup: {carol_reads}",
            response.epoch,
            names(&state.members)
        ),
        ))
    }
    .await;
    rec.must("MLS: remove commit", result)?;
    let result = async {
        ensure(epochs == [1, 2, 3, 4], || {
            format!("the service answered the four commits with epochs {epochs:?}")
        })?;
        alice
            .send(&group_id, b"after four commits")
            .await
            .map_err(client_error)?;
        let got = receive(&mut bob, 1).await?;
        ensure(texts(&got) == ["after four commits"], || {
            format!("bob got {}", event(&got[0].1))
        })?;
        Ok(format!(
            "the four commits were accepted as epochs {epochs:?}, each processed in order by \
             every member; a message in epoch 4 decrypts"
        ))
    }
    .await;
    rec.check("MLS: commits accepted in order", result);

    // Key management.
    let mut admin_keys = admin.connection.keys();
    let mut alice_keys = alice.connection.keys();
    let result = async {
        let key = admin_keys
            .generate_key(GenerateKeyRequest {
                algorithm: "ML-KEM-768".into(),
                label: "suite exchange".into(),
            })
            .await
            .map_err(st)?
            .into_inner();
        ensure(
            key.public_key.len() == 1184 && key.version == 1 && key.current,
            || {
                format!(
                    "GenerateKey: {} version {}, current {}, {}-byte public key",
                    key.key_id,
                    key.version,
                    key.current,
                    key.public_key.len()
                )
            },
        )?;
        let detail = format!(
            "GenerateKey ML-KEM-768: {} version 1, current, {}-byte encapsulation key",
            key.key_id,
            key.public_key.len()
        );
        Ok((key, detail))
    }
    .await;
    let kem_key: KeyInfo = rec.must("keys: generate ML-KEM-768", result)?;
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let exchange_key_id = kem_key.key_id.clone();
    let exchange = move |version: u32| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        let key_id = exchange_key_id.clone();
        async move {
            let encapsulated = alice_keys
                .encapsulate(EncapsulateRequest {
                    key: service_ref(&key_id, version),
                })
                .await
                .map_err(st)?
                .into_inner();
            let decapsulated = admin_keys
                .decapsulate(DecapsulateRequest {
                    key: service_key(&key_id, version),
                    ciphertext: encapsulated.ciphertext.clone(),
                })
                .await
                .map_err(st)?
                .into_inner();
            Ok::<_, String>((encapsulated, decapsulated.shared_secret))
        }
    };
    let result = async {
        let (encapsulated, shared) = exchange(0).await?;
        ensure(
            encapsulated.ciphertext.len() == 1088
                && encapsulated.shared_secret.len() == 32
                && shared == encapsulated.shared_secret,
            || "Encapsulate and Decapsulate disagree on the shared secret".into(),
        )?;
        // A ciphertext made here, with the public key the service published.
        let kem =
            sonet::crypto::default_kem(KemAlgorithm::MlKem768).ok_or("no ML-KEM-768 provider")?;
        let local = kem
            .encapsulate(&kem_key.public_key)
            .map_err(|e| e.to_string())?;
        let remote = admin_keys
            .decapsulate(DecapsulateRequest {
                key: service_key(&kem_key.key_id, 0),
                ciphertext: local.ciphertext.clone(),
            })
            .await
            .map_err(st)?
            .into_inner();
        ensure(
            remote.shared_secret == local.shared_secret.as_bytes(),
            || "the service decapsulated a locally made ciphertext to another secret".into(),
        )?;
        Ok(format!(
            "alice Encapsulate to the service key: {}-byte ciphertext; admin Decapsulate: the \
             same 32-byte secret; a ciphertext made locally for the published key decapsulates \
             on the service to the local secret",
            encapsulated.ciphertext.len()
        ))
    }
    .await;
    rec.check("keys: exchange (encapsulate, decapsulate)", result);
    let result =
        async {
            let rotated = admin_keys
                .rotate_key(RotateKeyRequest {
                    key_id: kem_key.key_id.clone(),
                })
                .await
                .map_err(st)?
                .into_inner();
            ensure(
                rotated.version == 2 && rotated.current && rotated.public_key != kem_key.public_key,
                || {
                    format!(
                        "RotateKey gave version {} (current {})",
                        rotated.version, rotated.current
                    )
                },
            )?;
            let (old, old_shared) = exchange(1).await?;
            ensure(old.shared_secret == old_shared, || {
                "version 1 no longer decapsulates".into()
            })?;
            let (new, new_shared) = exchange(0).await?;
            ensure(new.shared_secret == new_shared, || {
                "the current version does not decapsulate".into()
            })?;
            let cross = admin_keys
                .decapsulate(DecapsulateRequest {
                    key: service_key(&kem_key.key_id, 1),
                    ciphertext: new.ciphertext,
                })
                .await
                .map_err(st)?
                .into_inner();
            ensure(cross.shared_secret != new.shared_secret, || {
                "version 1 decapsulates a ciphertext for version 2".into()
            })?;
            Ok("RotateKey: version 2 current with a new key; version 1 still decapsulates its own \
            ciphertexts; version 0 (current) now means version 2, whose ciphertexts version 1 \
            does not open"
            .to_owned())
        }
        .await;
    rec.check("keys: rotate", result);
    let result = async {
        let listed = alice_keys
            .list_keys(ListKeysRequest {
                algorithm: "ML-KEM-768".into(),
            })
            .await
            .map_err(st)?
            .into_inner()
            .keys;
        let versions: Vec<(u32, bool)> = listed
            .iter()
            .filter(|k| k.key_id == kem_key.key_id)
            .map(|k| (k.version, k.current))
            .collect();
        let mut sorted = versions.clone();
        sorted.sort();
        ensure(sorted == [(1, false), (2, true)], || {
            format!("ListKeys shows versions {versions:?}")
        })?;
        Ok(format!(
            "ListKeys ML-KEM-768 (as alice, not an administrator): {} versions of {}, only \
             version 2 current",
            versions.len(),
            kem_key.key_id
        ))
    }
    .await;
    rec.check("keys: list", result);

    // PQC operations.
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let sign_verify = move |algorithm: SignatureAlgorithm| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        async move {
            let key = admin_keys
                .generate_key(GenerateKeyRequest {
                    algorithm: algorithm.name().into(),
                    label: "suite signing".into(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let message = b"release 1".to_vec();
            let signed = admin_keys
                .sign(SignRequest {
                    key: service_key(&key.key_id, 0),
                    message: message.clone(),
                    context: b"ctx".to_vec(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let verify = |message: &[u8], context: &[u8]| VerifyRequest {
                key: service_ref(&key.key_id, 0),
                message: message.to_vec(),
                context: context.to_vec(),
                signature: signed.signature.clone(),
            };
            let mut verdicts = Vec::new();
            for (m, c) in [
                (&message[..], &b"ctx"[..]),
                (b"release 2", b"ctx"),
                (&message[..], b"other"),
            ] {
                verdicts.push(
                    alice_keys
                        .verify(verify(m, c))
                        .await
                        .map_err(st)?
                        .into_inner()
                        .valid,
                );
            }
            ensure(verdicts == [true, false, false], || {
                format!("Verify gave {verdicts:?} for (signed, other message, other context)")
            })?;
            let local = sonet::crypto::default_signature(algorithm)
                .ok_or_else(|| format!("no {algorithm} provider"))?
                .verify(
                    &key.public_key,
                    SignedMessage::Pure {
                        message: &message,
                        context: b"ctx",
                    },
                    &signed.signature,
                );
            ensure(local.is_ok(), || {
                format!("the signature does not verify locally: {local:?}")
            })?;
            Ok::<_, String>(format!(
                "{algorithm}: admin Sign ({}-byte signature), alice Verify true; false for another \
                 message or context; verifies locally with the published {}-byte key",
                signed.signature.len(),
                key.public_key.len()
            ))
        }
    };
    rec.check(
        "PQC: sign and verify ML-DSA-65",
        sign_verify(SignatureAlgorithm::MlDsa65).await,
    );
    let result = async {
        let fn_dsa = sign_verify(SignatureAlgorithm::FnDsa512).await?;
        let slh_dsa = sign_verify(SignatureAlgorithm::SlhDsaSha2_128f).await?;
        Ok(format!("{fn_dsa}; {slh_dsa}"))
    }
    .await;
    rec.check(
        "PQC: sign and verify FN-DSA-512 and SLH-DSA-SHA2-128f",
        result,
    );
    let (alice_keys_for, admin_keys_for) = (alice_keys.clone(), admin_keys.clone());
    let seal_open = move |suite: EnvelopeSuite| {
        let (mut alice_keys, mut admin_keys) = (alice_keys_for.clone(), admin_keys_for.clone());
        async move {
            let key = admin_keys
                .generate_key(GenerateKeyRequest {
                    algorithm: suite.name().into(),
                    label: "suite inbox".into(),
                })
                .await
                .map_err(st)?
                .into_inner();
            let sealed = alice_keys
                .seal(SealRequest {
                    recipient: service_ref(&key.key_id, 0),
                    plaintext: b"for the service".to_vec(),
                    aad: b"ctx".to_vec(),
                })
                .await
                .map_err(st)?
                .into_inner()
                .envelope;
            let open = |envelope: Vec<u8>, aad: &[u8]| OpenRequest {
                key: service_key(&key.key_id, 0),
                envelope,
                aad: aad.to_vec(),
            };
            let opened = admin_keys
                .open(open(sealed.clone(), b"ctx"))
                .await
                .map_err(st)?
                .into_inner();
            ensure(opened.plaintext == b"for the service", || {
                "Open returned other bytes".into()
            })?;
            let wrong_aad = expect_code(
                admin_keys.open(open(sealed.clone(), b"other")).await,
                Code::InvalidArgument,
            )?;
            let local = envelope::seal(suite, &key.public_key, b"sealed here", b"", None)
                .and_then(|e| e.to_bytes())
                .map_err(|e| e.to_string())?;
            let opened_local = admin_keys
                .open(open(local, b""))
                .await
                .map_err(st)?
                .into_inner();
            ensure(opened_local.plaintext == b"sealed here", || {
                "a locally sealed envelope opened to other bytes".into()
            })?;
            Ok::<_, String>(format!(
                "{}: alice Seal ({}-byte envelope), admin Open returns the plaintext; Open with \
                 another AAD: {wrong_aad}; an envelope sealed locally to the published key opens",
                suite.name(),
                sealed.len()
            ))
        }
    };
    rec.check(
        "PQC: seal and open X-Wing envelope (hybrid)",
        seal_open(EnvelopeSuite::XWingAes256Gcm).await,
    );
    rec.check(
        "PQC: seal and open ML-KEM-768 envelope",
        seal_open(EnvelopeSuite::MlKem768Aes256Gcm).await,
    );
    Ok(())
}

// ---- grpc/errors --------------------------------------------------------------------------------

async fn errors(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(env, Options::default()).await?;
    // Every call of this job goes over this one connection.
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel.clone()).await?;
    let mallory = service.member("mallory", channel.clone()).await?;
    let mut alice_delivery = members[0].connection.delivery();

    let send = |group_id: &[u8], message_id: Vec<u8>, message: Vec<u8>| SendMessageRequest {
        group_id: group_id.to_vec(),
        message_id,
        message,
    };
    rec.check(
        "INVALID_ARGUMENT: not an MLS message",
        expect_code(
            alice_delivery
                .send_message(send(
                    &group_id,
                    new_message_id(),
                    b"not an MLS message".to_vec(),
                ))
                .await,
            Code::InvalidArgument,
        ),
    );
    let message = members[0]
        .mls
        .load_group(&group_id)
        .and_then(|mut g| g.encrypt(b"never sent"))
        .map_err(|e| e.to_string())?;
    rec.check(
        "INVALID_ARGUMENT: 3-byte message id",
        expect_code(
            alice_delivery
                .send_message(send(&group_id, vec![1; 3], message))
                .await,
            Code::InvalidArgument,
        ),
    );
    rec.check(
        "INVALID_ARGUMENT: unknown cipher suite",
        expect_code(
            alice_delivery
                .create_group(CreateGroupRequest {
                    group_id: b"g".to_vec(),
                    cipher_suite: 0xfafa,
                })
                .await,
            Code::InvalidArgument,
        ),
    );
    rec.check(
        "INVALID_ARGUMENT: pre-standard algorithm name",
        expect_code(
            members[0]
                .connection
                .keys()
                .verify(VerifyRequest {
                    key: Some(KeyRef {
                        key: Some(key_ref::Key::Public(PublicKey {
                            algorithm: "DILITHIUM_3".into(),
                            public_key: vec![0; 10],
                        })),
                    }),
                    message: Vec::new(),
                    context: Vec::new(),
                    signature: Vec::new(),
                })
                .await,
            Code::InvalidArgument,
        )
        .and_then(|detail| {
            ensure(detail.contains("ML-DSA-65"), || {
                format!("the message does not name the allowed algorithms: {detail}")
            })
            .map(|()| detail)
        }),
    );
    let anonymous = Connection::certificate_only(channel.clone());
    rec.check(
        "UNAUTHENTICATED: no credentials",
        expect_code(
            get_group(&anonymous, &group_id).await,
            Code::Unauthenticated,
        ),
    );
    let impostor = Connection::signed(
        channel.clone(),
        mls::Client::in_memory(b"alice").map_err(|e| e.to_string())?,
        MLS_SUITE,
    );
    rec.check(
        "UNAUTHENTICATED: key not the registered one",
        expect_code(get_group(&impostor, &group_id).await, Code::Unauthenticated)
            .map(|d| format!("\"alice\" signed with another key: {d}")),
    );
    let mut mallorys_group = mls::create_group(
        &mallory.mls,
        MLS_SUITE,
        &mls::GroupOptions {
            group_id: Some(group_id.clone()),
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let forged = mallorys_group
        .encrypt(b"let me in")
        .map_err(|e| e.to_string())?;
    rec.check(
        "PERMISSION_DENIED: non-member posts",
        expect_code(
            mallory
                .connection
                .delivery()
                .send_message(send(&group_id, new_message_id(), forged))
                .await,
            Code::PermissionDenied,
        ),
    );
    rec.check(
        "PERMISSION_DENIED: non-member reads the group",
        expect_code(
            get_group(&mallory.connection, &group_id).await,
            Code::PermissionDenied,
        ),
    );
    rec.check(
        "PERMISSION_DENIED: non-administrator uses a service key",
        expect_code(
            members[0]
                .connection
                .keys()
                .generate_key(GenerateKeyRequest {
                    algorithm: "ML-DSA-65".into(),
                    label: "x".into(),
                })
                .await,
            Code::PermissionDenied,
        )
        .map(|d| format!("alice GenerateKey: {d}")),
    );
    rec.check(
        "NOT_FOUND: unknown group",
        expect_code(
            get_group(&members[0].connection, b"no such group").await,
            Code::NotFound,
        ),
    );
    let result = async {
        let mut bobs_group = members[1]
            .mls
            .load_group(&group_id)
            .map_err(|e| e.to_string())?;
        let bobs_update = bobs_group.self_update().map_err(|e| e.to_string())?;
        members[0].update(&group_id).await.map_err(client_error)?;
        expect_code(
            members[1]
                .connection
                .delivery()
                .submit_commit(SubmitCommitRequest {
                    group_id: group_id.clone(),
                    message_id: new_message_id(),
                    commit: bobs_update.commit,
                    ..Default::default()
                })
                .await,
            Code::Aborted,
        )
        .map(|d| format!("bob's commit for epoch 1 after alice's: {d}"))
    }
    .await;
    rec.check("ABORTED: second commit of an epoch", result);

    let result = async {
        // Bob has alice's update (epoch 2) waiting; then a message over the same connection.
        members[0]
            .send(&group_id, b"still here")
            .await
            .map_err(client_error)?;
        let received = receive(&mut members[1], 2).await?;
        ensure(
            matches!(received[0].1, Received::Epoch { epoch: 2, .. })
                && texts(&received) == ["still here"],
            || {
                format!(
                    "bob got {:?}",
                    received.iter().map(|r| event(&r.1)).collect::<Vec<_>>()
                )
            },
        )?;
        let status = HealthClient::new(channel.clone())
            .check(HealthCheckRequest::default())
            .await
            .map_err(st)?
            .into_inner()
            .status;
        ensure(status == ServingStatus::Serving as i32, || {
            format!("health {}", serving_name(status))
        })?;
        Ok(
            "after the eleven refusals, on the same connection: alice's update and message \
            reached bob in order and decrypted; health SERVING"
                .to_owned(),
        )
    }
    .await;
    rec.check("connection works afterwards", result);

    let result = async {
        let metrics = http_get(service.address()?, "/metrics").await?.body;
        let counted = [
            ("Delivery/SendMessage", "InvalidArgument", 2.0),
            ("Delivery/CreateGroup", "InvalidArgument", 1.0),
            ("Keys/Verify", "InvalidArgument", 1.0),
            ("Delivery/GetGroup", "Unauthenticated", 2.0),
            ("Delivery/SendMessage", "PermissionDenied", 1.0),
            ("Delivery/GetGroup", "PermissionDenied", 1.0),
            ("Keys/GenerateKey", "PermissionDenied", 1.0),
            ("Delivery/GetGroup", "NotFound", 1.0),
            ("Delivery/SubmitCommit", "Aborted", 1.0),
        ];
        for (method, code, want) in counted {
            let series = format!("sonet_rpc_total{{method=\"{method}\",code=\"{code}\"}}");
            let got = metric(&metrics, &series);
            ensure(got == Some(want), || {
                format!("{series} is {got:?}, expected {want}")
            })?;
        }
        // Refusals (authentication, authorization, a lost commit race) go to the audit log.
        let events = logged(&env.logs);
        let refused: Vec<(String, String)> = events
            .iter()
            .filter(|e| e.target == "sonet::audit" && e.field("event") == Some("call.refused"))
            .map(|e| {
                (
                    e.field("method").unwrap_or_default().to_owned(),
                    e.field("code").unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let mut wanted: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (method, code, count) in &counted[3..] {
            if *code != "NotFound" {
                *wanted
                    .entry((method.to_string(), code.to_string()))
                    .or_default() += *count as usize;
            }
        }
        let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
        for entry in &refused {
            *seen.entry(entry.clone()).or_default() += 1;
        }
        ensure(seen == wanted, || {
            format!("audit records call.refused {seen:?}, expected {wanted:?}")
        })?;
        Ok(format!(
            "/metrics counts every refusal by method and code ({} series checked); the audit \
             log (target sonet::audit) holds {} call.refused records with method and code, one \
             per UNAUTHENTICATED / PERMISSION_DENIED / ABORTED call",
            counted.len(),
            refused.len()
        ))
    }
    .await;
    rec.check("refusals logged and counted", result);
    Ok(())
}

// ---- kafka/producer -----------------------------------------------------------------------------

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

async fn producer(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let bus = kafka_bus(&bootstrap, &topic, Duration::from_secs(30))?;
    bus.ensure_topics().await.map_err(|e| e.to_string())?;
    // Three groups' records, interleaved: keys → (value, partition, offset).
    let keys = ["group-a", "group-b", "group-c"];
    let mut reports: Vec<(String, Vec<u8>, i32, i64)> = Vec::new();
    let mut failure = None;
    for i in 0..60 {
        let key = keys[i % 3];
        let value = format!("{key} record {i}").into_bytes();
        match bus
            .publish(Record {
                key: key.as_bytes().to_vec(),
                value: value.clone(),
            })
            .await
        {
            Ok(position) => {
                reports.push((key.to_owned(), value, position.partition, position.offset))
            }
            Err(e) => {
                failure = Some(format!("publish {i}: {e}"));
                break;
            }
        }
    }
    let by_key = |key: &str| -> Vec<(i32, i64)> {
        reports
            .iter()
            .filter(|(k, ..)| k == key)
            .map(|(_, _, p, o)| (*p, *o))
            .collect()
    };
    let result = match &failure {
        Some(e) => Err(e.clone()),
        None => {
            let a = by_key("group-a");
            let consecutive = a.windows(2).all(|w| w[1].0 == w[0].0 && w[1].1 > w[0].1);
            ensure(a.len() == 20 && consecutive && a[0].1 >= 0, || {
                format!("group-a's delivery reports: {a:?}")
            })
            .map(|()| {
                format!(
                    "every publish returned its delivery report: group-a's 20 records at \
                     partition {}, offsets {}..={} increasing",
                    a[0].0,
                    a[0].1,
                    a[a.len() - 1].1
                )
            })
        }
    };
    rec.check("delivery reports: partition and offset", result);
    let result = match &failure {
        Some(e) => Err(e.clone()),
        None => {
            let mut mapping = Vec::new();
            let mut split = None;
            for key in keys {
                let partitions: BTreeSet<i32> = by_key(key).iter().map(|(p, _)| *p).collect();
                if partitions.len() != 1 {
                    split = Some(format!("{key} spread over partitions {partitions:?}"));
                }
                mapping.push(format!("{key} → {partitions:?}"));
            }
            match split {
                Some(e) => Err(e),
                None => Ok(format!(
                    "60 interleaved records of three groups on a 3-partition topic: {}",
                    mapping.join(", ")
                )),
            }
        }
    };
    rec.check("records keyed by group id share a partition", result);
    let result = async {
        if let Some(e) = &failure {
            return Err(e.clone());
        }
        let records = read_topic(&bootstrap, &topic, reports.len()).await?;
        let mut positions: HashMap<(i32, i64), (Vec<u8>, Vec<u8>)> = HashMap::new();
        for record in &records {
            positions.insert(
                (record.partition, record.offset),
                (record.key.clone(), record.value.clone()),
            );
        }
        for (key, value, partition, offset) in &reports {
            let Some((k, v)) = positions.get(&(*partition, *offset)) else {
                return Err(format!("nothing at partition {partition} offset {offset}"));
            };
            ensure(k == key.as_bytes() && v == value, || {
                format!("partition {partition} offset {offset} holds another record")
            })?;
        }
        Ok(format!(
            "a consumer read all {} records back: each at the partition and offset its \
             delivery report named, with its key and value",
            records.len()
        ))
    }
    .await;
    rec.check("delivery reports match the log", result);
    let result = async {
        // A broker address where nothing listens.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dead = kafka_bus(
            &format!("127.0.0.1:{port}"),
            &topic,
            Duration::from_millis(1500),
        )?;
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(20),
            dead.publish(Record {
                key: b"group-a".to_vec(),
                value: b"nowhere".to_vec(),
            }),
        )
        .await
        .map_err(|_| "the publish neither succeeded nor failed within 20 s".to_owned())?;
        match outcome {
            Ok(position) => Err(format!("a publish to a dead broker reported {position:?}")),
            Err(e) => Ok(format!(
                "a publish to 127.0.0.1:{port} (nothing listening) reported failure after {} ms \
                 (delivery timeout 1500 ms): {e}",
                started.elapsed().as_millis()
            )),
        }
    }
    .await;
    rec.check("failed delivery reported", result);
    Ok(())
}

// ---- kafka/consumer-group -----------------------------------------------------------------------

async fn consumer_group(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let consumer_group = format!("{topic}-delivery");
    let mut service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
    let mut expected = Vec::new();
    let result = async {
        for i in 0..50 {
            let text = format!("before restart {i}");
            members[0]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            expected.push(text);
        }
        let first = receive(&mut members[1], 20).await?;
        ensure(texts(&first) == expected[..20], || {
            "bob's first 20 differ".into()
        })?;
        Ok((
            texts(&first),
            format!(
                "50 messages published; the delivery worker (consumer group {consumer_group}) \
             filled bob's mailbox; bob read 20 of them"
            ),
        ))
    }
    .await;
    let first = rec.must("delivered through the consumer group", result)?;
    // Until the workers have written every record into the mailboxes (the Welcome and the 50
    // messages): then everything they consumed is processed, and must be committed.
    let address = service.address()?;
    let started = Instant::now();
    loop {
        let metrics = http_get(address, "/metrics").await?.body;
        let delivered = metric(&metrics, "sonet_mailbox_deliveries_total").unwrap_or(0.0);
        if delivered >= 51.0 {
            break;
        }
        if started.elapsed() > RECEIVE_TIMEOUT {
            return Err(format!("only {delivered} of 51 mailbox deliveries"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.stop().await?;

    let result = async {
        // A member of the service's consumer group, while the service is down: it must start
        // at the end of what the workers processed. A record published now is the positive
        // control: it must be the first one it gets.
        let bus = kafka_bus(&bootstrap, &topic, Duration::from_secs(10))?;
        let started = Instant::now();
        let mut consumer = bus
            .consumer(&consumer_group)
            .await
            .map_err(|e| e.to_string())?;
        let marker = bus
            .publish(Record {
                key: group_id.clone(),
                value: Vec::new(),
            })
            .await
            .map_err(|e| e.to_string())?;
        let record = next_record(&mut consumer, Duration::from_secs(30))
            .await?
            .ok_or("the consumer group member received nothing within 30 s")?;
        ensure(
            record.partition == marker.partition && record.offset == marker.offset,
            || {
                format!(
                    "the first record after the shutdown is partition {} offset {}, not the \
                     control record at {} {}: the workers had not committed it",
                    record.partition, record.offset, marker.partition, marker.offset
                )
            },
        )?;
        consumer.commit(&record).await.map_err(|e| e.to_string())?;
        Ok(format!(
            "after the graceful shutdown a new member of {consumer_group} received first the \
             control record published after it joined (partition {} offset {}), after {} ms: \
             every earlier record had been committed",
            marker.partition,
            marker.offset,
            started.elapsed().as_millis()
        ))
    }
    .await;
    rec.check("offsets committed at shutdown", result);

    let result =
        async {
            service.launch().await?;
            let channel = service.channel().await?;
            for member in &mut members {
                member.set_channel(channel.clone());
            }
            for i in 0..50 {
                let text = format!("after restart {i}");
                members[0]
                    .send(&group_id, text.as_bytes())
                    .await
                    .map_err(client_error)?;
                expected.push(text);
            }
            let rest = receive(&mut members[1], 80).await?;
            let mut all = first.clone();
            all.extend(texts(&rest));
            ensure(all == expected, || {
                "bob's 100 messages differ from the 100 sent (order, loss or duplicates)".into()
            })?;
            expect_silence(&members[1], Duration::from_millis(500)).await?;
            Ok("restarted on the same storage and consumer group: bob read the other 30 and 50 new \
            ones — all 100 once, in order, nothing more"
            .to_owned())
        }
        .await;
    rec.check("restart resumes: no loss, no duplicates", result);

    let result = async {
        // Invitation + 100 messages + the control record, from the start of the topic.
        let records = read_topic(&bootstrap, &topic, 102).await?;
        ensure(records.iter().all(|r| r.key == group_id), || {
            "a record with another key".into()
        })?;
        Ok(format!(
            "a new consumer group read all {} records of the topic from the start while {} \
             stayed at its committed offsets",
            records.len(),
            consumer_group
        ))
    }
    .await;
    rec.check("another consumer group reads independently", result);
    Ok(())
}

// ---- kafka/ordering -----------------------------------------------------------------------------

async fn ordering(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let identities = ["alice", "bob", "carol", "dave"];
    let (group_id, mut members) = service.group(&identities, channel).await?;

    let result = async {
        let started = Instant::now();
        let mut sent: Vec<(usize, String)> = Vec::new();
        for i in 0..1000 {
            let sender = i % 4;
            let text = format!("message {i} from {}", identities[sender]);
            members[sender]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            sent.push((sender, text));
        }
        let sending = started.elapsed();
        for (index, member) in members.iter_mut().enumerate() {
            let expected: Vec<String> = sent
                .iter()
                .filter(|(sender, _)| *sender != index)
                .map(|(_, text)| text.clone())
                .collect();
            let received = receive(member, expected.len()).await?;
            let got = texts(&received);
            if let Some(at) = got.iter().zip(&expected).position(|(g, e)| g != e) {
                return Err(format!(
                    "{}: message {at} is {:?}, expected {:?}",
                    identities[index], got[at], expected[at]
                ));
            }
            let sequences: Vec<u64> = received.iter().map(|(m, _)| m.sequence).collect();
            ensure(sequences.windows(2).all(|w| w[1] == w[0] + 1), || {
                format!("{}: mailbox sequences have gaps", identities[index])
            })?;
        }
        Ok(format!(
            "1,000 messages from four members in turn (sent in {} ms); each member received \
             the other 750 in exactly the sending order, gapless mailbox sequences",
            sending.as_millis()
        ))
    }
    .await;
    rec.check("1,000 messages of one group in order", result);

    let result = async {
        // Three senders at once while dave only listens: the service picks one order of the
        // 300, which dave sees whole and every sender must see too (less its own messages).
        const SENDERS: usize = 3;
        let mut listener = members.pop().ok_or("no listener")?;
        let mut tasks = Vec::new();
        for (index, mut member) in std::mem::take(&mut members).into_iter().enumerate() {
            let group_id = group_id.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..100 {
                    member
                        .send(&group_id, format!("{index}:{i}").as_bytes())
                        .await
                        .map_err(client_error)?;
                }
                Ok::<_, String>(member)
            }));
        }
        for task in tasks {
            members.push(task.await.map_err(|e| e.to_string())??);
        }
        let order = texts(&receive(&mut listener, SENDERS * 100).await?);
        members.push(listener);
        let sender_of = |text: &String| text.split(':').next().unwrap_or_default().to_owned();
        for (sender, sender_name) in identities.iter().enumerate().take(SENDERS) {
            let own: Vec<&String> = order
                .iter()
                .filter(|t| sender_of(t) == sender.to_string())
                .collect();
            let want: Vec<String> = (0..100).map(|i| format!("{sender}:{i}")).collect();
            ensure(
                own.iter()
                    .map(|s| s.as_str())
                    .eq(want.iter().map(|s| s.as_str())),
                || format!("dave saw {sender_name}'s messages out of order"),
            )?;
        }
        for (index, member) in members.iter_mut().enumerate().take(SENDERS) {
            let got = texts(&receive(member, (SENDERS - 1) * 100).await?);
            let expected: Vec<String> = order
                .iter()
                .filter(|t| sender_of(t) != index.to_string())
                .cloned()
                .collect();
            ensure(got == expected, || {
                format!(
                    "{} saw the other senders' messages in another order than dave",
                    identities[index]
                )
            })?;
        }
        let switches = order
            .windows(2)
            .filter(|w| sender_of(&w[0]) != sender_of(&w[1]))
            .count();
        Ok(format!(
            "alice, bob and carol sent 100 each at the same time; dave received the 300 with \
             each sender's messages in its order, interleaved ({switches} sender switches), and \
             each sender received the other two's 200 in exactly dave's order"
        ))
    }
    .await;
    rec.check("concurrent senders: one order for every member", result);

    let result = async {
        // The invitation (commit + Welcome in one record), then 1,000 + 300 messages.
        let records = read_topic(&bootstrap, &topic, 1301).await?;
        ensure(records.iter().all(|r| r.key == group_id), || {
            "a record not keyed by the group id".into()
        })?;
        let partitions: BTreeSet<i32> = records.iter().map(|r| r.partition).collect();
        ensure(partitions.len() == 1, || {
            format!("records in partitions {partitions:?}")
        })?;
        let offsets_increase = records.windows(2).all(|w| w[1].offset > w[0].offset);
        ensure(offsets_increase, || "offsets do not increase".into())?;
        Ok(format!(
            "all {} records on topic {topic} are keyed by the group id and sit in partition \
             {:?} of 3, offsets increasing",
            records.len(),
            partitions
        ))
    }
    .await;
    rec.check("records keyed by group id in one partition", result);

    let result = async {
        // Bob keeps one stream open; alice sends one message at a time.
        let mut stream = members[1].subscribe().await.map_err(client_error)?;
        let mut latencies = Vec::new();
        for i in 0..50 {
            let text = format!("live {i}");
            let started = Instant::now();
            members[0]
                .send(&group_id, text.as_bytes())
                .await
                .map_err(client_error)?;
            let message = tokio::time::timeout(Duration::from_secs(5), stream.message())
                .await
                .map_err(|_| format!("live message {i} did not arrive within 5 s"))?
                .map_err(st)?
                .ok_or("the stream ended")?;
            let latency = started.elapsed();
            match members[1].handle(message).map_err(client_error)? {
                Received::Message { data, .. } if data == text.as_bytes() => {}
                other => return Err(format!("live message {i}: {}", event(&other))),
            }
            latencies.push(latency);
        }
        latencies.sort();
        let p50 = latencies[latencies.len() / 2];
        let max = latencies[latencies.len() - 1];
        ensure(max < Duration::from_secs(1), || {
            format!(
                "slowest live message took {} ms (bound 1000 ms)",
                max.as_millis()
            )
        })?;
        Ok(format!(
            "50 messages on one open Subscribe stream, each from SendMessage to decrypted \
             receipt: p50 {:.1} ms, max {:.1} ms (bound 1000 ms)",
            p50.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        ))
    }
    .await;
    rec.check("live stream latency", result);
    Ok(())
}

// ---- kafka/fault-tolerance ----------------------------------------------------------------------

async fn fault_tolerance(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    const TOTAL: usize = 300;
    const BEFORE_KILL: usize = 100;
    let service = Service::start(env, Options::default()).await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel).await?;
    let mut alice = members.remove(0);
    let mut bob = members.remove(0);
    let sender_group = group_id.clone();
    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let (killed_tx, mut killed) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(async move {
        let mut acknowledged = Vec::with_capacity(TOTAL);
        for i in 0..TOTAL {
            if i == BEFORE_KILL {
                // The rest is sent into the outage and after it.
                killed.wait_for(|k| *k).await.map_err(|e| e.to_string())?;
            }
            alice
                .send(&sender_group, format!("through the outage {i}").as_bytes())
                .await
                .map_err(client_error)?;
            acknowledged.push(Instant::now());
            let _ = progress_tx.send(i + 1);
        }
        Ok::<_, String>(acknowledged)
    });
    progress
        .wait_for(|sent| *sent >= BEFORE_KILL)
        .await
        .map_err(|_| "the sender stopped before the kill".to_owned())?;
    env.broker()?.kill();
    let killed_at = Instant::now();
    let _ = killed_tx.send(true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during = *progress.borrow();
    let restarted_at = Instant::now();
    let restart = {
        let broker = env.broker()?;
        tokio::task::block_in_place(|| broker.restart())
    };
    restart.map_err(|e| format!("restarting the broker: {e}"))?;
    let recovered = service.wait_for(ServingStatus::Serving).await;
    let acknowledged = tokio::time::timeout(Duration::from_secs(90), sender)
        .await
        .map_err(|_| "the sender did not finish within 90 s of the restart".to_owned())?
        .map_err(|e| e.to_string())?;
    let result = match &acknowledged {
        Ok(acks) => {
            // A little slack for acknowledgements already on their way when the broker died.
            let window = (killed_at + Duration::from_millis(200), restarted_at);
            let inside = acks
                .iter()
                .filter(|t| **t > window.0 && **t < window.1)
                .count();
            ensure(inside == 0 && during < TOTAL, || {
                format!("{inside} sends were acknowledged while the broker was down")
            })
            .map(|()| {
                format!(
                    "broker SIGKILLed after {BEFORE_KILL} acknowledged sends; in the 2 s outage \
                     no send was acknowledged ({during} acknowledged in all), the sender waited \
                     or retried"
                )
            })
        }
        Err(e) => Err(e.clone()),
    };
    rec.check("nothing acknowledged while the broker is down", result);
    let result = match (&recovered, &acknowledged) {
        (Ok(_), Ok(acks)) => match acks.iter().find(|t| **t > restarted_at) {
            Some(first) => Ok(format!(
                "same server, no restart: the first send after the broker restart was \
                 acknowledged {} ms after it began; the remaining {} sends were acknowledged",
                first.duration_since(restarted_at).as_millis(),
                TOTAL - during
            )),
            None => Err("no send was acknowledged after the broker restart".to_owned()),
        },
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    rec.check("recovers without a server restart", result);
    let result = async {
        let received = receive(&mut bob, TOTAL).await?;
        let expected: Vec<String> = (0..TOTAL)
            .map(|i| format!("through the outage {i}"))
            .collect();
        let got = texts(&received);
        ensure(got == expected, || {
            let missing = expected.iter().filter(|e| !got.contains(e)).count();
            format!(
                "bob's {} messages differ from the {TOTAL} sent ({missing} missing)",
                got.len()
            )
        })?;
        expect_silence(&bob, Duration::from_secs(1)).await?;
        Ok(format!(
            "bob received all {TOTAL} once, in sending order, nothing more within 1 s"
        ))
    }
    .await;
    rec.check("all messages arrive once, in order", result);
    Ok(())
}

// ---- kafka/unavailable --------------------------------------------------------------------------

async fn unavailable(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let service = Service::start(
        env,
        Options {
            kafka_extra: "  delivery_timeout_ms: 2000\n",
            ..Options::default()
        },
    )
    .await?;
    let channel = service.channel().await?;
    let (group_id, mut members) = service.group(&["alice", "bob"], channel.clone()).await?;
    let address = service.address()?;
    // Prepared before the outage (alice's Member is not used to send afterwards).
    let message = members[0]
        .mls
        .load_group(&group_id)
        .and_then(|mut g| g.encrypt(b"sent into the outage"))
        .map_err(|e| e.to_string())?;
    let request = SendMessageRequest {
        group_id: group_id.clone(),
        message_id: new_message_id(),
        message,
    };

    env.broker()?.kill();
    let result = async {
        let took = service.wait_for(ServingStatus::NotServing).await?;
        let mut statuses = Vec::new();
        for name in ["sonet.v1.Delivery", "sonet.v1.Directory", "sonet.v1.Keys"] {
            statuses.push((name, service.health(name).await.map_err(st)?));
        }
        let want = [
            ServingStatus::NotServing,
            ServingStatus::Serving,
            ServingStatus::Serving,
        ];
        for ((name, status), want) in statuses.iter().zip(want) {
            ensure(*status == want as i32, || {
                format!("{name}: {}", serving_name(*status))
            })?;
        }
        Ok(format!(
            "broker SIGKILLed: Check \"\" NOT_SERVING after {} ms; sonet.v1.Delivery NOT_SERVING, \
             sonet.v1.Directory and sonet.v1.Keys SERVING",
            took.as_millis()
        ))
    }
    .await;
    rec.check("health NOT_SERVING with the broker down", result);
    let result = async {
        let response = http_get(address, "/health").await?;
        let json: serde_json::Value = serde_json::from_str(&response.body)
            .map_err(|e| format!("not JSON ({e}): {:?}", response.body))?;
        ensure(
            response.status == 503
                && json["status"] == "NOT_SERVING"
                && json["bus"] == "kafka"
                && json["bus_up"] == false,
            || format!("GET /health: HTTP {} {json}", response.status),
        )?;
        let metrics = http_get(address, "/metrics").await?.body;
        let up = metric(&metrics, "sonet_bus_up");
        ensure(up == Some(0.0), || format!("sonet_bus_up {up:?}"))?;
        Ok(format!("HTTP 503 {json}; /metrics sonet_bus_up 0"))
    }
    .await;
    rec.check("GET /health 503", result);
    let result = async {
        let dave = service.member("dave", channel.clone()).await?;
        let listed = dave
            .connection
            .keys()
            .list_keys(ListKeysRequest::default())
            .await
            .map_err(st)?;
        let state = get_group(&members[0].connection, &group_id)
            .await
            .map_err(st)?;
        Ok(format!(
            "with the broker down: dave registered and published 5 KeyPackages, ListKeys \
             answered ({} keys), GetGroup answered (epoch {})",
            listed.into_inner().keys.len(),
            state.epoch
        ))
    }
    .await;
    rec.check("Directory and Keys keep serving", result);
    let result = async {
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(30),
            members[0]
                .connection
                .delivery()
                .send_message(request.clone()),
        )
        .await
        .map_err(|_| "SendMessage neither succeeded nor failed within 30 s".to_owned())?;
        let detail = expect_code(outcome, Code::Unavailable)?;
        let took = started.elapsed();
        let embedded_log = service.dir.join("data").join("bus");
        ensure(!embedded_log.exists(), || {
            format!("an embedded bus appeared at {}", embedded_log.display())
        })?;
        Ok(format!(
            "SendMessage after {} ms (delivery timeout 2000 ms): {detail}; no embedded log \
             was opened (the service does not switch stores)",
            took.as_millis()
        ))
    }
    .await;
    rec.check("send refused with UNAVAILABLE, no other store", result);
    let result = async {
        let broker = env.broker()?;
        tokio::task::block_in_place(|| broker.restart())
            .map_err(|e| format!("restarting the broker: {e}"))?;
        let took = service.wait_for(ServingStatus::Serving).await?;
        let response = http_get(address, "/health").await?;
        ensure(response.status == 200, || {
            format!("GET /health: HTTP {}", response.status)
        })?;
        Ok(format!(
            "broker restarted: Check \"\" SERVING after {} ms, GET /health 200",
            took.as_millis()
        ))
    }
    .await;
    rec.check("SERVING again after the broker restarts", result);
    let result = async {
        // As a client is told to: retry UNAVAILABLE with the same message id.
        let started = Instant::now();
        let mut refusals: Vec<String> = Vec::new();
        let response = loop {
            match members[0]
                .connection
                .delivery()
                .send_message(request.clone())
                .await
            {
                Ok(response) => break response.into_inner(),
                Err(status)
                    if status.code() == Code::Unavailable
                        && started.elapsed() < Duration::from_secs(15) =>
                {
                    refusals.push(status.message().to_owned());
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(status) => {
                    return Err(format!(
                        "after {} retries in {} ms: {}; earlier refusals: {:?}",
                        refusals.len(),
                        started.elapsed().as_millis(),
                        status_text(&status),
                        refusals.iter().collect::<BTreeSet<_>>()
                    ))
                }
            }
        };
        let received = receive(&mut members[1], 1).await?;
        ensure(texts(&received) == ["sent into the outage"], || {
            format!("bob got {}", event(&received[0].1))
        })?;
        expect_silence(&members[1], Duration::from_secs(1)).await?;
        Ok(format!(
            "the refused SendMessage retried with the same message id: accepted (epoch {}) \
             after {} more UNAVAILABLE answers in {} ms {:?}; bob received it once",
            response.epoch,
            refusals.len(),
            started.elapsed().as_millis(),
            refusals.iter().collect::<BTreeSet<_>>()
        ))
    }
    .await;
    // A failure names what the broker logged and what health said meanwhile.
    let result = match result {
        Ok(detail) => Ok(detail),
        Err(detail) => {
            let health = match service.health("").await {
                Ok(status) => serving_name(status),
                Err(status) => status_text(&status),
            };
            let log = env.broker()?.log();
            let lines: Vec<&str> = log.lines().collect();
            let panic = lines
                .iter()
                .position(|l| l.contains("panicked at"))
                .map(|at| {
                    format!(
                        "; the broker's log: {} {}",
                        lines[at].trim(),
                        lines.get(at + 1).map(|l| l.trim()).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            Err(format!("{detail}; health meanwhile: {health}{panic}"))
        }
    };
    rec.check("retried message delivered exactly once", result);
    let result = {
        let events = logged(&env.logs);
        let down = events.iter().find(|e| {
            e.level == tracing::Level::WARN
                && e.field("message")
                    .is_some_and(|m| m.contains("message bus down"))
        });
        let up = events.iter().rev().find(|e| {
            e.field("message")
                .is_some_and(|m| m.contains("message bus status changed"))
                && e.field("up") == Some("true")
        });
        match (down, up) {
            (Some(down), Some(_)) => Ok(format!(
                "WARN {:?} (error: {}), then INFO \"message bus status changed\" up=true",
                down.field("message").unwrap_or_default(),
                down.field("error").unwrap_or_default()
            )),
            _ => Err(format!(
                "the service logged no outage warning and recovery: {} events captured",
                events.len()
            )),
        }
    };
    rec.check("outage logged", result);
    Ok(())
}
