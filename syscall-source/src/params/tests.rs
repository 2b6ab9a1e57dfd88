//! Each syscall's parameters rendered from a built `SyscallExit` and a fake
//! context, checked against the text Falco gives for the values rules compare.

use std::borrow::Cow;
use std::collections::HashMap;

use super::*;
use crate::syscalls::number;

/// A context with a working directory, a few descriptors, users and
/// process values.
#[derive(Default)]
struct Fake {
    cwd: Option<&'static str>,
    fds: HashMap<i64, (&'static str, &'static str)>,
    users: HashMap<u32, &'static str>,
    comms: HashMap<i64, &'static str>,
    process: Vec<(ProcessField, ProcessValue)>,
}

impl ParamContext for Fake {
    fn fd_name(&self, fd: i64) -> Option<Cow<'_, str>> {
        self.fds.get(&fd).map(|(_, name)| Cow::Borrowed(*name))
    }
    fn fd_tag(&self, fd: i64) -> Option<Cow<'_, str>> {
        self.fds.get(&fd).map(|(tag, _)| Cow::Borrowed(*tag))
    }
    fn cwd(&self) -> Option<Cow<'_, str>> {
        self.cwd.map(Cow::Borrowed)
    }
    fn user_name(&self, uid: u32) -> Option<Cow<'_, str>> {
        self.users.get(&uid).map(|n| Cow::Borrowed(*n))
    }
    fn thread_comm(&self, tid: i64) -> Option<Cow<'_, str>> {
        self.comms.get(&tid).map(|n| Cow::Borrowed(*n))
    }
    fn process_value(&self, field: ProcessField) -> Option<ProcessValue> {
        self.process
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
    }
}

fn fake() -> Fake {
    Fake {
        cwd: Some("/home/user"),
        fds: HashMap::from([
            (3, ("f", "/etc/passwd")),
            (5, ("d", "/var/lib")),
            (7, ("4t", "10.0.0.1:40000->10.0.0.2:2222")),
        ]),
        users: HashMap::from([(0, "root"), (65534, "nobody")]),
        comms: HashMap::from([(4242, "victim")]),
        process: Vec::new(),
    }
}

/// Builds an exit of syscall `name` with the given return, registers and
/// copied memory.
fn exit(name: &str, ret: i64, args: &[u64], memory: &[(usize, &[u8])]) -> SyscallExit {
    let mut regs = [0u64; 6];
    regs[..args.len()].copy_from_slice(args);
    let mut mem: [Option<Vec<u8>>; 6] = Default::default();
    for (i, bytes) in memory {
        mem[*i] = Some(bytes.to_vec());
    }
    SyscallExit {
        nr: number(name).unwrap_or_else(|| panic!("no syscall {name}")),
        ret,
        args: regs,
        memory: mem,
    }
}

fn text(e: &SyscallExit, key: &str) -> Option<String> {
    arg_text(e, &fake(), key)
}

const AT_FDCWD: u64 = -100i64 as u64;
const O_WRONLY: u64 = 0o1;
const O_RDWR: u64 = 0o2;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const O_CLOEXEC: u64 = 0o2000000;

#[test]
fn every_covered_syscall_has_a_schema() {
    let covered = [
        "execve",
        "execveat",
        "clone",
        "clone3",
        "fork",
        "vfork",
        "open",
        "openat",
        "openat2",
        "creat",
        "close",
        "read",
        "write",
        "pread64",
        "pwrite64",
        "connect",
        "accept",
        "accept4",
        "bind",
        "listen",
        "socket",
        "socketpair",
        "sendto",
        "recvfrom",
        "chmod",
        "fchmod",
        "fchmodat",
        "chown",
        "lchown",
        "fchown",
        "fchownat",
        "mount",
        "umount2",
        "unlink",
        "unlinkat",
        "rename",
        "renameat",
        "renameat2",
        "mkdir",
        "mkdirat",
        "rmdir",
        "link",
        "linkat",
        "symlink",
        "symlinkat",
        "setuid",
        "setgid",
        "setresuid",
        "setresgid",
        "ptrace",
        "memfd_create",
        "dup",
        "dup2",
        "dup3",
        "chdir",
        "fchdir",
        "pipe",
        "pipe2",
        "init_module",
        "finit_module",
        "bpf",
        "setns",
        "unshare",
        "capset",
        "prctl",
        "userfaultfd",
        "kill",
        "tkill",
        "tgkill",
        "fcntl",
    ];
    for name in covered {
        let nr = number(name).unwrap();
        let schema = schema(nr).unwrap_or_else(|| panic!("{name} has no schema"));
        assert_eq!(
            Some(schema.event),
            crate::syscalls::name(nr),
            "{name}: event name differs from evt.type"
        );
    }
    assert_eq!(schema::all().count(), covered.len());
}

