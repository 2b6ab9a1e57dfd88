//! What every plugin declares and how it is configured.

use crate::{EventRef, Field};
use serde::de::DeserializeOwned;

/// A Lanner plugin: identity, configuration, fields and how to read an event.
///
/// The SDK calls [`Plugin::new`] once with the operator's configuration,
/// [`Plugin::fields`] once for the field table, and [`Plugin::parse`] once per
/// event before extracting any number of its fields.
pub trait Plugin: Sized + 'static {
    /// Short unique name, e.g. `k8saudit`; the name operators and
    /// `required_plugin_versions` use.
    const NAME: &'static str;
    /// The plugin's own semantic version.
    const VERSION: &'static str;
    /// One-line description for operators.
    const DESCRIPTION: &'static str;
    /// Where to report problems (URL or e-mail).
    const CONTACT: &'static str;
    /// The event source this plugin produces (`source:` in rules), if any.
    const EVENT_SOURCE: Option<&'static str> = None;
    /// Sources whose events this plugin extracts fields from. Empty means its
    /// own source, or every plugin source for a plugin without one.
    const EXTRACT_SOURCES: &'static [&'static str] = &[];
    /// A JSON Schema the host validates the configuration against before
    /// [`Plugin::new`] sees it.
    const CONFIG_SCHEMA: Option<&'static str> = None;

    /// The configuration, deserialized from the operator's JSON (`{}` when none).
    type Config: DeserializeOwned;
    /// An event in the form fields are extracted from, built once per event.
    type Parsed;

    /// Builds the plugin from its configuration.
    fn new(config: Self::Config) -> Result<Self, String>;

    /// The field table. A field's position in it is its id.
    fn fields() -> Vec<Field<Self>>;

    /// Reads an event for extraction; `None` when the event has nothing to
    /// extract (every field is then absent).
    fn parse(&self, event: &EventRef<'_>) -> Option<Self::Parsed>;
}
