//! `cargo xtask report`: renders a report again from its `results.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sonet_report::model::Report;

use crate::common::Flags;

pub fn run(args: &[String]) -> Result<ExitCode> {
    let flags = Flags::parse(args, &["from", "out"])?;
    let from = PathBuf::from(flags.one("from").context("--from DIR is required")?);
    let out = flags
        .one("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| from.clone());
    let path = from.join("results.json");
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let report: Report =
        serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))?;
    std::fs::create_dir_all(&out)?;
    sonet_report::render::write_all(&report, &out)?;
    eprintln!("report: {}", out.join("index.html").display());
    Ok(ExitCode::SUCCESS)
}
