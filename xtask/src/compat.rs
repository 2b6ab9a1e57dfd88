//! The Falco rule files the tests prove compatibility against, pinned by
//! upstream commit and SHA-256, materialised into [`DEST`] for the tests.
//!
//! They are upstream's test data, not ours, so they are not committed. Where
//! they come from, first that has them:
//! 1. `$LANNER_COMPAT_RULES`, a directory holding them;
//! 2. `../shared/compat/rules`, beside the repository (this project's CI);
//! 3. a download of each file at its pinned upstream commit.
//!
//! Every copy, whichever its origin, must match its pinned checksum: the tests
//! count rules and fields of exactly these versions, so another version would
//! fail them far from the cause.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

/// Where the tests read the compat rules, relative to the workspace root.
pub const DEST: &str = "tests/fixtures/compat-rules";

/// The environment variable naming a directory that holds the pinned files.
const ENV_DIR: &str = "LANNER_COMPAT_RULES";

/// The upstream commits the files are pinned to (`owner/repo`, commit).
const FALCO_RULES: (&str, &str) = ("falcosecurity/rules", "c72713ee2e63");
const FALCO_PLUGINS: (&str, &str) = ("falcosecurity/plugins", "0b3cbd8d84eb");

/// One pinned file: its name here, its upstream repository and commit, its
/// path there and its SHA-256.
struct Pinned {
    name: &'static str,
    upstream: (&'static str, &'static str),
    path: &'static str,
    sha256: &'static str,
}

const PINNED: &[Pinned] = &[
    Pinned {
        name: "falco_rules.yaml",
        upstream: FALCO_RULES,
        path: "rules/falco_rules.yaml",
        sha256: "1c15d5d543635b76e31cca39d7df8bf4caf50a428613c314d92986a23bfcb617",
    },
    Pinned {
        name: "falco-incubating_rules.yaml",
        upstream: FALCO_RULES,
        path: "rules/falco-incubating_rules.yaml",
        sha256: "47bf87041e2f39ca336e7acf1ae4e6183771a92e81031f367d01f2b49cabe1ac",
    },
    Pinned {
        name: "falco-sandbox_rules.yaml",
        upstream: FALCO_RULES,
        path: "rules/falco-sandbox_rules.yaml",
        sha256: "6849ec5e9b55ba81ca5214559dc1a1c32e051acc0a7791da7841a850f853f59a",
    },
    Pinned {
        name: "k8s_audit_rules.yaml",
        upstream: FALCO_PLUGINS,
        path: "plugins/k8saudit/rules/k8s_audit_rules.yaml",
        sha256: "fa53280e337db6edaeb44cf49fbd1be4349f3c48e3cd0017c2575097df901a1e",
    },
    Pinned {
        name: "aws_cloudtrail_rules.yaml",
        upstream: FALCO_PLUGINS,
        path: "plugins/cloudtrail/rules/aws_cloudtrail_rules.yaml",
        sha256: "a0c1e0379874d21f0d47da736074b173d6f2f099fd0f3a397513874b55eb1c40",
    },
    Pinned {
        name: "okta_rules.yaml",
        upstream: FALCO_PLUGINS,
        path: "plugins/okta/rules/okta_rules.yaml",
        sha256: "d50b4d1b8fd85dec3e9d26d9d494515ece4dacd5a00dd8e205b5c982cbae6517",
    },
    Pinned {
        name: "github_rules.yaml",
        upstream: FALCO_PLUGINS,
        path: "plugins/github/rules/github.yaml",
        sha256: "05ab95eaf2757ab983791c1ad739549cadf84460161b65d191d1187a809636b2",
    },
    Pinned {
        name: "gcp_auditlog_rules.yaml",
        upstream: FALCO_PLUGINS,
        path: "plugins/gcpaudit/rules/gcp_auditlog_rules.yaml",
        sha256: "54b53cb0d01fe7a905370e5f224b85539862be3847532d9e82653f659d0490b1",
    },
];

impl Pinned {
    /// The file at its pinned commit on GitHub (which resolves short commits).
    fn url(&self) -> String {
        let (repo, commit) = self.upstream;
        format!("https://github.com/{repo}/raw/{commit}/{}", self.path)
    }
}

