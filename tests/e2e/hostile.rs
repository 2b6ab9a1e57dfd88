//! Hostile plugins, as real components: an infinite loop, a memory bomb, a
//! trap (at init, ingest and extraction), malformed values, a sleep, a busy
//! loop inside a host call, a return value that aliases one buffer
//! thousands of times, a plugin that imports sockets and a plugin built for
//! a future contract. Each fault kills only that instance, is
//! reported (fault report and internal alert naming the plugin), and the
//! next call runs on a fresh instance.

use lanner::{
    config::PluginConfig,
    engine::{Ruleset, RulesetOptions, loader::RulesSource, output::Alert},
    plugin::{
        ComponentCache, FaultKind, Limits, PluginError, PluginHost, PluginSelection, PluginSpec,
        Supervisor, load_plugins, supervisor::Unavailable,
    },
    sources::plugin::PluginPipeline,
};
use lanner_tests::{lanner, plugin_wasm};
use std::{sync::Arc, time::Duration};

const MEMORY_CAP: usize = 32 << 20;
const RETURN_BUDGET: usize = 8 << 20;

fn host() -> Arc<PluginHost> {
    let limits = Limits {
        call_timeout: Duration::from_millis(200),
        max_memory_bytes: MEMORY_CAP,
        max_return_bytes: RETURN_BUDGET,
        ..Limits::default()
    };
    Arc::new(PluginHost::new(limits, ComponentCache::new(None)).expect("the plugin host starts"))
}

fn hostile_spec(host: &PluginHost, init_config: &str) -> PluginSpec {
    let entries = [PluginConfig {
        name: "hostile".into(),
        library_path: Some(plugin_wasm("lanner-plugin-hostile")),
        init_config: init_config.into(),
        open_params: String::new(),
    }];
    let selection = PluginSelection {
        entries: &entries,
        dirs: &[],
        only: Some(&["hostile".to_string()]),
    };
    load_plugins(host, &selection)
        .expect("the hostile component loads")
        .remove(0)
}

fn supervisor(host: &Arc<PluginHost>) -> Supervisor {
    let spec = hostile_spec(host, "");
    Supervisor::start(Arc::clone(host), spec.plugin, String::new(), String::new())
        .expect("the hostile plugin starts")
}

/// Asserts `payload` kills the instance with `expected`, then that the next
/// payload is served by a fresh instance.
fn faults_then_recovers(payload: &[u8], expected: impl Fn(&FaultKind) -> bool) {
    let host = host();
    let mut plugin = supervisor(&host);
    let before = plugin
        .ingest(b"[\"before\"]")
        .expect("a normal payload works");
    assert_eq!(before.events.len(), 1);
    match plugin.ingest(payload) {
        Err(Unavailable::Fault(fault)) => {
            assert_eq!(fault.plugin, "hostile");
            assert_eq!(fault.call, "ingest");
            assert!(
                expected(&fault.kind),
                "unexpected fault kind: {:?}",
                fault.kind
            );
        }
        other => panic!("the hostile payload must fault, got {other:?}"),
    }
    let reports = plugin.take_faults();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].count, 1);
    let after = plugin
        .ingest(b"[\"after\"]")
        .expect("a fresh instance serves the next payload");
    assert_eq!(after.events.len(), 1);
    assert_eq!(plugin.total_faults(), 1);
}

#[test]
fn an_infinite_loop_is_stopped_at_the_deadline_and_the_plugin_restarts() {
    faults_then_recovers(b"[\"loop\"]", |kind| matches!(kind, FaultKind::Timeout(_)));
}

#[test]
fn a_memory_bomb_is_stopped_at_the_cap_and_the_plugin_restarts() {
    faults_then_recovers(b"[\"bomb\"]", |kind| {
        *kind == FaultKind::OutOfMemory(MEMORY_CAP)
    });
}

#[test]
fn a_trap_kills_only_the_instance_and_the_plugin_restarts() {
    faults_then_recovers(b"[\"trap\"]", |kind| matches!(kind, FaultKind::Trap(_)));
}

#[test]
fn a_sleep_traps_instead_of_blocking_where_the_deadline_cannot_reach() {
    faults_then_recovers(
        b"[\"sleep\"]",
        |kind| matches!(kind, FaultKind::Trap(reason) if reason.contains("may not sleep or wait")),
    );
}

