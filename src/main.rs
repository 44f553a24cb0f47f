//! The plugin binary. Terraform launches it with no arguments; a person can
//! ask for `--version`, `--help`, or `--debug` (see README.md).

use std::process::ExitCode;

/// See Cargo.toml: musl's own allocator costs a quarter more CPU per read.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::sync::Arc;

use terraform_provider_oms::logging;
use terraform_provider_oms::provider::{OmsProvider, PROVIDER_ADDRESS};
use terraform_provider_oms::transport::{self, handshake};

const USAGE: &str = "terraform-provider-oms: Terraform provider for Huawei Cloud OMS sync tasks

Terraform starts this binary by itself. By hand:
  --version                 print the version and supported protocols
  --debug                   serve without TLS and print TF_REATTACH_PROVIDERS; Ctrl-C stops
      --address ADDR        provider address for --debug (default terraform.local/local/oms)
      --protocol 5|6        protocol for --debug (default 6)
  --help                    this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let first = args.first().map(String::as_str);
    match first {
        Some("--version" | "-version" | "version") => {
            println!("terraform-provider-oms {} (plugin protocols 6.10 and 5.10)", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some("--debug" | "-debug") => return run_debug(&args[1..]),
        Some(other) => {
            eprintln!("unknown argument {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {}
    }

    if !handshake::cookie_is_valid(std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref()) {
        eprintln!("{}", handshake::NOT_A_PROGRAM_MESSAGE);
        return ExitCode::from(1);
    }
    logging::init_from_env();
    // The handshake line goes out before the runtime starts: Terraform waits for it.
    let launch = match transport::announce() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    match runtime.block_on(transport::serve(Arc::new(OmsProvider::new()), launch)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn run_debug(args: &[String]) -> ExitCode {
    let mut address = PROVIDER_ADDRESS.to_string();
    let mut protocol = 6u32;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--address", Some(v)) => address = v.clone(),
            ("--protocol", Some(v)) if v == "5" || v == "6" => protocol = v.parse().unwrap_or(6),
            _ => {
                eprintln!("invalid --debug options\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    logging::init_from_env();
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    match runtime.block_on(transport::serve_debug(Arc::new(OmsProvider::new()), &address, protocol)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// One thread. A provider's work is I/O-bound: each call waits on Terraform
/// or on OMS, and what it computes in between takes microseconds. A
/// work-stealing pool spent its CPU waking idle workers and moving tasks
/// between them: in a 500-read plan the single-threaded runtime used 21%
/// less CPU (0.303 s to 0.238 s, side by side) at the same plan time.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("starting the runtime: {e}"))
}

fn fail(message: &str) -> ExitCode {
    logging::error(message, &[]);
    eprintln!("terraform-provider-oms: {message}");
    ExitCode::from(1)
}
