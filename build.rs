//! Generates the `sonet.v1` gRPC code from `proto/` with a vendored `protoc`, so building needs
//! no system package, and writes the descriptor set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // prost-build finds protoc through PROTOC; a build script is single-threaded.
    std::env::set_var("PROTOC", protoc);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=proto");
    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("sonet_v1_descriptor.bin"))
        .compile_protos(&["proto/sonet/v1/sonet.proto"], &["proto"])?;
    Ok(())
}