#[test]
fn a_busy_loop_inside_a_host_call_is_stopped_at_the_deadline() {
    faults_then_recovers(b"[\"log-flood\"]", |kind| {
        matches!(kind, FaultKind::Timeout(_))
    });
}

#[test]
fn a_return_value_aliasing_one_buffer_is_refused_before_it_is_copied() {
    // 4096 events whose data all point at one 1 MiB buffer: 4 GiB to copy.
    faults_then_recovers(b"[\"alias\"]", |kind| {
        *kind == FaultKind::ReturnTooLarge(RETURN_BUDGET)
    });
}

#[test]
fn a_plugin_that_imports_sockets_is_refused_naming_the_import() {
    let host = host();
    let net = plugin_wasm("lanner-plugin-hostile-net");
    let error = host
        .load_file(&net)
        .err()
        .expect("a plugin importing sockets is refused");
    let message = error.to_string();
    assert!(message.contains("wasi:sockets/"), "{message}");
    assert!(message.contains("hostile_net.wasm"), "{message}");

    let out = lanner()
        .args(["plugins", "inspect"])
        .arg(&net)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("wasi:sockets/"), "{stderr}");
}

#[test]
fn repeated_faults_back_off_instead_of_spinning() {
    let host = host();
    let mut plugin = supervisor(&host);
    // The first fault restarts at once; the second waits.
    assert!(matches!(plugin.ingest(b"trap"), Err(Unavailable::Fault(_))));
    assert!(matches!(plugin.ingest(b"trap"), Err(Unavailable::Fault(_))));
    match plugin.ingest(b"[\"fine\"]") {
        Err(Unavailable::Backoff { plugin, retry_in }) => {
            assert_eq!(plugin, "hostile");
            assert!(retry_in > Duration::ZERO);
        }
        other => panic!("expected a backoff, got {other:?}"),
    }
    std::thread::sleep(
        plugin
            .ready_at()
            .saturating_duration_since(std::time::Instant::now()),
    );
    assert!(plugin.ingest(b"[\"fine\"]").is_ok());
}

