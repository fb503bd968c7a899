//! `cargo xtask broker`: a local Kafka-API broker for the end-to-end tests.
//!
//! The broker is tansu (<https://tansu.io>), a Kafka-compatible broker written in Rust, pinned to
//! 0.6.0 and built once per machine into a cache outside the repository. It listens on 127.0.0.1
//! only and keeps its data in SQLite under `<target>/broker/`. Production deployments use Apache
//! Kafka or any Kafka-API broker; tansu only serves the tests.
//!
//! What tansu 0.6.0 does not do, and the tests therefore never rely on:
//! - topics are not created automatically: clients create them explicitly (CreateTopics);
//! - transactions (the broker does not serve EndTxn);
//! - correct high watermarks with its memory engine (`memory://`), hence the SQLite engine
//!   (cargo feature `libsql`);
//! - checking produced batches: the SQLite engine advances the high watermark by the batch's
//!   `last_offset_delta`, so a batch of several records with a wrong one (as `tansu cat
//!   produce` sends for several input lines) hides records and makes every later produce to
//!   that partition fail (UNKNOWN_SERVER_ERROR, a UNIQUE constraint in its log).
//!
//! Details of its command line that matter here (from tansu-cli 0.6.0's source):
//! - every broker flag falls back to an environment variable (`CLUSTER_ID`, `LISTENER_URL`,
//!   `ADVERTISED_LISTENER_URL`, `STORAGE_ENGINE`, `SCHEMA_REGISTRY`,
//!   `OTEL_EXPORTER_OTLP_ENDPOINT`) and the binary loads a `.env` file from its working folder
//!   or above: the flags are always given explicitly and those variables removed;
//! - the listener defaults to `tcp://0.0.0.0:9092`, and a host name (e.g. `localhost`) binds
//!   every interface: the listener is always given as `tcp://127.0.0.1:PORT`;
//! - a `sqlite://` URL names a file relative to the working folder, whatever its form
//!   (`sqlite:///abs/path` is read as `./abs/path`): the broker runs in its data folder with
//!   `sqlite:tansu.db`;
//! - there is no metrics listener (metrics are only pushed, with `--otlp-endpoint-url`), so the
//!   Kafka port is the only one it opens;
//! - its log level comes from `RUST_LOG` (default: errors only).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
// The broker process helpers the end-to-end tests use too: one command line, one readiness
// probe.
use sonet_testkit::tansu::{api_versions, broker_command as tansu_command};

use crate::common::{cargo, target_dir, workspace_root, Flags, NO_BROKER};

pub const TANSU_VERSION: &str = "0.6.0";
/// `dynostore` brings the (default) memory engine, `libsql` the SQLite one used here.
const TANSU_FEATURES: &str = "dynostore,libsql";
pub const DEFAULT_PORT: u16 = 9092;
pub const CACHE_ENV: &str = "SONET_CACHE_DIR";
pub const BROKERS_ENV: &str = "SONET_KAFKA_BROKERS";
pub const BIN_ENV: &str = "SONET_TANSU_BIN";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(10);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
const LOG_TAIL_LINES: usize = 30;

pub const HELP: &str = "\
cargo xtask broker — a local Kafka-API broker for the end-to-end tests

