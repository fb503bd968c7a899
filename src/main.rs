//! The `sonet` command-line tool.

use std::process::ExitCode;

use sonet::pqc::{self, KemAlgorithm, SignatureAlgorithm};

const USAGE: &str = "\
sonet — post-quantum E2EE messaging stack (reference implementation)

USAGE:
    sonet providers     list the compiled-in PQC providers, the parameter sets each implements,
                        and the default provider of each primitive
    sonet --help        this text

Conformance checking and reports: `cargo xtask verify` in the source tree.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("providers") => {
            for provider in pqc::providers() {
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
            // The per-primitive defaults (sonet::provider::default_for_*).
            println!("defaults");
            for algorithm in KemAlgorithm::ALL {
                if let Some(p) = sonet::provider::default_for_kem(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            for &algorithm in SignatureAlgorithm::ALL {
                if let Some(p) = sonet::provider::default_for_signature(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            for algorithm in sonet::hybrid::aead::AeadAlgorithm::ALL {
                if let Some(p) = sonet::provider::default_for_aead(algorithm) {
                    println!("  {:<22} {}", algorithm.name(), p.name);
                }
            }
            ExitCode::SUCCESS
        }
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
