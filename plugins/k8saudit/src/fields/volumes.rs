//! Pod volume and service fields.

use super::{F, REQUEST_SPEC};
use crate::Event;
use crate::json::{self, Pick, as_text, get};
use lanner_plugin_sdk::{Arg, ArgSpec, Field, Value};
use serde_json::Value as Json;

/// A per-volume attribute at `path` inside each selected volume
/// (`hostPath.path`, `flexVolume.driver`); volumes without it are skipped.
pub fn per_volume(
    name: &'static str,
    description: &'static str,
    path: &'static [&'static str],
) -> F {
    Field::string(name, description, move |event: &Event, arg| {
        let values = Pick::from_arg(arg)
            .select(volumes(event).unwrap_or_default())
            .iter()
            .filter_map(|volume| get(volume, path).map(as_text))
            .collect();
        Value::texts(values)
    })
    .list()
    .arg(ArgSpec::OptionalIndex)
}

/// `ka.req.pod.volumes.volume_type`: every key of each selected volume
/// except `name`, which is how a volume source names its type
/// (`hostPath`, `configMap`, `emptyDir`, ...).
pub fn volume_types() -> F {
    Field::string(
        "ka.req.pod.volumes.volume_type",
        "Pod: the type (hostPath, configMap, ...) of each volume.",
        |event: &Event, arg| {
            let types = Pick::from_arg(arg)
                .select(volumes(event).unwrap_or_default())
                .iter()
                .filter_map(Json::as_object)
                .flat_map(|volume| volume.keys())
                .filter(|key| key.as_str() != "name")
                .cloned()
                .collect();
            Value::texts(types)
        },
    )
    .list()
    .arg(ArgSpec::OptionalIndex)
}

/// `ka.req.volume.hostpath[path]`: "true" when some volume mounts host path
/// `path` ("/etc"), or one under a prefix when the argument ends in `*`
/// ("/etc*"); "false" otherwise; absent when the request has no volumes.
pub fn hostpath_used() -> F {
    Field::string(
        "ka.req.volume.hostpath",
        "Deprecated by ka.req.pod.volumes.hostpath: \"true\" if a volume uses the given host path (a trailing * matches a prefix), else \"false\".",
        |event: &Event, arg| {
            let (Arg::Key(wanted), Some(volumes)) = (arg, volumes(event)) else {
                return Value::Absent;
            };
            let matches = |path: &str| match wanted.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == wanted,
            };
            let used = volumes
                .iter()
                .filter_map(|v| get(v, &["hostPath", "path"]).and_then(Json::as_str))
                .any(matches);
            Value::Text(used.to_string())
        },
    )
    .arg(ArgSpec::RequiredKey)
}

/// `ka.req.service.ports`: each service port object as JSON; `[n]` picks one.
pub fn service_ports() -> F {
    Field::string(
        "ka.req.service.ports",
        "Service: the service's ports, each as a JSON object.",
        |event: &Event, arg| {
            let ports = event.array_at(&["requestObject", "spec", "ports"]);
            Value::texts(json::texts(
                Pick::from_arg(arg).select(ports.unwrap_or_default()),
            ))
        },
    )
    .list()
    .arg(ArgSpec::OptionalIndex)
}

fn volumes(event: &Event) -> Option<&[Json]> {
    json::array_at(event.get(&REQUEST_SPEC)?, &["volumes"])
}
