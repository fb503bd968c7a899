//! Reading pinned vector files: every read is checked against the manifest first.

use sonet_report::model::Source;
use std::path::{Path, PathBuf};

use sonet_testkit::vectors::{
    beside_workspace, read_checked, sha256_hex, vector_root, Entry, Manifest, VectorFileError,
    VECTORS_ENV,
};

/// A vector root plus the manifest its files must match.
#[derive(Debug, Clone)]
pub struct VectorStore {
    root: PathBuf,
    manifest: Manifest,
}

impl VectorStore {
    /// A store reading from `root`, checked against the manifest compiled into this build
    /// (`vectors/manifest.toml`).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, VectorFileError> {
        Ok(Self {
            root: root.into(),
            manifest: Manifest::pinned()?,
        })
    }

    /// `SONET_VECTORS`, or `../shared/vectors` beside the workspace (the layout this project is
    /// developed in) when that exists.
    pub fn from_env() -> Result<Self, String> {
        if let Some(dir) = vector_root() {
            return Self::new(dir).map_err(|e| e.to_string());
        }
        let beside = beside_workspace();
        if beside.is_dir() {
            return Self::new(beside).map_err(|e| e.to_string());
        }
        Err(format!(
            "no vector root: set {VECTORS_ENV} to a folder holding the pinned vectors \
             (`cargo xtask vectors fetch --dest DIR` downloads them)"
        ))
    }

    /// The folder the pinned files are read from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The pins every read is checked against.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The bytes of a pinned file, verified, with its source record.
    pub fn read(&self, path: &str) -> Result<(Vec<u8>, Source), VectorFileError> {
        let entry = self
            .manifest
            .entry(path)
            .ok_or_else(|| VectorFileError::NotPinned(path.to_owned()))?;
        Ok((read_checked(&self.root, entry)?, source_of(entry)))
    }

    /// A verified file as UTF-8 text.
    pub fn read_text(&self, path: &str) -> Result<(String, Source), VectorFileError> {
        let (bytes, source) = self.read(path)?;
        let text = String::from_utf8(bytes).map_err(|e| VectorFileError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok((text, source))
    }

    /// A verified file parsed as JSON.
    pub fn read_json(&self, path: &str) -> Result<(serde_json::Value, Source), VectorFileError> {
        let (bytes, source) = self.read(path)?;
        let value = serde_json::from_slice(&bytes).map_err(|e| VectorFileError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Ok((value, source))
    }
}

/// The source record of a pinned file, as the results name it.
fn source_of(entry: &Entry) -> Source {
    Source {
        file: entry.path.clone(),
        repo: entry.repo.clone(),
        commit: entry.commit.clone(),
        upstream_path: entry.upstream_path.clone(),
        sha256: entry.sha256.clone(),
    }
}

/// The folder of Sonet's own, committed vector files (`vectors/sonet/`).
pub fn own_vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/sonet")
}

/// Reads one of Sonet's own vector files; their source is this repository, hashed as read.
pub fn read_own(file: &str) -> Result<(Vec<u8>, Source), String> {
    let path = own_vector_dir().join(file);
    let bytes = std::fs::read(&path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo xtask vectors generate`)",
            path.display()
        )
    })?;
    let source = Source {
        file: format!("vectors/sonet/{file}"),
        repo: "sonet (this repository)".into(),
        commit: "working tree".into(),
        upstream_path: format!("vectors/sonet/{file}"),
        sha256: sha256_hex(&bytes),
    };
    Ok((bytes, source))
}
