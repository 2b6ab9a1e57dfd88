//! OCI runtime specs (a bundle's `config.json`), which CRI-O, Podman and
//! containerd write for every container: the annotations carry what the
//! runtime and Kubernetes know (image, pod, names), and the spec itself the
//! mounts and which namespaces the container does not get of its own.

use super::timestamp::parse_rfc3339;
use crate::state::{ContainerInfo, Mount};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a spec says, before it is merged into a [`ContainerInfo`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OciSpec {
    /// `annotations`, the string-valued ones.
    pub annotations: BTreeMap<String, String>,
    /// The bind mounts (the runtime's own proc, sysfs, tmpfs... mounts are
    /// no user's choice and are left out).
    pub mounts: Vec<Mount>,
    /// The host's pid, network and IPC namespaces are shared: the spec
    /// lists no namespace of that type; `None` without a namespace list.
    pub host_namespaces: Option<(bool, bool, bool)>,
}

/// Mount options that name a propagation mode.
const PROPAGATIONS: &[&str] = &[
    "private",
    "rprivate",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "unbindable",
    "runbindable",
];

/// Parses a spec; `None` when it is not a JSON object.
pub fn parse(text: &str) -> Option<OciSpec> {
    let spec: Value = serde_json::from_str(text).ok()?;
    let spec = spec.as_object()?;
    let annotations = spec
        .get("annotations")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mounts = spec
        .get("mounts")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(bind_mount).collect())
        .unwrap_or_default();
    let host_namespaces = spec
        .get("linux")
        .and_then(|l| l.get("namespaces"))
        .and_then(Value::as_array)
        .map(|list| {
            let has = |kind: &str| {
                list.iter()
                    .any(|ns| ns.get("type").and_then(Value::as_str) == Some(kind))
            };
            (!has("pid"), !has("network"), !has("ipc"))
        });
    Some(OciSpec {
        annotations,
        mounts,
        host_namespaces,
    })
}

