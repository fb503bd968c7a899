//! The pinned-vector reader for unit tests. A test that needs upstream vectors reads them here:
//! with `SONET_VECTORS` unset it says `SKIPPED <test>: …` with the reason and gets `None` (the
//! `*_or_skip!` macros then return from the test), so an offline `cargo test` passes; with the
//! root set, every file is checked against its sha256 pin before the test sees a byte of it, and
//! anything wrong — a path not pinned, a missing or altered file, text that is not UTF-8 or
//! JSON — fails the test.

use std::io::Write;
use std::panic::Location;
use std::path::Path;
use std::sync::OnceLock;

use super::{read_checked, vector_root, Entry, Manifest, VECTORS_ENV};

/// The manifest compiled into this build, parsed once.
fn manifest() -> &'static Manifest {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    MANIFEST.get_or_init(|| {
        // Invariant: the committed manifest parses; `pinned_manifest_parses_and_has_unique_paths`
        // checks it, and every build compiles the same text in.
        Manifest::pinned().expect("vectors/manifest.toml parses")
    })
}

/// The manifest entry for `path`; panics when the file is not pinned, so a test can never
/// read an unchecked file (and a typo fails even where the vectors are absent).
#[track_caller]
fn pinned_entry(path: &str) -> &'static Entry {
    // `match` rather than `unwrap_or_else` here and below: a panic inside a closure would name
    // this file, not the test (`#[track_caller]` does not reach into closures).
    match manifest().entry(path) {
        Some(entry) => entry,
        None => panic!(
            "vector file {path} is not pinned in vectors/manifest.toml; a test may read only \
             pinned files"
        ),
    }
}

/// The bytes of the pinned file `path` under `root`, after checking them against the pin.
/// Panics when the file is not pinned, missing, unreadable or altered.
#[track_caller]
pub fn read_pinned_at(root: &Path, path: &str) -> Vec<u8> {
    let entry = pinned_entry(path);
    match read_checked(root, entry) {
        Ok(bytes) => bytes,
        Err(e) => panic!(
            "{e} (vector root {}: set {VECTORS_ENV} to the pinned vector root; `cargo xtask \
             vectors fetch --dest DIR` downloads it, `cargo xtask vectors check` names what \
             differs)",
            root.display()
        ),
    }
}

/// The bytes of the pinned file `path` (relative to the vector root, e.g.
/// `hkdf/rfc-5869-HKDF-SHA256.txt`), checked against its pin; `None`, after printing why the
/// calling test is skipped, when `SONET_VECTORS` is unset.
#[track_caller]
pub fn pinned(path: &str) -> Option<Vec<u8>> {
    pinned_entry(path);
    let Some(root) = vector_root() else {
        skipped(path);
        return None;
    };
    Some(read_pinned_at(&root, path))
}

/// [`pinned`], as UTF-8 text.
#[track_caller]
pub fn pinned_text(path: &str) -> Option<String> {
    match String::from_utf8(pinned(path)?) {
        Ok(text) => Some(text),
        Err(e) => panic!("vector file {path} is not UTF-8: {e}"),
    }
}

/// [`pinned`], parsed as JSON.
#[track_caller]
pub fn pinned_json(path: &str) -> Option<serde_json::Value> {
    match serde_json::from_slice(&pinned(path)?) {
        Ok(json) => Some(json),
        Err(e) => panic!("vector file {path} is not JSON: {e}"),
    }
}

/// Says that the running test is skipped because it needs `path` and `SONET_VECTORS` is unset.
///
/// The line goes straight to the process's standard error rather than through `eprintln!`,
/// which the test harness captures and shows only for failing tests: a skip must be visible in
/// a passing run. The test is named by its thread (the harness names each test's thread after
/// the test), or by the caller's location where the thread has no test name.
#[track_caller]
fn skipped(path: &str) {
    let caller = Location::caller();
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => format!("{}:{}", caller.file(), caller.line()),
    };
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {test}: {VECTORS_ENV} is unset (needs the pinned upstream vector {path})"
    );
}

/// The verified bytes of a pinned vector file, or — when `SONET_VECTORS` is unset — a SKIPPED
/// line and a `return` from the calling test. For tests that return `()`.
#[macro_export]
macro_rules! pinned_or_skip {
    ($path:expr) => {
        match $crate::vectors::pinned(&$path) {
            ::core::option::Option::Some(bytes) => bytes,
            ::core::option::Option::None => return,
        }
    };
}

/// [`pinned_or_skip!`] as UTF-8 text.
#[macro_export]
macro_rules! pinned_text_or_skip {
    ($path:expr) => {
        match $crate::vectors::pinned_text(&$path) {
            ::core::option::Option::Some(text) => text,
            ::core::option::Option::None => return,
        }
    };
}

/// [`pinned_or_skip!`] parsed as JSON.
#[macro_export]
macro_rules! pinned_json_or_skip {
    ($path:expr) => {
        match $crate::vectors::pinned_json(&$path) {
            ::core::option::Option::Some(json) => json,
            ::core::option::Option::None => return,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "is not pinned")]
    fn an_unpinned_path_panics_with_or_without_a_root() {
        pinned("hkdf/not-a-pinned-file.txt");
    }

    #[test]
    fn a_pinned_file_reads_and_matches_its_pin() {
        let text = crate::pinned_text_or_skip!("hkdf/rfc-5869-HKDF-SHA256.txt");
        assert!(text.contains("COUNT = 1"), "{text}");
        let json = crate::pinned_json_or_skip!("xwing/test-vectors.json");
        assert!(json.is_array(), "{json}");
    }

    #[test]
    fn an_altered_file_panics_naming_it_and_both_hashes() {
        let entry = pinned_entry("hkdf/rfc-5869-HKDF-SHA256.txt");
        let root =
            std::env::temp_dir().join(format!("sonet-testkit-pinned-{}", std::process::id()));
        let file = root.join(&entry.path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"not the pinned text").unwrap();
        let panic = std::panic::catch_unwind(|| read_pinned_at(&root, &entry.path)).unwrap_err();
        let _ = std::fs::remove_dir_all(&root);
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains(&entry.path), "{message}");
        assert!(message.contains(&entry.sha256), "{message}");
        assert!(
            message.contains(&crate::vectors::sha256_hex(b"not the pinned text")),
            "{message}"
        );
    }
}
