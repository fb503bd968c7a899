//! What the case groups share: status and error texts, TLS files, a service started in
//! process, receiving messages, plain HTTP and metrics.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sonet::mls;
use sonet::service::client::{
    code_name, connect, ClientError, ClientTls, Connection, Member, Received,
};
use sonet::service::proto::{GetGroupRequest, GroupState, MailboxMessage};
use sonet::service::{self, RunningServer, Settings};
use sonet_testkit::unique::unique;
use tonic::transport::Channel;
use tonic::{Code, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use super::job::{BusEnv, Env};
use super::{MLS_SUITE, RECEIVE_TIMEOUT, SERVING_TIMEOUT};

pub(super) fn status_text(status: &Status) -> String {
    format!(
        "status {}: message: {}",
        code_name(status.code()),
        status.message()
    )
}

pub(super) fn client_error(error: ClientError) -> String {
    match error {
        ClientError::Status(status) => status_text(&status),
        other => other.to_string(),
    }
}

pub(super) fn st(status: Status) -> String {
    status_text(&status)
}

/// The call must fail with `want`.
pub(super) fn expect_code<T>(result: Result<T, Status>, want: Code) -> Result<String, String> {
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

pub(super) fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message())
    }
}

pub(super) fn name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(super) fn names(list: &[Vec<u8>]) -> Vec<String> {
    list.iter().map(|i| name(i)).collect()
}

pub(super) struct TlsFiles {
    dir: PathBuf,
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    mutual: bool,
}

impl TlsFiles {
    /// A CA and a server certificate for localhost / 127.0.0.1, written under `dir`.
    pub(super) fn new(dir: &Path, mutual: bool, ca_name: &str) -> Result<TlsFiles, String> {
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

    pub(super) fn client(&self, identity: Option<&str>) -> Result<ClientTls, String> {
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
pub(super) struct Service {
    pub(super) dir: PathBuf,
    yaml: String,
    server: Option<RunningServer>,
    tls: Option<TlsFiles>,
}

#[derive(Default)]
pub(super) struct Options {
    pub(super) tls: Option<TlsFiles>,
    /// Extra `kafka:` keys (indented two spaces).
    pub(super) kafka_extra: &'static str,
}

impl Service {
    pub(super) async fn start(env: &Env, options: Options) -> Result<Service, String> {
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

    pub(super) async fn launch(&mut self) -> Result<(), String> {
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

    pub(super) fn address(&self) -> Result<SocketAddr, String> {
        Ok(self.server()?.local_addr())
    }

    pub(super) fn endpoint(&self) -> Result<String, String> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        Ok(format!("{scheme}://{}", self.address()?))
    }

    pub(super) async fn channel(&self) -> Result<Channel, String> {
        // With mutual TLS, a certificate of a neutral identity (health probes, setup).
        let tls = match &self.tls {
            Some(t) => Some(t.client(t.mutual.then_some("probe"))?),
            None => None,
        };
        connect(&self.endpoint()?, tls.as_ref())
            .await
            .map_err(client_error)
    }

    pub(super) async fn health(&self, service: &str) -> Result<i32, Status> {
        let channel = self.channel().await.map_err(Status::unavailable)?;
        let response = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await?;
        Ok(response.into_inner().status)
    }

    /// Waits until health (service "") reports `want`; returns how long it took.
    pub(super) async fn wait_for(&self, want: ServingStatus) -> Result<Duration, String> {
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
    pub(super) async fn stop(&mut self) -> Result<(), String> {
        let server = self.server.take().ok_or("no server running")?;
        server
            .shutdown()
            .await
            .map_err(|e| format!("graceful shutdown: {e}"))
    }

    /// A registered member with published KeyPackages on `channel`.
    pub(super) async fn member(&self, identity: &str, channel: Channel) -> Result<Member, String> {
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
    pub(super) async fn group(
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

pub(super) fn serving_name(status: i32) -> String {
    ServingStatus::try_from(status)
        .map(|s| s.as_str_name().to_owned())
        .unwrap_or_else(|_| format!("status {status}"))
}

/// Takes exactly `count` messages from `member`'s mailbox (after its cursor), handling each.
pub(super) async fn receive(
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
pub(super) async fn expect_silence(member: &Member, wait: Duration) -> Result<(), String> {
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

pub(super) fn texts(received: &[(MailboxMessage, Received)]) -> Vec<String> {
    received
        .iter()
        .filter_map(|(_, r)| match r {
            Received::Message { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect()
}

/// A mailbox event in a failure message, without raw byte arrays.
pub(super) fn event(received: &Received) -> String {
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

pub(super) async fn get_group(
    connection: &Connection,
    group_id: &[u8],
) -> Result<GroupState, Status> {
    Ok(connection
        .delivery()
        .get_group(GetGroupRequest {
            group_id: group_id.to_vec(),
        })
        .await?
        .into_inner())
}

pub(super) struct HttpResponse {
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) body: String,
}

pub(super) async fn http_get(address: SocketAddr, path: &str) -> Result<HttpResponse, String> {
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
pub(super) fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// Checks the Prometheus text exposition format line by line; returns the number of samples.
pub(super) fn prometheus_samples(text: &str) -> Result<usize, String> {
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
