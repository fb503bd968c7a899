//! The pinned upstream test vectors: where they are (`SONET_VECTORS`), the manifest
//! (`vectors/manifest.toml`) and the reader that checks every file against its sha256 pin before
//! anyone sees a byte of it.

use std::path::{Path, PathBuf};

mod manifest;
mod pinned;

pub use manifest::{
    read_checked, sha256_hex, Entry, Manifest, Unpack, VectorFileError, MANIFEST_TOML,
};
pub use pinned::{pinned, pinned_json, pinned_text, read_pinned_at};

/// The environment variable naming the vector root, the folder that holds the pinned upstream
/// files under their manifest paths. The only place the name is written: xtask passes it on to
/// the tests it runs, the suites and the unit tests read it through [`vector_root`].
pub const VECTORS_ENV: &str = "SONET_VECTORS";

/// The vector root `SONET_VECTORS` names; `None` when it is unset or empty. What to do then is
/// the caller's choice: xtask downloads into its per-user cache, the suites look beside the
/// workspace ([`beside_workspace`]), a unit test skips.
pub fn vector_root() -> Option<PathBuf> {
    std::env::var_os(VECTORS_ENV)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// `shared/vectors` next to the workspace folder: where this project's own layout keeps the
/// vectors (the workspace is `…/main`, the vectors `…/shared/vectors`).
pub fn beside_workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors")
}
