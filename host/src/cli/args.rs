//! Every command-line flag, declared once; help text comes from these doc comments.

use clap::{Args, Parser, Subcommand, ValueEnum};
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

/// Event sources `lanner run` can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SourceName {
    /// Syscalls of this host, through the eBPF probe (needs root).
    Syscall,
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
    /// Source to read events from.
    #[arg(long, value_enum, default_value = "syscall")]
    pub source: SourceName,

    /// Rules to load.
    #[command(flatten)]
    pub rules: RulesFiles,

    /// Configuration file (Falco-style YAML: json_output, rules_files, priority, ...).
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,

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
        /// Rules files to validate, in order.
        #[arg(value_name = "FILE")]
        positional: Vec<PathBuf>,
    },
    /// List the loaded rules.
    List {
        /// Rules to load.
        #[command(flatten)]
        rules: RulesFiles,
    },
    /// Show a rule's expanded condition, fields and event types.
    Describe {
        /// The rule's name.
        name: String,
        /// Rules to load.
        #[command(flatten)]
        rules: RulesFiles,
    },
}

/// Arguments of `lanner fields`.
#[derive(Debug, Args)]
pub struct FieldsArgs {
    /// Only this source's fields.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
}

/// `lanner plugins …` subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Load a plugin component and print its identity and contract version.
    Inspect {
        /// Path to the plugin's `.wasm` component.
        file: PathBuf,
    },
}
