//! Installs what the build and the tests need, skipping what is already there.
//!
//! The recipe is the verified one in `shared/toolchain.md`: the wasm32-wasip2
//! target; a nightly with rust-src and llvm-tools; bpf-linker built against
//! that nightly's own LLVM; tracefs mounted; Python's `moto[server]`.

use crate::cmd;
use anyhow::{Context, Result, bail};
use std::{fs, path::PathBuf, process::Command, time::Instant};

/// Runs every step; each one checks before it installs.
pub fn run() -> Result<()> {
    let started = Instant::now();
    // First, because it is the step a fresh clone is most likely to lack and
    // it takes no time: stop before minutes of toolchain installs.
    crate::compat::provide(&crate::workspace::root())?;
    stable_components()?;
    wasm_target()?;
    nightly()?;
    bpf_linker()?;
    tracefs()?;
    moto()?;
    eprintln!(
        "xtask: bootstrap complete in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn stable_components() -> Result<()> {
    let installed = cmd::output("rustup", &["component", "list", "--installed"])
        .context("rustup is required (the machine's Rust toolchain comes from rustup)")?;
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            cmd::run("rustup", &["component", "add", component])?;
        }
    }
    Ok(())
}

fn wasm_target() -> Result<()> {
    let installed = cmd::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|l| l.trim() == "wasm32-wasip2") {
        cmd::run("rustup", &["target", "add", "wasm32-wasip2"])?;
    }
    Ok(())
}

fn nightly() -> Result<()> {
    let toolchains = cmd::output("rustup", &["toolchain", "list"]).unwrap_or_default();
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        cmd::run(
            "rustup",
            &[
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
                "--component",
                "rust-src,llvm-tools",
            ],
        )?;
        return Ok(());
    }
    let installed = cmd::output(
        "rustup",
        &["component", "list", "--installed", "--toolchain", "nightly"],
    )
    .unwrap_or_default();
    for component in ["rust-src", "llvm-tools"] {
        if !installed.lines().any(|l| l.starts_with(component)) {
            cmd::run(
                "rustup",
                &["component", "add", component, "--toolchain", "nightly"],
            )?;
        }
    }
    Ok(())
}

/// bpf-linker must link the same LLVM major as the nightly that emits the bitcode,
/// and Debian's LLVM is too old, so it is built against the nightly's libLLVM.
/// A stamp records which libLLVM the installed binary was built for.
fn bpf_linker() -> Result<()> {
    let sysroot = cmd::output("rustc", &["+nightly", "--print", "sysroot"])
        .context("the nightly toolchain is not usable")?;
    let nightly_lib = PathBuf::from(sysroot.trim()).join("lib");
    let soname = fs::read_dir(&nightly_lib)
        .with_context(|| format!("reading {}", nightly_lib.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("libLLVM.so."))
        .with_context(|| {
            format!(
                "no libLLVM.so.* in {} (is the llvm-tools component installed?)",
                nightly_lib.display()
            )
        })?;
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let prefix = PathBuf::from(home).join(".local/share/lanner-llvm");
    let stamp = prefix.join("bpf-linker.built-for");
    let linker_works = cmd::output("bpf-linker", &["--version"]).is_some();
    if linker_works && fs::read_to_string(&stamp).ok().as_deref() == Some(soname.as_str()) {
        return Ok(());
    }

    let lib = prefix.join("lib");
    fs::create_dir_all(&lib).with_context(|| format!("creating {}", lib.display()))?;
    for link in [lib.join("libLLVM.so"), lib.join(&soname)] {
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(nightly_lib.join(&soname), &link)
            .with_context(|| format!("linking {}", link.display()))?;
    }
    let version = cmd::output("rustc", &["+nightly", "-vV"]).unwrap_or_default();
    let llvm_major = version
        .lines()
        .find_map(|l| l.strip_prefix("LLVM version: "))
        .and_then(|v| v.split('.').next())
        .context("cannot read the nightly's LLVM version")?
        .to_string();
    cmd::run_command(
        Command::new("cargo")
            .env("LLVM_PREFIX", &prefix)
            .args(["install", "--locked", "bpf-linker", "--no-default-features"])
            .args(["--features", &format!("llvm-{llvm_major}")]),
    )
    .or_else(|_| {
        // `--locked` can fail if the published lock file predates a yanked crate.
        cmd::run_command(
            Command::new("cargo")
                .env("LLVM_PREFIX", &prefix)
                .args(["install", "bpf-linker", "--no-default-features"])
                .args(["--features", &format!("llvm-{llvm_major}")]),
        )
    })?;
    if cmd::output("bpf-linker", &["--version"]).is_none() {
        bail!("bpf-linker was installed but does not run; is ~/.cargo/bin on PATH?");
    }
    fs::write(&stamp, &soname).with_context(|| format!("writing {}", stamp.display()))?;
    Ok(())
}

fn tracefs() -> Result<()> {
    if PathBuf::from("/sys/kernel/tracing/events").is_dir() {
        return Ok(());
    }
    cmd::run("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"])
        .context("tracefs is needed by the syscall source; mounting it needs root")
}

fn moto() -> Result<()> {
    let has_moto = Command::new("python3")
        .args(["-c", "import moto.server"])
        .output()
        .is_ok_and(|out| out.status.success());
    if has_moto && cmd::output("moto_server", &["--help"]).is_some() {
        return Ok(());
    }
    cmd::run(
        "python3",
        &["-m", "pip", "install", "--quiet", "moto[server]"],
    )
}
