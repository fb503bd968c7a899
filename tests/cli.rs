//! The `sonet` binary as a person uses it: `sonet serve` with a YAML file, `sonet client`
//! commands against it, `GET /health`, SIGTERM, and the audit log it leaves behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn sonet() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sonet"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sonet-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `sonet serve` process, killed if the test fails before stopping it.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(config: &Path) -> Server {
        let mut child = sonet()
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let announced = received
            .recv_timeout(Duration::from_secs(60))
            .expect("sonet serve announces its address");
        let address = announced
            .strip_prefix("sonet serving on ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line {announced:?}"))
            .to_string();
        Server { child, address }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(server: &Server, home: &Path, args: &[&str]) -> Output {
    let output = sonet()
        .arg("client")
        .args(args)
        .arg("--home")
        .arg(home)
        .args(["--server", &server.url()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "sonet client {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn http_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_client_health_shutdown_and_audit_log() {
    let dir = temp_dir("flow");
    let config = dir.join("security_config.yaml");
    std::fs::write(
        &config,
        format!(
            "security:\n  grpc:\n    port: 0\nstorage:\n  path: \"{}\"\n",
            dir.join("data").display()
        ),
    )
    .unwrap();
    let server = Server::start(&config);
    let home = |name: &str| dir.join("clients").join(name);
    for name in ["alice", "bob", "carol"] {
        client(&server, &home(name), &["init", "--identity", name]);
    }
    client(&server, &home("alice"), &["create-group", "team"]);
    client(&server, &home("alice"), &["invite", "team", "bob", "carol"]);
    assert!(stdout(&client(&server, &home("bob"), &["receive"])).contains("[team] joined"));
    assert!(stdout(&client(&server, &home("carol"), &["receive"])).contains("[team] joined"));
    client(
        &server,
        &home("alice"),
        &["send", "team", "hello from the audit test"],
    );
    let bob = stdout(&client(&server, &home("bob"), &["receive"]));
    assert!(
        bob.contains("[team] alice: hello from the audit test"),
        "{bob}"
    );
    client(&server, &home("alice"), &["remove", "team", "carol"]);
    let carol = stdout(&client(&server, &home("carol"), &["receive"]));
    assert!(carol.contains("removed"), "{carol}");
    // Bob's cursor was saved: receiving again shows only what is new (the removal commit).
    let bob = stdout(&client(&server, &home("bob"), &["receive"]));
    assert!(!bob.contains("hello from the audit test"), "{bob}");

    let health = http_get(&server.address, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"SERVING\""), "{health}");
    let metrics = http_get(&server.address, "/metrics");
    assert!(
        metrics.contains("sonet_messages_accepted_total{kind=\"application\"} 1"),
        "{metrics}"
    );

    let status = server.terminate();
    assert!(
        status.success(),
        "sonet serve exits 0 on SIGTERM, got {status}"
    );

    // The audit log: JSON lines naming who did what, never message content or key material.
    let audit = std::fs::read_to_string(dir.join("data").join("audit.log")).unwrap();
    let events: Vec<serde_json::Value> = audit
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let named = |event: &str, identity: &str| {
        events.iter().any(|e| {
            e.to_string().contains(&format!("\"{event}\"")) && e.to_string().contains(identity)
        })
    };
    for (event, identity) in [
        ("identity.register", "carol"),
        ("keypackages.publish", "bob"),
        ("group.create", "alice"),
        ("keypackage.fetch", "alice"),
        ("group.commit", "alice"),
    ] {
        assert!(
            named(event, identity),
            "no {event} by {identity} in\n{audit}"
        );
    }
    assert!(audit.contains("removed [carol]"), "{audit}");
    assert!(!audit.contains("hello from the audit test"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_configurations_and_arguments_exit_2_with_a_message() {
    let dir = temp_dir("bad");
    let config = dir.join("design-doc.yaml");
    std::fs::write(
        &config,
        "security:\n  pqc:\n    kem_algorithm: \"KYBER_768\"\n",
    )
    .unwrap();
    let output = sonet()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("security.pqc.kem_algorithm") && stderr.contains("ML-KEM-768"),
        "{stderr}"
    );

    std::fs::write(&config, "security:\n  grpc:\n    prot: 50051\n").unwrap();
    let output = sonet()
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("prot") && stderr.contains("port"),
        "{stderr}"
    );

    let output = sonet()
        .args(["loadgen", "--groups", "many"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--groups"));
    let _ = std::fs::remove_dir_all(&dir);
}
