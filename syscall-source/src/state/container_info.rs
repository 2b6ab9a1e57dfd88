//! What a container runtime recorded about a container: its name, image,
//! mounts, privileges, start time and, for Kubernetes pods, the pod. The
//! probe and the cgroup path only give the container's id; the live stream
//! reads the runtime's own files once per container and hands the result on
//! as a [`crate::CaptureRecord::ContainerInfo`], so replays need no runtime.
//!
//! Every field is optional: a runtime that does not keep a fact leaves the
//! matching rule field without a value.

use super::container::Runtime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One mount of a container, as `container.mount*` fields report it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// Path on the host (or the volume's directory); empty when none.
    #[serde(default)]
    pub source: String,
    /// Path inside the container.
    #[serde(default)]
    pub dest: String,
    /// The runtime's mode string (Docker's SELinux relabel option, e.g. `z`), often empty.
    #[serde(default)]
    pub mode: String,
    /// Writable from inside the container.
    #[serde(default)]
    pub rw: bool,
    /// Mount propagation (`rprivate`, `shared`, ...), empty when not stated.
    #[serde(default)]
    pub propagation: String,
}

impl Mount {
    /// The mount as `container.mounts` lists it: `source:dest:mode:rdwr:propagation`.
    pub fn render(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.source, self.dest, self.mode, self.rw, self.propagation
        )
    }
}

/// What a runtime's state files say about one container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerInfo {
    /// Short (12-digit) id, the key [`super::Container::id`] uses.
    pub id: String,
    /// The runtime whose files described it.
    #[serde(default)]
    pub runtime: Option<Runtime>,
    /// Name (Docker's without its leading `/`; the Kubernetes container name under a CRI).
    #[serde(default)]
    pub name: Option<String>,
    /// Image reference as the runtime keeps it, e.g. `nginx:1.25`.
    #[serde(default)]
    pub image: Option<String>,
    /// Image id, without an algorithm prefix such as `sha256:`.
    #[serde(default)]
    pub image_id: Option<String>,
    /// The image reference without tag and digest.
    #[serde(default)]
    pub image_repository: Option<String>,
    /// The image tag (`latest` when the reference names neither tag nor digest).
    #[serde(default)]
    pub image_tag: Option<String>,
    /// The image digest (`sha256:...`) when the reference pins one.
    #[serde(default)]
    pub image_digest: Option<String>,
    /// Started with all privileges (`--privileged`), when the runtime records it.
    #[serde(default)]
    pub privileged: Option<bool>,
    /// Mounts, in the runtime's order.
    #[serde(default)]
    pub mounts: Vec<Mount>,
    /// When the container started (else was created), ns since the epoch.
    #[serde(default)]
    pub start_ts: Option<u64>,
    /// Shares the host's pid namespace.
    #[serde(default)]
    pub host_pid: Option<bool>,
    /// Shares the host's network namespace.
    #[serde(default)]
    pub host_network: Option<bool>,
    /// Shares the host's IPC namespace.
    #[serde(default)]
    pub host_ipc: Option<bool>,
    /// Container labels (Docker labels, CRI container labels).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Kubernetes pod name.
    #[serde(default)]
    pub pod_name: Option<String>,
    /// Kubernetes namespace of the pod.
    #[serde(default)]
    pub pod_namespace: Option<String>,
    /// Kubernetes pod UID.
    #[serde(default)]
    pub pod_uid: Option<String>,
    /// Full id of the pod's sandbox container.
    #[serde(default)]
    pub sandbox_id: Option<String>,
}

/// The parts of an image reference (`[registry[:port]/]name[:tag][@digest]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageRef {
    /// Everything before the tag and digest.
    pub repository: String,
    /// The tag; `latest` when neither tag nor digest is given.
    pub tag: Option<String>,
    /// The digest, `algorithm:hex`.
    pub digest: Option<String>,
}

/// Splits an image reference. A `:` only starts a tag after the last `/`
/// (before it, it is a registry's port).
pub fn split_image(reference: &str) -> ImageRef {
    let (name, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest.to_string())),
        None => (reference, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&name[..at], Some(name[at + 1..].to_string()))
        }
        None => (name, None),
    };
    let tag = match (tag, &digest) {
        (Some(tag), _) => Some(tag),
        (None, None) => Some("latest".to_string()),
        (None, Some(_)) => None,
    };
    ImageRef {
        repository: repository.to_string(),
        tag,
        digest,
    }
}

impl ContainerInfo {
    /// Sets the image reference and the parts derived from it. A container
    /// started from an image id (`sha256:...`, or bare hex) has no
    /// repository or tag to tell.
    pub fn set_image(&mut self, reference: &str) {
        if reference.is_empty() {
            return;
        }
        self.image = Some(reference.to_string());
        let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
        if hex.len() >= 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.image_id.get_or_insert_with(|| hex.to_string());
            return;
        }
        let parts = split_image(reference);
        self.image_repository = Some(parts.repository).filter(|r| !r.is_empty());
        self.image_tag = parts.tag;
        self.image_digest = parts.digest;
    }

    /// Takes the pod's identity from the Kubernetes labels the kubelet puts
    /// on every container (`io.kubernetes.pod.*`), where not already known.
    pub fn pod_from_labels(&mut self) {
        let label = |key: &str| self.labels.get(key).filter(|v| !v.is_empty()).cloned();
        let (name, namespace, uid) = (
            label("io.kubernetes.pod.name"),
            label("io.kubernetes.pod.namespace"),
            label("io.kubernetes.pod.uid"),
        );
        if self.pod_name.is_none() {
            self.pod_name = name;
        }
        if self.pod_namespace.is_none() {
            self.pod_namespace = namespace;
        }
        if self.pod_uid.is_none() {
            self.pod_uid = uid;
        }
    }

    /// The mount chosen by a `container.mount*` key: a position (`0`, `1`,
    /// ...) or a glob pattern matched against the mount's source
    /// (`by_source`) or destination path.
    pub fn mount_by(&self, key: &str, by_source: bool) -> Option<&Mount> {
        if let Ok(index) = key.parse::<usize>() {
            return self.mounts.get(index);
        }
        self.mounts.iter().find(|m| {
            let path = if by_source { &m.source } else { &m.dest };
            glob_match(key.as_bytes(), path.as_bytes())
        })
    }
}

