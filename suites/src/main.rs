//! `sonet-suites`: tools that need the implementation itself (the suites run from
//! `cargo test --test conformance`; see `cargo xtask verify`).

use std::path::PathBuf;
use std::process::ExitCode;

use sonet_suites::rfc9420::differential as rfc9420_differential;
use sonet_suites::{hybrid, kats};

const USAGE: &str = "\
sonet-suites — Sonet conformance tooling

USAGE:
    sonet-suites generate --out DIR [--provider NAME]
        Write Sonet's own vector files from their fixed seeds: the ML-KEM / ML-DSA KATs
        (libcrux JSON layout, computed with the named provider; default rustcrypto) and the
        hybrid-envelope vectors.
    sonet-suites list
        List the suites and their vector sets.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") => generate(&args[1..]),
        Some("list") => {
            for suite in sonet_suites::all() {
                println!("{} — {}", suite.name, suite.description);
                for job in (suite.jobs)() {
                    println!("    {}", job.name());
                }
            }
            ExitCode::SUCCESS
        }
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown command {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn generate(args: &[String]) -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut provider_name = "rustcrypto".to_owned();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match (arg.as_str(), iter.next()) {
            ("--out", Some(dir)) => out = Some(PathBuf::from(dir)),
            ("--provider", Some(name)) => provider_name = name.clone(),
            _ => {
                eprintln!("error: unexpected argument {arg:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(out) = out else {
        eprintln!("error: --out DIR is required\n\n{USAGE}");
        return ExitCode::from(2);
    };
    let Some(provider) = sonet::crypto::provider(&provider_name) else {
        eprintln!("error: no provider named {provider_name:?}");
        return ExitCode::from(2);
    };
    let written = kats::write_all(provider, &out).and_then(|mut paths| {
        paths.push(hybrid::write(&out)?);
        paths.push(rfc9420_differential::write_pq_vectors(&out)?);
        Ok(paths)
    });
    match written {
        Ok(paths) => {
            for path in paths {
                eprintln!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
