//! The `sonet` subcommands beyond `providers`: `serve`, `client` and `loadgen`, with a small
//! hand-written argument parser (no clap) and one error type that maps to exit codes:
//! 2 for bad arguments or configuration, 1 for runtime failures.

pub mod args;
pub mod client;
pub mod loadgen;
pub mod serve;

use std::fmt;
use std::process::ExitCode;

use sonet::service::client::{code_name, ClientError, ClientTls};

pub use args::Args;

/// The default service endpoint of `sonet client` and `sonet loadgen`.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:50051";
/// The default endpoint when `--ca` is given without `--server`.
pub const DEFAULT_TLS_SERVER: &str = "https://127.0.0.1:50051";

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments: exit code 2, with a hint to `--help`.
    Usage { command: String, message: String },
    /// A configuration that cannot be used: exit code 2.
    Config(String),
    /// A runtime failure: exit code 1.
    Failed(String),
}

impl CliError {
    pub fn usage(command: &str, message: impl Into<String>) -> Self {
        CliError::Usage {
            command: command.to_string(),
            message: message.into(),
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        CliError::Failed(message.into())
    }

    /// Prefixes a runtime failure with what was being done.
    pub fn context(self, what: impl fmt::Display) -> Self {
        match self {
            CliError::Failed(message) => CliError::Failed(format!("{what}: {message}")),
            other => other,
        }
    }

    /// Prints the error and returns the exit code.
    pub fn report(&self) -> ExitCode {
        match self {
            CliError::Usage { command, message } => {
                eprintln!("{command}: {message}\n(see `{command} --help`)");
                ExitCode::from(2)
            }
            CliError::Config(message) => {
                eprintln!("sonet: configuration error: {message}");
                ExitCode::from(2)
            }
            CliError::Failed(message) => {
                eprintln!("sonet: error: {message}");
                ExitCode::from(1)
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage { command, message } => write!(f, "{command}: {message}"),
            CliError::Config(message) | CliError::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {}

pub type CliResult<T> = Result<T, CliError>;

/// An error with its chain of sources (`a: b: c`), since tonic's transport errors say little
/// at the top level.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A gRPC status as `gRPC CODE: message`.
pub fn status_text(status: &tonic::Status) -> String {
    let mut text = format!("gRPC {}", code_name(status.code()));
    let message = status.message();
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    // Transport failures (a refused TLS handshake, a reset) carry their cause as the source.
    if let Some(source) = std::error::Error::source(status) {
        let cause = chain(source);
        if cause.contains(message) {
            text = format!("gRPC {}: {cause}", code_name(status.code()));
        } else if !message.contains(&cause) {
            text.push_str(&format!(" ({cause})"));
        }
    }
    text
}

impl From<tonic::Status> for CliError {
    fn from(status: tonic::Status) -> Self {
        CliError::Failed(status_text(&status))
    }
}

impl From<ClientError> for CliError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Status(status) => status.into(),
            ClientError::Transport(e) => CliError::Failed(format!("connection: {}", chain(&e))),
            ClientError::Mls(e) => CliError::Failed(format!("MLS: {e}")),
            ClientError::Usage(message) => CliError::Failed(message),
        }
    }
}

impl From<sonet::mls::MlsError> for CliError {
    fn from(error: sonet::mls::MlsError) -> Self {
        CliError::Failed(format!("MLS: {error}"))
    }
}

/// The connection flags shared by `sonet client` and `sonet loadgen`.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub url: String,
    pub tls: Option<ClientTls>,
}

impl Endpoint {
    /// Reads `--server`, `--ca`, `--domain`, `--cert` and `--key` (the last two only when
    /// `allow_identity`).
    pub fn from_args(args: &Args, allow_identity: bool) -> CliResult<Endpoint> {
        let command = args.command();
        let ca = args.value("--ca");
        let url = match args.value("--server") {
            Some(url) => url.to_string(),
            None if ca.is_some() => DEFAULT_TLS_SERVER.to_string(),
            None => DEFAULT_SERVER.to_string(),
        };
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        if !scheme_ok {
            return Err(CliError::usage(
                command,
                format!("--server {url:?}: give a URL such as {DEFAULT_SERVER} (or https://… with --ca)"),
            ));
        }
        let read = |flag: &str, path: &str| {
            std::fs::read(path).map_err(|e| CliError::usage(command, format!("{flag} {path}: {e}")))
        };
        let (cert, key) = if allow_identity {
            (args.value("--cert"), args.value("--key"))
        } else {
            (None, None)
        };
        let tls = match ca {
            Some(ca) => {
                if url.starts_with("http://") {
                    return Err(CliError::usage(
                        command,
                        format!("--server {url:?}: with --ca the URL must start with https://"),
                    ));
                }
                let identity = match (cert, key) {
                    (Some(cert), Some(key)) => Some((read("--cert", cert)?, read("--key", key)?)),
                    (None, None) => None,
                    _ => {
                        return Err(CliError::usage(
                            command,
                            "--cert and --key go together (mutual TLS)",
                        ))
                    }
                };
                Some(ClientTls {
                    ca_pem: read("--ca", ca)?,
                    domain: args.value("--domain").map(str::to_string),
                    identity,
                })
            }
            None => {
                if url.starts_with("https://") {
                    return Err(CliError::usage(
                        command,
                        format!("--server {url:?}: an https:// URL needs --ca PEM (the CA that issued the server's certificate)"),
                    ));
                }
                if cert.is_some() || key.is_some() {
                    return Err(CliError::usage(
                        command,
                        "--cert/--key (mutual TLS) need --ca and an https:// --server",
                    ));
                }
                if args.value("--domain").is_some() {
                    return Err(CliError::usage(command, "--domain needs --ca (TLS)"));
                }
                None
            }
        };
        Ok(Endpoint { url, tls })
    }

    /// Opens the channel.
    pub async fn connect(&self) -> CliResult<tonic::transport::Channel> {
        sonet::service::client::connect(&self.url, self.tls.as_ref())
            .await
            .map_err(|e| CliError::from(e).context(format!("cannot connect to {}", self.url)))
    }
}

/// Parses a cipher suite name, listing the supported ones when it is not one.
pub fn parse_suite(command: &str, name: &str) -> CliResult<sonet::mls::CipherSuite> {
    sonet::mls::CipherSuite::from_name(name)
        .filter(|s| s.is_supported())
        .ok_or_else(|| {
            CliError::usage(
                command,
                format!(
                    "--suite {name:?} is not a supported cipher suite; allowed: {}",
                    sonet::mls::CipherSuite::supported()
                        .into_iter()
                        .chain(sonet::mls::CipherSuite::supported_drafts())
                        .map(|s| s.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}

/// A multi-threaded tokio runtime for one command.
pub fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failed(format!("cannot start the async runtime: {e}")))
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        // Fall back to the clock: only used for names, never for secrets.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (std::process::id() >> (i % 4)) as u8;
        }
    }
    hex::encode(bytes)
}
