//! Pod container fields, built once for `containers`, `initContainers` and
//! `ephemeralContainers` so the three families cannot drift apart.

use super::{F, REQUEST_SPEC};
use crate::Event;
use crate::json::{self, Pick, as_text, get};
use lanner_plugin_sdk::{ArgSpec, Field, Value};
use serde_json::Value as Json;

/// One of the pod spec's container lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Containers {
    /// `spec.containers`.
    Main,
    /// `spec.initContainers`.
    Init,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

impl Containers {
    /// The key of the list under the pod spec.
    fn key(self) -> &'static str {
        match self {
            Containers::Main => "containers",
            Containers::Init => "initContainers",
            Containers::Ephemeral => "ephemeralContainers",
        }
    }

    /// How descriptions name the members of the list.
    fn noun(self) -> &'static str {
        match self {
            Containers::Main => "containers",
            Containers::Init => "init containers",
            Containers::Ephemeral => "ephemeral containers",
        }
    }

    /// The list's containers in a pod spec; none when it has no such list.
    fn of(self, spec: &Json) -> &[Json] {
        json::array_at(spec, &[self.key()]).unwrap_or_default()
    }
}

/// A per-container attribute, i.e. the last part of a container field name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    /// `name`.
    Name,
    /// `image`.
    Image,
    /// `image.repository`: the image without tag or digest.
    ImageRepository,
    /// `command`, joined with spaces.
    Command,
    /// `args`, joined with spaces.
    Args,
    /// `securityContext.privileged`.
    Privileged,
    /// `securityContext.allowPrivilegeEscalation`.
    AllowPrivilegeEscalation,
    /// `securityContext.readOnlyRootFilesystem`.
    ReadOnlyFs,
    /// `securityContext.runAsUser`.
    RunAsUser,
    /// The uid the container starts with (container, then pod, then 0).
    EffRunAsUser,
    /// `securityContext.runAsGroup`.
    RunAsGroup,
    /// The gid the container starts with (container, then pod, then 0).
    EffRunAsGroup,
    /// `securityContext.procMount`.
    ProcMount,
    /// `securityContext.capabilities.add`, flattened.
    AddCapabilities,
    /// Each port's `hostPort`, else its `containerPort`, flattened.
    HostPort,
}

