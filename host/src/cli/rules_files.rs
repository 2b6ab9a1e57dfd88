//! Finding and reading rules files, and the built-in default rules.

use crate::{
    engine::{Ruleset, RulesetOptions, diagnostics::Severity, loader::RulesSource},
    fields::Registry,
    trust,
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

/// Largest rules file read; Falco's largest is well under 1 MiB.
const MAX_RULES_FILE_BYTES: u64 = 64 << 20;

/// Reads `paths` in order (directories expand to their sorted *.yaml/*.yml
/// files); with no paths, the built-in rules. Every file and directory must
/// pass the ownership checks of [`trust`]: rules decide what is detected, so
/// a file others can write could blind detection.
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
            let files = trust::list_dir(path, &["yaml", "yml"])
                .with_context(|| format!("reading rules directory {}", path.display()))?;
            for file in files {
                sources.push(read_file(&file)?);
            }
        } else {
            sources.push(read_file(path)?);
        }
    }
    Ok(sources)
}

fn read_file(path: &Path) -> anyhow::Result<RulesSource> {
    let bytes = trust::read_file(path, MAX_RULES_FILE_BYTES)
        .with_context(|| format!("reading rules file {}", path.display()))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("reading rules file {}: it is not UTF-8", path.display()))?;
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