/// Each schema is found under its own event name, by that name and by the
/// number of the syscall `evt.type` calls so, and no other syscall has one.
#[test]
fn schemas_are_found_by_their_event_name_and_number() {
    let mut events: Vec<&str> = schema::all().map(|s| s.event).collect();
    events.sort_unstable();
    events.dedup();
    assert_eq!(
        events.len(),
        schema::all().count(),
        "an event has two schemas"
    );
    for s in schema::all() {
        let by_name = schema::by_event_name(s.event).unwrap();
        assert!(std::ptr::eq(by_name, s), "{}", s.event);
        let nr = number(s.event).unwrap_or_else(|| panic!("{} is no syscall", s.event));
        assert!(
            schema(nr).is_some_and(|found| std::ptr::eq(found, s)),
            "{}",
            s.event
        );
    }
    for (name, nr) in crate::syscalls::all() {
        let expected = schema::all().find(|s| s.event == name);
        assert_eq!(
            schema(nr).map(|s| s.event),
            expected.map(|s| s.event),
            "{name}"
        );
    }
    assert!(schema::by_event_name("pread64").is_none());
    assert!(schema(u64::MAX).is_none());
}

#[test]
fn every_relative_path_points_at_a_descriptor() {
    for schema in schema::all() {
        for param in schema.params {
            if let ParamKind::RelativePath { dirfd_param } = param.kind {
                let dirfd = &schema.params[dirfd_param];
                assert!(
                    matches!(dirfd.kind, ParamKind::Fd),
                    "{}.{}",
                    schema.event,
                    param.name
                );
            }
        }
    }
}

#[test]
fn openat_write_create_truncate() {
    let e = exit(
        "openat",
        4,
        &[AT_FDCWD, 0, O_WRONLY | O_CREAT | O_TRUNC, 0o644],
        &[(1, b"notes.txt")],
    );
    assert_eq!(text(&e, "flags").unwrap(), "O_TRUNC|O_CREAT|O_WRONLY");
    assert!(text(&e, "flags").unwrap().contains("O_CREAT"));
    assert_eq!(arg_raw(&e, &fake(), "flags"), Some(262));
    assert_eq!(text(&e, "mode").unwrap(), "0644");
    assert_eq!(text(&e, "name").unwrap(), "/home/user/notes.txt");
    assert_eq!(text(&e, "dirfd").unwrap(), "AT_FDCWD");
    assert_eq!(text(&e, "0").unwrap(), "4");
    assert_eq!(text(&e, "dev"), None);
    assert_eq!(
        args_line(&e, &fake()),
        "fd=4 dirfd=-100(AT_FDCWD) name=notes.txt(/home/user/notes.txt) \
         flags=262(O_TRUNC|O_CREAT|O_WRONLY) mode=0644"
    );
}

#[test]
fn openat_read_relative_to_a_directory_descriptor() {
    let e = exit(
        "openat",
        3,
        &[5, 0, O_CLOEXEC, 0o777],
        &[(1, b"../../etc/passwd")],
    );
    assert_eq!(text(&e, "flags").unwrap(), "O_RDONLY|O_CLOEXEC");
    assert_eq!(arg_raw(&e, &fake(), "flags"), Some(4097));
    assert_eq!(text(&e, "name").unwrap(), "/etc/passwd");
    assert_eq!(text(&e, "dirfd").unwrap(), "<d>/var/lib");
    assert_eq!(text(&e, "fd").unwrap(), "<f>/etc/passwd");
    // Without O_CREAT the mode register is ignored.
    assert_eq!(text(&e, "mode").unwrap(), "0");
}

#[test]
fn failed_open() {
    let e = exit("open", -2, &[0, O_RDWR], &[(0, b"/etc/shadow")]);
    assert_eq!(text(&e, "fd").unwrap(), "ENOENT");
    assert_eq!(arg(&e, &fake(), "fd").unwrap().args_text(), "-2(ENOENT)");
    assert_eq!(text(&e, "name").unwrap(), "/etc/shadow");
    assert_eq!(text(&e, "flags").unwrap(), "O_RDWR");
    assert_eq!(error_name(e.ret), Some("ENOENT"));
}

