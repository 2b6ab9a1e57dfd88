//! Lanner's developer commands (`cargo xtask …`).
//!
//! - `bootstrap`: install every toolchain piece the build and tests need,
//!   idempotently (seconds when everything is present);
//! - `build-plugins`: build the plugin crates as wasm32-wasip2 components;
//! - `run [ARGS…]`: bootstrap, build, and run `lanner` (default: `lanner run`);
//! - `test`: bootstrap, build, then format check, clippy and the whole test suite.

mod bootstrap;
mod cmd;
mod compat;
mod workspace;

use anyhow::{Result, bail};
use std::process::ExitCode;

fn main() -> ExitCode {
    match dispatch() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".into());
    let rest: Vec<String> = args.collect();
    match command.as_str() {
        "bootstrap" => bootstrap::run(),
        "build-plugins" => workspace::build_plugins(),
        "run" => {
            bootstrap::run()?;
            workspace::build_plugins()?;
            workspace::run_lanner(&rest)
        }
        "test" => {
            bootstrap::run()?;
            workspace::build_plugins()?;
            workspace::check_and_test()
        }
        "help" | "--help" | "-h" => {
            println!("usage: cargo xtask <bootstrap | build-plugins | run [LANNER ARGS…] | test>");
            Ok(())
        }
        other => bail!("unknown xtask command `{other}` (try `cargo xtask help`)"),
    }
}
