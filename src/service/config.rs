//! `security_config.yaml`: the service configuration.
//!
//! The `security` section keeps the design document's keys (`mls`, `pqc`, `grpc` with `port`,
//! `tls_enabled`, `tls_cert`, `tls_key`); `kafka` (absent = the embedded bus) and `storage` are
//! Sonet's. Unknown keys are errors that name the key and the keys allowed there; bad values are
//! errors that name the value and the values allowed.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::crypto::{KemAlgorithm, SignatureAlgorithm};
use crate::hybrid::envelope::EnvelopeSuite;
use crate::mls::CipherSuite;

/// A configuration that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file's path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML of the expected shape: a syntax error, an unknown key, or a value
    /// of the wrong type.
    #[error("{path}: {message}")]
    Syntax {
        /// The file (or the `origin` given to [`Settings::parse`]).
        path: String,
        /// The YAML parser's message.
        message: String,
    },
    /// A value is out of range or inconsistent with another.
    #[error("{path}: {key}: {message}")]
    Invalid {
        /// The file (or the `origin` given to [`Settings::parse`]).
        path: String,
        /// The dotted key, e.g. `security.grpc.tls_enabled`.
        key: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
}

/// The whole file.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The `security` section (required).
    pub security: Security,
    /// Absent: the embedded bus under `storage.path`.
    #[serde(default)]
    pub kafka: Option<Kafka>,
    /// The `storage` section.
    #[serde(default)]
    pub storage: Storage,
}

/// The `security` section: the design document's `mls`, `pqc` and `grpc` keys.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// `security.mls`.
    #[serde(default)]
    pub mls: Mls,
    /// `security.pqc`.
    #[serde(default)]
    pub pqc: Pqc,
    /// `security.grpc`.
    #[serde(default)]
    pub grpc: Grpc,
}

/// `security.mls`: the MLS cipher suites the delivery service accepts.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mls {
    /// The delivery service only routes MLS; `false` is rejected rather than ignored.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The suite clients are told to use (and the default of `sonet client`).
    #[serde(default = "default_cipher_suite")]
    pub cipher_suite: String,
    /// Suites groups may be created with; empty = every RFC 9420 suite the MLS engine
    /// supports. The draft post-quantum suites (provisional code points) are allowed only when
    /// listed here.
    #[serde(default)]
    pub allowed_cipher_suites: Vec<String>,
    /// Clients should commit (e.g. a self-update) when their group's epoch is older than this.
    #[serde(default = "default_rotation_hours")]
    pub epoch_rotation_hours: u32,
}

/// `security.pqc`: the service's own keys and the envelope suite.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pqc {
    /// The KEM of the service's default key ("ML-KEM-768").
    #[serde(default = "default_kem")]
    pub kem_algorithm: String,
    /// The signature algorithm of the service's default key ("ML-DSA-65").
    #[serde(default = "default_signature")]
    pub signature_algorithm: String,
    /// Seal with X-Wing (X25519 + ML-KEM-768) rather than ML-KEM-768 alone.
    #[serde(default = "yes")]
    pub hybrid_enabled: bool,
}

/// `security.grpc`: where and how the service listens, and who may call what.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Grpc {
    /// Serves gRPC and plain HTTP (`GET /health`, `GET /metrics`) on this port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// The address to bind; loopback unless set.
    #[serde(default = "default_address")]
    pub address: String,
    /// Serve TLS; needs `tls_cert` and `tls_key`. Default: `false`.
    #[serde(default)]
    pub tls_enabled: bool,
    /// PEM certificate chain of the server (only with `tls_enabled`).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the server (only with `tls_enabled`).
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle: with it, clients must present a certificate it issued (mutual TLS), and
    /// the certificate's subject common name is the caller's identity.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// Identities allowed to manage and use the service's own keys.
    #[serde(default)]
    pub admin_identities: Vec<String>,
    /// How far a signed call's timestamp may be from the server's clock.
    #[serde(default = "default_skew")]
    pub auth_max_skew_seconds: u64,
}

