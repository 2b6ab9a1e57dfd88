//! The command line: flags are declared once, in [`args`]; each subcommand has its own module.

mod args;
mod plugins;
mod rules;
mod rules_files;
mod run;
mod setup;

use clap::Parser;
use std::process::ExitCode;

/// Parses the command line, runs the chosen command, and reports errors with their causes.
pub fn main() -> ExitCode {
    let cli = args::Cli::parse();
    init_logging(cli.log_level.as_deref());
    let result = match cli.command {
        args::Command::Run(run_args) => run::run(&run_args),
        args::Command::Rules(command) => rules::rules(&command),
        args::Command::Fields(fields_args) => rules::fields(&fields_args),
        args::Command::Plugins(plugins_args) => plugins::plugins(&plugins_args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lanner: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(level: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_new(level.unwrap_or("warn"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
