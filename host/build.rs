//! Builds the plugins Lanner embeds (k8saudit and json) as wasm32-wasip2
//! components, so `lanner run --source k8s_audit` works with no files around.
//!
//! The nested cargo gets its own target directory: the outer build holds the
//! lock on the main one. Cargo's own change tracking makes a rebuild with no
//! plugin change a few hundred milliseconds.

use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

/// (package, file name in OUT_DIR) of every embedded plugin.
const EMBEDDED: &[(&str, &str)] = &[
    ("lanner-plugin-k8saudit", "k8saudit.wasm"),
    ("lanner-plugin-json", "json.wasm"),
];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest.parent().expect("host/ sits in the workspace");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for input in [
        "plugins/sdk",
        "plugins/k8saudit",
        "plugins/json",
        "wit",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }
    // OUT_DIR is <target>/<profile>/build/<pkg>/out: keep the plugin build
    // next to the profile's, so it survives build-script changes.
    let target_dir = out
        .ancestors()
        .nth(3)
        .unwrap_or(&out)
        .join("embedded-plugins");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--profile", "plugin", "--target", "wasm32-wasip2"])
        .arg("--target-dir")
        .arg(&target_dir);
    for (package, _) in EMBEDDED {
        command.args(["--package", package]);
    }
    // The outer build's flags and wrappers (clippy, coverage) are for the host.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(var);
    }
    let status = command.status().unwrap_or_else(|e| {
        panic!("running cargo to build the embedded plugins: {e}");
    });
    assert!(
        status.success(),
        "building the embedded plugins failed; is the wasm32-wasip2 target installed? \
         (`cargo xtask bootstrap` installs it)"
    );
    for (package, file) in EMBEDDED {
        let built = target_dir
            .join("wasm32-wasip2/plugin")
            .join(format!("{}.wasm", package.replace('-', "_")));
        copy(&built, &out.join(file));
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
}