#[test]
fn openat2_reads_the_open_how_struct() {
    let mut how = Vec::new();
    how.extend_from_slice(&(O_WRONLY | O_CREAT).to_le_bytes());
    how.extend_from_slice(&0o755u64.to_le_bytes());
    how.extend_from_slice(&0x08u64.to_le_bytes());
    let e = exit(
        "openat2",
        6,
        &[AT_FDCWD, 0, 0, 24],
        &[(1, b"/tmp/x"), (2, &how)],
    );
    assert_eq!(text(&e, "flags").unwrap(), "O_CREAT|O_WRONLY");
    assert_eq!(text(&e, "mode").unwrap(), "0755");
    assert_eq!(text(&e, "resolve").unwrap(), "RESOLVE_BENEATH");
    // A short struct loses the fields it does not hold, nothing else.
    let short = exit(
        "openat2",
        6,
        &[AT_FDCWD, 0, 0, 24],
        &[(1, b"/tmp/x"), (2, &how[..10])],
    );
    assert_eq!(text(&short, "flags").unwrap(), "O_CREAT|O_WRONLY");
    assert_eq!(text(&short, "mode"), None);
    assert_eq!(text(&short, "resolve"), None);
}

#[test]
fn creat_always_creates() {
    let e = exit("creat", 3, &[0, 0o100755], &[(0, b"run.sh")]);
    assert_eq!(text(&e, "mode").unwrap(), "0755");
    assert_eq!(text(&e, "name").unwrap(), "/home/user/run.sh");
    assert_eq!(text(&e, "flags"), None);
}

#[test]
fn chmod_setuid() {
    let e = exit("chmod", 0, &[0, 0o4755], &[(0, b"/tmp/sh")]);
    let mode = text(&e, "mode").unwrap();
    assert!(mode.contains("S_ISUID"));
    assert!(!mode.contains("S_ISGID"));
    assert!(mode.contains("S_IXUSR"));
    assert_eq!(text(&e, "filename").unwrap(), "/tmp/sh");
    assert_eq!(text(&e, "fd"), None);
    assert_eq!(arg_raw(&e, &fake(), "mode"), Some(0o4755));
    assert!(args_line(&e, &fake()).starts_with("res=0 filename=/tmp/sh mode=04755(S_IXOTH|"));
}

#[test]
fn fchmod_and_fchmodat() {
    let e = exit("fchmod", 0, &[3, 0o2750], &[]);
    assert_eq!(text(&e, "fd").unwrap(), "<f>/etc/passwd");
    assert!(text(&e, "mode").unwrap().contains("S_ISGID"));
    let e = exit("fchmodat", 0, &[AT_FDCWD, 0, 0o644], &[(1, b"a/b")]);
    assert_eq!(text(&e, "filename").unwrap(), "/home/user/a/b");
    assert!(!text(&e, "mode").unwrap().contains("S_IX"));
}

#[test]
fn chown_family() {
    let e = exit("chown", 0, &[0, 0, 0], &[(0, b"/etc/sudoers")]);
    assert_eq!(text(&e, "path").unwrap(), "/etc/sudoers");
    assert_eq!(text(&e, "uid").unwrap(), "0");
    let e = exit("fchownat", 0, &[5, 0, 1000, 1000, 0x100], &[(1, b"cache")]);
    assert_eq!(text(&e, "pathname").unwrap(), "/var/lib/cache");
    assert_eq!(text(&e, "flags").unwrap(), "AT_SYMLINK_NOFOLLOW");
    let e = exit("fchown", 0, &[3, 0, 0], &[]);
    assert_eq!(text(&e, "fd").unwrap(), "<f>/etc/passwd");
}