/// `kafka`: the broker to use instead of the embedded bus.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Kafka {
    /// `host:port[,host:port…]` of Apache Kafka or any Kafka-API broker.
    pub brokers: String,
    /// The topic submissions go to: 1 to 249 of `[A-Za-z0-9._-]`. Default: `sonet.messages`.
    #[serde(default = "default_topic")]
    pub topic: String,
    /// Partitions of the topic when the service creates it: 1 to 1000. Default: 6.
    #[serde(default = "default_partitions")]
    pub partitions: i32,
    /// Replication factor of the topic when the service creates it: 1 to 16. Default: 1.
    #[serde(default = "default_replication")]
    pub replication_factor: i32,
    /// The Kafka `client.id`. Default: `sonet`.
    #[serde(default = "default_client_id")]
    pub client_id: String,
    /// The consumer group of the delivery workers. Default: `sonet-delivery`.
    #[serde(default = "default_consumer_group")]
    pub consumer_group: String,
    /// How long an accepted submission may wait for the broker (retrying) before the caller
    /// gets UNAVAILABLE.
    #[serde(default = "default_delivery_timeout")]
    pub delivery_timeout_ms: u64,
    /// How often health probes the broker.
    #[serde(default = "default_health_interval")]
    pub health_check_interval_ms: u64,
}

/// `storage`: where the service keeps its state.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Directory for the service database, the embedded bus and the audit log.
    #[serde(default = "default_storage")]
    pub path: PathBuf,
    /// JSON-lines audit log; default `<path>/audit.log`.
    #[serde(default)]
    pub audit_log: Option<PathBuf>,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            path: default_storage(),
            audit_log: None,
        }
    }
}

fn yes() -> bool {
    true
}
fn default_cipher_suite() -> String {
    CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
        .name()
        .to_string()
}
fn default_rotation_hours() -> u32 {
    24
}
fn default_kem() -> String {
    KemAlgorithm::MlKem768.name().to_string()
}
fn default_signature() -> String {
    SignatureAlgorithm::MlDsa65.name().to_string()
}
fn default_port() -> u16 {
    50051
}
fn default_address() -> String {
    "127.0.0.1".into()
}
fn default_skew() -> u64 {
    300
}
fn default_topic() -> String {
    "sonet.messages".into()
}
fn default_partitions() -> i32 {
    6
}
fn default_replication() -> i32 {
    1
}
fn default_client_id() -> String {
    "sonet".into()
}
fn default_consumer_group() -> String {
    "sonet-delivery".into()
}
fn default_delivery_timeout() -> u64 {
    30_000
}
fn default_health_interval() -> u64 {
    1_000
}
fn default_storage() -> PathBuf {
    PathBuf::from("sonet-data")
}

impl Default for Mls {
    fn default() -> Self {
        Mls {
            enabled: true,
            cipher_suite: default_cipher_suite(),
            allowed_cipher_suites: Vec::new(),
            epoch_rotation_hours: default_rotation_hours(),
        }
    }
}
impl Default for Pqc {
    fn default() -> Self {
        Pqc {
            kem_algorithm: default_kem(),
            signature_algorithm: default_signature(),
            hybrid_enabled: true,
        }
    }
}
impl Default for Grpc {
    fn default() -> Self {
        Grpc {
            port: default_port(),
            address: default_address(),
            tls_enabled: false,
            tls_cert: None,
            tls_key: None,
            client_ca: None,
            admin_identities: Vec::new(),
            auth_max_skew_seconds: default_skew(),
        }
    }
}

/// Names the design document used before FIPS 203/204 and the standard names that replace them.
const PRE_STANDARD_NAMES: &[(&str, &str)] = &[
    ("KYBER_512", "ML-KEM-512"),
    ("KYBER_768", "ML-KEM-768"),
    ("KYBER_1024", "ML-KEM-1024"),
    ("DILITHIUM_2", "ML-DSA-44"),
    ("DILITHIUM_3", "ML-DSA-65"),
    ("DILITHIUM_5", "ML-DSA-87"),
];

/// The configuration after validation, with names resolved to types.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The configuration as read (or as built, for [`Settings::validate`]).
    pub config: Config,
    /// `security.mls.cipher_suite`, resolved; always in `allowed_cipher_suites`.
    pub cipher_suite: CipherSuite,
    /// `security.mls.allowed_cipher_suites`, resolved (every supported RFC 9420 suite if empty).
    pub allowed_cipher_suites: Vec<CipherSuite>,
    /// `security.pqc.kem_algorithm`, resolved.
    pub kem_algorithm: KemAlgorithm,
    /// `security.pqc.signature_algorithm`, resolved.
    pub signature_algorithm: SignatureAlgorithm,
    /// The envelope suite `security.pqc.hybrid_enabled` selects: X-Wing + AES-256-GCM, or
    /// ML-KEM-768 + AES-256-GCM.
    pub envelope_suite: EnvelopeSuite,
    /// `security.grpc.address`, parsed.
    pub bind_address: IpAddr,
    /// The TLS files when `security.grpc.tls_enabled`.
    pub tls: Option<TlsFiles>,
    /// `security.mls.epoch_rotation_hours` as a duration.
    pub epoch_rotation: Duration,
}