/// Makes every pinned file present and verified in `workspace/DEST`.
pub fn provide(workspace: &Path) -> Result<()> {
    let dest = workspace.join(DEST);
    if PINNED
        .iter()
        .all(|file| verify(&dest.join(file.name), file).is_ok())
    {
        return Ok(());
    }
    fs::create_dir_all(&dest).with_context(|| format!("creating {}", dest.display()))?;
    let local = std::env::var_os(ENV_DIR)
        .map(|dir| (PathBuf::from(dir), format!("${ENV_DIR}")))
        .or_else(|| {
            let shared = workspace.join("../shared/compat/rules");
            shared
                .is_dir()
                .then(|| (shared, "../shared/compat/rules".to_string()))
        });
    let outcome = match &local {
        Some((dir, origin)) => copy_from(dir, &dest)
            .with_context(|| format!("the compat rules from {origin} ({})", dir.display())),
        None => download_all(&dest),
    };
    outcome.map_err(|err| {
        anyhow::anyhow!(
            "{err:#}\n\nThe tests need Falco's pinned rule files ({} at {}, {} at {}) in {}. \
             Set {ENV_DIR} to a directory holding them ({}), or let the bootstrap \
             download them from github.com.",
            FALCO_RULES.0,
            FALCO_RULES.1,
            FALCO_PLUGINS.0,
            FALCO_PLUGINS.1,
            dest.display(),
            PINNED
                .iter()
                .map(|file| file.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Copies every pinned file from `dir`, refusing any that differs from its pin.
fn copy_from(dir: &Path, dest: &Path) -> Result<()> {
    for file in PINNED {
        let source = dir.join(file.name);
        verify(&source, file)?;
        install(&fs::read(&source)?, &dest.join(file.name))?;
    }
    Ok(())
}

fn download_all(dest: &Path) -> Result<()> {
    for file in PINNED {
        let target = dest.join(file.name);
        if verify(&target, file).is_err() {
            fetch_verified(&file.url(), file.sha256, &target)?;
        }
    }
    Ok(())
}

/// Downloads `url` (https, or file for local mirrors) and installs it at
/// `target` only if its SHA-256 is `sha256`.
pub fn fetch_verified(url: &str, sha256: &str, target: &Path) -> Result<()> {
    eprintln!("xtask: downloading {url}");
    let out = Command::new("curl")
        .args(["--fail", "--silent", "--show-error", "--location"])
        .args(["--proto", "=https,file", "--max-time", "120"])
        .args(["--max-filesize", "16777216", url])
        .stdin(Stdio::null())
        .output()
        .context("cannot run curl to download the compat rules")?;
    if !out.status.success() {
        bail!(
            "downloading {url} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let actual = hex_sha256(&out.stdout);
    if actual != sha256 {
        bail!("{url} has SHA-256 {actual}, not the pinned {sha256}; refusing it");
    }
    install(&out.stdout, target)
}

/// Checks that `path` holds `file`'s pinned content.
fn verify(path: &Path, file: &Pinned) -> Result<()> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let actual = hex_sha256(&bytes);
    if actual != file.sha256 {
        bail!(
            "{} has SHA-256 {actual}, not the pinned {} ({} at {})",
            path.display(),
            file.sha256,
            file.upstream.0,
            file.upstream.1
        );
    }
    Ok(())
}

/// Writes beside `target`, then renames, so a reader never sees half a file.
fn install(bytes: &[u8], target: &Path) -> Result<()> {
    let partial = target.with_extension("partial");
    fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    fs::rename(&partial, target).with_context(|| format!("installing {}", target.display()))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-compat-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn a_download_with_the_pinned_checksum_is_installed() {
        let dir = scratch("good");
        let source = dir.join("upstream.yaml");
        fs::write(&source, b"- rule: x\n").expect("write source");
        let target = dir.join("installed.yaml");
        let url = format!("file://{}", source.display());
        fetch_verified(&url, &hex_sha256(b"- rule: x\n"), &target).expect("verified download");
        assert_eq!(fs::read(&target).expect("installed"), b"- rule: x\n");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_download_with_another_checksum_is_refused_and_not_installed() {
        let dir = scratch("bad");
        let source = dir.join("upstream.yaml");
        fs::write(&source, b"- rule: tampered\n").expect("write source");
        let target = dir.join("installed.yaml");
        let url = format!("file://{}", source.display());
        let err = fetch_verified(&url, PINNED[0].sha256, &target).expect_err("must be refused");
        assert!(format!("{err:#}").contains("not the pinned"), "{err:#}");
        assert!(!target.exists(), "a refused download must not be installed");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_local_copy_that_differs_from_its_pin_is_refused() {
        let dir = scratch("local");
        for file in PINNED {
            fs::write(dir.join(file.name), b"not the pinned file").expect("write");
        }
        let dest = dir.join("dest");
        fs::create_dir_all(&dest).expect("dest");
        let err = copy_from(&dir, &dest).expect_err("must be refused");
        assert!(format!("{err:#}").contains("not the pinned"), "{err:#}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_download_names_the_url() {
        let dir = scratch("missing");
        let url = format!("file://{}/nothing-here.yaml", dir.display());
        let err = fetch_verified(&url, PINNED[0].sha256, &dir.join("x")).expect_err("missing");
        assert!(format!("{err:#}").contains("nothing-here.yaml"), "{err:#}");
        let _ = fs::remove_dir_all(&dir);
    }
}
