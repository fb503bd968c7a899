//! A shim for the last user of the crate's old vector reader, the RFC 9420 oracle's tests
//! (`mls::reference::passive`). It goes when the oracle moves into its own crate, which reads
//! vectors through `sonet_testkit::vectors` directly; every other unit test already does, and
//! says SKIPPED when `SONET_VECTORS` is unset.

use sonet_testkit::vectors::{beside_workspace, read_pinned_at, vector_root};

/// The pinned vector file `path`, checked against its sha256 pin, parsed as JSON.
///
/// Its callers use the value directly and cannot skip, so with `SONET_VECTORS` unset it reads
/// `shared/vectors` beside the workspace, as the old reader did (and panics if that is absent).
pub(crate) fn read_pinned_json(path: &str) -> serde_json::Value {
    let root = vector_root().unwrap_or_else(beside_workspace);
    serde_json::from_slice(&read_pinned_at(&root, path))
        .unwrap_or_else(|e| panic!("vector file {path} is not JSON: {e}"))
}
