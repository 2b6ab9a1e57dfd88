//! Podman's and CRI-O's containers, as the containers/storage library keeps
//! them under its root (`/var/lib/containers/storage`): each storage driver
//! has a `<driver>-containers/` directory with a `containers.json` index
//! (names, image id, a metadata JSON string with the image name) and, per
//! container, `<id>/userdata/config.json`, the OCI spec the runtime ran.

use super::oci;
use super::timestamp::parse_rfc3339;
use crate::state::{ContainerInfo, Runtime};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Reads container `full_id` under the storage root `root`; `None` when no
/// driver directory knows it.
pub fn read(root: &Path, full_id: &str) -> Option<ContainerInfo> {
    driver_dirs(root).into_iter().find_map(|dir| {
        let spec = super::read_state(&dir, &Path::new(full_id).join("userdata/config.json"));
        let index = super::read_state(&dir, Path::new("containers.json"));
        parse(full_id, spec.as_deref(), index.as_deref())
    })
}

/// The `<driver>-containers` directories under `root`, overlay first.
fn driver_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("-containers"))
                })
                .collect()
        })
        .unwrap_or_default();
    dirs.sort_by_key(|p| (!p.ends_with("overlay-containers"), p.clone()));
    dirs
}

/// Builds the record from the container's spec and the driver's index;
/// `None` when neither describes the container. A malformed file only
/// loses what it would have said. The id is left to
/// [`super::RuntimeRoots::describe`].
pub fn parse(full_id: &str, spec: Option<&str>, index: Option<&str>) -> Option<ContainerInfo> {
    let spec = spec.and_then(oci::parse);
    let entry = index.and_then(|text| index_entry(text, full_id));
    if spec.is_none() && entry.is_none() {
        return None;
    }
    let by_cri_o = spec.as_ref().is_some_and(|s| {
        s.annotations
            .keys()
            .any(|k| k.starts_with("io.kubernetes.cri-o."))
    });
    let mut info = ContainerInfo {
        runtime: Some(if by_cri_o {
            Runtime::CriO
        } else {
            Runtime::Podman
        }),
        ..ContainerInfo::default()
    };
    if let Some(spec) = &spec {
        spec.fill(&mut info);
    }
    if let Some(entry) = entry {
        let metadata: Option<Value> = entry
            .get("metadata")
            .and_then(Value::as_str)
            .and_then(|m| serde_json::from_str(m).ok());
        let meta = |key: &str| {
            metadata
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if info.name.is_none() {
            info.name = entry
                .get("names")
                .and_then(|n| n.get(0))
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| meta("name"));
        }
        if info.image.is_none()
            && let Some(image) = meta("image-name")
        {
            info.set_image(&image);
        }
        if info.image_id.is_none() {
            info.image_id = entry
                .get("image")
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(|id| oci::strip_algorithm(id).to_string())
                .or_else(|| meta("image-id"));
        }
        if info.start_ts.is_none() {
            info.start_ts = entry
                .get("created")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339);
        }
    }
    Some(info)
}

/// The entry of `full_id` in a `containers.json` array.
fn index_entry(text: &str, full_id: &str) -> Option<Value> {
    let index: Value = serde_json::from_str(text).ok()?;
    index
        .as_array()?
        .iter()
        .find(|e| e.get("id").and_then(Value::as_str) == Some(full_id))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

    /// A Podman index: `podman run --privileged --name db postgres:16`.
    fn index() -> String {
        format!(
            r#"[{{"id": "other", "names": ["x"]}},
               {{"id": "{ID}", "names": ["db"], "image": "d1e2f3a4b5c6", "layer": "l1",
                 "metadata": "{{\"image-name\":\"docker.io/library/postgres:16\",\"image-id\":\"d1e2f3a4b5c6\",\"name\":\"db\",\"created-at\":1714566896}}",
                 "created": "2024-05-01T12:34:56Z"}}]"#
        )
    }

    const PODMAN_SPEC: &str = r#"{
      "annotations": {"io.container.manager": "libpod", "io.podman.annotations.privileged": "TRUE"},
      "mounts": [{"destination": "/var/lib/postgresql/data", "type": "bind", "source": "/srv/pg", "options": ["rbind", "rw"]}],
      "linux": {"namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}]}
    }"#;

    #[test]
    fn podman_containers_from_the_index_and_spec() {
        let info = parse(ID, Some(PODMAN_SPEC), Some(&index())).unwrap();
        assert_eq!(info.runtime, Some(Runtime::Podman));
        assert_eq!(info.name.as_deref(), Some("db"));
        assert_eq!(info.image.as_deref(), Some("docker.io/library/postgres:16"));
        assert_eq!(
            info.image_repository.as_deref(),
            Some("docker.io/library/postgres")
        );
        assert_eq!(info.image_tag.as_deref(), Some("16"));
        assert_eq!(info.image_id.as_deref(), Some("d1e2f3a4b5c6"));
        assert_eq!(info.privileged, Some(true));
        assert_eq!(info.start_ts, Some(1_714_566_896_000_000_000));
        assert_eq!(
            info.mounts[0].render(),
            "/srv/pg:/var/lib/postgresql/data::true:"
        );
        assert_eq!(info.host_network, Some(false));
    }

    #[test]
    fn cri_o_containers_take_the_kubernetes_names() {
        let spec = r#"{"annotations": {
            "io.kubernetes.cri-o.ImageName": "quay.io/team/api:2.1",
            "io.kubernetes.cri-o.Labels": "{\"io.kubernetes.container.name\":\"api\",\"io.kubernetes.pod.name\":\"api-7d9f\",\"io.kubernetes.pod.namespace\":\"shop\"}"}}"#;
        let index = format!(r#"[{{"id": "{ID}", "names": ["k8s_api_api-7d9f_shop_1a2b_0"]}}]"#);
        let info = parse(ID, Some(spec), Some(&index)).unwrap();
        assert_eq!(info.runtime, Some(Runtime::CriO));
        assert_eq!(info.name.as_deref(), Some("api"));
        assert_eq!(info.pod_name.as_deref(), Some("api-7d9f"));
        assert_eq!(info.pod_namespace.as_deref(), Some("shop"));
        assert_eq!(info.image_tag.as_deref(), Some("2.1"));
    }

    #[test]
    fn unknown_or_malformed_records() {
        assert_eq!(parse(ID, None, None), None);
        assert_eq!(parse(ID, Some("{"), Some("[")), None);
        assert_eq!(parse(ID, None, Some(r#"[{"id": "other"}]"#)), None);
        assert_eq!(parse(ID, None, Some(r#"{"id": "x"}"#)), None);
        let odd = format!(
            r#"[{{"id": "{ID}", "names": "db", "image": 5, "metadata": "{{broken", "created": 1}}]"#
        );
        let info = parse(ID, None, Some(&odd)).unwrap();
        assert_eq!(
            (info.name, info.image, info.image_id, info.start_ts),
            (None, None, None, None)
        );
        assert_eq!(read(Path::new("/nonexistent"), ID), None);
    }

    #[test]
    fn reads_the_files_under_a_storage_root() {
        let root = std::env::temp_dir().join(format!("lanner-storage-{}", std::process::id()));
        let dir = root.join("overlay-containers");
        std::fs::create_dir_all(dir.join(ID).join("userdata")).unwrap();
        std::fs::write(dir.join("containers.json"), index()).unwrap();
        std::fs::write(dir.join(ID).join("userdata/config.json"), PODMAN_SPEC).unwrap();
        let info = read(&root, ID);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(info.and_then(|i| i.name).as_deref(), Some("db"));
    }
}
