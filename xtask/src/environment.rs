//! The facts about this machine and build that a reviewer needs to judge a report.

use std::path::Path;
use std::process::Command;

use sonet_report::model::{Backend, CpuFeature, CrateVersion, Environment};

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
        rustflags: std::env::var("RUSTFLAGS")
            .or_else(|_| std::env::var("CARGO_BUILD_RUSTFLAGS"))
            .unwrap_or_default(),
        backends: backends(&flags),
    }
}

/// Which code path each implementation that dispatches on the CPU at run time takes here,
/// from the flags it tests. (The RustCrypto ML-KEM, ML-DSA and SLH-DSA arithmetic has no SIMD
/// backend and is not listed.)
fn backends(flags: &[&str]) -> Vec<Backend> {
    let has = |flag: &str| flags.contains(&flag);
    let x86 = cfg!(target_arch = "x86_64");
    let pick = |fast: bool, yes: &str, no: &str| if x86 && fast { yes } else { no }.to_owned();
    vec![
        Backend {
            implementation: "RustCrypto aes + ghash (aes-gcm, rust-hpke, X-Wing envelope)".into(),
            selected: pick(
                has("aes") && has("pclmulqdq"),
                "AES-NI and PCLMULQDQ intrinsics (runtime-detected)",
                "portable constant-time software (no AES-NI/PCLMULQDQ)",
            ),
        },
        Backend {
            implementation: "RustCrypto sha2 (SHA-256/512 in HKDF, SLH-DSA-SHA2)".into(),
            selected: pick(
                has("sha_ni"),
                "SHA extensions (runtime-detected)",
                "portable software (no SHA extensions)",
            ),
        },
        Backend {
            implementation: "aws-lc (AES-GCM, ML-KEM, ML-DSA)".into(),
            selected: pick(
                has("aes") && has("pclmulqdq") && has("avx2"),
                "its own CPU dispatch: AES-NI/PCLMULQDQ AES-GCM, AVX2 ML-KEM/ML-DSA",
                "its own CPU dispatch: no AES-NI/PCLMULQDQ/AVX2 path on this CPU",
            ),
        },
        Backend {
            implementation: "ring (AES-GCM peer)".into(),
            selected: pick(
                has("aes") && has("pclmulqdq"),
                "AES-NI/PCLMULQDQ assembly (runtime-detected)",
                "portable fallback",
            ),
        },
        Backend {
            implementation: "libcrux (ML-KEM, ML-DSA oracle and peer)".into(),
            selected: pick(has("avx2"), "AVX2 (runtime-detected)", "portable"),
        },
    ]
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
    fn backends_follow_the_cpu_flags() {
        let fast = backends(&["aes", "pclmulqdq", "avx2", "sha_ni"]);
        let slow = backends(&[]);
        assert_eq!(fast.len(), slow.len());
        if cfg!(target_arch = "x86_64") {
            assert!(fast[0].selected.starts_with("AES-NI"));
            assert!(slow[0].selected.starts_with("portable"));
            assert!(fast[4].selected.starts_with("AVX2"));
        }
    }

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
