//! Docker's own record of a container: `containers/<id>/config.v2.json`
//! (name, image, labels, times, mount points) and `hostconfig.json`
//! (privileged, shared namespaces) under Docker's data root.

use super::oci::strip_algorithm;
use super::timestamp::parse_rfc3339;
use crate::state::{ContainerInfo, Mount, Runtime};
use serde_json::Value;
use std::path::Path;

/// Reads container `full_id` under Docker's data root `root`
/// (`/var/lib/docker`); `None` when Docker has no readable record of it.
pub fn read(root: &Path, full_id: &str) -> Option<ContainerInfo> {
    let dir = Path::new("containers").join(full_id);
    let config = super::read_state(root, &dir.join("config.v2.json"))?;
    let host_config = super::read_state(root, &dir.join("hostconfig.json"));
    parse(&config, host_config.as_deref(), root)
}

/// Builds the record from the two files' texts; `None` when `config.v2.json`
/// is no JSON object. Keys that are missing or of another type leave their
/// fields unknown; a malformed `hostconfig.json` only loses what it holds.
/// The id is left to [`super::RuntimeRoots::describe`], which keys the
/// record by the container's.
pub fn parse(
    config_v2: &str,
    host_config: Option<&str>,
    docker_root: &Path,
) -> Option<ContainerInfo> {
    let config: Value = serde_json::from_str(config_v2).ok()?;
    config.as_object()?;
    let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    let mut info = ContainerInfo {
        runtime: Some(Runtime::Docker),
        name: config
            .get("Name")
            .and_then(text)
            .map(|n| n.trim_start_matches('/').to_string()),
        image_id: config
            .get("Image")
            .and_then(text)
            .map(|id| strip_algorithm(&id).to_string()),
        ..ContainerInfo::default()
    };
    if let Some(image) = config.pointer("/Config/Image").and_then(text) {
        info.set_image(&image);
    }
    if let Some(labels) = config.pointer("/Config/Labels").and_then(Value::as_object) {
        info.labels = labels
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
    }
    info.pod_from_labels();
    info.start_ts = config
        .pointer("/State/StartedAt")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .or_else(|| {
            config
                .get("Created")
                .and_then(Value::as_str)
                .and_then(parse_rfc3339)
        });
    if let Some(points) = config.get("MountPoints").and_then(Value::as_object) {
        info.mounts = points
            .iter()
            .filter_map(|(dest, point)| mount_point(dest, point, docker_root))
            .collect();
        // A JSON object has no order to keep; sort so positions are stable.
        info.mounts.sort_by(|a, b| a.dest.cmp(&b.dest));
    }
    if let Some(host) = host_config.and_then(|t| serde_json::from_str::<Value>(t).ok()) {
        info.privileged = host.get("Privileged").and_then(Value::as_bool);
        let shares = |key: &str| {
            host.get(key)
                .and_then(Value::as_str)
                .map(|mode| mode == "host")
        };
        info.host_pid = shares("PidMode");
        info.host_network = shares("NetworkMode");
        info.host_ipc = shares("IpcMode");
    }
    Some(info)
}