#[test]
fn faults_at_init_refuse_to_start_with_the_reason() {
    let host = host();
    for (mode, wanted) in [
        ("loop", "deadline"),
        ("bomb", "memory limit"),
        ("trap", "trapped"),
    ] {
        let config = format!(r#"{{"misbehave_in_init": "{mode}"}}"#);
        let spec = hostile_spec(&host, &config);
        let error = Supervisor::start(Arc::clone(&host), spec.plugin, config, String::new())
            .err()
            .expect("a plugin that faults in init does not start");
        let message = error.to_string();
        assert!(
            message.contains("hostile") && message.contains(wanted),
            "{mode}: {message}"
        );
    }
}

#[test]
fn a_configuration_that_breaks_the_schema_is_refused_before_the_plugin_sees_it() {
    let host = host();
    let spec = hostile_spec(&host, "");
    let error = Supervisor::start(
        Arc::clone(&host),
        spec.plugin,
        r#"{"misbehave_in_init": "sometimes"}"#.into(),
        String::new(),
    )
    .err()
    .expect("an invalid configuration is refused");
    assert!(matches!(error, PluginError::Config(_)), "{error}");
    assert!(error.to_string().contains("/misbehave_in_init"), "{error}");
}

const HOSTILE_RULES: &str = r#"
- rule: Hostile greeting
  desc: a hostile event that says hello
  condition: hostile.text contains hello
  output: "greeting %hostile.text len=%hostile.len"
  priority: WARNING
  source: hostile
- rule: Hostile address
  desc: a hostile event that is an address
  condition: hostile.ip exists
  output: "address %hostile.ip"
  priority: NOTICE
  source: hostile
"#;

fn pipeline(host: &Arc<PluginHost>) -> (PluginPipeline, Ruleset) {
    let spec = hostile_spec(host, "");
    let specs = vec![spec];
    let mut registry = lanner::sources::builtin_registry();
    lanner::sources::plugin::register(&mut registry, &specs);
    let outcome = Ruleset::load(
        registry,
        &[RulesSource {
            name: "hostile_rules.yaml".into(),
            text: HOSTILE_RULES.into(),
        }],
        &RulesetOptions::default(),
    );
    let ruleset = outcome.ruleset.expect("the hostile rules load");
    let pipeline = PluginPipeline::new(host, &specs, "hostile", &ruleset, "test-host")
        .expect("the pipeline starts");
    (pipeline, ruleset)
}

fn rules_fired(alerts: &[Alert]) -> Vec<String> {
    alerts.iter().map(|a| a.rule.clone()).collect()
}

#[test]
fn an_event_that_kills_extraction_loses_only_its_own_fields() {
    let host = host();
    let (mut pipeline, ruleset) = pipeline(&host);
    for killer in ["extract-loop", "extract-bomb", "extract-trap"] {
        let mut alerts = Vec::new();
        let payload = format!("[\"hello 1\"]\n[\"{killer}\"]\n[\"hello 2\"]\n");
        let report = pipeline
            .ingest(&ruleset, payload.as_bytes(), &mut alerts)
            .expect("ingest itself works");
        assert_eq!(report.events, 3);
        let greetings: Vec<&Alert> = alerts
            .iter()
            .filter(|a| a.rule == "Hostile greeting")
            .collect();
        assert_eq!(greetings.len(), 2, "{killer}: {:?}", rules_fired(&alerts));
        assert_eq!(greetings[0].message, "greeting hello 1 len=7");
        assert_eq!(greetings[1].message, "greeting hello 2 len=7");
        let faults: Vec<&Alert> = alerts.iter().filter(|a| a.source == "internal").collect();
        assert!(
            !faults.is_empty(),
            "{killer}: a fault raises an internal alert"
        );
        for fault in faults {
            assert_eq!(fault.rule, "Plugin fault");
            assert_eq!(fault.output_fields["plugin.name"], "hostile");
            assert_eq!(fault.output_fields["plugin.call"], "extract");
            assert!(fault.message.contains("hostile"), "{}", fault.message);
        }
    }
    assert!(pipeline.stats().faults >= 3);
}

#[test]
fn malformed_values_are_dropped_and_counted_and_the_rest_is_kept() {
    let host = host();
    let (mut pipeline, ruleset) = pipeline(&host);
    let mut alerts = Vec::new();
    let payload =
        b"[\"extract-malformed\"]\n[\"extract-short\"]\n[\"malformed\"]\n10.1.2.3\n[\"hello\"]\n";
    let report = pipeline
        .ingest(&ruleset, payload, &mut alerts)
        .expect("ingest works");
    assert_eq!(report.events, 5);
    // extract-malformed: a non-address for the ipaddr field; extract-short:
    // lists for the two scalar fields conditions read. (`hostile.len` only
    // appears in an output, so it is extracted only for events that match.)
    assert_eq!(pipeline.stats().malformed_values, 3);
    assert_eq!(pipeline.stats().faults, 0);
    let fired = rules_fired(&alerts);
    assert_eq!(
        fired,
        vec!["Hostile address", "Hostile greeting"],
        "{alerts:?}"
    );
    assert_eq!(alerts[0].message, "address 10.1.2.3");
}

#[test]
fn a_plugin_built_for_another_contract_is_refused_naming_both_versions() {
    let host = host();
    let future = plugin_wasm("lanner-plugin-future-contract");
    let error = host
        .load_file(&future)
        .err()
        .expect("a 9.0.0 plugin is refused");
    let message = error.to_string();
    assert!(message.contains("9.0.0"), "{message}");
    assert!(
        message.contains(lanner::plugin::CONTRACT_VERSION),
        "{message}"
    );

    let out = lanner()
        .args(["plugins", "inspect"])
        .arg(&future)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("9.0.0") && stderr.contains(lanner::plugin::CONTRACT_VERSION),
        "{stderr}"
    );

    // Dropped into a plugin directory, it stops a run before it starts.
    let dir = lanner_tests::TempDir::new("future-contract");
    std::fs::copy(&future, dir.path().join("future.wasm")).unwrap();
    let out = lanner()
        .args(["plugins", "list", "--plugin-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("future.wasm") && stderr.contains("9.0.0"),
        "{stderr}"
    );
}

#[test]
fn a_faulting_plugin_source_does_not_stop_the_other_sources_of_a_run() {
    let dir = lanner_tests::TempDir::new("hostile-run");
    let payloads = dir.write(
        "hostile.jsonl",
        "[\"hello 1\"]\n[\"loop\"]\n[\"hello 2\"]\n[\"bomb\"]\n[\"trap\"]\n[\"extract-trap\"]\n[\"hello 3\"]\n",
    );
    let rules = dir.write(
        "rules.yaml",
        &format!(
            "{HOSTILE_RULES}\n- rule: Pod exec\n  desc: exec\n  condition: ka.target.subresource = exec\n  output: \"exec by %ka.user.name\"\n  priority: NOTICE\n  source: k8s_audit\n"
        ),
    );
    let config = dir.write(
        "lanner.yaml",
        &format!(
            "plugins:\n  - name: hostile\n    library_path: {}\n    open_params: {}\nplugin_limits:\n  call_timeout_ms: 300\n  max_memory_mb: 32\n",
            plugin_wasm("lanner-plugin-hostile").display(),
            payloads.display()
        ),
    );
    let mut command = lanner();
    command
        .args(["run", "--source", "hostile", "--source", "k8s_audit"])
        .args(["--webhook-listen", "127.0.0.1:0", "--json", "-r"])
        .arg(&rules)
        .arg("-c")
        .arg(&config);
    let running = lanner_tests::Running::spawn(command, "webhook listening on");
    let url = running.ready_url();
    let post = |user: &str| {
        let event = serde_json::json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("id-{user}"),
            "stage": "ResponseStarted", "verb": "create", "user": {"username": user},
            "objectRef": {"resource": "pods", "namespace": "n", "name": "p", "subresource": "exec"},
            "stageTimestamp": "2026-11-28T09:00:00Z"
        });
        let response = ureq::post(&url)
            .header("Content-Type", "application/json")
            .send(event.to_string())
            .expect("the webhook answers while the hostile source faults");
        assert_eq!(response.status(), 200);
    };
    post("before");
    let mut faults = Vec::new();
    let mut greetings = Vec::new();
    let mut execs = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while greetings.len() < 3 || faults.len() < 4 || execs.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "greetings {greetings:?}, faults {faults:?}, execs {execs:?}"
        );
        let line = running.wait_for_line(Duration::from_secs(30), |_| true);
        let alert: serde_json::Value = serde_json::from_str(&line).expect("a JSON alert");
        match alert["rule"].as_str() {
            Some("Plugin fault") => {
                assert_eq!(alert["source"], "internal");
                assert_eq!(alert["output_fields"]["plugin.name"], "hostile");
                faults.push(alert["output_fields"]["plugin.fault"].to_string());
            }
            Some("Hostile greeting") => greetings.push(alert["output"].to_string()),
            Some("Pod exec") => execs.push(alert["output"].to_string()),
            other => panic!("unexpected alert {other:?}: {line}"),
        }
    }
    let faults = faults.join("\n");
    assert!(faults.contains("deadline"), "{faults}");
    assert!(faults.contains("memory limit"), "{faults}");
    assert!(faults.contains("trapped"), "{faults}");
    // The k8s_audit source kept working through all of it.
    post("after");
    running.wait_for_line(Duration::from_secs(30), |line| {
        line.contains("exec by after")
    });
}

