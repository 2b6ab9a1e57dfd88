//! Every field, extracted from hand-written audit.k8s.io/v1 events: each one
//! at least once with a value and once without, index and key arguments,
//! and the upstream bugs this plugin fixes.

mod common;

use common::{Harness, field_id, text, texts};
use lanner_plugin_k8saudit::K8sAudit;
use lanner_plugin_sdk::runner::RequestArg;
use lanner_plugin_sdk::{ArgSpec, Runner, Value};
use serde_json::json;
use std::collections::BTreeSet;

/// One expectation: field, argument, value.
type Case = (&'static str, RequestArg, Value);

fn none(name: &'static str, value: Value) -> Case {
    (name, RequestArg::None, value)
}

fn idx(name: &'static str, index: u64, value: Value) -> Case {
    (name, RequestArg::Index(index), value)
}

fn key(name: &'static str, key: &str, value: Value) -> Case {
    (name, RequestArg::Key(key.to_owned()), value)
}

/// Checks `cases` against the event in `fixture`; returns the names of the
/// fields that produced a value.
fn check(fixture: &str, cases: Vec<Case>) -> BTreeSet<&'static str> {
    let mut h = Harness::new();
    let data = h.event(fixture);
    let mut seen = BTreeSet::new();
    for (name, arg, expected) in cases {
        let got = h.get(&data, name, arg.clone());
        assert_eq!(got, expected, "{fixture}: {name} {arg:?}");
        if got != Value::Absent {
            seen.insert(name);
        }
    }
    seen
}

