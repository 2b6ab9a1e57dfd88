//! A snapshot of the processes already running when the source starts, read
//! from `/proc`: the seed of the process table that events then keep current.

use super::container::{Container, container_of};
use std::{
    io,
    path::{Path, PathBuf},
};

/// What `/proc/PID` says about one process.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessInfo {
    /// Process id (thread-group id).
    pub pid: u32,
    /// Parent's pid (0 for the kernel's own).
    pub ppid: u32,
    /// Session id.
    pub sid: u32,
    /// Command name as the kernel keeps it (at most 15 bytes).
    pub comm: String,
    /// The executable (`/proc/PID/exe`), empty for kernel threads or when unreadable.
    pub exe_path: String,
    /// `argv`, from `/proc/PID/cmdline`.
    pub args: Vec<String>,
    /// Working directory, empty when unreadable.
    pub cwd: String,
    /// Real user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Real group id.
    pub gid: u32,
    /// Login uid (`u32::MAX` when unset).
    pub loginuid: u32,
    /// Controlling terminal device number (0: none).
    pub tty: u32,
    /// Its container, from its cgroups.
    pub container: Container,
}

/// The fields of `/proc/PID/stat` the table needs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    /// The command name, between the parentheses.
    pub comm: String,
    /// Parent pid.
    pub ppid: u32,
    /// Session id.
    pub sid: u32,
    /// Controlling terminal.
    pub tty: u32,
}

/// Parses `/proc/PID/stat`. The command name may hold spaces and
/// parentheses, so it runs from the first `(` to the *last* `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    // After the name: state ppid pgrp session tty_nr ...
    let mut rest = text.get(close + 1..)?.split_whitespace().skip(1);
    let ppid = rest.next()?.parse().ok()?;
    let _pgrp = rest.next()?;
    let sid = rest.next()?.parse().ok()?;
    let tty = rest.next()?.parse::<i64>().ok()?;
    Some(Stat {
        comm,
        ppid,
        sid,
        tty: u32::try_from(tty).unwrap_or(0),
    })
}

/// The real, effective, saved and filesystem ids of a `Uid:` or `Gid:` line
/// of `/proc/PID/status`.
pub fn status_ids(status: &str, key: &str) -> Option<[u32; 4]> {
    let line = status.lines().find(|l| l.starts_with(key))?;
    let mut ids = line
        .get(key.len()..)?
        .split_whitespace()
        .map(|v| v.parse().ok());
    Some([ids.next()??, ids.next()??, ids.next()??, ids.next()??])
}

/// Reads one process from `proc_root` (normally `/proc`).
pub fn read_process(proc_root: &Path, pid: u32) -> io::Result<ProcessInfo> {
    let dir = proc_root.join(pid.to_string());
    let invalid = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: unreadable {what}", dir.display()),
        )
    };
    let stat =
        parse_stat(&std::fs::read_to_string(dir.join("stat"))?).ok_or_else(|| invalid("stat"))?;
    let status = std::fs::read_to_string(dir.join("status"))?;
    let uids = status_ids(&status, "Uid:").ok_or_else(|| invalid("Uid"))?;
    let gids = status_ids(&status, "Gid:").ok_or_else(|| invalid("Gid"))?;
    let link = |name: &str| {
        std::fs::read_link(dir.join(name))
            .map(|p: PathBuf| p.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let args = std::fs::read(dir.join("cmdline"))
        .unwrap_or_default()
        .split(|&b| b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    let loginuid = std::fs::read_to_string(dir.join("loginuid"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(u32::MAX);
    let cgroups = std::fs::read_to_string(dir.join("cgroup")).unwrap_or_default();
    Ok(ProcessInfo {
        pid,
        ppid: stat.ppid,
        sid: stat.sid,
        comm: stat.comm,
        exe_path: link("exe"),
        args,
        cwd: link("cwd"),
        uid: uids[0],
        euid: uids[1],
        gid: gids[0],
        loginuid,
        tty: stat.tty,
        container: container_of(&cgroups),
    })
}

/// Every process under `proc_root` that could be read; processes that exit
/// during the scan are skipped.
pub fn scan(proc_root: &Path) -> io::Result<Vec<ProcessInfo>> {
    let mut processes: Vec<ProcessInfo> = std::fs::read_dir(proc_root)?
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| read_process(proc_root, pid).ok())
        .collect();
    processes.sort_by_key(|p| p.pid);
    Ok(processes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_command_names() {
        let stat =
            parse_stat("4242 (my (odd) prog) S 17 4242 4200 34817 4242 4194304 0 0").unwrap();
        assert_eq!(stat.comm, "my (odd) prog");
        assert_eq!((stat.ppid, stat.sid, stat.tty), (17, 4200, 34817));
        assert_eq!(parse_stat("1 (init) S"), None);
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("1 (x) S a b c d"), None);
    }

    #[test]
    fn reads_uid_and_gid_lines_of_status() {
        let status = "Name:\tsh\nUid:\t1000\t0\t0\t0\nGid:\t100\t100\t100\t100\n";
        assert_eq!(status_ids(status, "Uid:"), Some([1000, 0, 0, 0]));
        assert_eq!(status_ids(status, "Gid:"), Some([100; 4]));
        assert_eq!(status_ids("Uid:\t1\t2\n", "Uid:"), None);
    }

    #[test]
    fn reads_this_process_from_proc() {
        let me = read_process(Path::new("/proc"), std::process::id()).unwrap();
        let exe = std::env::current_exe().unwrap();
        assert_eq!(me.exe_path, exe.display().to_string());
        assert!(!me.args.is_empty(), "argv is read");
        assert_eq!(
            me.cwd,
            std::env::current_dir().unwrap().display().to_string()
        );
        assert!(me.ppid > 0);
        // SAFETY: getuid has no preconditions.
        assert_eq!(me.uid, unsafe { libc::getuid() });
        let name = exe.file_name().unwrap().to_string_lossy();
        assert!(name.starts_with(&me.comm), "{name} vs {}", me.comm);
    }

    #[test]
    fn a_scan_finds_init_and_this_process() {
        let all = scan(Path::new("/proc")).unwrap();
        assert!(all.iter().any(|p| p.pid == 1));
        assert!(all.iter().any(|p| p.pid == std::process::id()));
        assert!(read_process(Path::new("/proc"), u32::MAX).is_err());
    }
}