impl Attr {
    /// The order init and ephemeral container fields appear in the table.
    const BLOCK_ORDER: [Attr; 15] = [
        Attr::Name,
        Attr::Image,
        Attr::ImageRepository,
        Attr::Command,
        Attr::Args,
        Attr::Privileged,
        Attr::AllowPrivilegeEscalation,
        Attr::ReadOnlyFs,
        Attr::RunAsUser,
        Attr::EffRunAsUser,
        Attr::RunAsGroup,
        Attr::EffRunAsGroup,
        Attr::ProcMount,
        Attr::AddCapabilities,
        Attr::HostPort,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Attr::Name => "name",
            Attr::Image => "image",
            Attr::ImageRepository => "image.repository",
            Attr::Command => "command",
            Attr::Args => "args",
            Attr::Privileged => "privileged",
            Attr::AllowPrivilegeEscalation => "allow_privilege_escalation",
            Attr::ReadOnlyFs => "read_only_fs",
            Attr::RunAsUser => "run_as_user",
            Attr::EffRunAsUser => "eff_run_as_user",
            Attr::RunAsGroup => "run_as_group",
            Attr::EffRunAsGroup => "eff_run_as_group",
            Attr::ProcMount => "proc_mount",
            Attr::AddCapabilities => "add_capabilities",
            Attr::HostPort => "host_port",
        }
    }

    fn describe(self, noun: &str) -> String {
        match self {
            Attr::Name => format!("Pod: the names of the {noun}."),
            Attr::Image => format!("Pod: the images of the {noun}."),
            Attr::ImageRepository => format!(
                "Pod: the images of the {noun} without tag or digest (e.g. falcosecurity/falco)."
            ),
            Attr::Command => format!("Pod: the command of each of the {noun}, space-joined."),
            Attr::Args => format!("Pod: the arguments of each of the {noun}, space-joined."),
            Attr::Privileged => format!("Pod: the privileged flag of the {noun}."),
            Attr::AllowPrivilegeEscalation => {
                format!("Pod: the allowPrivilegeEscalation flag of the {noun}.")
            }
            Attr::ReadOnlyFs => format!("Pod: the readOnlyRootFilesystem flag of the {noun}."),
            Attr::RunAsUser => format!("Pod: the runAsUser uid of the {noun}."),
            Attr::EffRunAsUser => format!(
                "Pod: the uid each of the {noun} starts with: its own runAsUser, else the pod's, else 0."
            ),
            Attr::RunAsGroup => format!("Pod: the runAsGroup gid of the {noun}."),
            Attr::EffRunAsGroup => format!(
                "Pod: the gid each of the {noun} starts with: its own runAsGroup, else the pod's, else 0."
            ),
            Attr::ProcMount => format!("Pod: the procMount type of the {noun}."),
            Attr::AddCapabilities => format!("Pod: the capabilities added to the {noun}."),
            Attr::HostPort => format!(
                "Pod: the host ports of the {noun} (containerPort where no hostPort is set)."
            ),
        }
    }

    /// The attribute's values for one container, appended to `out`.
    ///
    /// A container that lacks the attribute contributes nothing (upstream
    /// fails the whole field for some attributes in that case, which hides
    /// the other containers' values from rules).
    fn collect(self, pod: &Json, container: &Json, out: &mut Vec<String>) {
        let security = |key: &str| get(container, &["securityContext", key]).map(as_text);
        let value = match self {
            Attr::Name => get(container, &["name"]).map(as_text),
            Attr::Image => get(container, &["image"]).map(as_text),
            Attr::ImageRepository => get(container, &["image"]).map(image_repository),
            Attr::Command => joined(container, "command"),
            Attr::Args => joined(container, "args"),
            Attr::Privileged => security("privileged"),
            Attr::AllowPrivilegeEscalation => security("allowPrivilegeEscalation"),
            Attr::ReadOnlyFs => security("readOnlyRootFilesystem"),
            Attr::RunAsUser => security("runAsUser"),
            Attr::EffRunAsUser => Some(effective(pod, container, "runAsUser")),
            Attr::RunAsGroup => security("runAsGroup"),
            Attr::EffRunAsGroup => Some(effective(pod, container, "runAsGroup")),
            Attr::ProcMount => security("procMount"),
            Attr::AddCapabilities => {
                let added = json::array_at(container, &["securityContext", "capabilities", "add"]);
                out.extend(json::texts(added.unwrap_or_default()));
                None
            }
            Attr::HostPort => {
                let ports = json::array_at(container, &["ports"]).unwrap_or_default();
                out.extend(ports.iter().filter_map(|port| {
                    get(port, &["hostPort"])
                        .or_else(|| get(port, &["containerPort"]))
                        .map(as_text)
                }));
                None
            }
        };
        out.extend(value);
    }
}

/// The field `ka.req.pod.<list>.<attr>`: a list, one entry per selected
/// container (several for the flattened attributes), `[n]` selecting
/// container `n` of the list.
pub fn field(list: Containers, attr: Attr) -> F {
    let name = format!("ka.req.pod.{}.{}", list.key(), attr.suffix());
    Field::string(
        name,
        attr.describe(list.noun()),
        move |event: &Event, arg| {
            let Some(pod) = event.get(&REQUEST_SPEC) else {
                return Value::Absent;
            };
            let mut out = Vec::new();
            for container in Pick::from_arg(arg).select(list.of(pod)) {
                attr.collect(pod, container, &mut out);
            }
            Value::texts(out)
        },
    )
    .list()
    .arg(ArgSpec::OptionalIndex)
}

