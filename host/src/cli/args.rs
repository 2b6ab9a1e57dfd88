//! Every command-line flag, declared once; help text comes from these doc comments.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Lanner: runtime security detection for syscalls, clusters and clouds.
#[derive(Debug, Parser)]
#[command(name = "lanner", version, about)]
pub struct Cli {
    /// Log filter for diagnostics on stderr (e.g. `info`, `lanner=debug`).
    #[arg(long, global = true, env = "LANNER_LOG")]
    pub log_level: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Lanner's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture events from sources, evaluate rules and print alerts.
    Run(RunArgs),
    /// Validate, list and describe rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// List the fields rules can use.
    Fields(FieldsArgs),
    /// Inspect event-source plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
}

/// Configuration and plugins (shared by every command that loads rules or plugins).
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Configuration file (Falco-style YAML: json_output, rules_files, priority,
    /// plugins, load_plugins, plugin_dir, plugin_limits, webhook, ...).
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A directory of drop-in plugin components (`*.wasm`); repeatable. A
    /// plugin there replaces a built-in one of the same name.
    #[arg(long = "plugin-dir", value_name = "DIR")]
    pub plugin_dirs: Vec<PathBuf>,
}

/// Which rules to load (shared by every command that loads rules).
#[derive(Debug, Args)]
pub struct RulesFiles {
    /// A rules file or directory (its *.yaml/*.yml files, sorted); repeat to load
    /// several, in order. Default: Lanner's built-in rules.
    #[arg(short = 'r', long = "rules", value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Arguments of `lanner run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Event source to read: `syscall` (this host, through eBPF; needs root)
    /// or a plugin's source such as `k8s_audit`; repeat to run several.
    #[arg(long = "source", value_name = "SOURCE", default_value = "syscall")]
    pub sources: Vec<String>,

    /// Replay recorded input for one source, then exit: a capture written by
    /// `--record` for `--source syscall` (no root needed), or a plugin
    /// source's payloads (`-` for standard input): JSON documents, one per
    /// line or pretty-printed.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Record what the syscall source captures (events and the process,
    /// cgroup and user state they need) to FILE, for `--input` replays.
    /// FILE must not exist (an existing file or link is refused, never
    /// overwritten or followed) and is created readable by its owner only
    /// (0600). Environment variable values are replaced with `<redacted>`
    /// (names kept: `AWS_SECRET_ACCESS_KEY=<redacted>`); see
    /// `--record-environment`. Detection itself always sees the real values.
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    pub record: Option<PathBuf>,

    /// Keep environment variable values in the `--record` capture instead of
    /// `<redacted>`. The capture then holds every process's tokens, keys and
    /// passwords: keep it as secret as those.
    #[arg(long, requires = "record")]
    pub record_environment: bool,

    /// Listen address for webhook sources (e.g. `127.0.0.1:0`), overriding
    /// the host and port of the plugin's open parameters.
    #[arg(long, value_name = "ADDR")]
    pub webhook_listen: Option<String>,

    /// Rules to load.
    #[command(flatten)]
    pub rules: RulesFiles,

    /// Configuration and plugins.
    #[command(flatten)]
    pub setup: SetupArgs,

    /// Print one JSON alert per line (Falco's JSON shape) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Stop after this many alerts (default: run until interrupted).
    #[arg(long, value_name = "N")]
    pub max_alerts: Option<u64>,
}

/// `lanner rules …` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Load and compile rules files; print every error and warning; exit 1 on errors.
    Validate {
        /// Rules to validate (also accepted as plain arguments).
        #[command(flatten)]
        rules: RulesFiles,
        /// Configuration and plugins.
        #[command(flatten)]
        setup: SetupArgs,
        /// Rules files to validate, in order.
        #[arg(value_name = "FILE")]
        positional: Vec<PathBuf>,
    },
    /// List the loaded rules.
    List {
        /// Rules to load.
        #[command(flatten)]
        rules: RulesFiles,
        /// Configuration and plugins.
        #[command(flatten)]
        setup: SetupArgs,
    },
    /// Show a rule's expanded condition, fields and event types.
    Describe {
        /// The rule's name.
        name: String,
        /// Rules to load.
        #[command(flatten)]
        rules: RulesFiles,
        /// Configuration and plugins.
        #[command(flatten)]
        setup: SetupArgs,
    },
}

/// Arguments of `lanner fields`.
#[derive(Debug, Args)]
pub struct FieldsArgs {
    /// Only this source's fields.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,

    /// Configuration and plugins.
    #[command(flatten)]
    pub setup: SetupArgs,
}

/// `lanner plugins …` subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// List the plugins a run would load: built-in, drop-in and configured.
    List {
        /// Configuration and plugins.
        #[command(flatten)]
        setup: SetupArgs,
    },
    /// Load a plugin component and print its identity, contract version,
    /// fields and configuration schema.
    Inspect {
        /// Path to the plugin's `.wasm` component.
        file: PathBuf,
    },
}
