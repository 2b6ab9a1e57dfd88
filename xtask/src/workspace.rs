//! Building and checking the workspace.

use crate::cmd;
use anyhow::Result;
use std::process::Command;

/// Plugin crates compiled to wasm32-wasip2 components (the SDK is a library, not a plugin).
const PLUGIN_PACKAGES: &[&str] = &["lanner-plugin-heartbeat"];

/// Builds every plugin as a release component; cargo skips the ones that have not changed.
pub fn build_plugins() -> Result<()> {
    let mut command = Command::new("cargo");
    command.args(["build", "--release", "--target", "wasm32-wasip2"]);
    for package in PLUGIN_PACKAGES {
        command.args(["--package", package]);
    }
    cmd::run_command(&mut command)
}

/// Builds and runs `lanner` with `args` (default: `run`, the main job).
pub fn run_lanner(args: &[String]) -> Result<()> {
    let mut command = Command::new("cargo");
    command.args(["run", "--quiet", "--package", "lanner", "--"]);
    if args.is_empty() {
        command.arg("run");
    } else {
        command.args(args);
    }
    cmd::run_command(&mut command)
}

/// The whole suite: format, lints, then every test (kernel tests included).
pub fn check_and_test() -> Result<()> {
    cmd::run("cargo", &["fmt", "--all", "--check"])?;
    cmd::run(
        "cargo",
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    )?;
    // The end-to-end tests drive the built binary, so build it first; building
    // every target keeps the feature set identical to the test run's, so
    // nothing (wasmtime above all) is compiled twice.
    cmd::run("cargo", &["build", "--all-targets"])?;
    cmd::run("cargo", &["test", "--no-fail-fast"])
}
