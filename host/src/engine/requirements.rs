//! `required_plugin_versions`: checked once every rules file is loaded,
//! against the plugins that provide fields and sources.
//!
//! Lanner's syscall source implements the fields of Falco's `container`
//! plugin natively, so rules that require that plugin are satisfied without
//! loading one; [`BUILTIN_PROVIDERS`] says which versions Lanner stands in for.

use super::{
    diagnostics::{Code, Diagnostic},
    loader::{Collection, plugin_requirement_satisfied},
};

/// Plugins whose fields Lanner provides itself: `(name, version it is compatible with)`.
pub const BUILTIN_PROVIDERS: &[(&str, &str)] = &[("container", "0.4.0")];

/// One error per unsatisfied requirement; `loaded` lists loaded plugins as `(name, version)`.
pub fn check(collection: &Collection, loaded: &[(String, String)]) -> Vec<Diagnostic> {
    let mut available: Vec<(String, String)> = BUILTIN_PROVIDERS
        .iter()
        .map(|(name, version)| ((*name).to_string(), (*version).to_string()))
        .collect();
    available.extend(loaded.iter().cloned());
    collection
        .plugin_requirements
        .iter()
        .filter_map(|requirement| {
            plugin_requirement_satisfied(requirement, &available)
                .err()
                .map(|message| {
                    Diagnostic::new(Code::Validate, message)
                        .at(requirement.location.clone())
                        .in_item("required_plugin_versions", &requirement.name)
                        .with_hint(format!(
                            "load the `{}` plugin (e.g. `lanner run --plugin-dir DIR`), or remove \
                             this requirement if its rules are not needed",
                            requirement.name
                        ))
                })
        })
        .collect()
}
