//! Building and checking the workspace.

use crate::cmd;
use anyhow::{Context, Result, bail};
use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

/// The workspace's root directory (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Plugin crates compiled to wasm32-wasip2 components (the SDK is a library, not a plugin).
const PLUGIN_PACKAGES: &[&str] = &[
    "lanner-plugin-heartbeat",
    "lanner-plugin-k8saudit",
    "lanner-plugin-json",
    "lanner-plugin-hostile",
    "lanner-plugin-hostile-net",
    "lanner-plugin-future-contract",
];

/// Builds every plugin as a release component; cargo skips the ones that have not changed.
pub fn build_plugins() -> Result<()> {
    let mut command = Command::new("cargo");
    command.args(["build", "--profile", "plugin", "--target", "wasm32-wasip2"]);
    for package in PLUGIN_PACKAGES {
        command.args(["--package", package]);
    }
    cmd::run_command(&mut command)
}

/// Builds and runs `lanner` with `args`. Without arguments it runs the main
/// job (`lanner run` on the built-in rules) and, once the probe is attached,
/// performs one harmless action that a built-in rule reports, so a first run
/// shows a real alert instead of a quiet terminal.
pub fn run_lanner(args: &[String]) -> Result<()> {
    cmd::run("cargo", &["build", "--quiet", "--package", "lanner"])?;
    let mut command = Command::new("cargo");
    command.args(["run", "--quiet", "--package", "lanner", "--"]);
    if !args.is_empty() {
        command.args(args);
        return cmd::run_command(&mut command);
    }
    command.arg("run");
    eprintln!("xtask: $ lanner run   (built-in rules; Ctrl-C to stop)");
    let mut child = command
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start lanner")?;
    let stderr = child.stderr.take().context("lanner's stderr")?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            if line.contains("source attached") {
                let _ = ready_tx.send(());
            }
        }
    });
    if ready_rx.recv_timeout(Duration::from_secs(60)).is_ok() {
        demo_action()?;
    }
    let status = child.wait().context("waiting for lanner")?;
    if !status.success() {
        bail!("lanner exited with {status}");
    }
    Ok(())
}

/// Runs a copy of `/bin/true` from /tmp: what droppers do, and what the
/// built-in rules flag.
fn demo_action() -> Result<()> {
    let demo = std::env::temp_dir().join("lanner-demo-true");
    std::fs::copy("/bin/true", &demo).context("copying /bin/true for the demo")?;
    eprintln!(
        "xtask: demo: running {} (a program started from /tmp), which the built-in rules report:",
        demo.display()
    );
    let status = Command::new(&demo)
        .status()
        .context("running the demo program")?;
    let _ = std::fs::remove_file(&demo);
    if !status.success() {
        bail!("the demo program failed ({status})");
    }
    Ok(())
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
