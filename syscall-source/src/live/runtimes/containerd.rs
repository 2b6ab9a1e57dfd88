//! containerd's containers (Kubernetes pods through its CRI plugin, and
//! Docker's own containers, which containerd runs in its `moby` namespace):
//! containerd keeps its metadata in a database, but every running task has
//! a bundle directory `<task root>/<namespace>/<id>/` whose `config.json` is
//! the OCI spec, annotated by the CRI plugin with image, container and pod names.

use super::oci;
use crate::state::{ContainerInfo, Runtime};
use std::path::{Path, PathBuf};

/// Reads the bundle of container `full_id` under containerd's task root
/// `root` (`/run/containerd/io.containerd.runtime.v2.task`), trying each
/// namespace (`k8s.io` first); `None` when no bundle has it.
pub fn read(root: &Path, full_id: &str) -> Option<ContainerInfo> {
    namespaces(root).into_iter().find_map(|namespace| {
        let spec = super::read_state(&namespace, &Path::new(full_id).join("config.json"))?;
        parse(&spec)
    })
}

fn namespaces(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort_by_key(|p| (!p.ends_with("k8s.io"), p.clone()));
    dirs
}

/// Builds the record from a bundle's spec; `None` when it is no JSON object.
/// The id is left to [`super::RuntimeRoots::describe`].
pub fn parse(spec: &str) -> Option<ContainerInfo> {
    let spec = oci::parse(spec)?;
    let mut info = ContainerInfo {
        runtime: Some(Runtime::Containerd),
        ..ContainerInfo::default()
    };
    spec.fill(&mut info);
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn reads_a_cri_bundle_in_any_namespace() {
        let root = std::env::temp_dir().join(format!("lanner-containerd-{}", std::process::id()));
        let bundle = root.join("k8s.io").join(ID);
        std::fs::create_dir_all(&bundle).unwrap();
        std::fs::create_dir_all(root.join("moby")).unwrap();
        std::fs::write(
            bundle.join("config.json"),
            r#"{"annotations": {"io.kubernetes.cri.container-name": "web",
                "io.kubernetes.cri.image-name": "registry.local:5000/web@sha256:beef",
                "io.kubernetes.cri.sandbox-name": "web-0", "io.kubernetes.cri.sandbox-namespace": "prod"},
               "mounts": [{"destination": "/var/run/docker.sock", "type": "bind", "source": "/run/docker.sock", "options": ["rbind", "rprivate", "rw"]}]}"#,
        )
        .unwrap();
        let info = read(&root, ID);
        let missing = read(&root, &ID.replace('0', "f"));
        std::fs::remove_dir_all(&root).unwrap();
        let info = info.unwrap();
        assert_eq!(missing, None);
        assert_eq!(info.runtime, Some(Runtime::Containerd));
        assert_eq!(info.name.as_deref(), Some("web"));
        assert_eq!(info.pod_name.as_deref(), Some("web-0"));
        assert_eq!(info.pod_namespace.as_deref(), Some("prod"));
        assert_eq!(
            info.image_repository.as_deref(),
            Some("registry.local:5000/web")
        );
        assert_eq!(info.image_tag, None);
        assert_eq!(info.image_digest.as_deref(), Some("sha256:beef"));
        assert_eq!(
            info.mounts[0].render(),
            "/run/docker.sock:/var/run/docker.sock::true:rprivate"
        );
        assert_eq!(parse("not json"), None);
    }
}
