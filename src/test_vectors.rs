//! The pinned upstream test vectors, for the crate's unit tests.
//!
//! Every file is read from the vector root (`$SONET_VECTORS`, or `../shared/vectors` next to the
//! workspace) and checked against the sha256 `vectors/manifest.toml` pins for it before a test
//! sees a byte of it, so a unit test never trusts a file the conformance suites would refuse.
//!
//! The manifest is read with a line scanner rather than a TOML parser: it is a flat list of
//! `[[file]]` tables whose `path` and `sha256` are one-line basic strings, which is all this
//! module needs from it (the suites' `Manifest` checks the rest).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// `$SONET_VECTORS`, or `../shared/vectors` next to the workspace.
pub(crate) fn vector_root() -> PathBuf {
    std::env::var_os("SONET_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors"))
}

fn manifest_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors/manifest.toml")
}

/// The value of a `key = "value"` line, if `line` is one for `key`.
fn string_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
    rest.trim().strip_prefix('"')?.strip_suffix('"')
}

/// Every `path` of `manifest` with its pinned `sha256`, one per `[[file]]` table.
fn parse_manifest(manifest: &str) -> HashMap<String, String> {
    let manifest_name = || manifest_path().display().to_string();
    let mut pins = HashMap::new();
    let mut entry: Option<(Option<String>, Option<String>)> = None;
    let mut finish = |entry: Option<(Option<String>, Option<String>)>| {
        let Some((path, sha256)) = entry else {
            return;
        };
        let path = path.unwrap_or_else(|| panic!("{}: a [[file]] without a path", manifest_name()));
        let sha256 =
            sha256.unwrap_or_else(|| panic!("{}: {path} has no sha256 pin", manifest_name()));
        assert!(
            sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()),
            "{}: the sha256 pinned for {path} is not 64 hex digits: {sha256:?}",
            manifest_name()
        );
        if let Some(previous) = pins.insert(path.clone(), sha256.to_ascii_lowercase()) {
            panic!(
                "{}: {path} is pinned twice (once as {previous})",
                manifest_name()
            );
        }
    };
    for line in manifest.lines().map(str::trim) {
        if line == "[[file]]" {
            finish(entry.take());
            entry = Some((None, None));
        } else if let Some((path, sha256)) = entry.as_mut() {
            if let Some(value) = string_value(line, "path") {
                *path = Some(value.to_owned());
            } else if let Some(value) = string_value(line, "sha256") {
                *sha256 = Some(value.to_owned());
            }
        }
    }
    finish(entry);
    pins
}

/// The sha256 `vectors/manifest.toml` pins for `path`, as lowercase hex.
fn pinned_sha256(path: &str) -> &'static str {
    static PINS: OnceLock<HashMap<String, String>> = OnceLock::new();
    let pins = PINS.get_or_init(|| {
        let manifest_path = manifest_path();
        let manifest = std::fs::read_to_string(&manifest_path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest_path.display()));
        parse_manifest(&manifest)
    });
    pins.get(path).map(String::as_str).unwrap_or_else(|| {
        panic!(
            "vector file {path} is not pinned in {}; a unit test may read only pinned files",
            manifest_path().display()
        )
    })
}

/// The bytes of the vector file `path` (relative to [`vector_root`], e.g.
/// `hkdf/rfc-5869-HKDF-SHA256.txt`), after checking them against the manifest's sha256.
pub(crate) fn read_pinned(path: &str) -> Vec<u8> {
    let pinned = pinned_sha256(path);
    let full = vector_root().join(path);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| {
        panic!(
            "cannot read vector file {path} at {}: {e} (set SONET_VECTORS to the pinned vector \
             root; `cargo xtask vectors fetch --dest DIR` downloads it)",
            full.display()
        )
    });
    let actual = hex::encode(Sha256::digest(&bytes));
    assert!(
        actual == pinned,
        "vector file {path} at {} has sha256 {actual}, but vectors/manifest.toml pins {pinned}: \
         it is not the pinned file (check SONET_VECTORS, or run `cargo xtask vectors check`)",
        full.display()
    );
    bytes
}

/// [`read_pinned`], as UTF-8 text.
pub(crate) fn read_pinned_text(path: &str) -> String {
    String::from_utf8(read_pinned(path))
        .unwrap_or_else(|e| panic!("vector file {path} is not UTF-8: {e}"))
}

/// [`read_pinned`], parsed as JSON.
pub(crate) fn read_pinned_json(path: &str) -> serde_json::Value {
    serde_json::from_slice(&read_pinned(path))
        .unwrap_or_else(|e| panic!("vector file {path} is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_file_reads_and_matches_its_pin() {
        let text = read_pinned_text("hkdf/rfc-5869-HKDF-SHA256.txt");
        assert!(text.contains("COUNT = 1"), "{text}");
        let json = read_pinned_json("xwing/test-vectors.json");
        assert!(json.is_array(), "{json}");
    }

    #[test]
    #[should_panic(expected = "is not pinned")]
    fn an_unpinned_path_panics() {
        read_pinned("hkdf/not-a-pinned-file.txt");
    }

    #[test]
    fn the_scanner_reads_each_table_and_ignores_other_keys() {
        let manifest = "# comment\n\n[[file]]\npath = \"a/b.json\"\nrepo = \"x/y\"\n\
                        sha256 = \"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"\n\
                        size = 3\n\n[[file]]\nsha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"\n\
                        upstream_path = \"c\"\npath = \"c\"\n";
        let pins = parse_manifest(manifest);
        assert_eq!(pins.len(), 2);
        assert_eq!(
            pins["a/b.json"],
            "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
        );
        assert_eq!(pins["c"], "0".repeat(64));
    }

    #[test]
    fn the_real_manifest_pins_every_file_once() {
        let manifest = std::fs::read_to_string(manifest_path()).unwrap();
        let tables = manifest.lines().filter(|l| l.trim() == "[[file]]").count();
        assert_eq!(parse_manifest(&manifest).len(), tables);
    }
}
