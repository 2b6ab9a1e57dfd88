//! `lanner rules …` and `lanner fields`: work with rules without running sources.

use super::{
    args::{FieldsArgs, RulesCommand, SetupArgs},
    rules_files,
    setup::Plugins,
};
use crate::config::Config;
use crate::engine::{
    Ruleset, RulesetOptions,
    diagnostics::{Diagnostic, Severity},
};
use anyhow::{Context, bail};
use std::collections::BTreeMap;

/// Runs a `rules` subcommand.
pub fn rules(command: &RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Validate {
            rules,
            positional,
            setup,
        } => {
            let mut paths = rules.files.clone();
            paths.extend(positional.iter().cloned());
            validate(&paths, setup)
        }
        RulesCommand::List { rules, setup } => {
            let ruleset = load(&rules.files, setup)?;
            for rule in ruleset.rules() {
                let state = if rule.enabled { "" } else { " (disabled)" };
                println!("{}\t{}\t{}{state}", rule.source, rule.priority, rule.name);
            }
            Ok(())
        }
        RulesCommand::Describe { name, rules, setup } => {
            let ruleset = load(&rules.files, setup)?;
            let rule = ruleset
                .rules()
                .iter()
                .find(|rule| &rule.name == name)
                .with_context(|| format!("no rule named `{name}` is loaded"))?;
            let types = ruleset
                .registry()
                .event_types(&rule.source)
                .unwrap_or_default();
            let event_types: Vec<&str> = if rule.event_types.is_all() {
                vec!["(all)"]
            } else {
                let mut names: Vec<&str> = rule
                    .event_types
                    .iter()
                    .filter_map(|i| types.get(i).map(String::as_str))
                    .collect();
                names.dedup();
                names
            };
            println!("rule:        {}", rule.name);
            println!("source:      {}", rule.source);
            println!("priority:    {}", rule.priority);
            println!("enabled:     {}", rule.enabled);
            println!(
                "tags:        {}",
                rule.tags.iter().cloned().collect::<Vec<_>>().join(", ")
            );
            println!("defined at:  {}", rule.location);
            println!("description: {}", rule.desc);
            println!("event types: {}", event_types.join(", "));
            println!("fields:      {}", rule.fields.join(", "));
            println!("condition:   {}", rule.expanded_condition);
            Ok(())
        }
    }
}

/// The configuration named by `setup`, or the defaults.
pub fn config(setup: &SetupArgs) -> anyhow::Result<Config> {
    Ok(match &setup.config {
        Some(path) => Config::read(path)?,
        None => Config::default(),
    })
}

/// Loads rules with every plugin's fields registered.
fn load(paths: &[std::path::PathBuf], setup: &SetupArgs) -> anyhow::Result<Ruleset> {
    let plugins = Plugins::load(&config(setup)?, &setup.plugin_dirs)?;
    let options = RulesetOptions {
        plugins: plugins.versions(),
        ..RulesetOptions::default()
    };
    rules_files::load_for_run(paths, &options, plugins.registry())
}

fn validate(paths: &[std::path::PathBuf], setup: &SetupArgs) -> anyhow::Result<()> {
    let sources = rules_files::read(paths)?;
    let plugins = Plugins::load(&config(setup)?, &setup.plugin_dirs)?;
    let options = RulesetOptions {
        plugins: plugins.versions(),
        ..RulesetOptions::default()
    };
    let outcome = Ruleset::load(plugins.registry(), &sources, &options);
    // Report in file order, then by position, whatever stage found the problem.
    let file_order = |d: &Diagnostic| {
        file_of(d)
            .and_then(|file| sources.iter().position(|s| s.name.as_ref() == file))
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<&Diagnostic> = outcome.diagnostics.iter().collect();
    sorted.sort_by_key(|d| {
        let (line, column) = d.location.as_ref().map_or((0, 0), |l| (l.line, l.column));
        (file_order(d), line, column)
    });
    for diagnostic in sorted {
        println!("{diagnostic}");
    }
    let mut by_file: BTreeMap<&str, (usize, usize)> =
        sources.iter().map(|s| (s.name.as_ref(), (0, 0))).collect();
    for diagnostic in &outcome.diagnostics {
        if let Some(counts) = file_of(diagnostic).and_then(|file| by_file.get_mut(file)) {
            match diagnostic.severity() {
                Severity::Error => counts.0 += 1,
                Severity::Warning => counts.1 += 1,
            }
        }
    }
    for source in &sources {
        let (errors, warnings) = by_file
            .get(source.name.as_ref())
            .copied()
            .unwrap_or_default();
        let verdict = match (errors, warnings) {
            (0, 0) => "Ok".to_string(),
            (0, w) => format!("Ok, with warnings ({w})"),
            (e, w) => format!("Invalid ({e} errors, {w} warnings)"),
        };
        println!("{}: {verdict}", source.name);
    }
    if outcome.has_errors() {
        bail!("validation failed");
    }
    Ok(())
}

fn file_of(diagnostic: &Diagnostic) -> Option<&str> {
    diagnostic.location.as_ref().map(|l| l.file.as_ref())
}

/// Runs `lanner fields`.
pub fn fields(args: &FieldsArgs) -> anyhow::Result<()> {
    let registry = Plugins::load(&config(&args.setup)?, &args.setup.plugin_dirs)?.registry();
    let sources: Vec<String> = match &args.source {
        Some(source) => {
            if registry.table(source).is_none() {
                bail!(
                    "unknown source `{source}`; known: {}",
                    registry.source_names().collect::<Vec<_>>().join(", ")
                );
            }
            vec![source.clone()]
        }
        None => registry.source_names().map(str::to_string).collect(),
    };
    for source in sources {
        println!("source: {source}");
        if let Some(fields) = registry.fields_of(&source) {
            for (_, def) in fields {
                let arg = match def.arg_mode {
                    crate::fields::ArgMode::None => "",
                    crate::fields::ArgMode::Optional => "[arg]",
                    crate::fields::ArgMode::Required => "[ARG]",
                };
                let list = if def.flags.is_list { " (list)" } else { "" };
                println!(
                    "  {:<36} {:<8}{list} {}",
                    format!("{}{arg}", def.name),
                    def.ty.name(),
                    def.description
                );
            }
        }
        println!();
    }
    Ok(())
}
