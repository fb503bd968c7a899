//! The generated `sonet.v1` messages and service stubs.

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("sonet.v1");

/// The encoded descriptor set of `sonet.v1`, served by gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("sonet_v1_descriptor");
