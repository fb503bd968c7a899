//! The `tidy` test (after rust-analyzer's): checks over the whole source tree that keep the
//! layout's rules and the invariants of `ARCHITECTURE.md` true, so a change that breaks one
//! fails `cargo test` with the file and the rule named, instead of waiting for a reviewer.
//!
//! Each check reads the files as text; none needs a build.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::workspace_root;

/// No source file grows past this many lines: split it along the seams it already marks.
const MAX_LINES: usize = 1_700;

/// The only file of the library allowed `unsafe` code (the crate denies it everywhere else).
const FFI_FILE: &str = "src/crypto/aws_lc/ffi.rs";

/// Every `.rs` file of the workspace (not `target/`, not hidden folders), relative to the root.
fn rust_files() -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "reports" {
                    walk(root, &path, out);
                }
            } else if name.ends_with(".rs") {
                out.push(
                    path.strip_prefix(root)
                        .expect("under the root")
                        .to_path_buf(),
                );
            }
        }
    }
    let root = workspace_root();
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    assert!(
        files.len() > 100,
        "found only {} .rs files under {}",
        files.len(),
        root.display()
    );
    files
}

fn read(path: &Path) -> String {
    fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// `path` with `/` separators, for messages and comparisons.
fn slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The lines of `text` that are code, not comments (a line comment's text is dropped; block
/// comments are not used for prose in this project).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let code = line.split("//").next().unwrap_or("");
        (!code.trim().is_empty()).then_some((i + 1, code))
    })
}

/// Fails with every violation at once, so one run lists them all.
fn report(rule: &str, violations: Vec<String>) {
    assert!(
        violations.is_empty(),
        "{rule}:\n  {}",
        violations.join("\n  ")
    );
}

#[test]
fn every_file_opens_with_a_module_doc() {
    let violations = rust_files()
        .into_iter()
        .filter(|path| !read(path).trim_start().starts_with("//!"))
        .map(|path| slash(&path))
        .collect();
    report(
        "every .rs file opens with a `//!` line saying what it is for",
        violations,
    );
}

#[test]
fn no_file_is_included_by_path() {
    let mut violations = Vec::new();
    for path in rust_files() {
        for (n, code) in code_lines(&read(&path)) {
            // Spelled in two pieces so this file does not match itself.
            if code.contains(concat!("#[", "path")) {
                violations.push(format!("{}:{n}", slash(&path)));
            }
        }
    }
    report(
        "no path-attribute includes: code shared between crates lives in a crate (testkit)",
        violations,
    );
}

#[test]
fn no_file_is_too_long() {
    let violations = rust_files()
        .into_iter()
        .filter_map(|path| {
            let lines = read(&path).lines().count();
            (lines > MAX_LINES).then(|| format!("{} has {lines} lines", slash(&path)))
        })
        .collect();
    report(
        &format!("no .rs file is over {MAX_LINES} lines; split it along its seams"),
        violations,
    );
}

#[test]
fn unsafe_code_lives_only_in_the_aws_lc_ffi() {
    let mut violations = Vec::new();
    for path in rust_files() {
        if slash(&path) == FFI_FILE || slash(&path).starts_with("xtask/src/tidy.rs") {
            continue;
        }
        for (n, code) in code_lines(&read(&path)) {
            // The keyword as Rust uses it (`unsafe {`, `unsafe fn`, `unsafe extern`, …), not
            // the word inside a string such as CSP's 'unsafe-inline'.
            if code
                .split_whitespace()
                .any(|token| token == "unsafe" || token.starts_with("unsafe{"))
            {
                violations.push(format!("{}:{n}", slash(&path)));
            }
        }
    }
    report(&format!("`unsafe` appears only in {FFI_FILE}"), violations);
    assert!(
        read(Path::new(FFI_FILE)).contains("// SAFETY:"),
        "{FFI_FILE} explains its unsafe blocks with SAFETY comments"
    );
}

/// The library's layers, lowest first, and the modules of `crate::` each may use: data flows one
/// way, `crypto` ← `hybrid` ← `mls` ← `service`.
const LAYERS: [(&str, &[&str]); 5] = [
    ("src/crypto/", &["crypto", "secret"]),
    ("src/hybrid/", &["crypto", "hybrid", "secret"]),
    ("src/mls/", &["crypto", "hybrid", "mls", "secret"]),
    ("src/bus/", &["bus", "secret"]),
    (
        "src/service/",
        &["bus", "crypto", "hybrid", "mls", "secret", "service"],
    ),
];