#[test]
fn ptrace_attach() {
    let e = exit("ptrace", 0, &[16, 4242, 0, 0], &[]);
    assert_eq!(text(&e, "request").unwrap(), "PTRACE_ATTACH");
    assert!(text(&e, "request").unwrap().contains("PTRACE_ATTACH"));
    assert_eq!(arg_raw(&e, &fake(), "request"), Some(11));
    assert_eq!(text(&e, "pid").unwrap(), "victim");
    assert_eq!(
        args_line(&e, &fake()),
        "res=0 addr=0 data=0 request=11(PTRACE_ATTACH) pid=4242(victim)"
    );
    let traceme = exit("ptrace", 0, &[0, 0, 0, 0], &[]);
    assert_eq!(text(&traceme, "request").unwrap(), "PTRACE_TRACEME");
    let peek = exit("ptrace", 0, &[2, 1, 0, 0], &[]);
    assert!(!text(&peek, "request").unwrap().contains("PTRACE_ATTACH"));
}

#[test]
fn packet_socket() {
    let e = exit("socket", 3, &[17, 3, 0x0300], &[]);
    assert_eq!(text(&e, "domain").unwrap(), "AF_PACKET");
    assert!(text(&e, "domain").unwrap().contains("AF_PACKET"));
    assert_eq!(text(&e, "type").unwrap(), "3");
    assert_eq!(text(&e, "proto").unwrap(), "768");
    let inet = exit("socket", 3, &[2, 1, 0], &[]);
    assert_eq!(text(&inet, "domain").unwrap(), "AF_INET");
    assert!(args_line(&inet, &fake()).contains("domain=2(AF_INET) type=1 proto=0"));
}

#[test]
fn symlink_and_symlinkat() {
    let e = exit(
        "symlinkat",
        0,
        &[0, AT_FDCWD, 0],
        &[(0, b"/etc/shadow"), (2, b"s")],
    );
    assert_eq!(text(&e, "target").unwrap(), "/etc/shadow");
    assert_eq!(text(&e, "linkpath").unwrap(), "/home/user/s");
    assert_eq!(text(&e, "linkdirfd").unwrap(), "AT_FDCWD");
    let e = exit("symlink", 0, &[], &[(0, b"/etc"), (1, b"/tmp/etc")]);
    assert_eq!(text(&e, "target").unwrap(), "/etc");
    assert_eq!(text(&e, "linkpath").unwrap(), "/tmp/etc");
}

#[test]
fn link_and_linkat() {
    let e = exit(
        "linkat",
        0,
        &[AT_FDCWD, 0, 5, 0, 0x400],
        &[(1, b"/etc/shadow"), (3, b"x")],
    );
    assert_eq!(text(&e, "oldpath").unwrap(), "/etc/shadow");
    assert_eq!(text(&e, "newpath").unwrap(), "/var/lib/x");
    assert_eq!(text(&e, "flags").unwrap(), "AT_SYMLINK_FOLLOW");
    let e = exit("link", 0, &[], &[(0, b"/etc/passwd"), (1, b"p")]);
    assert_eq!(text(&e, "oldpath").unwrap(), "/etc/passwd");
    assert_eq!(text(&e, "newpath").unwrap(), "/home/user/p");
}

#[test]
fn rename_family() {
    let e = exit(
        "renameat2",
        0,
        &[AT_FDCWD, 0, AT_FDCWD, 0, 1],
        &[(1, b".bash_history"), (3, b"/tmp/h")],
    );
    assert_eq!(text(&e, "oldpath").unwrap(), "/home/user/.bash_history");
    assert!(text(&e, "oldpath").unwrap().ends_with("ash_history"));
    assert_eq!(text(&e, "newpath").unwrap(), "/tmp/h");
    assert_eq!(text(&e, "flags").unwrap(), "RENAME_NOREPLACE");
    let e = exit("rename", 0, &[], &[(0, b"/usr/bin/a"), (1, b"/usr/bin/b")]);
    assert_eq!(text(&e, "newpath").unwrap(), "/usr/bin/b");
}

#[test]
fn mount_and_umount() {
    let e = exit(
        "mount",
        0,
        &[0, 0, 0, 0xc0ed_0000 | 4096 | 16384],
        &[(0, b"/dev/sda1"), (1, b"/mnt"), (2, b"ext4")],
    );
    assert_eq!(text(&e, "dev").unwrap(), "/dev/sda1");
    assert_eq!(text(&e, "dir").unwrap(), "/mnt");
    assert_eq!(text(&e, "type").unwrap(), "ext4");
    assert_eq!(text(&e, "flags").unwrap(), "BIND|REC");
    let e = exit("umount2", 0, &[0, 2], &[(0, b"/mnt")]);
    assert_eq!(text(&e, "name").unwrap(), "/mnt");
    assert_eq!(text(&e, "flags").unwrap(), "DETACH");
}

