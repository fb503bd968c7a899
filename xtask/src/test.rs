//! `cargo xtask test`: the whole workspace test suite in the release profile, with the pinned
//! vectors and, when one runs, the local Kafka broker.

use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use sonet_testkit::vectors::{Manifest, VECTORS_ENV};

use crate::common::{cargo, workspace_root};
use crate::{broker, vectors};

pub fn run(args: &[String]) -> Result<ExitCode> {
    let manifest = Manifest::pinned()?;
    let vectors_root = vectors::resolve_root(&manifest)?;
    let root = workspace_root();
    let status = Command::new(cargo())
        .current_dir(&root)
        .args(["test", "--workspace", "--release"])
        .args(args)
        .env(VECTORS_ENV, &vectors_root)
        .envs(broker::test_env(&root))
        .status()
        .context("running cargo test")?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
