//! Code and configuration that others could have written are refused: rules
//! files, the configuration file and plugin directories must be owned by root or the user running
//! Lanner and writable by no one else (parents included); and a drop-in that
//! replaces a built-in plugin says so, naming both versions.

use lanner_tests::{TempDir, lanner, plugin_wasm};
use std::{os::unix::fs::PermissionsExt, path::Path, process::Output};

const RULE: &str = "- rule: R\n  desc: d\n  condition: ka.verb = delete\n  output: \"x\"\n  priority: NOTICE\n  source: k8s_audit\n";

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn validate(rules: &Path) -> Output {
    lanner()
        .args(["rules", "validate"])
        .arg(rules)
        .output()
        .unwrap()
}

#[test]
fn a_rules_file_others_can_write_is_refused_naming_it_and_why() {
    let dir = TempDir::new("trust-rules");
    let rules = dir.write("rules.yaml", RULE);
    chmod(dir.path(), 0o755);
    chmod(&rules, 0o644);
    let out = validate(&rules);
    assert!(
        out.status.success(),
        "a private file loads: {}",
        stderr(&out)
    );

    chmod(&rules, 0o666);
    let out = validate(&rules);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("refusing {}", rules.display()))
            && err.contains("writable by every user (mode 666)"),
        "{err}"
    );

    // A rules directory others can write to is refused too, and so is a
    // file below a group-writable parent.
    chmod(&rules, 0o644);
    chmod(dir.path(), 0o775);
    for target in [dir.path(), rules.as_path()] {
        let out = validate(target);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains(&format!("refusing {}", dir.path().display()))
                && err.contains("writable by its group"),
            "{err}"
        );
    }
    chmod(dir.path(), 0o755);

    // A file owned by another user is refused, even through a symlink.
    std::os::unix::fs::chown(&rules, Some(65534), None).unwrap();
    let link = dir.path().join("link.yaml");
    std::os::unix::fs::symlink(&rules, &link).unwrap();
    let out = validate(&link);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("owned by uid 65534"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_configuration_file_others_can_write_is_refused() {
    let dir = TempDir::new("trust-config");
    chmod(dir.path(), 0o755);
    let rules = dir.write("rules.yaml", RULE);
    chmod(&rules, 0o644);
    let config = dir.write(
        "lanner.yaml",
        &format!("rules_files: [{}]\n", rules.display()),
    );
    let list = |config: &Path| {
        lanner()
            .args(["rules", "list", "-c"])
            .arg(config)
            .output()
            .unwrap()
    };
    chmod(&config, 0o644);
    let out = list(&config);
    assert!(
        out.status.success(),
        "a private config loads: {}",
        stderr(&out)
    );

    chmod(&config, 0o666);
    let out = list(&config);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("refusing {}", config.display()))
            && err.contains("writable by every user (mode 666)"),
        "{err}"
    );
}

#[test]
fn a_plugin_directory_others_can_write_is_refused() {
    let dir = TempDir::new("trust-plugins");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    std::fs::copy(
        plugin_wasm("lanner-plugin-heartbeat"),
        plugins.join("heartbeat.wasm"),
    )
    .unwrap();
    chmod(&plugins, 0o777);
    let out = lanner()
        .args(["plugins", "list", "--plugin-dir"])
        .arg(&plugins)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("refusing {}", plugins.display()))
            && err.contains("writable by every user (mode 777)"),
        "{err}"
    );

    // A private directory but a plugin file others can write: refused too.
    chmod(&plugins, 0o755);
    chmod(&plugins.join("heartbeat.wasm"), 0o646);
    let out = lanner()
        .args(["plugins", "list", "--plugin-dir"])
        .arg(&plugins)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("heartbeat.wasm") && err.contains("writable by every user"),
        "{err}"
    );
}

#[test]
fn a_drop_in_replacing_a_built_in_plugin_is_logged_with_both_versions() {
    let dir = TempDir::new("trust-replace");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    let drop_in = plugins.join("k8saudit.wasm");
    std::fs::copy(plugin_wasm("lanner-plugin-k8saudit"), &drop_in).unwrap();
    let out = lanner()
        .env("LANNER_LOG", "warn")
        .args(["plugins", "list", "--plugin-dir"])
        .arg(&plugins)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("replaces the built-in"))
        .unwrap_or_else(|| panic!("no warning about the replacement:\n{err}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(
        line.contains("plugin `k8saudit` version 0.18.0")
            && line.contains(&drop_in.display().to_string())
            && line.contains("replaces the built-in version 0.18.0"),
        "{line}"
    );
}