#[test]
fn unshare_and_setns() {
    let e = exit("unshare", 0, &[0x0002_0000 | 0x1000_0000], &[]);
    assert_eq!(text(&e, "flags").unwrap(), "CLONE_NEWNS|CLONE_NEWUSER");
    assert!(text(&e, "flags").unwrap().contains("CLONE_NEWNS"));
    let e = exit("setns", -1, &[3, 0x4000_0000], &[]);
    assert_eq!(text(&e, "nstype").unwrap(), "CLONE_NEWNET");
    assert_eq!(text(&e, "res").unwrap(), "EPERM");
}

#[test]
fn capset_masks() {
    let mut caps = Vec::new();
    // low word: effective, permitted, inheritable; then the high word.
    for v in [0x0000_2000u32, 0xffff_ffff, 0, 0, 0x1ff, 0] {
        caps.extend_from_slice(&v.to_le_bytes());
    }
    let e = exit("capset", 0, &[0, 0], &[(1, &caps)]);
    assert_eq!(text(&e, "cap_effective").unwrap(), "2000");
    assert_eq!(text(&e, "cap_permitted").unwrap(), "1FFFFFFFFFF");
    assert_eq!(text(&e, "cap_inheritable").unwrap(), "0");
    assert_eq!(arg_raw(&e, &fake(), "cap_permitted"), Some(0x1ff_ffff_ffff));
    let short = exit("capset", 0, &[0, 0], &[(1, &caps[..12])]);
    assert_eq!(text(&short, "cap_permitted").unwrap(), "FFFFFFFF");
    let none = exit("capset", 0, &[0, 0], &[]);
    assert_eq!(text(&none, "cap_permitted"), None);
}

#[test]
fn setuid_user_names() {
    let e = exit("setuid", 0, &[65534], &[]);
    assert_eq!(text(&e, "uid").unwrap(), "nobody");
    assert_eq!(arg_raw(&e, &fake(), "uid"), Some(65534));
    assert_eq!(args_line(&e, &fake()), "res=0 uid=65534(nobody)");
    let root = exit("setuid", 0, &[0], &[]);
    assert_eq!(text(&root, "uid").unwrap(), "root");
    let unknown = exit("setuid", 0, &[4321], &[]);
    assert_eq!(text(&unknown, "uid").unwrap(), "<NA>");
    assert_eq!(args_line(&unknown, &fake()), "res=0 uid=4321(<NA>)");
    let e = exit("setresuid", 0, &[0, 0, u64::from(u32::MAX)], &[]);
    assert_eq!(text(&e, "euid").unwrap(), "root");
    assert_eq!(arg_raw(&e, &fake(), "suid"), Some(i64::from(u32::MAX)));
}

#[test]
fn memfd_create() {
    let e = exit("memfd_create", 3, &[0, 1], &[(0, b"payload")]);
    assert_eq!(text(&e, "name").unwrap(), "payload");
    assert_eq!(text(&e, "flags").unwrap(), "MFD_CLOEXEC");
}

#[test]
fn bpf_command() {
    let e = exit("bpf", 7, &[5, 0, 0], &[]);
    assert_eq!(text(&e, "cmd").unwrap(), "BPF_PROG_LOAD");
    assert_eq!(arg_raw(&e, &fake(), "cmd"), Some(5));
    let other = exit("bpf", 0, &[0, 0, 0], &[]);
    assert_eq!(text(&other, "cmd").unwrap(), "BPF_MAP_CREATE");
}

