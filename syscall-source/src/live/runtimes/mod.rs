//! Container metadata from the runtimes' own state files, where a runtime
//! keeps them: Docker (`config.v2.json`, `hostconfig.json`), Podman and
//! CRI-O (containers/storage's index and the OCI spec), containerd (the
//! OCI spec of each running task's bundle) and, last, runc's own state
//! (which names the bundle of anything runc runs). Runtimes are tried in an order
//! that starts with the one the container's cgroup suggests, since a
//! cgroup layout does not always tell runtimes apart (a bare id under
//! `kubepods` may be containerd's or CRI-O's).

pub mod containerd;
pub mod docker;
pub mod oci;
pub mod runc;
pub mod storage;
pub mod timestamp;

use crate::state::{Container, ContainerInfo, Runtime};
use crate::untrusted::{Dir, read_text};
use std::path::{Path, PathBuf};

/// The most one runtime state file may hold: a containers/storage index
/// lists every container of the host, still far below this.
pub const STATE_FILE_CAP: usize = 32 << 20;

/// The text of the state file `rel` under a runtime's directory `root`,
/// through the bounded reader (containers influence what is in these
/// directories, and a runtime's root may be moved anywhere): nothing outside
/// `root`, only a regular file, at most [`STATE_FILE_CAP`] bytes. `None`
/// when refused or missing.
fn read_state(root: &Path, rel: &Path) -> Option<String> {
    let dir = Dir::open(root).ok()?;
    read_text(&dir, rel, STATE_FILE_CAP)
        .inspect_err(|err| {
            tracing::debug!("runtime state under {} not read: {err}", root.display())
        })
        .ok()
}

/// Where each runtime keeps its state; tests point these at fixtures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeRoots {
    /// Docker's data root (`/var/lib/docker`).
    pub docker: PathBuf,
    /// The containers/storage root Podman and CRI-O share (`/var/lib/containers/storage`).
    pub containers_storage: PathBuf,
    /// containerd's task bundles (`/run/containerd/io.containerd.runtime.v2.task`).
    pub containerd_tasks: PathBuf,
    /// runc's state root (`/run/runc`).
    pub runc: PathBuf,
}

impl Default for RuntimeRoots {
    fn default() -> Self {
        Self {
            docker: PathBuf::from("/var/lib/docker"),
            containers_storage: PathBuf::from("/var/lib/containers/storage"),
            containerd_tasks: PathBuf::from("/run/containerd/io.containerd.runtime.v2.task"),
            runc: PathBuf::from("/run/runc"),
        }
    }
}

impl RuntimeRoots {
    /// The default roots, moved where the host's configuration moves them:
    /// Docker's `data-root` in `/etc/docker/daemon.json`, containers/storage's
    /// `graphroot` in `/etc/containers/storage.conf`.
    pub fn discover() -> Self {
        // Host configuration, but read bounded all the same.
        let read = |path: &str| {
            let path = Path::new(path);
            read_state(path.parent()?, Path::new(path.file_name()?))
        };
        Self::configured(
            read("/etc/docker/daemon.json").as_deref(),
            read("/etc/containers/storage.conf").as_deref(),
        )
    }

    /// The default roots with the given configuration files' overrides.
    pub fn configured(docker_daemon_json: Option<&str>, storage_conf: Option<&str>) -> Self {
        let mut roots = Self::default();
        if let Some(root) = docker_daemon_json.and_then(docker_data_root) {
            roots.docker = root;
        }
        if let Some(root) = storage_conf.and_then(storage_graph_root) {
            roots.containers_storage = root;
        }
        roots
    }
}

/// `data-root` (formerly `graph`) of a Docker `daemon.json`.
fn docker_data_root(text: &str) -> Option<PathBuf> {
    let config: serde_json::Value = serde_json::from_str(text).ok()?;
    ["data-root", "graph"].iter().find_map(|key| {
        let path = config.get(*key)?.as_str()?;
        path.starts_with('/').then(|| PathBuf::from(path))
    })
}

/// `graphroot` of the `[storage]` table of a containers `storage.conf` (TOML).
fn storage_graph_root(text: &str) -> Option<PathBuf> {
    let mut table = "";
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[') {
            table = name.trim_end_matches(']').trim();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if table == "storage" && key.trim() == "graphroot" {
            let value = value.split('#').next().unwrap_or_default().trim();
            let path = value.trim_matches(|c| c == '"' || c == '\'');
            return path.starts_with('/').then(|| PathBuf::from(path));
        }
    }
    None
}

/// A runtime's reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Docker,
    Storage,
    Containerd,
    Runc,
}