/// Shell-style pattern matching: `*` matches any run of characters (slashes
/// included), `?` any one character, `[...]` one of a set (`!` or `^`
/// negates, `a-z` ranges), `\` escapes; everything else matches itself.
pub fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative with one backtrack point: the last `*` seen.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => Some(p + 1),
            Some(b'[') => match class_match(pattern, p, text[t]) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                // An unclosed `[` is a literal.
                None => (text[t] == b'[').then_some(p + 1),
            },
            Some(b'\\') if p + 1 < pattern.len() => (pattern[p + 1] == text[t]).then_some(p + 2),
            Some(&c) => (c == text[t]).then_some(p + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                t += 1;
            }
            (None, Some((star_p, star_t))) => {
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the set starting at `pattern[open]` (a `[`); returns
/// whether it matched and where the pattern continues, `None` when unclosed.
fn class_match(pattern: &[u8], open: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = open + 1;
    let negated = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &low = pattern.get(i)?;
        if low == b']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&h| h != b']') {
            let high = pattern[i + 2];
            matched |= low <= c && c <= high;
            i += 3;
        } else {
            matched |= low == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_repository_tag_and_digest() {
        let parts = |r: &str| {
            let p = split_image(r);
            (p.repository, p.tag, p.digest)
        };
        assert_eq!(
            parts("nginx"),
            ("nginx".into(), Some("latest".into()), None)
        );
        assert_eq!(
            parts("docker.io/library/nginx:1.25"),
            ("docker.io/library/nginx".into(), Some("1.25".into()), None)
        );
        assert_eq!(
            parts("localhost:5000/team/app"),
            (
                "localhost:5000/team/app".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            parts("registry:5000/app:v2@sha256:abc"),
            (
                "registry:5000/app".into(),
                Some("v2".into()),
                Some("sha256:abc".into())
            )
        );
        assert_eq!(
            parts("quay.io/app@sha256:abc"),
            ("quay.io/app".into(), None, Some("sha256:abc".into()))
        );
        assert_eq!(parts(""), (String::new(), Some("latest".into()), None));
    }

    #[test]
    fn an_image_given_by_id_has_no_repository_or_tag() {
        let mut info = ContainerInfo::default();
        info.set_image("sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6");
        assert_eq!(
            (
                info.image_repository,
                info.image_tag,
                info.image_id.as_deref()
            ),
            (
                None,
                None,
                Some("a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6")
            )
        );
        let mut info = ContainerInfo::default();
        info.set_image("deadbeef0123");
        assert_eq!(info.image.as_deref(), Some("deadbeef0123"));
        assert_eq!(info.image_tag, None);
        let mut info = ContainerInfo::default();
        info.set_image("cafe");
        assert_eq!(
            info.image_tag.as_deref(),
            Some("latest"),
            "a short name is a name"
        );
    }

    #[test]
    fn globs_match_like_the_shell_without_special_slashes() {
        for (pattern, text, expected) in [
            ("/proc*", "/proc", true),
            ("/proc*", "/proc/sys/kernel", true),
            ("/proc*", "/pro", false),
            ("/var/run/docker.sock", "/var/run/docker.sock", true),
            ("/var/run/docker.sock", "/var/run/docker.sockx", false),
            ("*.sock", "/run/containerd/containerd.sock", true),
            ("/etc/?asswd", "/etc/passwd", true),
            ("/dev/[st]d[a-c]", "/dev/sdb", true),
            ("/dev/[!s]d*", "/dev/sda", false),
            ("/a*b*c", "/axxbyyc", true),
            ("/a*b*c", "/axxbyy", false),
            ("/lit\\*", "/lit*", true),
            ("/unclosed[", "/unclosed[", true),
            ("", "", true),
            ("*", "", true),
        ] {
            assert_eq!(
                glob_match(pattern.as_bytes(), text.as_bytes()),
                expected,
                "{pattern} vs {text}"
            );
        }
    }

    #[test]
    fn mounts_are_chosen_by_position_or_pattern() {
        let info = ContainerInfo {
            mounts: vec![
                Mount {
                    source: "/var/run/docker.sock".into(),
                    dest: "/var/run/docker.sock".into(),
                    rw: true,
                    ..Mount::default()
                },
                Mount {
                    source: "/proc".into(),
                    dest: "/host/proc".into(),
                    mode: "z".into(),
                    rw: false,
                    propagation: "rprivate".into(),
                },
            ],
            ..ContainerInfo::default()
        };
        assert_eq!(
            info.mount_by("1", true).map(|m| &*m.dest),
            Some("/host/proc")
        );
        assert_eq!(
            info.mount_by("/proc*", true).map(|m| &*m.dest),
            Some("/host/proc")
        );
        assert_eq!(
            info.mount_by("/host/*", false).map(|m| &*m.source),
            Some("/proc")
        );
        assert_eq!(info.mount_by("/etc", true), None);
        assert_eq!(info.mount_by("7", true), None);
        assert_eq!(info.mounts[1].render(), "/proc:/host/proc:z:false:rprivate");
    }
}
