//! The k8saudit field table: 100 `ka.*` fields, in Falco's order and with
//! Falco's names, types and arguments, so rules and field ids line up.
//!
//! Fields that are a plain lookup are declared right here with their path;
//! the ones that compute something live in a module per group.

mod containers;
mod rbac;
mod request;
mod volumes;

use crate::{Event, K8sAudit};
use containers::{Attr, Containers};
use lanner_plugin_sdk::Field;

/// A field of this plugin.
pub(crate) type F = Field<K8sAudit>;

/// Where a pod's (or service's) spec sits in the audit event.
const REQUEST_SPEC: [&str; 2] = ["requestObject", "spec"];

/// The value at `path` as text.
fn text(name: &'static str, description: &'static str, path: &'static [&'static str]) -> F {
    Field::string(name, description, move |event: &Event, _| {
        event.text_at(path)
    })
}

/// Each element of the array at `path` as text.
fn list(name: &'static str, description: &'static str, path: &'static [&'static str]) -> F {
    Field::string(name, description, move |event: &Event, _| {
        event.list_at(path)
    })
    .list()
}

/// Every field, in id order.
pub fn table() -> Vec<F> {
    use Attr::*;
    use Containers::{Ephemeral, Init, Main};

    let mut fields = vec![
        text("ka.auditid", "The audit event's unique id.", &["auditID"]),
        text(
            "ka.stage",
            "The stage the request was in when the event was generated (RequestReceived, ResponseComplete, ...).",
            &["stage"],
        ),
        text(
            "ka.auth.decision",
            "The authorization decision (allow or forbid).",
            &["annotations", "authorization.k8s.io/decision"],
        ),
        text(
            "ka.auth.reason",
            "Why the request was authorized or refused.",
            &["annotations", "authorization.k8s.io/reason"],
        ),
        text(
            "ka.auth.openshift.decision",
            "The OpenShift apiserver extension's authentication decision (OpenShift clusters only).",
            &["annotations", "authentication.openshift.io/decision"],
        ),
        text(
            "ka.validations.admission.policy.failure",
            "Why a ValidatingAdmissionPolicy rejected the request.",
            &[
                "annotations",
                "validation.policy.admission.k8s.io/validation_failure",
            ],
        ),
        text(
            "ka.security.pod.violations",
            "The Pod Security admission violations recorded for the request.",
            &["annotations", "pod-security.kubernetes.io/audit-violations"],
        ),
        text(
            "ka.auth.openshift.username",
            "The user the OpenShift apiserver extension authenticated (OpenShift clusters only).",
            &["annotations", "authentication.openshift.io/username"],
        ),
        text(
            "ka.user.name",
            "The name of the user making the request.",
            &["user", "username"],
        ),
        list(
            "ka.user.groups",
            "The groups the requesting user belongs to.",
            &["user", "groups"],
        ),
        text(
            "ka.impuser.name",
            "The name of the user being impersonated, if any.",
            &["impersonatedUser", "username"],
        ),
        text(
            "ka.verb",
            "The action requested (get, list, create, ...).",
            &["verb"],
        ),
        text(
            "ka.uri",
            "The request URI as the client sent it.",
            &["requestURI"],
        ),
        request::uri_param(),
        text(
            "ka.target.name",
            "The name of the object the request is about.",
            &["objectRef", "name"],
        ),
        text(
            "ka.target.namespace",
            "The namespace of the object the request is about.",
            &["objectRef", "namespace"],
        ),
        text(
            "ka.target.resource",
            "The resource type the request is about (pods, secrets, ...).",
            &["objectRef", "resource"],
        ),
        text(
            "ka.target.subresource",
            "The subresource the request is about (exec, log, ...).",
            &["objectRef", "subresource"],
        ),
        request::target_pod_name(),
        list(
            "ka.req.binding.subjects",
            "Binding: the subjects (users, groups, service accounts) it links, each as JSON.",
            &["requestObject", "subjects"],
        ),
        rbac::subject_names(
            "ka.req.binding.subjects.user_names",
            "Binding: the names of the users it links.",
            "User",
        ),
        rbac::subject_names(
            "ka.req.binding.subjects.serviceaccount_names",
            "Binding: the names of the service accounts it links.",
            "ServiceAccount",
        ),
        rbac::serviceaccount_ns_names(),
        rbac::subject_names(
            "ka.req.binding.subjects.group_names",
            "Binding: the names of the groups it links.",
            "Group",
        ),
        text(
            "ka.req.binding.role",
            "Binding: the name of the role it grants.",
            &["requestObject", "roleRef", "name"],
        ),
        rbac::subject_has_name(),
        text(
            "ka.req.configmap.name",
            "ConfigMap: its name.",
            &["objectRef", "name"],
        ),
        text(
            "ka.req.configmap.obj",
            "ConfigMap: its whole data, as JSON.",
            &["requestObject", "data"],
        ),
        containers::field(Main, Args),
        containers::field(Main, Command),
        containers::field(Main, Name),
        containers::field(Main, Image),
        containers::first_image(
            "ka.req.container.image",
            "Deprecated by ka.req.pod.containers.image: the first container's image.",
            false,
        ),
        containers::field(Main, ImageRepository),
        containers::first_image(
            "ka.req.container.image.repository",
            "Deprecated by ka.req.pod.containers.image.repository: the first container's image repository.",
            true,
        ),
        text(
            "ka.req.pod.host_ipc",
            "Pod: its hostIPC flag.",
            &["requestObject", "spec", "hostIPC"],
        ),
        text(
            "ka.req.pod.host_network",
            "Pod: its hostNetwork flag.",
            &["requestObject", "spec", "hostNetwork"],
        ),
        text(
            "ka.req.container.host_network",
            "Deprecated alias of ka.req.pod.host_network.",
            &["requestObject", "spec", "hostNetwork"],
        ),
        text(
            "ka.req.pod.host_pid",
            "Pod: its hostPID flag.",
            &["requestObject", "spec", "hostPID"],
        ),
        containers::field(Main, HostPort),
        containers::field(Main, Privileged),
        containers::any_privileged(),
        containers::field(Main, AllowPrivilegeEscalation),
        containers::field(Main, ReadOnlyFs),
        text(
            "ka.req.pod.run_as_user",
            "Pod: the runAsUser uid of its security context (see ka.req.pod.containers.run_as_user for containers).",
            &["requestObject", "spec", "securityContext", "runAsUser"],
        ),
        containers::field(Main, RunAsUser),
        containers::field(Main, EffRunAsUser),
        text(
            "ka.req.pod.run_as_group",
            "Pod: the runAsGroup gid of its security context (see ka.req.pod.containers.run_as_group for containers).",
            &["requestObject", "spec", "securityContext", "runAsGroup"],
        ),
        containers::field(Main, RunAsGroup),
        containers::field(Main, EffRunAsGroup),
        containers::field(Main, ProcMount),
        list(
            "ka.req.role.rules",
            "Role: its rules, each as JSON.",
            &["requestObject", "rules"],
        ),
        rbac::rule_items(
            "ka.req.role.rules.apiGroups",
            "Role: the API groups its rules cover.",
            "apiGroups",
        ),
        rbac::rule_items(
            "ka.req.role.rules.nonResourceURLs",
            "Role: the non-resource URLs its rules cover.",
            "nonResourceURLs",
        ),
        rbac::rule_items(
            "ka.req.role.rules.verbs",
            "Role: the verbs its rules allow.",
            "verbs",
        ),
        rbac::rule_items(
            "ka.req.role.rules.resources",
            "Role: the resources its rules cover.",
            "resources",
        ),
        text(
            "ka.req.pod.fs_group",
            "Pod: the fsGroup gid of its security context.",
            &["requestObject", "spec", "securityContext", "fsGroup"],
        ),
        list(
            "ka.req.pod.supplemental_groups",
            "Pod: the supplementalGroups gids of its security context.",
            &[
                "requestObject",
                "spec",
                "securityContext",
                "supplementalGroups",
            ],
        ),
        containers::field(Main, AddCapabilities),
        text(
            "ka.req.service.type",
            "Service: its type (ClusterIP, NodePort, ...).",
            &["requestObject", "spec", "type"],
        ),
        volumes::service_ports(),
        volumes::per_volume(
            "ka.req.pod.volumes.hostpath",
            "Pod: the host paths its volumes mount.",
            &["hostPath", "path"],
        ),
        volumes::hostpath_used(),
        volumes::per_volume(
            "ka.req.pod.volumes.flexvolume_driver",
            "Pod: the drivers of its flexVolume volumes.",
            &["flexVolume", "driver"],
        ),
        volumes::volume_types(),
        text(
            "ka.resp.name",
            "The name of the object in the response.",
            &["responseObject", "metadata", "name"],
        ),
        text(
            "ka.response.code",
            "The HTTP status code of the response.",
            &["responseStatus", "code"],
        ),
        text(
            "ka.response.reason",
            "Why the request failed (usually set only on failures).",
            &["responseStatus", "reason"],
        ),
        text(
            "ka.useragent",
            "The user agent of the client.",
            &["userAgent"],
        ),
        request::source_ips(),
        text(
            "ka.cluster.name",
            "The name of the Kubernetes cluster.",
            &["annotations", "cluster_name"],
        ),
    ];
    fields.extend(containers::block(Init));
    fields.extend(containers::block(Ephemeral));
    fields
}
