//! A private tansu broker for one end-to-end test: its own free port on 127.0.0.1 and its own
//! temporary data folder, so a test can crash and restart it without disturbing the others.
//! Standard library only, so xtask (`cargo xtask broker`) shares the command line and the
//! readiness probe without compiling anything else.
//!
//! `Tansu::start()` returns `None` when `SONET_TANSU_BIN` is unset (`cargo xtask test` sets it
//! once `cargo xtask broker install` has built tansu): the test then reports itself skipped.
//! The broker runs with the flags of `cargo xtask broker start` (xtask/src/broker.rs): listener
//! and advertised listener `tcp://127.0.0.1:PORT`, SQLite storage (`sqlite:tansu.db`, relative
//! to its working folder, the data folder), its flag-replacing environment variables removed.
//!
//! tansu 0.6.0 does not create topics automatically (create them with CreateTopics first),
//! does not serve transactions, and trusts a record batch's `last_offset_delta` (a wrong one
//! hides records and breaks later produces to the partition; `tansu cat produce` with several
//! records sends such batches, Kafka clients do not).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The tansu binary; unset means the Kafka end-to-end tests are skipped.
pub const BIN_ENV: &str = "SONET_TANSU_BIN";
/// tansu's log filter (RUST_LOG syntax), default `warn`.
const LOG_ENV: &str = "SONET_TANSU_LOG";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// Environment variables tansu reads in place of missing flags, plus its telemetry endpoint.
const TANSU_ENV: &[&str] = &[
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// A running tansu broker, killed and its data folder removed when dropped.
pub struct Tansu {
    bin: PathBuf,
    port: u16,
    data_dir: PathBuf,
    child: Option<Child>,
}

impl Tansu {
    /// Starts a broker and waits until it answers ApiVersions; `None` when `SONET_TANSU_BIN`
    /// is unset.
    pub fn start() -> Option<io::Result<Tansu>> {
        let bin = std::env::var_os(BIN_ENV).filter(|v| !v.is_empty())?;
        Some(Self::start_with(PathBuf::from(bin)))
    }

    fn start_with(bin: PathBuf) -> io::Result<Tansu> {
        let data_dir = unique_data_dir()?;
        let mut tansu = Tansu {
            bin,
            port: 0,
            data_dir,
            child: None,
        };
        // The free port may be taken between finding it and tansu binding it: try others.
        let mut attempts = 0;
        loop {
            attempts += 1;
            tansu.port = free_port()?;
            match tansu.spawn() {
                Err(_) if attempts < 3 && tansu.log().contains("Address already in use") => {}
                // On an error, dropping `tansu` removes the data folder.
                result => return result.map(|()| tansu),
            }
        }
    }

    /// The bootstrap address, `127.0.0.1:PORT`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The port the broker listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The broker's data folder (SQLite database `tansu.db`, log `tansu.log`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The broker's output so far (all its runs), for failure messages.
    pub fn log(&self) -> String {
        fs::read_to_string(self.data_dir.join("tansu.log")).unwrap_or_default()
    }

    /// Kills the broker with SIGKILL, as a crash would, and reaps it. Idempotent.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the broker if it runs, then starts it again on the same port with the same data,
    /// and waits until it answers ApiVersions.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        self.spawn()
    }

    fn spawn(&mut self) -> io::Result<()> {
        let log_path = self.data_dir.join("tansu.log");
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        writeln!(log, "--- sonet: starting tansu on {}", self.bootstrap())?;
        let mut command = broker_command(&self.bin, self.port);
        command
            .current_dir(&self.data_dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let mut child = command.spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("starting {} ({BIN_ENV}): {e}", self.bin.display()),
            )
        })?;
        match wait_ready(&mut child, self.port) {
            Ok(()) => {
                self.child = Some(child);
                Ok(())
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::new(
                    e.kind(),
                    format!("{e}; {}", log_tail(&log_path, 30)),
                ))
            }
        }
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        self.kill();
        let _ = fs::remove_dir_all(&self.data_dir);
    }
}

