//! `sonet loadgen`: drives real MLS clients through a running service (or one started in
//! process) and measures delivery: completeness, duplicates, per-sender order, throughput and
//! end-to-end latency.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use sonet::mls::{self, CipherSuite};
use sonet::service::client::{Member, Received};
use sonet::service::config::Kafka;
use sonet::service::proto::MailboxMessage;
use sonet::service::{RunningServer, Settings};
use tokio::sync::{mpsc, Mutex, Semaphore};
use tokio::task::JoinSet;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;
use tracing_subscriber::filter::EnvFilter;

use super::{chain, parse_suite, random_hex, runtime, Args, CliError, CliResult, Endpoint};

const COMMAND: &str = "sonet loadgen";
/// magic (4) ‖ send time ns (8) ‖ per-sender sequence (8) ‖ group index (4) ‖ member index (4).
const MAGIC: &[u8; 4] = b"SLG1";
const HEADER_LEN: usize = 28;
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
const DEFAULT_SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

pub const HELP: &str = "\
sonet loadgen — load and correctness test of a Sonet service with real MLS clients

USAGE:
    sonet loadgen [--groups G] [--members M] [--messages N] [--payload BYTES]
                  [--server URL [--ca PEM [--domain NAME]] | --spawn [--kafka BROKERS]]
                  [--suite NAME] [--drain-timeout SECS] [--json FILE]

WHAT IT DOES:
    Creates G groups of M members. Every member is a fresh in-memory MLS client with the
    identity loadgen-<run>-g<i>-m<j>, its own connection, registers and publishes key packages,
    and subscribes to its mailbox. Member 0 of each group creates the group and adds the others
    in one commit; each of them joins from its Welcome. Then each group sends N application
    messages in total, assigned round-robin to its members (message k by member k mod M); every
    member runs one sender task, sending its share one after the other, and all groups send at
    once. Each plaintext carries its send time and the sender's sequence number. Every member's
    subscription records each message it receives: each message must reach the other M-1
    members exactly once and, per sender, in order. After the senders finish it waits up to
    --drain-timeout for stragglers, then prints a table (and --json). Progress goes to stderr
    every 2 s.

