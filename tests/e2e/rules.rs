//! `lanner rules validate|list|describe` and `lanner fields`, as an operator runs them.

use lanner_tests::{TempDir, compat_rules, run_lanner};
use std::path::PathBuf;

fn validate(files: &[PathBuf]) -> (bool, String) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["rules".as_ref(), "validate".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let (ok, stdout, _) = run_lanner(&args);
    (ok, stdout)
}

#[test]
fn the_official_syscall_rules_validate_with_zero_errors() {
    let stable = compat_rules("falco_rules.yaml");
    for extra in [
        vec![],
        vec![compat_rules("falco-incubating_rules.yaml")],
        vec![compat_rules("falco-sandbox_rules.yaml")],
        vec![
            compat_rules("falco-incubating_rules.yaml"),
            compat_rules("falco-sandbox_rules.yaml"),
        ],
    ] {
        let mut files = vec![stable.clone()];
        files.extend(extra);
        let (ok, stdout) = validate(&files);
        assert!(ok, "{stdout}");
        assert!(!stdout.contains(": error:"), "{stdout}");
        for file in &files {
            assert!(
                stdout.contains(&format!("{}: Ok", file.display())),
                "{stdout}"
            );
        }
    }
}

#[test]
fn the_official_k8s_audit_rules_validate_with_the_built_in_plugins() {
    let file = compat_rules("k8s_audit_rules.yaml");
    let (ok, stdout) = validate(std::slice::from_ref(&file));
    assert!(ok, "{stdout}");
    // Zero errors and zero warnings: k8saudit and json are built in, with
    // the versions the file requires.
    assert_eq!(stdout.trim(), format!("{}: Ok", file.display()), "{stdout}");

    // Without the json plugin the file's requirement is not met.
    let dir = TempDir::new("k8s-no-json");
    let config = dir.write("lanner.yaml", "load_plugins: [k8saudit]\n");
    let (ok, stdout, _) = run_lanner(&[
        "rules".as_ref(),
        "validate".as_ref(),
        "-c".as_ref(),
        config.as_os_str(),
        file.as_os_str(),
    ]);
    assert!(!ok);
    assert!(stdout.contains("json"), "{stdout}");
}

#[test]
fn validate_lists_every_error_with_location_snippet_and_hint() {
    let dir = TempDir::new("validate");
    let bad = dir.write(
        "bad.yaml",
        "- rule: misspelled\n  desc: d\n  condition: evt.type = execve and proc.nme = x\n  output: o\n  priority: WARNING\n\
         - macro: broken\n  condition: (a =\n\
         - rule: loud\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: LOUD\n\
         - rule: unindexed\n  desc: d\n  condition: proc.name = x\n  output: \"%proc.name %\"\n  priority: INFO\n",
    );
    let (ok, stdout) = validate(std::slice::from_ref(&bad));
    assert!(!ok);
    let file = bad.display().to_string();
    assert!(
        stdout.contains(&format!(
            "{file}:3:14: error: filter_check called with nonexistent field proc.nme"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("did you mean proc.name?"), "{stdout}");
    assert!(
        stdout.contains("|   condition: evt.type = execve and proc.nme = x"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{file}:7:14: error: expected a ')' token")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{file}:12:13: error: Invalid priority (LOAD_ERR_YAML_VALIDATE)"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("hint: priority must be one of"), "{stdout}");
    assert!(
        stdout.contains("formatting cannot end with a %"),
        "{stdout}"
    );
    assert!(
        stdout.contains("warning: Macro not referred to"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{file}: Invalid (4 errors")),
        "{stdout}"
    );
}

#[test]
fn validate_reports_yaml_syntax_and_missing_files() {
    let dir = TempDir::new("validate-yaml");
    let broken = dir.write("broken.yaml", "- rule: x\n  desc: [unclosed\n");
    let (ok, stdout) = validate(std::slice::from_ref(&broken));
    assert!(!ok);
    assert!(stdout.contains("LOAD_ERR_YAML_PARSE"), "{stdout}");
    let (ok, _, stderr) = run_lanner(&[
        "rules".as_ref(),
        "validate".as_ref(),
        "/nonexistent/rules.yaml".as_ref(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("/nonexistent/rules.yaml"), "{stderr}");
}

#[test]
fn list_and_describe_show_the_loaded_rules() {
    let stable = compat_rules("falco_rules.yaml");
    let (ok, stdout, stderr) = run_lanner(&[
        "rules".as_ref(),
        "list".as_ref(),
        "-r".as_ref(),
        stable.as_os_str(),
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.lines().count(), 25, "{stdout}");
    assert!(
        stdout.contains("syscall\tNotice\tTerminal shell in container"),
        "{stdout}"
    );

    let (ok, stdout, stderr) = run_lanner(&[
        "rules".as_ref(),
        "describe".as_ref(),
        "Terminal shell in container".as_ref(),
        "-r".as_ref(),
        stable.as_os_str(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("event types: execve, execveat"), "{stdout}");
    assert!(
        stdout.contains("condition:   evt.type in (execve, execveat) and container.id != host"),
        "{stdout}"
    );
    assert!(
        stdout.contains("fields:      evt.type, container.id, proc.name"),
        "{stdout}"
    );

    let (ok, _, stderr) = run_lanner(&[
        "rules".as_ref(),
        "describe".as_ref(),
        "No such rule".as_ref(),
        "-r".as_ref(),
        stable.as_os_str(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("no rule named `No such rule`"), "{stderr}");
}

#[test]
fn the_builtin_rules_load_by_default() {
    let (ok, stdout, stderr) = run_lanner(&["rules".as_ref(), "validate".as_ref()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("<built-in>/lanner_syscall_rules.yaml: Ok"),
        "{stdout}"
    );
}

#[test]
fn fields_lists_each_source_table() {
    let (ok, stdout, _) = run_lanner(&["fields".as_ref(), "--source".as_ref(), "syscall".as_ref()]);
    assert!(ok);
    assert!(stdout.starts_with("source: syscall"), "{stdout}");
    for field in [
        "proc.name ",
        "proc.aname[arg]",
        "fd.name ",
        "evt.type ",
        "evt.num ",
    ] {
        assert!(stdout.contains(field), "{field} missing from:\n{stdout}");
    }
    let (ok, _, stderr) = run_lanner(&["fields".as_ref(), "--source".as_ref(), "nope".as_ref()]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown source `nope`; known: syscall"),
        "{stderr}"
    );
}