/// Every field of an init or ephemeral container list, in table order.
/// Ephemeral containers cannot declare ports, so they get no `host_port`.
pub fn block(list: Containers) -> Vec<F> {
    Attr::BLOCK_ORDER
        .into_iter()
        .filter(|attr| !(list == Containers::Ephemeral && *attr == Attr::HostPort))
        .map(|attr| field(list, attr))
        .collect()
}

/// `ka.req.container.image` / `.image.repository`: deprecated single-value
/// forms reading the first regular container only.
pub fn first_image(name: &'static str, description: &'static str, repository_only: bool) -> F {
    Field::string(name, description, move |event: &Event, _| {
        let image = event
            .get(&REQUEST_SPEC)
            .and_then(|spec| Containers::Main.of(spec).first())
            .and_then(|c| get(c, &["image"]));
        Value::text(image.map(|image| {
            if repository_only {
                image_repository(image)
            } else {
                as_text(image)
            }
        }))
    })
}

/// `ka.req.container.privileged`: "true" when any regular container is
/// privileged, "false" otherwise; absent when the request has no containers.
pub fn any_privileged() -> F {
    Field::string(
        "ka.req.container.privileged",
        "Deprecated by ka.req.pod.containers.privileged: \"true\" if any container is privileged, else \"false\".",
        |event: &Event, _| {
            let Some(containers) = event
                .get(&REQUEST_SPEC)
                .and_then(|spec| json::array_at(spec, &[Containers::Main.key()]))
            else {
                return Value::Absent;
            };
            let any = containers.iter().any(|c| {
                get(c, &["securityContext", "privileged"]).and_then(Json::as_bool) == Some(true)
            });
            Value::Text(any.to_string())
        },
    )
}

/// An array attribute (command, args) as one space-joined string.
fn joined(container: &Json, key: &str) -> Option<String> {
    match get(container, &[key])? {
        Json::Array(items) => Some(json::texts(items).join(" ")),
        other => Some(as_text(other)),
    }
}

/// The uid/gid a container starts with.
///
/// Fixes upstream, which looks for `runAsUser`/`runAsGroup` directly on the
/// container and the pod spec instead of under their `securityContext`, and
/// so nearly always answers "0".
fn effective(pod: &Json, container: &Json, key: &str) -> String {
    get(container, &["securityContext", key])
        .or_else(|| get(pod, &["securityContext", key]))
        .map_or_else(|| "0".to_owned(), as_text)
}

/// The repository of an `image` value; a non-string image (malformed, but
/// possible in a request) is rendered as JSON text and cut the same way.
fn image_repository(image: &Json) -> String {
    repository(&as_text(image)).to_owned()
}

/// The repository part of an image reference: no digest, no tag.
///
/// Fixes upstream, which cuts at the first `:` and so turns
/// `registry:5000/app:1` into `registry`. A tag's `:` can only follow the
/// last `/`, so only that segment is searched for it.
pub fn repository(image: &str) -> &str {
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    let last_segment = without_digest.rfind('/').map_or(0, |slash| slash + 1);
    match without_digest[last_segment..].find(':') {
        Some(colon) => &without_digest[..last_segment + colon],
        None => without_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::repository;

    #[test]
    fn repository_strips_tag_and_digest_but_keeps_registry_port() {
        assert_eq!(repository("nginx"), "nginx");
        assert_eq!(repository("nginx:1.2"), "nginx");
        assert_eq!(repository("nginx@sha256:abcd"), "nginx");
        assert_eq!(repository("nginx:1.2@sha256:abcd"), "nginx");
        assert_eq!(repository("registry:5000/app:1"), "registry:5000/app");
        assert_eq!(repository("registry:5000/app"), "registry:5000/app");
        assert_eq!(
            repository("docker.io/falcosecurity/falco:0.40.0"),
            "docker.io/falcosecurity/falco"
        );
        assert_eq!(repository(""), "");
        assert_eq!(repository(":"), "");
    }
}
