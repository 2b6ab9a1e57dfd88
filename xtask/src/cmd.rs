//! Running external commands with clear, loud failures.

use anyhow::{Context, Result, bail};
use std::process::{Command, Stdio};

/// Runs `program args…`, streaming its output; fails with the command line on non-zero exit.
pub fn run(program: &str, args: &[&str]) -> Result<()> {
    run_command(Command::new(program).args(args))
}

/// Runs a prepared command, streaming its output; fails with the command line on non-zero exit.
pub fn run_command(command: &mut Command) -> Result<()> {
    let line = describe(command);
    eprintln!("xtask: $ {line}");
    let status = command
        .stdin(Stdio::null())
        .status()
        .with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// Runs `program args…` quietly and returns its stdout, or `None` if it cannot run or fails.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    std::iter::once(command.get_program().to_string_lossy().into_owned())
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}