#[test]
fn library_layers_depend_only_downwards() {
    let mut violations = Vec::new();
    for path in rust_files() {
        let name = slash(&path);
        let Some((_, allowed)) = LAYERS.iter().find(|(dir, _)| name.starts_with(dir)) else {
            continue;
        };
        for (n, code) in code_lines(&read(&path)) {
            for used in code.split("crate::").skip(1) {
                let module: String = used
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !module.is_empty() && !allowed.contains(&module.as_str()) {
                    violations.push(format!("{name}:{n} uses crate::{module}"));
                }
            }
        }
    }
    report(
        "the library's layers depend only downwards (crypto <- hybrid <- mls <- service)",
        violations,
    );
}

/// What of `sonet` the oracle may name: the primitives, the secret type, and the decoded
/// passive-client vector (plain data, the format the engine's suite reads too).
const ORACLE_MAY_USE: [&str; 3] = ["mls::primitives", "secret::", "mls::PassiveClientCase"];

#[test]
fn the_oracle_uses_only_sonets_primitives_and_secrets() {
    let mut violations = Vec::new();
    for path in rust_files() {
        let name = slash(&path);
        if !name.starts_with("oracle/") {
            continue;
        }
        for (n, code) in code_lines(&read(&path)) {
            if code.contains("openmls") {
                violations.push(format!("{name}:{n} names openmls"));
            }
            for used in code.split("sonet::").skip(1) {
                if !ORACLE_MAY_USE
                    .iter()
                    .any(|allowed| used.starts_with(allowed))
                {
                    violations.push(format!("{name}:{n} uses sonet::{}", used.trim()));
                }
            }
        }
    }
    report(
        "the oracle shares no code with openmls: of sonet it names only mls::primitives, \
         secret and the PassiveClientCase vector format",
        violations,
    );
}

/// The `[dependencies]` table of a `Cargo.toml` (normal dependencies only).
fn normal_dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = read(manifest);
    let parsed: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    parsed
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| deps.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn the_product_never_links_a_peer() {
    const PEERS: [&str; 7] = [
        "ring",
        "libcrux-ml-kem",
        "libcrux-ml-dsa",
        "mls-rs",
        "mls-rs-crypto-rustcrypto",
        "mls-rs-crypto-openssl",
        "sonet-testkit",
    ];
    let deps = normal_dependencies(Path::new("Cargo.toml"));
    let linked: Vec<String> = PEERS
        .iter()
        .filter(|peer| deps.contains(**peer))
        .map(|peer| format!("Cargo.toml [dependencies] has {peer}"))
        .collect();
    report(
        "the sonet library and binary never link a peer implementation (peers belong to \
         bench/, testkit's `peers` feature and the suites' dev-dependencies)",
        linked,
    );
    // The same rule one level down: the oracle must not reach openmls through a dependency.
    let oracle = normal_dependencies(Path::new("oracle/Cargo.toml"));
    assert!(
        !oracle.iter().any(|d| d.starts_with("openmls")),
        "oracle/Cargo.toml depends on openmls: {oracle:?}"
    );
}

#[test]
fn sonet_vectors_is_named_in_one_place() {
    let mut violations = Vec::new();
    for path in rust_files() {
        let name = slash(&path);
        if name.starts_with("testkit/src/vectors/") || name == "xtask/src/tidy.rs" {
            continue;
        }
        for (n, code) in code_lines(&read(&path)) {
            if code.contains("\"SONET_VECTORS\"") {
                violations.push(format!("{name}:{n}"));
            }
        }
    }
    report(
        "the SONET_VECTORS variable is read only through sonet_testkit::vectors (VECTORS_ENV, \
         vector_root), so every vector read is sha256-checked the same way",
        violations,
    );
}

#[test]
fn the_architecture_names_every_crate_and_top_folder() {
    let architecture = read(Path::new("ARCHITECTURE.md"));
    let root = workspace_root();
    let mut violations = Vec::new();
    let entries = fs::read_dir(&root).expect("the workspace root lists");
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !path.is_dir() || name.starts_with('.') || name == "target" {
            continue;
        }
        if !architecture.contains(&format!("`{name}/")) {
            violations.push(format!("{name}/"));
        }
    }
    report(
        "ARCHITECTURE.md's code map names every top folder (as `name/…`)",
        violations,
    );
}
