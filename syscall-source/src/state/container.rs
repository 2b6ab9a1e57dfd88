//! The container a process belongs to, from its cgroup paths
//! (`/proc/PID/cgroup`, or what the probe reports at clone and exec).
//!
//! Container runtimes name a container's cgroup after its 64-hex-digit id,
//! each in its own way: `/docker/<id>` and `docker-<id>.scope` (Docker),
//! `cri-containerd-<id>.scope` and kubepods `.../pod<uid>/<id>` (containerd
//! and other CRI runtimes), `crio-<id>.scope` (CRI-O), `libpod-<id>.scope`
//! (Podman). Like Falco, the id is reported as its first 12 digits, and a
//! process in none of them is on the `host`.

/// The container id rules see for processes that are not in a container.
pub const HOST: &str = "host";

/// Which runtime's cgroup layout matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Runtime {
    /// Not in a container.
    Host,
    /// Docker (cgroupfs or systemd driver).
    Docker,
    /// containerd, directly or as a Kubernetes CRI runtime.
    Containerd,
    /// CRI-O.
    CriO,
    /// Podman.
    Podman,
}

impl Runtime {
    /// The name Falco's container fields use (`container.type`).
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Host => "host",
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Podman => "podman",
        }
    }
}

/// A process's container.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Container {
    /// The short id (12 hex digits), or `host`.
    pub id: String,
    /// The full id (64 hex digits), empty on the host.
    pub full_id: String,
    /// The runtime whose layout matched.
    pub runtime: Runtime,
}

impl Container {
    /// The host (no container).
    pub fn host() -> Self {
        Self {
            id: HOST.to_string(),
            full_id: String::new(),
            runtime: Runtime::Host,
        }
    }
}

/// The container named by the contents of a `/proc/PID/cgroup` file (one
/// `hierarchy:controllers:path` line per hierarchy) or by bare cgroup paths,
/// one per line; the host when no line names one.
pub fn container_of(cgroups: &str) -> Container {
    cgroups
        .lines()
        .map(|line| line.rsplit_once(':').map_or(line, |(_, path)| path))
        .find_map(from_path)
        .unwrap_or_else(Container::host)
}

/// Tries each component of one cgroup path, deepest first (a container's
/// own cgroup is the deepest; pod and slice parents come above it).
fn from_path(path: &str) -> Option<Container> {
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    for (index, component) in components.iter().enumerate().rev() {
        let parent = index
            .checked_sub(1)
            .and_then(|i| components.get(i))
            .copied();
        if let Some((runtime, id)) = match_component(component, parent, &components[..index]) {
            return Some(Container {
                id: id[..12].to_string(),
                full_id: id.to_string(),
                runtime,
            });
        }
    }
    None
}

/// Systemd scope units of each runtime: `<prefix><id>.scope`.
const SCOPES: &[(&str, Runtime)] = &[
    ("docker-", Runtime::Docker),
    ("cri-containerd-", Runtime::Containerd),
    ("crio-", Runtime::CriO),
    ("libpod-", Runtime::Podman),
];

fn match_component<'c>(
    component: &'c str,
    parent: Option<&str>,
    ancestors: &[&str],
) -> Option<(Runtime, &'c str)> {
    if let Some(unit) = component.strip_suffix(".scope") {
        return SCOPES.iter().find_map(|(prefix, runtime)| {
            let id = unit.strip_prefix(prefix)?;
            is_container_id(id).then_some((*runtime, id))
        });
    }
    if !is_container_id(component) {
        // cgroupfs-driver Podman: `/libpod_parent/libpod-<id>`.
        let id = component.strip_prefix("libpod-")?;
        return (is_container_id(id) && parent == Some("libpod_parent"))
            .then_some((Runtime::Podman, id));
    }
    // A bare id: its parents say whose it is.
    if parent == Some("docker") {
        return Some((Runtime::Docker, component));
    }
    if ancestors.iter().any(|a| a.starts_with("kubepods")) {
        return Some((Runtime::Containerd, component));
    }
    None
}

/// 64 lowercase hex digits, as runtimes write container ids.
fn is_container_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c1d7e5b4a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";

    fn runtime_and_id(cgroups: &str) -> (Runtime, String) {
        let container = container_of(cgroups);
        (container.runtime, container.id)
    }

    #[test]
    fn recognises_each_runtimes_layout() {
        let short = ID[..12].to_string();
        for (cgroups, runtime) in [
            (format!("12:memory:/docker/{ID}"), Runtime::Docker),
            (
                format!("0::/system.slice/docker-{ID}.scope"),
                Runtime::Docker,
            ),
            (
                format!(
                    "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1a2b.slice/cri-containerd-{ID}.scope"
                ),
                Runtime::Containerd,
            ),
            (
                format!("4:cpu,cpuacct:/kubepods/burstable/pod7c1e-22/{ID}"),
                Runtime::Containerd,
            ),
            (
                format!("0::/kubepods.slice/kubepods-pod9.slice/crio-{ID}.scope"),
                Runtime::CriO,
            ),
            (
                format!("0::/machine.slice/libpod-{ID}.scope/container"),
                Runtime::Podman,
            ),
            (
                format!("3:pids:/libpod_parent/libpod-{ID}"),
                Runtime::Podman,
            ),
        ] {
            assert_eq!(
                runtime_and_id(&cgroups),
                (runtime, short.clone()),
                "{cgroups}"
            );
        }
        let full = container_of(&format!("0::/system.slice/docker-{ID}.scope"));
        assert_eq!(full.full_id, ID);
        assert_eq!(full.runtime.name(), "docker");
    }

    #[test]
    fn the_first_matching_hierarchy_wins_and_others_are_skipped() {
        let cgroups = format!("13:rdma:/\n12:pids:/user.slice\n11:memory:/docker/{ID}\n");
        assert_eq!(
            runtime_and_id(&cgroups),
            (Runtime::Docker, ID[..12].to_string())
        );
    }

    #[test]
    fn host_processes_and_look_alikes_are_on_the_host() {
        for cgroups in [
            "0::/init.scope",
            "0::/user.slice/user-0.slice/session-3.scope",
            "0::/system.slice/docker.service",
            // Not 64 lowercase hex digits.
            &format!("12:memory:/docker/{}", &ID[..63]),
            &format!("12:memory:/docker/{}", ID.to_uppercase()),
            // A bare id outside docker/ and kubepods.
            &format!("0::/somewhere/{ID}"),
            "",
            "garbage without colons",
        ] {
            assert_eq!(container_of(cgroups), Container::host(), "{cgroups}");
        }
    }
}
