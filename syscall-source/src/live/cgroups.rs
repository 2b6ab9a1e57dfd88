//! Cgroup (v2) ids to paths. The probe stamps each event with its thread's
//! cgroup id, which is the inode number of the cgroup's directory in the
//! cgroup v2 file system; the path is what names a container.

use std::{
    collections::{HashMap, HashSet},
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
};

/// Paths of the cgroup ids seen so far, found by walking the v2 hierarchy.
pub struct CgroupPaths {
    root: Option<PathBuf>,
    paths: HashMap<u64, String>,
    announced: HashSet<u64>,
}

impl CgroupPaths {
    /// Finds the cgroup v2 mount (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified`
    /// on hybrid hosts) from this process's mount table.
    pub fn discover() -> Self {
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        Self {
            root: cgroup2_mount(&mounts),
            paths: HashMap::new(),
            announced: HashSet::new(),
        }
    }

    /// The path of `id` below the v2 root, the first time `id` is asked for
    /// (later calls return `None`, as do ids that cannot be found).
    pub fn first_sight(&mut self, id: u64) -> Option<String> {
        if !self.announced.insert(id) {
            return None;
        }
        let root = self.root.as_deref()?;
        if !self.paths.contains_key(&id) {
            // Walking is the only way from an id to a path; do it once per
            // unknown id and remember every directory met on the way.
            walk(root, root, &mut self.paths);
        }
        self.paths.get(&id).cloned()
    }
}

fn walk(root: &Path, dir: &Path, known: &mut HashMap<u64, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    if let Ok(meta) = std::fs::metadata(dir) {
        let relative = dir.strip_prefix(root).unwrap_or(dir);
        let path = format!("/{}", relative.display());
        known.entry(meta.ino()).or_insert(path);
    }
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &entry.path(), known);
        }
    }
}

/// The mount point of the cgroup2 file system in a `mountinfo` text.
fn cgroup2_mount(mountinfo: &str) -> Option<PathBuf> {
    mountinfo.lines().find_map(|line| {
        let (before, after) = line.split_once(" - ")?;
        (after.split_whitespace().next()? == "cgroup2")
            .then(|| before.split_whitespace().nth(4).map(PathBuf::from))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_v2_mount_on_hybrid_and_unified_hosts() {
        let hybrid = "30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw\n\
                      31 25 0:27 / /sys/fs/cgroup/memory rw shared:11 - cgroup cgroup rw,memory\n";
        assert_eq!(
            cgroup2_mount(hybrid),
            Some(PathBuf::from("/sys/fs/cgroup/unified"))
        );
        let unified = "25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        assert_eq!(
            cgroup2_mount(unified),
            Some(PathBuf::from("/sys/fs/cgroup"))
        );
        assert_eq!(cgroup2_mount("garbage\n1 2 3 - ext4 /dev/sda rw\n"), None);
    }

    #[test]
    fn resolves_this_process_cgroup_once() {
        let mut paths = CgroupPaths::discover();
        let Some(root) = paths.root.clone() else {
            panic!("no cgroup2 mount on this machine");
        };
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let v2 = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap()
            .to_owned();
        let dir = root.join(v2.trim_start_matches('/'));
        let id = std::fs::metadata(&dir).unwrap().ino();
        assert_eq!(paths.first_sight(id), Some(v2));
        assert_eq!(paths.first_sight(id), None, "announced once");
        assert_eq!(paths.first_sight(u64::MAX), None);
    }
}
