//! `sonet serve`: runs the messaging service until SIGINT or SIGTERM.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sonet::service::config::{self, Config, Grpc, Mls, Pqc, Security, Storage};
use sonet::service::Settings;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer as _;

use super::{chain, runtime, Args, CliError, CliResult};

const COMMAND: &str = "sonet serve";
/// The tracing target of audit records (`sonet::service` state).
pub const AUDIT_TARGET: &str = "sonet::audit";

pub const HELP: &str = "\
sonet serve — run the Sonet messaging service (gRPC `sonet.v1`, grpc.health.v1, reflection,
plain-HTTP GET /health and GET /metrics, all on one port)

USAGE:
    sonet serve [--config FILE] [--port N] [--storage DIR]
    sonet serve --print-config

FLAGS:
    --config FILE     security_config.yaml to load. Without it the service runs with the
                      defaults: embedded message bus, 127.0.0.1:50051, no TLS, storage
                      ./sonet-data (audit log ./sonet-data/audit.log).
    --port N          listen on port N instead of security.grpc.port (0: any free port; the
                      port chosen is printed).
    --storage DIR     use DIR instead of storage.path (service database, embedded bus and,
                      unless storage.audit_log is set, the audit log).
    --print-config    print an example configuration with every key and its default, and exit.
    -h, --help        this text.

LOGGING:
    Human-readable logs go to stderr, filtered by RUST_LOG (tracing env-filter syntax, default
    `info`, e.g. RUST_LOG=sonet=debug). Every audit record (tracing target `sonet::audit`:
    registrations, key-package and group operations, key operations, refusals) is also appended
    as one JSON object per line to the audit log (storage.audit_log, default
    <storage>/audit.log; created with mode 0600, parent folders created).

OUTPUT AND EXIT:
    Once listening, prints one line:
        sonet serving on <address> (bus: <embedded|kafka>, tls: on|off, mutual tls: on|off)
    SIGINT (Ctrl-C) or SIGTERM shuts down gracefully: no new calls, calls in flight finish,
    subscription streams end, delivery workers stop; a second signal exits at once.
    Exit status: 0 after a clean shutdown, 1 when the server cannot start or fails,
    2 for bad arguments or an invalid configuration (the message names the key and the
    allowed values).

EXAMPLES:
    sonet serve --print-config > security_config.yaml
    sonet serve --config security_config.yaml
    RUST_LOG=debug sonet serve --port 50052 --storage /tmp/sonet-data";

pub fn run(raw: &[String]) -> CliResult<()> {
    let args = Args::parse(
        COMMAND,
        raw,
        &["--config", "--port", "--storage"],
        &["--print-config"],
    )?;
    if args.help() {
        println!("{HELP}");
        return Ok(());
    }
    args.at_most(
        0,
        "serve takes no positional arguments; did you mean --config FILE?",
    )?;
    if args.switch("--print-config") {
        if args.value("--config").is_some()
            || args.value("--port").is_some()
            || args.value("--storage").is_some()
        {
            return Err(args.error("--print-config takes no other flags"));
        }
        print!("{}", config::example());
        return Ok(());
    }
    let settings = settings(&args)?;
    let audit = open_audit_log(&settings.audit_log())?;
    init_logging(audit)?;
    runtime()?.block_on(serve(settings))
}

/// The defaults when no `--config` is given.
pub fn default_config() -> Config {
    Config {
        security: Security {
            mls: Mls::default(),
            pqc: Pqc::default(),
            grpc: Grpc::default(),
        },
        kafka: None,
        storage: Storage::default(),
    }
}

fn settings(args: &Args) -> CliResult<Settings> {
    // Check the overriding flags before announcing anything.
    let port = match args.value("--port") {
        Some(_) => Some(args.number("--port", 0u16, 0..=u16::MAX)?),
        None => None,
    };
    let storage = match args.value("--storage") {
        Some("") => return Err(args.error("--storage needs a directory")),
        Some(dir) => Some(PathBuf::from(dir)),
        None => None,
    };
    let (mut config, origin) = match args.value("--config") {
        Some(path) => {
            let settings =
                Settings::load(Path::new(path)).map_err(|e| CliError::Config(e.to_string()))?;
            (settings.config, path.to_string())
        }
        None => (default_config(), "built-in defaults".to_string()),
    };
    let mut overridden = Vec::new();
    if let Some(port) = port {
        config.security.grpc.port = port;
        overridden.push("--port");
    }
    if let Some(dir) = storage {
        config.storage.path = dir;
        overridden.push("--storage");
    }
    if args.value("--config").is_none() {
        eprintln!(
            "sonet serve: no --config given: running with the defaults (embedded bus, no TLS) \
             on {}:{}, storage {}; `sonet serve --print-config` shows every setting",
            config.security.grpc.address,
            config.security.grpc.port,
            config.storage.path.display()
        );
    }
    let origin = if overridden.is_empty() {
        origin
    } else {
        format!("{origin} with {}", overridden.join(", "))
    };
    Settings::validate(config, &origin).map_err(|e| CliError::Config(e.to_string()))
}

