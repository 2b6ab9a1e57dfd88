//! The plugin and ingress keys of the configuration file.
//!
//! `plugins` and `load_plugins` have Falco's shape, so an existing
//! `falco.yaml` works: each entry names a plugin, where its code is
//! (`library_path`; a Falco `.so` name for a plugin Lanner has built in
//! selects the built-in component), its `init_config` (a map, turned into
//! JSON, or a JSON string) and its `open_params`. The rest are Lanner's own:
//! `plugin_dir` (drop-in components), `plugin_limits`, and `webhook`.

use super::ConfigError;
use crate::engine::loader::yaml::{Node, Value};
use std::path::PathBuf;

/// One `plugins:` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginConfig {
    /// The plugin's name.
    pub name: String,
    /// Where its component is (absent: the built-in of that name).
    pub library_path: Option<PathBuf>,
    /// Its configuration, as JSON text.
    pub init_config: String,
    /// Its open parameters.
    pub open_params: String,
}

/// `plugin_limits`: what every plugin instance may use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LimitsConfig {
    /// `call_timeout_ms`.
    pub call_timeout_ms: Option<u64>,
    /// `max_memory_mb`.
    pub max_memory_mb: Option<u64>,
    /// `max_return_mb`: the most one call may return to the host.
    pub max_return_mb: Option<u64>,
}

/// `webhook`: the HTTP(S) ingress for webhook-fed sources (k8s_audit).
///
/// Unset keys take the defaults of the ingress (loopback only, timeouts of
/// a few seconds, a connection cap below the descriptor limit).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WebhookConfig {
    /// `listen`: address and port, e.g. `127.0.0.1:9765`; an empty host
    /// (`:9765`) means loopback.
    pub listen: Option<String>,
    /// `path`: the endpoint path, e.g. `/k8s-audit`.
    pub path: Option<String>,
    /// `tls_certificate`: PEM certificate chain (may also hold the key).
    pub tls_certificate: Option<PathBuf>,
    /// `tls_private_key`: PEM private key (default: from `tls_certificate`).
    pub tls_private_key: Option<PathBuf>,
    /// `bearer_token_file`: a file holding the token clients must present.
    pub bearer_token_file: Option<PathBuf>,
    /// `max_body_bytes`: the largest request body accepted.
    pub max_body_bytes: Option<u64>,
    /// `allow_insecure`: serve on a non-loopback address without TLS and a
    /// bearer token (refused unless this is true).
    pub allow_insecure: Option<bool>,
    /// `header_timeout_ms`: how long a client may take to send a request's
    /// line and headers; it also bounds how long a kept-alive connection may
    /// sit idle, as the wait for the next request's headers.
    pub header_timeout_ms: Option<u64>,
    /// `body_timeout_ms`: how long a client may take to send a whole body.
    pub body_timeout_ms: Option<u64>,
    /// `handshake_timeout_ms`: how long a TLS handshake may take.
    pub handshake_timeout_ms: Option<u64>,
    /// `verdict_timeout_ms`: how long a request waits for the source's
    /// verdict before it is answered 503 (and then never ingested), unless
    /// the source already took the body.
    pub verdict_timeout_ms: Option<u64>,
    /// `max_connections`: connections served at once; more are closed at once.
    pub max_connections: Option<u64>,
}

type Invalid<'a> = &'a dyn Fn(&Node, String) -> ConfigError;

/// Parses the `plugins:` sequence.
pub(super) fn plugins(
    value: &Node,
    invalid: Invalid<'_>,
) -> Result<Vec<PluginConfig>, ConfigError> {
    let Some(items) = value.seq() else {
        return Err(invalid(
            value,
            "`plugins` must be a list of plugin entries".into(),
        ));
    };
    let mut plugins = Vec::new();
    for item in items {
        if item.map().is_none() {
            return Err(invalid(
                item,
                "each `plugins` entry must be a mapping".into(),
            ));
        }
        let text = |key: &str| -> Result<Option<String>, ConfigError> {
            match item.get(key) {
                None => Ok(None),
                Some(node) if node.is_null() => Ok(None),
                Some(node) => node
                    .scalar()
                    .map(|s| Some(s.to_string()))
                    .ok_or_else(|| invalid(node, format!("`{key}` must be a single value"))),
            }
        };
        let Some(name) = text("name")? else {
            return Err(invalid(item, "a `plugins` entry needs a `name`".into()));
        };
        let init_config = match item.get("init_config") {
            None => String::new(),
            Some(node) if node.is_null() => String::new(),
            Some(node) => match &node.value {
                Value::Scalar { text, .. } => text.clone(),
                _ => to_json(node).to_string(),
            },
        };
        plugins.push(PluginConfig {
            name,
            library_path: text("library_path")?.map(PathBuf::from),
            init_config,
            open_params: text("open_params")?.unwrap_or_default(),
        });
    }
    Ok(plugins)
}