fn pod_cases() -> Vec<Case> {
    vec![
        none("ka.auditid", text("5f7a9c1e-0000-4000-8000-000000000001")),
        none("ka.stage", text("ResponseComplete")),
        none("ka.auth.decision", text("allow")),
        none(
            "ka.auth.reason",
            text("RBAC: allowed by ClusterRoleBinding \"devs\""),
        ),
        none("ka.auth.openshift.decision", text("allow")),
        none(
            "ka.validations.admission.policy.failure",
            text("[{\"message\":\"no privileged\"}]"),
        ),
        none(
            "ka.security.pod.violations",
            text("would violate PodSecurity \"restricted:latest\""),
        ),
        none("ka.auth.openshift.username", text("alice")),
        none("ka.user.name", text("alice@example.com")),
        none(
            "ka.user.groups",
            texts(&["developers", "system:authenticated"]),
        ),
        none(
            "ka.impuser.name",
            text("system:serviceaccount:shop:deployer"),
        ),
        none("ka.verb", text("create")),
        none(
            "ka.uri",
            text("/api/v1/namespaces/shop/pods?fieldManager=kubectl-client-side-apply&dryRun=All"),
        ),
        key("ka.uri.param", "dryRun", text("All")),
        key(
            "ka.uri.param",
            "fieldManager",
            text("kubectl-client-side-apply"),
        ),
        key("ka.uri.param", "command", Value::Absent),
        none("ka.target.name", text("web-1")),
        none("ka.target.namespace", text("shop")),
        none("ka.target.resource", text("pods")),
        none("ka.target.subresource", Value::Absent),
        none("ka.target.pod.name", text("web-1")),
        // Containers: two regular, one init, one ephemeral.
        none(
            "ka.req.pod.containers.args",
            texts(&["daemon off; --verbose"]),
        ),
        none("ka.req.pod.containers.command", texts(&["nginx -g"])),
        idx("ka.req.pod.containers.command", 1, Value::Absent),
        none("ka.req.pod.containers.name", texts(&["web", "sidecar"])),
        idx("ka.req.pod.containers.name", 1, texts(&["sidecar"])),
        idx("ka.req.pod.containers.name", 2, Value::Absent),
        none(
            "ka.req.pod.containers.image",
            texts(&[
                "nginx:1.27@sha256:0123456789abcdef",
                "registry.local:5000/team/sidecar:2.1",
            ]),
        ),
        none(
            "ka.req.container.image",
            text("nginx:1.27@sha256:0123456789abcdef"),
        ),
        // Fixed: a registry port is not a tag, a digest is not part of the name.
        none(
            "ka.req.pod.containers.image.repository",
            texts(&["nginx", "registry.local:5000/team/sidecar"]),
        ),
        idx(
            "ka.req.pod.containers.image.repository",
            1,
            texts(&["registry.local:5000/team/sidecar"]),
        ),
        none("ka.req.container.image.repository", text("nginx")),
        none("ka.req.pod.host_ipc", text("true")),
        none("ka.req.pod.host_network", text("true")),
        none("ka.req.container.host_network", text("true")),
        none("ka.req.pod.host_pid", text("false")),
        none("ka.req.pod.containers.host_port", texts(&["8080", "443"])),
        idx("ka.req.pod.containers.host_port", 1, Value::Absent),
        none("ka.req.pod.containers.privileged", texts(&["true"])),
        none("ka.req.container.privileged", text("true")),
        none(
            "ka.req.pod.containers.allow_privilege_escalation",
            texts(&["true"]),
        ),
        none("ka.req.pod.containers.read_only_fs", texts(&["false"])),
        none("ka.req.pod.run_as_user", text("1000")),
        none("ka.req.pod.containers.run_as_user", texts(&["0"])),
        // Fixed: container securityContext first, then the pod's.
        none(
            "ka.req.pod.containers.eff_run_as_user",
            texts(&["0", "1000"]),
        ),
        idx("ka.req.pod.containers.eff_run_as_user", 1, texts(&["1000"])),
        none("ka.req.pod.run_as_group", text("3000")),
        none("ka.req.pod.containers.run_as_group", texts(&["7"])),
        none(
            "ka.req.pod.containers.eff_run_as_group",
            texts(&["3000", "7"]),
        ),
        none("ka.req.pod.containers.proc_mount", texts(&["Unmasked"])),
        none("ka.req.pod.fs_group", text("2000")),
        none("ka.req.pod.supplemental_groups", texts(&["4000", "5000"])),
        none(
            "ka.req.pod.containers.add_capabilities",
            texts(&["NET_ADMIN", "SYS_TIME"]),
        ),
        idx("ka.req.pod.containers.add_capabilities", 1, Value::Absent),
        // Volumes.
        none(
            "ka.req.pod.volumes.hostpath",
            texts(&["/etc", "/var/run/docker.sock"]),
        ),
        idx(
            "ka.req.pod.volumes.hostpath",
            1,
            texts(&["/var/run/docker.sock"]),
        ),
        idx("ka.req.pod.volumes.hostpath", 2, Value::Absent),
        key("ka.req.volume.hostpath", "/etc", text("true")),
        key("ka.req.volume.hostpath", "/var/run/*", text("true")),
        key("ka.req.volume.hostpath", "/var/run", text("false")),
        key("ka.req.volume.hostpath", "/proc*", text("false")),
        key("ka.req.volume.hostpath", "*", text("true")),
        none(
            "ka.req.pod.volumes.flexvolume_driver",
            texts(&["example.com/lvm"]),
        ),
        idx("ka.req.pod.volumes.flexvolume_driver", 0, Value::Absent),
        none(
            "ka.req.pod.volumes.volume_type",
            texts(&["hostPath", "hostPath", "flexVolume", "configMap"]),
        ),
        idx("ka.req.pod.volumes.volume_type", 3, texts(&["configMap"])),
        none("ka.resp.name", text("web-1")),
        none("ka.response.code", text("201")),
        none("ka.response.reason", Value::Absent),
        none(
            "ka.useragent",
            text("kubectl/v1.31.0 (linux/amd64) kubernetes/abc123"),
        ),
        // Fixed: the top-level sourceIPs.
        none("ka.sourceips", texts(&["10.0.0.7", "192.168.1.20"])),
        idx("ka.sourceips", 1, texts(&["192.168.1.20"])),
        idx("ka.sourceips", 2, Value::Absent),
        none("ka.cluster.name", text("prod-eu-1")),
        // Init containers.
        none("ka.req.pod.initContainers.name", texts(&["init-perms"])),
        none("ka.req.pod.initContainers.image", texts(&["busybox:1.36"])),
        none(
            "ka.req.pod.initContainers.image.repository",
            texts(&["busybox"]),
        ),
        none("ka.req.pod.initContainers.command", texts(&["sh -c"])),
        none(
            "ka.req.pod.initContainers.args",
            texts(&["chown -R 1000 /data"]),
        ),
        none("ka.req.pod.initContainers.privileged", texts(&["false"])),
        none(
            "ka.req.pod.initContainers.allow_privilege_escalation",
            texts(&["false"]),
        ),
        none("ka.req.pod.initContainers.read_only_fs", texts(&["true"])),
        none("ka.req.pod.initContainers.run_as_user", texts(&["0"])),
        none("ka.req.pod.initContainers.eff_run_as_user", texts(&["0"])),
        none("ka.req.pod.initContainers.run_as_group", texts(&["0"])),
        none("ka.req.pod.initContainers.eff_run_as_group", texts(&["0"])),
        none("ka.req.pod.initContainers.proc_mount", texts(&["Default"])),
        none(
            "ka.req.pod.initContainers.add_capabilities",
            texts(&["CHOWN"]),
        ),
        none("ka.req.pod.initContainers.host_port", texts(&["9001"])),
        idx("ka.req.pod.initContainers.host_port", 0, texts(&["9001"])),
        idx("ka.req.pod.initContainers.name", 1, Value::Absent),
        // Ephemeral containers.
        none("ka.req.pod.ephemeralContainers.name", texts(&["debugger"])),
        none(
            "ka.req.pod.ephemeralContainers.image",
            texts(&["docker.io/library/alpine@sha256:feedface"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.image.repository",
            texts(&["docker.io/library/alpine"]),
        ),
        none("ka.req.pod.ephemeralContainers.command", texts(&["sh"])),
        none("ka.req.pod.ephemeralContainers.args", texts(&["-i"])),
        none(
            "ka.req.pod.ephemeralContainers.privileged",
            texts(&["true"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.allow_privilege_escalation",
            texts(&["true"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.read_only_fs",
            texts(&["false"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.run_as_user",
            texts(&["1001"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.eff_run_as_user",
            texts(&["1001"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.run_as_group",
            texts(&["1002"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.eff_run_as_group",
            texts(&["1002"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.proc_mount",
            texts(&["Unmasked"]),
        ),
        none(
            "ka.req.pod.ephemeralContainers.add_capabilities",
            texts(&["SYS_PTRACE"]),
        ),
        idx(
            "ka.req.pod.ephemeralContainers.add_capabilities",
            0,
            texts(&["SYS_PTRACE"]),
        ),
        // Not a binding, role, configmap or service.
        none("ka.req.binding.subjects", Value::Absent),
        none("ka.req.role.rules", Value::Absent),
        none("ka.req.service.type", Value::Absent),
        none("ka.req.service.ports", Value::Absent),
    ]
}

fn binding_cases() -> Vec<Case> {
    vec![
        none(
            "ka.req.binding.subjects",
            texts(&[
                r#"{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"bob"}"#,
                r#"{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:unauthenticated"}"#,
                r#"{"kind":"ServiceAccount","name":"builder","namespace":"ci"}"#,
                r#"{"kind":"ServiceAccount","name":"orphan"}"#,
                r#"{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"carol"}"#,
            ]),
        ),
        none(
            "ka.req.binding.subjects.user_names",
            texts(&["bob", "carol"]),
        ),
        none(
            "ka.req.binding.subjects.serviceaccount_names",
            texts(&["builder", "orphan"]),
        ),
        none(
            "ka.req.binding.subjects.serviceaccount_ns_names",
            texts(&["ci:builder"]),
        ),
        none(
            "ka.req.binding.subjects.group_names",
            texts(&["system:unauthenticated"]),
        ),
        none("ka.req.binding.role", text("cluster-admin")),
        // Fixed: the documented "N/A", not upstream's "true".
        key("ka.req.binding.subject.has_name", "bob", text("N/A")),
        key("ka.req.binding.subject.has_name", "nobody", text("N/A")),
        // An empty string is a value, not an absence.
        none("ka.auth.reason", text("")),
        none("ka.target.pod.name", Value::Absent),
        none("ka.target.namespace", Value::Absent),
        none("ka.req.pod.containers.name", Value::Absent),
        key("ka.req.volume.hostpath", "/etc", Value::Absent),
        none("ka.req.container.privileged", Value::Absent),
    ]
}

fn role_cases() -> Vec<Case> {
    vec![
        none(
            "ka.req.role.rules",
            texts(&[
                r#"{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list"]}"#,
                r#"{"apiGroups":["apps","batch"],"resources":["*"],"verbs":["*"]}"#,
                r#"{"nonResourceURLs":["/healthz","/metrics"],"verbs":["get"]}"#,
            ]),
        ),
        none("ka.req.role.rules.apiGroups", texts(&["", "apps", "batch"])),
        idx("ka.req.role.rules.apiGroups", 1, texts(&["apps", "batch"])),
        idx("ka.req.role.rules.apiGroups", 2, Value::Absent),
        none(
            "ka.req.role.rules.nonResourceURLs",
            texts(&["/healthz", "/metrics"]),
        ),
        idx("ka.req.role.rules.nonResourceURLs", 0, Value::Absent),
        none(
            "ka.req.role.rules.verbs",
            texts(&["get", "list", "*", "get"]),
        ),
        idx("ka.req.role.rules.verbs", 1, texts(&["*"])),
        none(
            "ka.req.role.rules.resources",
            texts(&["pods", "pods/log", "*"]),
        ),
        idx("ka.req.role.rules.resources", 9, Value::Absent),
        none("ka.sourceips", Value::Absent),
        none("ka.user.groups", Value::Absent),
    ]
}

fn configmap_cases() -> Vec<Case> {
    vec![
        none("ka.req.configmap.name", text("app-settings")),
        none(
            "ka.req.configmap.obj",
            text(r#"{"aws_secret_access_key":"not-really","mode":"prod"}"#),
        ),
        none("ka.response.code", text("409")),
        none("ka.response.reason", text("AlreadyExists")),
        none("ka.resp.name", Value::Absent),
        none("ka.auth.decision", Value::Absent),
        none("ka.cluster.name", Value::Absent),
        none("ka.impuser.name", Value::Absent),
    ]
}

fn exec_cases() -> Vec<Case> {
    vec![
        none("ka.target.subresource", text("exec")),
        // Only for the pod itself, not a subresource.
        none("ka.target.pod.name", Value::Absent),
        none("ka.resp.name", text("web-1")),
        // The first value, percent-decoded.
        key("ka.uri.param", "command", text("sh")),
        key("ka.uri.param", "container", text("web")),
        key("ka.uri.param", "tty", text("true")),
        key("ka.uri.param", "stdout", Value::Absent),
        none("ka.uri.param", Value::Absent),
        none("ka.response.code", text("101")),
        none("ka.sourceips", texts(&["203.0.113.9"])),
        none("ka.req.pod.containers.image", Value::Absent),
        none("ka.req.pod.volumes.hostpath", Value::Absent),
    ]
}

fn service_cases() -> Vec<Case> {
    vec![
        none("ka.req.service.type", text("NodePort")),
        none(
            "ka.req.service.ports",
            texts(&[
                r#"{"name":"http","nodePort":30080,"port":80,"protocol":"TCP","targetPort":8080}"#,
                r#"{"name":"https","port":443,"protocol":"TCP","targetPort":8443}"#,
            ]),
        ),
        idx(
            "ka.req.service.ports",
            1,
            texts(&[r#"{"name":"https","port":443,"protocol":"TCP","targetPort":8443}"#]),
        ),
        idx("ka.req.service.ports", 2, Value::Absent),
        // A service spec has no containers: eff_* has nothing to default.
        none("ka.req.pod.containers.eff_run_as_user", Value::Absent),
        none("ka.req.pod.host_network", Value::Absent),
    ]
}

#[test]
fn every_field_yields_a_value_somewhere() {
    let mut seen = BTreeSet::new();
    seen.extend(check("pod_create.json", pod_cases()));
    seen.extend(check("clusterrolebinding.json", binding_cases()));
    seen.extend(check("role.json", role_cases()));
    seen.extend(check("configmap.json", configmap_cases()));
    seen.extend(check("exec.json", exec_cases()));
    seen.extend(check("service.json", service_cases()));
    let missing: Vec<_> = Runner::<K8sAudit>::field_infos()
        .into_iter()
        .map(|f| f.name)
        .filter(|name| !seen.contains(name.as_str()))
        .collect();
    assert!(missing.is_empty(), "never extracted: {missing:?}");
}

/// A bare event has nothing to extract beyond its id, whatever the argument.
#[test]
fn every_field_is_absent_on_a_bare_event() {
    let mut h = Harness::new();
    let bare =
        json!({"kind": "Event", "auditID": "bare", "stageTimestamp": "2026-11-28T10:00:01Z"});
    let data = bare.to_string().into_bytes();
    for info in Runner::<K8sAudit>::field_infos() {
        let arg = match info.arg {
            ArgSpec::RequiredKey | ArgSpec::OptionalKey => RequestArg::Key("/etc".to_owned()),
            ArgSpec::OptionalIndex | ArgSpec::RequiredIndex => RequestArg::Index(0),
            ArgSpec::None => RequestArg::None,
        };
        let expected = match info.name.as_str() {
            "ka.auditid" => text("bare"),
            "ka.req.binding.subject.has_name" => text("N/A"),
            _ => Value::Absent,
        };
        assert_eq!(h.get(&data, &info.name, arg), expected, "{}", info.name);
        if info.arg == ArgSpec::OptionalIndex {
            assert_eq!(h.field(&data, &info.name), Value::Absent, "{}", info.name);
        }
    }
}

#[test]
fn events_without_audit_id_extract_nothing() {
    let mut h = Harness::new();
    let out = h.ingest(
        json!({"kind": "Event", "stageTimestamp": "2026-11-28T10:00:01Z", "verb": "get",
               "user": {"username": "x"}})
        .to_string()
        .as_bytes(),
    );
    // Ingest does not require auditID (upstream neither); extraction does.
    assert_eq!(out.events.len(), 1);
    let data = out.events[0].data.clone();
    for info in Runner::<K8sAudit>::field_infos() {
        let arg = match info.arg {
            ArgSpec::RequiredKey => RequestArg::Key("k".to_owned()),
            _ => RequestArg::None,
        };
        assert_eq!(
            h.get(&data, &info.name, arg),
            Value::Absent,
            "{}",
            info.name
        );
    }
    for junk in [&b"not json"[..], b"[1,2]", b"{\"auditID\": null}", b""] {
        assert_eq!(h.field(junk, "ka.auditid"), Value::Absent);
    }
}

#[test]
fn non_string_values_render_as_json_and_null_is_absent() {
    let mut h = Harness::new();
    let data = json!({
        "auditID": 17,
        "stage": null,
        "verb": {"odd": [1, true]},
        "user": {"groups": ["a", 5, null, false]},
        "requestObject": {"spec": {"hostNetwork": false, "containers": [
            {"name": "a", "command": "sh -c id", "securityContext": {"privileged": "yes"},
             "ports": [{"hostPort": "80"}, {"protocol": "UDP"}, {"containerPort": 53}]},
            "not a container",
            {"securityContext": {"runAsUser": null}}
        ]}}
    })
    .to_string()
    .into_bytes();
    assert_eq!(h.field(&data, "ka.auditid"), text("17"));
    assert_eq!(h.field(&data, "ka.stage"), Value::Absent);
    assert_eq!(h.field(&data, "ka.verb"), text(r#"{"odd":[1,true]}"#));
    assert_eq!(
        h.field(&data, "ka.user.groups"),
        texts(&["a", "5", "false"])
    );
    assert_eq!(h.field(&data, "ka.req.pod.host_network"), text("false"));
    // A string command is taken as is.
    assert_eq!(
        h.field(&data, "ka.req.pod.containers.command"),
        texts(&["sh -c id"])
    );
    assert_eq!(
        h.field(&data, "ka.req.pod.containers.host_port"),
        texts(&["80", "53"])
    );
    // Only a JSON true counts as privileged.
    assert_eq!(h.field(&data, "ka.req.container.privileged"), text("false"));
    assert_eq!(
        h.field(&data, "ka.req.pod.containers.privileged"),
        texts(&["yes"])
    );
    // Every container gets an effective uid, defaulting to 0.
    assert_eq!(
        h.field(&data, "ka.req.pod.containers.eff_run_as_user"),
        texts(&["0", "0", "0"])
    );
    assert_eq!(h.field(&data, "ka.req.pod.containers.name"), texts(&["a"]));
    assert_eq!(h.at(&data, "ka.req.pod.containers.name", 1), Value::Absent);
}

#[test]
fn index_given_as_a_numeric_key_still_selects() {
    let mut h = Harness::new();
    let data = h.event("pod_create.json");
    assert_eq!(
        h.key(&data, "ka.req.pod.containers.name", "1"),
        texts(&["sidecar"])
    );
    assert_eq!(
        h.at(&data, "ka.req.pod.containers.name", u64::MAX),
        Value::Absent
    );
}

#[test]
fn first_container_fields_without_containers() {
    let mut h = Harness::new();
    let data = json!({"auditID": "a", "requestObject": {"spec": {"containers": []}}})
        .to_string()
        .into_bytes();
    assert_eq!(h.field(&data, "ka.req.container.image"), Value::Absent);
    assert_eq!(
        h.field(&data, "ka.req.container.image.repository"),
        Value::Absent
    );
    // An empty container list: nothing is privileged.
    assert_eq!(h.field(&data, "ka.req.container.privileged"), text("false"));
}

#[test]
fn field_ids_are_stable_positions() {
    assert_eq!(field_id("ka.auditid"), 0);
    assert_eq!(field_id("ka.useragent"), 68);
    assert_eq!(field_id("ka.req.pod.initContainers.host_port"), 85);
    assert_eq!(
        field_id("ka.req.pod.ephemeralContainers.add_capabilities"),
        99
    );
}