/// The PEM files of the server's TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
    /// The CA bundle client certificates must chain to (mutual TLS), if any.
    pub client_ca: Option<PathBuf>,
}

impl Settings {
    /// Reads and validates a YAML file.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates YAML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Settings, ConfigError> {
        let config: Config = serde_norway::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        Self::validate(config, origin)
    }

    /// Validates a configuration built in code (tests, `sonet serve` defaults).
    pub fn validate(config: Config, origin: &str) -> Result<Settings, ConfigError> {
        let invalid = |key: &'static str, message: String| ConfigError::Invalid {
            path: origin.to_string(),
            key,
            message,
        };
        let mls = &config.security.mls;
        if !mls.enabled {
            return Err(invalid(
                "security.mls.enabled",
                "false is not supported: the delivery service routes MLS messages only".into(),
            ));
        }
        let suite_names = || {
            CipherSuite::supported()
                .into_iter()
                .chain(CipherSuite::supported_drafts())
                .map(CipherSuite::name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let parse_suite = |key: &'static str, name: &str| {
            CipherSuite::from_name(name)
                .filter(|s| s.is_supported())
                .ok_or_else(|| {
                    invalid(
                        key,
                        format!(
                            "{name:?} is not a supported cipher suite; allowed: {}",
                            suite_names()
                        ),
                    )
                })
        };
        let cipher_suite = parse_suite("security.mls.cipher_suite", &mls.cipher_suite)?;
        let allowed_cipher_suites = if mls.allowed_cipher_suites.is_empty() {
            CipherSuite::supported()
        } else {
            mls.allowed_cipher_suites
                .iter()
                .map(|name| parse_suite("security.mls.allowed_cipher_suites", name))
                .collect::<Result<Vec<_>, _>>()?
        };
        if !allowed_cipher_suites.contains(&cipher_suite) {
            return Err(invalid(
                "security.mls.cipher_suite",
                format!("{} is not in allowed_cipher_suites", cipher_suite.name()),
            ));
        }
        if !(1..=8760).contains(&mls.epoch_rotation_hours) {
            return Err(invalid(
                "security.mls.epoch_rotation_hours",
                format!(
                    "{} is out of range; allowed: 1 to 8760",
                    mls.epoch_rotation_hours
                ),
            ));
        }

        let pqc = &config.security.pqc;
        let renamed = |name: &str| {
            PRE_STANDARD_NAMES
                .iter()
                .find(|(old, _)| old.eq_ignore_ascii_case(name))
                .map(|(_, new)| format!(" ({name} is the pre-standard name of {new})"))
                .unwrap_or_default()
        };
        let kem_algorithm = KemAlgorithm::ALL
            .into_iter()
            .find(|a| a.name() == pqc.kem_algorithm)
            .ok_or_else(|| {
                invalid(
                    "security.pqc.kem_algorithm",
                    format!(
                        "{:?} is not allowed{}; allowed: {}",
                        pqc.kem_algorithm,
                        renamed(&pqc.kem_algorithm),
                        KemAlgorithm::ALL.map(KemAlgorithm::name).join(", ")
                    ),
                )
            })?;
        let signature_algorithm = SignatureAlgorithm::ALL
            .iter()
            .copied()
            .find(|a| a.name() == pqc.signature_algorithm)
            .ok_or_else(|| {
                invalid(
                    "security.pqc.signature_algorithm",
                    format!(
                        "{:?} is not allowed{}; allowed: {}",
                        pqc.signature_algorithm,
                        renamed(&pqc.signature_algorithm),
                        SignatureAlgorithm::ALL
                            .iter()
                            .map(|a| a.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        let envelope_suite = if pqc.hybrid_enabled {
            EnvelopeSuite::XWingAes256Gcm
        } else {
            EnvelopeSuite::MlKem768Aes256Gcm
        };

        let grpc = &config.security.grpc;
        let bind_address: IpAddr = grpc.address.parse().map_err(|_| {
            invalid(
                "security.grpc.address",
                format!(
                    "{:?} is not an IP address (e.g. 127.0.0.1 or ::1)",
                    grpc.address
                ),
            )
        })?;
        let tls = match (grpc.tls_enabled, &grpc.tls_cert, &grpc.tls_key) {
            (true, Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: grpc.client_ca.clone(),
            }),
            (true, _, _) => {
                return Err(invalid(
                    "security.grpc.tls_enabled",
                    "true needs both tls_cert and tls_key (PEM files)".into(),
                ))
            }
            (false, cert, key) => {
                if cert.is_some() || key.is_some() || grpc.client_ca.is_some() {
                    return Err(invalid(
                        "security.grpc.tls_enabled",
                        "false, but tls_cert/tls_key/client_ca are set; set tls_enabled: true or remove them".into(),
                    ));
                }
                None
            }
        };
        if !(1..=86_400).contains(&grpc.auth_max_skew_seconds) {
            return Err(invalid(
                "security.grpc.auth_max_skew_seconds",
                format!(
                    "{} is out of range; allowed: 1 to 86400",
                    grpc.auth_max_skew_seconds
                ),
            ));
        }

        if let Some(kafka) = &config.kafka {
            if kafka.brokers.trim().is_empty() {
                return Err(invalid(
                    "kafka.brokers",
                    "empty; give host:port[,host:port…]".into(),
                ));
            }
            if kafka.topic.is_empty()
                || kafka.topic.len() > 249
                || !kafka
                    .topic
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return Err(invalid(
                    "kafka.topic",
                    format!(
                        "{:?}: use 1 to 249 letters, digits, '.', '_' and '-'",
                        kafka.topic
                    ),
                ));
            }
            if !(1..=1000).contains(&kafka.partitions) {
                return Err(invalid(
                    "kafka.partitions",
                    format!("{} is out of range; allowed: 1 to 1000", kafka.partitions),
                ));
            }
            if !(1..=16).contains(&kafka.replication_factor) {
                return Err(invalid(
                    "kafka.replication_factor",
                    format!(
                        "{} is out of range; allowed: 1 to 16",
                        kafka.replication_factor
                    ),
                ));
            }
            if !(1_000..=600_000).contains(&kafka.delivery_timeout_ms) {
                return Err(invalid(
                    "kafka.delivery_timeout_ms",
                    format!(
                        "{} is out of range; allowed: 1000 to 600000",
                        kafka.delivery_timeout_ms
                    ),
                ));
            }
            if !(100..=60_000).contains(&kafka.health_check_interval_ms) {
                return Err(invalid(
                    "kafka.health_check_interval_ms",
                    format!(
                        "{} is out of range; allowed: 100 to 60000",
                        kafka.health_check_interval_ms
                    ),
                ));
            }
        }
        let epoch_rotation = Duration::from_secs(u64::from(mls.epoch_rotation_hours) * 3600);
        Ok(Settings {
            config,
            cipher_suite,
            allowed_cipher_suites,
            kem_algorithm,
            signature_algorithm,
            envelope_suite,
            bind_address,
            tls,
            epoch_rotation,
        })
    }

    /// The storage directory.
    pub fn storage_dir(&self) -> &Path {
        &self.config.storage.path
    }

    /// The audit log file.
    pub fn audit_log(&self) -> PathBuf {
        self.config
            .storage
            .audit_log
            .clone()
            .unwrap_or_else(|| self.storage_dir().join("audit.log"))
    }
}

/// An example file with every key and its default, for `sonet serve --print-config`.
pub fn example() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# security_config.yaml — every key with its default; only `security` is required.
security:
  mls:
    enabled: true
    cipher_suite: \"{suite}\"
    allowed_cipher_suites: []        # empty: every supported RFC 9420 suite (draft PQ suites only if listed)
    epoch_rotation_hours: 24
  pqc:
    kem_algorithm: \"ML-KEM-768\"
    signature_algorithm: \"ML-DSA-65\"
    hybrid_enabled: true             # seal with X-Wing (X25519 + ML-KEM-768)
  grpc:
    port: 50051                      # gRPC, GET /health and GET /metrics
    address: \"127.0.0.1\"
    tls_enabled: false
    # tls_cert: \"/path/to/cert.pem\"
    # tls_key: \"/path/to/key.pem\"
    # client_ca: \"/path/to/ca.pem\"   # mutual TLS: the client certificate's CN is the identity
    admin_identities: []             # may manage and use the service's own keys
    auth_max_skew_seconds: 300
# kafka:                             # absent: the embedded bus under storage.path
#   brokers: \"127.0.0.1:9092\"
#   topic: \"sonet.messages\"
#   partitions: 6
#   replication_factor: 1
#   client_id: \"sonet\"
#   consumer_group: \"sonet-delivery\"
#   delivery_timeout_ms: 30000
#   health_check_interval_ms: 1000
storage:
  path: \"sonet-data\"
  # audit_log: \"sonet-data/audit.log\"",
        suite = default_cipher_suite()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Settings, ConfigError> {
        Settings::parse(text, "test.yaml")
    }

    #[test]
    fn the_design_documents_file_is_rejected_for_its_pre_standard_names_only() {
        let design = "
security:
  mls:
    enabled: true
    cipher_suite: \"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519\"
    epoch_rotation_hours: 24
  pqc:
    kem_algorithm: \"KYBER_768\"
    signature_algorithm: \"DILITHIUM_3\"
    hybrid_enabled: true
  grpc:
    port: 50051
    tls_enabled: true
    tls_cert: \"/path/to/cert.pem\"
    tls_key: \"/path/to/key.pem\"
";
        let error = parse(design).unwrap_err().to_string();
        assert!(error.contains("security.pqc.kem_algorithm"), "{error}");
        assert!(
            error.contains("KYBER_768 is the pre-standard name of ML-KEM-768"),
            "{error}"
        );
        assert!(
            error.contains("allowed: ML-KEM-512, ML-KEM-768, ML-KEM-1024"),
            "{error}"
        );
        let fixed = design
            .replace("KYBER_768", "ML-KEM-768")
            .replace("DILITHIUM_3", "ML-DSA-65");
        let settings = parse(&fixed).unwrap();
        assert_eq!(settings.config.security.grpc.port, 50051);
        assert_eq!(settings.kem_algorithm, KemAlgorithm::MlKem768);
        assert_eq!(settings.signature_algorithm, SignatureAlgorithm::MlDsa65);
        assert_eq!(settings.envelope_suite, EnvelopeSuite::XWingAes256Gcm);
        assert!(settings.tls.is_some());
        assert!(settings.config.kafka.is_none());
    }

    #[test]
    fn unknown_keys_are_named_with_the_allowed_ones() {
        let error = parse("security:\n  grpc:\n    tls_certificate: x\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("tls_certificate"), "{error}");
        assert!(error.contains("tls_cert"), "{error}");
        let error = parse("security: {}\nbroker: x\n").unwrap_err().to_string();
        assert!(error.contains("broker"), "{error}");
        assert!(error.contains("kafka"), "{error}");
    }

    #[test]
    fn bad_values_name_the_key_and_the_allowed_values() {
        for (yaml, key, hint) in [
            (
                "security:\n  mls:\n    cipher_suite: MLS_FOO\n",
                "security.mls.cipher_suite",
                "allowed: MLS_128",
            ),
            (
                "security:\n  mls:\n    enabled: false\n",
                "security.mls.enabled",
                "not supported",
            ),
            (
                "security:\n  grpc:\n    tls_enabled: true\n",
                "security.grpc.tls_enabled",
                "tls_cert",
            ),
            (
                "security:\n  grpc:\n    address: localhost\n",
                "security.grpc.address",
                "not an IP",
            ),
            (
                "security: {}\nkafka:\n  brokers: \"\"\n",
                "kafka.brokers",
                "host:port",
            ),
            (
                "security: {}\nkafka:\n  brokers: a:1\n  partitions: 0\n",
                "kafka.partitions",
                "1 to 1000",
            ),
            (
                "security: {}\nkafka:\n  brokers: a:1\n  topic: \"a b\"\n",
                "kafka.topic",
                "letters",
            ),
        ] {
            let error = parse(yaml).unwrap_err().to_string();
            assert!(
                error.contains(key) && error.contains(hint),
                "{yaml:?} → {error}"
            );
        }
        let error = parse("security:\n  grpc:\n    port: 70000\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("port"), "{error}");
    }

    #[test]
    fn the_printed_example_is_a_valid_configuration() {
        let settings = parse(&example()).unwrap();
        assert_eq!(settings.config.security.grpc.port, 50051);
        assert_eq!(settings.storage_dir(), Path::new("sonet-data"));
    }
}
