//! Engine and plugin version requirements.
//!
//! Rules files declare the engine version they need (`required_engine_version`,
//! checked as soon as it is read) and the plugins they need
//! (`required_plugin_versions`, checked only once plugins are loaded). Both
//! use the same rule: same major version, and at least the required one.

use std::{cmp::Ordering, fmt};

use super::super::diagnostics::Location;

/// A `major.minor.patch` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

/// The Falco engine version whose rules language Lanner implements.
pub const ENGINE_VERSION: Version = Version::new(0, 63, 0);

impl Version {
    /// A version from its three numbers.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parses `x.y.z`. As in Falco, anything after the three numbers (such as
    /// a `-rc1` suffix) is ignored; fewer than three numbers is invalid.
    pub fn parse(text: &str) -> Option<Self> {
        let mut rest = text.trim_start();
        let mut parts = [0u64; 3];
        for (i, part) in parts.iter_mut().enumerate() {
            if i > 0 {
                rest = rest.strip_prefix('.')?;
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            *part = rest[..digits].parse().ok()?;
            rest = &rest[digits..];
        }
        Some(Self::new(parts[0], parts[1], parts[2]))
    }

    /// Whether something of this version satisfies a requirement for
    /// `required`: same major, and not older.
    pub fn compatible_with(&self, required: &Version) -> bool {
        self.major == required.major && self.cmp(required) != Ordering::Less
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One acceptable plugin for a requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginAlternative {
    /// Plugin name.
    pub name: String,
    /// Minimum version, as written (validated as semver at load).
    pub version: String,
}

/// One `required_plugin_versions` entry: a plugin, or one of its alternatives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginRequirement {
    /// Plugin name.
    pub name: String,
    /// Minimum version, as written.
    pub version: String,
    /// Other plugins that satisfy the requirement as well.
    pub alternatives: Vec<PluginAlternative>,
    /// Where the entry is.
    pub location: Location,
}

impl PluginRequirement {
    /// The plugin itself followed by its alternatives.
    pub fn candidates(&self) -> impl Iterator<Item = (&str, &str)> {
        std::iter::once((self.name.as_str(), self.version.as_str())).chain(
            self.alternatives
                .iter()
                .map(|a| (a.name.as_str(), a.version.as_str())),
        )
    }
}

/// Checks one requirement against the loaded plugins, given as
/// `(name, version)` pairs. Satisfied when any candidate is loaded with a
/// compatible version; otherwise returns Falco's message listing them all.
pub fn plugin_requirement_satisfied<N: AsRef<str>, V: AsRef<str>>(
    requirement: &PluginRequirement,
    loaded: &[(N, V)],
) -> Result<(), String> {
    let satisfied = requirement.candidates().any(|(name, version)| {
        let Some(required) = Version::parse(version) else {
            return false;
        };
        loaded.iter().any(|(n, v)| {
            n.as_ref() == name
                && Version::parse(v.as_ref()).is_some_and(|v| v.compatible_with(&required))
        })
    });
    if satisfied {
        return Ok(());
    }
    let wanted: Vec<String> = requirement
        .candidates()
        .map(|(name, version)| format!("{name} (>= {version})"))
        .collect();
    Err(format!(
        "Plugin requirement not satisfied, must load one of: {}",
        wanted.join(", ")
    ))
}
