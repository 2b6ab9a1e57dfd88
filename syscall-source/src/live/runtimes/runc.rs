//! Containers run by runc directly (or by an engine using runc's default
//! state root): runc keeps `<root>/<id>/state.json`, whose config labels
//! name the bundle directory; the bundle's `config.json` is the OCI spec.

use super::oci;
use super::timestamp::parse_rfc3339;
use crate::state::ContainerInfo;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Reads container `full_id` under runc's state root `root` (`/run/runc`);
/// `None` when runc has no state for it or its bundle is unreadable.
pub fn read(root: &Path, full_id: &str) -> Option<ContainerInfo> {
    let state = super::read_state(root, &Path::new(full_id).join("state.json"))?;
    let (bundle, created) = parse_state(&state)?;
    let spec = oci::parse(&super::read_state(&bundle, Path::new("config.json"))?)?;
    let mut info = ContainerInfo::default();
    spec.fill(&mut info);
    info.start_ts = info.start_ts.or(created);
    Some(info)
}

/// The bundle directory (the `bundle=` label of the config) and creation
/// time in a runc `state.json`; `None` without a bundle label.
pub fn parse_state(text: &str) -> Option<(PathBuf, Option<u64>)> {
    let state: Value = serde_json::from_str(text).ok()?;
    let bundle = state
        .pointer("/config/labels")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find_map(|label| label.strip_prefix("bundle="))
        .filter(|path| path.starts_with('/'))?;
    let created = state
        .get("created")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339);
    Some((PathBuf::from(bundle), created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_names_the_bundle_and_the_creation_time() {
        let state = r#"{"id": "x", "init_process_pid": 42, "created": "2024-05-01T12:34:56Z",
            "config": {"rootfs": "/b/rootfs", "labels": ["other=1", "bundle=/srv/bundles/x"]}}"#;
        assert_eq!(
            parse_state(state),
            Some((
                PathBuf::from("/srv/bundles/x"),
                Some(1_714_566_896_000_000_000)
            ))
        );
        for broken in [
            "",
            "{}",
            r#"{"config": {"labels": "bundle=/x"}}"#,
            r#"{"config": {"labels": ["bundle=relative"]}}"#,
        ] {
            assert_eq!(parse_state(broken), None, "{broken}");
        }
    }

    #[test]
    fn reads_the_bundle_spec() {
        let base = std::env::temp_dir().join(format!("lanner-runc-{}", std::process::id()));
        let bundle = base.join("bundle");
        std::fs::create_dir_all(base.join("state/abc")).unwrap();
        std::fs::create_dir_all(&bundle).unwrap();
        std::fs::write(
            base.join("state/abc/state.json"),
            format!(
                r#"{{"config": {{"labels": ["bundle={}"]}}}}"#,
                bundle.display()
            ),
        )
        .unwrap();
        std::fs::write(
            bundle.join("config.json"),
            r#"{"annotations": {"io.kubernetes.cri.container-name": "job"}}"#,
        )
        .unwrap();
        let info = read(&base.join("state"), "abc");
        std::fs::remove_dir_all(&base).unwrap();
        assert_eq!(info.and_then(|i| i.name).as_deref(), Some("job"));
    }
}