FLAGS:
    --groups G            groups (default 1, 1 to 10000)
    --members M           members per group (default 3, 2 to 1000)
    --messages N          application messages per group (default 1000, 1 to 100000000)
    --payload BYTES       plaintext size (default 64, 28 to 1048576; the first 28 bytes are
                          the timestamp header)
    --server URL          the service (default http://127.0.0.1:50051)
    --ca PEM              TLS: CA of the server certificate (URL https://…); mutual-TLS servers
                          are not supported (each member signs its calls with its own identity)
    --domain NAME         TLS: the name the server certificate must carry
    --spawn               start a server in this process (port 0 on 127.0.0.1, embedded bus,
                          fresh storage in a temporary folder, removed afterwards) and run
                          against it
    --kafka BROKERS       with --spawn: use a Kafka bus at host:port[,…] (topic and consumer
                          group sonet-loadgen-<run>, unique to this run)
    --suite NAME          MLS cipher suite (default MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
    --drain-timeout SECS  how long to wait for outstanding deliveries after the last send
                          (default 30, 1 to 3600)
    --json FILE           also write the figures as JSON to FILE (see below)
    -h, --help            this text

MEASURES:
    latency        per delivery: the time the receiving member's subscription stream yields
                   the message minus the time the sender started encrypting it (one clock:
                   all clients run in this process); decryption on receipt is not included.
                   Percentiles are nearest-rank over all deliveries.
    wall time      from the first send to the last delivery (or the end of the drain wait).
    throughput     messages sent / wall time, deliveries received / wall time.

JSON FIELDS (--json FILE; times in seconds, latencies in milliseconds):
    run, server, bus (\"embedded\"/\"kafka\" with --spawn, else null), cipher_suite,
    groups, members, messages_per_group, payload_bytes,
    messages_planned, messages_sent, send_errors,
    deliveries_expected (messages_sent × (members − 1)), deliveries_received (distinct),
    lost (expected − received), duplicates, out_of_order (per receiver and sender: a sequence
    lower than one already received), receive_errors (messages the MLS layer refused or that
    were malformed), stream_errors,
    setup_seconds, send_seconds (first to last send), wall_seconds,
    messages_per_second, deliveries_per_second,
    latency_ms {samples, min, mean, p50, p90, p99, max},
    errors (the first few error messages), ok (true when nothing was lost, duplicated,
    reordered or refused)

EXIT STATUS:
    0 when every message was delivered exactly once and in order; 1 when any was lost,
    duplicated, out of order or refused, or the run failed (the message shows the gRPC status);
    2 for bad arguments.

EXAMPLES:
    sonet loadgen --spawn
    sonet loadgen --groups 1 --members 3 --messages 1000
    sonet loadgen --groups 10 --members 5 --messages 2000 --payload 256 --json load.json
    sonet loadgen --spawn --kafka 127.0.0.1:9092 --groups 4";

#[derive(Clone, Debug)]
struct Options {
    groups: usize,
    members: usize,
    messages: u64,
    payload: usize,
    endpoint: Option<Endpoint>,
    spawn: bool,
    kafka: Option<String>,
    suite: CipherSuite,
    drain_timeout: Duration,
    json: Option<PathBuf>,
}

pub fn run(raw: &[String]) -> CliResult<()> {
    let args = Args::parse(
        COMMAND,
        raw,
        &[
            "--groups",
            "--members",
            "--messages",
            "--payload",
            "--server",
            "--ca",
            "--domain",
            "--kafka",
            "--suite",
            "--drain-timeout",
            "--json",
        ],
        &["--spawn"],
    )?;
    if args.help() {
        println!("{HELP}");
        return Ok(());
    }
    args.at_most(0, "loadgen takes flags only")?;
    let spawn = args.switch("--spawn");
    let kafka = args.value("--kafka").map(str::to_string);
    if kafka.is_some() && !spawn {
        return Err(args.error(
            "--kafka needs --spawn (a separate server chooses its bus in its own configuration)",
        ));
    }
    if kafka.as_deref().is_some_and(|k| k.trim().is_empty()) {
        return Err(args.error("--kafka needs host:port[,host:port…]"));
    }
    if spawn && (args.value("--server").is_some() || args.value("--ca").is_some()) {
        return Err(args.error("--spawn runs its own server: leave out --server and --ca"));
    }
    let options = Options {
        groups: args.number("--groups", 1usize, 1..=10_000)?,
        members: args.number("--members", 3usize, 2..=1000)?,
        messages: args.number("--messages", 1000u64, 1..=100_000_000)?,
        payload: args.number("--payload", 64usize, HEADER_LEN..=1 << 20)?,
        endpoint: if spawn {
            None
        } else {
            Some(Endpoint::from_args(&args, false)?)
        },
        spawn,
        kafka,
        suite: match args.value("--suite") {
            Some(name) => parse_suite(COMMAND, name)?,
            None => DEFAULT_SUITE,
        },
        drain_timeout: Duration::from_secs(args.number("--drain-timeout", 30u64, 1..=3600)?),
        json: args.value("--json").map(PathBuf::from),
    };
    // Warnings of the in-process server and the client library go to stderr (RUST_LOG).
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
    let report = runtime()?.block_on(run_async(options.clone()))?;
    print!("{}", report.table());
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::failed(format!("cannot encode the report: {e}")))?;
        std::fs::write(path, text + "\n").map_err(|e| {
            CliError::failed(format!("cannot write --json {}: {e}", path.display()))
        })?;
        eprintln!("figures written to {}", path.display());
    }
    if report.ok {
        Ok(())
    } else {
        Err(CliError::failed(format!(
            "delivery check FAILED: {} lost, {} duplicated, {} out of order, {} refused, {} send errors, {} stream errors",
            report.lost,
            report.duplicates,
            report.out_of_order,
            report.receive_errors,
            report.send_errors,
            report.stream_errors
        )))
    }
}

/// The server started by `--spawn`, and its temporary storage.
struct Spawned {
    server: RunningServer,
    dir: PathBuf,
}

impl Spawned {
    async fn start(options: &Options, run: &str) -> CliResult<Spawned> {
        let dir = std::env::temp_dir().join(format!("sonet-loadgen-{run}"));
        let mut config = super::serve::default_config();
        config.security.grpc.port = 0;
        config.security.grpc.address = "127.0.0.1".into();
        config.storage.path = dir.clone();
        config.kafka = options.kafka.as_ref().map(|brokers| Kafka {
            brokers: brokers.clone(),
            topic: format!("sonet-loadgen-{run}"),
            partitions: 3,
            replication_factor: 1,
            client_id: format!("sonet-loadgen-{run}"),
            consumer_group: format!("sonet-loadgen-{run}"),
            delivery_timeout_ms: 30_000,
            health_check_interval_ms: 1_000,
        });
        let settings = Settings::validate(config, "sonet loadgen --spawn")
            .map_err(|e| CliError::Config(e.to_string()))?;
        let server = match sonet::service::start(settings).await {
            Ok(server) => server,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(CliError::failed(format!(
                    "cannot start the in-process server: {}",
                    chain(&e)
                )));
            }
        };
        eprintln!(
            "in-process server on {} (bus: {}{}, storage {})",
            server.local_addr(),
            server.bus_kind(),
            options
                .kafka
                .as_ref()
                .map(|b| format!(" at {b}, topic sonet-loadgen-{run}"))
                .unwrap_or_default(),
            dir.display()
        );
        Ok(Spawned { server, dir })
    }

    async fn stop(self) {
        if let Err(e) = self.server.shutdown().await {
            eprintln!(
                "warning: the in-process server did not stop cleanly: {}",
                chain(&e)
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn run_async(options: Options) -> CliResult<Report> {
    let run = random_hex(4);
    let spawned = if options.spawn {
        Some(Spawned::start(&options, &run).await?)
    } else {
        None
    };
    let endpoint = match &spawned {
        Some(s) => Endpoint {
            url: format!("http://{}", s.server.local_addr()),
            tls: None,
        },
        None => options.endpoint.clone().unwrap_or_else(|| Endpoint {
            url: super::DEFAULT_SERVER.into(),
            tls: None,
        }),
    };
    let bus = spawned.as_ref().map(|s| s.server.bus_kind().to_string());
    let result = drive(&options, &endpoint, &run, bus).await;
    if let Some(spawned) = spawned {
        spawned.stop().await;
    }
    result
}

/// Waits until the service reports `sonet.v1.Delivery` SERVING (its bus is up).
async fn wait_ready(endpoint: &Endpoint, within: Duration) -> CliResult<()> {
    let deadline = Instant::now() + within;
    let mut last: String;
    loop {
        match endpoint.connect().await {
            Ok(channel) => {
                let mut health = HealthClient::new(channel);
                match health
                    .check(HealthCheckRequest {
                        service: "sonet.v1.Delivery".into(),
                    })
                    .await
                {
                    Ok(response) if response.get_ref().status == ServingStatus::Serving as i32 => {
                        return Ok(())
                    }
                    Ok(response) => {
                        last = format!("health status {:?}", response.get_ref().status())
                    }
                    Err(status) => last = super::status_text(&status),
                }
            }
            // Nothing listening (or TLS refused): waiting would not help.
            Err(e) => return Err(e),
        }
        if Instant::now() >= deadline {
            return Err(CliError::failed(format!(
                "the service at {} is not ready (sonet.v1.Delivery not SERVING after {} s): {last}",
                endpoint.url,
                within.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Counters shared by every task.
#[derive(Default)]
struct Shared {
    sent: AtomicU64,
    send_errors: AtomicU64,
    delivered: AtomicU64,
    joined: AtomicUsize,
    /// Latest delivery time, ns since the run's clock base.
    last_arrival: AtomicU64,
    stream_errors: AtomicU64,
    errors: StdMutex<Vec<String>>,
    stop: AtomicBool,
}

impl Shared {
    fn error(&self, message: String) {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.len() < 10 {
            errors.push(message);
        }
    }
}

/// One member of one group.
struct Participant {
    group: usize,
    index: usize,
    identity: Vec<u8>,
    member: Arc<Mutex<Member>>,
}

/// How many of a group's N messages member `j` of M sends (message k by member k mod M).
fn share(messages: u64, members: usize, j: usize) -> u64 {
    let m = members as u64;
    messages / m + u64::from((j as u64) < messages % m)
}

fn ns_since(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

async fn drive(
    options: &Options,
    endpoint: &Endpoint,
    run: &str,
    bus: Option<String>,
) -> CliResult<Report> {
    wait_ready(endpoint, Duration::from_secs(60)).await?;
    let (g_count, m_count) = (options.groups, options.members);
    eprintln!(
        "run {run}: setting up {g_count} group(s) × {m_count} members against {} …",
        endpoint.url
    );
    let setup_started = Instant::now();
    let base = Instant::now();
    let shared = Arc::new(Shared::default());

    // 1. Members: client, connection, registration, key packages (groups in parallel).
    let limit = Arc::new(Semaphore::new(32));
    let mut setups = JoinSet::new();
    for g in 0..g_count {
        let (endpoint, limit, suite) = (endpoint.clone(), limit.clone(), options.suite);
        let run = run.to_string();
        setups.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut participants = Vec::with_capacity(m_count);
            for j in 0..m_count {
                let identity = format!("loadgen-{run}-g{g}-m{j}").into_bytes();
                let client = mls::Client::in_memory(&identity)?;
                let channel = endpoint.connect().await?;
                let member = Member::new(client, suite, channel);
                member.register().await.map_err(|e| {
                    CliError::from(e).context(format!(
                        "registering {}",
                        String::from_utf8_lossy(&identity)
                    ))
                })?;
                member
                    .publish_key_packages(1, false)
                    .await
                    .map_err(|e| CliError::from(e).context("publishing key packages"))?;
                participants.push(Participant {
                    group: g,
                    index: j,
                    identity,
                    member: Arc::new(Mutex::new(member)),
                });
            }
            Ok::<_, CliError>((g, participants))
        });
    }
    let mut groups: Vec<Vec<Participant>> = (0..g_count).map(|_| Vec::new()).collect();
    while let Some(joined) = setups.join_next().await {
        let (g, participants) =
            joined.map_err(|e| CliError::failed(format!("setup task failed: {e}")))??;
        groups[g] = participants;
    }

    // 2. Subscriptions: a reader per member stamps each message as it arrives; a handler
    //    processes it through MLS and records it.
    let mut readers = JoinSet::new();
    let mut handlers = JoinSet::new();
    for participant in groups.iter().flatten() {
        let stream = participant
            .member
            .lock()
            .await
            .subscribe()
            .await
            .map_err(|e| CliError::from(e).context("subscribing"))?;
        let (tx, rx) = mpsc::unbounded_channel::<(u64, MailboxMessage)>();
        let reader_shared = shared.clone();
        let who = String::from_utf8_lossy(&participant.identity).into_owned();
        readers.spawn(async move {
            let mut stream = stream;
            loop {
                match stream.message().await {
                    Ok(Some(message)) => {
                        if tx.send((ns_since(base), message)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => {
                        if !reader_shared.stop.load(Ordering::Relaxed) {
                            reader_shared.stream_errors.fetch_add(1, Ordering::Relaxed);
                            reader_shared
                                .error(format!("{who}: the server ended the subscription"));
                        }
                        break;
                    }
                    Err(status) => {
                        reader_shared.stream_errors.fetch_add(1, Ordering::Relaxed);
                        reader_shared.error(format!(
                            "{who}: subscription: {}",
                            super::status_text(&status)
                        ));
                        break;
                    }
                }
            }
        });
        let recorder = Recorder::new(participant.group, participant.index, options);
        handlers.spawn(handle_mailbox(
            rx,
            participant.member.clone(),
            recorder,
            shared.clone(),
        ));
    }

    // 3. Groups: member 0 creates its group and adds everyone else in one commit.
    let group_ids: Vec<Vec<u8>> = (0..g_count)
        .map(|g| format!("loadgen-{run}-g{g}").into_bytes())
        .collect();
    let mut creations = JoinSet::new();
    for (g, participants) in groups.iter().enumerate() {
        let creator = participants[0].member.clone();
        let others: Vec<Vec<u8>> = participants[1..]
            .iter()
            .map(|p| p.identity.clone())
            .collect();
        let (group_id, limit) = (group_ids[g].clone(), limit.clone());
        creations.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let mut creator = creator.lock().await;
            creator
                .create_group(&group_id)
                .await
                .map_err(|e| CliError::from(e).context("creating a group"))?;
            creator
                .invite(&group_id, &others)
                .await
                .map_err(|e| CliError::from(e).context("adding the members"))?;
            Ok::<_, CliError>(())
        });
    }
    while let Some(created) = creations.join_next().await {
        created.map_err(|e| CliError::failed(format!("group task failed: {e}")))??;
    }
    let joiners = g_count * (m_count - 1);
    let join_deadline = Instant::now() + Duration::from_secs(60).max(options.drain_timeout);
    while shared.joined.load(Ordering::Relaxed) < joiners {
        if Instant::now() >= join_deadline {
            return Err(CliError::failed(format!(
                "only {} of {joiners} members joined from their Welcome; first errors: {}",
                shared.joined.load(Ordering::Relaxed),
                shared
                    .errors
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .join("; ")
            )));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    let planned = options.messages * g_count as u64;
    eprintln!(
        "setup done in {setup_seconds:.2} s; sending {} message(s) per group ({planned} in all, {} B each) …",
        options.messages, options.payload
    );

    // 4. Senders: one task per member, all groups at once.
    let send_start = ns_since(base);
    let mut senders = JoinSet::new();
    for participant in groups.iter().flatten() {
        let count = share(options.messages, m_count, participant.index);
        let member = participant.member.clone();
        let shared = shared.clone();
        let group_id = group_ids[participant.group].clone();
        let (g, j, size) = (participant.group, participant.index, options.payload);
        senders.spawn(async move {
            let mut plaintext = vec![0u8; size];
            plaintext[..4].copy_from_slice(MAGIC);
            plaintext[20..24].copy_from_slice(&(g as u32).to_be_bytes());
            plaintext[24..28].copy_from_slice(&(j as u32).to_be_bytes());
            for b in plaintext[HEADER_LEN..].iter_mut() {
                *b = b'.';
            }
            for sequence in 0..count {
                let mut member = member.lock().await;
                plaintext[4..12].copy_from_slice(&ns_since(base).to_be_bytes());
                plaintext[12..20].copy_from_slice(&sequence.to_be_bytes());
                match member.send(&group_id, &plaintext).await {
                    Ok(_) => {
                        shared.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => {
                        shared.send_errors.fetch_add(1, Ordering::Relaxed);
                        shared.error(format!(
                            "send by g{g}-m{j} #{sequence}: {}",
                            CliError::from(e)
                        ));
                    }
                }
            }
        });
    }
    let expected_total = planned * (m_count as u64 - 1);
    let progress = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PROGRESS_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let elapsed = (ns_since(base) - send_start) as f64 / 1e9;
                let sent = shared.sent.load(Ordering::Relaxed);
                let delivered = shared.delivered.load(Ordering::Relaxed);
                eprintln!(
                    "[{elapsed:6.1} s] sent {sent}/{planned} ({:.0}/s), delivered {delivered}/{expected_total} ({:.0}/s)",
                    sent as f64 / elapsed,
                    delivered as f64 / elapsed
                );
            }
        })
    };
    while let Some(done) = senders.join_next().await {
        done.map_err(|e| CliError::failed(format!("sender task failed: {e}")))?;
    }
    let send_end = ns_since(base);
    let sent = shared.sent.load(Ordering::Relaxed);
    let expected = sent * (m_count as u64 - 1);

    // 5. Drain: wait for outstanding deliveries.
    let drain_deadline = Instant::now() + options.drain_timeout;
    while shared.delivered.load(Ordering::Relaxed) < expected
        && shared.stream_errors.load(Ordering::Relaxed) == 0
        && Instant::now() < drain_deadline
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let drain_end = ns_since(base);
    let drained = shared.delivered.load(Ordering::Relaxed) >= expected;
    if !drained {
        // Anything still in flight would be a late duplicate or straggler: give it a moment.
        tokio::time::sleep(Duration::from_millis(200)).await;
    } else {
        // Let a would-be duplicate show up before the subscriptions close.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    progress.abort();
    shared.stop.store(true, Ordering::Relaxed);
    readers.abort_all();
    while readers.join_next().await.is_some() {}
    let mut recorders = Vec::new();
    while let Some(done) = handlers.join_next().await {
        recorders.push(done.map_err(|e| CliError::failed(format!("receiver task failed: {e}")))?);
    }
    let wall_end = if drained {
        shared.last_arrival.load(Ordering::Relaxed).max(send_end)
    } else {
        drain_end
    };

    // 6. Figures.
    let mut latencies = Vec::new();
    let (mut received, mut duplicates, mut out_of_order, mut receive_errors) = (0, 0, 0, 0);
    for r in &recorders {
        received += r.received;
        duplicates += r.duplicates;
        out_of_order += r.out_of_order;
        receive_errors += r.errors;
    }
    for r in recorders {
        latencies.extend(r.latencies);
    }
    latencies.sort_unstable();
    let wall_seconds = (wall_end.saturating_sub(send_start)) as f64 / 1e9;
    let send_errors = shared.send_errors.load(Ordering::Relaxed);
    let stream_errors = shared.stream_errors.load(Ordering::Relaxed);
    let lost = expected.saturating_sub(received);
    let errors = shared
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let ok = lost == 0
        && duplicates == 0
        && out_of_order == 0
        && receive_errors == 0
        && send_errors == 0
        && stream_errors == 0
        && sent == planned;
    let per_second = |n: u64| {
        if wall_seconds > 0.0 {
            n as f64 / wall_seconds
        } else {
            0.0
        }
    };
    Ok(Report {
        run: run.to_string(),
        server: endpoint.url.clone(),
        bus,
        cipher_suite: options.suite.name().to_string(),
        groups: g_count,
        members: m_count,
        messages_per_group: options.messages,
        payload_bytes: options.payload,
        messages_planned: planned,
        messages_sent: sent,
        send_errors,
        deliveries_expected: expected,
        deliveries_received: received,
        lost,
        duplicates,
        out_of_order,
        receive_errors,
        stream_errors,
        setup_seconds,
        send_seconds: send_end.saturating_sub(send_start) as f64 / 1e9,
        wall_seconds,
        messages_per_second: per_second(sent),
        deliveries_per_second: per_second(received),
        latency_ms: Latency::from_sorted(&latencies),
        errors,
        ok,
    })
}

/// Processes one member's mailbox in order and records what arrived.
async fn handle_mailbox(
    mut rx: mpsc::UnboundedReceiver<(u64, MailboxMessage)>,
    member: Arc<Mutex<Member>>,
    mut recorder: Recorder,
    shared: Arc<Shared>,
) -> Recorder {
    while let Some(first) = rx.recv().await {
        // The sender task holds the member during its calls: once we have it, process
        // everything that is queued.
        let mut member = member.lock().await;
        let mut next = Some(first);
        while let Some((arrival, message)) = next.take() {
            next = rx.try_recv().ok();
            let sequence = message.sequence;
            let result = member.handle(message);
            match result {
                Ok(Received::Message { data, .. }) => {
                    if let Err(problem) = recorder.record(arrival, &data) {
                        recorder.errors += 1;
                        shared.error(format!(
                            "g{}-m{} mailbox {sequence}: {problem}",
                            recorder.group, recorder.member
                        ));
                    } else {
                        shared.delivered.fetch_add(1, Ordering::Relaxed);
                        shared.last_arrival.fetch_max(arrival, Ordering::Relaxed);
                    }
                }
                Ok(Received::Joined { .. }) => {
                    shared.joined.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Received::Epoch { .. } | Received::Proposal { .. }) => {}
                Ok(Received::Removed { .. }) => {
                    recorder.errors += 1;
                    shared.error(format!(
                        "g{}-m{} was removed from its group",
                        recorder.group, recorder.member
                    ));
                }
                Ok(Received::Ignored { reason }) => {
                    recorder.errors += 1;
                    shared.error(format!(
                        "g{}-m{} mailbox {sequence} ignored: {reason}",
                        recorder.group, recorder.member
                    ));
                }
                Err(e) => {
                    recorder.errors += 1;
                    shared.error(format!(
                        "g{}-m{} mailbox {sequence}: {}",
                        recorder.group,
                        recorder.member,
                        CliError::from(e)
                    ));
                }
            }
        }
    }
    recorder
}

/// What one member received.
struct Recorder {
    group: usize,
    member: usize,
    members: usize,
    /// Per sender: which sequence numbers arrived.
    seen: Vec<Vec<bool>>,
    highest: Vec<Option<u64>>,
    latencies: Vec<u64>,
    received: u64,
    duplicates: u64,
    out_of_order: u64,
    errors: u64,
}

impl Recorder {
    fn new(group: usize, member: usize, options: &Options) -> Self {
        let seen = (0..options.members)
            .map(|j| {
                if j == member {
                    Vec::new()
                } else {
                    vec![false; share(options.messages, options.members, j) as usize]
                }
            })
            .collect();
        let expected = options.messages - share(options.messages, options.members, member);
        Recorder {
            group,
            member,
            members: options.members,
            seen,
            highest: vec![None; options.members],
            latencies: Vec::with_capacity(expected as usize),
            received: 0,
            duplicates: 0,
            out_of_order: 0,
            errors: 0,
        }
    }

    /// Records one application message; `Err` when it is not one of this run's.
    fn record(&mut self, arrival: u64, data: &[u8]) -> Result<(), String> {
        if data.len() < HEADER_LEN || &data[..4] != MAGIC {
            return Err(format!("not a loadgen message ({} bytes)", data.len()));
        }
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[i..i + 8]);
            u64::from_be_bytes(b)
        };
        let u32_at = |i: usize| {
            let mut b = [0u8; 4];
            b.copy_from_slice(&data[i..i + 4]);
            u32::from_be_bytes(b) as usize
        };
        let (sent_at, sequence, group, sender) = (u64_at(4), u64_at(12), u32_at(20), u32_at(24));
        if group != self.group || sender >= self.members || sender == self.member {
            return Err(format!(
                "message of g{group}-m{sender} reached g{}-m{}",
                self.group, self.member
            ));
        }
        let Some(slot) = self.seen[sender].get_mut(sequence as usize) else {
            return Err(format!("sequence {sequence} of m{sender} is out of range"));
        };
        if *slot {
            self.duplicates += 1;
            return Ok(());
        }
        *slot = true;
        self.received += 1;
        match self.highest[sender] {
            Some(highest) if sequence < highest => self.out_of_order += 1,
            _ => self.highest[sender] = Some(sequence),
        }
        self.latencies.push(arrival.saturating_sub(sent_at));
        Ok(())
    }
}

#[derive(Debug, Serialize)]
struct Latency {
    samples: usize,
    min: f64,
    mean: f64,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Latency {
    /// Nearest-rank percentiles of sorted nanosecond samples, in milliseconds.
    fn from_sorted(sorted: &[u64]) -> Latency {
        let ms = |ns: u64| ns as f64 / 1e6;
        let rank = |p: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            ms(sorted[index.clamp(1, sorted.len()) - 1])
        };
        let mean = if sorted.is_empty() {
            0.0
        } else {
            sorted.iter().map(|&n| n as f64).sum::<f64>() / sorted.len() as f64 / 1e6
        };
        Latency {
            samples: sorted.len(),
            min: sorted.first().copied().map(ms).unwrap_or(0.0),
            mean,
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: sorted.last().copied().map(ms).unwrap_or(0.0),
        }
    }
}

#[derive(Debug, Serialize)]
struct Report {
    run: String,
    server: String,
    bus: Option<String>,
    cipher_suite: String,
    groups: usize,
    members: usize,
    messages_per_group: u64,
    payload_bytes: usize,
    messages_planned: u64,
    messages_sent: u64,
    send_errors: u64,
    deliveries_expected: u64,
    deliveries_received: u64,
    lost: u64,
    duplicates: u64,
    out_of_order: u64,
    receive_errors: u64,
    stream_errors: u64,
    setup_seconds: f64,
    send_seconds: f64,
    wall_seconds: f64,
    messages_per_second: f64,
    deliveries_per_second: f64,
    latency_ms: Latency,
    errors: Vec<String>,
    ok: bool,
}

impl Report {
    fn table(&self) -> String {
        let mut out = String::new();
        let mut row = |name: &str, value: String| {
            let _ = writeln!(out, "  {name:<26} {value}");
        };
        let check = |n: u64| {
            if n == 0 {
                "0  ok".to_string()
            } else {
                format!("{n}  FAIL")
            }
        };
        row(
            "run",
            format!(
                "{} against {}{}",
                self.run,
                self.server,
                self.bus
                    .as_ref()
                    .map(|b| format!(" (in-process, bus: {b})"))
                    .unwrap_or_default()
            ),
        );
        row(
            "shape",
            format!(
                "{} group(s) × {} members, {} messages/group, {} B payload, {}",
                self.groups,
                self.members,
                self.messages_per_group,
                self.payload_bytes,
                self.cipher_suite
            ),
        );
        row(
            "messages sent",
            format!(
                "{} of {}{}",
                self.messages_sent,
                self.messages_planned,
                if self.send_errors > 0 {
                    format!(" ({} send errors)", self.send_errors)
                } else {
                    String::new()
                }
            ),
        );
        row(
            "deliveries",
            format!(
                "{} received of {} expected",
                self.deliveries_received, self.deliveries_expected
            ),
        );
        row("lost", check(self.lost));
        row("duplicates", check(self.duplicates));
        row("out of order (per sender)", check(self.out_of_order));
        row("refused / malformed", check(self.receive_errors));
        if self.stream_errors > 0 {
            row("stream errors", check(self.stream_errors));
        }
        row("setup time", format!("{:.3} s", self.setup_seconds));
        row("send time", format!("{:.3} s", self.send_seconds));
        row("wall time", format!("{:.3} s", self.wall_seconds));
        row(
            "throughput",
            format!(
                "{:.1} messages/s sent, {:.1} deliveries/s",
                self.messages_per_second, self.deliveries_per_second
            ),
        );
        let l = &self.latency_ms;
        row(
            "latency (ms)",
            format!(
                "p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}  (min {:.3}, mean {:.3}, {} samples)",
                l.p50, l.p90, l.p99, l.max, l.min, l.mean, l.samples
            ),
        );
        for error in &self.errors {
            row("error", error.clone());
        }
        row("result", if self.ok { "PASS" } else { "FAIL" }.to_string());
        format!("sonet loadgen\n{out}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up() {
        for (n, m) in [(1000u64, 3usize), (7, 5), (1, 2), (10, 10)] {
            let total: u64 = (0..m).map(|j| share(n, m, j)).sum();
            assert_eq!(total, n);
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).map(|i| i * 1_000_000).collect();
        let l = Latency::from_sorted(&samples);
        assert_eq!(l.p50, 50.0);
        assert_eq!(l.p90, 90.0);
        assert_eq!(l.p99, 99.0);
        assert_eq!(l.max, 100.0);
        assert_eq!(Latency::from_sorted(&[]).samples, 0);
    }
}
