//! Cgroup (v2) ids to paths. The probe stamps each event with its thread's
//! cgroup id, which is the id of the cgroup's directory in the cgroup v2
//! file system (kernfs); the path is what names a container.
//!
//! Anyone allowed to make cgroups (every container runtime, every systemd
//! user session) can make new ids forever, so the lookup must cost the
//! event thread the same whatever the number of cgroups, and what is
//! remembered must stay bounded:
//! - the id is also the cgroup's kernfs file handle, so
//!   `open_by_handle_at` on the v2 mount opens the cgroup's directory
//!   directly, and its `/proc/self/fd` link names the path: two syscalls,
//!   no walk;
//! - where that is refused (an old kernel, no `CAP_DAC_READ_SEARCH`), the
//!   id is [`Lookup::NeedsWalk`]: the caller walks the hierarchy
//!   ([`walk_for`]) beside the event thread, never on it;
//! - the ids announced are a [`SeenSet`] of [`ANNOUNCED_CAPACITY`]: when it
//!   fills, the cgroups removed meanwhile are pruned first, then the oldest.

use super::seen::SeenSet;
use crate::untrusted::{Dir, read_text};
use std::{
    ffi::CString,
    io,
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::{ffi::OsStrExt, fs::MetadataExt},
    },
    path::{Path, PathBuf},
};

/// How many cgroup ids are remembered as announced. A host with more live
/// cgroups than this re-announces some (one cheap record each).
pub const ANNOUNCED_CAPACITY: usize = 8192;

/// The most this process's mount table may hold to be read.
const MOUNTINFO_CAP: usize = 16 << 20;

/// How many directories one fallback walk visits at most.
const WALK_LIMIT: usize = 1 << 20;

/// `FILEID_KERNFS`: the file handle type of kernfs (cgroupfs) nodes.
const FILEID_KERNFS: libc::c_int = 0xfe;

/// A kernfs file handle: `struct file_handle` with its 8 bytes of id.
#[repr(C)]
struct KernfsHandle {
    handle_bytes: libc::c_uint,
    handle_type: libc::c_int,
    id: [u8; 8],
}

/// What looking a cgroup id up gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The cgroup's path below the v2 root (`/` for the root itself).
    Path(String),
    /// No such cgroup any more (removed before it was looked up).
    Gone,
    /// Handles are unsupported here: walk the hierarchy at `root`, off the
    /// event thread, with [`walk_for`].
    NeedsWalk(PathBuf),
}

/// The v2 mount, and the cgroup ids announced so far.
pub struct CgroupPaths {
    root: Option<PathBuf>,
    /// The v2 mount's root directory, when cgroups open by handle there.
    handles: Option<OwnedFd>,
    announced: SeenSet<u64>,
}

impl CgroupPaths {
    /// Finds the cgroup v2 mount (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified`
    /// on hybrid hosts) from this process's mount table, and whether its
    /// cgroups can be opened by id.
    pub fn discover() -> Self {
        // Bounded all the same: containers with shared mount propagation
        // add mounts to the host's table.
        let mounts = Dir::open(Path::new("/proc/self"))
            .and_then(|proc| read_text(&proc, Path::new("mountinfo"), MOUNTINFO_CAP))
            .unwrap_or_default();
        Self::at(cgroup2_mount(&mounts))
    }

    fn at(root: Option<PathBuf>) -> Self {
        let handles = root.as_deref().and_then(|root| {
            let dir = open_dir(root).ok()?;
            // The root's own id must open to the root: proof the kernel
            // takes kernfs handles here.
            let id = std::fs::metadata(root).ok()?.ino();
            let path = path_by_handle(&dir, root, id).ok()?;
            (path == "/").then_some(dir)
        });
        if root.is_some() && handles.is_none() {
            tracing::warn!(
                "cgroups cannot be opened by id here: unknown ones are found by walking"
            );
        }
        Self {
            root,
            handles,
            announced: SeenSet::new(ANNOUNCED_CAPACITY),
        }
    }

    /// How `id` is to be named, the first time it is asked for (`None` for
    /// ids already announced, where no v2 hierarchy is mounted, and when
    /// the lookup failed for a reason that may pass: the id is then asked
    /// for again at its next event).
    pub fn first_sight(&mut self, id: u64) -> Option<Lookup> {
        if self.announced.contains(&id) {
            return None;
        }
        let root = self.root.clone()?;
        if self.announced.is_full() {
            self.prune();
        }
        self.announced.insert(id);
        let Some(dir) = &self.handles else {
            return Some(Lookup::NeedsWalk(root));
        };
        Some(match path_by_handle(dir, &root, id) {
            Ok(path) => Lookup::Path(path),
            Err(err) if is_gone(&err) => Lookup::Gone,
            Err(err) => {
                // Out of descriptors or memory, interrupted: the cgroup may
                // well exist, and must not stay unnamed for good.
                tracing::debug!("cgroup {id} not looked up for now: {err}");
                self.announced.remove(&id);
                return None;
            }
        })
    }

