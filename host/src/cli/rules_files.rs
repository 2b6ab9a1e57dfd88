//! Finding and reading rules files, and the built-in default rules.

use crate::{
    engine::{Ruleset, RulesetOptions, diagnostics::Severity, loader::RulesSource},
    fields::Registry,
};
use anyhow::{Context, bail};
use std::{path::Path, path::PathBuf, sync::Arc};

/// Lanner's own rules, built into the binary, used when no rules are given.
const DEFAULT_RULES: &[(&str, &str)] = &[
    (
        "<built-in>/lanner_syscall_rules.yaml",
        include_str!("../../../rules/lanner_syscall_rules.yaml"),
    ),
    (
        "<built-in>/lanner_k8s_audit_rules.yaml",
        include_str!("../../../rules/lanner_k8s_audit_rules.yaml"),
    ),
];

/// Reads `paths` in order (directories expand to their sorted *.yaml/*.yml
/// files); with no paths, the built-in rules.
pub fn read(paths: &[PathBuf]) -> anyhow::Result<Vec<RulesSource>> {
    if paths.is_empty() {
        return Ok(DEFAULT_RULES
            .iter()
            .map(|(name, text)| RulesSource {
                name: Arc::from(*name),
                text: (*text).to_string(),
            })
            .collect());
    }
    let mut sources = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading rules directory {}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_yaml(p))
                .collect();
            files.sort();
            for file in files {
                sources.push(read_file(&file)?);
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    Ok(sources)
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

fn read_file(path: &Path) -> anyhow::Result<RulesSource> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading rules file {}", path.display()))?;
    Ok(RulesSource {
        name: Arc::from(path.display().to_string()),
        text,
    })
}

/// Loads and compiles rules for running: warnings go to stderr, errors fail.
pub fn load_for_run(
    paths: &[PathBuf],
    options: &RulesetOptions,
    registry: Registry,
) -> anyhow::Result<Ruleset> {
    let sources = read(paths)?;
    let outcome = Ruleset::load(registry, &sources, options);
    let warnings = outcome
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Warning)
        .count();
    if outcome.has_errors() {
        for diagnostic in &outcome.diagnostics {
            if diagnostic.severity() == Severity::Error {
                eprintln!("{diagnostic}");
            }
        }
        bail!("the rules have errors; `lanner rules validate` lists them all");
    }
    if warnings > 0 {
        tracing::info!(
            warnings,
            "rules loaded with warnings; `lanner rules validate` shows them"
        );
    }
    outcome
        .ruleset
        .context("the rules loaded without a rule set")
}
