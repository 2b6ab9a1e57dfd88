//! `lanner plugins inspect` and the plugin host on real components.

use lanner::plugin::{
    CONTRACT_VERSION, ComponentCache, Limits, PluginError, PluginHost, PluginKind,
};
use lanner_tests::{lanner, plugin_wasm};

#[test]
fn host_loads_the_heartbeat_component_and_reads_its_identity() {
    let host = PluginHost::new(Limits::default(), ComponentCache::new(None)).unwrap();
    let plugin = host
        .load_file(&plugin_wasm("lanner-plugin-heartbeat"))
        .unwrap();
    assert_eq!(plugin.info.name, "heartbeat");
    assert_eq!(plugin.info.event_source.as_deref(), Some("heartbeat"));
    assert_eq!(plugin.info.contract_version, CONTRACT_VERSION);
    assert_eq!(plugin.info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(plugin.kind, PluginKind::Source);
    assert_eq!(plugin.fields.len(), 1);
    assert_eq!(plugin.fields[0].name, "heartbeat.beat");
    assert!(plugin.config_schema.is_some());
}

#[test]
fn plugins_inspect_prints_identity() {
    let out = lanner()
        .args(["plugins", "inspect"])
        .arg(plugin_wasm("lanner-plugin-heartbeat"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("name:             heartbeat"), "{stdout}");
    assert!(
        stdout.contains(&format!("contract version: {CONTRACT_VERSION}")),
        "{stdout}"
    );
    assert!(stdout.contains("event source:     heartbeat"), "{stdout}");
}

#[test]
fn a_file_that_is_not_a_component_is_refused_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("lanner-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bogus = dir.join("bogus.wasm");
    std::fs::write(&bogus, b"this is not wasm").unwrap();

    let host = PluginHost::new(Limits::default(), ComponentCache::new(None)).unwrap();
    let err = host
        .load_file(&bogus)
        .err()
        .expect("bogus bytes are refused");
    assert!(matches!(err, PluginError::Invalid { .. }), "{err}");

    let out = lanner()
        .args(["plugins", "inspect"])
        .arg(&bogus)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bogus.wasm"), "{stderr}");
    assert!(
        stderr.contains("not a loadable Lanner plugin component"),
        "{stderr}"
    );

    let missing = lanner()
        .args(["plugins", "inspect", "/nonexistent/plugin.wasm"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/plugin.wasm"));
    std::fs::remove_dir_all(&dir).unwrap();
}
