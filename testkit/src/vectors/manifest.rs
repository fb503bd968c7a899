//! The pinned-vector manifest (`vectors/manifest.toml`): every upstream file the suites read,
//! with its repository, commit, upstream path, size and sha256.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest committed with the source, so a build always checks against the pins it was
/// written for.
pub const MANIFEST_TOML: &str = include_str!("../../../vectors/manifest.toml");

/// How a file is stored upstream when it is not byte-identical to the pinned file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unpack {
    /// Upstream holds a gzip stream of the file.
    Gunzip,
    /// Upstream holds a zip archive whose single entry is the file.
    Unzip,
}

/// One pinned file (a `[[file]]` table): where it lives under the vector root, where it comes
/// from upstream, and the size and sha256 it must have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the vector root (`SONET_VECTORS`).
    pub path: String,
    /// GitHub repository, "owner/name".
    pub repo: String,
    /// The upstream commit the file is pinned at (40 hex digits).
    pub commit: String,
    /// The file's path inside the upstream repository at that commit.
    pub upstream_path: String,
    /// The sha256 of the pinned file (after unpacking), lowercase hex.
    pub sha256: String,
    /// The pinned file's size in bytes (after unpacking).
    pub size: u64,
    /// How upstream stores the file, when not byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpack: Option<Unpack>,
    /// The upstream licence of the file, when the manifest records one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub license: String,
}

impl Entry {
    /// Verifies bytes against the pin.
    pub fn check(&self, bytes: &[u8]) -> Result<(), VectorFileError> {
        let actual = sha256_hex(bytes);
        if actual != self.sha256 {
            return Err(VectorFileError::Altered {
                path: self.path.clone(),
                expected: self.sha256.clone(),
                actual,
                size: bytes.len() as u64,
                expected_size: self.size,
            });
        }
        Ok(())
    }
}

/// `vectors/manifest.toml`: every pinned upstream file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The pinned files, in manifest order.
    #[serde(rename = "file")]
    pub files: Vec<Entry>,
}

/// Why a pinned vector file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VectorFileError {
    /// The file is not under the vector root.
    #[error("vector file {path} is missing (looked for {full})")]
    Missing {
        /// The manifest path.
        path: String,
        /// Where it was looked for.
        full: String,
    },
    /// The file's bytes do not match its pin.
    #[error("vector file {path} is altered: sha256 {actual} ({size} bytes), pinned {expected} ({expected_size} bytes)")]
    Altered {
        /// The manifest path.
        path: String,
        /// The pinned sha256.
        expected: String,
        /// The sha256 of the bytes found.
        actual: String,
        /// The size of the bytes found.
        size: u64,
        /// The pinned size.
        expected_size: u64,
    },
    /// The file exists but cannot be read (or, for text and JSON readers, decoded).
    #[error("vector file {path} cannot be read: {reason}")]
    Unreadable {
        /// The manifest path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The path is not in the manifest, so no pin vouches for it.
    #[error("vector file {0} is not pinned in vectors/manifest.toml")]
    NotPinned(String),
    /// The manifest itself does not parse.
    #[error("vectors/manifest.toml is invalid: {0}")]
    BadManifest(String),
}

impl Manifest {
    /// Parses a manifest's TOML text.
    pub fn parse(text: &str) -> Result<Self, VectorFileError> {
        toml::from_str(text).map_err(|e| VectorFileError::BadManifest(e.to_string()))
    }

    /// The manifest compiled into this build.
    pub fn pinned() -> Result<Self, VectorFileError> {
        Self::parse(MANIFEST_TOML)
    }

    /// The entry pinning `path` (relative to the vector root), if any.
    pub fn entry(&self, path: &str) -> Option<&Entry> {
        self.files.iter().find(|e| e.path == path)
    }

    /// Checks every pinned file under `root`, returning one result per file.
    pub fn check_all(&self, root: &Path) -> Vec<(Entry, Result<(), VectorFileError>)> {
        self.files
            .iter()
            .map(|e| (e.clone(), read_checked(root, e).map(|_| ())))
            .collect()
    }
}

/// Reads a pinned file and verifies it before returning its bytes.
pub fn read_checked(root: &Path, entry: &Entry) -> Result<Vec<u8>, VectorFileError> {
    let full: PathBuf = root.join(&entry.path);
    let bytes = match std::fs::read(&full) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VectorFileError::Missing {
                path: entry.path.clone(),
                full: full.display().to_string(),
            })
        }
        Err(e) => {
            return Err(VectorFileError::Unreadable {
                path: entry.path.clone(),
                reason: e.to_string(),
            })
        }
    };
    entry.check(&bytes)?;
    Ok(bytes)
}

/// The sha256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        use fmt::Write;
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_manifest_parses_and_has_unique_paths() {
        let m = Manifest::pinned().unwrap();
        assert!(m.files.len() >= 100, "{} files", m.files.len());
        let mut paths: Vec<&str> = m.files.iter().map(|e| e.path.as_str()).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), m.files.len());
        for e in &m.files {
            assert_eq!(e.sha256.len(), 64, "{}", e.path);
            assert_eq!(e.commit.len(), 40, "{}", e.path);
        }
    }

    #[test]
    fn a_changed_byte_is_reported_with_both_hashes() {
        let dir = std::env::temp_dir().join(format!("sonet-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let content = b"hello vectors";
        let entry = Entry {
            path: "x.txt".into(),
            repo: "o/r".into(),
            commit: "0".repeat(40),
            upstream_path: "x.txt".into(),
            sha256: sha256_hex(content),
            size: content.len() as u64,
            unpack: None,
            license: String::new(),
        };
        std::fs::write(dir.join("x.txt"), content).unwrap();
        assert!(read_checked(&dir, &entry).is_ok());
        std::fs::write(dir.join("x.txt"), b"hellO vectors").unwrap();
        let err = read_checked(&dir, &entry).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("x.txt") && text.contains(&entry.sha256),
            "{text}"
        );
        assert!(text.contains(&sha256_hex(b"hellO vectors")), "{text}");
        std::fs::remove_file(dir.join("x.txt")).unwrap();
        assert!(matches!(
            read_checked(&dir, &entry),
            Err(VectorFileError::Missing { .. })
        ));
    }
}