/// The tansu command line for a broker on 127.0.0.1:`port` keeping its data in SQLite in the
/// working folder, which the caller sets (as do `cargo xtask broker start` and [`Tansu`]).
pub fn broker_command(bin: &Path, port: u16) -> Command {
    let url = format!("tcp://127.0.0.1:{port}");
    let mut command = Command::new(bin);
    command
        .arg("broker")
        .args(["--cluster-id", "sonet"])
        .args(["--listener-url", &url])
        .args(["--advertised-listener-url", &url])
        // Relative: tansu reads sqlite:// paths against its working folder.
        .args(["--storage-engine", "sqlite:tansu.db"])
        // Plain text in the log file (its tracing output is coloured otherwise).
        .env("NO_COLOR", "1")
        .env(
            "RUST_LOG",
            std::env::var_os(LOG_ENV)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| OsString::from("warn")),
        );
    for name in TANSU_ENV {
        command.env_remove(name);
    }
    command
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A new empty folder under the temporary folder, unique to this process and call.
fn unique_data_dir() -> io::Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "sonet-tansu-{}-{}-{nanos:09}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir(&dir)?;
    Ok(dir)
}

fn log_tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut text));
    let all: Vec<&str> = text.lines().collect();
    format!(
        "last lines of {}:\n    {}",
        path.display(),
        all[all.len().saturating_sub(lines)..].join("\n    ")
    )
}

/// Waits until 127.0.0.1:`port` answers ApiVersions, failing if `child` exits first or
/// nothing answers within [`READY_TIMEOUT`].
fn wait_ready(child: &mut Child, port: u16) -> io::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(io::Error::other(format!(
                "tansu exited with {status} before answering on {addr}"
            )));
        }
        let error = match api_versions(addr, PROBE_TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if started.elapsed() >= READY_TIMEOUT {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "tansu did not answer ApiVersions on {addr} within {} s (last error: {error})",
                    READY_TIMEOUT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends a Kafka ApiVersions v0 request to `addr` and checks the answer (matching correlation
/// id, no error, ApiVersions itself among the APIs listed); returns the number of APIs.
pub fn api_versions(addr: SocketAddr, timeout: Duration) -> io::Result<usize> {
    const API_VERSIONS: i16 = 18;
    const CORRELATION_ID: i32 = 0x534f_4e54; // "SONT"
    const CLIENT_ID: &[u8] = b"sonet-test";
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);

    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // Request header v1 (api_key, api_version, correlation_id, client_id); the v0 body is empty.
    let mut request = Vec::with_capacity(4 + 10 + CLIENT_ID.len());
    request.extend_from_slice(&((10 + CLIENT_ID.len()) as i32).to_be_bytes());
    request.extend_from_slice(&API_VERSIONS.to_be_bytes());
    request.extend_from_slice(&0i16.to_be_bytes());
    request.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    request.extend_from_slice(&(CLIENT_ID.len() as i16).to_be_bytes());
    request.extend_from_slice(CLIENT_ID);
    stream.write_all(&request)?;

    let no_answer = |e: io::Error| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no ApiVersions answer within {} ms", timeout.as_millis()),
        ),
        _ => e,
    };
    let mut size = [0; 4];
    stream.read_exact(&mut size).map_err(no_answer)?;
    let size = i32::from_be_bytes(size);
    if !(10..=1 << 20).contains(&size) {
        return Err(invalid(format!("ApiVersions response of {size} bytes")));
    }
    let mut response = vec![0; size as usize];
    stream.read_exact(&mut response).map_err(no_answer)?;
    // Response header v0 (correlation_id), then error_code, then [api_key min max].
    let i16_at = |at: usize| i16::from_be_bytes([response[at], response[at + 1]]);
    let i32_at = |at: usize| {
        i32::from_be_bytes([
            response[at],
            response[at + 1],
            response[at + 2],
            response[at + 3],
        ])
    };
    let correlation_id = i32_at(0);
    if correlation_id != CORRELATION_ID {
        return Err(invalid(format!(
            "ApiVersions response for correlation id {correlation_id}"
        )));
    }
    let error_code = i16_at(4);
    if error_code != 0 {
        return Err(invalid(format!("ApiVersions error code {error_code}")));
    }
    let count = usize::try_from(i32_at(6)).unwrap_or(0);
    if count == 0 || response.len() < 10 + 6 * count {
        return Err(invalid(format!(
            "ApiVersions response listing {count} APIs in {size} bytes"
        )));
    }
    if !(0..count).any(|i| i16_at(10 + 6 * i) == API_VERSIONS) {
        return Err(invalid("ApiVersions response without ApiVersions".into()));
    }
    Ok(count)
}
