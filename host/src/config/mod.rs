//! The operator's configuration file (Falco-style YAML), merged with flags.
//!
//! Only keys Lanner implements are read; unknown keys are warned about so a
//! Falco `falco.yaml` can be pointed at Lanner without surprises.

use crate::engine::{
    MatchMode,
    loader::{Priority, yaml},
    output::TimeStyle,
};
use std::path::{Path, PathBuf};

mod plugins;

pub use plugins::{LimitsConfig, PluginConfig, WebhookConfig};

/// Settings from a configuration file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// `json_output`: one JSON alert per line.
    pub json_output: Option<bool>,
    /// `rules_files` / `rules_file`: rule files and directories, in order.
    pub rules_files: Vec<PathBuf>,
    /// `priority`: minimum priority of enabled rules.
    pub priority: Option<Priority>,
    /// `rule_matching`: `first` or `all`.
    pub rule_matching: Option<MatchMode>,
    /// `time_format_iso_8601`.
    pub time_style: Option<TimeStyle>,
    /// `plugins`: plugin entries (Falco's shape).
    pub plugins: Vec<PluginConfig>,
    /// `load_plugins`: when present, only these plugins load, in this order.
    pub load_plugins: Option<Vec<String>>,
    /// `plugin_dir`: a directory of drop-in `.wasm` plugins.
    pub plugin_dir: Option<PathBuf>,
    /// `plugin_limits`.
    pub plugin_limits: LimitsConfig,
    /// `webhook`.
    pub webhook: WebhookConfig,
    /// Ring buffer bytes per CPU for the syscall probe: `syscall.buffer_bytes_per_cpu`,
    /// else Falco's `engine.modern_ebpf.buf_size_preset`.
    pub syscall_ring_bytes_per_cpu: Option<u32>,
    /// How often to publish the metrics snapshot alert (Falco's `metrics`
    /// with `enabled` and `output_rule`); `None`: never.
    pub metrics_interval: Option<std::time::Duration>,
    /// Keys present in the file that Lanner ignores.
    pub ignored_keys: Vec<String>,
}

/// Why a configuration file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read, or is not trustworthy (see [`crate::trust`]).
    #[error(transparent)]
    Untrusted(#[from] crate::trust::Untrusted),
    /// The file is not UTF-8 text.
    #[error("{path}: not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: String,
    },
    /// The file is not valid YAML or a key has the wrong shape.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// Line, 1-based.
        line: u32,
        /// Column, 1-based.
        column: u32,
        /// What is wrong.
        message: String,
    },
}

/// The largest configuration file read; Falco's own is about 60 KiB.
const MAX_CONFIG_BYTES: u64 = 4 << 20;

