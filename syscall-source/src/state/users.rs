//! User and group names from `passwd` and `group` files: the host's, or a
//! container's own (`/proc/PID/root/etc/...`), since a uid means a different
//! user inside each container.

use crate::untrusted::{Dir, read_text};
use std::{collections::HashMap, path::Path};

/// The most a `passwd` or `group` file may hold: far above any real one
/// (a directory of many thousand users is served by NSS, not these files),
/// and small enough to read once per container of a busy node.
pub const USER_FILE_CAP: usize = 1 << 20;

/// The most users, and the most groups, one [`UserDb`] keeps: a table is
/// held per container (thousands of them), and a dense file within
/// [`USER_FILE_CAP`] could otherwise hold tens of thousands of entries
/// more. Entries past it are left out, counted and logged.
pub const MAX_ENTRIES: usize = 65_536;

/// One `passwd` entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One `group` entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// Group name.
    pub name: String,
    /// Member login names.
    pub members: Vec<String>,
}

/// The users and groups of one root file system.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserDb {
    users: HashMap<u32, User>,
    groups: HashMap<u32, Group>,
}

impl UserDb {
    /// Reads `<root>/etc/passwd` and `<root>/etc/group`; a missing or
    /// unreadable root or file just contributes no entries.
    pub fn load(root: &Path) -> Self {
        Dir::open(root)
            .map(|root| Self::load_in(&root))
            .unwrap_or_default()
    }

    /// Reads `etc/passwd` and `etc/group` under `root` (a container's root:
    /// whoever runs in it controls them), through the bounded reader: never
    /// out of the root, never a FIFO, device or symlink, at most
    /// [`USER_FILE_CAP`] bytes. A file refused contributes no entries.
    pub fn load_in(root: &Dir) -> Self {
        let read = |file: &str| {
            read_text(root, Path::new(file), USER_FILE_CAP)
                .inspect_err(|err| tracing::debug!("user names not read: {err}"))
                .unwrap_or_default()
        };
        Self::parse(&read("etc/passwd"), &read("etc/group"))
    }

    /// Parses the texts of a `passwd` and a `group` file. Comments, blank
    /// and malformed lines are skipped; for a repeated id the first entry
    /// wins, as the C library's lookups do; past [`MAX_ENTRIES`] users or
    /// groups, the rest are left out (and logged).
    pub fn parse(passwd: &str, group: &str) -> Self {
        let mut db = Self::default();
        let mut cut = 0_u64;
        for fields in records(passwd) {
            if let [name, _, uid, gid, _, home, shell, ..] = fields.as_slice()
                && let (Ok(uid), Ok(gid)) = (uid.parse(), gid.parse())
            {
                if db.users.len() >= MAX_ENTRIES && !db.users.contains_key(&uid) {
                    cut += 1;
                    continue;
                }
                db.users.entry(uid).or_insert_with(|| User {
                    name: name.to_string(),
                    gid,
                    home: home.to_string(),
                    shell: shell.to_string(),
                });
            }
        }
        for fields in records(group) {
            if let [name, _, gid, members, ..] = fields.as_slice()
                && let Ok(gid) = gid.parse()
            {
                if db.groups.len() >= MAX_ENTRIES && !db.groups.contains_key(&gid) {
                    cut += 1;
                    continue;
                }
                db.groups.entry(gid).or_insert_with(|| Group {
                    name: name.to_string(),
                    members: members
                        .split(',')
                        .filter(|m| !m.is_empty())
                        .map(str::to_string)
                        .collect(),
                });
            }
        }
        if cut > 0 {
            tracing::warn!(
                "user table cut: {cut} users or groups past the first {MAX_ENTRIES} left out"
            );
        }
        db
    }

    /// The user with `uid`.
    pub fn user(&self, uid: u32) -> Option<&User> {
        self.users.get(&uid)
    }

    /// The group with `gid`.
    pub fn group(&self, gid: u32) -> Option<&Group> {
        self.groups.get(&gid)
    }
}

/// The colon-separated fields of each entry line.
fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split(':').collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
# a comment
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin

broken line
nobody:x:notanumber:65534::/nonexistent:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
impostor:x:0:0::/tmp:/bin/sh
";
    const GROUP: &str = "root:x:0:\nadm:x:4:syslog,alice\nbad:x\n";

    #[test]
    fn reads_users_and_groups_and_skips_what_is_not_an_entry() {
        let db = UserDb::parse(PASSWD, GROUP);
        let root = db.user(0).unwrap();
        assert_eq!(
            (root.name.as_str(), root.home.as_str(), root.shell.as_str()),
            ("root", "/root", "/bin/bash")
        );
        assert_eq!(db.user(33).map(|u| u.name.as_str()), Some("www-data"));
        assert_eq!(db.user(65534), None);
        assert_eq!(db.group(4).unwrap().members, vec!["syslog", "alice"]);
        assert_eq!(db.group(0).unwrap().members, Vec::<String>::new());
        assert_eq!(db.group(1), None);
    }

    #[test]
    fn the_first_entry_for_an_id_wins() {
        assert_eq!(UserDb::parse(PASSWD, "").user(0).unwrap().name, "root");
    }

    #[test]
    fn a_dense_file_keeps_at_most_max_entries() {
        let extra = 10;
        let passwd: String = (0..MAX_ENTRIES + extra)
            .map(|uid| format!("u{uid}:x:{uid}:0::/:/bin/sh\n"))
            .collect();
        let group: String = (0..MAX_ENTRIES + extra)
            .map(|gid| format!("g{gid}:x:{gid}:\n"))
            .collect();
        let db = UserDb::parse(&passwd, &group);
        assert_eq!(
            (db.users.len(), db.groups.len()),
            (MAX_ENTRIES, MAX_ENTRIES)
        );
        assert_eq!(
            db.user(0).map(|u| u.name.as_str()),
            Some("u0"),
            "the first kept"
        );
        assert_eq!(db.user(MAX_ENTRIES as u32), None, "the rest left out");
    }

    #[test]
    fn a_missing_root_gives_an_empty_database() {
        assert_eq!(
            UserDb::load(Path::new("/nonexistent-root")),
            UserDb::default()
        );
    }

    #[test]
    fn reads_this_machines_files() {
        let db = UserDb::load(Path::new("/"));
        assert_eq!(db.user(0).map(|u| u.name.as_str()), Some("root"));
    }
}
