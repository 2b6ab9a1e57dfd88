//! The SDK README's minimal plugin is real: extracted from the README, built
//! with `cargo build --release --target wasm32-wasip2`, dropped into a plugin
//! directory, and run by `lanner` on a replayed input.

use lanner_tests::{TempDir, lanner, target_dir};
use std::{path::PathBuf, process::Command};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The fenced block of `language` that follows `marker` in `text`.
fn block_after<'t>(text: &'t str, marker: &str, language: &str) -> &'t str {
    let after = &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("README lacks `{marker}`"))..];
    let fence = format!("```{language}\n");
    let start = after.find(&fence).expect("a fenced block follows") + fence.len();
    let len = after[start..].find("```").expect("the block is closed");
    &after[start..start + len]
}

#[test]
fn the_readme_plugin_builds_as_a_component_and_runs_in_lanner() {
    let readme = std::fs::read_to_string(repo().join("plugins/sdk/README.md")).unwrap();
    let manifest = block_after(&readme, "`Cargo.toml`:", "toml");
    let source = block_after(&readme, "`src/lib.rs`:", "rust");
    assert!(manifest.contains("path = \"../lanner/plugins/sdk\""));

    // A crate of its own (not a workspace member), cached under the target dir.
    let krate = target_dir().join("sdk-readme-example");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    let sdk = repo().join("plugins/sdk").canonicalize().unwrap();
    let manifest =
        manifest.replace("../lanner/plugins/sdk", &sdk.display().to_string()) + "\n[workspace]\n";
    std::fs::write(krate.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(krate.join("src/lib.rs"), source).unwrap();
    // The workspace's lock pins the same versions Lanner is tested with.
    std::fs::copy(repo().join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&krate)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env("CARGO_TARGET_DIR", krate.join("target"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the README example does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wasm = krate.join("target/wasm32-wasip2/release/lanner_plugin_lines.wasm");
    assert!(wasm.is_file(), "{} was not produced", wasm.display());

    let dir = TempDir::new("sdk-example");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(&wasm, plugins.join("lines.wasm")).unwrap();
    let inspect = lanner()
        .args(["plugins", "inspect"])
        .arg(plugins.join("lines.wasm"))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&inspect.stdout);
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    assert!(
        shown.contains("line.length") && shown.contains("event source:     lines"),
        "{shown}"
    );

    // The rules of the README's walkthrough, from its here-document.
    let heredoc = &readme[readme.find("<<'RULES'\n").expect("the README writes rules") + 10..];
    let rules = dir.write(
        "lines_rules.yaml",
        &heredoc[..heredoc.find("RULES\n").unwrap()],
    );
    let input = dir.write(
        "input.json",
        "[\"a JSON document is one payload; this one is long enough\"]\n[\"short\"]\n",
    );
    let out = lanner()
        .args(["run", "--source", "lines", "--plugin-dir"])
        .arg(&plugins)
        .arg("--input")
        .arg(&input)
        .arg("-r")
        .arg(&rules)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        // Text alerts escape as a JSON string body does, as Falco's do.
        stdout.contains(
            r#"Notice long line: [\"a JSON document is one payload; this one is long enough\"]"#
        ),
        "{stdout}"
    );
}