Sonet's messaging service speaks the Kafka protocol. Production deployments use Apache Kafka or
any Kafka-API broker; the tests use tansu 0.6.0 (https://tansu.io), a Kafka-compatible broker
written in Rust, built once per machine and run on 127.0.0.1 with SQLite storage.

USAGE:
    cargo xtask broker install
        Build tansu 0.6.0 into the per-machine cache (see CACHE), unless it is there and
        answers `tansu --version`. A cold build takes about 20 minutes on two cores; cargo's
        output is shown. A second install waits for the first (CACHE/install.lock).

    cargo xtask broker start [--port N]
        Start a broker listening on 127.0.0.1:N (default 9092), installing tansu first if
        needed, and wait (up to 60 s) until it answers a Kafka ApiVersions request. The
        broker runs detached, in its own process group; its state lives in
        <target>/broker/: tansu.pid, tansu.log and the SQLite database tansu.db, which
        survives restarts (delete the folder while it is stopped to start empty). Succeeds
        without a second broker if one is already running and answering. Prints the
        bootstrap address: `broker ready: SONET_KAFKA_BROKERS=127.0.0.1:N (pid …, log …)`.

    cargo xtask broker stop
        Stop the broker started by `start` (SIGTERM, then SIGKILL after 10 s) and remove its
        pid file. Does nothing, successfully, when none is running.

    cargo xtask broker status
        Say whether the broker runs, with its pid and address, and whether it answers
        ApiVersions. Exit status 0 when it runs and answers, 1 otherwise.

    cargo xtask broker path
        Print the path of the tansu binary; exit status 1 if it is not installed.

`cargo xtask test` passes SONET_KAFKA_BROKERS=127.0.0.1:N to the tests when a broker started
here runs and answers, and SONET_TANSU_BIN whenever tansu is installed (tests that crash or
restart a broker start private ones with it, on free ports with temporary data). Without them
the Kafka end-to-end tests report themselves skipped.

CACHE:
    $SONET_CACHE_DIR, else $XDG_CACHE_HOME/sonet, else ~/.cache/sonet. The binary is
    CACHE/tansu-0.6.0/bin/tansu, installed with
        cargo install tansu --version 0.6.0 --locked --features dynostore,libsql \\
            --root CACHE/tansu-0.6.0
    and built in CACHE/tansu-build (never in the repository's target folder; it may be
    deleted once the install is done).

ENVIRONMENT:
    SONET_CACHE_DIR      the per-machine cache (see CACHE)
    SONET_KAFKA_BROKERS  the Kafka bootstrap address the end-to-end tests use (host:port);
                         set by `cargo xtask test` when the broker runs, kept if already set
                         (to test against another Kafka-API broker)
    SONET_TANSU_BIN      the tansu binary the tests may start private brokers with; set by
                         `cargo xtask test` when tansu is installed, kept if already set
    SONET_TANSU_LOG      tansu's log filter (RUST_LOG syntax, default `warn`)

TANSU 0.6.0 LIMITS (the tests are written for them):
    - no automatic topic creation: clients create their topics (CreateTopics) first;
    - no transactions (EndTxn is not served);
    - its memory storage engine reports wrong high watermarks, hence SQLite storage;
    - record batches must carry a correct last_offset_delta (Kafka clients do; `tansu cat
      produce` with several records does not, and breaks the partition).";

/// `cargo xtask broker VERB [FLAGS]`.
pub fn command(args: &[String]) -> Result<ExitCode> {
    let (verb, rest) = match args.split_first() {
        Some((verb, rest)) => (verb.as_str(), rest),
        None => ("help", &[][..]),
    };
    if rest.iter().any(|a| a == "-h" || a == "--help") {
        println!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    match verb {
        "install" => {
            Flags::parse(rest, &[])?;
            install(true)?;
            Ok(ExitCode::SUCCESS)
        }
        "start" => {
            let flags = Flags::parse(rest, &["port"])?;
            let port = match flags.one("port") {
                None => DEFAULT_PORT,
                Some(port) => port
                    .parse::<u16>()
                    .ok()
                    .filter(|&p| p != 0)
                    .with_context(|| format!("--port takes a port number (got {port:?})"))?,
            };
            start(&State::new(&workspace_root()), port)
        }
        "stop" => {
            Flags::parse(rest, &[])?;
            stop(&State::new(&workspace_root()))
        }
        "status" => {
            Flags::parse(rest, &[])?;
            status(&State::new(&workspace_root()))
        }
        "path" => {
            Flags::parse(rest, &[])?;
            let bin = tansu_bin()?;
            if installed_version(&bin).is_some() {
                println!("{}", bin.display());
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "tansu {TANSU_VERSION} is not installed (expected at {}); \
                     `cargo xtask broker install` builds it",
                    bin.display()
                );
                Ok(ExitCode::FAILURE)
            }
        }
        "help" | "-h" | "--help" => {
            println!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("error: unknown broker command {other:?}\n\n{HELP}");
            Ok(ExitCode::from(2))
        }
    }
}

/// The environment `cargo xtask test` gives the test processes: `SONET_TANSU_BIN` when tansu is
/// installed, `SONET_KAFKA_BROKERS` when the broker of `broker start` runs and answers. Prints
/// one line about the Kafka end-to-end tests. Never fails: without a broker they are skipped.
pub fn test_env(root: &Path) -> Vec<(&'static str, OsString)> {
    let mut env = Vec::new();
    let preset = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let bin = tansu_bin()
        .ok()
        .filter(|bin| installed_version(bin).is_some());
    if preset(BIN_ENV).is_none() {
        if let Some(bin) = &bin {
            env.push((BIN_ENV, bin.clone().into_os_string()));
        }
    }
    if let Some(brokers) = preset(BROKERS_ENV) {
        eprintln!(
            "broker: Kafka end-to-end tests use {BROKERS_ENV}={} from the environment",
            brokers.to_string_lossy()
        );
        return env;
    }
    let state = State::new(root);
    match state.running() {
        Ok(Some(broker)) if api_versions(broker.addr(), PROBE_TIMEOUT).is_ok() => {
            eprintln!(
                "broker: Kafka end-to-end tests use {BROKERS_ENV}={} (tansu pid {})",
                broker.addr(),
                broker.pid
            );
            env.push((BROKERS_ENV, broker.addr().to_string().into()));
        }
        _ if preset(BIN_ENV).is_some() || bin.is_some() => eprintln!(
            "broker: none running; Kafka end-to-end tests that need the shared broker will \
             report skipped (`cargo xtask broker start` starts it)"
        ),
        _ => eprintln!(
            "broker: tansu is not installed and no broker runs; Kafka end-to-end tests will \
             report skipped (`cargo xtask broker start` installs and starts one)"
        ),
    }
    env
}

/// The Kafka bootstrap address for the end-to-end benchmark: `SONET_KAFKA_BROKERS` when set,
/// else the broker of `broker start` when it runs and answers ApiVersions; otherwise why not.
pub fn kafka_brokers(root: &Path) -> Result<String, String> {
    if let Some(brokers) = std::env::var_os(BROKERS_ENV).filter(|v| !v.is_empty()) {
        return Ok(brokers.to_string_lossy().into_owned());
    }
    match State::new(root).running() {
        Ok(Some(broker)) => match api_versions(broker.addr(), PROBE_TIMEOUT) {
            Ok(_) => Ok(broker.addr().to_string()),
            Err(e) => Err(format!(
                "the broker (tansu pid {}) does not answer ApiVersions on {}: {e}; `cargo xtask \
                 broker stop` and start it again",
                broker.pid,
                broker.addr()
            )),
        },
        Ok(None) => Err(NO_BROKER.to_owned()),
        Err(e) => Err(format!("{} ({e:#})", NO_BROKER)),
    }
}

/// The per-machine cache: `$SONET_CACHE_DIR`, `$XDG_CACHE_HOME/sonet` or `~/.cache/sonet`.
fn cache_dir() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(CACHE_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let base = match var("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => var("HOME")
            .map(|home| PathBuf::from(home).join(".cache"))
            .ok_or_else(|| anyhow!("neither {CACHE_ENV}, XDG_CACHE_HOME nor HOME is set"))?,
    };
    Ok(base.join("sonet"))
}

fn install_root() -> Result<PathBuf> {
    Ok(cache_dir()?.join(format!("tansu-{TANSU_VERSION}")))
}

fn tansu_bin() -> Result<PathBuf> {
    Ok(install_root()?.join("bin").join("tansu"))
}

/// `tansu --version`'s answer when `bin` runs and is the pinned version.
fn installed_version(bin: &Path) -> Option<String> {
    if !bin.is_file() {
        return None;
    }
    let output = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (output.status.success() && version.split_whitespace().any(|w| w == TANSU_VERSION))
        .then_some(version)
}

/// Installs tansu unless it is there; returns the binary. `announce_skip` says so when there
/// is nothing to do (for `broker install`; `start` stays quiet).
fn install(announce_skip: bool) -> Result<PathBuf> {
    let bin = tansu_bin()?;
    if let Some(version) = installed_version(&bin) {
        if announce_skip {
            eprintln!("{version} is already installed: {}", bin.display());
        }
        return Ok(bin);
    }
    let cache = cache_dir()?;
    fs::create_dir_all(&cache).with_context(|| format!("creating {}", cache.display()))?;
    let _lock = InstallLock::acquire(&cache)?;
    // Another install may have finished while this one waited for the lock.
    if let Some(version) = installed_version(&bin) {
        eprintln!("{version} is installed: {}", bin.display());
        return Ok(bin);
    }
    let root = install_root()?;
    let build = cache.join("tansu-build");
    eprintln!(
        "==> installing tansu {TANSU_VERSION} once per machine into {}; this takes ~20 min \
         (build folder {}; cargo's output follows)",
        root.display(),
        build.display()
    );
    let started = Instant::now();
    let status = Command::new(cargo())
        // Outside the repository, so that its cargo configuration does not apply.
        .current_dir(&cache)
        .args(["install", "tansu", "--version", TANSU_VERSION, "--locked"])
        .args(["--features", TANSU_FEATURES])
        .arg("--root")
        .arg(&root)
        .env("CARGO_TARGET_DIR", &build)
        .status()
        .context("running cargo install tansu")?;
    if !status.success() {
        bail!("cargo install tansu {TANSU_VERSION} failed ({status}); see its output above");
    }
    let version = installed_version(&bin).with_context(|| {
        format!(
            "cargo install succeeded, but {} --version does not report {TANSU_VERSION}",
            bin.display()
        )
    })?;
    let seconds = started.elapsed().as_secs();
    let took = if seconds < 120 {
        format!("{seconds} s")
    } else {
        format!("{} min", seconds / 60)
    };
    eprintln!("{version} installed in {took}: {}", bin.display());
    Ok(bin)
}

/// `CACHE/install.lock`, holding the installing process's pid, removed when dropped. A lock
/// whose process is gone (an interrupted install) is taken over.
struct InstallLock {
    path: PathBuf,
}

impl InstallLock {
    fn acquire(cache: &Path) -> Result<Self> {
        let path = cache.join("install.lock");
        let mut announced = false;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let lock = Self { path };
                    writeln!(file, "{}", std::process::id())
                        .with_context(|| format!("writing {}", lock.path.display()))?;
                    return Ok(lock);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if process_alive(pid) => {
                            if !announced {
                                eprintln!(
                                    "another install of tansu (pid {pid}) holds {}; waiting for it",
                                    path.display()
                                );
                                announced = true;
                            }
                            std::thread::sleep(Duration::from_secs(5));
                        }
                        // Created an instant ago, its pid not written yet.
                        None if file_age(&path) < Duration::from_secs(5) => {
                            std::thread::sleep(Duration::from_millis(500));
                        }
                        _ => {
                            eprintln!(
                                "removing {}: the install that held it is gone",
                                path.display()
                            );
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", path.display()));
                }
            }
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn file_age(path: &Path) -> Duration {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .unwrap_or_default()
}

/// The broker's state folder, `<target>/broker/`.
struct State {
    dir: PathBuf,
}

/// A broker from the pid file whose process is alive.
struct Broker {
    pid: u32,
    port: u16,
}

impl Broker {
    fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }
}

impl State {
    fn new(root: &Path) -> Self {
        Self {
            dir: target_dir(root).join("broker"),
        }
    }

    /// Two lines: the pid, then the port.
    fn pid_file(&self) -> PathBuf {
        self.dir.join("tansu.pid")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.join("tansu.log")
    }

    fn read_pid_file(&self) -> Result<Option<Broker>> {
        let path = self.pid_file();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let mut lines = text.lines().map(str::trim);
        let pid = lines.next().and_then(|l| l.parse::<u32>().ok());
        let port = lines.next().and_then(|l| l.parse::<u16>().ok());
        match (pid, port) {
            (Some(pid), Some(port)) => Ok(Some(Broker { pid, port })),
            _ => bail!(
                "{} is not a broker pid file (pid and port lines); remove it",
                path.display()
            ),
        }
    }

    fn write_pid_file(&self, pid: u32, port: u16) -> Result<()> {
        let path = self.pid_file();
        fs::write(&path, format!("{pid}\n{port}\n"))
            .with_context(|| format!("writing {}", path.display()))
    }

    fn remove_pid_file(&self) -> Result<()> {
        let path = self.pid_file();
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    /// The broker of the pid file if its process is alive and is tansu; a stale pid file
    /// (process gone, or the pid reused by another program) is removed.
    fn running(&self) -> Result<Option<Broker>> {
        let Some(broker) = self.read_pid_file()? else {
            return Ok(None);
        };
        if process_alive(broker.pid) && process_is_tansu(broker.pid) {
            Ok(Some(broker))
        } else {
            self.remove_pid_file()?;
            Ok(None)
        }
    }

    /// The log's last lines, indented, for error messages.
    fn log_tail(&self) -> String {
        let path = self.log_file();
        let text = fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        if tail.is_empty() {
            format!("{} is empty", path.display())
        } else {
            format!(
                "last lines of {}:\n    {}",
                path.display(),
                tail.join("\n    ")
            )
        }
    }
}

fn start(state: &State, port: u16) -> Result<ExitCode> {
    if let Some(broker) = state.running()? {
        if broker.port != port {
            bail!(
                "a broker is already running on {} (pid {}); `cargo xtask broker stop` it first \
                 to start one on port {port}",
                broker.addr(),
                broker.pid
            );
        }
        // It may be starting (another `start` waiting for it): give it the same time.
        wait_ready(state, broker.pid, port, None).context(
            "the running broker does not answer; `cargo xtask broker stop` and start it again",
        )?;
        println!(
            "broker already running: {BROKERS_ENV}={} (pid {}, log {})",
            broker.addr(),
            broker.pid,
            state.log_file().display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let bin = install(false)?;
    fs::create_dir_all(&state.dir).with_context(|| format!("creating {}", state.dir.display()))?;
    // Fail clearly rather than let tansu die on a taken port, or mistake another broker there
    // for ours.
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).with_context(|| {
        format!("127.0.0.1:{port} is not free (another Kafka broker?); choose a port with --port N")
    })?;

    let log_path = state.log_file();
    let log =
        File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .with_context(|| format!("opening {}", log_path.display()))?;
    let mut command = tansu_command(&bin, port);
    command
        .current_dir(&state.dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    #[cfg(unix)]
    {
        // Its own process group: outlives this process, and a Ctrl-C in the terminal that
        // started it does not reach it.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let pid = child.id();
    state.write_pid_file(pid, port)?;
    if let Err(e) = wait_ready(state, pid, port, Some(&mut child)) {
        let _ = child.kill();
        let _ = child.wait();
        let _ = state.remove_pid_file();
        return Err(e);
    }
    println!(
        "broker ready: {BROKERS_ENV}=127.0.0.1:{port} (pid {pid}, log {})",
        log_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Waits until 127.0.0.1:`port` answers ApiVersions, failing with the log's tail if the
/// process exits first or nothing answers within [`READY_TIMEOUT`].
fn wait_ready(state: &State, pid: u32, port: u16, mut child: Option<&mut Child>) -> Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        let exited = match child.as_deref_mut() {
            Some(child) => child
                .try_wait()
                .context("checking the broker process")?
                .map(|status| status.to_string()),
            None => (!process_alive(pid)).then(|| "an unknown status".to_owned()),
        };
        if let Some(status) = exited {
            bail!(
                "tansu (pid {pid}) exited with {status} before answering on {addr}; {}",
                state.log_tail()
            );
        }
        let error = match api_versions(addr, PROBE_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if started.elapsed() >= READY_TIMEOUT {
            bail!(
                "tansu (pid {pid}) did not answer ApiVersions on {addr} within {} s (last \
                 error: {error}); {}",
                READY_TIMEOUT.as_secs(),
                state.log_tail()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn stop(state: &State) -> Result<ExitCode> {
    let Some(broker) = state.running()? else {
        return Ok(ExitCode::SUCCESS);
    };
    let pid = broker.pid;
    signal(pid, "TERM")?;
    if !wait_exit(pid, STOP_GRACE) {
        eprintln!(
            "broker (pid {pid}) still running {} s after SIGTERM; sending SIGKILL",
            STOP_GRACE.as_secs()
        );
        signal(pid, "KILL")?;
        if !wait_exit(pid, Duration::from_secs(5)) {
            bail!("broker (pid {pid}) survived SIGKILL");
        }
    }
    state.remove_pid_file()?;
    println!("broker stopped (pid {pid})");
    Ok(ExitCode::SUCCESS)
}

fn status(state: &State) -> Result<ExitCode> {
    let Some(broker) = state.running()? else {
        println!("broker not running (state {})", state.dir.display());
        return Ok(ExitCode::FAILURE);
    };
    match api_versions(broker.addr(), PROBE_TIMEOUT) {
        Ok(apis) => {
            println!(
                "broker running: pid {}, {BROKERS_ENV}={}, answers ApiVersions ({apis} APIs), \
                 log {}",
                broker.pid,
                broker.addr(),
                state.log_file().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!(
                "broker process running (pid {}) but {} does not answer ApiVersions: {e}; log {}",
                broker.pid,
                broker.addr(),
                state.log_file().display()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `kill -SIGNAL pid`.
fn signal(pid: u32, signal: &str) -> Result<()> {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status()
        .context("running kill")?;
    // It may have exited on its own meanwhile.
    if !status.success() && process_alive(pid) {
        bail!("kill -{signal} {pid} failed ({status})");
    }
    Ok(())
}

fn wait_exit(pid: u32, patience: Duration) -> bool {
    let started = Instant::now();
    while process_alive(pid) {
        if started.elapsed() >= patience {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// Whether `pid` is a live process (a zombie, exited but not yet reaped, is not).
fn process_alive(pid: u32) -> bool {
    if Path::new("/proc/self/stat").exists() {
        // `pid (comm) STATE …`; comm may hold spaces and parentheses.
        return fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                let (_, rest) = stat.rsplit_once(')')?;
                rest.split_whitespace().next().map(|s| s != "Z" && s != "X")
            })
            .unwrap_or(false);
    }
    Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Whether `pid` runs tansu (guards against a reused pid); true where this cannot be told.
fn process_is_tansu(pid: u32) -> bool {
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => cmdline
            .split(|&b| b == 0)
            .next()
            .map(|argv0| String::from_utf8_lossy(argv0).contains("tansu"))
            .unwrap_or(false),
        Err(_) => !Path::new("/proc/self/cmdline").exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn api_versions_is_checked_against_a_scripted_broker() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut size = [0; 4];
            stream.read_exact(&mut size).unwrap();
            let mut request = vec![0; i32::from_be_bytes(size) as usize];
            stream.read_exact(&mut request).unwrap();
            assert_eq!(&request[..4], &[0, 18, 0, 0], "ApiVersions v0");
            let mut body = request[4..8].to_vec(); // correlation id
            body.extend_from_slice(&0i16.to_be_bytes());
            body.extend_from_slice(&2i32.to_be_bytes());
            for (key, max) in [(0i16, 11i16), (18, 4)] {
                body.extend_from_slice(&key.to_be_bytes());
                body.extend_from_slice(&0i16.to_be_bytes());
                body.extend_from_slice(&max.to_be_bytes());
            }
            stream
                .write_all(&(body.len() as i32).to_be_bytes())
                .unwrap();
            stream.write_all(&body).unwrap();
        });
        assert_eq!(api_versions(addr, Duration::from_secs(5)).unwrap(), 2);
        server.join().unwrap();
    }

    #[test]
    fn a_silent_port_is_not_a_broker() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        assert!(api_versions(addr, Duration::from_secs(1)).is_err());
    }

    #[test]
    fn an_install_lock_left_by_a_dead_process_is_taken_over() {
        let dir = std::env::temp_dir().join(format!("sonet-xtask-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("install.lock");
        fs::write(&path, "4294967295\n").unwrap();
        {
            let _lock = InstallLock::acquire(&dir).unwrap();
            let holder = fs::read_to_string(&path).unwrap();
            assert_eq!(holder.trim(), std::process::id().to_string());
        }
        assert!(!path.exists(), "the lock is removed when dropped");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_broker_the_kafka_runs_say_why() {
        if std::env::var_os(BROKERS_ENV).is_some_and(|v| !v.is_empty())
            || std::env::var_os("CARGO_TARGET_DIR").is_some()
        {
            return;
        }
        let root =
            std::env::temp_dir().join(format!("sonet-xtask-nobroker-{}", std::process::id()));
        assert_eq!(
            kafka_brokers(&root),
            Err("no broker: cargo xtask broker start".to_owned())
        );
    }

    #[test]
    fn this_process_is_alive_and_not_tansu() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX));
        if Path::new("/proc/self/cmdline").exists() {
            assert!(!process_is_tansu(std::process::id()));
        }
    }
}
