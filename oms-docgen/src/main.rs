//! `oms-docgen [--check] [DIR]`: writes the provider's registry docs into DIR
//! (default `docs`), or with `--check` lists the committed pages that differ
//! from the schemas and fails. Run from the repository's root.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: oms-docgen [--check] [DIR]   (run from the repository's root; DIR defaults to docs)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut check = false;
    let mut dir = None;
    for a in &args {
        match a.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("unknown option {flag:?}\n{USAGE}");
                return ExitCode::from(2);
            }
            path if dir.is_none() => dir = Some(path.to_string()),
            extra => {
                eprintln!("unexpected argument {extra:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let root = Path::new(".");
    let docs_dir = dir.unwrap_or_else(|| "docs".into());
    let docs_dir = Path::new(&docs_dir);
    if check {
        return match oms_docgen::stale_files(root, docs_dir) {
            Ok(stale) if stale.is_empty() => {
                println!("docs are up to date");
                ExitCode::SUCCESS
            }
            Ok(stale) => {
                for s in stale {
                    eprintln!("out of date: {}", docs_dir.join(s).display());
                }
                eprintln!("run `cargo run -p oms-docgen` and commit the result");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        };
    }
    let files = match oms_docgen::generate(root) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    for (rel, content) in files {
        let path = docs_dir.join(&rel);
        let written =
            path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&path, content));
        if let Err(e) = written {
            eprintln!("writing {}: {e}", path.display());
            return ExitCode::from(1);
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
