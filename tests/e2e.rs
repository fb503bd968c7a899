//! End-to-end tests of the messaging service: a real server on 127.0.0.1 (real TCP, TLS with
//! certificates generated here), real MLS clients, and the message bus — the embedded log, and
//! a real Kafka-API broker (tansu). Every scenario runs on both buses.
//!
//! Kafka runs use `SONET_KAFKA_BROKERS` (set by `cargo xtask test` when `cargo xtask broker
//! start` runs one) or start a private broker from `SONET_TANSU_BIN`; scenarios that kill the
//! broker always use a private one. Without either, Kafka runs print SKIPPED — unless
//! `SONET_REQUIRE_KAFKA=1` (CI sets it), where a missing broker fails them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sonet::mls::{self, CipherSuite};
use sonet::service::client::{connect, ClientTls, Connection, Member, Received};
use sonet::service::proto::{
    CreateGroupRequest, FetchKeyPackageRequest, GenerateKeyRequest, GetGroupRequest, KeyRef,
    MailboxMessage, PublicKey, PublishKeyPackagesRequest, RegisterRequest, SendMessageRequest,
    ServiceKey, SignRequest, SubmitCommitRequest, VerifyRequest,
};
use sonet::service::{self, RunningServer, Settings};
use sonet_testkit::tansu::Tansu;
use sonet_testkit::unique::unique;
use tonic::transport::Channel;
use tonic::Code;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
const RECEIVE_TIMEOUT: Duration = Duration::from_secs(60);

/// The bus a scenario runs on.
enum Bus {
    Embedded,
    Kafka {
        bootstrap: String,
        topic: String,
        /// A broker of this test's own (killable).
        private: Option<Tansu>,
    },
}

impl Bus {
    fn name(&self) -> &'static str {
        match self {
            Bus::Embedded => "embedded",
            Bus::Kafka { .. } => "kafka",
        }
    }

    fn required() -> bool {
        std::env::var("SONET_REQUIRE_KAFKA").is_ok_and(|v| v == "1")
    }

    fn skip(test: &str) -> Option<Bus> {
        assert!(
            !Self::required(),
            "{test}: SONET_REQUIRE_KAFKA=1 but no broker (run `cargo xtask broker start`)"
        );
        eprintln!(
            "SKIPPED {test} on Kafka: no broker (SONET_KAFKA_BROKERS / SONET_TANSU_BIN unset)"
        );
        None
    }

    /// The shared broker if there is one, else a private one; `None` = skipped.
    fn kafka(test: &str) -> Option<Bus> {
        match std::env::var("SONET_KAFKA_BROKERS") {
            Ok(bootstrap) if !bootstrap.is_empty() => Some(Bus::Kafka {
                bootstrap,
                topic: unique("sonet-e2e"),
                private: None,
            }),
            _ => Self::private_kafka(test),
        }
    }

    /// A broker of the test's own, which it may kill and restart.
    fn private_kafka(test: &str) -> Option<Bus> {
        match Tansu::start() {
            Some(started) => {
                let tansu = started.expect("starting a private tansu broker");
                Some(Bus::Kafka {
                    bootstrap: tansu.bootstrap(),
                    topic: unique("sonet-e2e"),
                    private: Some(tansu),
                })
            }
            None => Self::skip(test),
        }
    }

    fn broker(&mut self) -> &mut Tansu {
        match self {
            Bus::Kafka {
                private: Some(tansu),
                ..
            } => tansu,
            _ => panic!("this scenario needs a private broker"),
        }
    }
}

struct Tls {
    dir: PathBuf,
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    mutual: bool,
}

