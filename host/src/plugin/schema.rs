//! Checks a plugin's init configuration against the JSON Schema it declares,
//! before the plugin sees it, so an operator's typo is reported by the host
//! with the path of the offending value.

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration is not JSON.
    #[error("the configuration of plugin `{plugin}` is not valid JSON: {reason}")]
    NotJson {
        /// The plugin.
        plugin: String,
        /// The parser's message.
        reason: String,
    },
    /// The plugin's schema is itself invalid.
    #[error("plugin `{plugin}` declares an invalid configuration schema: {reason}")]
    BadSchema {
        /// The plugin.
        plugin: String,
        /// Why.
        reason: String,
    },
    /// The configuration breaks the schema.
    #[error("the configuration of plugin `{plugin}` is invalid:\n{}", .problems.join("\n"))]
    Invalid {
        /// The plugin.
        plugin: String,
        /// One line per problem: `at /path: message`.
        problems: Vec<String>,
    },
}

/// Validates `config` (JSON text; empty means `{}`) against `schema`, and
/// returns the configuration to hand to the plugin.
pub fn validate(plugin: &str, schema: Option<&str>, config: &str) -> Result<String, ConfigError> {
    let config = if config.trim().is_empty() {
        "{}"
    } else {
        config
    };
    let value: serde_json::Value =
        serde_json::from_str(config).map_err(|e| ConfigError::NotJson {
            plugin: plugin.into(),
            reason: e.to_string(),
        })?;
    if let Some(schema) = schema {
        let schema: serde_json::Value =
            serde_json::from_str(schema).map_err(|e| ConfigError::BadSchema {
                plugin: plugin.into(),
                reason: e.to_string(),
            })?;
        let validator = jsonschema::validator_for(&schema).map_err(|e| ConfigError::BadSchema {
            plugin: plugin.into(),
            reason: e.to_string(),
        })?;
        let problems: Vec<String> = validator
            .iter_errors(&value)
            .map(|error| {
                let at = error.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                format!("  at {at}: {error}")
            })
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                plugin: plugin.into(),
                problems,
            });
        }
    }
    Ok(config.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{"type":"object","properties":{"maxEventSize":{"type":"integer","minimum":1}},"additionalProperties":false}"#;

    #[test]
    fn accepts_valid_and_empty_configurations() {
        assert_eq!(validate("p", Some(SCHEMA), "").unwrap(), "{}");
        assert!(validate("p", Some(SCHEMA), r#"{"maxEventSize": 10}"#).is_ok());
        assert!(validate("p", None, r#"{"anything": true}"#).is_ok());
    }

    #[test]
    fn names_the_path_of_each_problem() {
        let err = validate("p", Some(SCHEMA), r#"{"maxEventSize": "big", "other": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("/maxEventSize"), "{err}");
        assert!(err.contains("other"), "{err}");
    }

    #[test]
    fn refuses_non_json_and_bad_schemas() {
        assert!(matches!(
            validate("p", Some(SCHEMA), "{"),
            Err(ConfigError::NotJson { .. })
        ));
        assert!(matches!(
            validate("p", Some("{"), "{}"),
            Err(ConfigError::BadSchema { .. })
        ));
    }
}
