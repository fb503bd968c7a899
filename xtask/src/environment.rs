//! The facts about this machine and build that a reviewer needs to judge a report.

use std::path::Path;
use std::process::Command;

use crate::report::{CpuFeature, CrateVersion, Environment};

/// CPU flags that change which code paths the implementations under test take.
const FEATURES: [(&str, &str); 8] = [
    ("aes", "AES-NI"),
    ("pclmulqdq", "PCLMULQDQ (carry-less multiply, GHASH)"),
    ("avx2", "AVX2"),
    ("avx512f", "AVX-512F"),
    ("sha_ni", "SHA extensions"),
    ("bmi2", "BMI2"),
    ("adx", "ADX"),
    ("ssse3", "SSSE3"),
];

/// The crates whose versions a reviewer needs to reproduce the results.
const CRATES: [&str; 11] = [
    "ml-kem",
    "ml-dsa",
    "slh-dsa",
    "fn-dsa",
    "aws-lc-rs",
    "aws-lc-sys",
    "libcrux-ml-kem",
    "libcrux-ml-dsa",
    "sha3",
    "sha2",
    "libtest-mimic",
];

pub fn collect(workspace: &Path) -> Environment {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        cpuinfo
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let flags: Vec<&str> = flags.split_whitespace().collect();
    let git = |args: &[&str]| command_output("git", args, workspace);
    Environment {
        cpu_model: non_empty(field("model name"), std::env::consts::ARCH),
        cpu_features: FEATURES
            .iter()
            .map(|(flag, label)| CpuFeature {
                flag: (*flag).to_owned(),
                label: (*label).to_owned(),
                present: flags.contains(flag),
            })
            .collect(),
        cores: std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1),
        os: os_name(),
        rustc: command_output("rustc", &["-V"], workspace),
        git_revision: git(&["rev-parse", "HEAD"]),
        git_dirty: !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty(),
        profile: "release".to_owned(),
        crates: crate_versions(
            &std::fs::read_to_string(workspace.join("Cargo.lock")).unwrap_or_default(),
        ),
    }
}

fn non_empty(value: String, fallback: &str) -> String {
    if value.is_empty() {
        fallback.to_owned()
    } else {
        value
    }
}

fn os_name() -> String {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let pretty = release
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    format!("{pretty} ({})", std::env::consts::ARCH)
}

fn command_output(program: &str, args: &[&str], dir: &Path) -> String {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Versions from Cargo.lock's `[[package]]` entries for the crates of interest.
fn crate_versions(lock: &str) -> Vec<CrateVersion> {
    let mut found = Vec::new();
    let mut name: Option<&str> = None;
    for line in lock.lines() {
        if line == "[[package]]" {
            name = None;
        } else if let Some(value) = line.strip_prefix("name = ") {
            name = Some(value.trim_matches('"'));
        } else if let (Some(n), Some(value)) = (name, line.strip_prefix("version = ")) {
            if CRATES.contains(&n) {
                found.push(CrateVersion {
                    name: n.to_owned(),
                    version: value.trim_matches('"').to_owned(),
                });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.version.cmp(&b.version)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_come_from_the_lock_file() {
        let lock = "[[package]]\nname = \"ml-kem\"\nversion = \"0.3.4\"\n\n[[package]]\nname = \"other\"\nversion = \"1.0.0\"\n";
        let versions = crate_versions(lock);
        assert_eq!(
            versions,
            vec![CrateVersion {
                name: "ml-kem".into(),
                version: "0.3.4".into()
            }]
        );
    }
}