impl Tls {
    /// A CA and a server certificate for 127.0.0.1/localhost, written under `dir`.
    fn new(dir: &Path, mutual: bool) -> Tls {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        std::fs::create_dir_all(dir).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "sonet e2e test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        let tls = Tls {
            dir: dir.to_path_buf(),
            ca,
            mutual,
        };
        let (cert, key) = tls.certificate("localhost", &["localhost", "127.0.0.1"]);
        std::fs::write(dir.join("server.pem"), cert).unwrap();
        std::fs::write(dir.join("server.key"), key).unwrap();
        tls
    }

    /// A certificate with subject CN `common_name`, issued by the test CA: `(cert, key)` PEM.
    fn certificate(&self, common_name: &str, names: &[&str]) -> (String, String) {
        use rcgen::{CertificateParams, DnType, KeyPair};
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &*self.ca).unwrap();
        (cert.pem(), key.serialize_pem())
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

    fn client(&self, identity: Option<&str>) -> ClientTls {
        ClientTls {
            ca_pem: self.ca.pem().into_bytes(),
            domain: Some("localhost".into()),
            identity: identity.map(|name| {
                let (cert, key) = self.certificate(name, &[]);
                (cert.into_bytes(), key.into_bytes())
            }),
        }
    }
}

/// A server under test, with its storage directory.
struct Service {
    dir: PathBuf,
    yaml: String,
    server: Option<RunningServer>,
    tls: Option<Tls>,
}

impl Service {
    async fn start(bus: &Bus) -> Service {
        Self::start_with(bus, None, "").await
    }

