//! The pinned upstream test vectors: the manifest (`vectors/manifest.toml`) and the reader
//! that checks every file against its sha256 pin before anyone sees a byte of it.

mod manifest;

pub use manifest::{
    read_checked, sha256_hex, Entry, Manifest, Unpack, VectorFileError, MANIFEST_TOML,
};
