//! The field table matches Falco's k8saudit 0.18.0: same 100 names, in the
//! same order (a field's position is its id), all strings, same list flags
//! and arguments.

mod common;

use lanner_plugin_k8saudit::K8sAudit;
use lanner_plugin_sdk::{ArgSpec, FieldType, Plugin, Runner};

/// (name, is_list, arg), in Falco's order.
const EXPECTED: [(&str, bool, ArgSpec); 100] = [
    ("ka.auditid", false, ArgSpec::None),
    ("ka.stage", false, ArgSpec::None),
    ("ka.auth.decision", false, ArgSpec::None),
    ("ka.auth.reason", false, ArgSpec::None),
    ("ka.auth.openshift.decision", false, ArgSpec::None),
    (
        "ka.validations.admission.policy.failure",
        false,
        ArgSpec::None,
    ),
    ("ka.security.pod.violations", false, ArgSpec::None),
    ("ka.auth.openshift.username", false, ArgSpec::None),
    ("ka.user.name", false, ArgSpec::None),
    ("ka.user.groups", true, ArgSpec::None),
    ("ka.impuser.name", false, ArgSpec::None),
    ("ka.verb", false, ArgSpec::None),
    ("ka.uri", false, ArgSpec::None),
    ("ka.uri.param", false, ArgSpec::RequiredKey),
    ("ka.target.name", false, ArgSpec::None),
    ("ka.target.namespace", false, ArgSpec::None),
    ("ka.target.resource", false, ArgSpec::None),
    ("ka.target.subresource", false, ArgSpec::None),
    ("ka.target.pod.name", false, ArgSpec::None),
    ("ka.req.binding.subjects", true, ArgSpec::None),
    ("ka.req.binding.subjects.user_names", true, ArgSpec::None),
    (
        "ka.req.binding.subjects.serviceaccount_names",
        true,
        ArgSpec::None,
    ),
    (
        "ka.req.binding.subjects.serviceaccount_ns_names",
        true,
        ArgSpec::None,
    ),
    ("ka.req.binding.subjects.group_names", true, ArgSpec::None),
    ("ka.req.binding.role", false, ArgSpec::None),
    (
        "ka.req.binding.subject.has_name",
        false,
        ArgSpec::RequiredKey,
    ),
    ("ka.req.configmap.name", false, ArgSpec::None),
    ("ka.req.configmap.obj", false, ArgSpec::None),
    ("ka.req.pod.containers.args", true, ArgSpec::OptionalIndex),
    (
        "ka.req.pod.containers.command",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.pod.containers.name", true, ArgSpec::OptionalIndex),
    ("ka.req.pod.containers.image", true, ArgSpec::OptionalIndex),
    ("ka.req.container.image", false, ArgSpec::None),
    (
        "ka.req.pod.containers.image.repository",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.container.image.repository", false, ArgSpec::None),
    ("ka.req.pod.host_ipc", false, ArgSpec::None),
    ("ka.req.pod.host_network", false, ArgSpec::None),
    ("ka.req.container.host_network", false, ArgSpec::None),
    ("ka.req.pod.host_pid", false, ArgSpec::None),
    (
        "ka.req.pod.containers.host_port",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.containers.privileged",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.container.privileged", false, ArgSpec::None),
    (
        "ka.req.pod.containers.allow_privilege_escalation",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.containers.read_only_fs",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.pod.run_as_user", false, ArgSpec::None),
    (
        "ka.req.pod.containers.run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.containers.eff_run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.pod.run_as_group", false, ArgSpec::None),
    (
        "ka.req.pod.containers.run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.containers.eff_run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.containers.proc_mount",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.role.rules", true, ArgSpec::None),
    ("ka.req.role.rules.apiGroups", true, ArgSpec::OptionalIndex),
    (
        "ka.req.role.rules.nonResourceURLs",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.role.rules.verbs", true, ArgSpec::OptionalIndex),
    ("ka.req.role.rules.resources", true, ArgSpec::OptionalIndex),
    ("ka.req.pod.fs_group", false, ArgSpec::None),
    ("ka.req.pod.supplemental_groups", true, ArgSpec::None),
    (
        "ka.req.pod.containers.add_capabilities",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.req.service.type", false, ArgSpec::None),
    ("ka.req.service.ports", true, ArgSpec::OptionalIndex),
    ("ka.req.pod.volumes.hostpath", true, ArgSpec::OptionalIndex),
    ("ka.req.volume.hostpath", false, ArgSpec::RequiredKey),
    (
        "ka.req.pod.volumes.flexvolume_driver",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.volumes.volume_type",
        true,
        ArgSpec::OptionalIndex,
    ),
    ("ka.resp.name", false, ArgSpec::None),
    ("ka.response.code", false, ArgSpec::None),
    ("ka.response.reason", false, ArgSpec::None),
    ("ka.useragent", false, ArgSpec::None),
    ("ka.sourceips", true, ArgSpec::OptionalIndex),
    ("ka.cluster.name", false, ArgSpec::None),
    (
        "ka.req.pod.initContainers.name",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.image",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.image.repository",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.command",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.args",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.privileged",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.allow_privilege_escalation",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.read_only_fs",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.eff_run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.eff_run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.proc_mount",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.add_capabilities",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.initContainers.host_port",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.name",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.image",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.image.repository",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.command",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.args",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.privileged",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.allow_privilege_escalation",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.read_only_fs",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.eff_run_as_user",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.eff_run_as_group",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.proc_mount",
        true,
        ArgSpec::OptionalIndex,
    ),
    (
        "ka.req.pod.ephemeralContainers.add_capabilities",
        true,
        ArgSpec::OptionalIndex,
    ),
];

#[test]
fn table_matches_falco() {
    let infos = Runner::<K8sAudit>::field_infos();
    assert_eq!(infos.len(), 100);
    for (id, (info, (name, is_list, arg))) in infos.iter().zip(EXPECTED).enumerate() {
        assert_eq!(info.name, name, "field {id}");
        assert_eq!(info.ty, FieldType::String, "{name}");
        assert_eq!(info.is_list, is_list, "{name}");
        assert_eq!(info.arg, arg, "{name}");
        assert!(!info.description.trim().is_empty(), "{name}");
        assert!(!info.hidden, "{name}");
    }
}

#[test]
fn identity() {
    assert_eq!(K8sAudit::NAME, "k8saudit");
    assert_eq!(K8sAudit::VERSION, "0.18.0");
    assert_eq!(K8sAudit::EVENT_SOURCE, Some("k8s_audit"));
    assert!(K8sAudit::CONFIG_SCHEMA.is_some());
}

#[test]
fn configuration() {
    assert!(Runner::<K8sAudit>::new("").is_ok());
    assert!(
        Runner::<K8sAudit>::new(
            r#"{"maxEventSize": 1000, "sslCertificate": "/etc/falco/falco.pem", "useAsync": true, "webhookMaxBatchSize": 12582912}"#
        )
        .is_ok()
    );
    assert!(Runner::<K8sAudit>::new(r#"{"maxEventSize": 0}"#).is_err());
    assert!(Runner::<K8sAudit>::new(r#"{"maxEventSize": "big"}"#).is_err());
    assert!(Runner::<K8sAudit>::new(r#"{"listen": ":9765"}"#).is_err());
}
