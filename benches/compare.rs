//! `cargo bench` at the root runs the four-way comparison in `compare/`.
//!
//! The framework implementations (async-graphql, juniper) and criterion live in the
//! `relaylite-compare` workspace member so that `cargo test` never builds them; this
//! launcher builds and runs that member's bench, in a target directory of its own (the
//! outer cargo still holds the main one), forwarding any arguments to criterion.

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let root = env!("CARGO_MANIFEST_DIR");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let forwarded: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["bench", "-p", "relaylite-compare", "--bench", "compare", "--target-dir"])
        .arg(format!("{root}/target/compare"))
        .arg("--")
        .args(forwarded)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}