#[test]
fn connect_tuple_and_address() {
    let mut addr = vec![2, 0];
    addr.extend_from_slice(&2222u16.to_be_bytes());
    addr.extend_from_slice(&[10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    let e = exit("connect", 0, &[7, 0, 16], &[(1, &addr)]);
    assert_eq!(text(&e, "addr").unwrap(), "10.0.0.2:2222");
    assert_eq!(text(&e, "tuple").unwrap(), "10.0.0.1:40000->10.0.0.2:2222");
    assert_eq!(text(&e, "fd").unwrap(), "<4t>10.0.0.1:40000->10.0.0.2:2222");
    let unknown_fd = exit("connect", -115, &[9, 0, 16], &[(1, &addr)]);
    assert_eq!(text(&unknown_fd, "tuple").unwrap(), "10.0.0.2:2222");
    assert_eq!(text(&unknown_fd, "res").unwrap(), "EINPROGRESS");
    assert_eq!(error_name(unknown_fd.ret), Some("EINPROGRESS"));
}

#[test]
fn io_buffers() {
    let e = exit("read", 5, &[3, 0, 4096], &[(1, b"root:\x00\n")]);
    assert_eq!(text(&e, "data").unwrap(), "root:..");
    assert_eq!(text(&e, "size").unwrap(), "4096");
    assert_eq!(text(&e, "fd").unwrap(), "<f>/etc/passwd");
    let empty = exit("write", 0, &[3, 0, 0], &[]);
    assert_eq!(text(&empty, "data"), None);
    assert!(args_line(&empty, &fake()).contains("data=<NA>"));
}

#[test]
fn pipes_and_dups() {
    let mut pair = Vec::new();
    pair.extend_from_slice(&3i32.to_le_bytes());
    pair.extend_from_slice(&4i32.to_le_bytes());
    let e = exit("pipe2", 0, &[0, O_CLOEXEC], &[(0, &pair)]);
    assert_eq!(text(&e, "fd1").unwrap(), "<f>/etc/passwd");
    assert_eq!(text(&e, "fd2").unwrap(), "4");
    assert_eq!(text(&e, "flags").unwrap(), "O_CLOEXEC");
    let short = exit("pipe", 0, &[0], &[(0, &pair[..6])]);
    assert_eq!(text(&short, "fd1").unwrap(), "<f>/etc/passwd");
    assert_eq!(text(&short, "fd2"), None);
    let e = exit("dup2", 1, &[7, 1], &[]);
    assert_eq!(
        text(&e, "oldfd").unwrap(),
        "<4t>10.0.0.1:40000->10.0.0.2:2222"
    );
    assert_eq!(arg_raw(&e, &fake(), "newfd"), Some(1));
}

#[test]
fn kill_signal() {
    let e = exit("kill", 0, &[4242, 9], &[]);
    assert_eq!(text(&e, "sig").unwrap(), "SIGKILL");
    assert_eq!(
        args_line(&e, &fake()),
        "res=0 pid=4242(victim) sig=9(SIGKILL)"
    );
    let e = exit("tgkill", 0, &[1, 1, 64], &[]);
    assert_eq!(text(&e, "sig").unwrap(), "64");
}

#[test]
fn prctl_and_fcntl() {
    let e = exit("prctl", 0, &[38, 1], &[]);
    assert_eq!(text(&e, "option").unwrap(), "PR_SET_NO_NEW_PRIVS");
    assert_eq!(text(&e, "arg2_int").unwrap(), "1");
    let e = exit("fcntl", 10, &[3, 1030, 10], &[]);
    assert_eq!(text(&e, "cmd").unwrap(), "F_DUPFD_CLOEXEC");
}

#[test]
fn unlink_mkdir_rmdir() {
    let e = exit("unlinkat", 0, &[5, 0, 0x200], &[(1, b"old")]);
    assert_eq!(text(&e, "name").unwrap(), "/var/lib/old");
    assert_eq!(text(&e, "flags").unwrap(), "AT_REMOVEDIR");
    let e = exit("mkdir", 0, &[0, 0o755], &[(0, b"/usr/bin/.hidden")]);
    assert_eq!(text(&e, "path").unwrap(), "/usr/bin/.hidden");
    assert_eq!(text(&e, "mode").unwrap(), "1ED");
    let e = exit("mkdirat", 0, &[AT_FDCWD, 0, 0o700], &[(1, b"d")]);
    assert_eq!(text(&e, "path").unwrap(), "/home/user/d");
    let e = exit("rmdir", 0, &[], &[(0, b"x/../y")]);
    assert_eq!(text(&e, "path").unwrap(), "/home/user/y");
}

#[test]
fn chdir_is_not_resolved() {
    let e = exit("chdir", 0, &[], &[(0, b"sub")]);
    assert_eq!(text(&e, "path").unwrap(), "sub");
    let e = exit("fchdir", 0, &[5], &[]);
    assert_eq!(text(&e, "fd").unwrap(), "<d>/var/lib");
}

#[test]
fn kernel_modules() {
    let e = exit("init_module", -1, &[0, 1024, 0], &[(2, b"debug=1")]);
    assert_eq!(text(&e, "uargs").unwrap(), "debug=1");
    assert_eq!(text(&e, "length").unwrap(), "1024");
    assert_eq!(text(&e, "img"), None);
    let e = exit("finit_module", 0, &[3, 0, 0], &[(1, b"")]);
    assert_eq!(text(&e, "fd").unwrap(), "<f>/etc/passwd");
    assert_eq!(text(&e, "uargs").unwrap(), "");
}

#[test]
fn execve_takes_process_values_from_the_context() {
    let mut ctx = fake();
    ctx.process = vec![
        (ProcessField::Exe, ProcessValue::Text("/bin/sh".into())),
        (
            ProcessField::Args,
            ProcessValue::List(vec!["-c".into(), "id".into()]),
        ),
        (ProcessField::Pid, ProcessValue::Num(4242)),
        (ProcessField::ExeFlags, ProcessValue::Num(4)),
        (ProcessField::Uid, ProcessValue::Num(0)),
    ];
    let e = exit("execve", 0, &[0, 0, 0], &[(0, b"/proc/self/fd/3")]);
    assert_eq!(arg_text(&e, &ctx, "flags").unwrap(), "EXE_FROM_MEMFD");
    assert_eq!(arg_text(&e, &ctx, "exe").unwrap(), "/bin/sh");
    assert_eq!(arg_text(&e, &ctx, "args").unwrap(), "-c.id.");
    assert_eq!(arg_text(&e, &ctx, "pid").unwrap(), "victim");
    assert_eq!(arg_text(&e, &ctx, "uid").unwrap(), "root");
    assert_eq!(arg_text(&e, &ctx, "filename").unwrap(), "/proc/self/fd/3");
    assert_eq!(arg_text(&e, &ctx, "cwd"), None);
    // Without a context nothing process-related is known, and nothing breaks.
    assert_eq!(arg_text(&e, &NoContext, "flags"), None);
    assert!(args_line(&e, &NoContext).starts_with("res=0 exe=<NA>"));
    let at = exit("execveat", -2, &[AT_FDCWD, 0, 0, 0, 0x1000], &[(1, b"run")]);
    assert_eq!(arg_text(&at, &ctx, "filename").unwrap(), "/home/user/run");
    assert_eq!(arg_text(&at, &ctx, "res").unwrap(), "ENOENT");
}

#[test]
fn clone_flags_by_entry_point() {
    let e = exit("clone", 100, &[0x0002_0000 | 0x11, 0, 0, 0, 0], &[]);
    assert_eq!(text(&e, "flags").unwrap(), "CLONE_NEWNS");
    assert_eq!(text(&e, "res").unwrap(), "100");
    let args = (0x4000_0000u64).to_le_bytes();
    let e = exit("clone3", 0, &[0, 88], &[(0, &args)]);
    assert_eq!(text(&e, "flags").unwrap(), "CLONE_NEWNET");
    let e = exit("fork", 4000, &[], &[]);
    assert_eq!(text(&e, "flags").unwrap(), "0");
    assert_eq!(arg_raw(&e, &fake(), "flags"), Some(0));
    let e = exit("vfork", 4000, &[], &[]);
    assert_eq!(text(&e, "res").unwrap(), "4000");
}

#[test]
fn generic_syscalls() {
    let e = exit("setreuid", 0, &[1, 1], &[]);
    assert!(schema(e.nr).is_none());
    assert_eq!(text(&e, "ID").unwrap(), "setreuid");
    assert_eq!(args_line(&e, &fake()), format!("ID={}(setreuid)", e.nr));
    assert_eq!(text(&e, "uid"), None);
    let unknown = SyscallExit {
        nr: 100_000,
        ret: 0,
        args: [0; 6],
        memory: Default::default(),
    };
    assert_eq!(text(&unknown, "ID").unwrap(), "100000");
}

#[test]
fn malformed_input_never_panics() {
    let garbage: &[u8] = &[0xff, 0xfe, 0x00, 0x80];
    for schema in schema::all() {
        let nr = number(schema.event).unwrap();
        for ret in [i64::MIN, -1, 0, i64::MAX] {
            for memory in [None, Some(Vec::new()), Some(garbage.to_vec())] {
                let e = SyscallExit {
                    nr,
                    ret,
                    args: [u64::MAX; 6],
                    memory: std::array::from_fn(|_| memory.clone()),
                };
                let _ = args_line(&e, &fake());
                let _ = args_line(&e, &NoContext);
                for (i, p) in schema.params.iter().enumerate() {
                    let _ = arg_text(&e, &fake(), p.name);
                    let _ = arg_text(&e, &fake(), &i.to_string());
                    let _ = arg_raw(&e, &fake(), p.name);
                }
            }
        }
    }
}

#[test]
fn non_utf8_paths_are_replaced_not_rejected() {
    let e = exit("unlink", 0, &[], &[(0, b"/tmp/\xffname")]);
    assert_eq!(text(&e, "path").unwrap(), "/tmp/\u{fffd}name");
}

#[test]
fn unknown_keys() {
    let e = exit("close", 0, &[3], &[]);
    assert_eq!(text(&e, "nope"), None);
    assert_eq!(text(&e, "2"), None);
    assert_eq!(text(&e, "1").unwrap(), "<f>/etc/passwd");
    assert_eq!(arg_raw(&e, &fake(), "fd"), Some(3));
}

#[test]
fn descriptors_use_the_low_32_bits_of_the_register() {
    // AT_FDCWD zero-extended by a caller that passed an int.
    let e = exit("openat", 3, &[0xffff_ff9c, 0, 0, 0], &[(1, b"f")]);
    assert_eq!(text(&e, "dirfd").unwrap(), "AT_FDCWD");
    assert_eq!(text(&e, "name").unwrap(), "/home/user/f");
}

#[test]
fn every_argument_name_the_rules_use_exists_where_they_use_it() {
    // (event types a rule or macro pairs with the name, name), from the
    // stable, incubating and sandbox rule files.
    let uses: &[(&[&str], &str)] = &[
        (
            &["open", "openat", "openat2", "execve", "execveat"],
            "flags",
        ),
        (
            &[
                "open",
                "openat",
                "openat2",
                "creat",
                "unlinkat",
                "memfd_create",
            ],
            "name",
        ),
        (
            &["mkdir", "mkdirat", "rmdir", "unlink", "chown", "lchown"],
            "path",
        ),
        (
            &["rename", "renameat", "renameat2", "link", "linkat"],
            "oldpath",
        ),
        (
            &["rename", "renameat", "renameat2", "link", "linkat"],
            "newpath",
        ),
        (&["symlink", "symlinkat"], "target"),
        (&["symlink", "symlinkat"], "linkpath"),
        (&["socket", "socketpair"], "domain"),
        (&["ptrace"], "request"),
        (&["setuid"], "uid"),
        (
            &[
                "chmod", "fchmod", "fchmodat", "open", "openat", "openat2", "creat",
            ],
            "mode",
        ),
        (
            &["fchmod", "open", "openat", "openat2", "close", "connect"],
            "fd",
        ),
        (&["chmod", "fchmodat", "execve", "execveat"], "filename"),
        (&["bpf"], "cmd"),
        (&["setuid", "chmod", "unshare", "ptrace", "connect"], "res"),
    ];
    for (events, name) in uses {
        for event in *events {
            let schema = schema::by_event_name(event).unwrap();
            assert!(
                schema.find(name).is_some(),
                "{event} has no parameter {name}"
            );
        }
    }
}

#[test]
fn positions_follow_falco_order() {
    let names = |event: &str| -> Vec<&str> {
        schema::by_event_name(event)
            .unwrap()
            .params
            .iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(
        names("openat"),
        ["fd", "dirfd", "name", "flags", "mode", "dev", "ino"]
    );
    assert_eq!(names("ptrace"), ["res", "addr", "data", "request", "pid"]);
    assert_eq!(names("connect"), ["res", "tuple", "fd", "addr"]);
    assert_eq!(names("socket"), ["fd", "domain", "type", "proto"]);
    assert_eq!(
        names("symlinkat"),
        ["res", "target", "linkdirfd", "linkpath"]
    );
    assert_eq!(
        names("linkat"),
        ["res", "olddir", "oldpath", "newdir", "newpath", "flags"]
    );
    assert_eq!(names("mount"), ["res", "dev", "dir", "type", "flags"]);
    assert_eq!(names("execve").len(), 31);
    assert_eq!(names("execve")[19], "flags");
    assert_eq!(names("clone").len(), 21);
    assert_eq!(names("clone")[15], "flags");
}