    /// Forgets that `id` was announced, when what its announcement needed
    /// (a walk, its container's description) could not be queued: its next
    /// event asks again, and the state tables take the repeated record as
    /// a refresh.
    pub fn forget(&mut self, id: u64) {
        self.announced.remove(&id);
    }

    /// How many ids are remembered (bounded by [`ANNOUNCED_CAPACITY`]).
    pub fn remembered(&self) -> usize {
        self.announced.len()
    }

    /// Makes room: forgets the cgroups that no longer exist, then, if that
    /// freed less than a quarter, the oldest. Runs once per quarter of the
    /// capacity at most, so its cost per new id is constant.
    fn prune(&mut self) {
        if let (Some(dir), Some(root)) = (&self.handles, &self.root) {
            self.announced
                .retain(|id| path_by_handle(dir, root, *id).is_ok());
        }
        self.announced.shrink_to(ANNOUNCED_CAPACITY / 4 * 3);
    }
}

/// Whether a failed [`path_by_handle`] means the cgroup is no more (or
/// will never be named): the kernel's "stale handle" or "no such entry",
/// or a path outside the mount (not an OS error; the same every time).
fn is_gone(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), None | Some(libc::ESTALE | libc::ENOENT))
}

fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    let name = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `name` is NUL-terminated and lives across the call.
    let fd = unsafe {
        libc::open(
            name.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The path below `root` (the v2 mount, whose directory `dir` is) of the
/// cgroup whose id is `id`, by opening it by handle.
fn path_by_handle(dir: &OwnedFd, root: &Path, id: u64) -> io::Result<String> {
    let mut handle = KernfsHandle {
        handle_bytes: 8,
        handle_type: FILEID_KERNFS,
        id: id.to_ne_bytes(),
    };
    // SAFETY: `handle` is a file_handle with `handle_bytes` bytes after
    // its header; it lives across the call.
    let fd = unsafe {
        libc::open_by_handle_at(
            dir.as_raw_fd(),
            (&raw mut handle).cast(),
            libc::O_PATH | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    let node = unsafe { OwnedFd::from_raw_fd(fd) };
    let full = std::fs::read_link(format!("/proc/self/fd/{}", node.as_raw_fd()))?;
    let relative = full
        .strip_prefix(root)
        .map_err(|_| io::Error::other("outside the cgroup mount"))?;
    Ok(format!("/{}", relative.display()))
}

/// The path of cgroup `id` below the v2 mount `root`, by walking the
/// hierarchy (at most [`WALK_LIMIT`] directories): the fallback where
/// handles are refused, to be run beside the event thread.
pub fn walk_for(root: &Path, id: u64) -> Option<String> {
    let mut stack = vec![root.to_path_buf()];
    let mut visited = 0;
    while let Some(dir) = stack.pop() {
        visited += 1;
        if visited > WALK_LIMIT {
            return None;
        }
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.ino() == id) {
            let relative = dir.strip_prefix(root).ok()?;
            return Some(format!("/{}", relative.display()));
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    None
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
    fn resolves_this_process_cgroup_once_by_handle_and_by_walk() {
        let mut paths = CgroupPaths::discover();
        let Some(root) = paths.root.clone() else {
            panic!("no cgroup2 mount on this machine");
        };
        assert!(paths.handles.is_some(), "this kernel opens cgroups by id");
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let v2 = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap()
            .to_owned();
        let dir = root.join(v2.trim_start_matches('/'));
        let id = std::fs::metadata(&dir).unwrap().ino();
        assert_eq!(paths.first_sight(id), Some(Lookup::Path(v2.clone())));
        assert_eq!(paths.first_sight(id), None, "announced once");
        assert_eq!(paths.first_sight(u64::MAX), Some(Lookup::Gone));
        assert_eq!(walk_for(&root, id), Some(v2));
        assert_eq!(walk_for(&root, u64::MAX), None);
    }

    #[test]
    fn without_handles_unknown_ids_are_left_to_a_walk() {
        let mut paths = CgroupPaths::discover();
        paths.handles = None;
        let root = paths.root.clone().unwrap();
        assert_eq!(paths.first_sight(7), Some(Lookup::NeedsWalk(root.clone())));
        assert_eq!(paths.first_sight(7), None);
        // The walk could not be queued: the next event asks again.
        paths.forget(7);
        assert_eq!(paths.first_sight(7), Some(Lookup::NeedsWalk(root)));
    }

    #[test]
    fn only_a_stale_or_missing_cgroup_is_gone() {
        for errno in [libc::ESTALE, libc::ENOENT] {
            assert!(is_gone(&io::Error::from_raw_os_error(errno)), "{errno}");
        }
        assert!(is_gone(&io::Error::other("outside the cgroup mount")));
        for errno in [libc::EMFILE, libc::ENFILE, libc::ENOMEM, libc::EINTR] {
            assert!(!is_gone(&io::Error::from_raw_os_error(errno)), "{errno}");
        }
    }
}