impl Config {
    /// Reads and parses the configuration file at `path`.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        // The configuration names the rules, plugins and outputs a root
        // process uses: it must be as trustworthy as they are.
        let bytes = crate::trust::read_file(path, MAX_CONFIG_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::NotUtf8 {
            path: path.display().to_string(),
        })?;
        Self::parse(&path.display().to_string(), &text)
    }

    /// Parses configuration text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ConfigError> {
        let invalid = |pos: yaml::Pos, message: String| ConfigError::Invalid {
            path: origin.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        };
        let node_invalid = |node: &yaml::Node, message: String| invalid(node.pos, message);
        let documents = yaml::parse_documents(text).map_err(|e| invalid(e.pos, e.message))?;
        let mut config = Self::default();
        let Some(root) = documents.into_iter().flatten().next() else {
            return Ok(config);
        };
        let Some(entries) = root.map() else {
            return Err(invalid(
                root.pos,
                "the configuration must be a mapping".into(),
            ));
        };
        for (key, value) in entries {
            let key_text = key.scalar().unwrap_or_default();
            let scalar = || {
                value.scalar().ok_or_else(|| {
                    invalid(value.pos, format!("`{key_text}` must be a single value"))
                })
            };
            let boolean = |text: &str| {
                yaml_bool(text).ok_or_else(|| {
                    invalid(
                        value.pos,
                        format!("`{key_text}` must be true or false, not `{text}`"),
                    )
                })
            };
            match key_text {
                "json_output" => config.json_output = Some(boolean(scalar()?)?),
                "time_format_iso_8601" => {
                    config.time_style = Some(if boolean(scalar()?)? {
                        TimeStyle::Iso8601
                    } else {
                        TimeStyle::TimeOfDay
                    })
                }
                "priority" => {
                    let text = scalar()?;
                    config.priority =
                        Some(text.parse().map_err(|_| {
                            invalid(value.pos, format!("unknown priority `{text}`"))
                        })?);
                }
                "rule_matching" => {
                    config.rule_matching = Some(match scalar()? {
                        "first" => MatchMode::First,
                        "all" => MatchMode::All,
                        other => {
                            return Err(invalid(
                                value.pos,
                                format!("rule_matching must be `first` or `all`, not `{other}`"),
                            ));
                        }
                    })
                }
                "rules_file" | "rules_files" => {
                    if let Some(items) = value.seq() {
                        for item in items {
                            let path = item.scalar().ok_or_else(|| {
                                invalid(item.pos, format!("`{key_text}` entries must be paths"))
                            })?;
                            config.rules_files.push(PathBuf::from(path));
                        }
                    } else {
                        config.rules_files.push(PathBuf::from(scalar()?));
                    }
                }
                "plugins" => config.plugins = plugins::plugins(value, &node_invalid)?,
                "load_plugins" => {
                    config.load_plugins = Some(plugins::names(value, key_text, &node_invalid)?)
                }
                "plugin_dir" => config.plugin_dir = Some(PathBuf::from(scalar()?)),
                "plugin_limits" => config.plugin_limits = plugins::limits(value, &node_invalid)?,
                "webhook" => config.webhook = plugins::webhook(value, &node_invalid)?,
                "engine" => {
                    if let Some(bytes) = engine_buffer_size(value, &node_invalid)? {
                        config.syscall_ring_bytes_per_cpu.get_or_insert(bytes);
                    }
                }
                "metrics" => config.metrics_interval = metrics_interval(value, &node_invalid)?,
                "syscall" => {
                    if let Some(bytes) = syscall_buffer_size(value, &node_invalid)? {
                        // Lanner's own key wins over Falco's preset.
                        config.syscall_ring_bytes_per_cpu = Some(bytes);
                    }
                }
                other => config.ignored_keys.push(other.to_string()),
            }
        }
        Ok(config)
    }
}

/// A YAML boolean in the spellings Falco's configuration accepts.
fn yaml_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "yes" | "on" | "True" | "TRUE" => Some(true),
        "false" | "no" | "off" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// The ring buffer size Falco's `engine.modern_ebpf.buf_size_preset` names:
/// preset 1 is 1 MiB and each next preset doubles it, up to 10 (512 MiB).
fn engine_buffer_size(
    engine: &yaml::Node,
    invalid: &dyn Fn(&yaml::Node, String) -> ConfigError,
) -> Result<Option<u32>, ConfigError> {
    let Some(preset) = engine
        .get("modern_ebpf")
        .and_then(|modern| modern.get("buf_size_preset"))
    else {
        return Ok(None);
    };
    match preset.scalar().and_then(|t| t.parse::<u32>().ok()) {
        Some(0) => Ok(Some(1 << 20)),
        Some(n @ 1..=10) => Ok(Some((1u32 << 20) << (n - 1))),
        _ => Err(invalid(
            preset,
            "engine.modern_ebpf.buf_size_preset must be a number from 0 to 10".into(),
        )),
    }
}