impl RuntimeRoots {
    /// What the runtimes' files say about `container`; `None` on the host
    /// and when no runtime keeps a readable record of it.
    pub fn describe(&self, container: &Container) -> Option<ContainerInfo> {
        let order = match container.runtime {
            Runtime::Host => return None,
            Runtime::Docker => [Source::Docker, Source::Containerd, Source::Storage],
            Runtime::Podman | Runtime::CriO => {
                [Source::Storage, Source::Containerd, Source::Docker]
            }
            Runtime::Containerd => [Source::Containerd, Source::Storage, Source::Docker],
        };
        // runc's own state names the bundle of whatever runs on it: the last resort.
        let order = [order[0], order[1], order[2], Source::Runc];
        let full_id = &container.full_id;
        if full_id.is_empty() || full_id.contains('/') || full_id.starts_with('.') {
            return None;
        }
        let mut info = order.into_iter().find_map(|source| match source {
            Source::Docker => docker::read(&self.docker, full_id),
            Source::Storage => storage::read(&self.containers_storage, full_id),
            Source::Containerd => containerd::read(&self.containerd_tasks, full_id),
            Source::Runc => runc::read(&self.runc, full_id),
        })?;
        // The state keys containers by the id the cgroup gave.
        info.id.clone_from(&container.id);
        Some(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::container_of;

    const ID: &str = "3f2a9c1d7e5b4a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";

    #[test]
    fn docker_containers_are_read_under_the_configured_root() {
        let base = std::env::temp_dir().join(format!("lanner-roots-{}", std::process::id()));
        let dir = base.join("docker/containers").join(ID);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("config.v2.json"),
            r#"{"Name": "/web", "Config": {"Image": "nginx"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("hostconfig.json"), r#"{"Privileged": false}"#).unwrap();
        let roots = RuntimeRoots {
            docker: base.join("docker"),
            containers_storage: base.join("storage"),
            containerd_tasks: base.join("tasks"),
            runc: base.join("runc"),
        };
        let docker = container_of(&format!("0::/system.slice/docker-{ID}.scope"));
        let info = roots.describe(&docker);
        // A cgroup layout pointing at another runtime still finds it.
        let as_containerd = roots.describe(&container_of(&format!("0::/kubepods/pod1/{ID}")));
        let host = roots.describe(&Container::host());
        std::fs::remove_dir_all(&base).unwrap();
        let info = info.unwrap();
        assert_eq!(info.id, &ID[..12]);
        assert_eq!(info.name.as_deref(), Some("web"));
        assert_eq!(info.image_tag.as_deref(), Some("latest"));
        assert_eq!(info.privileged, Some(false));
        assert_eq!(as_containerd.and_then(|i| i.runtime), Some(Runtime::Docker));
        assert_eq!(host, None);
        assert_eq!(RuntimeRoots::default().describe(&docker), None);
    }

    #[test]
    fn every_runtime_s_record_is_keyed_by_the_container_s_short_id() {
        let base = std::env::temp_dir().join(format!("lanner-ids-{}", std::process::id()));
        let id = |digit: char| ID.replace('3', &digit.to_string());
        let (podman, containerd, runc) = (id('a'), id('b'), id('c'));
        let write = |path: std::path::PathBuf, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let spec = r#"{"annotations": {}}"#;
        write(
            base.join("storage/overlay-containers")
                .join(&podman)
                .join("userdata/config.json"),
            spec,
        );
        write(
            base.join("tasks/k8s.io")
                .join(&containerd)
                .join("config.json"),
            spec,
        );
        let bundle = base.join("bundle");
        write(bundle.join("config.json"), spec);
        write(
            base.join("runc").join(&runc).join("state.json"),
            &format!(
                r#"{{"config": {{"labels": ["bundle={}"]}}}}"#,
                bundle.display()
            ),
        );
        let roots = RuntimeRoots {
            docker: base.join("docker"),
            containers_storage: base.join("storage"),
            containerd_tasks: base.join("tasks"),
            runc: base.join("runc"),
        };
        let described = [
            format!("0::/machine.slice/libpod-{podman}.scope"),
            format!("0::/system.slice/cri-containerd-{containerd}.scope"),
            format!("0::/system.slice/docker-{runc}.scope"),
        ]
        .map(|cgroup| roots.describe(&container_of(&cgroup)).map(|i| i.id));
        std::fs::remove_dir_all(&base).unwrap();
        assert_eq!(
            described,
            [
                Some(podman[..12].to_string()),
                Some(containerd[..12].to_string()),
                Some(runc[..12].to_string())
            ]
        );
    }

    #[test]
    fn configuration_moves_the_roots() {
        let roots = RuntimeRoots::configured(
            Some(r#"{"data-root": "/srv/docker", "log-driver": "json-file"}"#),
            Some(
                "# comment\n[storage]\ndriver = \"overlay\"\ngraphroot = \"/srv/containers\" # moved\n[storage.options]\ngraphroot = \"/nope\"\n",
            ),
        );
        assert_eq!(roots.docker, PathBuf::from("/srv/docker"));
        assert_eq!(roots.containers_storage, PathBuf::from("/srv/containers"));
        assert_eq!(
            RuntimeRoots::configured(Some(r#"{"graph": "/old/docker"}"#), None).docker,
            PathBuf::from("/old/docker")
        );
        // Broken or relative settings keep the defaults.
        let defaults = RuntimeRoots::configured(
            Some("{not json"),
            Some("[storage]\ngraphroot = \"relative\"\n"),
        );
        assert_eq!(defaults, RuntimeRoots::default());
        assert_eq!(
            RuntimeRoots::configured(Some(r#"{"data-root": 5}"#), Some("graphroot")),
            RuntimeRoots::default()
        );
    }
}
