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

#[test]
fn plugins_list_shows_the_built_in_plugins_and_drop_ins() {
    let out = lanner().args(["plugins", "list"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let row = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no `{name}` row in:\n{stdout}"))
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("k8saudit")[..5],
        ["k8saudit", "0.18.0", "source", "k8s_audit", "100"]
    );
    assert_eq!(row("json")[..5], ["json", "0.7.4", "extractor", "-", "6"]);

    let dir = lanner_tests::TempDir::new("drop-in");
    std::fs::copy(
        plugin_wasm("lanner-plugin-heartbeat"),
        dir.path().join("heartbeat.wasm"),
    )
    .unwrap();
    let out = lanner()
        .args(["plugins", "list", "--plugin-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("heartbeat") && stdout.contains("heartbeat.wasm"),
        "{stdout}"
    );
}

#[test]
fn plugins_inspect_shows_fields_and_configuration_schema() {
    let out = lanner()
        .args(["plugins", "inspect"])
        .arg(plugin_wasm("lanner-plugin-k8saudit"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("fields:           100"), "{stdout}");
    assert!(stdout.contains("ka.uri.param[KEY]"), "{stdout}");
    assert!(
        stdout.contains("ka.req.pod.containers.image[index]"),
        "{stdout}"
    );
    assert!(stdout.contains("config schema:    {"), "{stdout}");
    assert!(stdout.contains("maxEventSize"), "{stdout}");
}

#[test]
fn a_dropped_in_source_plugin_runs_and_its_fields_reach_the_rules() {
    let dir = lanner_tests::TempDir::new("heartbeat-run");
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::fs::copy(
        plugin_wasm("lanner-plugin-heartbeat"),
        plugins.join("heartbeat.wasm"),
    )
    .unwrap();
    let rules = dir.write(
        "rules.yaml",
        "- rule: Beat\n  desc: every beat\n  condition: heartbeat.beat > 0\n  output: \"beat %heartbeat.beat\"\n  priority: INFORMATIONAL\n  source: heartbeat\n",
    );
    let config = dir.write(
        "lanner.yaml",
        "plugins:\n  - name: heartbeat\n    init_config: {interval_ms: 10}\n",
    );
    let out = lanner()
        .args([
            "run",
            "--source",
            "heartbeat",
            "--max-alerts",
            "3",
            "--plugin-dir",
        ])
        .arg(&plugins)
        .arg("-c")
        .arg(&config)
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
    let beats: Vec<&str> = stdout.lines().collect();
    assert_eq!(beats.len(), 3, "{stdout}");
    for (n, line) in beats.iter().enumerate() {
        assert!(
            line.ends_with(&format!("Informational beat {}", n + 1)),
            "{line}"
        );
    }

    // A configuration the plugin's schema refuses stops the run with the reason.
    let bad = dir.write(
        "bad.yaml",
        "plugins:\n  - name: heartbeat\n    init_config: {interval_ms: fast}\n",
    );
    let out = lanner()
        .args(["run", "--source", "heartbeat", "--plugin-dir"])
        .arg(&plugins)
        .arg("-c")
        .arg(&bad)
        .arg("-r")
        .arg(&rules)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("heartbeat") && stderr.contains("/interval_ms"),
        "{stderr}"
    );
}

/// Runs `lanner plugins list` with `cache` as its cache directory; returns stderr.
fn list_with_cache(cache: &std::path::Path) -> String {
    let out = lanner()
        .env("LANNER_CACHE_DIR", cache)
        .env("LANNER_LOG", "warn")
        .args(["plugins", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The cache's compiled entries (not its key), with their contents.
fn cache_entries(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn compiled_plugins_are_cached_and_reused_across_runs() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = lanner_tests::TempDir::new("plugin-cache");
    let cache = dir.path().join("cache");
    list_with_cache(&cache);
    let first = cache_entries(&cache);
    assert_eq!(
        first.len(),
        2,
        "one compiled entry per built-in plugin: {first:?}"
    );
    let private = |path: &std::path::Path| std::fs::symlink_metadata(path).unwrap().mode() & 0o777;
    assert_eq!(private(&cache), 0o700);
    assert_eq!(private(&cache.join("key")), 0o600);
    assert!(first.iter().all(|(p, _)| private(p) == 0o600));
    let modified = |path: &std::path::Path| std::fs::metadata(path).unwrap().modified().unwrap();
    let stamps: Vec<_> = first.iter().map(|(p, _)| modified(p)).collect();
    let stderr = list_with_cache(&cache);
    assert!(!stderr.contains("refusing"), "{stderr}");
    assert_eq!(
        first.iter().map(|(p, _)| modified(p)).collect::<Vec<_>>(),
        stamps,
        "the second run reuses the entries unchanged"
    );

    // A cache directory others can write to is not trusted.
    let open = dir.path().join("open");
    std::fs::create_dir_all(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let stderr = list_with_cache(&open);
    assert!(stderr.contains("writable by every user"), "{stderr}");
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);

    // Nor is one below a parent others can write to (not sticky), though
    // the cache directory itself is private.
    let below = open.join("cache");
    std::fs::create_dir(&below).unwrap();
    std::fs::set_permissions(&below, std::fs::Permissions::from_mode(0o700)).unwrap();
    let stderr = list_with_cache(&below);
    assert!(
        stderr.contains(&format!("refusing {}", open.display())),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(&below).unwrap().count(), 0);
}

#[test]
fn planted_symlinked_foreign_and_tampered_cache_entries_are_refused_and_recompiled() {
    use std::os::unix::fs::MetadataExt;
    let dir = lanner_tests::TempDir::new("plugin-cache-attacks");
    let cache = dir.path().join("cache");
    list_with_cache(&cache);
    let good = cache_entries(&cache);
    let (victim, original) = good[0].clone();
    // Another cache (another key) compiles the same plugins: its entries
    // are genuine machine code, just not written by this cache's owner.
    let other = dir.path().join("other");
    list_with_cache(&other);
    let foreign_code = std::fs::read(other.join(victim.file_name().unwrap())).unwrap();

    let attacks: [(&str, &dyn Fn(), &str); 4] = [
        (
            "tampered",
            &|| {
                let mut bytes = original.clone();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(&victim, bytes).unwrap();
            },
            "authentication tag does not match",
        ),
        (
            "planted",
            &|| std::fs::write(&victim, &foreign_code).unwrap(),
            "authentication tag does not match",
        ),
        (
            "symlinked",
            &|| {
                std::fs::remove_file(&victim).unwrap();
                std::os::unix::fs::symlink(other.join(victim.file_name().unwrap()), &victim)
                    .unwrap();
            },
            "symbolic link",
        ),
        (
            "foreign-owned",
            &|| std::os::unix::fs::chown(&victim, Some(65534), None).unwrap(),
            "owned by uid 65534",
        ),
    ];
    for (name, attack, reason) in attacks {
        attack();
        let stderr = list_with_cache(&cache);
        assert!(
            stderr.contains("refusing a compiled plugin from the cache") && stderr.contains(reason),
            "{name}: {stderr}"
        );
        // Recompiled and rewritten: a genuine private entry of ours again.
        let meta = std::fs::symlink_metadata(&victim).unwrap();
        assert!(meta.file_type().is_file(), "{name}");
        assert_eq!(meta.uid(), 0, "{name}");
        assert_eq!(meta.mode() & 0o777, 0o600, "{name}");
        let stderr = list_with_cache(&cache);
        assert!(!stderr.contains("refusing"), "{name}: {stderr}");
    }
}

#[test]
fn root_caches_under_var_cache_whatever_home_says() {
    // `sudo -E` keeps a user's HOME: root must not put native code there.
    let dir = lanner_tests::TempDir::new("root-cache-home");
    let out = lanner()
        .env_remove("LANNER_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", dir.path())
        .args(["plugins", "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing is written below HOME"
    );
    assert!(!cache_entries(std::path::Path::new("/var/cache/lanner/plugins")).is_empty());
}

#[test]
fn replay_reads_standard_input_and_reports_bad_documents() {
    let event = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x1","stage":"ResponseComplete","verb":"delete","user":{"username":"bob"},"objectRef":{"resource":"configmaps","namespace":"ops","name":"settings"},"stageTimestamp":"2026-11-28T09:30:00Z"}"#;
    let dir = lanner_tests::TempDir::new("stdin-replay");
    let rules = dir.write(
        "rules.yaml",
        "- rule: Configmap deleted\n  desc: d\n  condition: ka.verb = delete and ka.target.resource = configmaps\n  output: \"%ka.user.name deleted %ka.target.namespace/%ka.target.name\"\n  priority: WARNING\n  source: k8s_audit\n",
    );
    let mut child = lanner()
        .args(["run", "--source", "k8s_audit", "--input", "-", "-r"])
        .arg(&rules)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{event}\n{{\"kind\": broken\n{event}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout.matches("Warning bob deleted ops/settings").count(),
        2,
        "{stdout}"
    );
    assert!(
        stderr.contains("-:line 2: the document is not closed"),
        "{stderr}"
    );
    assert!(stderr.contains("2 documents, 1 malformed"), "{stderr}");
}