/// Falco's `metrics` block: `enabled`, `interval` (e.g. `15s`, `1m30s`,
/// `1h`) and `output_rule` (the snapshot as an alert, the only output
/// Lanner has for it). Other keys (Prometheus, file output) are ignored.
fn metrics_interval(
    metrics: &yaml::Node,
    invalid: &dyn Fn(&yaml::Node, String) -> ConfigError,
) -> Result<Option<std::time::Duration>, ConfigError> {
    let entries = plugins::mapping(metrics, "metrics", invalid)?;
    let (mut enabled, mut output_rule) = (false, true);
    let mut interval = std::time::Duration::from_secs(3600);
    for (key, value) in entries {
        let flag = || match value.scalar().and_then(yaml_bool) {
            Some(flag) => Ok(flag),
            None => Err(invalid(
                value,
                format!(
                    "`metrics.{}` must be true or false",
                    key.scalar().unwrap_or_default()
                ),
            )),
        };
        match key.scalar() {
            Some("enabled") => enabled = flag()?,
            Some("output_rule") => output_rule = flag()?,
            Some("interval") => {
                interval = value.scalar().and_then(parse_interval).ok_or_else(|| {
                    invalid(
                        value,
                        "metrics.interval must be a duration such as 15s, 1m30s or 1h".into(),
                    )
                })?;
            }
            _ => {}
        }
    }
    Ok((enabled && output_rule).then_some(interval))
}

/// A duration written as number-unit pairs (`100ms`, `30s`, `1m30s`, `1h`); never zero.
fn parse_interval(text: &str) -> Option<std::time::Duration> {
    let mut total = std::time::Duration::ZERO;
    let mut rest = text.trim();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        let number: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => std::time::Duration::from_millis(1),
            "s" => std::time::Duration::from_secs(1),
            "m" => std::time::Duration::from_secs(60),
            "h" => std::time::Duration::from_secs(3600),
            _ => return None,
        };
        total += unit.checked_mul(u32::try_from(number).ok()?)?;
        rest = &rest[unit_len..];
    }
    (!total.is_zero()).then_some(total)
}

