//! `cargo xtask`: Sonet's automation (rust-analyzer's xtask pattern; all of it in Rust). This
//! file only dispatches: each command has its module, and the modules import each other in
//! one direction (verify → bench → end_to_end → broker → common).

mod bench;
mod broker;
mod common;
mod end_to_end;
mod environment;
mod report;
mod test;
#[cfg(test)]
mod tidy;
mod vectors;
mod verify;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use sonet_testkit::vectors::{vector_root, Manifest};

use common::{cargo, workspace_root, Flags};

const HELP: &str = "\
cargo xtask — Sonet automation

USAGE:
    cargo xtask verify [--suite NAME]... [--out DIR] [--bench-profile quick|full|none]
                       [--save-baseline NAME] [--baseline NAME]
        Check the pinned vectors, run the conformance suites in release mode, run the
        benchmarks (default: the quick profile, about three minutes, with the end-to-end runs
        of `bench`), and write the compliance report (index.html, report.md, results.json,
        junit.xml, bench.json) to DIR (default reports/<UTC timestamp>/; reports/latest points
        at the newest). Exits non-zero if any case failed, any vector file is missing or
        altered, a requested suite could not run, or the benchmarks could not run (an
        end-to-end run that lost, duplicated or reordered a message counts). Suites: fips203,
        fips204, fips205, fndsa, kats, aead, hkdf, hpke, xwing, hybrid, rfc9420, interop.
        --save-baseline / --baseline as for `bench`: report.md then lists every benchmark that
        moved by 5 % or more against the baseline.

    cargo xtask bench [--profile full|quick] [--save-baseline NAME] [--baseline NAME] [--out DIR]
        Run the criterion benchmarks of bench/ (default: the full profile, every parameter
        set) with Sonet's providers and the peers (ring, libcrux) side by side, and write
        bench.json (criterion's estimates with 95 % intervals, ratios to the fastest peer, the
        hybrid overhead) and bench.md to DIR (default reports/bench-<UTC timestamp>/).
        Then the end-to-end service benchmark: `sonet loadgen --spawn` (a server in process,
        real MLS clients over gRPC on loopback, every delivery checked) on the embedded bus,
        1 group × 3 members × 1000 messages (full profile also 4×5×1000 and 1×3×5000), and the
        same on the Kafka bus when the broker of `cargo xtask broker start` runs and answers
        (or SONET_KAFKA_BROKERS is set); without one the Kafka runs are reported as not run.
        Their figures go to bench.json and <target>/loadgen/<bus>-<G>x<M>x<N>.json; they judge
        the claim perf-mls-throughput. Exits non-zero if an end-to-end run lost, duplicated
        or reordered a message or could not run (its figures are still written).
        --save-baseline keeps this run's estimates under NAME (target/bench-baselines/);
        --baseline shows each benchmark's change against a saved NAME.

    cargo xtask test [ARGS]...
        Run the whole workspace test suite (release profile, the same build the suites use);
        ARGS go to `cargo test`. Passes SONET_KAFKA_BROKERS when the broker of `broker start`
        runs, and SONET_TANSU_BIN when tansu is installed; without a broker the Kafka
        end-to-end tests report skipped.

    cargo xtask broker install|start [--port N]|stop|status|path
        Manage the local Kafka-API broker (tansu 0.6.0, built once per machine into the cache)
        that the end-to-end tests use; `cargo xtask broker --help` explains each verb.

    cargo xtask report --from DIR [--out DIR]
        Render the report again from DIR/results.json.

    cargo xtask vectors check [--dir DIR]
        Verify every pinned vector file (vectors/manifest.toml) under DIR
        (default: $SONET_VECTORS). Names each missing or altered file with both hashes.

    cargo xtask vectors fetch --dest DIR [--base-url URL]
        Download the pinned files from their upstream repositories at the pinned commits,
        unpack where needed, and check each against its sha256.

    cargo xtask vectors generate
        Regenerate Sonet's own vector files in vectors/sonet/ from their fixed seeds (ML-KEM /
        ML-DSA KATs in libcrux's layout, hybrid-envelope vectors), and the passive-client
        vectors of the draft PQ MLS suites (mls-pq-passive-client.json; MLS is randomized, so
        that file differs on every run — regenerate it only when its content must change).