    async fn start_with(bus: &Bus, tls: Option<Tls>, extra_grpc: &str) -> Service {
        let dir = std::env::temp_dir().join(unique("sonet-e2e"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut yaml = format!(
            "security:\n  grpc:\n    port: 0\n    admin_identities: [\"admin\"]\n{}{extra_grpc}storage:\n  path: \"{}\"\n",
            tls.as_ref().map(Tls::yaml).unwrap_or_default(),
            dir.join("data").display()
        );
        if let Bus::Kafka {
            bootstrap, topic, ..
        } = bus
        {
            yaml += &format!(
                "kafka:\n  brokers: \"{bootstrap}\"\n  topic: \"{topic}\"\n  partitions: 3\n  consumer_group: \"{topic}-delivery\"\n  delivery_timeout_ms: 60000\n  health_check_interval_ms: 200\n"
            );
        }
        let mut service = Service {
            dir,
            yaml,
            server: None,
            tls,
        };
        service.launch().await;
        service
    }

    async fn launch(&mut self) {
        let settings = Settings::parse(&self.yaml, "e2e.yaml").expect("test configuration");
        let server = service::start(settings).await.expect("server starts");
        self.server = Some(server);
        self.wait_serving().await;
    }

    fn server(&self) -> &RunningServer {
        self.server.as_ref().expect("server running")
    }

    fn endpoint(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.server().local_addr())
    }

    async fn channel(&self) -> Channel {
        // With mutual TLS, a certificate of a neutral identity (health probes, setup).
        let tls = self
            .tls
            .as_ref()
            .map(|t| t.client(t.mutual.then_some("probe")));
        connect(&self.endpoint(), tls.as_ref()).await.unwrap()
    }

    async fn health(&self) -> i32 {
        let mut client = tonic_health::pb::health_client::HealthClient::new(self.channel().await);
        match client
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
        {
            Ok(response) => response.into_inner().status,
            Err(_) => -1,
        }
    }

    /// Waits until health says SERVING (the bus answers and the topic exists).
    async fn wait_serving(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.health().await
            != tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        {
            assert!(Instant::now() < deadline, "service never became SERVING");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Graceful shutdown, then a new server on the same storage and bus.
    async fn restart(&mut self) {
        let server = self.server.take().expect("server running");
        server.shutdown().await.expect("graceful shutdown");
        self.launch().await;
    }

    async fn member(&self, name: &str) -> Member {
        let member = Member::new(
            mls::Client::in_memory(name.as_bytes()).unwrap(),
            SUITE,
            self.channel().await,
        );
        assert!(member.register().await.unwrap());
        assert_eq!(member.publish_key_packages(4, true).await.unwrap(), 5);
        member
    }

    /// `alice` creates a group and invites the others, who join from their Welcomes.
    async fn group(&self, names: &[&str]) -> (Vec<u8>, Vec<Member>) {
        let mut members = Vec::new();
        for name in names {
            members.push(self.member(name).await);
        }
        let group_id = unique("group").into_bytes();
        members[0].create_group(&group_id).await.unwrap();
        let others: Vec<Vec<u8>> = names[1..].iter().map(|n| n.as_bytes().to_vec()).collect();
        members[0].invite(&group_id, &others).await.unwrap();
        for member in &mut members[1..] {
            let joined = receive(member, 1).await;
            assert!(
                matches!(&joined[0].1, Received::Joined { group_id: g, .. } if *g == group_id),
                "{:?}",
                joined[0].1
            );
        }
        (group_id, members)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Takes exactly `count` messages from `member`'s mailbox (from its cursor), handling each.
async fn receive(member: &mut Member, count: usize) -> Vec<(MailboxMessage, Received)> {
    let mut stream = member.subscribe().await.unwrap();
    let mut received = Vec::with_capacity(count);
    while received.len() < count {
        let message = tokio::time::timeout(RECEIVE_TIMEOUT, stream.message())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{}: only {} of {count} messages arrived",
                    String::from_utf8_lossy(member.identity()),
                    received.len()
                )
            })
            .unwrap()
            .expect("mailbox stream ended early");
        let handled = member.handle(message.clone()).unwrap();
        received.push((message, handled));
    }
    received
}

/// Asserts that nothing more arrives in `member`'s mailbox for a while.
async fn expect_silence(member: &Member, wait: Duration) {
    let mut stream = member.subscribe().await.unwrap();
    if let Ok(next) = tokio::time::timeout(wait, stream.message()).await {
        panic!(
            "{}: unexpected mailbox message {:?}",
            String::from_utf8_lossy(member.identity()),
            next.map(|m| m.map(|m| (m.sequence, m.kind)))
        );
    }
}

fn texts(received: &[(MailboxMessage, Received)]) -> Vec<String> {
    received
        .iter()
        .filter_map(|(_, r)| match r {
            Received::Message { data, .. } => Some(String::from_utf8(data.clone()).unwrap()),
            _ => None,
        })
        .collect()
}

macro_rules! on_both_buses {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn embedded() {
                super::$scenario(super::Bus::Embedded).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn kafka() {
                if let Some(bus) = super::Bus::kafka(stringify!($scenario)) {
                    super::$scenario(bus).await;
                }
            }
        }
    };
}

// ---- three members, 1,000 messages, in order --------------------------------------------------

async fn thousand_messages_in_order(bus: Bus) {
    let service = Service::start(&bus).await;
    let names = ["alice", "bob", "carol"];
    let (group_id, mut members) = service.group(&names).await;
    let mut sent: Vec<(usize, String)> = Vec::new();
    for i in 0..1000 {
        let sender = i % 3;
        let text = format!("message {i} from {}", names[sender]);
        members[sender]
            .send(&group_id, text.as_bytes())
            .await
            .unwrap();
        sent.push((sender, text));
    }
    for (index, member) in members.iter_mut().enumerate() {
        let expected: Vec<String> = sent
            .iter()
            .filter(|(sender, _)| *sender != index)
            .map(|(_, text)| text.clone())
            .collect();
        let received = receive(member, expected.len()).await;
        // The service delivers a group's messages in one order, the order it accepted them.
        assert_eq!(
            texts(&received),
            expected,
            "{} on {}",
            names[index],
            bus.name()
        );
        let sequences: Vec<u64> = received.iter().map(|(m, _)| m.sequence).collect();
        assert!(
            sequences.windows(2).all(|w| w[1] == w[0] + 1),
            "gapless mailbox sequences"
        );
        expect_silence(member, Duration::from_millis(300)).await;
    }
}
on_both_buses!(thousand_messages_in_order);

// ---- removal ----------------------------------------------------------------------------------

async fn removed_member_can_no_longer_read(bus: Bus) {
    let service = Service::start(&bus).await;
    let (group_id, mut members) = service.group(&["alice", "bob", "carol"]).await;
    // Carol prepares a message in the current epoch, to try to post it after her removal.
    let carols_late_message = {
        let mut group = members[2].mls.load_group(&group_id).unwrap();
        group.encrypt(b"carol after removal").unwrap()
    };
    members[0]
        .remove(&group_id, &[b"carol".to_vec()])
        .await
        .unwrap();
    let bob_saw = receive(&mut members[1], 1).await;
    assert!(
        matches!(bob_saw[0].1, Received::Epoch { epoch: 2, .. }),
        "{:?}",
        bob_saw[0].1
    );
    let carol_saw = receive(&mut members[2], 1).await;
    assert!(
        matches!(carol_saw[0].1, Received::Removed { .. }),
        "{:?}",
        carol_saw[0].1
    );

    members[0]
        .send(&group_id, b"secret for alice and bob")
        .await
        .unwrap();
    let bob_saw = receive(&mut members[1], 1).await;
    assert_eq!(texts(&bob_saw), ["secret for alice and bob"]);
    // Not routed to Carol any more …
    expect_silence(&members[2], Duration::from_millis(500)).await;
    // … and unreadable to her even with the ciphertext in hand.
    let ciphertext = &bob_saw[0].0.payload;
    let mut carols_group = members[2].mls.load_group(&group_id).unwrap();
    assert!(carols_group.process(ciphertext).is_err());
    // She can no longer post or look at the group.
    let refused = members[2]
        .connection
        .delivery()
        .send_message(SendMessageRequest {
            group_id: group_id.clone(),
            message_id: sonet::service::client::new_message_id(),
            message: carols_late_message,
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let refused = members[2]
        .connection
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let state = members[0]
        .connection
        .delivery()
        .get_group(GetGroupRequest { group_id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state.epoch, 2);
    assert_eq!(state.members, [b"alice".to_vec(), b"bob".to_vec()]);
    // The removal just began epoch 2: far from the default 24-hour rotation policy.
    let age_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        - state.epoch_started_at_ms;
    assert!(age_ms < 60_000, "epoch 2 began {age_ms} ms ago");
    assert!(!state.rotation_due);
}
on_both_buses!(removed_member_can_no_longer_read);

// ---- server restart ---------------------------------------------------------------------------

async fn server_restart_resumes_from_cursors(bus: Bus) {
    let mut service = Service::start(&bus).await;
    let (group_id, mut members) = service.group(&["alice", "bob"]).await;
    let mut expected = Vec::new();
    for i in 0..50 {
        let text = format!("before restart {i}");
        members[0].send(&group_id, text.as_bytes()).await.unwrap();
        expected.push(text);
    }
    let first = receive(&mut members[1], 20).await;
    service.restart().await;
    for member in &mut members {
        member.set_channel(service.channel().await);
    }
    for i in 0..50 {
        let text = format!("after restart {i}");
        members[0].send(&group_id, text.as_bytes()).await.unwrap();
        expected.push(text);
    }
    let rest = receive(&mut members[1], 80).await;
    let mut all = texts(&first);
    all.extend(texts(&rest));
    assert_eq!(
        all, expected,
        "every message once, in order, across the restart"
    );
    expect_silence(&members[1], Duration::from_millis(500)).await;
}
on_both_buses!(server_restart_resumes_from_cursors);

// ---- no plaintext on the bus or in the service's storage ------------------------------------

async fn bus_and_storage_hold_no_plaintext(bus: Bus) {
    let service = Service::start(&bus).await;
    let (group_id, mut members) = service.group(&["alice", "bob"]).await;
    let marker = unique("PLAINTEXT-MARKER");
    for i in 0..20 {
        members[i % 2]
            .send(&group_id, format!("{marker} {i}").as_bytes())
            .await
            .unwrap();
    }
    assert_eq!(texts(&receive(&mut members[1], 10).await).len(), 10);
    let contains =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    let mut records: Vec<Vec<u8>> = Vec::new();
    match &bus {
        Bus::Embedded => {
            let data = service.dir.join("data");
            records.push(std::fs::read(data.join("bus/bus.log")).unwrap());
            for file in ["service.sqlite", "service.sqlite-wal"] {
                if let Ok(bytes) = std::fs::read(data.join(file)) {
                    records.push(bytes);
                }
            }
        }
        Bus::Kafka {
            bootstrap, topic, ..
        } => {
            use sonet::bus::MessageBus;
            let raw = sonet::bus::kafka::KafkaBus::new(sonet::bus::kafka::KafkaSettings {
                brokers: bootstrap.clone(),
                topic: topic.clone(),
                partitions: 3,
                replication_factor: 1,
                client_id: "e2e-raw-reader".into(),
                delivery_timeout: Duration::from_secs(10),
            })
            .unwrap();
            let mut consumer = raw.consumer(&unique("raw-reader")).await.unwrap();
            // The invitation, then twenty messages.
            while records.len() < 21 {
                let record = tokio::time::timeout(RECEIVE_TIMEOUT, consumer.next())
                    .await
                    .expect("raw records")
                    .unwrap();
                assert_eq!(record.key, group_id, "records are keyed by group id");
                records.push(record.value);
            }
        }
    }
    // The reader sees the records (the group id is in the clear), but no message text.
    assert!(records.iter().any(|r| contains(r, &group_id)));
    for record in &records {
        assert!(
            !contains(record, marker.as_bytes()),
            "plaintext found on {}",
            bus.name()
        );
    }
}
on_both_buses!(bus_and_storage_hold_no_plaintext);

// ---- authentication, authorization, malformed input ------------------------------------------

async fn refusals_have_precise_status_codes(bus: Bus) {
    let service = Service::start(&bus).await;
    let (group_id, mut members) = service.group(&["alice", "bob"]).await;
    let mallory = service.member("mallory").await;
    let channel = service.channel().await;

    // No credentials at all.
    let anonymous = Connection::certificate_only(channel.clone());
    let status = anonymous
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // Signed with a key that is not the registered one.
    let impostor = mls::Client::in_memory(b"alice").unwrap();
    let forged = Connection::signed(channel.clone(), impostor, SUITE);
    let status = forged
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // Signed by an identity that never registered.
    let stranger = Connection::signed(
        channel.clone(),
        mls::Client::in_memory(b"stranger").unwrap(),
        SUITE,
    );
    let status = stranger
        .directory()
        .fetch_key_package(FetchKeyPackageRequest {
            identity: b"bob".to_vec(),
            cipher_suite: u32::from(SUITE.id()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // Taking over a registered identity with another key.
    let impostor = mls::Client::in_memory(b"bob").unwrap();
    let status = anonymous
        .directory()
        .register(RegisterRequest {
            identity: b"bob".to_vec(),
            signature_scheme: u32::from(mls::signature_scheme(SUITE)),
            signature_public_key: impostor.signature_public_key(SUITE).unwrap(),
            proof: impostor
                .sign_for_service(SUITE, sonet::service::auth::REGISTER_LABEL, b"bob")
                .unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    // A proof that does not verify.
    let status = anonymous
        .directory()
        .register(RegisterRequest {
            identity: b"eve".to_vec(),
            signature_scheme: u32::from(mls::signature_scheme(SUITE)),
            signature_public_key: impostor.signature_public_key(SUITE).unwrap(),
            proof: vec![7; 64],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");

    // Publishing someone else's KeyPackage.
    let status = mallory
        .connection
        .directory()
        .publish_key_packages(PublishKeyPackagesRequest {
            key_packages: vec![members[1].mls.key_package(SUITE).unwrap()],
            last_resort: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    // A non-member posting to and reading the group.
    let mut mallorys_group = mls::create_group(
        &mallory.mls,
        SUITE,
        &mls::GroupOptions {
            group_id: Some(group_id.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let status = mallory
        .connection
        .delivery()
        .send_message(SendMessageRequest {
            group_id: group_id.clone(),
            message_id: vec![1; 16],
            message: mallorys_group.encrypt(b"let me in").unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let status = mallory
        .connection
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");

    // Malformed input.
    let mut alice_delivery = members[0].connection.delivery();
    for (request, what) in [
        (
            SendMessageRequest {
                group_id: group_id.clone(),
                message_id: vec![1; 16],
                message: b"not an MLS message".to_vec(),
            },
            "garbage message",
        ),
        (
            SendMessageRequest {
                group_id: group_id.clone(),
                message_id: vec![1; 3],
                message: members[0].mls.key_package(SUITE).unwrap(),
            },
            "short message id",
        ),
        (
            SendMessageRequest {
                group_id: group_id.clone(),
                message_id: vec![1; 16],
                message: members[0].mls.key_package(SUITE).unwrap(),
            },
            "a KeyPackage as application message",
        ),
        (
            SendMessageRequest {
                group_id: Vec::new(),
                message_id: vec![1; 16],
                message: Vec::new(),
            },
            "empty group id",
        ),
    ] {
        let status = alice_delivery.send_message(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{what}: {status:?}");
    }
    let status = alice_delivery
        .create_group(CreateGroupRequest {
            group_id: b"g".to_vec(),
            cipher_suite: 0xfafa,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let status = alice_delivery
        .create_group(CreateGroupRequest {
            group_id: group_id.clone(),
            cipher_suite: u32::from(SUITE.id()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists, "{status:?}");

    // A second commit for an epoch that already has one.
    let mut bobs_group = members[1].mls.load_group(&group_id).unwrap();
    let bobs_update = bobs_group.self_update().unwrap();
    members[0].update(&group_id).await.unwrap();
    let status = members[1]
        .connection
        .delivery()
        .submit_commit(SubmitCommitRequest {
            group_id: group_id.clone(),
            message_id: vec![9; 16],
            commit: bobs_update.commit,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted, "{status:?}");

    // Keys: private-key operations are for administrators; bad algorithms are named.
    let status = members[0]
        .connection
        .keys()
        .generate_key(GenerateKeyRequest {
            algorithm: "ML-DSA-65".into(),
            label: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let status = members[0]
        .connection
        .keys()
        .sign(SignRequest {
            key: Some(ServiceKey {
                key_id: "k-0".into(),
                version: 0,
            }),
            message: b"m".to_vec(),
            context: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied, "{status:?}");
    let status = members[0]
        .connection
        .keys()
        .verify(VerifyRequest {
            key: Some(KeyRef {
                key: Some(sonet::service::proto::key_ref::Key::Public(PublicKey {
                    algorithm: "DILITHIUM_3".into(),
                    public_key: vec![0; 10],
                })),
            }),
            message: Vec::new(),
            context: Vec::new(),
            signature: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(status.message().contains("ML-DSA-65"), "{status:?}");

    // After all that, the connection and the group still work.
    members[0].send(&group_id, b"still here").await.unwrap();
    let received = receive(&mut members[1], 2).await;
    assert!(matches!(received[0].1, Received::Epoch { .. }));
    assert_eq!(texts(&received), ["still here"]);
}
on_both_buses!(refusals_have_precise_status_codes);

// ---- health, HTTP endpoints, reflection, key service -----------------------------------------

async fn http_get(address: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

async fn endpoints_reflection_and_keys(bus: Bus) {
    let service = Service::start(&bus).await;
    let address = service.server().local_addr();
    let (status, body) = http_get(address, "/health").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"SERVING\""), "{body}");

    // Reflection lists the services.
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    let mut reflection = ServerReflectionClient::new(service.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection response");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "sonet.v1.Delivery",
        "sonet.v1.Directory",
        "sonet.v1.Keys",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    // The older v1alpha protocol too, which many clients still speak.
    {
        use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
        use tonic_reflection::pb::v1alpha::ServerReflectionRequest;
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let response = ServerReflectionClient::new(service.channel().await)
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner()
            .message()
            .await
            .unwrap()
            .unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
            panic!("unexpected v1alpha reflection response");
        };
        assert!(list.service.iter().any(|s| s.name == "sonet.v1.Delivery"));
    }

    // The service's own keys: an administrator generates, signs, rotates; anyone verifies.
    let admin = service.member("admin").await;
    let mut keys = admin.connection.keys();
    let key = keys
        .generate_key(GenerateKeyRequest {
            algorithm: "ML-DSA-65".into(),
            label: "release signing".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(key.public_key.len(), 1952);
    let signed = keys
        .sign(SignRequest {
            key: Some(ServiceKey {
                key_id: key.key_id.clone(),
                version: 0,
            }),
            message: b"release 1".to_vec(),
            context: Vec::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let rotated = keys
        .rotate_key(sonet::service::proto::RotateKeyRequest {
            key_id: key.key_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rotated.version, 2);
    assert_ne!(rotated.public_key, key.public_key);
    let alice = service.member("alice").await;
    let verify = |version: u32, message: &[u8]| VerifyRequest {
        key: Some(KeyRef {
            key: Some(sonet::service::proto::key_ref::Key::Service(ServiceKey {
                key_id: key.key_id.clone(),
                version,
            })),
        }),
        message: message.to_vec(),
        context: Vec::new(),
        signature: signed.signature.clone(),
    };
    let mut alice_keys = alice.connection.keys();
    // The signature verifies for what was signed, with the version that signed it, only.
    for (version, message, valid) in [
        (1, &b"release 1"[..], true),
        (1, b"release 2", false),
        (2, b"release 1", false),
    ] {
        let verdict = alice_keys
            .verify(verify(version, message))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(verdict.valid, valid, "version {version}, {message:?}");
    }
    let listed = alice_keys
        .list_keys(sonet::service::proto::ListKeysRequest {
            algorithm: "ML-DSA-65".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .keys;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|k| k.current).count(), 1);

    // Seal to a service envelope key; only the service (an administrator) opens it.
    let envelope_key = keys
        .generate_key(GenerateKeyRequest {
            algorithm: sonet::hybrid::envelope::EnvelopeSuite::XWingAes256Gcm
                .name()
                .into(),
            label: "inbox".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let sealed = alice_keys
        .seal(sonet::service::proto::SealRequest {
            recipient: Some(KeyRef {
                key: Some(sonet::service::proto::key_ref::Key::Service(ServiceKey {
                    key_id: envelope_key.key_id.clone(),
                    version: 0,
                })),
            }),
            plaintext: b"for the service".to_vec(),
            aad: b"ctx".to_vec(),
        })
        .await
        .unwrap()
        .into_inner()
        .envelope;
    let opened = keys
        .open(sonet::service::proto::OpenRequest {
            key: Some(ServiceKey {
                key_id: envelope_key.key_id,
                version: 0,
            }),
            envelope: sealed,
            aad: b"ctx".to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(opened.plaintext, b"for the service");

    // Metrics count what happened.
    let (status, metrics) = http_get(address, "/metrics").await;
    assert_eq!(status, 200);
    assert!(metrics.contains("sonet_bus_up 1"), "{metrics}");
    assert!(
        metrics.contains("sonet_key_operations_total{operation=\"rotate\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sonet_rpc_total{method=\"Directory/Register\",code=\"OK\"} 2"),
        "{metrics}"
    );
}
on_both_buses!(endpoints_reflection_and_keys);

// ---- TLS and mutual TLS (the bus plays no part) ----------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_and_mutual_tls() {
    // TLS with signed calls.
    let dir = std::env::temp_dir().join(unique("sonet-e2e-tls"));
    let service =
        Service::start_with(&Bus::Embedded, Some(Tls::new(&dir.join("tls"), false)), "").await;
    let (group_id, mut members) = service.group(&["alice", "bob"]).await;
    members[0].send(&group_id, b"over TLS").await.unwrap();
    assert_eq!(texts(&receive(&mut members[1], 1).await), ["over TLS"]);
    // A plaintext client cannot talk to a TLS server.
    let plain = format!("http://{}", service.server().local_addr());
    let failed = match connect(&plain, None).await {
        Err(_) => true,
        Ok(channel) => {
            let member = Member::new(mls::Client::in_memory(b"plain").unwrap(), SUITE, channel);
            member.register().await.is_err()
        }
    };
    assert!(failed, "a plaintext call to the TLS port must fail");
    drop(service);

    // Mutual TLS: the certificate's common name is the identity.
    let tls = Tls::new(&dir.join("mtls"), true);
    let carol_tls = tls.client(Some("carol"));
    let dave_tls = tls.client(Some("dave"));
    let service = Service::start_with(&Bus::Embedded, Some(tls), "").await;
    let endpoint = service.endpoint();
    let carol_channel = connect(&endpoint, Some(&carol_tls)).await.unwrap();
    let carol = Member::new(
        mls::Client::in_memory(b"carol").unwrap(),
        SUITE,
        carol_channel.clone(),
    );
    carol.register().await.unwrap();
    carol.publish_key_packages(2, false).await.unwrap();
    // Certificate-only calls (no signature) are authenticated as carol …
    let by_certificate = Connection::certificate_only(carol_channel.clone());
    by_certificate
        .delivery()
        .create_group(CreateGroupRequest {
            group_id: b"carols group".to_vec(),
            cipher_suite: u32::from(SUITE.id()),
        })
        .await
        .unwrap();
    let state = by_certificate
        .delivery()
        .get_group(GetGroupRequest {
            group_id: b"carols group".to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(state.members, [b"carol".to_vec()]);
    // … and a signature for another identity over carol's certificate is refused.
    let dave_channel = connect(&endpoint, Some(&dave_tls)).await.unwrap();
    let dave = Member::new(
        mls::Client::in_memory(b"dave").unwrap(),
        SUITE,
        dave_channel,
    );
    dave.register().await.unwrap();
    let mismatched = Connection::signed(carol_channel, dave.mls.clone(), SUITE);
    let status = mismatched
        .delivery()
        .get_group(GetGroupRequest {
            group_id: b"carols group".to_vec(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    // Registering another identity than the certificate's is refused.
    let status = Member::new(
        mls::Client::in_memory(b"erin").unwrap(),
        SUITE,
        connect(&endpoint, Some(&carol_tls)).await.unwrap(),
    )
    .register()
    .await
    .unwrap_err();
    assert!(
        status.to_string().contains("PermissionDenied")
            || status.to_string().contains("permission"),
        "{status}"
    );
    // Without a client certificate the handshake fails.
    let anonymous = ClientTls {
        identity: None,
        ..carol_tls.clone()
    };
    let refused = match connect(&endpoint, Some(&anonymous)).await {
        Err(_) => true,
        Ok(channel) => Connection::certificate_only(channel)
            .delivery()
            .get_group(GetGroupRequest {
                group_id: b"carols group".to_vec(),
            })
            .await
            .is_err(),
    };
    assert!(refused, "a client without a certificate must be refused");
    drop(service);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Kafka only: the broker goes away --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kafka_broker_restart_loses_and_duplicates_nothing() {
    let Some(mut bus) = Bus::private_kafka("kafka_broker_restart_loses_and_duplicates_nothing")
    else {
        return;
    };
    let service = Service::start(&bus).await;
    let (group_id, mut members) = service.group(&["alice", "bob"]).await;
    let mut alice = members.remove(0);
    let sender_group = group_id.clone();
    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let (killed_tx, mut killed) = tokio::sync::watch::channel(false);
    let sender = tokio::spawn(async move {
        for i in 0..300 {
            if i == 100 {
                // The rest of the stream is sent into the outage and after it.
                killed.wait_for(|k| *k).await.unwrap();
            }
            alice
                .send(&sender_group, format!("through the outage {i}").as_bytes())
                .await
                .unwrap();
            let _ = progress_tx.send(i + 1);
        }
    });
    progress.wait_for(|sent| *sent >= 100).await.unwrap();
    bus.broker().kill();
    let _ = killed_tx.send(true);
    // While the broker is down, health says so.
    let deadline = Instant::now() + Duration::from_secs(30);
    while service.health().await
        == tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    {
        assert!(
            Instant::now() < deadline,
            "health never left SERVING with the broker down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = http_get(service.server().local_addr(), "/health").await;
    assert_eq!(status, 503, "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        *progress.borrow() < 300,
        "the sender must still be waiting on the broker"
    );
    bus.broker().restart().unwrap();
    service.wait_serving().await;
    sender.await.unwrap();
    let bob = &mut members[0];
    let received = receive(bob, 300).await;
    let expected: Vec<String> = (0..300)
        .map(|i| format!("through the outage {i}"))
        .collect();
    assert_eq!(texts(&received), expected);
    expect_silence(bob, Duration::from_secs(1)).await;
}
