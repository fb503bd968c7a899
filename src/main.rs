//! The `sonet` command-line tool.

use std::process::ExitCode;

use sonet::crypto::{self, KemAlgorithm, SignatureAlgorithm};

mod cli;

const USAGE: &str = "\
sonet — post-quantum E2EE messaging stack (reference implementation)

USAGE:
    sonet providers     list the compiled-in PQC providers, the parameter sets each implements,
                        and the default provider of each primitive
    sonet serve         run the messaging service (gRPC sonet.v1, /health, /metrics)
    sonet client        an MLS client to try the service by hand (init, create-group, invite,
                        send, receive, …)
    sonet loadgen       drive many MLS clients through a service and measure delivery,
                        throughput and latency
    sonet --help        this text

`sonet <command> --help` explains each command's flags, defaults and exit status.
Conformance checking and reports: `cargo xtask verify` in the source tree.";

/// The exit code of a command: 0, or the error's (2 usage/configuration, 1 runtime).
fn finish(result: cli::CliResult<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}

/// `sonet providers | head` closes stdout early: exit quietly, as a tool killed by SIGPIPE
/// would (status 141), instead of reporting a panic. Every other panic keeps the default
/// report.
fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info)
    }));
}

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    // Arguments that are not valid UTF-8 are refused with exit code 2 rather than a panic.
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!("sonet: argument {arg:?} is not valid UTF-8");
                return ExitCode::from(2);
            }
        }
    }
    match args.first().map(String::as_str) {
        Some("providers") => {
            for provider in crypto::providers() {
                println!("{} — {}", provider.name, provider.description);
                let kems: Vec<&str> = KemAlgorithm::ALL
                    .into_iter()
                    .filter(|a| provider.kem(*a).is_some())
                    .map(KemAlgorithm::name)
                    .collect();
                let sigs: Vec<&str> = SignatureAlgorithm::ALL
                    .iter()
                    .filter(|a| provider.signature(**a).is_some())
                    .map(|a| a.name())
                    .collect();
                println!("  KEM:       {}", kems.join(", "));
                println!("  signature: {}", sigs.join(", "));
            }
            // The per-primitive defaults (sonet::crypto::default_for_*).
            println!("defaults");
            for algorithm in KemAlgorithm::ALL {
                if let Some(p) = sonet::crypto::default_for_kem(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            for &algorithm in SignatureAlgorithm::ALL {
                if let Some(p) = sonet::crypto::default_for_signature(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            for algorithm in sonet::crypto::aead::AeadAlgorithm::ALL {
                if let Some(p) = sonet::crypto::default_for_aead(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            ExitCode::SUCCESS
        }
        Some("serve") => finish(cli::serve::run(&args[1..])),
        Some("client") => finish(cli::client::run(&args[1..])),
        Some("loadgen") => finish(cli::loadgen::run(&args[1..])),
        None | Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("sonet: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