/// Parses a sequence of names (`load_plugins`).
pub(super) fn names(
    value: &Node,
    key: &str,
    invalid: Invalid<'_>,
) -> Result<Vec<String>, ConfigError> {
    let Some(items) = value.seq() else {
        return Err(invalid(value, format!("`{key}` must be a list of names")));
    };
    items
        .iter()
        .map(|item| {
            item.scalar()
                .map(str::to_string)
                .ok_or_else(|| invalid(item, format!("`{key}` entries must be names")))
        })
        .collect()
}

fn number(node: &Node, key: &str, invalid: Invalid<'_>) -> Result<u64, ConfigError> {
    node.scalar()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid(node, format!("`{key}` must be a non-negative integer")))
}

/// A number that must not be zero (a zero timeout or cap would serve nothing).
fn positive(node: &Node, key: &str, invalid: Invalid<'_>) -> Result<u64, ConfigError> {
    match number(node, key, invalid)? {
        0 => Err(invalid(node, format!("`webhook.{key}` must be at least 1"))),
        n => Ok(n),
    }
}

/// Parses `plugin_limits`.
pub(super) fn limits(value: &Node, invalid: Invalid<'_>) -> Result<LimitsConfig, ConfigError> {
    let mut limits = LimitsConfig::default();
    for (key, node) in mapping(value, "plugin_limits", invalid)? {
        match key.scalar().unwrap_or_default() {
            "call_timeout_ms" => {
                limits.call_timeout_ms = Some(number(node, "call_timeout_ms", invalid)?)
            }
            "max_memory_mb" => limits.max_memory_mb = Some(number(node, "max_memory_mb", invalid)?),
            "max_return_mb" => limits.max_return_mb = Some(number(node, "max_return_mb", invalid)?),
            other => return Err(invalid(key, format!("unknown key `plugin_limits.{other}`"))),
        }
    }
    Ok(limits)
}

/// Parses `webhook`.
pub(super) fn webhook(value: &Node, invalid: Invalid<'_>) -> Result<WebhookConfig, ConfigError> {
    let mut webhook = WebhookConfig::default();
    for (key, node) in mapping(value, "webhook", invalid)? {
        let name = key.scalar().unwrap_or_default();
        let text = || {
            node.scalar()
                .map(str::to_string)
                .ok_or_else(|| invalid(node, format!("`webhook.{name}` must be a single value")))
        };
        match name {
            "listen" => webhook.listen = Some(text()?),
            "path" => webhook.path = Some(text()?),
            "tls_certificate" => webhook.tls_certificate = Some(text()?.into()),
            "tls_private_key" => webhook.tls_private_key = Some(text()?.into()),
            "bearer_token_file" => webhook.bearer_token_file = Some(text()?.into()),
            "max_body_bytes" => {
                webhook.max_body_bytes = Some(number(node, "max_body_bytes", invalid)?)
            }
            "allow_insecure" => {
                webhook.allow_insecure =
                    Some(node.scalar().and_then(super::yaml_bool).ok_or_else(|| {
                        invalid(
                            node,
                            "`webhook.allow_insecure` must be true or false".into(),
                        )
                    })?)
            }
            "header_timeout_ms" => {
                webhook.header_timeout_ms = Some(positive(node, "header_timeout_ms", invalid)?)
            }
            "body_timeout_ms" => {
                webhook.body_timeout_ms = Some(positive(node, "body_timeout_ms", invalid)?)
            }
            "handshake_timeout_ms" => {
                webhook.handshake_timeout_ms =
                    Some(positive(node, "handshake_timeout_ms", invalid)?)
            }
            "verdict_timeout_ms" => {
                webhook.verdict_timeout_ms = Some(positive(node, "verdict_timeout_ms", invalid)?)
            }
            "max_connections" => {
                webhook.max_connections = Some(positive(node, "max_connections", invalid)?)
            }
            other => return Err(invalid(key, format!("unknown key `webhook.{other}`"))),
        }
    }
    Ok(webhook)
}

/// `value` as a mapping, or an error naming `key`.
pub(super) fn mapping<'n>(
    value: &'n Node,
    key: &str,
    invalid: Invalid<'_>,
) -> Result<&'n [(Node, Node)], ConfigError> {
    value
        .map()
        .ok_or_else(|| invalid(value, format!("`{key}` must be a mapping")))
}

/// A YAML node as JSON: plain scalars become booleans, null or numbers when
/// they read as such; quoted scalars stay strings.
fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Scalar { text, plain, .. } => {
            if !plain {
                return serde_json::Value::String(text.clone());
            }
            if node.is_null() {
                return serde_json::Value::Null;
            }
            match text.as_str() {
                "true" | "True" | "TRUE" => return serde_json::Value::Bool(true),
                "false" | "False" | "FALSE" => return serde_json::Value::Bool(false),
                _ => {}
            }
            if let Ok(n) = text.parse::<i64>() {
                return n.into();
            }
            if let Ok(n) = text.parse::<f64>()
                && let Some(n) = serde_json::Number::from_f64(n)
            {
                return serde_json::Value::Number(n);
            }
            serde_json::Value::String(text.clone())
        }
        Value::Seq(items) => items.iter().map(to_json).collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| (k.scalar().unwrap_or_default().to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}