/// Opens (creating it and its folder) the audit log for appending, mode 0600.
pub fn open_audit_log(path: &Path) -> CliResult<File> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            CliError::failed(format!(
                "cannot create the audit log folder {}: {e}",
                parent.display()
            ))
        })?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(|e| {
        CliError::failed(format!("cannot open the audit log {}: {e}", path.display()))
    })?;
    // An existing file keeps its mode on open; tighten it as well.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(file)
}

/// stderr logs (RUST_LOG, default info) plus the JSON-lines audit log.
fn init_logging(audit: File) -> CliResult<()> {
    let (filter, bad_filter) = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => match EnvFilter::try_new(&value) {
            Ok(filter) => (filter, None),
            Err(e) => (EnvFilter::new("info"), Some(format!("{value:?}: {e}"))),
        },
        _ => (EnvFilter::new("info"), None),
    };
    let human = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(true)
        .with_filter(filter);
    let json = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(Arc::new(audit))
        .with_filter(Targets::new().with_target(AUDIT_TARGET, LevelFilter::TRACE));
    tracing_subscriber::registry()
        .with(human)
        .with(json)
        .try_init()
        .map_err(|e| CliError::failed(format!("cannot initialise logging: {e}")))?;
    if let Some(problem) = bad_filter {
        tracing::warn!("RUST_LOG {problem}; using `info`");
    }
    Ok(())
}

fn signals() -> CliResult<(Signal, Signal)> {
    let install = |kind: SignalKind, name: &str| {
        signal(kind)
            .map_err(|e| CliError::failed(format!("cannot install the {name} handler: {e}")))
    };
    Ok((
        install(SignalKind::interrupt(), "SIGINT")?,
        install(SignalKind::terminate(), "SIGTERM")?,
    ))
}

async fn next_signal(signals: &mut (Signal, Signal)) -> &'static str {
    tokio::select! {
        _ = signals.0.recv() => "SIGINT",
        _ = signals.1.recv() => "SIGTERM",
    }
}

/// A status line on stdout; a closed stdout must not stop the server.
fn say(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

async fn serve(settings: Settings) -> CliResult<()> {
    let mut signals = signals()?;
    let tls = settings.tls.is_some();
    let mutual = settings.tls.as_ref().is_some_and(|t| t.client_ca.is_some());
    let audit_log = settings.audit_log();
    let storage = settings.storage_dir().to_path_buf();
    let mut server = sonet::service::start(settings)
        .await
        .map_err(|e| CliError::failed(format!("cannot start the server: {}", chain(&e))))?;
    let on_off = |b: bool| if b { "on" } else { "off" };
    say(&format!(
        "sonet serving on {} (bus: {}, tls: {}, mutual tls: {})",
        server.local_addr(),
        server.bus_kind(),
        on_off(tls),
        on_off(mutual)
    ));
    tracing::info!(
        storage = %storage.display(),
        audit_log = %audit_log.display(),
        "storage and audit log"
    );

    let name = tokio::select! {
        name = next_signal(&mut signals) => name,
        result = server.wait() => {
            return Err(match result {
                Ok(()) => CliError::failed("the server stopped unexpectedly"),
                Err(e) => CliError::failed(format!("the server failed: {}", chain(&e))),
            });
        }
    };
    say(&format!(
        "received {name}: shutting down (refusing new calls, finishing calls in flight, \
         ending subscription streams, stopping the delivery workers)"
    ));
    tracing::info!(signal = name, "shutting down");
    let started = std::time::Instant::now();
    tokio::select! {
        result = server.shutdown() => match result {
            Ok(()) => {
                say(&format!(
                    "sonet stopped cleanly in {:.2} s; every acknowledged message is durable \
                     on the bus",
                    started.elapsed().as_secs_f64()
                ));
                Ok(())
            }
            Err(e) => Err(CliError::failed(format!("shutdown failed: {}", chain(&e)))),
        },
        second = next_signal(&mut signals) => {
            Err(CliError::failed(format!(
                "received {second} again: exiting without waiting for the shutdown to finish"
            )))
        }
    }
}