ENVIRONMENT:
    SONET_VECTORS           folder holding the pinned vectors. When unset, verify and test use
                            a per-user cache ($XDG_CACHE_HOME/sonet/vectors or
                            ~/.cache/sonet/vectors) and download what is missing into it.
    SONET_VECTORS_BASE_URL  where `fetch` downloads from (default https://raw.githubusercontent.com)
    SONET_BENCH_PROFILE     quick or full, for `cargo bench` run by hand (xtask sets it)
    SONET_CACHE_DIR         the per-machine cache for tansu (default $XDG_CACHE_HOME/sonet or
                            ~/.cache/sonet)
    SONET_KAFKA_BROKERS     Kafka bootstrap address for the end-to-end tests (`xtask test` sets it
                            when the broker runs; kept if already set) and for the Kafka runs of
                            the end-to-end benchmark (default: the broker of `broker start`)
    SONET_TANSU_BIN         the tansu binary tests may start private brokers with (`xtask test`
                            sets it when tansu is installed)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", &[][..]),
    };
    // `cargo xtask verify --help`, `bench --help`: the usage text (`test` passes its arguments to
    // cargo test, `broker` has its own).
    if matches!(command, "verify" | "bench" | "report" | "vectors")
        && rest.iter().any(|a| a == "-h" || a == "--help")
    {
        println!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    match command {
        "verify" => verify::run(rest),
        "test" => test::run(rest),
        "report" => report::run(rest),
        "bench" => bench::command(rest),
        "vectors" => vectors_command(rest),
        "broker" => broker::command(rest),
        "help" | "-h" | "--help" => {
            println!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => {
            eprintln!("error: unknown command {other:?}\n\n{HELP}");
            Ok(ExitCode::from(2))
        }
    }
}

fn vectors_command(args: &[String]) -> Result<ExitCode> {
    let manifest = Manifest::pinned()?;
    match args.split_first() {
        Some((cmd, rest)) if cmd == "check" => {
            let flags = Flags::parse(rest, &["dir"])?;
            let dir = match flags.one("dir") {
                Some(dir) => PathBuf::from(dir),
                None => vector_root().context("give --dir DIR or set SONET_VECTORS")?,
            };
            let check = vectors::check(&manifest, &dir);
            Ok(if vectors::print_check(&check) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some((cmd, rest)) if cmd == "fetch" => {
            let flags = Flags::parse(rest, &["dest", "base-url"])?;
            let dest = PathBuf::from(flags.one("dest").context("--dest DIR is required")?);
            let base = flags.one("base-url").unwrap_or_else(vectors::base_url);
            let fetched = vectors::fetch(&manifest, &dest, &base, true)?;
            eprintln!("vectors: fetched {fetched} files into {}", dest.display());
            let check = vectors::check(&manifest, &dest);
            Ok(if vectors::print_check(&check) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some((cmd, rest)) if cmd == "generate" => {
            Flags::parse(rest, &[])?;
            let dir = workspace_root().join("vectors").join("sonet");
            let status = Command::new(cargo())
                .current_dir(workspace_root())
                .args([
                    "run",
                    "--release",
                    "-p",
                    "sonet-suites",
                    "--bin",
                    "sonet-suites",
                    "--",
                ])
                .arg("generate")
                .arg("--out")
                .arg(&dir)
                .status()
                .context("running the KAT generator")?;
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => {
            eprintln!(
                "error: expected `vectors check`, `vectors fetch` or `vectors generate`\n\n{HELP}"
            );
            Ok(ExitCode::from(2))
        }
    }
}
