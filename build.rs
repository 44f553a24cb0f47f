//! Compiles the wire contracts in `proto/` with `protox` (a pure-Rust protobuf
//! compiler), so a fresh machine needs neither `protoc` nor `cmake`.

use std::path::Path;

/// Every contract `src/protocol/mod.rs` includes. Each is required: without
/// one, the build would fail much later with an `include!` of a file that was
/// never generated, far from the cause.
const PROTOS: [&str; 3] = ["proto/tfplugin6.proto", "proto/tfplugin5.proto", "proto/plugin.proto"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let missing: Vec<&str> = PROTOS.iter().copied().filter(|p| !Path::new(p).is_file()).collect();
    if !missing.is_empty() {
        panic!(
            "build.rs: missing protocol contract(s): {}. These files are part of the source tree (Terraform's \
             tfplugin5/tfplugin6 and go-plugin's contracts); restore them with `git checkout -- proto/` and build again.",
            missing.join(", ")
        );
    }
    let fds = protox::compile(PROTOS, ["proto"])?;
    tonic_prost_build::configure().build_server(true).build_client(true).compile_fds(fds)?;
    Ok(())
}
