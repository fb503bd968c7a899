//! What every command shares: where the workspace and cargo's target folder are, how to run
//! cargo, the `--name VALUE` flags, the benchmark profile, and the report folder's name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Cargo's target directory (criterion's output and the benchmark baselines live under it).
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        }
        None => root.join("target"),
    }
}

/// Flags of the form `--name VALUE`; `repeatable` ones may appear several times.
pub struct Flags {
    values: Vec<(String, String)>,
}

impl Flags {
    pub fn parse(args: &[String], known: &[&str]) -> Result<Self> {
        let mut values = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (arg.as_str(), None),
            };
            let Some(name) = name.strip_prefix("--").filter(|n| known.contains(n)) else {
                bail!("unexpected argument {arg:?} (see `cargo xtask help`)");
            };
            let value = match inline {
                Some(v) => v,
                None => iter
                    .next()
                    .cloned()
                    .with_context(|| format!("--{name} needs a value"))?,
            };
            values.push((name.to_owned(), value));
        }
        Ok(Self { values })
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.values
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn one(&self, name: &str) -> Option<String> {
        self.all(name).pop()
    }
}

/// How long to measure: `quick` is what `cargo xtask verify` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Quick,
    Full,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Quick => "quick",
            Self::Full => "full",
        }
    }
}

/// The criterion benchmark binaries of `bench/`.
pub const BENCH_TARGETS: [&str; 4] = ["aead", "pqc", "hybrid", "mls"];

/// Why the Kafka runs and cases are skipped when no broker runs.
pub const NO_BROKER: &str = "no broker: cargo xtask broker start";

pub fn utc_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

pub fn timestamp_folder(now: time::OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// The command as typed, for the report.
pub fn command_line(command: &str, args: &[String]) -> String {
    std::iter::once(format!("cargo xtask {command}"))
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// `--out DIR` against the working directory (absolute, because cargo runs the suites from
/// the package folder), or `reports/<default_folder>`.
pub fn out_dir(flags: &Flags, root: &Path, default_folder: String) -> Result<PathBuf> {
    let out = match flags.one("out") {
        Some(dir) => std::env::current_dir()
            .context("reading the working directory")?
            .join(dir),
        None => root.join("reports").join(default_folder),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_accept_repeats_and_inline_values() {
        let args: Vec<String> = ["--suite", "fips203", "--suite=fips204", "--out", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let flags = Flags::parse(&args, &["suite", "out"]).unwrap();
        assert_eq!(flags.all("suite"), vec!["fips203", "fips204"]);
        assert_eq!(flags.one("out").as_deref(), Some("x"));
        assert!(Flags::parse(&["--bogus".to_string()], &["suite"]).is_err());
        assert!(Flags::parse(&["--suite".to_string()], &["suite"]).is_err());
    }

    #[test]
    fn timestamp_folders_sort_chronologically() {
        let t = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert_eq!(timestamp_folder(t), "20270115T080000Z");
    }
}
