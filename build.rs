//! Compiles the wire contracts in `proto/` with `protox` (a pure-Rust protobuf
//! compiler), so a fresh machine needs neither `protoc` nor `cmake`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/tfplugin6.proto",
        "proto/tfplugin5.proto",
        "proto/plugin.proto",
    ];
    let present: Vec<&str> = protos
        .iter()
        .copied()
        .filter(|p| std::path::Path::new(p).exists())
        .collect();
    for p in &protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let fds = protox::compile(&present, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