/// One entry of `MountPoints` (keyed by destination). Docker keeps the
/// mode string under `Relabel`; a named local volume may have no `Source`,
/// its data then lives under the root's `volumes/<name>/_data`.
fn mount_point(dest_key: &str, point: &Value, docker_root: &Path) -> Option<Mount> {
    point.as_object()?;
    let field = |key: &str| point.get(key).and_then(Value::as_str).unwrap_or_default();
    let mut source = field("Source").to_string();
    if source.is_empty() && !field("Name").is_empty() && field("Driver") == "local" {
        source = docker_root
            .join("volumes")
            .join(field("Name"))
            .join("_data")
            .display()
            .to_string();
    }
    let dest = match field("Destination") {
        "" => dest_key,
        dest => dest,
    };
    Some(Mount {
        source,
        dest: dest.to_string(),
        mode: field("Relabel").to_string(),
        rw: point.get("RW").and_then(Value::as_bool).unwrap_or(false),
        propagation: field("Propagation").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c1d7e5b4a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e";

    /// A `docker run --privileged --name web -v /proc:/host/proc:ro -v data:/data
    /// -v /var/run/docker.sock:/var/run/docker.sock nginx:1.25` record, cut down.
    const CONFIG: &str = r#"{
      "ID": "3f2a9c1d7e5b4a6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
      "Created": "2024-05-01T12:00:00.000000001Z",
      "Name": "/web",
      "Image": "sha256:a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6",
      "Config": {"Image": "nginx:1.25", "Labels": {"app": "shop", "io.kubernetes.pod.namespace": "prod"}},
      "State": {"Running": true, "StartedAt": "2024-05-01T12:34:56.123456789Z"},
      "MountPoints": {
        "/host/proc": {"Source": "/proc", "Destination": "/host/proc", "RW": false, "Type": "bind", "Relabel": "ro", "Propagation": "rprivate"},
        "/data": {"Source": "", "Destination": "/data", "RW": true, "Name": "data", "Driver": "local", "Type": "volume", "Relabel": "z"},
        "/var/run/docker.sock": {"Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": true, "Type": "bind", "Propagation": "rprivate"}
      }
    }"#;
    const HOST_CONFIG: &str =
        r#"{"Privileged": true, "NetworkMode": "host", "PidMode": "", "IpcMode": "private"}"#;

    #[test]
    fn reads_name_image_times_mounts_and_privileges() {
        let info = parse(CONFIG, Some(HOST_CONFIG), Path::new("/var/lib/docker")).unwrap();
        assert_eq!(info.runtime, Some(Runtime::Docker));
        assert_eq!(info.name.as_deref(), Some("web"));
        assert_eq!(info.image.as_deref(), Some("nginx:1.25"));
        assert_eq!(info.image_repository.as_deref(), Some("nginx"));
        assert_eq!(info.image_tag.as_deref(), Some("1.25"));
        assert_eq!(info.image_digest, None);
        assert_eq!(
            info.image_id.as_deref(),
            Some("a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6")
        );
        assert_eq!(info.start_ts, Some(1_714_566_896_123_456_789));
        assert_eq!(info.privileged, Some(true));
        assert_eq!(
            (info.host_pid, info.host_network, info.host_ipc),
            (Some(false), Some(true), Some(false))
        );
        assert_eq!(info.labels.get("app").map(String::as_str), Some("shop"));
        assert_eq!(info.pod_namespace.as_deref(), Some("prod"));
        assert_eq!(info.pod_name, None);
        let mounts: Vec<String> = info.mounts.iter().map(Mount::render).collect();
        assert_eq!(
            mounts,
            [
                "/var/lib/docker/volumes/data/_data:/data:z:true:",
                "/proc:/host/proc:ro:false:rprivate",
                "/var/run/docker.sock:/var/run/docker.sock::true:rprivate"
            ]
        );
    }

    #[test]
    fn a_container_not_started_yet_has_its_creation_time() {
        let config = r#"{"Created": "2024-05-01T12:00:00Z", "State": {"StartedAt": "0001-01-01T00:00:00Z"}}"#;
        let info = parse(config, None, Path::new("/d")).unwrap();
        assert_eq!(info.start_ts, Some(1_714_564_800_000_000_000));
        assert_eq!(info.privileged, None, "no hostconfig.json: unknown");
    }

    #[test]
    fn malformed_records_never_panic() {
        for config in ["", "{", "[]", "null", "42"] {
            assert_eq!(parse(config, Some(HOST_CONFIG), Path::new("/d")), None);
        }
        let odd = r#"{"Name": 7, "Image": ["x"], "Config": "none", "State": {"StartedAt": 5},
                      "MountPoints": {"/x": 3, "/y": {"RW": "yes"}}}"#;
        let info = parse(odd, Some("{not json"), Path::new("/d")).unwrap();
        assert_eq!((info.name, info.image, info.image_id), (None, None, None));
        assert_eq!((info.start_ts, info.privileged), (None, None));
        assert_eq!(info.mounts.len(), 1);
        assert_eq!(info.mounts[0].render(), ":/y::false:");
        assert_eq!(read(Path::new("/nonexistent"), ID), None);
    }
}