/// `syscall.buffer_bytes_per_cpu`: the exact ring size per CPU (the probe
/// checks it is a power of two and a multiple of the page size).
fn syscall_buffer_size(
    syscall: &yaml::Node,
    invalid: &dyn Fn(&yaml::Node, String) -> ConfigError,
) -> Result<Option<u32>, ConfigError> {
    let entries = plugins::mapping(syscall, "syscall", invalid)?;
    let mut size = None;
    for (key, value) in entries {
        match key.scalar() {
            Some("buffer_bytes_per_cpu") => {
                size = Some(
                    value
                        .scalar()
                        .and_then(|t| t.parse::<u32>().ok())
                        .ok_or_else(|| {
                            invalid(
                                value,
                                "syscall.buffer_bytes_per_cpu must be a number of bytes".into(),
                            )
                        })?,
                );
            }
            other => {
                return Err(invalid(
                    key,
                    format!(
                        "unknown key `syscall.{}`; known: buffer_bytes_per_cpu",
                        other.unwrap_or_default()
                    ),
                ));
            }
        }
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_falcos_metrics_block() {
        let interval = |text: &str| Config::parse("c.yaml", text).unwrap().metrics_interval;
        use std::time::Duration;
        assert_eq!(
            interval("metrics:\n  enabled: true\n  interval: 1m30s\n"),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            interval("metrics:\n  enabled: true\n"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            interval("metrics:\n  enabled: true\n  interval: 250ms\n  output_rule: false\n"),
            None
        );
        assert_eq!(
            interval("metrics:\n  enabled: false\n  interval: 1s\n"),
            None
        );
        for bad in ["0s", "1x", "s", "1.5s", ""] {
            let text = format!("metrics:\n  enabled: true\n  interval: \"{bad}\"\n");
            let err = Config::parse("c.yaml", &text).unwrap_err();
            assert!(err.to_string().contains("c.yaml:3:"), "{bad}: {err}");
        }
    }

    #[test]
    fn reads_falco_ring_buffer_presets() {
        let config = |text: &str| Config::parse("c.yaml", text);
        let size = |text: &str| config(text).unwrap().syscall_ring_bytes_per_cpu;
        assert_eq!(
            size("engine:\n  kind: modern_ebpf\n  modern_ebpf:\n    buf_size_preset: 4\n"),
            Some(8 << 20)
        );
        assert_eq!(
            size("engine:\n  modern_ebpf:\n    buf_size_preset: 1\n"),
            Some(1 << 20)
        );
        assert_eq!(size("engine:\n  kind: modern_ebpf\n"), None);
        let err = config("engine:\n  modern_ebpf:\n    buf_size_preset: 11\n").unwrap_err();
        assert!(err.to_string().contains("c.yaml:3:"), "{err}");
        // Lanner's own key wins, whichever comes first.
        let both = "syscall:\n  buffer_bytes_per_cpu: 4096\nengine:\n  modern_ebpf:\n    buf_size_preset: 4\n";
        assert_eq!(size(both), Some(4096));
        let err = config("syscall:\n  buffer_bytes: 4096\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown key `syscall.buffer_bytes`"),
            "{err}"
        );
        let err = config("syscall:\n  buffer_bytes_per_cpu: lots\n").unwrap_err();
        assert!(err.to_string().contains("c.yaml:2:"), "{err}");
    }

    #[test]
    fn reads_the_keys_lanner_implements() {
        let config = Config::parse(
            "c.yaml",
            "json_output: true\npriority: warning\nrule_matching: all\nrules_files:\n  - /a.yaml\n  - /b.yaml\nwebserver: {}\n",
        )
        .unwrap();
        assert_eq!(config.json_output, Some(true));
        assert_eq!(config.priority, Some(Priority::Warning));
        assert_eq!(config.rule_matching, Some(MatchMode::All));
        assert_eq!(
            config.rules_files,
            vec![PathBuf::from("/a.yaml"), PathBuf::from("/b.yaml")]
        );
        assert_eq!(config.ignored_keys, vec!["webserver".to_string()]);
    }

    #[test]
    fn reads_falco_plugin_entries_and_lanner_ingress_keys() {
        let config = Config::parse(
            "c.yaml",
            r#"
load_plugins: [k8saudit, json]
plugins:
  - name: k8saudit
    library_path: libk8saudit.so
    init_config:
      maxEventSize: 262144
      sslCertificate: "/etc/falco/falco.pem"
      useAsync: false
    open_params: "http://:9765/k8s-audit"
  - name: json
    library_path: libjson.so
    init_config: ""
plugin_dir: /opt/lanner/plugins
plugin_limits: {call_timeout_ms: 250, max_memory_mb: 64, max_return_mb: 32}
webhook:
  bearer_token_file: /etc/lanner/token
  max_body_bytes: 1048576
  allow_insecure: yes
  header_timeout_ms: 500
  max_connections: 8
"#,
        )
        .unwrap();
        assert_eq!(
            config.load_plugins,
            Some(vec!["k8saudit".into(), "json".into()])
        );
        assert_eq!(config.plugins.len(), 2);
        let k8s = &config.plugins[0];
        assert_eq!(k8s.open_params, "http://:9765/k8s-audit");
        let init: serde_json::Value = serde_json::from_str(&k8s.init_config).unwrap();
        assert_eq!(
            init,
            serde_json::json!({"maxEventSize": 262144, "sslCertificate": "/etc/falco/falco.pem", "useAsync": false})
        );
        assert_eq!(config.plugins[1].init_config, "");
        assert_eq!(config.plugin_limits.call_timeout_ms, Some(250));
        assert_eq!(config.plugin_limits.max_return_mb, Some(32));
        assert_eq!(config.webhook.max_body_bytes, Some(1048576));
        assert!(Config::parse("c.yaml", "plugins: 3\n").is_err());
        assert_eq!(config.webhook.allow_insecure, Some(true));
        assert_eq!(config.webhook.header_timeout_ms, Some(500));
        assert_eq!(config.webhook.max_connections, Some(8));
        assert!(Config::parse("c.yaml", "webhook: {port: 1}\n").is_err());
        assert!(Config::parse("c.yaml", "webhook: {allow_insecure: 1}\n").is_err());
        assert!(Config::parse("c.yaml", "webhook: {body_timeout_ms: 0}\n").is_err());
    }

    #[test]
    fn reports_bad_values_with_their_position() {
        let err = Config::parse("c.yaml", "json_output: maybe\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.yaml:1:14: `json_output` must be true or false, not `maybe`"
        );
        assert!(Config::parse("c.yaml", "- a\n").is_err());
        assert!(Config::parse("c.yaml", "a: [\n").is_err());
    }
}