fn bind_mount(entry: &Value) -> Option<Mount> {
    let options: Vec<&str> = entry
        .get("options")
        .and_then(Value::as_array)
        .map(|o| o.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let is_bind = entry.get("type").and_then(Value::as_str) == Some("bind")
        || options.iter().any(|o| *o == "bind" || *o == "rbind");
    if !is_bind {
        return None;
    }
    Some(Mount {
        source: entry.get("source")?.as_str()?.to_string(),
        dest: entry.get("destination")?.as_str()?.to_string(),
        mode: String::new(),
        rw: !options.contains(&"ro"),
        propagation: options
            .iter()
            .find(|o| PROPAGATIONS.contains(o))
            .map(|o| o.to_string())
            .unwrap_or_default(),
    })
}

impl OciSpec {
    /// The first non-empty annotation of `keys`.
    fn annotation(&self, keys: &[&str]) -> Option<String> {
        keys.iter()
            .find_map(|k| self.annotations.get(*k).filter(|v| !v.is_empty()))
            .cloned()
    }

    /// Fills what `info` does not know yet from the spec: CRI-O's
    /// (`io.kubernetes.cri-o.*`), containerd's CRI plugin's
    /// (`io.kubernetes.cri.*`) and Podman's (`io.podman.annotations.*`)
    /// annotations, the Kubernetes ones every CRI runtime passes on, the
    /// bind mounts and the shared namespaces.
    pub fn fill(&self, info: &mut ContainerInfo) {
        // CRI-O keeps the container's labels as one JSON object.
        if info.labels.is_empty()
            && let Some(labels) = self.annotations.get("io.kubernetes.cri-o.Labels")
            && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(labels)
        {
            info.labels = map
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                .collect();
        }
        let or_annotation = |slot: &mut Option<String>, keys: &[&str]| {
            if slot.is_none() {
                *slot = self.annotation(keys);
            }
        };
        let label = |key: &str| info.labels.get(key).filter(|v| !v.is_empty()).cloned();
        let container_name = label("io.kubernetes.container.name");
        or_annotation(
            &mut info.name,
            &[
                "io.kubernetes.cri.container-name",
                "io.kubernetes.container.name",
            ],
        );
        if info.name.is_none() {
            info.name = container_name;
        }
        or_annotation(
            &mut info.pod_name,
            &["io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"],
        );
        or_annotation(
            &mut info.pod_namespace,
            &[
                "io.kubernetes.cri.sandbox-namespace",
                "io.kubernetes.pod.namespace",
            ],
        );
        or_annotation(
            &mut info.pod_uid,
            &["io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid"],
        );
        or_annotation(
            &mut info.sandbox_id,
            &[
                "io.kubernetes.cri.sandbox-id",
                "io.kubernetes.cri-o.SandboxID",
            ],
        );
        info.pod_from_labels();
        if info.image.is_none()
            && let Some(image) = self.annotation(&[
                "io.kubernetes.cri.image-name",
                "io.kubernetes.cri-o.ImageName",
                "io.kubernetes.cri-o.Image",
            ])
        {
            info.set_image(&image);
        }
        if let Some(reference) = self.annotation(&["io.kubernetes.cri-o.ImageRef"]) {
            // Either the image's id or a pinned reference `repo@sha256:...`.
            match reference.split_once('@') {
                Some((_, digest)) => {
                    info.image_digest.get_or_insert_with(|| digest.to_string());
                }
                None => {
                    info.image_id
                        .get_or_insert_with(|| strip_algorithm(&reference).to_string());
                }
            }
        }
        if info.start_ts.is_none() {
            info.start_ts = self
                .annotation(&["io.kubernetes.cri-o.Created"])
                .and_then(|t| parse_rfc3339(&t));
        }
        if info.privileged.is_none() {
            info.privileged = self
                .annotation(&["io.podman.annotations.privileged"])
                .map(|v| v.eq_ignore_ascii_case("true"));
        }
        if info.mounts.is_empty() {
            info.mounts.clone_from(&self.mounts);
        }
        if let Some((pid, network, ipc)) = self.host_namespaces {
            info.host_pid.get_or_insert(pid);
            info.host_network.get_or_insert(network);
            info.host_ipc.get_or_insert(ipc);
        }
    }
}

/// An id without its `sha256:` (or other algorithm) prefix.
pub fn strip_algorithm(id: &str) -> &str {
    id.split_once(':').map_or(id, |(_, hex)| hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CRI-O container's spec, cut to what matters here.
    const CRIO: &str = r#"{
      "ociVersion": "1.0.2",
      "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid"]},
        {"destination": "/etc/hosts", "type": "bind", "source": "/run/containers/storage/overlay-containers/abc/userdata/hosts", "options": ["rw", "rbind", "rprivate"]},
        {"destination": "/host/etc", "source": "/etc", "options": ["ro", "rbind", "rslave"]}
      ],
      "annotations": {
        "io.kubernetes.cri-o.ImageName": "quay.io/team/api:2.1",
        "io.kubernetes.cri-o.ImageRef": "0c5a7e2f9d8b",
        "io.kubernetes.cri-o.SandboxID": "5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f5e6f7a8b9c0d1e2f",
        "io.kubernetes.cri-o.Created": "2024-05-01T12:34:56.5Z",
        "io.kubernetes.cri-o.Labels": "{\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.pod.name\":\"api-7d9f\",\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.uid\":\"1a2b-3c\"}",
        "io.kubernetes.cri-o.Metadata": {"not": "a string"}
      },
      "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "mount"}]}
    }"#;

    #[test]
    fn a_cri_o_spec_names_image_pod_and_bind_mounts() {
        let spec = parse(CRIO).unwrap();
        let mut info = ContainerInfo::default();
        spec.fill(&mut info);
        assert_eq!(info.name.as_deref(), Some("api"));
        assert_eq!(info.image.as_deref(), Some("quay.io/team/api:2.1"));
        assert_eq!(info.image_repository.as_deref(), Some("quay.io/team/api"));
        assert_eq!(info.image_tag.as_deref(), Some("2.1"));
        assert_eq!(info.image_id.as_deref(), Some("0c5a7e2f9d8b"));
        assert_eq!(info.pod_name.as_deref(), Some("api-7d9f"));
        assert_eq!(info.pod_namespace.as_deref(), Some("shop"));
        assert_eq!(info.pod_uid.as_deref(), Some("1a2b-3c"));
        assert_eq!(info.start_ts, Some(1_714_566_896_500_000_000));
        assert_eq!(info.privileged, None);
        let mounts: Vec<String> = info.mounts.iter().map(Mount::render).collect();
        assert_eq!(
            mounts,
            [
                "/run/containers/storage/overlay-containers/abc/userdata/hosts:/etc/hosts::true:rprivate",
                "/etc:/host/etc::false:rslave"
            ]
        );
        // No network namespace of its own: it uses the host's.
        assert_eq!(
            (info.host_pid, info.host_network, info.host_ipc),
            (Some(false), Some(true), Some(false))
        );
    }

    #[test]
    fn containerd_and_podman_annotations() {
        let containerd = r#"{"annotations": {
            "io.kubernetes.cri.container-name": "web",
            "io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25",
            "io.kubernetes.cri.sandbox-name": "web-0",
            "io.kubernetes.cri.sandbox-namespace": "prod",
            "io.kubernetes.cri.sandbox-uid": "77-88",
            "io.kubernetes.cri.sandbox-id": "aaaa"}}"#;
        let mut info = ContainerInfo::default();
        parse(containerd).unwrap().fill(&mut info);
        assert_eq!(
            (
                info.name.as_deref(),
                info.image_tag.as_deref(),
                info.pod_name.as_deref(),
                info.pod_namespace.as_deref(),
                info.pod_uid.as_deref(),
                info.sandbox_id.as_deref()
            ),
            (
                Some("web"),
                Some("1.25"),
                Some("web-0"),
                Some("prod"),
                Some("77-88"),
                Some("aaaa")
            )
        );
        assert_eq!(info.host_network, None, "no namespace list, no verdict");
        let podman = r#"{"annotations": {"io.podman.annotations.privileged": "TRUE"}}"#;
        let mut info = ContainerInfo::default();
        parse(podman).unwrap().fill(&mut info);
        assert_eq!(info.privileged, Some(true));
    }

    #[test]
    fn malformed_specs_yield_nothing_or_leave_fields_unknown() {
        for text in ["", "[]", "{", "null", "\"text\""] {
            assert_eq!(parse(text), None, "{text}");
        }
        let odd = r#"{"annotations": [1, 2], "mounts": [{"type": "bind"}, 7, {"type": "bind", "source": 1, "destination": "/x"}],
                      "linux": {"namespaces": "none"}}"#;
        let spec = parse(odd).unwrap();
        assert_eq!(spec, OciSpec::default());
        let mut info = ContainerInfo::default();
        let labels = r#"{"annotations": {"io.kubernetes.cri-o.Labels": "not json", "io.kubernetes.cri-o.Created": "yesterday"}}"#;
        parse(labels).unwrap().fill(&mut info);
        assert_eq!(info, ContainerInfo::default());
    }
}
