//! Which plugin contract versions this host accepts.

/// The contract version this host implements (the `wit/` package version).
pub const CONTRACT_VERSION: &str = "0.2.0";

/// A plugin built for a contract this host cannot serve.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContractError {
    /// The versions are not compatible under semver.
    #[error(
        "plugin `{plugin}` was built for plugin contract {plugin_version}, \
         but this Lanner implements contract {host_version}; rebuild the plugin \
         against a matching lanner-plugin-sdk"
    )]
    Incompatible {
        /// The plugin's name.
        plugin: String,
        /// The contract version the plugin reports.
        plugin_version: String,
        /// This host's contract version.
        host_version: &'static str,
    },
    /// The plugin's version string is not `MAJOR.MINOR.PATCH`.
    #[error("plugin `{plugin}` reports an unreadable contract version `{version}`")]
    Unreadable {
        /// The plugin's name.
        plugin: String,
        /// What it reported.
        version: String,
    },
}

/// Accepts `plugin_version` when it is semver-compatible with [`CONTRACT_VERSION`]:
/// same major, and for 0.x the same minor; a plugin may not need a newer minor than ours.
pub fn check_contract(plugin: &str, plugin_version: &str) -> Result<(), ContractError> {
    let parse = |v: &str| -> Option<(u64, u64, u64)> {
        let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
        let version = (parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(version)
    };
    let Some((major, minor, _)) = parse(plugin_version) else {
        return Err(ContractError::Unreadable {
            plugin: plugin.into(),
            version: plugin_version.into(),
        });
    };
    let (host_major, host_minor, _) =
        parse(CONTRACT_VERSION).expect("CONTRACT_VERSION is a valid version");
    let compatible = if host_major == 0 {
        major == 0 && minor == host_minor
    } else {
        major == host_major && minor <= host_minor
    };
    if compatible {
        Ok(())
    } else {
        Err(ContractError::Incompatible {
            plugin: plugin.into(),
            plugin_version: plugin_version.into(),
            host_version: CONTRACT_VERSION,
        })
    }
}

/// The contract package every versioned import and export name starts with.
const CONTRACT_PACKAGE: &str = "lanner:plugin/";

/// The contract version named by a component's imports and exports
/// (`lanner:plugin/source@0.2.0`), if any names one. Read before linking, so
/// a plugin built for another contract is refused with both versions rather
/// than with a linker error about a missing import.
pub fn version_in_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    names.into_iter().find_map(|name| {
        let rest = name.strip_prefix(CONTRACT_PACKAGE)?;
        let (_, version) = rest.split_once('@')?;
        Some(version.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_same_and_patch_versions() {
        assert_eq!(check_contract("p", CONTRACT_VERSION), Ok(()));
        assert_eq!(check_contract("p", "0.2.7"), Ok(()));
    }

    #[test]
    fn refuses_other_minor_in_0x_and_names_both_versions() {
        let err = check_contract("p", "0.3.0").unwrap_err();
        let message = err.to_string();
        assert!(message.contains("0.3.0") && message.contains(CONTRACT_VERSION));
        assert!(check_contract("p", "0.1.0").is_err());
        assert!(check_contract("p", "1.0.0").is_err());
    }

    #[test]
    fn finds_the_version_in_interface_names() {
        let names = ["wasi:io/streams@0.2.0", "lanner:plugin/log@9.0.0"];
        assert_eq!(version_in_names(names), Some("9.0.0".to_string()));
        assert_eq!(version_in_names(["info", "wasi:cli/stdout@0.2.3"]), None);
    }

    #[test]
    fn refuses_garbage() {
        assert!(matches!(
            check_contract("p", "one"),
            Err(ContractError::Unreadable { .. })
        ));
        assert!(check_contract("p", "0.1.0.1").is_err());
    }
}
