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
    /// Capture events from sources and print them as they happen.
    Run(RunArgs),
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

/// Arguments of `lanner run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Source to read events from.
    #[arg(long, value_enum, default_value = "syscall")]
    pub source: SourceName,

    /// Stop after printing this many events (default: run until interrupted).
    #[arg(long)]
    pub max_events: Option<u64>,
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