#[test]
fn a_plugin_cannot_reach_files_or_environment() {
    let host = host();
    let mut plugin = supervisor(&host);
    let ingested = plugin
        .ingest(b"[\"probe-sandbox\"]")
        .expect("probing works");
    let report = String::from_utf8(ingested.events[0].data.clone()).unwrap();
    assert_eq!(report, "fs=denied env=0");
}

#[test]
fn the_configured_return_budget_applies_to_a_run() {
    let dir = lanner_tests::TempDir::new("return-budget");
    let rules = dir.write(
        "rules.yaml",
        "- rule: Any\n  desc: d\n  condition: hostile.text exists\n  output: \"x\"\n  priority: NOTICE\n  source: hostile\n",
    );
    // One document whose one event is 2 MiB: within the default budget,
    // over a configured 1 MiB one.
    let input = dir.write(
        "payloads.jsonl",
        &format!("[\"{}\"]\n", "a".repeat(2 << 20)),
    );
    let run = |limits: &str| {
        let config = dir.write(
            "lanner.yaml",
            &format!(
                "plugins:\n  - name: hostile\n    library_path: {}\n{limits}",
                plugin_wasm("lanner-plugin-hostile").display()
            ),
        );
        let out = lanner()
            .args(["run", "--source", "hostile", "--input"])
            .arg(&input)
            .arg("-r")
            .arg(&rules)
            .arg("-c")
            .arg(&config)
            .output()
            .expect("lanner runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = run("plugin_limits: {max_return_mb: 1}\n");
    assert!(
        stderr.contains("returned more than its budget of 1 MiB"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    let (stdout, stderr) = run("");
    assert!(
        !stderr.contains("returned more than") && stdout.contains("Notice x"),
        "stdout: {stdout:?}\nstderr: {stderr:?}"
    );
}
