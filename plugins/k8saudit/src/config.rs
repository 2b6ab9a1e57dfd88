//! The plugin's init configuration, with Falco's key names.

use serde::Deserialize;

/// Default largest accepted event, in bytes: Falco's plugin SDK default
/// (256 KiB), which is also what the upstream plugin uses.
pub const DEFAULT_MAX_EVENT_SIZE: u64 = 262_144;

/// The JSON Schema the host checks the configuration against.
///
/// The three accepted-but-ignored keys are declared so an existing Falco
/// `init_config` validates unchanged; anything else is a typo and refused.
pub const SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "maxEventSize": {
      "type": "integer",
      "minimum": 1,
      "description": "Largest audit event, in bytes, as received; larger events are rejected. Default 262144."
    },
    "sslCertificate": {
      "type": "string",
      "description": "Accepted for Falco compatibility and ignored: the Lanner host owns the webhook listener and its TLS."
    },
    "useAsync": {
      "type": "boolean",
      "description": "Accepted for Falco compatibility and ignored: a Go SDK extraction optimisation."
    },
    "webhookMaxBatchSize": {
      "type": "integer",
      "minimum": 0,
      "description": "Accepted for Falco compatibility and ignored: the Lanner host limits webhook body sizes."
    }
  },
  "additionalProperties": false
}"#;

/// k8saudit configuration, deserialized from the operator's `init_config`.
///
/// In Falco the plugin runs its own HTTP(S) server, so its configuration
/// carries the TLS certificate and the webhook body limit. In Lanner the host
/// owns HTTP ingress and hands each webhook body (or each document of a
/// replayed file) to [`crate::K8sAudit`] as a payload; those keys are
/// therefore accepted, so existing Falco configurations keep working, and
/// otherwise ignored.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Largest accepted event, in bytes, measured on the event's text as received.
    #[serde(default = "default_max_event_size")]
    pub max_event_size: u64,
    /// Ignored: TLS is the host's business in Lanner.
    #[serde(default)]
    pub ssl_certificate: Option<String>,
    /// Ignored: an optimisation of Falco's Go SDK with no Lanner counterpart.
    #[serde(default)]
    pub use_async: Option<bool>,
    /// Ignored: the host enforces webhook body limits before ingest.
    #[serde(default)]
    pub webhook_max_batch_size: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            ssl_certificate: None,
            use_async: None,
            webhook_max_batch_size: None,
        }
    }
}

fn default_max_event_size() -> u64 {
    DEFAULT_MAX_EVENT_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falco_init_config_is_accepted() {
        let config: Config = serde_json::from_str(
            r#"{"maxEventSize": 1024, "sslCertificate": "/etc/falco/falco.pem",
                "useAsync": false, "webhookMaxBatchSize": 12582912}"#,
        )
        .unwrap();
        assert_eq!(config.max_event_size, 1024);
    }

    #[test]
    fn defaults_and_unknown_keys() {
        let config: Config = serde_json::from_str("{}").unwrap();
        assert_eq!(config, Config::default());
        assert!(serde_json::from_str::<Config>(r#"{"maxEventsize": 1}"#).is_err());
    }

    #[test]
    fn schema_is_valid_json_naming_every_key() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for key in [
            "maxEventSize",
            "sslCertificate",
            "useAsync",
            "webhookMaxBatchSize",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        assert_eq!(schema["additionalProperties"], false);
    }
}
